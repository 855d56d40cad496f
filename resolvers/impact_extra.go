package resolvers

import (
	"context"
	"slices"

	"github.com/modelgraph/modelgraph/graph"
)

// amountKinds are the kinds whose annualAmount Impact.amounts adds up.
var amountKinds = []graph.Kind{graph.RevenueStream, graph.Cost}

// Amounts totals annualAmount by kind over the affected elements.
func (i *Impact) Amounts() []*KindAmount {
	out := []*KindAmount{}
	for _, k := range amountKinds {
		t := &KindAmount{Kind: k}
		for _, a := range i.im.Affected {
			if a.Element.Kind != k {
				continue
			}
			t.Count++
			if v := propFloat(mapProps(a.Element.Properties), "annualAmount"); v != nil {
				t.Amount += *v
			} else {
				t.UnknownAmounts++
			}
		}
		if t.Count > 0 {
			out = append(out, t)
		}
	}
	return out
}

type mapProps map[string]any

func (p mapProps) get(name string) any { return p[name] }

// raciOrder is the order RACI letters are listed in.
var raciOrder = []string{"R", "A", "C", "I"}

// Raci lists the RACI letters of the attached element's INVOLVED_IN relationships to the
// elements it is attached to, in R, A, C, I order. The relationships of every attached element
// load in one round trip.
func (a *Attached) Raci(ctx context.Context) ([]string, error) {
	n := a.Element.node()
	ls, err := n.linksOf(ctx, graph.Outgoing, string(graph.InvolvedIn), func(l graph.Link) bool { return l.Type == graph.InvolvedIn })
	if err != nil {
		return nil, err
	}
	to := map[string]bool{}
	for _, e := range a.To {
		to[e.node().e.Key] = true
	}
	seen := map[string]bool{}
	for _, l := range ls {
		if r, ok := l.props["raci"].(string); ok && to[l.other.e.Key] {
			seen[r] = true
		}
	}
	out := []string{}
	for _, r := range raciOrder {
		if seen[r] {
			out = append(out, r)
		}
	}
	return out, nil
}

// affectedOfKinds keeps the affected elements of the given kinds (all when none are given).
func affectedOfKinds(all []*Affected, kinds []graph.Kind) []*Affected {
	if len(kinds) == 0 {
		return all
	}
	out := []*Affected{}
	for _, a := range all {
		if slices.Contains(kinds, a.Element.node().e.Kind) {
			out = append(out, a)
		}
	}
	return out
}
