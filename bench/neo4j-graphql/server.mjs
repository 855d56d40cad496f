// GraphQL server built with the Neo4j GraphQL Library (@neo4j/graphql) over modelgraph's Neo4j
// database, for benchmarking the same canonical queries as modelgraph and raw Cypher.
//
// Env: NEO4J_URI (default bolt://127.0.0.1:7687), NEO4J_USERNAME / NEO4J_PASSWORD (basic auth
// only when NEO4J_USERNAME is set, else no auth), NEO4J_DATABASE (default neo4j), PORT (4000).
// Listens on 127.0.0.1 only; POST /graphql with JSON {query, variables}.
// Prints exactly one line "READY http://127.0.0.1:PORT/graphql" on stdout when listening.
import { ApolloServer } from "@apollo/server";
import { startStandaloneServer } from "@apollo/server/standalone";
import { ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginUsageReportingDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginSchemaReportingDisabled } from "@apollo/server/plugin/disabled";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { Neo4jGraphQL } from "@neo4j/graphql";
import neo4j from "neo4j-driver";

const env = process.env;
const uri = env.NEO4J_URI || "bolt://127.0.0.1:7687";
const port = Number.parseInt(env.PORT || "4000", 10);
const database = env.NEO4J_DATABASE || "neo4j";
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`bad PORT ${env.PORT}`);
  process.exit(2);
}

// Propagating relationship types (impact flows along them) and attached ones (watchers).
const PROPAGATING = [
  "PART_OF", "REALIZES", "SUPPORTS", "DELIVERS", "TARGETS", "GENERATES", "INCURS", "SUPPLIES", "FLOWS_TO",
];
const ATTACHED = ["INVOLVED_IN", "MEASURES", "REPORTS_TO", "LOCATED_AT"];
const PROP_PATTERN = PROPAGATING.join("|");

// PART_OF -> partOf (outgoing) and partOfIncoming (incoming).
const fieldName = (type) => type.toLowerCase().replace(/_([a-z])/g, (_, c) => c.toUpperCase());
const relationshipFields = [...PROPAGATING, ...ATTACHED]
  .flatMap((type) => [
    `  "Elements this one points to with ${type} (outgoing)."\n` +
      `  ${fieldName(type)}: [Element!]! @relationship(type: "${type}", direction: OUT, properties: "Link", aggregate: false)`,
    `  "Elements that point to this one with ${type} (incoming)."\n` +
      `  ${fieldName(type)}Incoming: [Element!]! @relationship(type: "${type}", direction: IN, properties: "Link", aggregate: false)`,
  ])
  .join("\n");

// Processes reached from x along incoming propagating relationships within 6 hops, each once
// with its fewest hops (ANY SHORTEST gives one shortest path per (x, s) pair).
const supportersCypher = `
MATCH (x:Element {model: $model, key: $key})
MATCH p = ANY SHORTEST (x)<-[:${PROP_PATTERN}]-{1,6}(s:Element WHERE s <> x AND s.kind IN ['Process'])
WITH s, p ORDER BY length(p), s.kind, s.key
RETURN {
  key: s.key,
  distance: length(p),
  steps: [r IN relationships(p) | {from: startNode(r).key, type: type(r), to: endNode(r).key}]
} AS supporter`;

// The same count for an element already matched (this), for the dashboard.
const supportingProcessCountCypher = `
MATCH p = ANY SHORTEST (this)<-[:${PROP_PATTERN}]-{1,6}(s:Element WHERE s <> this AND s.kind IN ['Process'])
RETURN count(DISTINCT s) AS count`;

const impactCypher = `
MATCH (x:Element {model: $model, key: $key})
CALL (x) { MATCH (x)<-[:PART_OF]-{0,}(part:Element) RETURN collect(DISTINCT part) AS scope }
CALL (scope) {
  UNWIND scope AS s
  MATCH p = ANY SHORTEST (s)-[:${PROP_PATTERN}]->{1,6}(a:Element WHERE NOT a IN scope)
  WITH a, p ORDER BY length(p), s.key
  WITH a, collect(p)[0] AS p
  RETURN collect({key: a.key, kind: a.kind, distance: length(p)}) AS affected
}
RETURN {scope: [n IN scope | n.key], affected: affected} AS impact`;

// One row per step, in path order; no row (an empty list) when there is no path.
const pathCypher = `
MATCH (a:Element {model: $model, key: $from}), (b:Element {model: $model, key: $to})
MATCH p = ANY SHORTEST (a)-[:${PROP_PATTERN}]->{1,6}(b)
UNWIND relationships(p) AS r
RETURN {from: startNode(r).key, type: type(r), to: endNode(r).key} AS step`;

// Alternative to the per-type @relationship fields: every relationship in one @cypher field.
const outgoingCypher = `
MATCH (this)-[r]->(t:Element)
WITH r, t ORDER BY type(r), t.key
RETURN {type: type(r), key: t.key} AS edge`;
const incomingCypher = `
MATCH (this)<-[r]-(f:Element)
WITH r, f ORDER BY type(r), f.key
RETURN {type: type(r), key: f.key} AS edge`;

const cypher = (s) => `"""${s}\n"""`;

export const typeDefs = /* GraphQL */ `
"A business or operating model (only its key, name and description)."
type Model @node(labels: ["Model"]) {
  key: String!
  name: String
  description: String
}

"Properties a relationship may have."
type Link @relationshipProperties {
  share: Float
  substitutable: Boolean
  kind: String
  raci: String
}

"Any element of a model; its kind label is not mapped, the kind property is."
type Element @node(labels: ["Element"]) {
  model: String!
  key: String!
  kind: String!
  name: String!
  description: String
  tags: [String!]
  version: Int
  createdAt: DateTime
  updatedAt: DateTime
${relationshipFields}
  "Every outgoing relationship as {type, key of the target}, ordered by type and key."
  outgoing: [Edge!]! @cypher(statement: ${cypher(outgoingCypher)}, columnName: "edge")
  "Every incoming relationship as {type, key of the source}, ordered by type and key."
  incoming: [Edge!]! @cypher(statement: ${cypher(incomingCypher)}, columnName: "edge")
  "How many processes reach this element along incoming propagating relationships within 6 hops."
  supportingProcessCount: Int! @cypher(statement: ${cypher(supportingProcessCountCypher)}, columnName: "count")
}

"A relationship seen from one end: its type and the key of the element at the other end."
type Edge {
  type: String!
  key: String!
}

"One relationship of a path, in the direction of the relationship."
type Step {
  from: String!
  type: String!
  to: String!
}

"A process supporting the element asked about, with its fewest hops and one shortest path."
type Supporter {
  key: String!
  distance: Int!
  steps: [Step!]!
}

type Affected {
  key: String!
  kind: String!
  distance: Int!
}

type Impact {
  "Keys of the element and its parts at any depth."
  scope: [String!]!
  "Elements reached from the scope along outgoing propagating relationships within 6 hops."
  affected: [Affected!]!
}

type Query {
  "Processes supporting an element within 6 hops, ordered by distance, kind, key."
  supporters(model: String!, key: String!): [Supporter!]!
    @cypher(statement: ${cypher(supportersCypher)}, columnName: "supporter")
  "What a change to an element affects within 6 hops; null when the element does not exist."
  impact(model: String!, key: String!): Impact
    @cypher(statement: ${cypher(impactCypher)}, columnName: "impact")
  "One shortest directed path within 6 hops as steps; empty when there is none."
  path(model: String!, from: String!, to: String!): [Step!]!
    @cypher(statement: ${cypher(pathCypher)}, columnName: "step")
}
`;

if (env.PRINT_TYPEDEFS) {
  process.stdout.write(typeDefs);
  process.exit(0);
}

const auth = env.NEO4J_USERNAME ? neo4j.auth.basic(env.NEO4J_USERNAME, env.NEO4J_PASSWORD || "") : undefined;
const driver = neo4j.driver(uri, auth, { userAgent: "modelgraph-bench-neo4j-graphql" });

// No assertIndexesAndConstraints: the library never creates or alters indexes or constraints here.
// debug: false switches the library's debug logging off even when DEBUG is set; with DEBUG set
// (e.g. DEBUG=@neo4j/graphql:execution) it is left to the debug package, to see the Cypher.
const neoSchema = new Neo4jGraphQL({ typeDefs, driver, debug: env.DEBUG ? undefined : false });
const schema = await neoSchema.getSchema();

const server = new ApolloServer({
  schema,
  introspection: false,
  includeStacktraceInErrorResponses: false,
  nodeEnv: "production",
  // Our own handler below stops the server and the driver and exits with status 0.
  stopOnTerminationSignals: false,
  plugins: [
    ApolloServerPluginLandingPageDisabled(),
    ApolloServerPluginUsageReportingDisabled(),
    ApolloServerPluginSchemaReportingDisabled(),
    ApolloServerPluginInlineTraceDisabled(),
  ],
});

const { url } = await startStandaloneServer(server, {
  listen: { host: "127.0.0.1", port },
  context: async () => ({ sessionConfig: { database } }),
});

let stopping = false;
async function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  const timer = setTimeout(() => process.exit(1), 10_000);
  timer.unref();
  try {
    await server.stop();
    await driver.close();
  } catch (err) {
    console.error(`shutdown after ${signal}: ${err?.message ?? err}`);
    process.exit(1);
  }
  process.exit(0);
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));

process.stdout.write(`READY http://127.0.0.1:${new URL(url).port}/graphql\n`);
