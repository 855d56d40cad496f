package analysis

import (
	"slices"
	"testing"

	"github.com/modelgraph/modelgraph/bench/synth"
	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/engine"
)

// models for the equivalence tests: the demo models and a synthetic one with FLOWS_TO loops.
func equivalenceModels(t *testing.T) map[string]*engine.Model {
	out := map[string]*engine.Model{}
	for _, f := range []string{"lemonade-stand", "marketplace", "sportswear-retailer", "subscription-software"} {
		out[f] = load(t, "../../seed/"+f+".yaml")
	}
	m, err := engine.FromFile(synth.Model("synthetic", 3000, 7))
	if err != nil {
		t.Fatal(err)
	}
	out["synthetic"] = m
	return out
}

// The one multi-source search for "has a supporter of these kinds within d" answers what
// Supporters answers element by element, including for an element of the kinds itself (which is
// not its own supporter, even on a FLOWS_TO loop back to it).
func TestReachedByOtherIsSupporters(t *testing.T) {
	for name, m := range equivalenceModels(t) {
		ix := indexOf(m)
		for _, tc := range []struct {
			kinds []graph.Kind
			d     int
		}{{[]graph.Kind{graph.Process}, 6}, {[]graph.Kind{graph.Process}, 1}, {[]graph.Kind{graph.Technology, graph.Capability}, 3}} {
			table := reachedByOther(ix, kindMask(tc.kinds), tc.d)
			for v := range ix.n {
				rs, err := m.Supporters(engine.NodeID(v), engine.SupportersOptions{Kinds: tc.kinds, MaxDepth: tc.d})
				if err != nil {
					t.Fatal(err)
				}
				if table[v] != (len(rs) > 0) {
					t.Fatalf("%s: %s has %d supporters of %v within %d, the table says %v", name, m.Key(engine.NodeID(v)), len(rs), tc.kinds, tc.d, table[v])
				}
			}
		}
	}
}

// A loop p1 -> p2 -> p1 gives each a process supporter; p3 alone has none, though it is a process.
func TestReachedByOtherOnALoop(t *testing.T) {
	f := &graph.File{Model: graph.Model{Key: "loop", Name: "Loop"}}
	for _, k := range []string{"p1", "p2", "p3"} {
		f.Elements = append(f.Elements, graph.Element{Key: k, Kind: graph.Process, Name: k})
	}
	f.Relationships = []graph.Relationship{{From: "p1", Type: graph.FlowsTo, To: "p2"}, {From: "p2", Type: graph.FlowsTo, To: "p1"}}
	m, err := engine.FromFile(f)
	if err != nil {
		t.Fatal(err)
	}
	table := reachedByOther(indexOf(m), kindBit(graph.Process), 6)
	var got []bool
	for _, k := range []string{"p1", "p2", "p3"} {
		id, _ := m.ID(k)
		got = append(got, table[id])
	}
	if !slices.Equal(got, []bool{true, true, false}) {
		t.Errorf("p1, p2, p3: %v", got)
	}
}

// The rules that use the shared searches (VP_UNREALIZED, VP_NO_REVENUE, PROCESS_ORPHANED) find
// exactly the elements that per-element Supporters and Impact calls find.
func TestWholeModelRulesMatchPerElementSearches(t *testing.T) {
	for name, m := range equivalenceModels(t) {
		fs, err := Alignment(m, nil, Filter{Rules: []string{"VP_UNREALIZED", "VP_NO_REVENUE", "PROCESS_ORPHANED"}})
		if err != nil {
			t.Fatal(err)
		}
		var got, want []string
		for _, f := range fs {
			got = append(got, f.Rule+" "+f.Element)
		}
		canvas := map[graph.Kind]bool{}
		for _, k := range graph.KindsIn(graph.Canvas) {
			canvas[k] = k != graph.Cost
		}
		affects := func(id engine.NodeID, want func(graph.Kind) bool) bool {
			im, _ := m.Impact(id, engine.ImpactOptions{})
			for _, r := range im.Affected {
				if want(m.Kind(r.ID)) {
					return true
				}
			}
			return false
		}
		for _, rule := range []string{"PROCESS_ORPHANED", "VP_NO_REVENUE", "VP_UNREALIZED"} {
			for _, id := range m.Elements() {
				switch k := m.Kind(id); {
				case rule == "PROCESS_ORPHANED" && k == graph.Process && !affects(id, func(k graph.Kind) bool { return canvas[k] }):
				case rule == "VP_NO_REVENUE" && k == graph.ValueProposition && !affects(id, func(k graph.Kind) bool { return k == graph.RevenueStream }):
				case rule == "VP_UNREALIZED" && k == graph.ValueProposition && !supportedOrWhole(t, m, id):
				default:
					continue
				}
				want = append(want, rule+" "+m.Key(id))
			}
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: rules found %v\nper-element searches find %v", name, got, want)
		}
	}
}

func supportedOrWhole(t *testing.T, m *engine.Model, v engine.NodeID) bool {
	// v and its wholes: everything v reaches along PART_OF
	seen := map[engine.NodeID]bool{v: true}
	queue := []engine.NodeID{v}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		rs, err := m.Supporters(u, engine.SupportersOptions{Kinds: []graph.Kind{graph.Process}, MaxDepth: 6})
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) > 0 {
			return true
		}
		for _, l := range m.Out(u) {
			if l.Type == graph.PartOf && !seen[l.Other] {
				seen[l.Other] = true
				queue = append(queue, l.Other)
			}
		}
	}
	return false
}

// Ownership is inherited around a PART_OF cycle: p1 and p2 are parts of each other, p3 is part of
// p1, and only p2 has an accountable role. p1's wholes are p2 (owned), p3's are p1 and p2: nobody
// is without an owner. p4, alone, has none.
func TestSelfOrWholeOnACycle(t *testing.T) {
	f := &graph.File{Model: graph.Model{Key: "cycle", Name: "Cycle"}}
	for _, k := range []string{"p1", "p2", "p3", "p4"} {
		f.Elements = append(f.Elements, graph.Element{Key: k, Kind: graph.Process, Name: k})
	}
	f.Elements = append(f.Elements, graph.Element{Key: "boss", Kind: graph.Role, Name: "boss"})
	f.Relationships = []graph.Relationship{
		{From: "p1", Type: graph.PartOf, To: "p2"}, {From: "p2", Type: graph.PartOf, To: "p1"}, {From: "p3", Type: graph.PartOf, To: "p1"},
		{From: "boss", Type: graph.InvolvedIn, To: "p2", Properties: map[string]any{"raci": "A"}},
	}
	m, err := engine.FromFile(f)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := Alignment(m, nil, Filter{Rules: []string{"PROCESS_NO_OWNER"}})
	if err != nil {
		t.Fatal(err)
	}
	if got := lines(fs); !slices.Equal(got, []string{"WARNING PROCESS_NO_OWNER p4"}) {
		t.Errorf("findings %v", got)
	}
}
