package differential

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/modelgraph/modelgraph/bench/synth"
	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/engine"
	"github.com/modelgraph/modelgraph/graph/graphtest"
	"github.com/modelgraph/modelgraph/seed"
)

func TestMain(m *testing.M) { os.Exit(graphtest.Main(m)) }

// testModels are 30 synthetic models of 700 to 2000 elements (the generator needs about 650 at
// least) and the demo models, each under a
// key of its own.
func testModels(t *testing.T) []*graph.File {
	var fs []*graph.File
	for s := range uint64(30) {
		n := 700 + int(s*997%1301)
		fs = append(fs, synth.Model(graphtest.ModelKey(t), n, s+1))
	}
	demos, err := seed.Files()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range demos {
		f.Model.Key = graphtest.ModelKey(t)
		fs = append(fs, f)
	}
	return fs
}

func TestEngineAgreesWithCypherAndPlainBFS(t *testing.T) {
	ctx := context.Background()
	s := graphtest.Store(t)
	for i, f := range testModels(t) {
		if _, err := s.Import(ctx, f, graph.ImportOptions{NoHistory: true}); err != nil {
			t.Fatalf("import %d: %v", i, err)
		}
		m, err := engine.FromFile(f)
		if err != nil {
			t.Fatal(err)
		}
		c := &checker{t: t, ctx: ctx, s: s, f: f, m: m, plain: newPlain(f), r: rand.New(rand.NewPCG(uint64(i), 7))}
		c.supporters()
		c.impact()
		c.paths()
		c.counts()
		c.againstPlain()
		if err := s.DeleteModel(ctx, f.Model.Key); err != nil {
			t.Fatal(err)
		}
		if t.Failed() {
			t.Fatalf("model %d (%s, %d elements) disagrees; stopping", i, f.Model.Name, len(f.Elements))
		}
	}
}

type checker struct {
	t     *testing.T
	ctx   context.Context
	s     *graph.Store
	f     *graph.File
	m     *engine.Model
	plain *plain
	r     *rand.Rand
}

func (c *checker) key() string { return c.f.Elements[c.r.IntN(len(c.f.Elements))].Key }

// keyOf picks an element of a kind when the model has one, else any element.
func (c *checker) keyOf(k graph.Kind) string {
	var ks []string
	for _, e := range c.f.Elements {
		if e.Kind == k {
			ks = append(ks, e.Key)
		}
	}
	if len(ks) == 0 {
		return c.key()
	}
	return ks[c.r.IntN(len(ks))]
}

// depth picks one of a few depths: the store splices the depth into its Cypher, and each new
// query text costs Neo4j a plan. The plain search covers every depth.
func (c *checker) depth() int { return []int{2, 4, 6}[c.r.IntN(3)] }

func (c *checker) id(key string) engine.NodeID {
	v, ok := c.m.ID(key)
	if !ok {
		c.t.Fatalf("engine has no %q", key)
	}
	return v
}

// found writes results as "key@distance" in order; the store and the engine order them alike.
func storeFound(rs []graph.Reached) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = fmt.Sprintf("%s@%d", r.Element.Key, r.Distance)
	}
	return out
}

func (c *checker) engineFound(rs []engine.Reached) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = fmt.Sprintf("%s@%d", c.m.Key(r.ID), r.Distance)
	}
	return out
}

func (c *checker) same(what string, got, want []string) {
	c.t.Helper()
	if !slices.Equal(got, want) {
		c.t.Errorf("%s in %s:\nengine %d: %v\ncypher %d: %v", what, c.f.Model.Key, len(got), clip(got), len(want), clip(want))
	}
}

func clip(xs []string) []string { return xs[:min(len(xs), 30)] }

// a step as keys, whichever side it comes from.
type step struct{ from, typ, to string }

func (c *checker) engineSteps(ss []engine.Step) []step {
	out := make([]step, len(ss))
	for i, s := range ss {
		out[i] = step{c.m.Key(s.From), string(s.Type), c.m.Key(s.To)}
	}
	return out
}

func storeSteps(ss []graph.Step) []step {
	out := make([]step, len(ss))
	for i, s := range ss {
		out[i] = step{s.From.Key, string(s.Type), s.To.Key}
	}
	return out
}

// validPath checks that a path is a chain of propagating relationships of the model (of the given
// types, when not nil), from a start accepted by from, to `to`, of exactly `length` steps.
func (c *checker) validPath(what string, ss []step, from func(string) bool, to string, length int, types map[string]bool) {
	c.t.Helper()
	bad := func(why string) { c.t.Errorf("%s in %s: path %v %s", what, c.f.Model.Key, ss, why) }
	if len(ss) != length {
		bad(fmt.Sprintf("has %d steps, want %d", len(ss), length))
		return
	}
	if length == 0 {
		return
	}
	if !from(ss[0].from) {
		bad("starts at the wrong element")
	}
	if ss[len(ss)-1].to != to {
		bad("ends at the wrong element")
	}
	for i, s := range ss {
		spec, _ := graph.LookupRel(s.typ)
		if !c.plain.rels[s] || !spec.Propagating || types != nil && !types[s.typ] {
			bad(fmt.Sprintf("step %d is not a relationship it may follow", i))
		}
		if i > 0 && ss[i-1].to != s.from {
			bad(fmt.Sprintf("breaks at step %d", i))
		}
	}
}

func is(key string) func(string) bool { return func(k string) bool { return k == key } }

func (c *checker) supporters() {
	kindSets := [][]graph.Kind{nil, {graph.Process}, {graph.Technology, graph.Capability}}
	roots := []string{c.keyOf(graph.ValueProposition), c.keyOf(graph.ValueProposition), c.keyOf(graph.KeyActivity), c.keyOf(graph.Process), c.key()}
	for _, kinds := range kindSets {
		d := c.depth()
		refs := make([]graph.Ref, len(roots))
		for i, k := range roots {
			refs[i] = graph.Ref{Model: c.f.Model.Key, Key: k}
		}
		want, err := c.s.Supporters(c.ctx, refs, kinds, &d)
		if err != nil {
			c.t.Fatal(err)
		}
		for _, root := range roots {
			got, err := c.m.Supporters(c.id(root), engine.SupportersOptions{Kinds: kinds, MaxDepth: d, Paths: true})
			if err != nil {
				c.t.Fatal(err)
			}
			what := fmt.Sprintf("supporters(%s, %v, %d)", root, kinds, d)
			w := want[graph.Ref{Model: c.f.Model.Key, Key: root}]
			c.same(what, c.engineFound(got), storeFound(w))
			for _, r := range got {
				c.validPath(what+" engine", c.engineSteps(r.Path), is(c.m.Key(r.ID)), root, r.Distance, nil)
			}
			for _, r := range w {
				c.validPath(what+" cypher", storeSteps(r.Path), is(r.Element.Key), root, r.Distance, nil)
			}
		}
	}
}

func (c *checker) impact() {
	roots := []string{c.keyOf(graph.BusinessFunction), c.keyOf(graph.KeyPartner), c.key()}
	typeSets := [][]graph.RelType{nil, {graph.PartOf, graph.FlowsTo, graph.Realizes}, {graph.Supports, graph.Supplies, graph.Generates, graph.Targets}}
	for i, root := range roots {
		types := typeSets[i%len(typeSets)]
		d := c.depth()
		what := fmt.Sprintf("impact(%s, %d, %v)", root, d, types)
		want, err := c.s.Impact(c.ctx, graph.Ref{Model: c.f.Model.Key, Key: root}, &d, types)
		if err != nil {
			c.t.Fatal(err)
		}
		got, err := c.m.Impact(c.id(root), engine.ImpactOptions{MaxDepth: d, Types: types, Paths: true, Attached: true})
		if err != nil {
			c.t.Fatal(err)
		}
		var gs, ws []string
		for _, v := range got.Scope {
			gs = append(gs, c.m.Key(v))
		}
		for _, e := range want.Scope {
			ws = append(ws, e.Key)
		}
		c.same(what+" scope", gs, ws)
		c.same(what, c.engineFound(got.Affected), storeFound(want.Affected))
		inScope := func(k string) bool { return slices.Contains(ws, k) }
		var typeSet map[string]bool
		if types != nil {
			typeSet = map[string]bool{}
			for _, t := range types {
				typeSet[string(t)] = true
			}
		}
		for _, r := range got.Affected {
			c.validPath(what+" engine", c.engineSteps(r.Path), inScope, c.m.Key(r.ID), r.Distance, typeSet)
		}
		for _, r := range want.Affected {
			c.validPath(what+" cypher", storeSteps(r.Path), inScope, r.Element.Key, r.Distance, typeSet)
		}
		att, err := c.s.Attachments(c.ctx, want)
		if err != nil {
			c.t.Fatal(err)
		}
		var ga, wa []string
		for _, a := range got.Attached {
			var to []string
			for _, v := range a.To {
				to = append(to, c.m.Key(v))
			}
			ga = append(ga, fmt.Sprintf("%s %v %v", c.m.Key(a.ID), a.Via, to))
		}
		for _, a := range att {
			var to []string
			for _, e := range a.To {
				to = append(to, e.Key)
			}
			wa = append(wa, fmt.Sprintf("%s %v %v", a.Element.Key, a.Via, to))
		}
		c.same(what+" attached", ga, wa)
	}
}

func (c *checker) paths() {
	// Pairs that are often connected (a supporter and the root it supports) and random ones.
	vp := c.keyOf(graph.ValueProposition)
	pairs := [][2]string{{c.key(), c.key()}, {vp, vp}}
	if rs, _ := c.m.Supporters(c.id(vp), engine.SupportersOptions{}); len(rs) > 0 {
		pairs = append(pairs, [2]string{c.m.Key(rs[len(rs)-1].ID), vp}, [2]string{c.m.Key(rs[len(rs)/2].ID), vp})
	}
	for _, p := range pairs {
		d := c.depth()
		what := fmt.Sprintf("path(%s, %s, %d)", p[0], p[1], d)
		want, wok, err := c.s.Path(c.ctx, c.f.Model.Key, p[0], p[1], &d)
		if err != nil {
			c.t.Fatal(err)
		}
		got, gok, err := c.m.Path(c.id(p[0]), c.id(p[1]), d)
		if err != nil {
			c.t.Fatal(err)
		}
		if gok != wok || len(got) != len(want) {
			c.t.Errorf("%s in %s: engine %v with %d steps, cypher %v with %d", what, c.f.Model.Key, gok, len(got), wok, len(want))
			continue
		}
		if gok {
			c.validPath(what+" engine", c.engineSteps(got), is(p[0]), p[1], len(want), nil)
			c.validPath(what+" cypher", storeSteps(want), is(p[0]), p[1], len(want), nil)
		}
	}
}

func (c *checker) counts() {
	var refs []graph.Ref
	var ids []engine.NodeID
	for _, e := range c.f.Elements {
		if e.Kind == graph.ValueProposition || e.Kind == graph.KeyActivity {
			refs = append(refs, graph.Ref{Model: c.f.Model.Key, Key: e.Key})
			ids = append(ids, c.id(e.Key))
		}
	}
	for _, kinds := range [][]graph.Kind{nil, {graph.Process}} {
		d := 6
		want, err := c.s.SupporterCounts(c.ctx, refs, kinds, &d)
		if err != nil {
			c.t.Fatal(err)
		}
		got, err := c.m.SupporterCounts(ids, engine.SupportersOptions{Kinds: kinds})
		if err != nil {
			c.t.Fatal(err)
		}
		for i, r := range refs {
			if got[i] != want[r] {
				c.t.Errorf("supporterCount(%s, %v) in %s: engine %d, cypher %d", r.Key, kinds, c.f.Model.Key, got[i], want[r])
			}
		}
	}
}

// againstPlain compares the engine with the plain search below on many more starts than the
// database is asked about.
func (c *checker) againstPlain() {
	for range 40 {
		root, d := c.key(), 1+c.r.IntN(8)
		got, _ := c.m.Supporters(c.id(root), engine.SupportersOptions{MaxDepth: d})
		c.same(fmt.Sprintf("plain supporters(%s, %d)", root, d), c.engineFound(got), c.plain.found(c.plain.supporters(root, d), root))
		im, _ := c.m.Impact(c.id(root), engine.ImpactOptions{MaxDepth: d})
		scope := c.plain.scope(root)
		c.same(fmt.Sprintf("plain impact(%s, %d)", root, d), c.engineFound(im.Affected), c.plain.found(c.plain.impact(scope, d), ""))
		to := c.key()
		_, ok, _ := c.m.Path(c.id(root), c.id(to), d)
		dist, reached := c.plain.supporters(to, d)[root]
		if root == to {
			dist, reached = 0, true
		}
		if ok != reached {
			c.t.Errorf("plain path(%s, %s, %d): engine %v, plain %v (%d)", root, to, d, ok, reached, dist)
		}
	}
}

// plain is a breadth-first search over maps, written without the engine's code: the second
// oracle.
type plain struct {
	kind     map[string]graph.Kind
	out, in  map[string][]step
	rels     map[step]bool
	elements []string
}

func newPlain(f *graph.File) *plain {
	p := &plain{kind: map[string]graph.Kind{}, out: map[string][]step{}, in: map[string][]step{}, rels: map[step]bool{}}
	for _, e := range f.Elements {
		p.kind[e.Key] = e.Kind
		p.elements = append(p.elements, e.Key)
	}
	for _, r := range f.Relationships {
		s := step{r.From, string(r.Type), r.To}
		p.rels[s] = true
		if spec, _ := graph.LookupRel(s.typ); spec.Propagating {
			p.out[r.From] = append(p.out[r.From], s)
			p.in[r.To] = append(p.in[r.To], s)
		}
	}
	return p
}

// search returns the hop count of everything within d of the starts (-1: no bound), following
// next.
func search(starts []string, d int, next func(string) []string) map[string]int {
	dist := map[string]int{}
	level := starts
	for _, s := range starts {
		dist[s] = 0
	}
	for hop := 1; len(level) > 0 && (d < 0 || hop <= d); hop++ {
		var nextLevel []string
		for _, u := range level {
			for _, v := range next(u) {
				if _, ok := dist[v]; !ok {
					dist[v] = hop
					nextLevel = append(nextLevel, v)
				}
			}
		}
		level = nextLevel
	}
	return dist
}

func (p *plain) supporters(root string, d int) map[string]int {
	return search([]string{root}, d, func(u string) []string {
		var vs []string
		for _, s := range p.in[u] {
			vs = append(vs, s.from)
		}
		return vs
	})
}

func (p *plain) scope(root string) []string {
	dist := search([]string{root}, -1, func(u string) []string {
		var vs []string
		for _, s := range p.in[u] {
			if s.typ == string(graph.PartOf) {
				vs = append(vs, s.from)
			}
		}
		return vs
	})
	var out []string
	for k := range dist {
		out = append(out, k)
	}
	return out
}

func (p *plain) impact(scope []string, d int) map[string]int {
	dist := search(scope, d, func(u string) []string {
		var vs []string
		for _, s := range p.out[u] {
			vs = append(vs, s.to)
		}
		return vs
	})
	for _, s := range scope {
		delete(dist, s)
	}
	return dist
}

// found orders a distance map as the contract does (distance, kind, key), leaving out skip.
func (p *plain) found(dist map[string]int, skip string) []string {
	var ks []string
	for k := range dist {
		if k != skip {
			ks = append(ks, k)
		}
	}
	slices.SortFunc(ks, func(a, b string) int {
		if dist[a] != dist[b] {
			return dist[a] - dist[b]
		}
		if c := strings.Compare(string(p.kind[a]), string(p.kind[b])); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = fmt.Sprintf("%s@%d", k, dist[k])
	}
	return out
}
