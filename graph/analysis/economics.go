package analysis

import (
	"math"
	"slices"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/engine"
)

// Figures are the money figures of a value proposition: its allocated revenue and cost, the
// margin between them (a contribution margin, before overheads), and how many of the streams and
// costs behind them have no amount (counted as 0).
type Figures struct {
	AllocatedRevenue float64 `json:"allocatedRevenue"`
	AllocatedCost    float64 `json:"allocatedCost"`
	Margin           float64 `json:"margin"`
	UnknownAmounts   int     `json:"unknownAmounts"`
}

func (f *Figures) add(g Figures) {
	f.AllocatedRevenue += g.AllocatedRevenue
	f.AllocatedCost += g.AllocatedCost
	f.Margin += g.Margin
	f.UnknownAmounts += g.UnknownAmounts
}

// VPEconomics is the revenue and cost to serve of one value proposition.
type VPEconomics struct {
	Key            string   `json:"key"`
	RevenueStreams []string `json:"revenueStreams"` // ordered by key
	Costs          []string `json:"costs"`          // ordered by key
	Figures
	Rollup *Rollup `json:"rollup,omitempty"` // only for a value proposition with parts
}

// Rollup adds the figures of a whole's parts (at any depth) to its own.
type Rollup struct {
	Parts []string `json:"parts"` // ordered by key
	Figures
}

// EconomicsReport is the economics of a whole model (DOMAIN.md, "Economics").
type EconomicsReport struct {
	Currency          string        `json:"currency"`
	MaxDepth          int           `json:"maxDepth"`
	ValuePropositions []VPEconomics `json:"valuePropositions"` // ordered by key
	// Revenue and Cost are the sums of the allocated amounts over all value propositions, which
	// are the amounts of the streams (costs) at least one value proposition reaches.
	Revenue            float64  `json:"revenue"`
	Cost               float64  `json:"cost"`
	Margin             float64  `json:"margin"`
	UnallocatedStreams []string `json:"unallocatedStreams"`
	UnallocatedRevenue float64  `json:"unallocatedRevenue"`
	Overheads          []string `json:"overheads"`
	OverheadCost       float64  `json:"overheadCost"`
	// UnknownAmounts counts the revenue streams and costs of the model without an amount.
	UnknownAmounts int `json:"unknownAmounts"`
}

// Economics costs every value proposition on its own: the streams it earns and the costs of what
// supports it, each shared equally among the value propositions that reach it.
func Economics(m *engine.Model, maxDepth int) (*EconomicsReport, error) {
	d, err := depthOf(maxDepth)
	if err != nil {
		return nil, err
	}
	ix := indexOf(m)
	ec := &economist{m: m, ix: ix, w: newWalk(ix.n), wholes: newWalk(ix.n)}
	vps := ec.valuePropositions()
	reach := make([]struct {
		streams, costs       []engine.NodeID
		streamKeys, costKeys []string
	}, len(vps))
	// Value propositions are independent searches over a shared, immutable index.
	parallel(len(vps), func() func(int) {
		ec := &economist{m: m, ix: ix, w: newWalk(ix.n), wholes: newWalk(ix.n)}
		return func(i int) {
			r := &reach[i]
			r.streams, r.costs = ec.streams(vps[i], d), ec.costs(vps[i], d)
			r.streamKeys, r.costKeys = keysOf(m, ix, r.streams), keysOf(m, ix, r.costs)
		}
	})
	shares := make([]int32, ix.n) // how many value propositions reach each stream and cost
	for i := range vps {
		for _, s := range reach[i].streams {
			shares[s]++
		}
		for _, c := range reach[i].costs {
			shares[c]++
		}
	}
	r := &EconomicsReport{Currency: Currency(m), MaxDepth: d, ValuePropositions: make([]VPEconomics, len(vps)),
		UnallocatedStreams: []string{}, Overheads: []string{}}
	byID := map[engine.NodeID]int{}
	for i, v := range vps {
		e := VPEconomics{Key: m.Key(v), RevenueStreams: reach[i].streamKeys, Costs: reach[i].costKeys}
		for _, s := range reach[i].streams {
			e.AllocatedRevenue += ec.amount(s, &e.UnknownAmounts) / float64(shares[s])
		}
		for _, c := range reach[i].costs {
			e.AllocatedCost += ec.amount(c, &e.UnknownAmounts) / float64(shares[c])
		}
		e.Margin = e.AllocatedRevenue - e.AllocatedCost
		r.ValuePropositions[i] = e
		byID[v] = i
	}
	ec.rollups(r, vps, byID)
	ec.totals(r, shares)
	return r, nil
}

type economist struct {
	m         *engine.Model
	ix        *index
	w, wholes *walk
}

// valuePropositions are ordered by key.
func (ec *economist) valuePropositions() []engine.NodeID { return ec.ix.byKind[kVP] }

// amount returns an element's amount, counting it in unknown when it has none.
func (ec *economist) amount(v engine.NodeID, unknown *int) float64 {
	a := ec.ix.amount[v]
	if math.IsNaN(a) {
		*unknown++
		return 0
	}
	return a
}

// notBetweenVPs keeps a search off PART_OF between value propositions: each is costed on its own.
func (ec *economist) notBetweenVPs(c *csr, j int32, u, v engine.NodeID) bool {
	vp := kVP
	return c.typ[j] != tPartOf || ec.ix.kind[u] != vp || ec.ix.kind[v] != vp
}

// streams are the revenue streams reached from v within d hops, and those a channel that
// delivers v generates.
func (ec *economist) streams(v engine.NodeID, d int) []engine.NodeID {
	ix, w := ec.ix, ec.w
	w.reset()
	w.visit(v, 0, -1)
	w.bfs(&ix.out, propagating, d, ec.notBetweenVPs)
	rs := kStream
	var out []engine.NodeID
	for _, s := range w.queue {
		if ix.kind[s] == rs {
			out = append(out, s)
		}
	}
	lo, hi := ix.in.span(v)
	for j := lo; j < hi; j++ {
		if ix.in.typ[j] != tDelivers {
			continue
		}
		clo, chi := ix.out.span(ix.in.other[j])
		for k := clo; k < chi; k++ {
			if s := ix.out.other[k]; ix.out.typ[k] == tGenerates && !w.seen(s) {
				w.visit(s, 1, -1)
				out = append(out, s)
			}
		}
	}
	return out
}

// costs are the costs incurred by a supporter of v within d hops or by a whole such a supporter
// is part of.
func (ec *economist) costs(v engine.NodeID, d int) []engine.NodeID {
	ix, w, wh := ec.ix, ec.w, ec.wholes
	w.reset()
	w.visit(v, 0, -1)
	w.bfs(&ix.in, propagating, d, ec.notBetweenVPs)
	wh.reset()
	for _, s := range w.queue[1:] {
		wh.visit(s, 0, -1)
	}
	wh.bfs(&ix.wholes, bit(graph.PartOf), math.MaxInt32, nil)
	w.reset()
	var out []engine.NodeID
	for _, u := range wh.queue {
		lo, hi := ix.incurs.span(u)
		for j := lo; j < hi; j++ {
			if c := ix.incurs.other[j]; !w.seen(c) {
				w.visit(c, 0, -1)
				out = append(out, c)
			}
		}
	}
	return out
}

func (ec *economist) rollups(r *EconomicsReport, vps []engine.NodeID, byID map[engine.NodeID]int) {
	for i, v := range vps {
		if !ec.ix.hasParts(v) {
			continue
		}
		scope := ec.ix.scope(ec.w, v)
		ru := &Rollup{Figures: r.ValuePropositions[i].Figures}
		for _, p := range scope[1:] {
			ru.Parts = append(ru.Parts, ec.m.Key(p))
			ru.add(r.ValuePropositions[byID[p]].Figures)
		}
		slices.Sort(ru.Parts)
		r.ValuePropositions[i].Rollup = ru
	}
}

func (ec *economist) totals(r *EconomicsReport, shares []int32) {
	ix, m := ec.ix, ec.m
	rs, cs := kStream, kCost
	for v := range ix.n {
		id := engine.NodeID(v)
		k := ix.kind[v]
		if k != rs && k != cs {
			continue
		}
		a := ec.amount(id, &r.UnknownAmounts)
		switch {
		case k == rs && shares[id] > 0:
			r.Revenue += a
		case k == rs:
			r.UnallocatedStreams = append(r.UnallocatedStreams, m.Key(id))
			r.UnallocatedRevenue += a
		case shares[id] > 0:
			r.Cost += a
		default:
			r.Overheads = append(r.Overheads, m.Key(id))
			r.OverheadCost += a
		}
	}
	r.Margin = r.Revenue - r.Cost
	slices.Sort(r.UnallocatedStreams)
	slices.Sort(r.Overheads)
}

// Currency returns the model's currency. Model headers carry no currency yet (graph.Model has key,
// name and description), so it is the `currency` property of the model's revenue streams and
// costs when every one that gives it gives the same code, and "" when none does or they differ.
func Currency(m *engine.Model) string {
	cur := ""
	for _, c := range indexOf(m).currency {
		switch {
		case cur == "":
			cur = c
		case c != cur:
			return ""
		}
	}
	return cur
}
