// Package gen renders the files derived from the metamodel table. It is separate from the command
// so a test can compare its output with the files in the tree.
package gen

import (
	"fmt"
	"go/format"
	"slices"
	"strings"

	"github.com/modelgraph/modelgraph/graph"
)

// Files returns the generated files by path relative to the checkout's top folder.
func Files() map[string]string {
	goSrc, err := format.Source([]byte(goFile()))
	if err != nil {
		panic(fmt.Sprintf("kindgen: generated Go does not parse: %v\n%s", err, goFile()))
	}
	return map[string]string{
		"schema/metamodel.graphqls": sdlFile(),
		"resolvers/kinds_gen.go":    string(goSrc),
		"docs/metamodel.md":         docFile(),
	}
}

// field is one relationship field of a kind's object type.
type field struct {
	name, doc string
	dir       graph.Direction
	rel       graph.RelType
	gqlType   string // element type name, "Element", or a link type name
	link      bool
	kind      graph.Kind // for shortcuts: only elements of this kind
}

func fieldsOf(k graph.Kind) []field {
	var out []field
	for _, spec := range graph.Metamodel.Relationships {
		isLink := spec.Link != ""
		if targets := graph.AllowedTargets(spec.Type, k); len(targets) > 0 {
			t := single(targets)
			if isLink {
				t = spec.Link
			}
			out = append(out, field{name: spec.Out.Name, doc: spec.Out.Doc, dir: graph.Outgoing, rel: spec.Type, gqlType: t, link: isLink})
		}
		if sources := sourcesTo(spec.Type, k); len(sources) > 0 {
			t := single(sources)
			if isLink {
				t = spec.Link
			}
			out = append(out, field{name: spec.In.Name, doc: spec.In.Doc, dir: graph.Incoming, rel: spec.Type, gqlType: t, link: isLink})
		}
	}
	ks, _ := graph.LookupKind(string(k))
	for _, x := range ks.Shortcuts {
		out = append(out, field{name: x.Name, doc: x.Doc, dir: x.Dir, rel: x.Rel, gqlType: string(x.Kind), kind: x.Kind})
	}
	return out
}

// blocks returns the kinds that have a field on the Canvas type, in table order.
func blocks() []graph.KindSpec {
	var out []graph.KindSpec
	for _, s := range graph.Metamodel.Kinds {
		if s.Block.Name != "" {
			out = append(out, s)
		}
	}
	return out
}

func sourcesTo(t graph.RelType, to graph.Kind) []graph.Kind {
	var out []graph.Kind
	for _, k := range graph.Kinds() {
		if graph.Allowed(t, k, to) {
			out = append(out, k)
		}
	}
	return out
}

func single(ks []graph.Kind) string {
	if len(ks) == 1 {
		return string(ks[0])
	}
	return "Element"
}

// listDoc ends the description of every relationship field; firstDoc describes its first
// argument. The limits are those of resolvers/batch.go.
const (
	listDoc  = " Without first, all of them when there are at most 100; an element with more answers LIST_TOO_LONG."
	firstDoc = "Only the first this many, from 1 to 500."
)

// commonSDL are the Element interface's fields, repeated in every object type.
const commonSDL = `  "Key of the element, unique inside its model."
  key: ID!
  "Kind of the element; also its GraphQL type."
  kind: Kind!
  "Category of the element's kind."
  category: Category!
  "Display name."
  name: String!
  "Longer description, if any."
  description: String
  "Free-form tags."
  tags: [String!]!
  "All properties (string, number or boolean values), typed ones included."
  properties: JSON!
  "Key of the model the element belongs to."
  model: ID!
  "Version of the element: 1 when created, one more on every change."
  version: Int!
  """
  Relationships that start here, ordered by type and then the target's key. Without first, all
  of them when there are at most 100; an element with more answers LIST_TOO_LONG.
  """
  outgoing(
    "Only these types; all when omitted."
    types: [RelationshipType!]
    "Only the first this many, from 1 to 500."
    first: Int
  ): [Relationship!]!
  """
  Relationships that end here, ordered by type and then the source's key. Without first, all of
  them when there are at most 100; an element with more answers LIST_TOO_LONG.
  """
  incoming(
    "Only these types; all when omitted."
    types: [RelationshipType!]
    "Only the first this many, from 1 to 500."
    first: Int
  ): [Relationship!]!
  """
  Elements that support this one: everything reached by following propagating relationships
  backwards (incoming), each once with its fewest hops and one shortest path ending here.
  """
  supporters(
    "Only elements of these kinds; all when omitted."
    kinds: [Kind!]
    "Most hops to follow (default 6; the server refuses more than its cap)."
    maxDepth: Int
  ): [Supporter!]!
  "How many elements supporters would return, without returning them (for dashboards)."
  supporterCount(
    "Only elements of these kinds; all when omitted."
    kinds: [Kind!]
    "Most hops to follow (default 6; the server refuses more than its cap)."
    maxDepth: Int
  ): Int!
  "Recorded changes to this element and its relationships, newest first."
  history("At most this many (default 20, at most 500)." first: Int = 20): [Change!]!
  "The alignment findings about this element (all rules), in finding order."
  findings: [Finding!]!
`

func sdlFile() string {
	var b strings.Builder
	b.WriteString("# Code generated by resolvers/internal/kindgen from the metamodel table in graph/metamodel.go. DO NOT EDIT.\n\n")
	b.WriteString("\"The kinds of element (DOMAIN.md). Each is also an object type implementing Element.\"\nenum Kind {\n")
	for _, s := range graph.Metamodel.Kinds {
		fmt.Fprintf(&b, "  %q\n  %s\n", fmt.Sprintf("%s (%s)", s.Meaning, s.Category), s.Kind)
	}
	b.WriteString("}\n\n\"Groups of kinds.\"\nenum Category {\n")
	for _, c := range graph.Metamodel.Categories {
		fmt.Fprintf(&b, "  %q\n  %s\n", c.Meaning, c.Category)
	}
	b.WriteString("}\n\n\"Relationship types. Each points from the element depended upon to the element that depends on it.\"\nenum RelationshipType {\n")
	for _, r := range graph.Metamodel.Relationships {
		mode := "Attached: never propagates."
		if r.Propagating {
			mode = "Propagating."
		}
		fmt.Fprintf(&b, "  %q\n  %s\n", r.Meaning+" "+mode, r.Type)
	}
	b.WriteString("}\n")
	for _, s := range graph.Metamodel.Kinds {
		fmt.Fprintf(&b, "\n%q\ntype %s implements Element {\n%s", s.Meaning+" Kind "+string(s.Kind)+", category "+string(s.Category)+".", s.Kind, commonSDL)
		for _, p := range s.Properties {
			fmt.Fprintf(&b, "  %q\n  %s: %s\n", propDoc(p), p.Name, propGQL(p))
		}
		for _, f := range fieldsOf(s.Kind) {
			fmt.Fprintf(&b, "  %q\n  %s(%q first: Int): [%s!]!\n", f.doc+listDoc, f.name, firstDoc, f.gqlType)
		}
		b.WriteString("}\n")
	}
	b.WriteString("\n\"The Business Model Canvas of a model: each block's elements, ordered by key.\"\ntype Canvas {\n")
	for _, s := range blocks() {
		fmt.Fprintf(&b, "  %q\n  %s: [%s!]!\n", s.Block.Doc, s.Block.Name, s.Kind)
	}
	b.WriteString("}\n")
	for _, r := range graph.Metamodel.Relationships {
		name := r.Link
		if name == "" {
			continue
		}
		fmt.Fprintf(&b, "\n\"A %s relationship with its typed properties.\"\ntype %s {\n", r.Type, name)
		fmt.Fprintf(&b, "  \"Where the relationship starts.\"\n  from: %s!\n", single(graph.AllowedSources(r.Type)))
		fmt.Fprintf(&b, "  \"Where the relationship ends.\"\n  to: Element!\n")
		for _, p := range r.Properties {
			fmt.Fprintf(&b, "  %q\n  %s: %s\n", propDoc(p), p.Name, propGQL(p))
		}
		b.WriteString("  \"All properties of the relationship.\"\n  properties: JSON!\n}\n")
	}
	return b.String()
}

// money names the number properties that are amounts of money: GraphQL type Amount, which
// prints as a plain number.
var money = map[string]bool{"annualAmount": true}

func propGQL(p graph.PropertySpec) string {
	t := map[graph.PropType]string{graph.PropString: "String", graph.PropNumber: "Float", graph.PropInteger: "Int", graph.PropBool: "Boolean"}[p.Type]
	if p.Type == graph.PropNumber && money[p.Name] {
		t = "Amount"
	}
	if p.Required {
		t += "!"
	}
	return t
}

func propDoc(p graph.PropertySpec) string {
	d := fmt.Sprintf("Typed property %s (%s)", p.Name, p.Type)
	if len(p.Enum) > 0 {
		d += ": one of " + strings.Join(p.Enum, ", ")
	}
	if p.Min != nil && p.Max != nil {
		d += fmt.Sprintf(", from %v to %v", *p.Min, *p.Max)
	} else if p.Min != nil {
		d += fmt.Sprintf(", at least %v", *p.Min)
	}
	return d + "."
}

func goName(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

func goFile() string {
	var b strings.Builder
	b.WriteString(`// Code generated by resolvers/internal/kindgen from the metamodel table in graph/metamodel.go. DO NOT EDIT.

package resolvers

import (
	"context"

	"github.com/modelgraph/modelgraph/graph"
)

// wrap returns the GraphQL object for a node, by its kind.
func wrap(n *node) Element {
	switch n.e.Kind {
`)
	for _, k := range graph.Kinds() {
		fmt.Fprintf(&b, "\tcase graph.%s:\n\t\treturn &%s{n}\n", goConst(k), k)
	}
	b.WriteString("\t}\n\tpanic(\"resolvers: element of unknown kind \" + string(n.e.Kind))\n}\n")
	for _, s := range graph.Metamodel.Kinds {
		k := string(s.Kind)
		fmt.Fprintf(&b, "\n// %s is the GraphQL object for elements of kind %s.\ntype %s struct{ n *node }\n\n", k, k, k)
		fmt.Fprintf(&b, "func (o *%s) node() *node { return o.n }\n", k)
		for _, m := range commonMethods {
			fmt.Fprintf(&b, "\n// %s\nfunc (o *%s) %s\n", m.doc, k, strings.ReplaceAll(m.sig, "$", ""))
		}
		for _, p := range s.Properties {
			fmt.Fprintf(&b, "\n// %s returns the typed property %s.\nfunc (o *%s) %s() %s { return %s(o.n, %q) }\n",
				goName(p.Name), p.Name, k, goName(p.Name), propGo(p), propGetter(p), p.Name)
		}
		for _, f := range fieldsOf(s.Kind) {
			fmt.Fprintf(&b, "\n// %s: %s\n", goName(f.name), f.doc)
			switch {
			case f.link:
				fmt.Fprintf(&b, "func (o *%s) %s(ctx context.Context, first *int) ([]*%s, error) { return links(ctx, o.n, %s, graph.%s, first, new%s) }\n",
					k, goName(f.name), f.gqlType, goDir(f.dir), goRel(f.rel), f.gqlType)
			case f.kind != "":
				fmt.Fprintf(&b, "func (o *%s) %s(ctx context.Context, first *int) ([]*%s, error) { return related[*%s](ctx, o.n, %s, graph.%s, graph.%s, first) }\n",
					k, goName(f.name), f.gqlType, f.gqlType, goDir(f.dir), goRel(f.rel), goConst(f.kind))
			case f.gqlType == "Element":
				fmt.Fprintf(&b, "func (o *%s) %s(ctx context.Context, first *int) ([]Element, error) { return related[Element](ctx, o.n, %s, graph.%s, \"\", first) }\n",
					k, goName(f.name), goDir(f.dir), goRel(f.rel))
			default:
				fmt.Fprintf(&b, "func (o *%s) %s(ctx context.Context, first *int) ([]*%s, error) { return related[*%s](ctx, o.n, %s, graph.%s, \"\", first) }\n",
					k, goName(f.name), f.gqlType, f.gqlType, goDir(f.dir), goRel(f.rel))
			}
		}
	}
	b.WriteString(canvasGo())
	for _, r := range graph.Metamodel.Relationships {
		name := r.Link
		if name == "" {
			continue
		}
		fromType := single(graph.AllowedSources(r.Type))
		fromGo := "Element"
		if fromType != "Element" {
			fromGo = "*" + fromType
		}
		fmt.Fprintf(&b, "\n// %s is a %s relationship with its typed properties.\ntype %s struct{ l *link }\n\n", name, r.Type, name)
		fmt.Fprintf(&b, "func new%s(l *link) *%s { return &%s{l} }\n\n", name, name, name)
		fmt.Fprintf(&b, "// From is where the relationship starts.\nfunc (o *%s) From() %s { return o.l.from().(%s) }\n\n", name, fromGo, fromGo)
		fmt.Fprintf(&b, "// To is where the relationship ends.\nfunc (o *%s) To() Element { return o.l.to() }\n\n", name)
		fmt.Fprintf(&b, "// Properties are all properties of the relationship.\nfunc (o *%s) Properties() map[string]any { return jsonMap(o.l.props) }\n", name)
		for _, p := range r.Properties {
			fmt.Fprintf(&b, "\n// %s returns the typed property %s.\nfunc (o *%s) %s() %s { return %s(o.l, %q) }\n",
				goName(p.Name), p.Name, name, goName(p.Name), propGo(p), propGetter(p), p.Name)
		}
	}
	return b.String()
}

// canvasGo renders the Canvas object: a list per block, the map from field name to kind that
// Model.Canvas reads the selection with, and the filing of elements into their blocks.
func canvasGo() string {
	var b strings.Builder
	b.WriteString("\n// Canvas is a model's Business Model Canvas: each block's elements.\ntype Canvas struct {\n")
	for _, s := range blocks() {
		fmt.Fprintf(&b, "\t// %s: %s\n\t%s []*%s\n", goName(s.Block.Name), s.Block.Doc, goName(s.Block.Name), s.Kind)
	}
	b.WriteString("}\n\n// canvasFields maps the Canvas fields to their kinds.\nvar canvasFields = map[string]graph.Kind{\n")
	for _, s := range blocks() {
		fmt.Fprintf(&b, "\t%q: graph.%s,\n", s.Block.Name, goConst(s.Kind))
	}
	b.WriteString("}\n\n// newCanvas returns a canvas with every block empty.\nfunc newCanvas() *Canvas {\n\treturn &Canvas{\n")
	for _, s := range blocks() {
		fmt.Fprintf(&b, "\t\t%s: []*%s{},\n", goName(s.Block.Name), s.Kind)
	}
	b.WriteString("\t}\n}\n\n// add files elements into their blocks, each kind's elements in that kind's batch.\n" +
		"func (c *Canvas) add(batches map[graph.Kind]*batch, elems []graph.Element) {\n\tfor _, e := range elems {\n\t\tswitch o := wrap(batches[e.Kind].add(e)).(type) {\n")
	for _, s := range blocks() {
		f := goName(s.Block.Name)
		fmt.Fprintf(&b, "\t\tcase *%s:\n\t\t\tc.%s = append(c.%s, o)\n", s.Kind, f, f)
	}
	b.WriteString("\t\t}\n\t}\n}\n")
	return b.String()
}

var commonMethods = []struct{ doc, sig string }{
	{"Key is the element's key.", "Key() string { return o.n.e.Key }"},
	{"Kind is the element's kind.", "Kind() graph.Kind { return o.n.e.Kind }"},
	{"Category is the category of the element's kind.", "Category() graph.Category { return graph.CategoryOf(o.n.e.Kind) }"},
	{"Name is the element's display name.", "Name() string { return o.n.e.Name }"},
	{"Description is the element's description, nil when empty.", "Description() *string { return optString(o.n.e.Description) }"},
	{"Tags are the element's tags.", "Tags() []string { return nonNil(o.n.e.Tags) }"},
	{"Properties are all the element's properties.", "Properties() map[string]any { return jsonMap(o.n.e.Properties) }"},
	{"Model is the key of the element's model.", "Model() string { return o.n.e.Model }"},
	{"Version is the element's version.", "Version() int { return int(o.n.e.Version) }"},
	{"Outgoing lists the relationships that start here.", "Outgoing(ctx context.Context, types []graph.RelType, first *int) ([]*Relationship, error) { return o.n.relationships(ctx, graph.Outgoing, types, first) }"},
	{"Incoming lists the relationships that end here.", "Incoming(ctx context.Context, types []graph.RelType, first *int) ([]*Relationship, error) { return o.n.relationships(ctx, graph.Incoming, types, first) }"},
	{"Supporters lists the elements that support this one.", "Supporters(ctx context.Context, kinds []graph.Kind, maxDepth *int) ([]*Supporter, error) { return o.n.supporters(ctx, kinds, maxDepth) }"},
	{"SupporterCount counts the elements that support this one.", "SupporterCount(ctx context.Context, kinds []graph.Kind, maxDepth *int) (int, error) { return o.n.supporterCount(ctx, kinds, maxDepth) }"},
	{"History lists the recorded changes to this element.", "History(ctx context.Context, first *int) ([]*Change, error) { return o.n.history(ctx, first) }"},
	{"Findings lists the alignment findings about this element.", "Findings(ctx context.Context) ([]*Finding, error) { return o.n.findings(ctx) }"},
}

func propGo(p graph.PropertySpec) string {
	base := map[graph.PropType]string{graph.PropString: "string", graph.PropNumber: "float64", graph.PropInteger: "int", graph.PropBool: "bool"}[p.Type]
	if p.Required {
		return base
	}
	return "*" + base
}

func propGetter(p graph.PropertySpec) string {
	name := map[graph.PropType]string{graph.PropString: "String", graph.PropNumber: "Float", graph.PropInteger: "Int", graph.PropBool: "Bool"}[p.Type]
	if p.Required {
		return "must" + name
	}
	return "prop" + name
}

func goDir(d graph.Direction) string {
	if d == graph.Incoming {
		return "graph.Incoming"
	}
	return "graph.Outgoing"
}

// goConst returns the Go constant name for a kind in package graph.
func goConst(k graph.Kind) string {
	if k == graph.Stakeholder {
		return "Stakeholder"
	}
	return string(k)
}

func goRel(t graph.RelType) string {
	parts := strings.Split(strings.ToLower(string(t)), "_")
	for i, p := range parts {
		parts[i] = goName(p)
	}
	return strings.Join(parts, "")
}

func docFile() string {
	var b strings.Builder
	b.WriteString("<!-- Code generated by resolvers/internal/kindgen from graph/metamodel.go. DO NOT EDIT. -->\n\n")
	b.WriteString("# Metamodel\n\nThe kinds of element and the relationship types modelgraph accepts, generated from the one table in\n`graph/metamodel.go` that also drives validation and the GraphQL schema.\n\n")
	b.WriteString("## Kinds\n\n| category | kind | meaning | typed properties |\n|---|---|---|---|\n")
	for _, s := range graph.Metamodel.Kinds {
		var ps []string
		for _, p := range s.Properties {
			d := fmt.Sprintf("`%s` (%s", p.Name, p.Type)
			if p.Required {
				d += ", required"
			}
			if len(p.Enum) > 0 {
				d += ": " + strings.Join(p.Enum, ", ")
			}
			ps = append(ps, d+")")
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", s.Category, s.Kind, s.Meaning, strings.Join(ps, "; "))
	}
	b.WriteString("\n## Relationship types\n\nEvery relationship points from the element depended upon to the element that depends on it, so a\nchange travels along outgoing relationships of the propagating types.\n\n")
	b.WriteString("| type | propagates | meaning | allowed source -> target | typed properties |\n|---|---|---|---|---|\n")
	for _, r := range graph.Metamodel.Relationships {
		var rules []string
		for _, rule := range r.Rules {
			rules = append(rules, kindSet(rule.From)+" -> "+kindSet(rule.To))
		}
		var ps []string
		for _, p := range r.Properties {
			d := fmt.Sprintf("`%s` (%s", p.Name, p.Type)
			if len(p.Enum) > 0 {
				d += ": " + strings.Join(p.Enum, ", ")
			}
			if p.Min != nil && p.Max != nil {
				d += fmt.Sprintf(", %v..%v", *p.Min, *p.Max)
			}
			ps = append(ps, d+")")
		}
		prop := "no (attached)"
		if r.Propagating {
			prop = "yes"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", r.Type, prop, r.Meaning, strings.Join(rules, "; "), strings.Join(ps, "; "))
	}
	b.WriteString("\n## Relationship fields in GraphQL\n\nEach kind's object type has one field per relationship type it can start or end, named as follows.\n\n| type | field at the source | field at the target |\n|---|---|---|\n")
	for _, r := range graph.Metamodel.Relationships {
		fmt.Fprintf(&b, "| %s | `%s` | `%s` |\n", r.Type, r.Out.Name, r.In.Name)
	}
	b.WriteString("\nEvery relationship field, like `outgoing` and `incoming` on every element, takes `first`\n" +
		"(1 to 500) and returns the first that many, in order. Without `first` it returns all of them when\n" +
		"there are at most 100, and an element with more answers `LIST_TOO_LONG` (with the count in\n" +
		"`extensions.count`): a list's length is then known before the query runs, and the cost limit\n" +
		"counts such a list as 100 items.\n")
	b.WriteString("\nConvenience fields: ")
	var xs []string
	for _, s := range graph.Metamodel.Kinds {
		for _, x := range s.Shortcuts {
			xs = append(xs, fmt.Sprintf("`%s.%s`", s.Kind, x.Name))
		}
	}
	b.WriteString(strings.Join(xs, ", ") + ".\n")
	return b.String()
}

func kindSet(ks []graph.Kind) string {
	if len(ks) == len(graph.Kinds())-1 {
		for _, k := range graph.Kinds() {
			if !slices.Contains(ks, k) {
				return "any kind except " + string(k)
			}
		}
	}
	if len(ks) == 1 {
		return string(ks[0])
	}
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return "{" + strings.Join(s, ", ") + "}"
}
