package analysis

import (
	"fmt"
	"slices"
	"strings"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/engine"
)

// codeRules are the built-in rules the rules format cannot express: SINGLE_SOURCE needs exposure
// (shares, substitutability, cut-off), BLOCK_EMPTY is about the model rather than an element.
func codeRules() []*Rule {
	return []*Rule{
		{ID: "SINGLE_SOURCE", Severity: Warning, Source: "builtin", code: singleSource,
			Kinds:       []graph.Kind{graph.KeyResource, graph.Technology, graph.Capability, graph.Process, graph.Channel, graph.KeyActivity},
			Description: "A key partner cuts the element off on its own, and a value proposition depends on the element within 5 hops.",
			Message:     "only <partner> supplies this element and it cannot be replaced; value propositions depend on it: <keys>"},
		{ID: "BLOCK_EMPTY", Severity: Warning, Source: "builtin", code: blockEmpty,
			Kinds:       graph.KindsIn(graph.Canvas),
			Description: "A canvas block (one of the nine canvas kinds) has no element in the model.",
			Message:     "the canvas block <kind> is empty: the model has no element of that kind"},
	}
}

// singleSourceDepth is impact(E, 5): within 6 hops of the partner.
const singleSourceDepth = 5

func singleSource(ev *evaluator) []Finding {
	m, ix := ev.m, ev.ix
	e := newExposer(m, ix)
	partners := map[engine.NodeID][]string{}
	var cut []engine.NodeID
	kp := kPartner
	for v := range ix.n {
		if ix.kind[v] != kp {
			continue
		}
		e.losses(ix.scope(e.failed, engine.NodeID(v)))
		for _, s := range e.supplied {
			if e.cut(s) {
				if partners[s] == nil {
					cut = append(cut, s)
				}
				partners[s] = append(partners[s], m.Key(engine.NodeID(v)))
			}
		}
	}
	var out []Finding
	vp := kVP
	w := ev.w
	for _, c := range cut {
		scope := ix.scope(w, c)
		w.reset()
		for _, s := range scope {
			w.visit(s, 0, -1)
		}
		w.bfs(&ix.out, propagating, singleSourceDepth, nil)
		var vps []string
		for _, v := range w.queue[len(scope):] {
			if ix.kind[v] == vp {
				vps = append(vps, m.Key(v))
			}
		}
		if len(vps) == 0 {
			continue
		}
		ps := partners[c]
		slices.Sort(ps)
		slices.Sort(vps)
		out = append(out, Finding{Rule: "SINGLE_SOURCE", Severity: Warning, Element: m.Key(c), KindNamed: m.Kind(c),
			Related: append(slices.Clone(ps), vps...),
			Message: fmt.Sprintf("only %s supplies this %s and cannot be replaced; value propositions depending on it: %s",
				strings.Join(ps, " and "), m.Kind(c), strings.Join(vps, ", "))})
	}
	return out
}

func blockEmpty(ev *evaluator) []Finding {
	var n [32]int
	for _, k := range ev.ix.kind {
		n[k]++
	}
	var out []Finding
	for _, k := range graph.KindsIn(graph.Canvas) {
		if n[kindNo[k]] == 0 {
			out = append(out, Finding{Rule: "BLOCK_EMPTY", Severity: Warning, KindNamed: k, Related: []string{},
				Message: fmt.Sprintf("the canvas block %s is empty: the model has no element of that kind", k)})
		}
	}
	return out
}
