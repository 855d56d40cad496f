package analysis

import (
	"github.com/modelgraph/modelgraph/graph/engine"
)

// reachedByOther answers, for every element v at once, "does some element of the given kinds
// other than v reach v along propagating relationships within d hops?", which is "has v a
// supporter of those kinds within d hops". It is one breadth-first search from all those elements
// together in which every node keeps its two nearest distinct sources: an element of the kinds is
// its own nearest source at distance 0, and only a second one counts for it.
func reachedByOther(ix *index, kinds uint32, d int) []bool {
	type entry struct {
		v, src engine.NodeID
		d      int32
	}
	src1, src2 := make([]engine.NodeID, ix.n), make([]engine.NodeID, ix.n)
	var queue []entry
	for v := range ix.n {
		src1[v], src2[v] = -1, -1
		if kinds&(1<<ix.kind[v]) != 0 {
			src1[v] = engine.NodeID(v)
			queue = append(queue, entry{engine.NodeID(v), engine.NodeID(v), 0})
		}
	}
	a := &ix.out
	for head := 0; head < len(queue); head++ {
		e := queue[head]
		if int(e.d) >= d {
			continue
		}
		lo, hi := a.span(e.v)
		for j := lo; j < hi; j++ {
			if propagating&(1<<a.typ[j]) == 0 {
				continue
			}
			v := a.other[j]
			switch {
			case src1[v] == e.src || src2[v] == e.src || src2[v] != -1:
				continue
			case src1[v] == -1:
				src1[v] = e.src
			default:
				src2[v] = e.src
			}
			queue = append(queue, entry{v, e.src, e.d + 1})
		}
	}
	out := make([]bool, ix.n)
	for v := range out {
		self := engine.NodeID(v)
		out[v] = (src1[v] != -1 && src1[v] != self) || (src2[v] != -1 && src2[v] != self)
	}
	return out
}

// reaches answers, for every element s at once, "does s reach an element of the given kinds
// along outgoing propagating relationships within d hops?": one breadth-first search from all
// those elements together along incoming relationships. Elements of the kinds are marked too
// (distance 0); callers ask it only of elements of other kinds.
func reaches(ix *index, kinds uint32, d int) []bool {
	w := newWalk(ix.n)
	w.reset()
	for v := range ix.n {
		if kinds&(1<<ix.kind[v]) != 0 {
			w.visit(engine.NodeID(v), 0, -1)
		}
	}
	w.bfs(&ix.in, propagating, d, nil)
	out := make([]bool, ix.n)
	for _, v := range w.queue {
		out[v] = true
	}
	return out
}

// affectsKinds is impact(scope, d) for one element, asked directly: does it affect an element of
// the given kinds outside its scope?
func affectsKinds(ix *index, w *walk, scope []engine.NodeID, kinds uint32, d int) bool {
	w.reset()
	for _, s := range scope {
		w.visit(s, 0, -1)
	}
	w.bfs(&ix.out, propagating, d, nil)
	for _, v := range w.queue[len(scope):] {
		if kinds&(1<<ix.kind[v]) != 0 {
			return true
		}
	}
	return false
}
