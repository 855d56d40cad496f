package engine

import "github.com/modelgraph/modelgraph/graph"

// GraphSteps turns a path into graph.Steps, with both end elements and the relationship's
// properties, as the store's traversals return them.
func (m *Model) GraphSteps(ss []Step) []graph.Step {
	out := make([]graph.Step, len(ss))
	for i, s := range ss {
		out[i] = graph.Step{From: m.Element(s.From), Type: s.Type, To: m.Element(s.To), Properties: propMap(m.propsOf(m.rels.at(int(s.Rel))))}
	}
	return out
}

// GraphReached turns results into graph.Reached, as the store's traversals return them. A
// result without a path gets none.
func (m *Model) GraphReached(rs []Reached) []graph.Reached {
	out := make([]graph.Reached, len(rs))
	for i, r := range rs {
		out[i] = graph.Reached{Element: m.Element(r.ID), Distance: r.Distance}
		if r.Path != nil {
			out[i].Path = m.GraphSteps(r.Path)
		}
	}
	return out
}
