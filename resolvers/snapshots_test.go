package resolvers_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
	"github.com/modelgraph/modelgraph/graph/snapshots"
	"github.com/modelgraph/modelgraph/resolvers"
)

func newAPIWith(t testing.TB, store *graph.Store, src resolvers.SnapshotSource) *api {
	t.Helper()
	return &api{h: resolvers.NewHandler(store, resolvers.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxImportElements: 1000, Snapshots: src})}
}

// secondStore opens another driver on the test database: another server.
func secondStore(t *testing.T) *graph.Store {
	t.Helper()
	user, pass := graphtest.Credentials()
	s, err := graph.Open(context.Background(), graph.Config{URI: graphtest.URI(), Username: user, Password: pass}, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	return s
}

// The traversals the snapshot and Cypher answers are compared on, without paths (where several
// shortest paths exist, which one is returned is not specified); paths are checked by shape.
var comparedQueries = []string{
	`query($m: ID!) { supporters(model: $m, key: "vp-hot-climate-apparel") { distance element { key kind } } }`,
	`query($m: ID!) { supporters(model: $m, key: "vp-hot-climate-apparel", kinds: [Process, Capability], maxDepth: 3) { distance element { key } } }`,
	`query($m: ID!) { impact(model: $m, key: "partner-coolweave-mill") { source { key } scope { key } affected { distance element { key kind } } attached { element { key } via to { key } } counts { kind count } } }`,
	`query($m: ID!) { impact(model: $m, key: "partner-coolweave-mill", maxDepth: 2, relationshipTypes: [SUPPLIES, SUPPORTS]) { scope { key } affected { distance element { key } } } }`,
	`query($m: ID!) { model(key: $m) { canvas { valuePropositions { key supporterCount supporterCount2: supporterCount(kinds: [Process], maxDepth: 3) supporters(kinds: [Process]) { distance element { key } } } } } }`,
	`query($m: ID!) { a: path(model: $m, from: "partner-coolweave-mill", to: "vp-hot-climate-apparel") { type } b: path(model: $m, from: "vp-hot-climate-apparel", to: "partner-coolweave-mill") { type } }`,
	`query($m: ID!) { supporters(model: $m, key: "nope") { distance } }`,
	`query($m: ID!) { impact(model: $m, key: "nope") { scope { key } } }`,
	`query($m: ID!) { path(model: $m, from: "vp-hot-climate-apparel", to: "nope") { type } }`,
	`query { supporters(model: "no-such-model", key: "nope") { distance } }`,
	`query($m: ID!) { impact(model: $m, key: "partner-coolweave-mill", maxDepth: 11) { scope { key } } }`,
	`query($m: ID!) { impact(model: $m, key: "partner-coolweave-mill", relationshipTypes: [MEASURES]) { scope { key } } }`,
}

// TestSnapshotsAnswerAsCypher: every traversal field gives the same answer (errors included)
// from a snapshot as from the Cypher traversals, on the largest demo model.
func TestSnapshotsAnswerAsCypher(t *testing.T) {
	t.Parallel()
	s := graphtest.Store(t)
	model := loadDemo(t, "sportswear-retailer.yaml")
	snap, cypher := newAPIWith(t, s, nil), newAPIWith(t, s, resolvers.CypherTraversals)
	vars := map[string]any{"m": model}
	for _, q := range comparedQueries {
		a, b := snap.do(t, context.Background(), q, vars), cypher.do(t, context.Background(), q, vars)
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if string(ja) != string(jb) {
			t.Errorf("%s\nsnapshot: %s\ncypher:   %s", q, ja, jb)
		}
	}
}

// TestSnapshotPathsAreShortestChains: the paths of supporters and impact read from a snapshot
// are chains of relationships as long as the distance, ending at the element asked about (for
// supporters) or starting in the scope (for impact).
func TestSnapshotPathsAreShortestChains(t *testing.T) {
	t.Parallel()
	s := graphtest.Store(t)
	model := loadDemo(t, "sportswear-retailer.yaml")
	a := newAPIWith(t, s, nil)
	var out struct {
		Supporters []struct {
			Distance int
			Element  keyed
			Path     []step
		}
		Impact struct {
			Scope    []keyed
			Affected []struct {
				Distance int
				Element  keyed
				Path     []step
			}
		}
	}
	a.ok(t, `query($m: ID!) {
  supporters(model: $m, key: "vp-hot-climate-apparel") { distance element { key } path { from { key } type to { key } } }
  impact(model: $m, key: "partner-coolweave-mill") { scope { key } affected { distance element { key } path { from { key } type to { key } } } }
}`, map[string]any{"m": model}, &out)
	if len(out.Supporters) == 0 || len(out.Impact.Affected) == 0 {
		t.Fatal("no supporters or no affected elements to check")
	}
	for _, r := range out.Supporters {
		checkChain(t, r.Path, r.Distance, r.Element.Key, "vp-hot-climate-apparel")
	}
	for _, r := range out.Impact.Affected {
		if len(r.Path) == 0 || !slices.Contains(out.Impact.Scope, r.Path[0].From) {
			t.Errorf("impact path to %s does not start in the scope: %+v", r.Element.Key, r.Path)
			continue
		}
		checkChain(t, r.Path, r.Distance, r.Path[0].From.Key, r.Element.Key)
	}
}

func checkChain(t *testing.T, p []step, distance int, from, to string) {
	t.Helper()
	if len(p) != distance || p[0].From.Key != from || p[len(p)-1].To.Key != to {
		t.Errorf("path %+v: want %d steps from %s to %s", p, distance, from, to)
		return
	}
	for i := 1; i < len(p); i++ {
		if p[i].From != p[i-1].To {
			t.Errorf("path %+v breaks at step %d", p, i)
		}
	}
}

type supporterKeys struct {
	Supporters []struct{ Element keyed }
	Impact     struct{ Affected []struct{ Element keyed } }
	Model      struct {
		Canvas struct {
			ValuePropositions []struct {
				Key            string
				SupporterCount int
			}
		}
	}
}

const readBack = `query($m: ID!) {
  supporters(model: $m, key: "vp-fresh-lemonade", kinds: [Process], maxDepth: 1) { element { key } }
  model(key: $m) { canvas { valuePropositions { key supporterCount(kinds: [Process], maxDepth: 1) } } }
}`

const impactBack = `query($m: ID!) { impact(model: $m, key: "proc-new-squeeze", maxDepth: 1) { affected { element { key } } } }`

func (r supporterKeys) has(key string) (supporter, affected bool, count int) {
	for _, s := range r.Supporters {
		supporter = supporter || s.Element.Key == key
	}
	for _, a := range r.Impact.Affected {
		affected = affected || a.Element.Key == "vp-fresh-lemonade"
	}
	for _, v := range r.Model.Canvas.ValuePropositions {
		if v.Key == "vp-fresh-lemonade" {
			count = v.SupporterCount
		}
	}
	return supporter, affected, count
}

// TestReadYourWritesAcrossServers: two servers (two stores, two drivers, two snapshot caches)
// on one database. A write through one, and a bulk load as the command line makes it, are seen
// by traversals through the other, although the other holds a snapshot from before them.
func TestReadYourWritesAcrossServers(t *testing.T) {
	t.Parallel()
	one, two := newAPIWith(t, graphtest.Store(t), nil), newAPIWith(t, secondStore(t), nil)
	model := loadDemo(t, "lemonade-stand.yaml")
	vars := map[string]any{"m": model}

	var before supporterKeys
	two.ok(t, readBack, vars, &before)
	_, _, count0 := before.has("proc-new-squeeze")

	// Through server one: a new process that realizes fresh lemonade.
	var done map[string]any
	one.ok(t, `mutation($m: ID!) {
  upsertElement(model: $m, element: {key: "proc-new-squeeze", kind: Process, name: "New squeeze"}) { key }
  link(model: $m, from: "proc-new-squeeze", type: REALIZES, to: "vp-fresh-lemonade") { type }
}`, vars, &done)
	var after supporterKeys
	two.ok(t, readBack, vars, &after)
	two.ok(t, impactBack, vars, &after)
	if sup, aff, count := after.has("proc-new-squeeze"); !sup || !aff || count != count0+1 {
		t.Fatalf("server two after the write: supporter %v, affected %v, count %d (want true, true, %d)", sup, aff, count, count0+1)
	}

	// As the command line does: a bulk load without history that drops the process again.
	f, err := graphtest.Store(t).ExportFile(context.Background(), model)
	if err != nil {
		t.Fatal(err)
	}
	f.Elements = slices.DeleteFunc(f.Elements, func(e graph.Element) bool { return e.Key == "proc-new-squeeze" })
	f.Relationships = slices.DeleteFunc(f.Relationships, func(r graph.Relationship) bool { return r.From == "proc-new-squeeze" })
	if _, err := secondStore(t).Import(context.Background(), f, graph.ImportOptions{Mode: graph.Replace, NoHistory: true}); err != nil {
		t.Fatal(err)
	}
	var gone supporterKeys
	two.ok(t, readBack, vars, &gone)
	if sup, _, count := gone.has("proc-new-squeeze"); sup || count != count0 {
		t.Fatalf("server two after the bulk load: supporter %v, count %d (want false, %d)", sup, count, count0)
	}
	res := two.do(t, context.Background(), impactBack, vars)
	if len(res.Errors) == 0 || res.Errors[0].Extensions["code"] != resolvers.CodeNotFound {
		t.Fatalf("impact of the dropped process: %+v, want NOT_FOUND", res.Errors)
	}
}

// TestWarmTraversalIsOneRoundTrip: once a model's snapshot is cached, a traversal costs one
// Cypher round trip (the revision check) however much it returns, and fields of one query on one
// model share it.
func TestWarmTraversalIsOneRoundTrip(t *testing.T) {
	t.Parallel()
	model := loadDemo(t, "sportswear-retailer.yaml")
	cache := snapshots.New(graphtest.Store(t), snapshots.Options{})
	a := newAPIWith(t, graphtest.Store(t), cache)
	q := `query($m: ID!) {
  i: impact(model: $m, key: "partner-coolweave-mill") { affected { element { key } path { type } } attached { element { key } } }
  s: supporters(model: $m, key: "vp-hot-climate-apparel") { element { key ... on Process { supporters { distance } } } path { type } }
  p: path(model: $m, from: "partner-coolweave-mill", to: "vp-hot-climate-apparel") { type }
}`
	vars := map[string]any{"m": model}
	if res := a.do(t, context.Background(), q, vars); len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	var n atomic.Int64
	res := a.do(t, graph.WithQueryCounter(context.Background(), &n), q, vars)
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	if n.Load() != 1 {
		t.Fatalf("%d round trips on a warm snapshot, want 1", n.Load())
	}
	if st := cache.Stats(); st.Builds != 1 || st.Hits != 1 {
		t.Fatalf("cache stats %+v, want one build and one hit", st)
	}
}

// TestCanvasAliasesGetTheirOwnBlocks: two canvas fields of one model asking for different
// blocks each get theirs (the first used to decide the blocks of both).
func TestCanvasAliasesGetTheirOwnBlocks(t *testing.T) {
	t.Parallel()
	a := newAPI(t, graphtest.Store(t))
	model := loadDemo(t, "lemonade-stand.yaml")
	var out struct {
		Model struct {
			A struct{ ValuePropositions []keyed }
			B struct{ Costs []keyed }
		}
	}
	a.ok(t, `query($m: ID!) { model(key: $m) { a: canvas { valuePropositions { key } } b: canvas { costs { key } } } }`, map[string]any{"m": model}, &out)
	f, err := graphtest.Store(t).ExportFile(context.Background(), model)
	if err != nil {
		t.Fatal(err)
	}
	var vps, costs []keyed
	for _, e := range f.Elements {
		switch e.Kind {
		case graph.ValueProposition:
			vps = append(vps, keyed{e.Key})
		case graph.Cost:
			costs = append(costs, keyed{e.Key})
		}
	}
	byKey := func(a, b keyed) int { return strings.Compare(a.Key, b.Key) }
	slices.SortFunc(out.Model.A.ValuePropositions, byKey)
	slices.SortFunc(out.Model.B.Costs, byKey)
	if len(costs) == 0 || !reflect.DeepEqual(out.Model.A.ValuePropositions, vps) || !reflect.DeepEqual(out.Model.B.Costs, costs) {
		t.Fatalf("a: %v (want %v), b: %v (want %v)", out.Model.A.ValuePropositions, vps, out.Model.B.Costs, costs)
	}
}
