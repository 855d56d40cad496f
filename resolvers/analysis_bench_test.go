package resolvers_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/modelgraph/modelgraph/bench/synth"
	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/engine"
	"github.com/modelgraph/modelgraph/graph/graphtest"
)

// These benchmarks run the analyses through GraphQL (the real handler, in process) on the
// 100k-element synthetic enterprise of bench/synth (seed 42). The test database refuses a
// 100k-element import in one transaction (its transaction memory is capped), so the model is
// built in memory once and handed to the handler as a prebuilt snapshot (Options.Snapshots);
// Neo4j holds only the model's header, which Query.model reads. No revision check is made, so
// this measures the analyses and the GraphQL layer, not the snapshot cache. "commands" is the
// Cypher round trips per operation; p50-ns is the median time of one operation; cpu-ns is the
// CPU time of the whole process (every goroutine, the garbage collector included) per
// operation, which a shared machine inflates less than wall time.
//
//	go test -count=1 -run '^$' -bench 'Analysis' -benchtime 20x ./resolvers/

const (
	benchAlignmentOp   = `query($m: ID!) { model(key: $m) { alignmentSummary { total bySeverity { severity count } byRule { rule severity count } } } alignment(model: $m, first: 100) { totalCount pageInfo { endCursor } nodes { rule severity element { key } message related { key } } } }`
	benchSingleSource  = `query($m: ID!) { singleSourceExposure(model: $m) { partner { key } cutOff { key } revenueAtRisk { amount unknownAmounts streams { key } } streams { element { key } distance path { from { key } type to { key } } } } }`
	benchSingleNoPath  = `query($m: ID!) { singleSourceExposure(model: $m) { partner { key } cutOff { key } revenueAtRisk { amount unknownAmounts streams { key } } } }`
	benchEconomicsOp   = `query($m: ID!) { economics(model: $m) { currency revenue cost margin unallocatedRevenue overheadCost unknownAmounts valuePropositions { valueProposition { key } allocatedRevenue allocatedCost margin } } }`
	benchAnalysisModel = 100_000
)

var (
	bigOnce sync.Once
	bigKey  string
	bigSnap *engine.Model
)

// prebuilt hands out one model held in memory.
type prebuilt struct{ m *engine.Model }

func (p prebuilt) Snapshot(_ context.Context, model string) (*engine.Model, error) {
	if model != p.m.Info().Key {
		return nil, fmt.Errorf("model %q: %w", model, graph.ErrNotFound)
	}
	return p.m, nil
}

func bigModel(b *testing.B) (string, *engine.Model) {
	bigOnce.Do(func() {
		f := synth.Model(graphtest.ModelKey(b), benchAnalysisModel, 42)
		m, err := engine.FromFile(f)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := graphtest.Store(b).CreateModel(context.Background(), f.Model); err != nil {
			b.Fatal(err)
		}
		bigKey, bigSnap = f.Model.Key, m
	})
	if bigSnap == nil {
		b.Fatal("no synthetic model")
	}
	return bigKey, bigSnap
}

func benchAnalysis(b *testing.B, op string) {
	model, snap := bigModel(b)
	a := newAPIWith(b, graphtest.Store(b), prebuilt{snap})
	vars := map[string]any{"m": model}
	for range 2 { // warm: the snapshot and its analysis index
		if res := a.do(b, context.Background(), op, vars); len(res.Errors) > 0 {
			b.Fatal(res.Errors)
		}
	}
	var n atomic.Int64
	ctx := graph.WithQueryCounter(context.Background(), &n)
	var times []time.Duration
	cpu0 := cpuTime()
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if res := a.do(b, ctx, op, vars); len(res.Errors) > 0 {
			b.Fatal(res.Errors)
		}
		times = append(times, time.Since(start))
	}
	b.StopTimer()
	b.ReportMetric(float64((cpuTime()-cpu0).Nanoseconds())/float64(len(times)), "cpu-ns")
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Nanoseconds()), "p50-ns")
	b.ReportMetric(float64(n.Load())/float64(len(times)), "commands")
}

// cpuTime is the CPU time the process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkAnalysisAlignment(b *testing.B)           { benchAnalysis(b, benchAlignmentOp) }
func BenchmarkAnalysisSingleSource(b *testing.B)        { benchAnalysis(b, benchSingleSource) }
func BenchmarkAnalysisSingleSourceNoPaths(b *testing.B) { benchAnalysis(b, benchSingleNoPath) }
func BenchmarkAnalysisEconomics(b *testing.B)           { benchAnalysis(b, benchEconomicsOp) }
