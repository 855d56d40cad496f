package scenario_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/modelgraph/modelgraph/bench/synth"
	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/engine"
	"github.com/modelgraph/modelgraph/graph/graphtest"
	"github.com/modelgraph/modelgraph/graph/scenario"
)

// These benchmarks run scenarios of the 100k-element synthetic enterprise of bench/synth (seed
// 42). The test database refuses a 100k-element import in one transaction (its transaction
// memory is capped), so the base is built in memory once and served as a prebuilt snapshot at
// the base's revision in Neo4j, which holds the model's header; the scenarios, their items and
// the merged writes go to Neo4j as in production.
//
//	go test -run '^$' -bench 'Scenario' -benchtime 5x ./graph/scenario/

const benchElements = 100_000

var (
	bigOnce sync.Once
	bigKey  string
	bigSnap *engine.Model
)

// prebuilt serves the synthetic model at the revision the store holds for it, as the snapshot
// cache would after reading it.
type prebuilt struct {
	store *graph.Store
}

func (p prebuilt) Snapshot(ctx context.Context, model string) (*engine.Model, error) {
	if model != bigKey {
		return nil, fmt.Errorf("model %q: %w", model, graph.ErrNotFound)
	}
	rev, err := p.store.ModelRevision(ctx, model)
	if err != nil {
		return nil, err
	}
	return bigSnap.Renamed(bigSnap.Info(), rev.Number), nil
}

func bigService(b *testing.B) *scenario.Service {
	store := graphtest.Store(b)
	bigOnce.Do(func() {
		f := synth.Model(graphtest.ModelKey(b), benchElements, 42)
		m, err := engine.FromFile(f)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := store.CreateModel(context.Background(), f.Model); err != nil {
			b.Fatal(err)
		}
		bigKey, bigSnap = f.Model.Key, m
	})
	if bigSnap == nil {
		b.Fatal("no synthetic model")
	}
	return scenario.New(store, prebuilt{store})
}

// edit makes a scenario of the big model with a typical what-if: a new partner takes half the
// supply of the first partner's first supplied element, and ten elements are renamed.
func edit(b *testing.B, svc *scenario.Service, key string) {
	ctx := context.Background()
	if _, err := svc.Store.CreateScenario(ctx, bigKey, key, "What if"); err != nil {
		b.Fatal(err)
	}
	var partner, supplied string
	for _, id := range bigSnap.Elements() {
		if bigSnap.Kind(id) != graph.KeyPartner {
			continue
		}
		for _, l := range bigSnap.Out(id) {
			if l.Type == graph.Supplies {
				partner, supplied = bigSnap.Key(id), bigSnap.Key(l.Other)
				break
			}
		}
		if partner != "" {
			break
		}
	}
	if _, err := svc.UpsertElements(ctx, key, []graph.Element{{Key: key + "-partner", Kind: graph.KeyPartner, Name: "Second source"}}); err != nil {
		b.Fatal(err)
	}
	for _, from := range []string{partner, key + "-partner"} {
		if _, _, err := svc.Link(ctx, key, graph.Relationship{From: from, Type: graph.Supplies, To: supplied, Properties: map[string]any{"share": 0.5}}); err != nil {
			b.Fatal(err)
		}
	}
	var rename []graph.Element
	for _, id := range bigSnap.Elements()[1000:1010] {
		e := bigSnap.Element(id)
		e.Name += " (renamed)"
		e.Model, e.Version = "", 0
		rename = append(rename, e)
	}
	if _, err := svc.UpsertElements(ctx, key, rename); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkScenarioCreate100k: creating a scenario writes one node, whatever the base's size.
func BenchmarkScenarioCreate100k(b *testing.B) {
	svc := bigService(b)
	ctx := context.Background()
	keys := make([]string, 0, b.N)
	b.ResetTimer()
	for i := range b.N {
		k := fmt.Sprintf("%s-c%d", bigKey, i)
		if _, err := svc.Store.CreateScenario(ctx, bigKey, k, "What if"); err != nil {
			b.Fatal(err)
		}
		keys = append(keys, k)
	}
	b.StopTimer()
	for _, k := range keys {
		svc.Store.DropScenario(ctx, k)
	}
}

// BenchmarkScenarioFirstQuery100k: the first query on a freshly edited scenario, with nothing of
// it cached: read its items, apply them to the base, and answer an impact.
func BenchmarkScenarioFirstQuery100k(b *testing.B) {
	svc := bigService(b)
	ctx := context.Background()
	for i := range b.N {
		b.StopTimer()
		k := fmt.Sprintf("%s-q%d", bigKey, i)
		edit(b, svc, k)
		cold := scenario.New(svc.Store, prebuilt{svc.Store})
		b.StartTimer()
		v, err := cold.Open(ctx, k)
		if err != nil {
			b.Fatal(err)
		}
		id, _ := v.Model.ID(k + "-partner")
		if _, err := v.Model.Impact(id, engine.ImpactOptions{Paths: true}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		svc.Store.DropScenario(ctx, k)
		b.StartTimer()
	}
}

// BenchmarkScenarioCompare100k: compare a scenario with its base, diff and effect (alignment,
// single-source exposure and economics run on both sides).
func BenchmarkScenarioCompare100k(b *testing.B) {
	svc := bigService(b)
	ctx := context.Background()
	k := bigKey + "-cmp"
	edit(b, svc, k)
	defer svc.Store.DropScenario(ctx, k)
	b.ResetTimer()
	for range b.N {
		c, err := svc.Compare(ctx, scenario.Side{Model: bigKey}, scenario.Side{Model: k}, nil)
		if err != nil {
			b.Fatal(err)
		}
		if len(c.Delta.Added) != 1 || len(c.Delta.Changed) != 10 {
			b.Fatalf("diff %d added, %d changed", len(c.Delta.Added), len(c.Delta.Changed))
		}
	}
}

// BenchmarkScenarioMerge100k: merge a scenario that adds a partner with three supplied elements
// into the 100k base: the three-way check, the validation of the whole merged model and the
// write in one transaction.
func BenchmarkScenarioMerge100k(b *testing.B) {
	svc := bigService(b)
	ctx := context.Background()
	for i := range b.N {
		b.StopTimer()
		k := fmt.Sprintf("%s-m%d", bigKey, i)
		if _, err := svc.Store.CreateScenario(ctx, bigKey, k, "What if"); err != nil {
			b.Fatal(err)
		}
		els := []graph.Element{{Key: k + "-p", Kind: graph.KeyPartner, Name: "New partner"}}
		for j := range 3 {
			els = append(els, graph.Element{Key: fmt.Sprintf("%s-r%d", k, j), Kind: graph.KeyResource, Name: "New resource"})
		}
		if _, err := svc.UpsertElements(ctx, k, els); err != nil {
			b.Fatal(err)
		}
		for j := range 3 {
			if _, _, err := svc.Link(ctx, k, graph.Relationship{From: k + "-p", Type: graph.Supplies, To: fmt.Sprintf("%s-r%d", k, j)}); err != nil {
				b.Fatal(err)
			}
		}
		b.StartTimer()
		r, err := svc.Merge(ctx, k, false)
		if err != nil {
			b.Fatal(err)
		}
		if !r.Applied || r.Created != 4 || r.RelationshipsCreated != 3 {
			b.Fatalf("merge %+v", r)
		}
	}
}
