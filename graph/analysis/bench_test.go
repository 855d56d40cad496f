package analysis

import (
	"sync"
	"testing"

	"github.com/modelgraph/modelgraph/bench/synth"
	"github.com/modelgraph/modelgraph/graph/engine"
)

// The benchmarks run on the 100k-element synthetic enterprise of bench/synth (seed 42):
//
//	go test -run '^$' -bench . -benchtime 20x ./graph/analysis/
var benchModel = sync.OnceValue(func() *engine.Model {
	m, err := engine.FromFile(synth.Model("synthetic", 100_000, 42))
	if err != nil {
		panic(err)
	}
	return m
})

func benchSetup(b *testing.B) *engine.Model {
	m := benchModel()
	indexOf(m) // built once per model and kept with it; BenchmarkIndex measures it
	b.ReportAllocs()
	b.ResetTimer()
	return m
}

// BenchmarkAlignmentSummaryFirst100: every built-in rule, the summary and the first page of 100.
func BenchmarkAlignmentSummaryFirst100(b *testing.B) {
	m := benchSetup(b)
	for b.Loop() {
		fs, err := Alignment(m, nil, Filter{})
		if err != nil {
			b.Fatal(err)
		}
		s := Summarize(fs)
		p, err := Paginate(fs, 100, "")
		if err != nil || len(p.Findings) != 100 || s.Total == 0 {
			b.Fatalf("%d findings on the page, %d in all, %v", len(p.Findings), s.Total, err)
		}
	}
}

// BenchmarkSingleSourceExposure: every partner that cuts something off, with revenue at risk and
// the paths of the streams at risk.
func BenchmarkSingleSourceExposure(b *testing.B) {
	m := benchSetup(b)
	for b.Loop() {
		if len(SingleSourceExposure(m)) == 0 {
			b.Fatal("no single-source partner")
		}
	}
}

// BenchmarkEconomics: model totals and the figures of every value proposition.
func BenchmarkEconomics(b *testing.B) {
	m := benchSetup(b)
	for b.Loop() {
		r, err := Economics(m, 0)
		if err != nil || len(r.ValuePropositions) == 0 {
			b.Fatal(err)
		}
	}
}

// BenchmarkIndex: what the first analysis of a new model snapshot pays once.
func BenchmarkIndex(b *testing.B) {
	m := benchModel()
	b.ReportAllocs()
	for b.Loop() {
		buildIndex(m)
	}
}
