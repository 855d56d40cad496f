package analysis

import (
	"cmp"
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/engine"
)

// Reached is an element an analysis reached: its distance in hops and one shortest path that
// explains why it is there.
type Reached struct {
	Key       string     `json:"key"`
	Kind      graph.Kind `json:"kind"`
	Distance  int        `json:"distance"`
	Path      []Step     `json:"path"`
	ShareLost *float64   `json:"shareLost,omitempty"` // for a weakened element supplied directly
}

// Revenue is a sum of annualAmount over revenue streams, with the streams (ordered by key) and
// how many of them have no amount (counted as 0).
type Revenue struct {
	Amount         float64  `json:"amount"`
	Streams        []string `json:"streams"`
	UnknownAmounts int      `json:"unknownAmounts"`
}

// ExposureReport is what fails and what is weakened if an element fails (DOMAIN.md, "Exposure").
type ExposureReport struct {
	Element         string    `json:"element"`
	MaxDepth        int       `json:"maxDepth"`
	Scope           []string  `json:"scope"`  // the element and its parts, ordered by key
	CutOff          []string  `json:"cutOff"` // ordered by key
	Failed          []Reached `json:"failed"` // ordered by distance, kind, key
	Weakened        []Reached `json:"weakened"`
	RevenueAtRisk   Revenue   `json:"revenueAtRisk"`
	RevenueWeakened Revenue   `json:"revenueWeakened"`
}

// lossEps absorbs rounding in sums of shares such as 0.1 + 0.2 + 0.7.
const lossEps = 1e-9

// depthOf applies the default depth (0) and refuses a negative one; the server's cap is the
// caller's to enforce.
func depthOf(d int) (int, error) {
	switch {
	case d == 0:
		return engine.DefaultMaxDepth, nil
	case d < 0:
		return 0, fmt.Errorf("maxDepth must be at least 1, got %d: %w", d, graph.ErrInvalid)
	}
	return d, nil
}

// Exposure answers "what fails if the element with key fails?": failed elements (SUPPLIES is
// followed only into an element the scope cuts off), weakened ones (partly supplied by the scope,
// and what they affect), the cut-off elements, and the revenue at risk and weakened.
func Exposure(m *engine.Model, key string, maxDepth int) (*ExposureReport, error) {
	d, err := depthOf(maxDepth)
	if err != nil {
		return nil, err
	}
	x, ok := m.ID(key)
	if !ok {
		return nil, fmt.Errorf("exposure: element %q: %w", key, graph.ErrNotFound)
	}
	ix := indexOf(m)
	e := newExposer(m, ix)
	return e.exposure(x, d, true), nil
}

// exposer holds the buffers of exposure searches on one model.
type exposer struct {
	m             *engine.Model
	ix            *index
	failed, weak  *walk
	inScope       map[engine.NodeID]bool
	lost          map[engine.NodeID]float64
	supplyRel     map[engine.NodeID]int32 // a SUPPLIES from the scope into a supplied element (out csr position)
	supplied      []engine.NodeID
	supTyp, ptTyp uint8
}

func newExposer(m *engine.Model, ix *index) *exposer {
	return &exposer{m: m, ix: ix, failed: newWalk(ix.n), weak: newWalk(ix.n),
		supTyp: tSupplies, ptTyp: tPartOf}
}

// losses computes lost(E) for every element E outside the scope with a SUPPLIES from it.
func (e *exposer) losses(scope []engine.NodeID) {
	e.inScope = make(map[engine.NodeID]bool, len(scope))
	for _, s := range scope {
		e.inScope[s] = true
	}
	e.lost, e.supplyRel, e.supplied = map[engine.NodeID]float64{}, map[engine.NodeID]int32{}, e.supplied[:0]
	ix := e.ix
	byKey := slices.Clone(scope)
	slices.SortFunc(byKey, func(a, b engine.NodeID) int { return strings.Compare(e.m.Key(a), e.m.Key(b)) })
	for _, s := range byKey {
		lo, hi := ix.out.span(s)
		for j := lo; j < hi; j++ {
			v := ix.out.other[j]
			if ix.out.typ[j] != e.supTyp || e.inScope[v] {
				continue
			}
			if _, seen := e.supplyRel[v]; !seen { // the path of a weakened element starts at the first supplier by key
				e.supplied = append(e.supplied, v)
				e.supplyRel[v] = j
			}
		}
	}
	for _, v := range e.supplied {
		e.lost[v] = e.lostOf(v)
	}
}

// lostOf is the sum of the shares of the non-replaceable SUPPLIES into v from the scope. A supply
// without a share takes an equal part of what the given shares leave.
func (e *exposer) lostOf(v engine.NodeID) float64 {
	ix := e.ix
	given, without := 0.0, 0
	lo, hi := ix.in.span(v)
	for j := lo; j < hi; j++ {
		if ix.in.typ[j] != e.supTyp {
			continue
		}
		if s := ix.share[ix.in.rel[j]].share; math.IsNaN(s) {
			without++
		} else {
			given += s
		}
	}
	rest := 0.0
	if without > 0 {
		rest = max(0, 1-given) / float64(without)
	}
	lost := 0.0
	for j := lo; j < hi; j++ {
		sp := ix.share[ix.in.rel[j]]
		if ix.in.typ[j] != e.supTyp || !e.inScope[ix.in.other[j]] || sp.substitutable {
			continue
		}
		if math.IsNaN(sp.share) {
			lost += rest
		} else {
			lost += sp.share
		}
	}
	return lost
}

func (e *exposer) cut(v engine.NodeID) bool {
	l, ok := e.lost[v]
	return ok && l >= 1-lossEps
}

func (e *exposer) weakened(v engine.NodeID) bool {
	l, ok := e.lost[v]
	return ok && l > lossEps && l < 1-lossEps
}

// exposure runs both searches from x's scope. full false is what single-source exposure needs:
// failed holds only the revenue streams, and weakened is not searched.
func (e *exposer) exposure(x engine.NodeID, d int, full bool) *ExposureReport {
	m, ix := e.m, e.ix
	scope := ix.scope(e.failed, x)
	e.losses(scope)
	out := &ExposureReport{Element: m.Key(x), MaxDepth: d, Scope: keysOf(m, ix, scope), CutOff: []string{}}
	for _, v := range e.supplied {
		if e.cut(v) {
			out.CutOff = append(out.CutOff, m.Key(v))
		}
	}
	slices.Sort(out.CutOff)

	f := e.failed
	f.reset()
	for _, s := range scope {
		f.visit(s, 0, -1)
	}
	f.bfs(&ix.out, propagating, d, func(c *csr, j int32, u, v engine.NodeID) bool {
		return c.typ[j] != e.supTyp || e.cut(v)
	})
	out.Failed = e.report(f, f.queue[len(scope):], full, nil)
	out.RevenueAtRisk = revenue(m, ix, out.Failed)
	if !full {
		return out
	}

	wk := e.weak
	wk.reset()
	slices.SortFunc(e.supplied, func(a, b engine.NodeID) int { return cmpElem(m, ix, a, b) })
	for _, v := range e.supplied {
		if e.weakened(v) {
			wk.visit(v, 1, e.supplyRel[v])
		}
	}
	wk.bfs(&ix.out, propagating, d, func(c *csr, j int32, u, v engine.NodeID) bool { return !e.inScope[v] })
	out.Weakened = e.report(wk, wk.queue, true, func(v engine.NodeID) bool { return !f.seen(v) })
	out.RevenueWeakened = revenue(m, ix, out.Weakened)
	return out
}

// report lists reached nodes (those keep accepts; only revenue streams unless all), with paths,
// ordered by distance, kind, key. Only the weakened list gives shareLost: an element partly
// supplied by the scope may also fail through another path, and then it has failed.
func (e *exposer) report(w *walk, nodes []engine.NodeID, all bool, keep func(engine.NodeID) bool) []Reached {
	weakList := keep != nil
	m, ix := e.m, e.ix
	out := make([]Reached, 0, len(nodes))
	rs := kStream
	for _, v := range nodes {
		if e.inScope[v] || (keep != nil && !keep(v)) || (!all && ix.kind[v] != rs) {
			continue
		}
		r := Reached{Key: m.Key(v), Kind: m.Kind(v), Distance: int(w.dist[v]), Path: w.path(m, &ix.out, v)}
		if weakList && e.weakened(v) {
			l := e.lost[v]
			r.ShareLost = &l
		}
		out = append(out, r)
	}
	slices.SortFunc(out, cmpReached)
	return out
}

func cmpReached(a, b Reached) int {
	return cmp.Or(cmp.Compare(a.Distance, b.Distance), cmp.Compare(kindRank[kindNo[a.Kind]], kindRank[kindNo[b.Kind]]), strings.Compare(a.Key, b.Key))
}

// revenue sums the revenue streams among reached elements.
func revenue(m *engine.Model, ix *index, rs []Reached) Revenue {
	out := Revenue{Streams: []string{}}
	for _, r := range rs {
		if r.Kind != graph.RevenueStream {
			continue
		}
		id, _ := m.ID(r.Key)
		out.Streams = append(out.Streams, r.Key)
		if a := ix.amount[id]; math.IsNaN(a) {
			out.UnknownAmounts++
		} else {
			out.Amount += a
		}
	}
	slices.Sort(out.Streams)
	return out
}

// SingleSource is one partner that cuts off elements on its own: what it cuts off, the revenue at
// risk if it fails (exposure at depth 6), and each stream at risk with the path that explains it.
type SingleSource struct {
	Partner       string    `json:"partner"`
	CutOff        []string  `json:"cutOff"`
	RevenueAtRisk Revenue   `json:"revenueAtRisk"`
	Streams       []Reached `json:"streams"`
}

// SingleSourceExposure answers "which revenue depends on a single-source supplier?": every
// KeyPartner that cuts off at least one element, ordered by revenue at risk (highest first), then
// partner key.
func SingleSourceExposure(m *engine.Model) []SingleSource {
	ix := indexOf(m)
	e := newExposer(m, ix)
	var partners []engine.NodeID
	for v := range ix.n {
		if p := engine.NodeID(v); ix.kind[v] == kPartner && e.cutsOff(p) {
			partners = append(partners, p)
		}
	}
	out := make([]SingleSource, len(partners))
	// Partners are independent searches over a shared, immutable index: one worker per core.
	parallel(len(partners), func() func(int) {
		e := newExposer(m, ix)
		return func(i int) {
			x := e.exposure(partners[i], engine.DefaultMaxDepth, false)
			out[i] = SingleSource{Partner: x.Element, CutOff: x.CutOff, RevenueAtRisk: x.RevenueAtRisk, Streams: x.Failed}
		}
	})
	slices.SortFunc(out, func(a, b SingleSource) int {
		return cmp.Or(cmp.Compare(b.RevenueAtRisk.Amount, a.RevenueAtRisk.Amount), strings.Compare(a.Partner, b.Partner))
	})
	return out
}

// parallel runs do(i) for i in [0, n) on up to GOMAXPROCS workers; worker makes one worker's
// function with its own buffers.
func parallel(n int, worker func() func(int)) {
	workers := min(n, runtime.GOMAXPROCS(0))
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			do := worker()
			for i := int(next.Add(1) - 1); i < n; i = int(next.Add(1) - 1) {
				do(i)
			}
		}()
	}
	wg.Wait()
}

// cutsOff reports whether the element cuts off anything on its own (without a search).
func (e *exposer) cutsOff(x engine.NodeID) bool {
	e.losses(e.ix.scope(e.failed, x))
	for _, v := range e.supplied {
		if e.cut(v) {
			return true
		}
	}
	return false
}
