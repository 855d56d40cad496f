package main

import (
	"cmp"
	"context"
	"fmt"
	"runtime"
	"slices"
	"time"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/engine"
	"github.com/modelgraph/modelgraph/graph/snapshots"
)

// snapshotTarget answers the canonical queries with the in-process engine calls on a warm
// snapshot, built from the store as the server builds it (a snapshots.Cache): no revision check,
// no HTTP, no GraphQL. It is the floor of the in-memory design.
type snapshotTarget struct {
	cache *snapshots.Cache // holds m
	m     *engine.Model
	// byKey and vps are the element list in key order and the value propositions in it, taken
	// once per snapshot, as a snapshot-backed element list would keep them (the Model is
	// immutable; Elements() copies its key order on every call).
	byKey, vps []engine.NodeID
}

// snapshotBuild is what building one model's snapshot cost the bench process.
type snapshotBuild struct {
	Seconds float64 `json:"seconds"`
	// HeapMiB is the growth of the Go heap in use (HeapAlloc after a GC) from before the build to
	// after it, with the snapshot still referenced.
	HeapMiB float64 `json:"go_heap_mib"`
	// EstimateMiB is the snapshot cache's own estimate of the model's size (its memory budget
	// charges this).
	EstimateMiB float64 `json:"cache_estimate_mib"`
}

func heapAlloc() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// buildSnapshot reads a model into memory the way the server does, timing it and measuring the
// Go heap it takes.
func buildSnapshot(ctx context.Context, store *graph.Store, model string) (*snapshotTarget, snapshotBuild, error) {
	var b snapshotBuild
	before := heapAlloc()
	// A budget far above any model the bench builds, so that it is never evicted while measured.
	cache := snapshots.New(store, snapshots.Options{MemoryBytes: 1 << 40, BuildTimeout: time.Hour})
	start := time.Now()
	m, err := cache.Snapshot(ctx, model)
	if err != nil {
		return nil, b, fmt.Errorf("snapshot of %s: %w", model, err)
	}
	b.Seconds = time.Since(start).Seconds()
	t := &snapshotTarget{cache: cache, m: m}
	after := heapAlloc()
	runtime.KeepAlive(t)
	b.HeapMiB = (float64(after) - float64(before)) / (1 << 20)
	b.EstimateMiB = float64(cache.Stats().Bytes) / (1 << 20)
	t.byKey = m.Elements()
	for _, id := range t.byKey {
		if m.Kind(id) == graph.ValueProposition {
			t.vps = append(t.vps, id)
		}
	}
	return t, b, nil
}

func (t *snapshotTarget) name() string { return "snapshot" }

var processOnly = []graph.Kind{graph.Process}

func (t *snapshotTarget) do(_ context.Context, q string, a map[string]any, _ bool) (shape, error) {
	m := t.m
	id := func(k string) (engine.NodeID, error) {
		v, ok := m.ID(a[k].(string))
		if !ok {
			return 0, fmt.Errorf("element %v: %w", a[k], graph.ErrNotFound)
		}
		return v, nil
	}
	switch q {
	case "elementByKey":
		x, ok := m.ID(a["key"].(string))
		if !ok {
			return shape{0}, nil
		}
		_ = m.Element(x)
		return shape{1}, nil
	case "page":
		page := t.byKey[:min(pageSize, len(t.byKey))]
		out := shape{len(page), 0, 0}
		for _, x := range page {
			_ = m.Element(x)
			for i, ls := range [][]engine.Link{m.Out(x), m.In(x)} {
				out[1+i] += len(firstLinks(m, ls))
			}
		}
		return out, nil
	case "supporters":
		x, err := id("key")
		if err != nil {
			return nil, err
		}
		rs, err := m.Supporters(x, engine.SupportersOptions{Kinds: processOnly, MaxDepth: 6, Paths: true})
		if err != nil {
			return nil, err
		}
		steps := 0
		for _, r := range rs {
			_ = m.Key(r.ID)
			steps += len(r.Path)
		}
		return shape{len(rs), steps}, nil
	case "impact":
		x, err := id("key")
		if err != nil {
			return nil, err
		}
		im, err := m.Impact(x, engine.ImpactOptions{MaxDepth: 6})
		if err != nil {
			return nil, err
		}
		for _, r := range im.Affected {
			_, _ = m.Key(r.ID), m.Kind(r.ID)
		}
		return shape{len(im.Scope), len(im.Affected)}, nil
	case "path":
		from, err := id("from")
		if err != nil {
			return nil, err
		}
		to, err := id("to")
		if err != nil {
			return nil, err
		}
		ss, found, err := m.Path(from, to, 6)
		if err != nil || !found {
			return shape{0}, err
		}
		return shape{len(ss)}, nil
	case "dashboard":
		// A Model remembers the counts it has computed (per kinds and depth), as it does in the
		// server: warm, this reads them.
		counts, err := m.SupporterCounts(t.vps, engine.SupportersOptions{Kinds: processOnly, MaxDepth: 6})
		if err != nil {
			return nil, err
		}
		sum := 0
		for i, c := range counts {
			_ = m.Key(t.vps[i])
			sum += c
		}
		return shape{len(t.vps), sum}, nil
	}
	return nil, fmt.Errorf("unknown query %s", q)
}

// firstLinks orders an element's relationships in one direction as the API lists them (by type
// name, then the other end's key) and keeps the first 100.
func firstLinks(m *engine.Model, ls []engine.Link) []engine.Link {
	slices.SortFunc(ls, func(a, b engine.Link) int {
		return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(m.Key(a.Other), m.Key(b.Other)))
	})
	return ls[:min(len(ls), linksPerDirection)]
}
