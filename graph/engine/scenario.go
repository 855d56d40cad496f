package engine

import "github.com/modelgraph/modelgraph/graph"

// Renamed returns m under another model key, name and description and at another revision,
// sharing its elements, relationships, adjacency and buffers: a scenario is its base with edits
// applied, read under the scenario's own key, so that every element it hands out names the
// scenario as its model.
func (m *Model) Renamed(info graph.Model, revision int64) *Model {
	return &Model{
		info: info, revision: revision, elems: m.elems, rels: m.rels, relProps: m.relProps, keys: m.keys,
		kinds: m.kinds, order: m.order, out: m.out, in: m.in, pos: m.pos, work: m.work, msbfs: m.msbfs,
	}
}
