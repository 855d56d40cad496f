package resolvers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
	"github.com/modelgraph/modelgraph/resolvers"
)

// shoeModel: Mill A is the only fabric mill; fabric supports making the shoes, which target
// runners and earn 1000 a year; the fabric costs 300.
func shoeModel(t *testing.T) string {
	t.Helper()
	key := graphtest.ModelKey(t)
	f := &graph.File{
		Model: graph.Model{Key: key, Name: "Shoes"},
		Elements: []graph.Element{
			{Key: "mill-a", Kind: graph.KeyPartner, Name: "Mill A"},
			{Key: "fabric", Kind: graph.KeyResource, Name: "Fabric"},
			{Key: "make", Kind: graph.KeyActivity, Name: "Make shoes"},
			{Key: "shoes", Kind: graph.ValueProposition, Name: "Running shoes"},
			{Key: "runners", Kind: graph.CustomerSegment, Name: "Runners"},
			{Key: "sales", Kind: graph.RevenueStream, Name: "Shoe sales", Properties: map[string]any{"annualAmount": int64(1000)}},
			{Key: "fabric-cost", Kind: graph.Cost, Name: "Fabric", Properties: map[string]any{"annualAmount": int64(300)}},
			{Key: "web", Kind: graph.Channel, Name: "Web shop"},
		},
		Relationships: []graph.Relationship{
			{From: "mill-a", Type: graph.Supplies, To: "fabric"},
			{From: "fabric", Type: graph.Supports, To: "make"},
			{From: "make", Type: graph.Supports, To: "shoes"},
			{From: "shoes", Type: graph.Targets, To: "runners"},
			{From: "shoes", Type: graph.Generates, To: "sales"},
			{From: "fabric", Type: graph.Incurs, To: "fabric-cost"},
			{From: "web", Type: graph.Delivers, To: "shoes"},
		},
	}
	if _, err := graphtest.Store(t).Import(context.Background(), f, graph.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	return key
}

func TestScenarioThroughGraphQL(t *testing.T) {
	a := newAPI(t, graphtest.Store(t))
	base := shoeModel(t)
	s := base + "-what-if"
	vars := map[string]any{"b": base, "s": s}
	var created struct {
		CreateScenario struct {
			Key, Base                            string
			BaseRevision, Revision, ChangedItems int
		}
	}
	a.ok(t, `mutation($b: ID!, $s: ID!) { createScenario(base: $b, key: $s, name: "Second mill") { key base baseRevision revision changedItems } }`, vars, &created)
	if c := created.CreateScenario; c.Key != s || c.Base != base || c.BaseRevision != 1 || c.Revision != 0 || c.ChangedItems != 0 {
		t.Fatalf("created %+v", c)
	}
	// The model's own mutations, on the scenario's key.
	for _, m := range []string{
		`mutation($s: ID!) { upsertElement(model: $s, element: {key: "mill-b", kind: KeyPartner, name: "Mill B"}) { key model version } }`,
		`mutation($s: ID!) { link(model: $s, from: "mill-a", type: SUPPLIES, to: "fabric", properties: {share: 0.5}) { type } }`,
		`mutation($s: ID!) { link(model: $s, from: "mill-b", type: SUPPLIES, to: "fabric", properties: {share: 0.5}) { type } }`,
		`mutation($s: ID!) { updateElement(model: $s, key: "fabric-cost", patch: {properties: {annualAmount: 360}}) { version } }`,
	} {
		var out any
		a.ok(t, m, vars, &out)
	}

	// Reads of the scenario: elements with their relationships, traversals, analyses.
	var read struct {
		Element struct {
			Model    string
			Outgoing []struct {
				Type       string
				To         struct{ Key string }
				Properties map[string]any
			}
		}
		Elements struct{ TotalCount int }
		Impact   struct {
			Affected []struct{ Element struct{ Key string } }
		}
		SingleSourceExposure []struct{ Partner struct{ Key string } }
		Base                 struct{ Properties map[string]any }
		Scenarios            []struct {
			Key          string
			ChangedItems int
		}
	}
	a.ok(t, `query($s: ID!, $b: ID!) {
  element(model: $s, key: "mill-b") { model outgoing { type to { key } properties } }
  elements(model: $s, kinds: [KeyPartner]) { totalCount }
  impact(model: $s, key: "mill-b", maxDepth: 1) { affected { element { key } } }
  singleSourceExposure(model: $s) { partner { key } }
  base: element(model: $b, key: "fabric-cost") { properties }
  scenarios(model: $b) { key changedItems }
}`, vars, &read)
	if e := read.Element; e.Model != s || len(e.Outgoing) != 1 || e.Outgoing[0].Type != "SUPPLIES" || e.Outgoing[0].To.Key != "fabric" || e.Outgoing[0].Properties["share"] != 0.5 {
		t.Errorf("mill-b in the scenario: %+v", e)
	}
	if read.Elements.TotalCount != 2 || len(read.Impact.Affected) != 1 || read.Impact.Affected[0].Element.Key != "fabric" {
		t.Errorf("elements %+v, impact %+v", read.Elements, read.Impact)
	}
	if len(read.SingleSourceExposure) != 0 {
		t.Errorf("two mills at half each, still single-source: %+v", read.SingleSourceExposure)
	}
	if read.Base.Properties["annualAmount"] != float64(300) {
		t.Errorf("the base changed: %+v", read.Base)
	}
	if len(read.Scenarios) != 1 || read.Scenarios[0].Key != s || read.Scenarios[0].ChangedItems != 4 {
		t.Errorf("scenarios %+v", read.Scenarios)
	}

	var cmp struct {
		Compare json.RawMessage
	}
	a.ok(t, `query($s: ID!, $b: ID!) { compare(from: {model: $b}, to: {model: $s}) {
  added { key } removed { key }
  changed { element { key } fields { field before after } }
  relationshipsAdded { from type to } relationshipsRemoved { from type to }
  relationshipsChanged { from type to fields { field before after } }
  effect {
    findingsAppeared { rule } findingsResolved { rule element { key } kindNamed }
    revenueAtRisk { before after delta }
    exposure { partner revenueAtRisk { before after } streamsBefore streamsAfter }
    economics { valueProposition allocatedCost { before after delta } margin { before after } before after }
    cost { before after }
  }
} }`, vars, &cmp)
	// Worked by hand: the second mill is added, the fabric cost changes, Mill A's supply gets a
	// share; with half each neither mill cuts the fabric off, so SINGLE_SOURCE on the fabric is
	// resolved and the 1000 of sales is no longer at risk; the shoes carry 60 more cost.
	want := `{
  "added": [{"key": "mill-b"}], "removed": [],
  "changed": [{"element": {"key": "fabric-cost"}, "fields": [{"field": "properties.annualAmount", "before": 300, "after": 360}]}],
  "relationshipsAdded": [{"from": "mill-b", "type": "SUPPLIES", "to": "fabric"}], "relationshipsRemoved": [],
  "relationshipsChanged": [{"from": "mill-a", "type": "SUPPLIES", "to": "fabric", "fields": [{"field": "properties.share", "before": null, "after": 0.5}]}],
  "effect": {
    "findingsAppeared": [], "findingsResolved": [{"rule": "SINGLE_SOURCE", "element": {"key": "fabric"}, "kindNamed": "KeyResource"}],
    "revenueAtRisk": {"before": 1000, "after": 0, "delta": -1000},
    "exposure": [{"partner": "mill-a", "revenueAtRisk": {"before": 1000, "after": 0}, "streamsBefore": ["sales"], "streamsAfter": []}],
    "economics": [{"valueProposition": "shoes", "allocatedCost": {"before": 300, "after": 360, "delta": 60}, "margin": {"before": 700, "after": 640}, "before": true, "after": true}],
    "cost": {"before": 300, "after": 360}
  }
}`
	var got, exp any
	json.Unmarshal(cmp.Compare, &got)
	json.Unmarshal([]byte(want), &exp)
	if !reflect.DeepEqual(got, exp) {
		t.Errorf("compare\n got %s\nwant %s", cmp.Compare, want)
	}

	// The base changes the fabric cost too, to another value: the merge is refused, listing
	// the conflict, and nothing is written.
	var out any
	a.ok(t, `mutation($b: ID!) { updateElement(model: $b, key: "fabric-cost", patch: {properties: {annualAmount: 400}}) { version } }`, vars, &out)
	res := a.do(t, context.Background(), `mutation($s: ID!) { mergeScenario(key: $s) { applied } }`, vars)
	if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "CONFLICT" {
		t.Fatalf("merge over a conflict: %+v", res.Errors)
	}
	cs, _ := res.Errors[0].Extensions["conflicts"].([]any)
	if len(cs) != 1 {
		t.Fatalf("conflicts %+v", res.Errors[0].Extensions)
	}
	c := cs[0].(map[string]any)
	if c["kind"] != "SAME_FIELD" || c["key"] != "fabric-cost" || c["field"] != "properties.annualAmount" || c["original"] != float64(300) || c["base"] != float64(400) || c["scenario"] != float64(360) {
		t.Errorf("conflict %+v", c)
	}
	// The scenario agrees with the base: the same change on both sides merges.
	a.ok(t, `mutation($s: ID!) { updateElement(model: $s, key: "fabric-cost", patch: {properties: {annualAmount: 400}}) { version } }`, vars, &out)
	var merged struct {
		MergeScenario struct {
			Applied                                    bool
			Revision, Created, Updated                 int
			RelationshipsCreated, RelationshipsUpdated int
		}
	}
	res = a.doAs(t, "bob", `mutation($s: ID!) { mergeScenario(key: $s) { applied revision created updated relationshipsCreated relationshipsUpdated } }`, vars)
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	json.Unmarshal(res.Data, &merged)
	if m := merged.MergeScenario; !m.Applied || m.Revision != 3 || m.Created != 1 || m.Updated != 0 || m.RelationshipsCreated != 1 || m.RelationshipsUpdated != 1 {
		t.Errorf("merge %+v", m)
	}
	var after struct {
		Changes struct {
			Nodes []struct {
				Revision int
				Actor    string
				Key      string
			}
		}
		Scenarios []struct{ Key string }
	}
	a.ok(t, `query($b: ID!) { changes(model: $b, first: 3) { nodes { revision actor key } } scenarios(model: $b) { key } }`, vars, &after)
	if len(after.Changes.Nodes) != 3 || after.Changes.Nodes[0].Revision != 3 || after.Changes.Nodes[0].Actor != "bob" || len(after.Scenarios) != 0 {
		t.Errorf("history %+v, scenarios %+v", after.Changes, after.Scenarios)
	}
}

// TestScenarioAsModel: a scenario's key answers Query.model and exportModel with the scenario's
// state, and a viewer of the base reads them.
func TestScenarioAsModel(t *testing.T) {
	store := graphtest.Store(t)
	a := newAPI(t, store)
	base := shoeModel(t)
	s := base + "-retail"
	vars := map[string]any{"b": base, "s": s}
	var out any
	for _, m := range []string{
		`mutation($b: ID!, $s: ID!) { createScenario(base: $b, key: $s, name: "Stores instead of the web shop") { key } }`,
		`mutation($s: ID!) { deleteElement(model: $s, key: "web", detach: true) { relationshipsRemoved } }`,
		`mutation($s: ID!) { upsertElement(model: $s, element: {key: "retail", kind: Channel, name: "Retail stores"}) { key } }`,
	} {
		a.ok(t, m, vars, &out)
	}

	type modelView struct {
		Key, Name                       string
		ElementCount, RelationshipCount int
		Counts                          []struct {
			Kind  string
			Count int
		}
		Revision int
		Past     bool
		Canvas   struct {
			Channels []struct {
				Key, Name string
				Outgoing  []struct{ Type string }
			}
			ValuePropositions []struct {
				Key      string
				Incoming []struct{ Type string }
			}
		}
		AlignmentSummary struct{ Total int }
	}
	var read struct{ Scenario, Base modelView }
	const fields = `key name elementCount relationshipCount counts { kind count } revision past
    canvas { channels { key name outgoing { type } } valuePropositions { key incoming { type } } }
    alignmentSummary(rules: ["VP_NO_CHANNEL"]) { total }`
	a.ok(t, `query($s: ID!, $b: ID!) { scenario: model(key: $s) { `+fields+` } base: model(key: $b) { `+fields+` } }`, vars, &read)
	// Worked by hand: the base's 8 elements less the web shop plus the stores; its 7
	// relationships less the web shop's DELIVERS (the stores deliver nothing yet, so the shoes
	// have no channel); two edits after creation; still one Channel.
	sc := read.Scenario
	if sc.Key != s || sc.Name != "Shoes" || sc.ElementCount != 8 || sc.RelationshipCount != 6 || sc.Revision != 2 || sc.Past {
		t.Errorf("scenario as a model: %+v", sc)
	}
	counts := map[string]int{}
	for _, c := range sc.Counts {
		counts[c.Kind] = c.Count
	}
	wantCounts := map[string]int{"KeyPartner": 1, "KeyResource": 1, "KeyActivity": 1, "ValueProposition": 1, "CustomerSegment": 1, "RevenueStream": 1, "Cost": 1, "Channel": 1}
	if !reflect.DeepEqual(counts, wantCounts) {
		t.Errorf("scenario counts %v, want %v", counts, wantCounts)
	}
	if ch := sc.Canvas.Channels; len(ch) != 1 || ch[0].Key != "retail" || ch[0].Name != "Retail stores" || len(ch[0].Outgoing) != 0 {
		t.Errorf("scenario channels %+v", ch)
	}
	// Of the shoes' two incoming relationships, make SUPPORTS shoes is left.
	if vp := sc.Canvas.ValuePropositions; len(vp) != 1 || vp[0].Key != "shoes" || len(vp[0].Incoming) != 1 || vp[0].Incoming[0].Type != "SUPPORTS" {
		t.Errorf("scenario value propositions %+v", vp)
	}
	if sc.AlignmentSummary.Total != 1 {
		t.Errorf("scenario VP_NO_CHANNEL findings %d, want 1 (the shoes)", sc.AlignmentSummary.Total)
	}
	// The base is unchanged.
	b := read.Base
	if b.Key != base || b.ElementCount != 8 || b.RelationshipCount != 7 || b.Revision != 1 || b.Past || b.AlignmentSummary.Total != 0 {
		t.Errorf("base: %+v", b)
	}
	if ch := b.Canvas.Channels; len(ch) != 1 || ch[0].Key != "web" || len(ch[0].Outgoing) != 1 || ch[0].Outgoing[0].Type != "DELIVERS" {
		t.Errorf("base channels %+v", ch)
	}
	if vp := b.Canvas.ValuePropositions; len(vp) != 1 || len(vp[0].Incoming) != 2 {
		t.Errorf("base value propositions %+v", vp)
	}

	// exportModel of the scenario, in each format, is the scenario's state.
	wantElems := []string{"fabric", "fabric-cost", "make", "mill-a", "retail", "runners", "sales", "shoes"}
	wantRels := []string{"fabric INCURS fabric-cost", "fabric SUPPORTS make", "make SUPPORTS shoes", "mill-a SUPPLIES fabric",
		"shoes GENERATES sales", "shoes TARGETS runners"}
	baseElems := []string{"fabric", "fabric-cost", "make", "mill-a", "runners", "sales", "shoes", "web"}
	baseRels := []string{"fabric INCURS fabric-cost", "fabric SUPPORTS make", "make SUPPORTS shoes", "mill-a SUPPLIES fabric",
		"shoes GENERATES sales", "shoes TARGETS runners", "web DELIVERS shoes"}
	for _, c := range []struct {
		format string
		f      graph.Format
	}{{"YAML", graph.YAML}, {"JSON", graph.JSON}} {
		var ex struct{ Scenario, Base string }
		a.ok(t, `query($s: ID!, $b: ID!) { scenario: exportModel(model: $s, format: `+c.format+`) base: exportModel(model: $b, format: `+c.format+`) }`, vars, &ex)
		for _, side := range []struct {
			doc, key    string
			elems, rels []string
		}{{ex.Scenario, s, wantElems, wantRels}, {ex.Base, base, baseElems, baseRels}} {
			f, err := graph.ParseFile([]byte(side.doc), c.f)
			if err != nil {
				t.Fatalf("%s export of %s: %v\n%s", c.format, side.key, err, side.doc)
			}
			var elems, rels []string
			for _, e := range f.Elements {
				elems = append(elems, e.Key)
			}
			for _, r := range f.Relationships {
				rels = append(rels, r.From+" "+string(r.Type)+" "+r.To)
			}
			slices.Sort(elems)
			slices.Sort(rels)
			if f.Model.Key != side.key || f.Model.Name != "Shoes" || !slices.Equal(elems, side.elems) || !slices.Equal(rels, side.rels) {
				t.Errorf("%s export of %s: model %+v, elements %v, relationships %v; want elements %v, relationships %v",
					c.format, side.key, f.Model, elems, rels, side.elems, side.rels)
			}
		}
	}
	var ax struct{ ExportModel string }
	a.ok(t, `query($s: ID!) { exportModel(model: $s, format: ARCHIMATE) }`, vars, &ax)
	if !strings.Contains(ax.ExportModel, ">Retail stores<") || strings.Contains(ax.ExportModel, "Web shop") {
		t.Errorf("ARCHIMATE export of the scenario: the stores in it %v, the web shop in it %v",
			strings.Contains(ax.ExportModel, ">Retail stores<"), strings.Contains(ax.ExportModel, "Web shop"))
	}

	// Roles: a viewer of the base reads the scenario as a model and exports it; a viewer of
	// another model is told it does not exist.
	au := newAuthed(t, resolvers.Options{})
	q := `query($s: ID!) { model(key: $s) { elementCount } exportModel(model: $s, format: JSON) }`
	if _, res := au.do(t, token(t, "viewer", base), q, vars); len(res.Errors) > 0 || !strings.Contains(string(res.Data), `"elementCount":8`) {
		t.Errorf("a viewer of the base: %s %+v", res.Data, res.Errors)
	}
	other := graphtest.ModelKey(t) + "-other"
	for _, field := range []string{`model(key: $s) { key }`, `exportModel(model: $s)`} {
		_, res := au.do(t, token(t, "viewer", other), `query($s: ID!) { `+field+` }`, vars)
		want := fmt.Sprintf("model %q: not found", s)
		if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "NOT_FOUND" || res.Errors[0].Message != want {
			t.Errorf("%s by a viewer of another model: %+v, want NOT_FOUND %q", field, res.Errors, want)
		}
	}
}
