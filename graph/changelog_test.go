package graph_test

import (
	"context"
	"slices"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
)

// Paging an element's changes one at a time must reach its oldest change when the cursor falls
// inside a block whose changes to that element are all at or above the cursor.
//
// The writes, in order: the model; x created (a record); x renamed (a record); p1, p2, p3 and x
// in one write (a block of four changes, x's last, so keys sort it there: "zz-x"). The changes
// touching x, newest first, are therefore: the block's last, the rename, the creation.
func TestElementChangesPageAcrossABlock(t *testing.T) {
	s := graphtest.Store(t)
	ctx := context.Background()
	key := graphtest.ModelKey(t)
	if _, err := s.CreateModel(ctx, graph.Model{Key: key, Name: "paging"}); err != nil {
		t.Fatal(err)
	}
	proc := func(k, name string) graph.Element {
		return graph.Element{Key: k, Kind: graph.Process, Name: name}
	}
	if _, err := s.UpsertElements(ctx, key, []graph.Element{proc("zz-x", "X")}, graph.Limits{}); err != nil {
		t.Fatal(err)
	}
	renamed := "X renamed"
	if _, err := s.UpdateElement(ctx, key, "zz-x", graph.ElementPatch{Name: &renamed}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.UpsertElements(ctx, key, []graph.Element{proc("p1", "P1"), proc("p2", "P2"), proc("p3", "P3"), proc("zz-x", "X again")}, graph.Limits{}); err != nil {
		t.Fatal(err)
	}

	var got []graph.Change
	after := ""
	for page := 0; page < 10; page++ {
		p, err := s.Changes(ctx, graph.ChangeQuery{Model: key, Element: "zz-x", First: 1, After: after})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, p.Changes...)
		if !p.HasNextPage {
			break
		}
		after = p.EndCursor
	}
	if len(got) != 3 {
		t.Fatalf("paging x's changes one at a time gave %d changes, want 3 (block, rename, creation): %+v", len(got), got)
	}
	for i, c := range got {
		if !slices.Contains(c.Elements, "zz-x") {
			t.Errorf("change %d (seq %d) does not touch x: %+v", i, c.Seq, c)
		}
		if i > 0 && c.Seq >= got[i-1].Seq {
			t.Errorf("changes not newest first: seq %d after %d", c.Seq, got[i-1].Seq)
		}
	}
	// The oldest is the creation: nothing before it, a state after it.
	if last := got[2]; last.Before != nil || last.After == nil {
		t.Errorf("the oldest change of x is not its creation: before %v, after %v", last.Before, last.After)
	}
	// The newest two hold both states (updates).
	for _, c := range got[:2] {
		if c.Before == nil || c.After == nil {
			t.Errorf("change seq %d of x is not an update: before %v, after %v", c.Seq, c.Before, c.After)
		}
	}
	// The same through the element's own history, which reads the block once.
	ref := graph.Ref{Model: key, Key: "zz-x"}
	h, err := s.ElementHistory(ctx, []graph.Ref{ref, {Model: key, Key: "p1"}, {Model: key, Key: "p3"}}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(h[ref]) != 3 || h[ref][0].Seq != got[0].Seq || h[ref][2].Seq != got[2].Seq {
		t.Errorf("history of x: %d changes, want the 3 paged above", len(h[ref]))
	}
	for _, k := range []string{"p1", "p3"} {
		if cs := h[graph.Ref{Model: key, Key: k}]; len(cs) != 1 || cs[0].Before != nil {
			t.Errorf("history of %s: %+v, want its creation alone", k, cs)
		}
	}
}
