package graph_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/modelgraph/modelgraph/bench/synth"
	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
)

// BenchmarkImport measures importing a new synthetic model, in elements plus relationships per
// second (the history records, one per item, are written too unless history=false). At 10,000
// elements (43,000 items) the import is one transaction, at 100,000 (430,000 items) it is staged.
//
//	go test -run '^$' -bench 'Import/100000' -benchtime 1x ./graph/
func BenchmarkImport(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		for _, history := range []bool{true, false} {
			b.Run(fmt.Sprintf("%d/history=%v", n, history), func(b *testing.B) {
				s := graphtest.Store(b)
				ctx := context.Background()
				items := 0
				for b.Loop() {
					b.StopTimer()
					f := synth.Model(graphtest.ModelKey(b), n, 1)
					b.StartTimer()
					items += len(f.Elements) + len(f.Relationships)
					if _, err := s.Import(ctx, f, graph.ImportOptions{NoHistory: !history}); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(items)/b.Elapsed().Seconds(), "items/s")
			})
		}
	}
}
