package resolvers_test

import (
	"context"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
)

// These benchmarks compare one GraphQL operation through the real handler (in process, no
// network) with the store call it makes, to show what the GraphQL layer adds.
//
//	go test -run '^$' -bench . ./resolvers/

func BenchmarkElementGraphQL(b *testing.B) {
	a := newAPI(b, graphtest.Store(b))
	model := loadDemo(b, "sportswear-retailer.yaml")
	ctx := context.Background()
	vars := map[string]any{"m": model}
	b.ResetTimer()
	for b.Loop() {
		res := a.do(b, ctx, `query($m: ID!) { element(model: $m, key: "vp-hot-climate-apparel") { key kind name description tags } }`, vars)
		if len(res.Errors) > 0 {
			b.Fatal(res.Errors)
		}
	}
}

func BenchmarkElementStore(b *testing.B) {
	s := graphtest.Store(b)
	model := loadDemo(b, "sportswear-retailer.yaml")
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Element(ctx, model, "vp-hot-climate-apparel"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSupportersGraphQL(b *testing.B) {
	a := newAPI(b, graphtest.Store(b))
	model := loadDemo(b, "sportswear-retailer.yaml")
	ctx := context.Background()
	vars := map[string]any{"m": model}
	for b.Loop() {
		res := a.do(b, ctx, `query($m: ID!) { supporters(model: $m, key: "vp-hot-climate-apparel", kinds: [Process]) { distance element { key } path { from { key } type to { key } } } }`, vars)
		if len(res.Errors) > 0 {
			b.Fatal(res.Errors)
		}
	}
}

func BenchmarkSupportersStore(b *testing.B) {
	s := graphtest.Store(b)
	model := loadDemo(b, "sportswear-retailer.yaml")
	ctx := context.Background()
	ref := graph.Ref{Model: model, Key: "vp-hot-climate-apparel"}
	for b.Loop() {
		if _, err := s.SupportersOf(ctx, ref, []graph.Kind{graph.Process}, nil); err != nil {
			b.Fatal(err)
		}
	}
}
