package engine

import (
	"bytes"
	"strings"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/seed"
)

func problemTexts(ps []Problem) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}

func TestParseProblemsCarryPositions(t *testing.T) {
	tests := []struct {
		name string
		file string
		doc  string
		want []string // prefixes, in order
	}{
		{"yaml validation", "m.yaml", `model:
  key: m
  name: M
elements:
  - key: p-1
    kind: Process
    name: One
    properties:
      tier: 7
  - key: p-2
    kind: Widget
    name: Two
relationships:
  - from: p-1
    type: FLOWS_TO
    to: p-9
`, []string{
			`m.yaml:9:13: elements[0] (p-1) properties.tier: must be at most 3`,
			`m.yaml:11:11: elements[1] (p-2) kind: unknown kind "Widget"`,
			`m.yaml:16:9: relationships[0] (p-1 -FLOWS_TO-> p-9) to: no element with key "p-9"`,
		}},
		{"json value", "m.json", `{"model": {"key": "m", "name": "M"},
 "elements": [
  {"key": "p-1", "kind": "Process", "name": "One", "properties": {"tier": 7}}
 ]}`, []string{`m.json:3:75: elements[0] (p-1) properties.tier: must be at most 3`}},
		{"json duplicate key", "m.json", `{"model": {"key": "m", "name": "M", "name": "N"}}`,
			[]string{`m.json:1:37: model name: is given twice; the first is at 1:24`}},
		{"yaml duplicate property", "m.yaml", "model: {key: m, name: M}\nelements:\n  - {key: p, kind: Process, name: P, properties: {a: 1, a: 2}}\n",
			[]string{`m.yaml:3:57: elements[0] (p) properties.a: is given twice; the first is at 3:51`}},
		{"missing required property points at the element", "m.yaml", "model: {key: m, name: M}\nelements:\n  - {key: fn, kind: BusinessFunction, name: F}\n",
			[]string{`m.yaml:3:5: elements[0] (fn) properties.group: is required for this kind`}},
		{"unknown field", "m.yaml", "model: {key: a, name: A}\nelementz: []\n",
			[]string{`m.yaml:2:1: document elementz: unknown field "elementz"`}},
		{"json syntax", "m.json", "{\"model\": {\n\"key\": }", []string{"m.json:2:"}},
		{"two documents", "m.yaml", "model: {key: a, name: A}\n---\nmodel: {key: b, name: B}\n", []string{"m.yaml:2:1: document: holds more than one YAML document"}},
		{"empty", "m.yaml", "", []string{"m.yaml: document: is empty"}},
		{"json by content", "upload", `{"model": {"key": "a", "name": "A"}, "extra": 1}`, []string{`upload:1:38: document extra: unknown field "extra"`}},
		{"wrong shape", "m.yaml", "model: {key: a, name: A}\nelements: {a: 1}\n", []string{"m.yaml:2:11: elements: must be a list"}},
		{"yaml big integer", "m.yaml", "model: {key: a, name: A}\nelements:\n  - {key: p, kind: Process, name: P, properties: {big: 12345678901234567890}}\n",
			[]string{"m.yaml:3:56: elements[0] (p) properties.big: integer"}},
		{"yaml integer beyond uint64", "m.yaml", "model: {key: a, name: A}\nelements:\n  - {key: p, kind: Process, name: P, properties: {big: 123456789012345678901234}}\n",
			[]string{"m.yaml:3:56: elements[0] (p) properties.big: integer"}},
		{"json big integer", "m.json", `{"model": {"key": "a", "name": "A"}, "elements": [{"key": "p", "kind": "Process", "name": "P", "properties": {"big": 12345678901234567890}}]}`,
			[]string{"m.json:1:118: elements[0] (p) properties.big: integer"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, ps := ParseFile(tc.file, []byte(tc.doc), graph.Limits{})
			if m != nil {
				t.Errorf("got a model from an invalid file")
			}
			got := problemTexts(ps)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d problems, want %d:\n%s", len(got), len(tc.want), strings.Join(got, "\n"))
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(got[i], w) {
					t.Errorf("problem %d\n got %s\nwant %s...", i, got[i], w)
				}
			}
		})
	}
}

func TestParseJSONLikeEncodingJSON(t *testing.T) {
	// Surrogate pairs are valid JSON (the YAML reader rejects them); 2.0 becomes the integer 2 as
	// everywhere else.
	doc := `{"model": {"key": "m", "name": "M"}, "elements": [
	{"key": "p", "kind": "Process", "name": "X\ud83d\ude00", "properties": {"two": 2.0, "f": 0.5}}]}`
	m, ps := ParseFile("m.json", []byte(doc), graph.Limits{})
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	e := m.Element(0)
	if e.Name != "X\U0001F600" {
		t.Errorf("name = %q", e.Name)
	}
	if v, ok := e.Properties["two"].(int64); !ok || v != 2 {
		t.Errorf("two = %#v, want int64 2", e.Properties["two"])
	}
	if p := m.ElementPos(0, "properties.f"); p != (Pos{2, 91}) {
		t.Errorf("properties.f at %v", p)
	}
}

func TestPositionsOfAValidModel(t *testing.T) {
	m := toy(t)
	// testdata/toy.yaml: the fourth element is on line 10, the sixth relationship on line 31.
	order := id(t, m, "proc-order")
	if p := m.ElementPos(order, ""); p != (Pos{10, 5}) {
		t.Errorf("proc-order at %v", p)
	}
	if p := m.ElementPos(order, "properties.tier"); p != (Pos{10, 75}) {
		t.Errorf("proc-order tier at %v", p)
	}
	if p := m.ElementPos(order, "tags"); p != (Pos{10, 5}) {
		t.Errorf("absent field should fall back to the element, got %v", p)
	}
	r, _ := m.FindRel(id(t, m, "proc-return"), graph.FlowsTo, order)
	if p := m.RelPos(r, "properties.kind"); p != (Pos{31, 76}) {
		t.Errorf("return flow kind at %v", p)
	}
	if p := m.ModelPos("name"); p != (Pos{5, 9}) {
		t.Errorf("model name at %v", p)
	}
}

func TestSeedModelsParseAsTheStoreReadsThem(t *testing.T) {
	for _, name := range seed.Names() {
		t.Run(name, func(t *testing.T) {
			want, err := seed.File(name)
			if err != nil {
				t.Fatal(err)
			}
			if ps := graph.Validate(want, graph.Limits{}); len(ps) > 0 {
				t.Fatal(ps)
			}
			wm, err := FromFile(want)
			if err != nil {
				t.Fatal(err)
			}
			var yml, js bytes.Buffer
			if err := graph.Encode(&yml, want, graph.YAML); err != nil {
				t.Fatal(err)
			}
			if err := graph.Encode(&js, want, graph.JSON); err != nil {
				t.Fatal(err)
			}
			for _, doc := range []struct{ name, text string }{{name, yml.String()}, {"m.json", js.String()}} {
				m, ps := ParseFile(doc.name, []byte(doc.text), graph.Limits{})
				if len(ps) > 0 {
					t.Fatalf("%s: %v", doc.name, ps)
				}
				if d := Diff(wm, m); !d.Empty() {
					t.Errorf("%s differs from graph.ParseFile's reading: %+v", doc.name, d)
				}
				if m.Len() != len(want.Elements) || m.RelLen() != len(want.Relationships) {
					t.Errorf("%s: %d elements, %d relationships", doc.name, m.Len(), m.RelLen())
				}
			}
		})
	}
}

func TestValidateABuiltModel(t *testing.T) {
	// A Builder checks structure only; Validate applies the metamodel.
	b := NewBuilder(graph.Model{Key: "m", Name: "M"}, 2)
	for _, e := range []graph.Element{{Key: "cost-a", Kind: graph.Cost, Name: "A"}, {Key: "ch-b", Kind: graph.Channel, Name: "B"}} {
		if err := b.AddElement(e); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.AddRelationship(graph.Relationship{From: "cost-a", Type: graph.Realizes, To: "ch-b"}); err != nil {
		t.Fatal(err)
	}
	m, err := b.Build()
	if err != nil {
		t.Fatal(err)
	}
	ps := Validate(m, graph.Limits{MaxElements: 1})
	want := []string{
		"elements: has 2 elements; the limit per import is 1",
		"relationships[0] (cost-a -REALIZES-> ch-b) type: Cost -REALIZES-> Channel is not allowed",
	}
	got := problemTexts(ps)
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("got %s, want %s...", got[i], want[i])
		}
	}
}

func TestBuilderRefusesBrokenStructure(t *testing.T) {
	b := NewBuilder(graph.Model{Key: "m"}, 0)
	if err := b.AddElement(graph.Element{Key: "a", Kind: "Widget"}); err == nil {
		t.Error("unknown kind accepted")
	}
	_ = b.AddElement(graph.Element{Key: "a", Kind: graph.Process})
	_ = b.AddElement(graph.Element{Key: "b", Kind: graph.Process})
	if err := b.AddElement(graph.Element{Key: "a", Kind: graph.Process}); err == nil {
		t.Error("duplicate key accepted")
	}
	if err := b.AddRelationship(graph.Relationship{From: "a", Type: graph.FlowsTo, To: "zzz"}); err == nil {
		t.Error("missing end accepted")
	}
	_ = b.AddRelationship(graph.Relationship{From: "a", Type: graph.FlowsTo, To: "b"})
	_ = b.AddRelationship(graph.Relationship{From: "a", Type: graph.FlowsTo, To: "b"})
	if _, err := b.Build(); err == nil || !strings.Contains(err.Error(), "a -FLOWS_TO-> b") {
		t.Errorf("duplicate relationship: %v", err)
	}
}

func TestValidationProblemsMatchTheStoreReader(t *testing.T) {
	// For files that parse, the engine reports exactly graph.Validate's problems, with places.
	docs := []string{
		`model: {key: broken, name: Broken}
elements:
  - {key: cost-rent, kind: Cost, name: Rent}
  - {key: ch-web, kind: Channel, name: Web shop, properties: {channelType: ONLINE}}
  - {key: x-odd, kind: Widget, name: Odd}
  - {key: ch-web, kind: Channel, name: Web shop again}
relationships:
  - {from: cost-rent, type: REALIZES, to: ch-web}
  - {from: ch-web, type: DELIVERS, to: vp-missing}
  - {from: ch-web, type: DELIVERS, to: vp-missing}
`,
		`{"model": {"key": "Bad_Key", "name": ""}, "elements": [{"key": "p", "kind": "Process", "name": "P", "tags": ["", "ok"], "properties": {"tier": 2.5, "version": 1, "bad name": true}}],
 "relationships": [{"from": "p", "type": "FLOWS_TO", "to": "p", "properties": {"kind": "TELEPATHY"}}]}`,
	}
	for i, doc := range docs {
		f, err := graph.ParseFile([]byte(doc), "")
		if err != nil {
			t.Fatal(err)
		}
		want := graph.Validate(f, graph.Limits{})
		_, got := ParseFile("m", []byte(doc), graph.Limits{})
		if len(got) != len(want) || len(want) == 0 {
			t.Fatalf("doc %d: got %d problems, want %d:\n%v\n%v", i, len(got), len(want), got, want)
		}
		for j := range want {
			if got[j].Problem != want[j] {
				t.Errorf("doc %d problem %d: got %+v, want %+v", i, j, got[j].Problem, want[j])
			}
			if !got[j].Pos.Known() {
				t.Errorf("doc %d problem %d has no position: %s", i, j, got[j])
			}
		}
	}
}
