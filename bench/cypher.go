package main

import (
	"context"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// The traversal Cypher of the store (graph/traverse.go, graph/read.go, graph/model.go) and the
// reads the resolvers make for each canonical query, copied here as constants with the bench's
// arguments spliced in (depth 6, the propagating types): the floor of the raw-Cypher column. It is
// frozen on purpose, so that the column does not move when graph/ changes.
const (
	// propagatingPattern is relPattern(PropagatingTypes()) in table order.
	propagatingPattern = "PART_OF|REALIZES|SUPPORTS|DELIVERS|TARGETS|GENERATES|INCURS|SUPPLIES|FLOWS_TO"

	frozenLeanSteps     = `[r IN relationships(p) | [startNode(r).key, type(r), endNode(r).key, properties(r)]]`
	frozenSteps         = `[r IN relationships(p) | [properties(startNode(r)), type(r), properties(endNode(r)), properties(r)]]`
	frozenDistinctNodes = `CALL (paths) { UNWIND paths AS q UNWIND nodes(q) AS n RETURN collect(DISTINCT properties(n)) AS nodes }`
	frozenSupporterPat  = `ANY SHORTEST (x)<-[:` + propagatingPattern + `]-{1,6}(s:Element WHERE s <> x AND ($kinds IS NULL OR s.kind IN $kinds))`

	// Store.Element.
	cypherElement = `OPTIONAL MATCH (m:Model {key: $model})
OPTIONAL MATCH (e:Element {model: $model, key: $key})
RETURN m IS NOT NULL AS hasModel, properties(e) AS e`

	// Store.ListElements with no filter and no count: the page of elements by key.
	cypherListElements = `OPTIONAL MATCH (m:Model {key: $model})
CALL (m) {
  MATCH (e:Element {model: $model})
  WHERE m IS NOT NULL AND $count AND ($kinds IS NULL OR e.kind IN $kinds)
    AND ($search IS NULL OR toLower(e.key) CONTAINS $search OR toLower(e.name) CONTAINS $search
         OR toLower(coalesce(e.description, '')) CONTAINS $search)
  RETURN count(e) AS total
}
CALL (m) {
  MATCH (e:Element {model: $model})
  WHERE m IS NOT NULL AND e.key > $after AND ($kinds IS NULL OR e.kind IN $kinds)
    AND ($search IS NULL OR toLower(e.key) CONTAINS $search OR toLower(e.name) CONTAINS $search
         OR toLower(coalesce(e.description, '')) CONTAINS $search)
  WITH e ORDER BY e.key LIMIT $limit
  RETURN collect(properties(e)) AS page
}
RETURN m IS NOT NULL AS hasModel, total, page`

	// Store.Neighbours, one query per direction, for every element of the page.
	cypherNeighboursOut = `UNWIND $refs AS ref
MATCH (e:Element {model: ref[0], key: ref[1]})
MATCH (e)-[r]->(o:Element)
RETURN ref[0] AS model, ref[1] AS key, type(r) AS type, properties(o) AS o, properties(r) AS p
ORDER BY model, key, type, o.key`
	cypherNeighboursIn = `UNWIND $refs AS ref
MATCH (e:Element {model: ref[0], key: ref[1]})
MATCH (e)<-[r]-(o:Element)
RETURN ref[0] AS model, ref[1] AS key, type(r) AS type, properties(o) AS o, properties(r) AS p
ORDER BY model, key, type, o.key`

	// Store.SupportersOf.
	cypherSupportersOf = `OPTIONAL MATCH (x:Element {model: $model, key: $key})
CALL (x) {
  MATCH p = ` + frozenSupporterPat + `
  WITH s, p ORDER BY length(p), s.kind, s.key
  WITH collect([s.key, length(p), ` + frozenLeanSteps + `]) AS found, collect(p) AS paths
  ` + frozenDistinctNodes + `
  RETURN found, nodes
}
RETURN x IS NOT NULL AS exists, found, nodes`

	// Store.Impact (impactTx), all propagating types.
	cypherImpact = `MATCH (x:Element {model: $model, key: $key})
CALL (x) {
  MATCH (x)<-[:PART_OF]-{0,}(part:Element)
  RETURN collect(DISTINCT part) AS scope
}
CALL (scope) {
  UNWIND scope AS s
  MATCH p = ANY SHORTEST (s)-[:` + propagatingPattern + `]->{1,6}(a:Element WHERE NOT a IN scope)
  WITH a, p ORDER BY length(p), s.key
  WITH a, collect(p)[0] AS p
  WITH collect([a.key, length(p), ` + frozenLeanSteps + `]) AS affected, collect(p) AS paths
  ` + frozenDistinctNodes + `
  RETURN affected, nodes
}
RETURN properties(x) AS source, [n IN scope | properties(n)] AS scope, affected, nodes`

	// Store.Path.
	cypherPath = `MATCH (a:Element {model: $model, key: $from}), (b:Element {model: $model, key: $to})
OPTIONAL MATCH p = ANY SHORTEST (a)-[:` + propagatingPattern + `]->{1,6}(b)
RETURN CASE WHEN p IS NULL THEN null ELSE ` + frozenSteps + ` END AS steps`

	// The dashboard: Store.Model, Store.ElementsOfKinds (the canvas block) and
	// Store.SupporterCounts.
	cypherModel = `MATCH (m:Model) WHERE $keys IS NULL OR m.key IN $keys
RETURN m.key, m.name, m.description ORDER BY m.key`
	cypherElementsOfKinds = `UNWIND $models AS m
MATCH (e:Element {model: m})
WHERE e.kind IN $kinds
RETURN properties(e) AS e
ORDER BY e.model, e.kind, e.key`
	cypherSupporterCounts = `UNWIND $roots AS root
MATCH (x:Element {model: root[0], key: root[1]})
CALL (x) {
  MATCH p = ` + frozenSupporterPat + `
  RETURN count(s) AS n
}
RETURN root[0] AS model, root[1] AS key, n`
)

// pageSize and linksPerDirection are the page query's sizes: the first 100 elements by key, and
// at most 100 relationships per direction for each (modelgraph's outgoing(first: 100)).
const (
	pageSize          = 100
	linksPerDirection = 100
)

// rawTarget sends the frozen Cypher through a Go driver of its own, with no HTTP or GraphQL in
// between: the floor. It reads every row and every value the store would read; it does not turn
// them into the store's Go types.
type rawTarget struct {
	driver  neo4j.DriverWithContext
	timeout time.Duration // the Neo4j transaction timeout of each query
}

func openRaw(ctx context.Context, uri, user, password string, timeout time.Duration) (*rawTarget, error) {
	d, err := neo4j.NewDriverWithContext(uri, neo4j.BasicAuth(user, password, ""), func(c *neo4j.Config) {
		c.MaxConnectionPoolSize = 256
	})
	if err != nil {
		return nil, err
	}
	if err := d.VerifyConnectivity(ctx); err != nil {
		d.Close(ctx)
		return nil, err
	}
	return &rawTarget{driver: d, timeout: timeout}, nil
}

func (t *rawTarget) name() string { return "raw-cypher" }

func (t *rawTarget) close() { t.driver.Close(context.Background()) }

// read runs one query in a read transaction and returns its records.
func (t *rawTarget) read(ctx context.Context, cypher string, params map[string]any) ([]*neo4j.Record, error) {
	s := t.driver.NewSession(ctx, neo4j.SessionConfig{AccessMode: neo4j.AccessModeRead})
	defer s.Close(context.Background())
	res, err := s.ExecuteRead(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		r, err := tx.Run(ctx, cypher, params)
		if err != nil {
			return nil, err
		}
		return r.Collect(ctx)
	}, neo4j.WithTxTimeout(t.timeout))
	if err != nil {
		return nil, err
	}
	return res.([]*neo4j.Record), nil
}

func (t *rawTarget) do(ctx context.Context, q string, a map[string]any, _ bool) (shape, error) {
	model := a["model"].(string)
	switch q {
	case "elementByKey":
		recs, err := t.read(ctx, cypherElement, map[string]any{"model": model, "key": a["key"]})
		if err != nil {
			return nil, err
		}
		if len(recs) == 0 || recs[0].Values[1] == nil {
			return shape{0}, nil
		}
		return shape{1}, nil
	case "page":
		recs, err := t.read(ctx, cypherListElements, map[string]any{"model": model, "kinds": nil, "search": nil, "after": "", "limit": pageSize + 1, "count": false})
		if err != nil {
			return nil, err
		}
		page, _ := recs[0].Values[2].([]any)
		if len(page) > pageSize {
			page = page[:pageSize]
		}
		refs := make([][]string, len(page))
		for i, e := range page {
			refs[i] = []string{model, e.(map[string]any)["key"].(string)}
		}
		out := shape{len(page), 0, 0}
		for i, c := range []string{cypherNeighboursOut, cypherNeighboursIn} {
			rows, err := t.read(ctx, c, map[string]any{"refs": refs})
			if err != nil {
				return nil, err
			}
			// The rows come by element then type and other key; each element keeps its first 100.
			per := map[string]int{}
			for _, r := range rows {
				k := r.Values[1].(string)
				if per[k] < linksPerDirection {
					per[k]++
					out[1+i]++
				}
			}
		}
		return out, nil
	case "supporters":
		recs, err := t.read(ctx, cypherSupportersOf, map[string]any{"model": model, "key": a["key"], "kinds": []string{"Process"}})
		if err != nil {
			return nil, err
		}
		found, _ := recs[0].Values[1].([]any)
		steps := 0
		for _, f := range found {
			steps += len(f.([]any)[2].([]any))
		}
		return shape{len(found), steps}, nil
	case "impact":
		recs, err := t.read(ctx, cypherImpact, map[string]any{"model": model, "key": a["key"]})
		if err != nil {
			return nil, err
		}
		if len(recs) == 0 {
			return nil, fmt.Errorf("impact of %v: no such element", a["key"])
		}
		scope, _ := recs[0].Values[1].([]any)
		affected, _ := recs[0].Values[2].([]any)
		return shape{len(scope), len(affected)}, nil
	case "path":
		recs, err := t.read(ctx, cypherPath, map[string]any{"model": model, "from": a["from"], "to": a["to"]})
		if err != nil {
			return nil, err
		}
		if len(recs) == 0 || recs[0].Values[0] == nil {
			return shape{0}, nil
		}
		return shape{len(recs[0].Values[0].([]any))}, nil
	case "dashboard":
		if _, err := t.read(ctx, cypherModel, map[string]any{"keys": []string{model}}); err != nil {
			return nil, err
		}
		vps, err := t.read(ctx, cypherElementsOfKinds, map[string]any{"models": []string{model}, "kinds": []string{"ValueProposition"}})
		if err != nil {
			return nil, err
		}
		roots := make([][]string, len(vps))
		for i, r := range vps {
			roots[i] = []string{model, r.Values[0].(map[string]any)["key"].(string)}
		}
		counts, err := t.read(ctx, cypherSupporterCounts, map[string]any{"roots": roots, "kinds": []string{"Process"}})
		if err != nil {
			return nil, err
		}
		sum := 0
		for _, r := range counts {
			sum += int(r.Values[2].(int64))
		}
		return shape{len(vps), sum}, nil
	}
	return nil, fmt.Errorf("unknown query %s", q)
}

// admin runs one administrative command (SHOW or TERMINATE TRANSACTIONS) in an auto-commit
// transaction.
func (t *rawTarget) admin(ctx context.Context, cypher string, params map[string]any) ([]*neo4j.Record, error) {
	s := t.driver.NewSession(ctx, neo4j.SessionConfig{})
	defer s.Close(context.Background())
	r, err := s.Run(ctx, cypher, params)
	if err != nil {
		return nil, err
	}
	return r.Collect(ctx)
}
