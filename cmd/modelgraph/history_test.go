package main

import (
	"context"
	"strings"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
)

// TestExportRevision: export -revision N writes what export wrote at revision N.
func TestExportRevision(t *testing.T) {
	ctx := context.Background()
	store := graphtest.Store(t)
	key := graphtest.ModelKey(t)
	f := &graph.File{Model: graph.Model{Key: key, Name: "Stand"}, Elements: []graph.Element{{Key: "vp", Kind: graph.ValueProposition, Name: "Lemonade"}}}
	if _, err := store.Import(ctx, f, graph.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	_, at1, _ := cli(t, "export", key)
	name := "Iced tea"
	if _, err := store.UpdateElement(ctx, key, "vp", graph.ElementPatch{Name: &name}, nil); err != nil {
		t.Fatal(err)
	}
	code, got, stderr := cli(t, "export", "-revision", "1", key)
	if code != 0 || got != at1 || !strings.Contains(got, "Lemonade") {
		t.Errorf("export -revision 1: exit %d, %s\n%s\nwant\n%s", code, stderr, got, at1)
	}
	if code, _, stderr := cli(t, "export", "-revision", "3", key); code != 1 || !strings.Contains(stderr, "revision 3 is ahead of the model, which is at revision 2") {
		t.Errorf("export -revision 3: exit %d, %s", code, stderr)
	}
	if code, _, stderr := cli(t, "export", "-revision", "1", "-format", "archimate", key); code != 2 || !strings.Contains(stderr, "not -format archimate") {
		t.Errorf("export -revision with archimate: exit %d, %s", code, stderr)
	}
}
