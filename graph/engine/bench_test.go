package engine

import (
	"bytes"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/modelgraph/modelgraph/bench/synth"
	"github.com/modelgraph/modelgraph/graph"
)

// Benchmarks run on synthetic models of 100k elements, and of 1M with -large (generating 1M
// elements takes a while and about 1 GiB):
//
//	go test -run '^$' -bench . -benchmem ./graph/engine/
//	go test -run '^$' -bench . -benchmem ./graph/engine/ -large
var large = flag.Bool("large", os.Getenv("MODELGRAPH_BENCH_LARGE") != "", "also benchmark a model of 1M elements (env MODELGRAPH_BENCH_LARGE)")

type benchModel struct {
	f      *graph.File
	m      *Model
	heap   uint64 // bytes the model holds on the Go heap, strings included
	byKind map[graph.Kind][]NodeID
}

var (
	benchMu     sync.Mutex
	benchModels = map[int]*benchModel{}
)

func sizes() []int {
	if *large {
		return []int{100_000, 1_000_000}
	}
	return []int{100_000}
}

func sizeName(n int) string {
	if n >= 1_000_000 {
		return fmt.Sprintf("%dM", n/1_000_000)
	}
	return fmt.Sprintf("%dk", n/1000)
}

// loadBench generates and builds the model of n elements once per test binary.
func loadBench(b *testing.B, n int) *benchModel {
	benchMu.Lock()
	defer benchMu.Unlock()
	if bm, ok := benchModels[n]; ok {
		return bm
	}
	f := synth.Model("bench", n, 42)
	m, heap := measured(b, f)
	bm := &benchModel{f: f, m: m, heap: heap, byKind: map[graph.Kind][]NodeID{}}
	for v := range m.Len() {
		bm.byKind[m.Kind(NodeID(v))] = append(bm.byKind[m.Kind(NodeID(v))], NodeID(v))
	}
	benchModels[n] = bm
	return bm
}

// measured builds a model from copies of every string of f, as a read from the store would give
// it, and returns it with the growth of the live heap.
func measured(b *testing.B, f *graph.File) (*Model, uint64) {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	bl := NewBuilder(f.Model, len(f.Elements))
	for _, e := range f.Elements {
		e.Key, e.Name, e.Description = strings.Clone(e.Key), strings.Clone(e.Name), strings.Clone(e.Description)
		e.Properties = cloneProps(e.Properties)
		if err := bl.AddElement(e); err != nil {
			b.Fatal(err)
		}
	}
	for _, r := range f.Relationships {
		r.Properties = cloneProps(r.Properties)
		if err := bl.AddRelationship(r); err != nil {
			b.Fatal(err)
		}
	}
	m, err := bl.Build()
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	return m, after.HeapAlloc - before.HeapAlloc
}

func cloneProps(p map[string]any) map[string]any {
	if p == nil {
		return nil
	}
	out := make(map[string]any, len(p))
	for k, v := range p {
		if s, ok := v.(string); ok {
			v = strings.Clone(s)
		}
		out[strings.Clone(k)] = v
	}
	return out
}

func forSizes(b *testing.B, run func(b *testing.B, bm *benchModel)) {
	for _, n := range sizes() {
		b.Run(sizeName(n), func(b *testing.B) {
			bm := loadBench(b, n)
			b.ReportAllocs()
			run(b, bm)
		})
	}
}

func BenchmarkBuild(b *testing.B) {
	forSizes(b, func(b *testing.B, bm *benchModel) {
		for b.Loop() {
			if _, err := FromFile(bm.f); err != nil {
				b.Fatal(err)
			}
		}
		// After the loop: b.Loop drops metrics reported before it starts.
		b.ReportMetric(float64(bm.heap)/(1<<20), "model-MiB")
		b.ReportMetric(float64(bm.m.RelLen()), "relationships")
	})
}

func BenchmarkSupporters(b *testing.B) {
	for _, paths := range []bool{false, true} {
		b.Run(fmt.Sprintf("paths=%v", paths), func(b *testing.B) {
			forSizes(b, func(b *testing.B, bm *benchModel) {
				vps := bm.byKind[graph.ValueProposition]
				found, i := 0, 0
				for b.Loop() {
					rs, _ := bm.m.Supporters(vps[i%len(vps)], SupportersOptions{Kinds: []graph.Kind{graph.Process}, Paths: paths})
					found += len(rs)
					i++
				}
				b.ReportMetric(float64(found)/float64(i), "supporters/op")
			})
		})
	}
}

func BenchmarkSupporterCounts(b *testing.B) {
	// The dashboard: supporterCount of every value proposition in one call, counted (cold) and
	// remembered by the model (warm).
	b.Run("cold", func(b *testing.B) {
		forSizes(b, func(b *testing.B, bm *benchModel) {
			vps := bm.byKind[graph.ValueProposition]
			all, _ := kindMask(nil)
			for b.Loop() {
				_ = bm.m.countAll(vps, DefaultMaxDepth, all)
			}
			b.ReportMetric(float64(len(vps)), "roots/op")
		})
	})
	b.Run("warm", func(b *testing.B) {
		forSizes(b, func(b *testing.B, bm *benchModel) {
			vps := bm.byKind[graph.ValueProposition]
			for b.Loop() {
				if _, err := bm.m.SupporterCounts(vps, SupportersOptions{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(vps)), "roots/op")
		})
	})
}

func BenchmarkSupporterCountsOneByOne(b *testing.B) {
	// The same counts with one Supporters call per root, for comparison.
	forSizes(b, func(b *testing.B, bm *benchModel) {
		vps := bm.byKind[graph.ValueProposition]
		for b.Loop() {
			for _, v := range vps {
				_, _ = bm.m.Supporters(v, SupportersOptions{})
			}
		}
		b.ReportMetric(float64(len(vps)), "roots/op")
	})
}

func BenchmarkImpact(b *testing.B) {
	for _, k := range []graph.Kind{graph.KeyPartner, graph.BusinessFunction, graph.Technology} {
		b.Run(string(k), func(b *testing.B) {
			forSizes(b, func(b *testing.B, bm *benchModel) {
				roots := bm.byKind[k]
				affected, i := 0, 0
				for b.Loop() {
					im, _ := bm.m.Impact(roots[i%len(roots)], ImpactOptions{Paths: true, Attached: true})
					affected += len(im.Affected)
					i++
				}
				b.ReportMetric(float64(affected)/float64(i), "affected/op")
			})
		})
	}
}

func BenchmarkPath(b *testing.B) {
	// Half the pairs are a supporter and its value proposition (a path exists), half random.
	forSizes(b, func(b *testing.B, bm *benchModel) {
		r := rand.New(rand.NewPCG(1, 2))
		vps := bm.byKind[graph.ValueProposition]
		var pairs [][2]NodeID
		for len(pairs) < 1000 {
			vp := vps[r.IntN(len(vps))]
			rs, _ := bm.m.Supporters(vp, SupportersOptions{})
			if len(rs) > 0 {
				pairs = append(pairs, [2]NodeID{rs[r.IntN(len(rs))].ID, vp}, [2]NodeID{NodeID(r.IntN(bm.m.Len())), vp})
			}
		}
		found, i := 0, 0
		for b.Loop() {
			p := pairs[i%len(pairs)]
			if _, ok, _ := bm.m.Path(p[0], p[1], 0); ok {
				found++
			}
			i++
		}
		b.ReportMetric(float64(found)/float64(i), "found/op")
	})
}

func BenchmarkScope(b *testing.B) {
	forSizes(b, func(b *testing.B, bm *benchModel) {
		fns := bm.byKind[graph.BusinessFunction]
		i := 0
		for b.Loop() {
			_ = bm.m.Scope(fns[i%len(fns)])
			i++
		}
	})
}

func BenchmarkApply(b *testing.B) {
	forSizes(b, func(b *testing.B, bm *benchModel) {
		e := bm.m.Element(bm.byKind[graph.Process][0])
		e.Name = "Renamed"
		b.Run("rename", func(b *testing.B) {
			for b.Loop() {
				if _, err := bm.m.Apply([]Edit{{Op: UpsertElement, Element: e}}, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
		vp := bm.m.Key(bm.byKind[graph.ValueProposition][0])
		link := []Edit{{Op: UpsertRelationship, Relationship: graph.Relationship{From: e.Key, Type: graph.Realizes, To: vp}}}
		b.Run("link", func(b *testing.B) {
			for b.Loop() {
				if _, err := bm.m.Apply(link, 1); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

func BenchmarkParseFile(b *testing.B) {
	// 100k only: reading a 1M-element YAML file through yaml.v3 nodes takes minutes and many GiB.
	b.Run("100k", func(b *testing.B) {
		bm := loadBench(b, 100_000)
		b.ReportAllocs()
		var buf bytes.Buffer
		if err := graph.Encode(&buf, bm.f, graph.YAML); err != nil {
			b.Fatal(err)
		}
		b.SetBytes(int64(buf.Len()))
		for b.Loop() {
			if _, ps := ParseFile("bench.yaml", buf.Bytes(), graph.Limits{}); len(ps) > 0 {
				b.Fatal(ps[0])
			}
		}
	})
}
