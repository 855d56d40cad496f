package engine

import (
	"errors"
	"reflect"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
)

// The states below are written as the store records them (graph/history.go): an element with
// key, kind, name and its optional fields; a relationship with from, type, to and properties.
func elemState(key string, kind graph.Kind, name string, props map[string]any) map[string]any {
	s := map[string]any{"key": key, "kind": string(kind), "name": name}
	if props != nil {
		s["properties"] = props
	}
	return s
}

func relStateOf(from string, t graph.RelType, to string, props map[string]any) map[string]any {
	s := map[string]any{"from": from, "type": string(t), "to": to}
	if props != nil {
		s["properties"] = props
	}
	return s
}

// toyHistory is five revisions of edits to testdata/toy.yaml, written out by hand.
func toyHistory() []graph.Change {
	el, rl, md := graph.TargetElement, graph.TargetRelationship, graph.TargetModel
	c := func(rev int64, op, target, key string, before, after map[string]any) graph.Change {
		return graph.Change{Revision: rev, Operation: op, Target: target, Key: key, Before: before, After: after}
	}
	cs := []graph.Change{
		// 1: rename the model and a process.
		c(1, graph.OpUpdate, md, "toy", map[string]any{"key": "toy", "name": "Toy order business"}, map[string]any{"key": "toy", "name": "Toys"}),
		c(1, graph.OpUpdate, el, "proc-order", elemState("proc-order", graph.Process, "Take order", map[string]any{"tier": int64(1)}),
			elemState("proc-order", graph.Process, "Take an order", map[string]any{"tier": int64(2)})),
		// 2: a new process, linked.
		c(2, graph.OpCreate, el, "proc-bill", nil, elemState("proc-bill", graph.Process, "Bill", nil)),
		c(2, graph.OpCreate, rl, "proc-order -FLOWS_TO-> proc-bill", nil, relStateOf("proc-order", graph.FlowsTo, "proc-bill", nil)),
		// 3: the head office goes, with its relationship (as deleteElement with detach records it).
		c(3, graph.OpDelete, rl, "proc-ship -LOCATED_AT-> loc-hq", relStateOf("proc-ship", graph.LocatedAt, "loc-hq", nil), nil),
		c(3, graph.OpDelete, el, "loc-hq", elemState("loc-hq", graph.Location, "Head office", nil), nil),
		// 4: the new process renamed twice in one write, a supply's share dropped, a kind changed.
		c(4, graph.OpUpdate, el, "proc-bill", elemState("proc-bill", graph.Process, "Bill", nil), elemState("proc-bill", graph.Process, "Invoice", nil)),
		c(4, graph.OpUpdate, el, "proc-bill", elemState("proc-bill", graph.Process, "Invoice", nil), elemState("proc-bill", graph.Process, "Invoice customers", nil)),
		c(4, graph.OpUpdate, rl, "partner-cloud -SUPPLIES-> tech-erp",
			relStateOf("partner-cloud", graph.Supplies, "tech-erp", map[string]any{"share": int64(1), "substitutable": false}),
			relStateOf("partner-cloud", graph.Supplies, "tech-erp", map[string]any{"substitutable": false})),
		c(4, graph.OpUpdate, el, "cap-pricing", elemState("cap-pricing", graph.Capability, "Pricing", nil), elemState("cap-pricing", graph.KeyResource, "Pricing", nil)),
		// 5: an element made and deleted in one write, and the billing process deleted again.
		c(5, graph.OpCreate, el, "tmp", nil, elemState("tmp", graph.Role, "Temp", nil)),
		c(5, graph.OpDelete, el, "tmp", elemState("tmp", graph.Role, "Temp", nil), nil),
		c(5, graph.OpDelete, rl, "proc-order -FLOWS_TO-> proc-bill", relStateOf("proc-order", graph.FlowsTo, "proc-bill", nil), nil),
		c(5, graph.OpDelete, el, "proc-bill", elemState("proc-bill", graph.Process, "Invoice customers", nil), nil),
	}
	for i := range cs {
		cs[i].Seq = int64(i + 1)
	}
	return cs
}

func TestUndoEqualsEachEarlierState(t *testing.T) {
	hist := toyHistory()
	states := []*Model{toy(t)}
	for rev := int64(1); rev <= 5; rev++ {
		var edits []Edit
		for _, c := range hist {
			if c.Revision == rev {
				e, err := EditOf(c)
				if err != nil {
					t.Fatal(err)
				}
				edits = append(edits, e)
			}
		}
		next, err := states[rev-1].Apply(edits, rev)
		if err != nil {
			t.Fatalf("revision %d: %v", rev, err)
		}
		states = append(states, next)
	}
	last := states[5]
	if _, ok := last.ID("proc-bill"); ok {
		t.Fatal("the forward replay kept proc-bill")
	}
	for rev := int64(0); rev <= 5; rev++ {
		var after []graph.Change
		for _, c := range hist {
			if c.Revision > rev {
				after = append(after, c)
			}
		}
		// Undo must not depend on the order the changes come in.
		for i, j := 0, len(after)-1; i < j; i, j = i+1, j-1 {
			after[i], after[j] = after[j], after[i]
		}
		got, err := last.Undo(after, rev)
		if err != nil {
			t.Fatalf("undo to %d: %v", rev, err)
		}
		if got.Revision() != rev {
			t.Errorf("undo to %d: revision %d", rev, got.Revision())
		}
		if d := Diff(states[rev], got); !d.Empty() {
			t.Errorf("undo to %d differs from the state then: %+v", rev, d)
		}
		if !reflect.DeepEqual(states[rev].File(), got.File()) {
			t.Errorf("undo to %d: file differs", rev)
		}
	}
	// By hand: at revision 2 the model is "Toys", proc-bill exists as "Bill" and is linked,
	// loc-hq is still there.
	at2, err := last.Undo(hist[4:], 2)
	if err != nil {
		t.Fatal(err)
	}
	if at2.Info().Name != "Toys" {
		t.Errorf("name at 2: %q", at2.Info().Name)
	}
	bill, ok := at2.ID("proc-bill")
	if !ok || at2.Element(bill).Name != "Bill" {
		t.Errorf("proc-bill at 2: %v", ok)
	}
	order, _ := at2.ID("proc-order")
	if _, ok := at2.FindRel(order, graph.FlowsTo, bill); !ok {
		t.Error("proc-order -FLOWS_TO-> proc-bill missing at 2")
	}
	if _, ok := at2.ID("loc-hq"); !ok {
		t.Error("loc-hq missing at 2")
	}
	if d := Diff(toy(t), states[0]); !d.Empty() {
		t.Error("Undo changed the model it started from")
	}
}

func TestUndoRefusesWhatItCannotTakeBack(t *testing.T) {
	m := toy(t)
	m2, err := m.Apply(nil, 3)
	if err != nil {
		t.Fatal(err)
	}
	created := graph.Change{Seq: 1, Revision: 1, Operation: graph.OpCreate, Target: graph.TargetModel, Key: "toy", After: map[string]any{"key": "toy", "name": "Toy"}}
	if _, err := m2.Undo([]graph.Change{created}, 0); !errors.Is(err, graph.ErrInvalid) {
		t.Errorf("undo past the model's creation: %v", err)
	}
	late := graph.Change{Seq: 9, Revision: 4, Operation: graph.OpUpdate, Target: graph.TargetModel, Key: "toy", Before: map[string]any{"key": "toy", "name": "a"}}
	if _, err := m2.Undo([]graph.Change{late}, 2); !errors.Is(err, graph.ErrInvalid) {
		t.Errorf("a change above the model's revision: %v", err)
	}
}
