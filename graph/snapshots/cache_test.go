package snapshots_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/engine"
	"github.com/modelgraph/modelgraph/graph/graphtest"
	"github.com/modelgraph/modelgraph/graph/snapshots"
)

func TestMain(m *testing.M) { os.Exit(graphtest.Main(m)) }

// small is a model of three elements: a process that realizes a value proposition, and a
// capability that supports the process.
func small(key string) *graph.File {
	return &graph.File{
		Model: graph.Model{Key: key, Name: "Small"},
		Elements: []graph.Element{
			{Key: "vp", Kind: graph.ValueProposition, Name: "VP"},
			{Key: "proc", Kind: graph.Process, Name: "Proc", Properties: map[string]any{"tier": int64(1)}},
			{Key: "cap", Kind: graph.Capability, Name: "Cap"},
		},
		Relationships: []graph.Relationship{
			{From: "proc", Type: graph.Realizes, To: "vp"},
			{From: "cap", Type: graph.Supports, To: "proc"},
		},
	}
}

func supporters(t *testing.T, m *engine.Model, key string) []string {
	t.Helper()
	id, ok := m.ID(key)
	if !ok {
		t.Fatalf("snapshot has no %q", key)
	}
	rs, err := m.Supporters(id, engine.SupportersOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rs {
		out = append(out, m.Key(r.ID))
	}
	return out
}

func wantStats(t *testing.T, c *snapshots.Cache, hits, misses, builds, applies int64) {
	t.Helper()
	s := c.Stats()
	if s.Hits != hits || s.Misses != misses || s.Builds != builds || s.Applies != applies {
		t.Fatalf("stats %+v, want hits %d misses %d builds %d applies %d", s, hits, misses, builds, applies)
	}
}

// TestCacheFollowsWrites: the first read builds, a second read hits, a recorded write is
// applied, a bulk load without history forces a full read, and a model deleted and created
// again is read again although its revision counts from 1 again.
func TestCacheFollowsWrites(t *testing.T) {
	ctx := context.Background()
	s := graphtest.Store(t)
	key := graphtest.ModelKey(t)
	if _, err := s.Import(ctx, small(key), graph.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	c := snapshots.New(s, snapshots.Options{})
	m, err := c.Snapshot(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if m.Revision() != 1 || m.Len() != 3 || m.RelLen() != 2 {
		t.Fatalf("revision %d, %d elements, %d relationships; want 1, 3, 2", m.Revision(), m.Len(), m.RelLen())
	}
	if got := supporters(t, m, "vp"); len(got) != 2 {
		t.Fatalf("supporters of vp %v, want proc and cap", got)
	}
	if m2, _ := c.Snapshot(ctx, key); m2 != m {
		t.Fatal("second read at the same revision did not return the cached model")
	}
	wantStats(t, c, 1, 1, 1, 0)

	// A recorded write: unlink cap -> proc; the snapshot is brought forward by applying it.
	if err := s.Unlink(ctx, key, graph.Relationship{From: "cap", Type: graph.Supports, To: "proc"}); err != nil {
		t.Fatal(err)
	}
	m, err = c.Snapshot(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if got := supporters(t, m, "vp"); len(got) != 1 || got[0] != "proc" || m.Revision() != 2 {
		t.Fatalf("after unlink: supporters %v at revision %d, want [proc] at 2", got, m.Revision())
	}
	wantStats(t, c, 1, 2, 1, 1)

	// A bulk load without history adds a supporter; no changes are recorded, so it is read in
	// full.
	f := small(key)
	f.Elements = append(f.Elements, graph.Element{Key: "tech", Kind: graph.Technology, Name: "Tech"})
	f.Relationships = append(f.Relationships, graph.Relationship{From: "tech", Type: graph.Supports, To: "proc"})
	if _, err := s.Import(ctx, f, graph.ImportOptions{NoHistory: true}); err != nil {
		t.Fatal(err)
	}
	m, err = c.Snapshot(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if got := supporters(t, m, "vp"); len(got) != 3 || m.Revision() != 3 {
		t.Fatalf("after bulk load: supporters %v at revision %d, want proc, cap, tech at 3", got, m.Revision())
	}
	wantStats(t, c, 1, 3, 2, 1)

	// Deleted and created again with one element: revision 1 again, yet not the old model.
	if err := s.DeleteModel(ctx, key); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Snapshot(ctx, key); !errors.Is(err, graph.ErrNotFound) {
		t.Fatalf("deleted model: %v, want not found", err)
	}
	g := &graph.File{Model: graph.Model{Key: key, Name: "Again"}, Elements: []graph.Element{{Key: "vp", Kind: graph.ValueProposition, Name: "VP"}}}
	if _, err := s.Import(ctx, g, graph.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	m, err = c.Snapshot(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if m.Len() != 1 || m.Info().Name != "Again" {
		t.Fatalf("re-created model: %d elements named %q, want 1 named Again", m.Len(), m.Info().Name)
	}
}

// TestCacheEvictsLeastRecentlyUsed: with room for about one small model, reading a second
// evicts the first, and reading the first again builds it again.
func TestCacheEvictsLeastRecentlyUsed(t *testing.T) {
	ctx := context.Background()
	s := graphtest.Store(t)
	a, b := graphtest.ModelKey(t)+"-a", graphtest.ModelKey(t)+"-b"
	for _, k := range []string{a, b} {
		if _, err := s.Import(ctx, small(k), graph.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// Three elements and two relationships are estimated at about 800 bytes.
	c := snapshots.New(s, snapshots.Options{MemoryBytes: 1200})
	for _, k := range []string{a, b, a} {
		if _, err := c.Snapshot(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	st := c.Stats()
	if st.Builds != 3 || st.Evictions != 2 || st.Models != 1 || st.Bytes > st.Budget {
		t.Fatalf("stats %+v, want 3 builds, 2 evictions, 1 model within the budget", st)
	}
}

// TestConcurrentReadsShareOneBuild: many readers of a model not yet cached wait for one read.
func TestConcurrentReadsShareOneBuild(t *testing.T) {
	ctx := context.Background()
	s := graphtest.Store(t)
	key := graphtest.ModelKey(t)
	if _, err := s.Import(ctx, small(key), graph.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	c := snapshots.New(s, snapshots.Options{})
	errs := make(chan error, 8)
	models := make(chan *engine.Model, 8)
	for range 8 {
		go func() {
			m, err := c.Snapshot(ctx, key)
			errs <- err
			models <- m
		}()
	}
	var first *engine.Model
	for range 8 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		m := <-models
		if first == nil {
			first = m
		}
		if m != first {
			t.Fatal("readers got different models of one revision")
		}
	}
	if st := c.Stats(); st.Builds != 1 {
		t.Fatalf("%d builds, want 1", st.Builds)
	}
}

func TestParseSize(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
	}{{"1024", 1024}, {"512M", 512 << 20}, {"512MiB", 512 << 20}, {"2g", 2 << 30}, {"3GB", 3 << 30}, {"1T", 1 << 40}, {"64k", 64 << 10}} {
		got, err := snapshots.ParseSize(c.in)
		if err != nil || got != c.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "x", "-1", "1.5G", "9999999999T"} {
		if _, err := snapshots.ParseSize(bad); err == nil {
			t.Errorf("ParseSize(%q) accepted", bad)
		}
	}
}

// TestSnapshotsOfSeveralModels: several models are read together, an unknown one is left out,
// and a second call finds both cached.
func TestSnapshotsOfSeveralModels(t *testing.T) {
	ctx := context.Background()
	s := graphtest.Store(t)
	a, b := graphtest.ModelKey(t)+"-a", graphtest.ModelKey(t)+"-b"
	for _, k := range []string{a, b} {
		if _, err := s.Import(ctx, small(k), graph.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	c := snapshots.New(s, snapshots.Options{})
	for round := range 2 {
		got, err := c.SnapshotsOf(ctx, []string{a, "no-such-model", b})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[a].Info().Key != a || got[b].Info().Key != b {
			t.Fatalf("round %d: got %d models, want %s and %s", round, len(got), a, b)
		}
	}
	wantStats(t, c, 2, 2, 2, 0)
}
