package analysis

import (
	"slices"
	"strings"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/engine"
)

// walk holds the buffers of one breadth-first search; marks are generation stamps, so reusing a
// walk costs what the next search visits, not the size of the model.
type walk struct {
	stamp []uint32
	gen   uint32
	dist  []int32
	pred  []int32 // position in the csr of the edge a node was reached by; -1 for a start
	queue []engine.NodeID
}

func newWalk(n int) *walk {
	return &walk{stamp: make([]uint32, n), dist: make([]int32, n), pred: make([]int32, n)}
}

func (w *walk) reset() {
	w.gen++
	if w.gen == 0 {
		clear(w.stamp)
		w.gen = 1
	}
	w.queue = w.queue[:0]
}

func (w *walk) seen(v engine.NodeID) bool { return w.stamp[v] == w.gen }

func (w *walk) visit(v engine.NodeID, d int32, pred int32) {
	w.stamp[v], w.dist[v], w.pred[v] = w.gen, d, pred
	w.queue = append(w.queue, v)
}

// follow decides whether a search takes the edge at position j of c from u to v.
type follow func(c *csr, j int32, u, v engine.NodeID) bool

// bfs extends the search from the queued nodes along edges of c whose type is in mask and that
// ok (when not nil) accepts, at most maxDepth hops from a start.
func (w *walk) bfs(c *csr, mask uint32, maxDepth int, ok follow) {
	for head := 0; head < len(w.queue); head++ {
		u := w.queue[head]
		d := w.dist[u]
		if int(d) >= maxDepth {
			continue
		}
		lo, hi := c.span(u)
		for j := lo; j < hi; j++ {
			v := c.other[j]
			if mask&(1<<c.typ[j]) == 0 || w.seen(v) || (ok != nil && !ok(c, j, u, v)) {
				continue
			}
			w.visit(v, d+1, j)
		}
	}
}

// Step is one relationship of an explaining path, in the direction of the relationship.
type Step struct {
	From string        `json:"from"`
	Type graph.RelType `json:"type"`
	To   string        `json:"to"`
}

// path follows recorded predecessors back from v to a start of a search along outgoing edges
// (c is the out csr) and returns the steps from the start to v. It stops at a node the search
// did not visit: a start may be entered by an edge from outside the search.
func (w *walk) path(m *engine.Model, c *csr, v engine.NodeID) []Step {
	steps := make([]Step, 0, w.dist[v])
	for w.seen(v) && w.pred[v] >= 0 {
		j := w.pred[v]
		from, t, to := m.Ends(c.rel[j])
		steps = append(steps, Step{From: m.Key(from), Type: t, To: m.Key(to)})
		v = from
	}
	slices.Reverse(steps)
	return steps
}

// scope returns x and its parts at any depth (everything with a PART_OF path to x).
func (ix *index) scope(w *walk, x engine.NodeID) []engine.NodeID {
	w.reset()
	w.visit(x, 0, -1)
	w.bfs(&ix.parts, bit(graph.PartOf), 1<<30, nil)
	return slices.Clone(w.queue)
}

// hasParts reports whether anything is PART_OF v.
func (ix *index) hasParts(v engine.NodeID) bool {
	lo, hi := ix.parts.span(v)
	return hi > lo
}

// kindRank orders kinds by name, as results are ordered.
var kindRank = func() []int {
	sorted := slices.Clone(allKinds)
	slices.Sort(sorted)
	r := make([]int, len(allKinds))
	for i, k := range sorted {
		r[kindNo[k]] = i
	}
	return r
}()

// cmpElem orders elements by kind name, then key.
func cmpElem(m *engine.Model, ix *index, a, b engine.NodeID) int {
	if ka, kb := ix.kind[a], ix.kind[b]; ka != kb {
		return kindRank[ka] - kindRank[kb]
	}
	return strings.Compare(m.Key(a), m.Key(b))
}

// keysOf returns the keys of ids ordered by key (it sorts ids).
func keysOf(m *engine.Model, ix *index, ids []engine.NodeID) []string {
	slices.SortFunc(ids, func(a, b engine.NodeID) int { return int(ix.rank[a] - ix.rank[b]) })
	out := make([]string, len(ids))
	for i, id := range ids {
		out[i] = m.Key(id)
	}
	return out
}
