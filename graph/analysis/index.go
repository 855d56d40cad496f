package analysis

import (
	"math"
	"runtime"
	"sync"
	"weak"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/engine"
)

// kindNo numbers kinds in metamodel table order; relNo numbers relationship types the same way.
// They are initialised by expressions (not init) because the built-in rules are parsed during
// package initialisation.
var (
	allKinds = graph.Kinds()
	allRels  = graph.RelTypes()
	kindNo   = numbered(allKinds)
	relNo    = numbered(allRels)
	// propagating has bit t set for every propagating relationship type t.
	propagating = func() uint32 {
		var mask uint32
		for _, t := range graph.PropagatingTypes() {
			mask |= 1 << relNo[t]
		}
		return mask
	}()
)

// The relationship types and kinds the analyses look at in their inner loops, as numbers.
var (
	tPartOf, tDelivers, tGenerates = relNo[graph.PartOf], relNo[graph.Delivers], relNo[graph.Generates]
	tIncurs, tSupplies             = relNo[graph.Incurs], relNo[graph.Supplies]
	kVP, kStream, kCost, kPartner  = kindNo[graph.ValueProposition], kindNo[graph.RevenueStream], kindNo[graph.Cost], kindNo[graph.KeyPartner]
)

func numbered[T comparable](xs []T) map[T]uint8 {
	out := make(map[T]uint8, len(xs))
	for i, x := range xs {
		out[x] = uint8(i)
	}
	return out
}

func bit(t graph.RelType) uint32 { return 1 << relNo[t] }

func kindBit(k graph.Kind) uint32 { return 1 << kindNo[k] }

// csr is one direction of the model's relationships in compressed sparse row form.
type csr struct {
	off   []int32
	other []engine.NodeID
	typ   []uint8
	rel   []engine.RelID
}

func (c *csr) span(v engine.NodeID) (int32, int32) { return c.off[v], c.off[v+1] }

// index is what the analyses read from a model, laid out for whole-model passes: kinds and
// amounts by node, every relationship in both directions, and the share and substitutable flag of
// every SUPPLIES. The engine's Model offers these one element at a time (with copies), so the
// analyses derive them once per Model. An index holds no reference to its Model.
type index struct {
	n       int
	kind    []uint8
	amount  []float64 // annualAmount of RevenueStreams and Costs; NaN when absent or another kind
	out, in csr
	// wholes (outgoing PART_OF), parts (incoming PART_OF) and incurs (outgoing INCURS) are
	// slices of out and in by type: hub technologies have thousands of outgoing relationships,
	// and walks up PART_OF should not scan them.
	wholes, parts, incurs csr
	share                 map[engine.RelID]supply
	byKind                [][]engine.NodeID        // the elements of each kind, ordered by key
	rank                  []int32                  // position of each element in key order
	currency              map[engine.NodeID]string // currency property of revenue streams and costs
}

// supply is what a SUPPLIES relationship says about redundancy.
type supply struct {
	share         float64 // NaN when the relationship gives none
	substitutable bool
}

var cache sync.Map // weak.Pointer[engine.Model] -> *index

// indexOf returns the index of m, building it on first use. Entries go when m is collected.
func indexOf(m *engine.Model) *index {
	k := weak.Make(m)
	if v, ok := cache.Load(k); ok {
		return v.(*index)
	}
	ix := buildIndex(m)
	if v, loaded := cache.LoadOrStore(k, ix); loaded {
		return v.(*index)
	}
	runtime.AddCleanup(m, func(k weak.Pointer[engine.Model]) { cache.Delete(k) }, k)
	return ix
}

func buildIndex(m *engine.Model) *index {
	n := m.Len()
	ix := &index{n: n, kind: make([]uint8, n), amount: make([]float64, n), share: map[engine.RelID]supply{},
		rank: make([]int32, n), currency: map[engine.NodeID]string{}}
	rs, cs := kStream, kCost
	for v := range n {
		id := engine.NodeID(v)
		ix.kind[v] = kindNo[m.Kind(id)]
		ix.amount[v] = math.NaN()
		if k := ix.kind[v]; k == rs || k == cs {
			p := m.Element(id).Properties
			if a, ok := number(p["annualAmount"]); ok {
				ix.amount[v] = a
			}
			if c, ok := p["currency"].(string); ok {
				ix.currency[id] = c
			}
		}
	}
	ix.byKind = make([][]engine.NodeID, len(allKinds))
	for r, id := range m.Elements() {
		ix.rank[id] = int32(r)
		k := ix.kind[id]
		ix.byKind[k] = append(ix.byKind[k], id)
	}
	ix.out = buildCSR(n, m.RelLen(), m.Out)
	ix.in = buildCSR(n, m.RelLen(), m.In)
	ix.wholes, ix.parts, ix.incurs = ix.out.only(tPartOf), ix.in.only(tPartOf), ix.out.only(tIncurs)
	sup := relNo[graph.Supplies]
	for j, t := range ix.out.typ {
		if t != sup {
			continue
		}
		r := ix.out.rel[j]
		p := m.Relationship(r).Properties
		s := supply{share: math.NaN()}
		if a, ok := number(p["share"]); ok {
			s.share = a
		}
		s.substitutable = p["substitutable"] == true
		ix.share[r] = s
	}
	return ix
}

func buildCSR(n, edges int, links func(engine.NodeID) []engine.Link) csr {
	c := csr{off: make([]int32, n+1), other: make([]engine.NodeID, 0, edges), typ: make([]uint8, 0, edges), rel: make([]engine.RelID, 0, edges)}
	for v := range n {
		for _, l := range links(engine.NodeID(v)) {
			c.other = append(c.other, l.Other)
			c.typ = append(c.typ, relNo[l.Type])
			c.rel = append(c.rel, l.Rel)
		}
		c.off[v+1] = int32(len(c.other))
	}
	return c
}

// only returns the edges of one type.
func (c *csr) only(t uint8) csr {
	n := len(c.off) - 1
	out := csr{off: make([]int32, n+1)}
	for v := range n {
		for j := c.off[v]; j < c.off[v+1]; j++ {
			if c.typ[j] == t {
				out.other = append(out.other, c.other[j])
				out.typ = append(out.typ, t)
				out.rel = append(out.rel, c.rel[j])
			}
		}
		out.off[v+1] = int32(len(out.other))
	}
	return out
}

// number reads a numeric property value.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	case int:
		return float64(x), true
	}
	return 0, false
}

func (ix *index) is(v engine.NodeID, k graph.Kind) bool { return ix.kind[v] == kindNo[k] }
