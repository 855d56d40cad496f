package engine

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/modelgraph/modelgraph/bench/synth"
	"github.com/modelgraph/modelgraph/graph"
)

// toyAfter is testdata/toy.yaml with the edits listed in TestDiff applied by hand to the text.
func toyAfter(t *testing.T) *Model {
	t.Helper()
	data, err := os.ReadFile("testdata/toy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	s := string(data)
	for _, r := range [][2]string{
		{"name: Toy order business", "name: Toy order business 2"},
		{"{key: proc-order, kind: Process, name: Take order, properties: {tier: 1}}", "{key: proc-order, kind: Process, name: Take an order, properties: {tier: 2, channel: web}}"},
		{"tags: [core]", "tags: [core, new]"},
		{"  - {key: loc-hq, kind: Location, name: Head office}\n", "  - {key: proc-bill, kind: Process, name: Bill}\n"},
		{"  - {from: proc-ship, type: LOCATED_AT, to: loc-hq}\n", "  - {from: proc-order, type: FLOWS_TO, to: proc-bill}\n"},
		{"properties: {kind: MATERIAL}", "properties: {kind: INFORMATION}"},
		{"properties: {share: 1.0, substitutable: false}", "properties: {substitutable: false}"},
		{"{key: cap-pricing, kind: Capability", "{key: cap-pricing, kind: KeyResource"},
	} {
		if !strings.Contains(s, r[0]) {
			t.Fatalf("toy.yaml has no %q", r[0])
		}
		s = strings.Replace(s, r[0], r[1], 1)
	}
	m, ps := ParseFile("toy-after.yaml", []byte(s), graph.Limits{})
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	return m
}

func TestDiff(t *testing.T) {
	d := Diff(toy(t), toyAfter(t))
	got := fmt.Sprintf("model %v\nadded %v\nremoved %v\n", d.Model, d.Added, d.Removed)
	for _, c := range d.Changed {
		got += fmt.Sprintf("changed %s %v\n", c.Key, c.Fields)
	}
	for _, r := range d.RelAdded {
		got += "rel added " + r.ID() + "\n"
	}
	for _, r := range d.RelRemoved {
		got += "rel removed " + r.ID() + "\n"
	}
	for _, r := range d.RelChanged {
		got += fmt.Sprintf("rel changed %s %v\n", r.ID(), r.Fields)
	}
	want := `model [{name Toy order business Toy order business 2}]
added [proc-bill]
removed [loc-hq]
changed cap-pricing [{kind Capability KeyResource}]
changed proc-order [{name Take order Take an order} {properties.channel <nil> web} {properties.tier 1 2}]
changed vp-fast [{tags [core] [core new]}]
rel added proc-order -FLOWS_TO-> proc-bill
rel removed proc-ship -LOCATED_AT-> loc-hq
rel changed partner-cloud -SUPPLIES-> tech-erp [{properties.share 1 <nil>}]
rel changed proc-return -FLOWS_TO-> proc-order [{properties.kind MATERIAL INFORMATION}]
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if d := Diff(toy(t), toy(t)); !d.Empty() {
		t.Errorf("a model differs from itself: %+v", d)
	}
}

// toyEdits are the edits of toyAfter as the change log would give them.
func toyEdits() []Edit {
	return []Edit{
		{Op: SetModel, Model: graph.Model{Key: "toy", Name: "Toy order business 2"}},
		{Op: UpsertElement, Element: graph.Element{Key: "proc-order", Kind: graph.Process, Name: "Take an order", Properties: map[string]any{"tier": int64(2), "channel": "web"}}},
		{Op: UpsertElement, Element: graph.Element{Key: "vp-fast", Kind: graph.ValueProposition, Name: "Fast delivery", Tags: []string{"core", "new"}}},
		{Op: DeleteRelationship, Relationship: graph.Relationship{From: "proc-ship", Type: graph.LocatedAt, To: "loc-hq"}},
		{Op: DeleteElement, Element: graph.Element{Key: "loc-hq"}},
		{Op: UpsertElement, Element: graph.Element{Key: "proc-bill", Kind: graph.Process, Name: "Bill"}},
		{Op: UpsertRelationship, Relationship: graph.Relationship{From: "proc-order", Type: graph.FlowsTo, To: "proc-bill"}},
		{Op: UpsertRelationship, Relationship: graph.Relationship{From: "proc-return", Type: graph.FlowsTo, To: "proc-order", Properties: map[string]any{"kind": "INFORMATION"}}},
		{Op: UpsertRelationship, Relationship: graph.Relationship{From: "partner-cloud", Type: graph.Supplies, To: "tech-erp", Properties: map[string]any{"substitutable": false}}},
		{Op: UpsertElement, Element: graph.Element{Key: "cap-pricing", Kind: graph.KeyResource, Name: "Pricing"}},
	}
}

func TestApplyEqualsRebuild(t *testing.T) {
	old := toy(t)
	got, err := old.Apply(toyEdits(), 7)
	if err != nil {
		t.Fatal(err)
	}
	want := toyAfter(t)
	if d := Diff(want, got); !d.Empty() {
		t.Errorf("applied model differs from the edited file: %+v", d)
	}
	if got.Revision() != 7 {
		t.Errorf("revision %d", got.Revision())
	}
	// Same answers as the model built from scratch, by key.
	for _, k := range []string{"vp-fast", "proc-bill", "proc-order", "seg-smb"} {
		a, _ := got.Supporters(id(t, got, k), SupportersOptions{})
		b, _ := want.Supporters(id(t, want, k), SupportersOptions{})
		if reachedText(got, a) != reachedText(want, b) {
			t.Errorf("supporters(%s): %s, want %s", k, reachedText(got, a), reachedText(want, b))
		}
		ia, _ := got.Impact(id(t, got, k), ImpactOptions{})
		ib, _ := want.Impact(id(t, want, k), ImpactOptions{})
		if reachedText(got, ia.Affected) != reachedText(want, ib.Affected) {
			t.Errorf("impact(%s) differs", k)
		}
	}
	// The old model is untouched.
	if d := Diff(toy(t), old); !d.Empty() {
		t.Errorf("Apply changed the model it started from: %+v", d)
	}
}

func TestApplyRefusesWhatCannotApply(t *testing.T) {
	m := toy(t)
	tests := []struct {
		edit Edit
		want error
	}{
		{Edit{Op: DeleteElement, Element: graph.Element{Key: "nope"}}, graph.ErrNotFound},
		{Edit{Op: DeleteRelationship, Relationship: graph.Relationship{From: "vp-fast", Type: graph.Targets, To: "rev-subs"}}, graph.ErrNotFound},
		{Edit{Op: UpsertRelationship, Relationship: graph.Relationship{From: "vp-fast", Type: graph.Targets, To: "nope"}}, graph.ErrNotFound},
		{Edit{Op: UpsertElement, Element: graph.Element{Key: "x", Kind: "Widget"}}, graph.ErrInvalid},
	}
	for _, tc := range tests {
		if _, err := m.Apply([]Edit{tc.edit}, 1); !errors.Is(err, tc.want) {
			t.Errorf("%+v: err = %v, want %v", tc.edit, err, tc.want)
		}
	}
}

func TestApplyDeleteAndRecreateInOneBatch(t *testing.T) {
	m := toy(t)
	got, err := m.Apply([]Edit{
		{Op: DeleteElement, Element: graph.Element{Key: "act-sell"}},
		{Op: UpsertElement, Element: graph.Element{Key: "act-sell", Kind: graph.KeyActivity, Name: "Sell again"}},
		{Op: UpsertRelationship, Relationship: graph.Relationship{From: "act-sell", Type: graph.Supports, To: "vp-fast"}},
	}, 2)
	if err != nil {
		t.Fatal(err)
	}
	// The old act-sell's relationships went with it; only the new SUPPORTS is there.
	rs, _ := got.Supporters(id(t, got, "vp-fast"), SupportersOptions{})
	if s := reachedText(got, rs); s != "act-sell@1" {
		t.Errorf("supporters(vp-fast) = %s", s)
	}
	if got.RelLen() != m.RelLen()-2 {
		t.Errorf("%d relationships, want %d", got.RelLen(), m.RelLen()-2)
	}
}

func TestApplySharesWhatItDoesNotTouch(t *testing.T) {
	m, err := FromFile(synth.Model("share", 5000, 1))
	if err != nil {
		t.Fatal(err)
	}
	e := m.Element(3000)
	e.Name = "Renamed"
	got, err := m.Apply([]Edit{{Op: UpsertElement, Element: e}}, 2)
	if err != nil {
		t.Fatal(err)
	}
	if &got.out.other[0] != &m.out.other[0] || &got.in.off[0] != &m.in.off[0] {
		t.Error("a rename rebuilt the adjacency")
	}
	shared := 0
	for i := range m.elems.p {
		if &m.elems.p[i][0] == &got.elems.p[i][0] {
			shared++
		}
	}
	if shared != len(m.elems.p)-1 {
		t.Errorf("%d of %d element pages shared, want all but one", shared, len(m.elems.p))
	}
	if m.Element(3000).Name == "Renamed" || got.Element(3000).Name != "Renamed" {
		t.Error("rename went to the wrong model")
	}
}

func TestEditOfRecordedChanges(t *testing.T) {
	// States as the store records them (JSON text read back: tags as []any, numbers as int64).
	tests := []struct {
		c    graph.Change
		want string
	}{
		{graph.Change{Target: graph.TargetElement, Operation: graph.OpUpdate, Key: "p",
			After: map[string]any{"key": "p", "kind": "Process", "name": "P", "tags": []any{"a"}, "properties": map[string]any{"tier": int64(1)}, "version": int64(3)}},
			"0 p Process P [a] map[tier:1] 3"},
		{graph.Change{Target: graph.TargetElement, Operation: graph.OpDelete, Key: "p", Before: map[string]any{"key": "p"}}, "1 p"},
		{graph.Change{Target: graph.TargetRelationship, Operation: graph.OpCreate, After: map[string]any{"from": "a", "type": "FLOWS_TO", "to": "b", "properties": map[string]any{"kind": "MONEY"}}},
			"2 a -FLOWS_TO-> b map[kind:MONEY]"},
		{graph.Change{Target: graph.TargetRelationship, Operation: graph.OpDelete, Before: map[string]any{"from": "a", "type": "FLOWS_TO", "to": "b"}}, "3 a -FLOWS_TO-> b map[]"},
		{graph.Change{Target: graph.TargetModel, Operation: graph.OpUpdate, After: map[string]any{"key": "m", "name": "M"}}, "4 m M"},
	}
	for _, tc := range tests {
		e, err := EditOf(tc.c)
		if err != nil {
			t.Fatal(err)
		}
		var got string
		switch e.Op {
		case UpsertElement:
			got = fmt.Sprintf("%d %s %s %s %v %v %d", e.Op, e.Element.Key, e.Element.Kind, e.Element.Name, e.Element.Tags, e.Element.Properties, e.Element.Version)
		case DeleteElement:
			got = fmt.Sprintf("%d %s", e.Op, e.Element.Key)
		case UpsertRelationship, DeleteRelationship:
			got = fmt.Sprintf("%d %s %v", e.Op, e.Relationship.ID(), e.Relationship.Properties)
		case SetModel:
			got = fmt.Sprintf("%d %s %s", e.Op, e.Model.Key, e.Model.Name)
		}
		if got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}

func TestApplyKindChangeReorders(t *testing.T) {
	m := toy(t)
	got, err := m.Apply([]Edit{{Op: UpsertElement, Element: graph.Element{Key: "tech-crm", Kind: graph.Capability, Name: "CRM"}}}, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Results order by kind name: as a Capability, tech-crm now comes first at distance 4.
	rs, _ := got.Supporters(id(t, got, "vp-fast"), SupportersOptions{})
	want := "act-sell@1 cap-pricing@2 proc-order@2 proc-quote@3 proc-return@3 tech-erp@3 tech-crm@4 partner-cloud@4 proc-ship@4"
	if s := reachedText(got, rs); s != want {
		t.Errorf("got  %s\nwant %s", s, want)
	}
	if got.Kind(id(t, got, "tech-crm")) != graph.Capability || m.Kind(id(t, m, "tech-crm")) != graph.Technology {
		t.Error("kind change went to the wrong model")
	}
	rs, _ = m.Supporters(id(t, m, "vp-fast"), SupportersOptions{})
	if s := reachedText(m, rs); !strings.HasSuffix(s, "partner-cloud@4 proc-ship@4 tech-crm@4") {
		t.Errorf("old model reordered: %s", s)
	}
}

func TestApplyRelationshipPropertiesOnly(t *testing.T) {
	m := toy(t)
	got, err := m.Apply([]Edit{{Op: UpsertRelationship, Relationship: graph.Relationship{From: "role-rep", Type: graph.InvolvedIn, To: "proc-quote", Properties: map[string]any{"raci": "R"}}}}, 2)
	if err != nil {
		t.Fatal(err)
	}
	r, ok := got.FindRel(id(t, got, "role-rep"), graph.InvolvedIn, id(t, got, "proc-quote"))
	if !ok || got.Relationship(r).Properties["raci"] != "R" {
		t.Fatalf("relationship after the edit: %+v", got.Relationship(r))
	}
	if old := m.Relationship(r); old.Properties["raci"] != "A" {
		t.Errorf("old model changed: %+v", old)
	}
	if &got.out.other[0] != &m.out.other[0] {
		t.Error("a property edit rebuilt the adjacency")
	}
	// Another relationship with the same one property shares nothing it should not.
	if other, _ := got.FindRel(id(t, got, "role-rep"), graph.InvolvedIn, id(t, got, "fn-sales")); got.Relationship(other).Properties["raci"] != "R" {
		t.Errorf("role-rep -> fn-sales: %+v", got.Relationship(other))
	}
}
