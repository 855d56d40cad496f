package archimate

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"sort"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/engine"
)

// canonical is a model file in a form two equal graphs share: validated (values normalised),
// elements by key, relationships by (from, type, to), empty lists and maps as nil.
func canonical(t *testing.T, f *graph.File) *graph.File {
	t.Helper()
	c := *f
	c.Elements = append([]graph.Element(nil), f.Elements...)
	c.Relationships = append([]graph.Relationship(nil), f.Relationships...)
	if ps := graph.Validate(&c, graph.Limits{}); len(ps) > 0 {
		t.Fatalf("%s: %v", f.Model.Key, ps)
	}
	for i := range c.Elements {
		e := &c.Elements[i]
		if len(e.Tags) == 0 {
			e.Tags = nil
		}
		if len(e.Properties) == 0 {
			e.Properties = nil
		}
	}
	for i := range c.Relationships {
		if len(c.Relationships[i].Properties) == 0 {
			c.Relationships[i].Properties = nil
		}
	}
	sort.Slice(c.Elements, func(i, j int) bool { return c.Elements[i].Key < c.Elements[j].Key })
	sort.Slice(c.Relationships, func(i, j int) bool { return c.Relationships[i].ID() < c.Relationships[j].ID() })
	return &c
}

// sameFile fails unless two model files hold the same graph, naming the first difference.
func sameFile(t *testing.T, want, got *graph.File) {
	t.Helper()
	w, g := canonical(t, want), canonical(t, got)
	if w.Model != g.Model {
		t.Errorf("model: got %+v, want %+v", g.Model, w.Model)
	}
	if len(w.Elements) != len(g.Elements) || len(w.Relationships) != len(g.Relationships) {
		t.Fatalf("%s: got %d elements and %d relationships, want %d and %d", w.Model.Key,
			len(g.Elements), len(g.Relationships), len(w.Elements), len(w.Relationships))
	}
	for i := range w.Elements {
		if !reflect.DeepEqual(w.Elements[i], g.Elements[i]) {
			t.Errorf("element %s:\n got %#v\nwant %#v", w.Elements[i].Key, g.Elements[i], w.Elements[i])
		}
	}
	for i := range w.Relationships {
		if !reflect.DeepEqual(w.Relationships[i], g.Relationships[i]) {
			t.Errorf("relationship %s:\n got %#v\nwant %#v", w.Relationships[i].ID(), g.Relationships[i], w.Relationships[i])
		}
	}
}

func TestRoundTripOfTheDemoModels(t *testing.T) {
	for _, f := range demoModels(t) {
		t.Run(f.Model.Key, func(t *testing.T) {
			back, rep, err := Import(export(t, f), Options{})
			if err != nil {
				t.Fatal(err)
			}
			sameFile(t, f, back)
			if rep.Elements != len(f.Elements) || rep.Relationships != len(f.Relationships) || len(rep.Lines()) != 1 {
				t.Errorf("report: %v", rep.Lines())
			}
		})
	}
}

// Values whose type or text a careless writer would change.
func TestRoundTripKeepsValueTypesAndText(t *testing.T) {
	f := &graph.File{
		Model: graph.Model{Key: "7-tricky", Name: `Tricky "quotes" & <tags>`, Description: "line one\nline two\r\nwith\ttab and ünïcödé"},
		Elements: []graph.Element{
			{Key: "3d-printer", Kind: graph.Technology, Name: "  3D printer  ", Description: "x < y & y > z",
				Tags: []string{"a,b", `c"d`, "ä"},
				Properties: map[string]any{"asText": "2", "asInt": int64(7), "asFloat": 0.35, "big": int64(math.MaxInt64),
					"tiny": 1e-9, "huge": 1.5e300, "yes": true, "no": false, "empty": "", "negative": int64(-12), "falseText": "false"}},
			{Key: "partner-x", Kind: graph.KeyPartner, Name: "Partner"},
			{Key: "proc-a", Kind: graph.Process, Name: "A", Properties: map[string]any{"tier": int64(2)}},
			{Key: "proc-b", Kind: graph.Process, Name: "B"},
			{Key: "fn", Kind: graph.BusinessFunction, Name: "Function", Properties: map[string]any{"group": "ENTERPRISE_SUPPORT"}},
			{Key: "role", Kind: graph.Role, Name: "Owner"},
		},
		Relationships: []graph.Relationship{
			{From: "partner-x", Type: graph.Supplies, To: "3d-printer", Properties: map[string]any{"share": 0.6, "substitutable": false}},
			{From: "partner-x", Type: graph.Supplies, To: "proc-a", Properties: map[string]any{"share": int64(1)}},
			{From: "proc-a", Type: graph.FlowsTo, To: "proc-b", Properties: map[string]any{"kind": "MATERIAL"}},
			{From: "proc-b", Type: graph.FlowsTo, To: "proc-a", Properties: map[string]any{"kind": "ESCALATION"}},
			{From: "proc-a", Type: graph.Supports, To: "proc-b"},
			{From: "proc-a", Type: graph.PartOf, To: "fn"},
			{From: "role", Type: graph.InvolvedIn, To: "proc-a", Properties: map[string]any{"raci": "A"}},
			{From: "role", Type: graph.InvolvedIn, To: "proc-b", Properties: map[string]any{"raci": "I"}},
			{From: "role", Type: graph.InvolvedIn, To: "fn"},
		},
	}
	data := export(t, f)
	back, _, err := Import(data, Options{})
	if err != nil {
		t.Fatalf("%v\n%s", err, data)
	}
	sameFile(t, f, back)
	if back.Elements[0].Properties["asText"] != "2" || back.Elements[0].Properties["big"] != int64(math.MaxInt64) {
		t.Errorf("properties came back as %#v", back.Elements[0].Properties)
	}
	// Both directions of a FLOWS_TO pair, and the part-of whose ArchiMate relationship runs from
	// the whole, come back the right way round.
	var ids []string
	for _, r := range canonical(t, back).Relationships {
		ids = append(ids, r.ID())
	}
	want := "[partner-x -SUPPLIES-> 3d-printer partner-x -SUPPLIES-> proc-a proc-a -FLOWS_TO-> proc-b proc-a -PART_OF-> fn proc-a -SUPPORTS-> proc-b proc-b -FLOWS_TO-> proc-a role -INVOLVED_IN-> fn role -INVOLVED_IN-> proc-a role -INVOLVED_IN-> proc-b]"
	if got := fmt.Sprint(ids); got != want {
		t.Errorf("relationships:\n got %s\nwant %s", got, want)
	}
	if !bytes.Contains(data, []byte(`identifier="id-3d-printer"`)) || !bytes.Contains(data, []byte(`identifier="model-7-tricky"`)) {
		t.Error("keys starting with a digit are not prefixed")
	}
}

// The in-memory model exports like the file it was built from.
func TestExportModelOfTheEngine(t *testing.T) {
	f := demoModels(t)[0]
	m, err := engine.FromFile(f)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := ExportModel(&b, m); err != nil {
		t.Fatal(err)
	}
	back, _, err := Import(b.Bytes(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	sameFile(t, f, back)
}
