package graph_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/modelgraph/modelgraph/bench/synth"
	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
)

// BenchmarkImport measures importing a synthetic model in one transaction, in elements plus
// relationships per second.
//
//	go test -run '^$' -bench Import -benchtime 3x ./graph/
func BenchmarkImport(b *testing.B) {
	for _, history := range []bool{true, false} {
		b.Run(fmt.Sprintf("10000/history=%v", history), func(b *testing.B) {
			n := 10000
			s := graphtest.Store(b)
			ctx := context.Background()
			items := 0
			for b.Loop() {
				f := synth.Model(graphtest.ModelKey(b), n, 1)
				items += len(f.Elements) + len(f.Relationships)
				if _, err := s.Import(ctx, f, graph.ImportOptions{NoHistory: !history}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(items)/b.Elapsed().Seconds(), "items/s")
		})
	}
}
