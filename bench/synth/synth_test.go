package synth

import (
	"reflect"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
)

func TestModelIsValidAndRepeatable(t *testing.T) {
	for _, n := range []int{1000, 10000} {
		a := Model("synthetic", n, 42)
		if ps := graph.Validate(a, graph.Limits{}); len(ps) > 0 {
			t.Fatalf("size %d: %d problems, first: %v", n, len(ps), ps[0])
		}
		if got := len(a.Elements); got < n*9/10 || got > n*11/10 {
			t.Errorf("size %d: %d elements", n, got)
		}
		perElement := float64(len(a.Relationships)) / float64(len(a.Elements))
		if perElement < 3 || perElement > 5 {
			t.Errorf("size %d: %.2f relationships per element, want 3 to 5", n, perElement)
		}
		t.Logf("size %d: %d elements, %d relationships (%.2f per element)", n, len(a.Elements), len(a.Relationships), perElement)
	}
	if !reflect.DeepEqual(Model("m", 2000, 7), Model("m", 2000, 7)) {
		t.Fatal("same seed gave different models")
	}
	if reflect.DeepEqual(Model("m", 2000, 7).Relationships, Model("m", 2000, 8).Relationships) {
		t.Fatal("different seeds gave the same relationships")
	}
}
