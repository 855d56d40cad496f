package engine

import (
	"fmt"
	"slices"

	"github.com/modelgraph/modelgraph/graph"
)

// Step is one relationship of a path, in the direction of the relationship.
type Step struct {
	From NodeID
	Type graph.RelType
	To   NodeID
	Rel  RelID
}

// Reached is an element found by a traversal: its fewest hops from the start and, when the
// options ask for paths, one shortest path as steps in the direction of the relationships.
type Reached struct {
	ID       NodeID
	Distance int
	Path     []Step
}

// work holds the buffers of one breadth-first search. Visited marks are generation stamps, so a
// search costs what it visits, not the size of the model.
type work struct {
	stamp []uint32
	gen   uint32
	dist  []int32
	pred  []RelID // the relationship a node was reached by
	queue []NodeID
}

func newWork(n int) *work {
	return &work{stamp: make([]uint32, n), dist: make([]int32, n), pred: make([]RelID, n)}
}

func (w *work) reset() {
	w.gen++
	if w.gen == 0 {
		clear(w.stamp)
		w.gen = 1
	}
	w.queue = w.queue[:0]
}

func (w *work) seen(v NodeID) bool { return w.stamp[v] == w.gen }

func (w *work) visit(v NodeID, d int32, pred RelID) {
	w.stamp[v], w.dist[v], w.pred[v] = w.gen, d, pred
	w.queue = append(w.queue, v)
}

func (m *Model) getWork() *work {
	w := m.work.Get().(*work)
	w.reset()
	return w
}

// bfs walks from the nodes already queued in w along edges of a whose type bit is in mask (of
// propagating types only), at
// most maxDepth hops (no bound when maxDepth < 0). stop, when not nil, ends the search as soon as
// it returns true for a newly reached node.
func (w *work) bfs(a *adjacency, mask uint32, maxDepth int, stop func(NodeID) bool) {
	for head := 0; head < len(w.queue); head++ {
		u := w.queue[head]
		d := w.dist[u]
		if maxDepth >= 0 && int(d) >= maxDepth {
			continue
		}
		for j := a.off[u]; j < a.prop[u]; j++ {
			v := a.other[j]
			if mask&(1<<a.typ[j]) == 0 || w.seen(v) {
				continue
			}
			w.visit(v, d+1, a.rel[j])
			if stop != nil && stop(v) {
				return
			}
		}
	}
}

// DefaultMaxDepth is the depth used when an option gives none (0).
const DefaultMaxDepth = graph.DefaultMaxDepth

func depth(d int) (int, error) {
	switch {
	case d == 0:
		return DefaultMaxDepth, nil
	case d < 0:
		return 0, fmt.Errorf("maxDepth must be at least 1, got %d: %w", d, graph.ErrInvalid)
	}
	return d, nil
}

// SupportersOptions filter and shape Supporters. The caller enforces the server's depth cap.
type SupportersOptions struct {
	Kinds    []graph.Kind // report only these kinds (all when empty); every kind is walked through
	MaxDepth int          // 0 means DefaultMaxDepth
	Paths    bool         // fill Reached.Path
}

// Supporters answers "what supports x?" (DOMAIN.md): a breadth-first search from x along
// incoming propagating relationships, at most MaxDepth hops. Every reached element other than x
// whose kind is wanted comes once, ordered by distance, kind, key; a path ends at x.
func (m *Model) Supporters(x NodeID, opt SupportersOptions) ([]Reached, error) {
	d, err := depth(opt.MaxDepth)
	if err != nil {
		return nil, err
	}
	want, err := kindMask(opt.Kinds)
	if err != nil {
		return nil, err
	}
	w := m.getWork()
	defer m.work.Put(w)
	w.visit(x, 0, None)
	w.bfs(&m.in, propagating, d, nil)
	out := []Reached{}
	for _, v := range w.queue[1:] {
		if want&(1<<m.kinds[v]) != 0 {
			out = append(out, Reached{ID: v, Distance: int(w.dist[v])})
		}
	}
	m.sortReached(out)
	if opt.Paths {
		for i := range out {
			out[i].Path = m.pathBack(w, out[i].ID, true)
		}
	}
	return out, nil
}

// pathBack follows the recorded predecessors from v to a start. For a search along incoming
// relationships (towardStart) the relationships already point from v to the start; otherwise they
// point from the start to v and the steps are reversed.
func (m *Model) pathBack(w *work, v NodeID, towardStart bool) []Step {
	steps := make([]Step, 0, w.dist[v])
	for p := w.pred[v]; p != None; p = w.pred[v] {
		r := m.rels.at(int(p))
		steps = append(steps, Step{From: r.from, Type: relTypes[r.typ], To: r.to, Rel: p})
		if towardStart {
			v = r.to
		} else {
			v = r.from
		}
	}
	if !towardStart {
		slices.Reverse(steps)
	}
	return steps
}

func kindMask(ks []graph.Kind) (uint32, error) {
	if len(ks) == 0 {
		return 1<<len(kinds) - 1, nil
	}
	var mask uint32
	for _, k := range ks {
		i, ok := kindIndex[k]
		if !ok {
			return 0, fmt.Errorf("kinds: unknown kind %q: %w", k, graph.ErrInvalid)
		}
		mask |= 1 << i
	}
	return mask, nil
}

// sortReached orders results by distance, kind name, key.
func (m *Model) sortReached(rs []Reached) {
	rank := m.rank()
	slices.SortFunc(rs, func(a, b Reached) int {
		if a.Distance != b.Distance {
			return a.Distance - b.Distance
		}
		return int(rank[a.ID] - rank[b.ID])
	})
}

// sortIDs orders elements by kind name, key.
func (m *Model) sortIDs(ids []NodeID) {
	rank := m.rank()
	slices.SortFunc(ids, func(a, b NodeID) int { return int(rank[a] - rank[b]) })
}

// Scope returns x and every element with a PART_OF path to x (its parts at any depth), ordered
// by kind, key.
func (m *Model) Scope(x NodeID) []NodeID {
	w := m.getWork()
	defer m.work.Put(w)
	scope := m.scope(w, x)
	m.sortIDs(scope)
	return scope
}

func (m *Model) scope(w *work, x NodeID) []NodeID {
	w.visit(x, 0, None)
	w.bfs(&m.in, 1<<partOf, -1, nil)
	return slices.Clone(w.queue)
}

// ImpactOptions shape Impact. The caller enforces the server's depth cap.
type ImpactOptions struct {
	MaxDepth int             // 0 means DefaultMaxDepth
	Types    []graph.RelType // propagating types to follow (all when empty)
	Paths    bool            // fill Reached.Path
	Attached bool            // fill Impact.Attached
}

// Impact is the answer to "what is affected if x changes?".
type Impact struct {
	Scope    []NodeID  // x and its parts, ordered by kind, key
	Affected []Reached // ordered by distance, kind, key
	Attached []Attachment
}

// Attachment is an element watching (INVOLVED_IN, MEASURES) elements of the scope or affected
// set: how it watches them (type names in order) and which ones (ordered by kind, key).
type Attachment struct {
	ID  NodeID
	Via []graph.RelType
	To  []NodeID
}

// Impact answers "what is affected if x changes?" (DOMAIN.md): a breadth-first search from every
// element of scope(x) along outgoing relationships of the given propagating types, at most
// MaxDepth hops; reached elements outside the scope are affected, at their fewest hops from any
// scope element, with a path from a scope element.
func (m *Model) Impact(x NodeID, opt ImpactOptions) (*Impact, error) {
	d, err := depth(opt.MaxDepth)
	if err != nil {
		return nil, err
	}
	mask, err := typeMask(opt.Types)
	if err != nil {
		return nil, err
	}
	w := m.getWork()
	defer m.work.Put(w)
	im := &Impact{Scope: m.scope(w, x)}
	w.reset()
	for _, s := range im.Scope {
		w.visit(s, 0, None)
	}
	w.bfs(&m.out, mask, d, nil)
	im.Affected = make([]Reached, 0, len(w.queue)-len(im.Scope))
	for _, v := range w.queue[len(im.Scope):] {
		im.Affected = append(im.Affected, Reached{ID: v, Distance: int(w.dist[v])})
	}
	m.sortReached(im.Affected)
	if opt.Paths {
		for i := range im.Affected {
			im.Affected[i].Path = m.pathBack(w, im.Affected[i].ID, false)
		}
	}
	if opt.Attached {
		im.Attached = m.attached(w.queue)
	}
	m.sortIDs(im.Scope)
	return im, nil
}

// attached finds the watchers of the given elements.
func (m *Model) attached(targets []NodeID) []Attachment {
	byWatcher := map[NodeID]*Attachment{}
	var order []NodeID
	for _, t := range targets {
		for j := m.in.prop[t]; j < m.in.off[t+1]; j++ {
			if watchers&(1<<m.in.typ[j]) == 0 {
				continue
			}
			src := m.in.other[j]
			a := byWatcher[src]
			if a == nil {
				a = &Attachment{ID: src}
				byWatcher[src] = a
				order = append(order, src)
			}
			if via := relTypes[m.in.typ[j]]; !slices.Contains(a.Via, via) {
				a.Via = append(a.Via, via)
			}
			if !slices.Contains(a.To, t) {
				a.To = append(a.To, t)
			}
		}
	}
	m.sortIDs(order)
	out := make([]Attachment, len(order))
	for i, id := range order {
		a := byWatcher[id]
		slices.Sort(a.Via)
		m.sortIDs(a.To)
		out[i] = *a
	}
	return out
}

func typeMask(ts []graph.RelType) (uint32, error) {
	if len(ts) == 0 {
		return propagating, nil
	}
	var mask uint32
	for _, t := range ts {
		i, ok := relIndex[t]
		switch {
		case !ok:
			return 0, fmt.Errorf("relationshipTypes: unknown relationship type %q: %w", t, graph.ErrInvalid)
		case propagating&(1<<i) == 0:
			return 0, fmt.Errorf("relationshipTypes: %s does not propagate change: %w", t, graph.ErrInvalid)
		}
		mask |= 1 << i
	}
	return mask, nil
}

// Path returns one shortest directed path from a to b along propagating relationships within
// maxDepth hops (0 means DefaultMaxDepth), and whether there is one. From an element to itself
// the path is empty.
func (m *Model) Path(a, b NodeID, maxDepth int) ([]Step, bool, error) {
	d, err := depth(maxDepth)
	if err != nil {
		return nil, false, err
	}
	if a == b {
		return []Step{}, true, nil
	}
	w := m.getWork()
	defer m.work.Put(w)
	w.visit(a, 0, None)
	w.bfs(&m.out, propagating, d, func(v NodeID) bool { return v == b })
	if !w.seen(b) {
		return nil, false, nil
	}
	return m.pathBack(w, b, false), true, nil
}
