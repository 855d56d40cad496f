package engine

import (
	"fmt"
	"testing"

	"github.com/modelgraph/modelgraph/bench/synth"
	"github.com/modelgraph/modelgraph/graph"
)

// BenchmarkUndo10k takes back n recorded renames from a 10,000-element model (synth.Model, seed
// 1), in memory: the step of an as-of read after its changes are read.
//
//	go test -run '^$' -bench BenchmarkUndo10k ./graph/engine/
func BenchmarkUndo10k(b *testing.B) {
	f := synth.Model("bench", 10000, 1)
	m, err := FromFile(f)
	if err != nil {
		b.Fatal(err)
	}
	for _, n := range []int{10, 100, 1000, 10000} {
		cs := make([]graph.Change, n)
		for i := range cs {
			e := f.Elements[i]
			before := map[string]any{"key": e.Key, "kind": string(e.Kind), "name": e.Name}
			after := map[string]any{"key": e.Key, "kind": string(e.Kind), "name": e.Name + " (edited)"}
			cs[i] = graph.Change{Seq: int64(i + 1), Revision: 2, Operation: graph.OpUpdate, Target: graph.TargetElement, Key: e.Key, Before: before, After: after}
		}
		cur, err := m.Apply(nil, 2)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("changes=%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, err := cur.Undo(cs, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
