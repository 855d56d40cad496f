// Package synth generates synthetic enterprise models that respect the metamodel, with the shapes
// real ones have: function hierarchies three deep, process chains with some FLOWS_TO loops, value
// propositions supported by 5 to 50 processes, hub technologies serving hundreds of processes and
// skewed degrees. The same size and seed always give the same model.
package synth

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/modelgraph/modelgraph/graph"
)

// share of elements per kind, in per mille; Process takes what is left.
var shares = []struct {
	kind   graph.Kind
	prefix string
	permil int
}{
	{graph.ValueProposition, "vp", 20},
	{graph.CustomerSegment, "seg", 8},
	{graph.Channel, "ch", 8},
	{graph.CustomerRelationship, "cr", 6},
	{graph.RevenueStream, "rev", 10},
	{graph.KeyResource, "res", 35},
	{graph.KeyActivity, "act", 25},
	{graph.KeyPartner, "partner", 20},
	{graph.Cost, "cost", 30},
	{graph.Capability, "cap", 50},
	{graph.Technology, "tech", 40},
	{graph.OrgUnit, "org", 25},
	{graph.Role, "role", 80},
	{graph.KPI, "kpi", 50},
	{graph.Location, "loc", 15},
	{graph.BusinessFunction, "fn", 20},
	{graph.Stakeholder, "sh", 15},
}

var groups = []string{"DEMAND_DRIVING", "DEMAND_FULFILMENT", "OFFERING_DEVELOPMENT", "ENTERPRISE_SUPPORT"}

type gen struct {
	r     *rand.Rand
	f     *graph.File
	byK   map[graph.Kind][]string
	seen  map[string]bool
	chain int
}

// Model returns a model of n elements (n >= 200) under the given key.
func Model(key string, n int, seed uint64) *graph.File {
	g := &gen{
		r:    rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		f:    &graph.File{Model: graph.Model{Key: key, Name: fmt.Sprintf("Synthetic enterprise, %d elements", n)}},
		byK:  map[graph.Kind][]string{},
		seen: map[string]bool{},
	}
	g.elements(n)
	g.functions()
	g.processes()
	g.canvas()
	g.organisation()
	g.watchers()
	return g.f
}

func (g *gen) add(kind graph.Kind, prefix string, i int, props map[string]any) string {
	key := fmt.Sprintf("%s-%06d", prefix, i)
	g.f.Elements = append(g.f.Elements, graph.Element{Key: key, Kind: kind, Name: fmt.Sprintf("%s %d", kind, i), Properties: props})
	g.byK[kind] = append(g.byK[kind], key)
	return key
}

func (g *gen) elements(n int) {
	used := 0
	for _, s := range shares {
		c := max(4, n*s.permil/1000)
		for i := range c {
			var props map[string]any
			switch s.kind {
			case graph.BusinessFunction:
				props = map[string]any{"group": groups[i%len(groups)]}
			case graph.Stakeholder:
				props = map[string]any{"type": []string{"CUSTOMER", "EMPLOYEE", "INVESTOR", "REGULATOR", "PARTNER", "SUPPLIER", "COMMUNITY", "MANAGEMENT"}[i%8]}
			case graph.RevenueStream:
				props = map[string]any{"revenueType": "ASSET_SALE", "annualAmount": int64(100000 + g.r.IntN(10000000))}
			case graph.Cost:
				props = map[string]any{"costType": []string{"FIXED", "VARIABLE"}[i%2], "annualAmount": int64(10000 + g.r.IntN(1000000))}
			case graph.KPI:
				props = map[string]any{"unit": "%", "target": 90, "actual": int64(50 + g.r.IntN(50))}
			}
			g.add(s.kind, s.prefix, i, props)
		}
		used += c
	}
	for i := range max(n-used, 100) {
		g.add(graph.Process, "proc", i, map[string]any{"tier": int64(i % 4)})
	}
}

func (g *gen) rel(from string, t graph.RelType, to string, props map[string]any) {
	if from == to {
		return
	}
	id := from + "|" + string(t) + "|" + to
	if g.seen[id] {
		return
	}
	g.seen[id] = true
	g.f.Relationships = append(g.f.Relationships, graph.Relationship{From: from, Type: t, To: to, Properties: props})
}

// pick returns an element of a kind, uniformly.
func (g *gen) pick(k graph.Kind) string {
	ks := g.byK[k]
	return ks[g.r.IntN(len(ks))]
}

// skewed returns an element of a kind with a power-law bias towards the first ones: a few hubs,
// a long tail.
func (g *gen) skewed(k graph.Kind, alpha float64) string {
	ks := g.byK[k]
	i := int(float64(len(ks)) * math.Pow(g.r.Float64(), alpha))
	return ks[min(i, len(ks)-1)]
}

// functions builds a hierarchy three deep: groups of top functions, then sub-functions, then leaves.
func (g *gen) functions() {
	fns := g.byK[graph.BusinessFunction]
	top := max(4, len(fns)/20)
	mid := max(top*3, len(fns)/4)
	for i := top; i < len(fns); i++ {
		var parent string
		if i < mid {
			parent = fns[g.r.IntN(top)]
		} else {
			parent = fns[top+g.r.IntN(mid-top)]
		}
		g.rel(fns[i], graph.PartOf, parent, nil)
	}
	for i := range top {
		if i+1 < top {
			g.rel(fns[i], graph.FlowsTo, fns[i+1], map[string]any{"kind": "HANDOFF"})
		}
	}
}

func (g *gen) leafFunction() string {
	fns := g.byK[graph.BusinessFunction]
	mid := max(max(4, len(fns)/20)*3, len(fns)/4)
	return fns[mid+g.r.IntN(len(fns)-mid)]
}

// processes: chains of 4 to 12 processes, each chain in one leaf function; 5% of chains loop back
// to their start; every process realizes or supports a value proposition (5 to 50 per
// proposition), is supported by a technology (hubs) and sometimes by a capability.
func (g *gen) processes() {
	ps := g.byK[graph.Process]
	vps := g.byK[graph.ValueProposition]
	for start := 0; start < len(ps); {
		l := 4 + g.r.IntN(9)
		end := min(start+l, len(ps))
		fn := g.leafFunction()
		vp := vps[g.r.IntN(len(vps))]
		for i := start; i < end; i++ {
			g.rel(ps[i], graph.PartOf, fn, nil)
			if i+1 < end {
				g.rel(ps[i], graph.FlowsTo, ps[i+1], map[string]any{"kind": []string{"MATERIAL", "INFORMATION", "HANDOFF"}[g.r.IntN(3)]})
			}
			if g.r.IntN(3) == 0 {
				g.rel(ps[i], graph.Realizes, vp, nil)
			}
			g.rel(g.skewed(graph.Technology, 3), graph.Supports, ps[i], nil)
			if g.r.IntN(2) == 0 {
				g.rel(g.skewed(graph.Technology, 2), graph.Supports, ps[i], nil)
			}
			if g.r.IntN(4) == 0 {
				g.rel(g.pick(graph.Capability), graph.Supports, ps[i], nil)
			}
			if g.r.IntN(5) == 0 {
				g.rel(ps[i], graph.Incurs, g.pick(graph.Cost), nil)
			}
		}
		g.rel(ps[end-1], graph.Realizes, vp, nil)
		if g.r.IntN(20) == 0 && end-start > 2 {
			g.rel(ps[end-1], graph.FlowsTo, ps[start], map[string]any{"kind": "INFORMATION"})
		}
		start = end
	}
	// every value proposition has at least five processes behind it
	for _, vp := range vps {
		for range 5 {
			g.rel(g.pick(graph.Process), graph.Realizes, vp, nil)
		}
	}
	for _, t := range g.byK[graph.Technology] {
		if g.r.IntN(3) == 0 {
			g.rel(g.skewed(graph.Technology, 2), graph.Supports, t, nil)
		}
		g.rel(t, graph.Incurs, g.pick(graph.Cost), nil)
	}
}

func (g *gen) canvas() {
	for _, vp := range g.byK[graph.ValueProposition] {
		g.rel(vp, graph.Targets, g.pick(graph.CustomerSegment), nil)
		g.rel(vp, graph.Generates, g.skewed(graph.RevenueStream, 1.5), nil)
		g.rel(g.pick(graph.Channel), graph.Delivers, vp, nil)
		g.rel(g.pick(graph.KeyActivity), graph.Supports, vp, nil)
	}
	for _, a := range g.byK[graph.KeyActivity] {
		g.rel(g.pick(graph.KeyResource), graph.Supports, a, nil)
		g.rel(g.pick(graph.Capability), graph.Supports, a, nil)
		g.rel(a, graph.Incurs, g.pick(graph.Cost), nil)
	}
	for _, ch := range g.byK[graph.Channel] {
		g.rel(ch, graph.Targets, g.pick(graph.CustomerSegment), nil)
		g.rel(ch, graph.Generates, g.pick(graph.RevenueStream), nil)
		g.rel(g.pick(graph.Process), graph.Realizes, ch, nil)
	}
	for _, cr := range g.byK[graph.CustomerRelationship] {
		g.rel(cr, graph.Targets, g.pick(graph.CustomerSegment), nil)
		g.rel(g.pick(graph.Process), graph.Realizes, cr, nil)
	}
	for _, seg := range g.byK[graph.CustomerSegment] {
		g.rel(seg, graph.Generates, g.pick(graph.RevenueStream), nil)
	}
	for i, p := range g.byK[graph.KeyPartner] {
		single := i%5 == 0
		share, subst := 0.2+0.6*g.r.Float64(), true
		if single {
			share, subst = 1.0, false
		}
		target := g.pick(graph.KeyResource)
		if i%2 == 1 {
			target = g.pick(graph.Technology)
		}
		g.rel(p, graph.Supplies, target, map[string]any{"share": share, "substitutable": subst})
		g.rel(p, graph.Incurs, g.pick(graph.Cost), nil)
	}
	for _, r := range g.byK[graph.KeyResource] {
		g.rel(r, graph.Supports, g.pick(graph.Process), nil)
	}
	for _, c := range g.byK[graph.Capability] {
		g.rel(c, graph.Supports, g.pick(graph.BusinessFunction), nil)
	}
}

func (g *gen) organisation() {
	orgs := g.byK[graph.OrgUnit]
	for i := 1; i < len(orgs); i++ {
		parent := orgs[g.r.IntN(i)]
		g.rel(orgs[i], graph.PartOf, parent, nil)
		g.rel(orgs[i], graph.ReportsTo, parent, nil)
		g.rel(orgs[i], graph.LocatedAt, g.pick(graph.Location), nil)
	}
	locs := g.byK[graph.Location]
	for i := 1; i < len(locs); i++ {
		g.rel(locs[i], graph.PartOf, locs[g.r.IntN(min(i, 1+len(locs)/10))], nil)
	}
	roles := g.byK[graph.Role]
	for i, r := range roles {
		g.rel(r, graph.PartOf, g.pick(graph.OrgUnit), nil)
		if i > 0 {
			g.rel(r, graph.ReportsTo, roles[g.r.IntN(i)/2], nil)
		}
		for range 2 {
			g.rel(r, graph.InvolvedIn, g.pick(graph.Process), map[string]any{"raci": []string{"R", "A", "C", "I"}[g.r.IntN(4)]})
		}
	}
}

func (g *gen) watchers() {
	for _, k := range g.byK[graph.KPI] {
		g.rel(k, graph.Measures, g.pick(graph.Process), nil)
		if g.r.IntN(2) == 0 {
			g.rel(k, graph.Measures, g.pick(graph.ValueProposition), nil)
		}
	}
	for _, s := range g.byK[graph.Stakeholder] {
		g.rel(s, graph.InvolvedIn, g.pick(graph.ValueProposition), map[string]any{"raci": "I"})
	}
}
