package snapshots_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/modelgraph/modelgraph/bench/synth"
	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
	"github.com/modelgraph/modelgraph/graph/snapshots"
)

// BenchmarkAsOf10k reads a past state of a 10,000-element model (synth.Model) some number of
// recorded changes back: the revision check, the read of the changes above the revision and the
// undo in memory. The current snapshot is in the cache; the past states kept are dropped before
// every read.
//
//	go test -run '^$' -bench BenchmarkAsOf10k -benchtime 10x ./graph/snapshots/
func BenchmarkAsOf10k(b *testing.B) {
	ctx := context.Background()
	store := graphtest.Store(b)
	key := graphtest.ModelKey(b)
	f := synth.Model(key, 10000, 1)
	if _, err := store.Import(ctx, f, graph.ImportOptions{}); err != nil { // revision 1
		b.Fatal(err)
	}
	// Revisions 2 to 5 rename 10,000, 1,000, 100 and 10 elements.
	for i, n := range []int{10000, 1000, 100, 10} {
		es := make([]graph.Element, n)
		for j := range es {
			es[j] = f.Elements[j]
			es[j].Name = fmt.Sprintf("%s (edit %d)", es[j].Name, i)
		}
		if _, err := store.UpsertElements(ctx, key, es, graph.Limits{}); err != nil {
			b.Fatal(err)
		}
	}
	cache := snapshots.New(store, snapshots.Options{})
	if _, err := cache.Snapshot(ctx, key); err != nil {
		b.Fatal(err)
	}
	for _, tc := range []struct {
		revision int64
		back     int
	}{{5, 0}, {4, 10}, {3, 110}, {2, 1110}, {1, 11110}} {
		b.Run(fmt.Sprintf("changes=%d", tc.back), func(b *testing.B) {
			for b.Loop() {
				snapshots.ForgetPast(cache)
				m, err := cache.AsOf(ctx, key, tc.revision)
				if err != nil {
					b.Fatal(err)
				}
				if m.Revision() != tc.revision || m.Len() != len(f.Elements) {
					b.Fatalf("revision %d with %d elements", m.Revision(), m.Len())
				}
			}
		})
	}
}
