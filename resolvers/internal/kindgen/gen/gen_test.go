package gen

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
)

// TestGeneratedFilesAreCurrent fails when the metamodel table changed and `go generate
// ./resolvers` was not run.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	root := filepath.Join("..", "..", "..", "..")
	for path, want := range Files() {
		got, err := os.ReadFile(filepath.Join(root, path))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != want {
			t.Errorf("%s is stale: run go generate ./resolvers", path)
		}
	}
}

// TestBlocksAreTheCanvasKinds checks the table's Block column: exactly the kinds of category
// CANVAS have a Canvas field, each with a description, and no two share a name.
func TestBlocksAreTheCanvasKinds(t *testing.T) {
	names := map[string]bool{}
	for _, s := range graph.Metamodel.Kinds {
		canvas := s.Category == graph.Canvas
		if (s.Block.Name != "") != canvas {
			t.Errorf("%s (category %s) has Canvas field %q", s.Kind, s.Category, s.Block.Name)
		}
		if s.Block.Name != "" && (s.Block.Doc == "" || names[s.Block.Name]) {
			t.Errorf("%s: Canvas field %q undocumented or repeated", s.Kind, s.Block.Name)
		}
		names[s.Block.Name] = true
	}
	if n := len(blocks()); n != 9 {
		t.Errorf("Canvas has %d blocks, want 9", n)
	}
}

// TestRelationshipFieldsAreNamed checks that every relationship type names its fields at both
// ends, with a description each.
func TestRelationshipFieldsAreNamed(t *testing.T) {
	for _, r := range graph.Metamodel.Relationships {
		for _, f := range []graph.Field{r.Out, r.In} {
			if f.Name == "" || f.Doc == "" {
				t.Errorf("%s: field %+v lacks a name or a description", r.Type, f)
			}
		}
	}
}
