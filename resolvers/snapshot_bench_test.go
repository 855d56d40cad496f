package resolvers_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/modelgraph/modelgraph/bench/synth"
	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
	"github.com/modelgraph/modelgraph/resolvers"
)

// These benchmarks run impact and the dashboard query through GraphQL on a synthetic model of
// 10k elements, once with the Cypher traversals and once from snapshots (warm: the snapshot is
// built before the timer starts; each operation still checks the revision). "commands" is the
// Cypher round trips per operation.
//
//	go test -run '^$' -bench 'Snapshot' ./resolvers/

const (
	benchImpactOp    = `query($model: ID!, $key: ID!) { impact(model: $model, key: $key, maxDepth: 6) { scope { key } affected { distance element { key kind } } } }`
	benchDashboardOp = `query($model: ID!) { model(key: $model) { canvas { valuePropositions { key name supporterCount(kinds: [Process], maxDepth: 6) } } } }`
	// benchSupportersOp is the three-way bench's supporters query: every supporting process with
	// its distance and path.
	benchSupportersOp = `query($model: ID!, $key: ID!) { supporters(model: $model, key: $key, kinds: [Process], maxDepth: 6) {
  distance element { key } path { from { key } type to { key } } } }`
)

var (
	synthOnce sync.Once
	synthKey  string
	synthFns  []string
	synthVPs  []string
)

// synthModel imports one 10k model per test binary (without history, as the bench loads) and
// picks business functions that have both a whole and parts, as the three-way bench does.
func synthModel(b *testing.B) (string, []string) {
	synthOnce.Do(func() {
		f := synth.Model(graphtest.ModelKey(b), 10_000, 42)
		if _, err := graphtest.Store(b).Import(context.Background(), f, graph.ImportOptions{NoHistory: true}); err != nil {
			b.Fatal(err)
		}
		kind := map[string]graph.Kind{}
		for _, e := range f.Elements {
			kind[e.Key] = e.Kind
		}
		parent, part := map[string]bool{}, map[string]bool{}
		for _, r := range f.Relationships {
			if r.Type == graph.PartOf && kind[r.From] == graph.BusinessFunction && kind[r.To] == graph.BusinessFunction {
				parent[r.From], part[r.To] = true, true
			}
		}
		for _, e := range f.Elements {
			if parent[e.Key] && part[e.Key] && len(synthFns) < 20 {
				synthFns = append(synthFns, e.Key)
			}
			if e.Kind == graph.ValueProposition && len(synthVPs) < 50 {
				synthVPs = append(synthVPs, e.Key)
			}
		}
		synthKey = f.Model.Key
	})
	if synthKey == "" || len(synthFns) == 0 {
		b.Fatal("no synthetic model")
	}
	return synthKey, synthFns
}

func benchOp(b *testing.B, src resolvers.SnapshotSource, op string, vars func(i int) map[string]any) {
	a := newAPIWith(b, graphtest.Store(b), src)
	for i := range 3 { // warm: query plans, and the snapshot when there is one
		if res := a.do(b, context.Background(), op, vars(i)); len(res.Errors) > 0 {
			b.Fatal(res.Errors)
		}
	}
	var n atomic.Int64
	ctx := graph.WithQueryCounter(context.Background(), &n)
	i := 0
	b.ResetTimer()
	for b.Loop() {
		if res := a.do(b, ctx, op, vars(i)); len(res.Errors) > 0 {
			b.Fatal(res.Errors)
		}
		i++
	}
	b.ReportMetric(float64(n.Load())/float64(i), "commands/op")
}

func BenchmarkSnapshotImpact10k(b *testing.B) {
	model, fns := synthModel(b)
	vars := func(i int) map[string]any { return map[string]any{"model": model, "key": fns[i%len(fns)]} }
	b.Run("cypher", func(b *testing.B) { benchOp(b, resolvers.CypherTraversals, benchImpactOp, vars) })
	b.Run("snapshot", func(b *testing.B) { benchOp(b, nil, benchImpactOp, vars) })
}

func BenchmarkSnapshotDashboard10k(b *testing.B) {
	model, _ := synthModel(b)
	vars := func(int) map[string]any { return map[string]any{"model": model} }
	b.Run("cypher", func(b *testing.B) { benchOp(b, resolvers.CypherTraversals, benchDashboardOp, vars) })
	b.Run("snapshot", func(b *testing.B) { benchOp(b, nil, benchDashboardOp, vars) })
}

// BenchmarkSnapshotSupporters10k: where a supporters request's time goes once the search itself
// takes microseconds (with -cpuprofile).
func BenchmarkSnapshotSupporters10k(b *testing.B) {
	model, _ := synthModel(b)
	vars := func(i int) map[string]any { return map[string]any{"model": model, "key": synthVPs[i%len(synthVPs)]} }
	b.Run("cypher", func(b *testing.B) { benchOp(b, resolvers.CypherTraversals, benchSupportersOp, vars) })
	b.Run("snapshot", func(b *testing.B) { benchOp(b, nil, benchSupportersOp, vars) })
}
