package analysis

import (
	"github.com/modelgraph/modelgraph/graph/engine"
)

// cond is a compiled condition of the rules format, asked of one element at a time. Conditions
// that need a search over the whole model (supporter, affected) compute it once per evaluation,
// for every element at once, and answer from that table.
type cond interface {
	holds(ev *evaluator, v engine.NodeID) bool
}

// evaluator is one evaluation of rules over one model.
type evaluator struct {
	m      *engine.Model
	ix     *index
	w      *walk
	tables map[cond][]bool
	memo   map[cond][]int8 // per node: 0 not yet asked, 1 holds, -1 does not
	walks  map[cond]*walk
}

func newEvaluator(m *engine.Model) *evaluator {
	ix := indexOf(m)
	return &evaluator{m: m, ix: ix, w: newWalk(ix.n), tables: map[cond][]bool{}, memo: map[cond][]int8{}, walks: map[cond]*walk{}}
}

func (ev *evaluator) table(c cond, build func() []bool) []bool {
	t, ok := ev.tables[c]
	if !ok {
		t = build()
		ev.tables[c] = t
	}
	return t
}

// count is a bound on a number of things: at least min, at most max (max < 0: no bound).
type count struct{ min, max int }

func (c count) ok(n int) bool { return n >= c.min && (c.max < 0 || n <= c.max) }

// relCond counts the relationships of one type in one direction whose other end is of the given
// kinds and whose properties match.
type relCond struct {
	out   bool
	typ   uint8
	kinds uint32
	where []match
	n     count
}

func (c *relCond) holds(ev *evaluator, v engine.NodeID) bool {
	a := &ev.ix.in
	if c.out {
		a = &ev.ix.out
	}
	n := 0
	lo, hi := a.span(v)
	for j := lo; j < hi; j++ {
		if a.typ[j] != c.typ || c.kinds&(1<<ev.ix.kind[a.other[j]]) == 0 {
			continue
		}
		if len(c.where) > 0 && !matchAll(c.where, ev.m.Relationship(a.rel[j]).Properties) {
			continue
		}
		n++
		if c.n.max >= 0 && n > c.n.max {
			return false
		}
		if c.n.max < 0 && n >= c.n.min {
			return true
		}
	}
	return c.n.ok(n)
}

// wholeCond holds when its condition holds for the element or for any whole it is PART_OF, at any
// depth.
type wholeCond struct{ inner cond }

// Answers are remembered per element: the processes of one function ask the function once. A
// whole whose answer is known to be no is not walked through again, since its own wholes are part
// of that answer; this stays exact on PART_OF cycles.
func (c *wholeCond) holds(ev *evaluator, v engine.NodeID) bool {
	memo := ev.memo[c]
	if memo == nil {
		memo = make([]int8, ev.ix.n)
		ev.memo[c] = memo
		ev.walks[c] = newWalk(ev.ix.n) // its own: inner conditions may use ev.w
	}
	if memo[v] != 0 {
		return memo[v] > 0
	}
	w := ev.walks[c]
	w.reset()
	w.visit(v, 0, -1)
	ok := false
	for head := 0; head < len(w.queue) && !ok; head++ {
		u := w.queue[head]
		switch {
		case memo[u] > 0:
			ok = true
			continue
		case memo[u] < 0 && u != v:
			continue
		case c.inner.holds(ev, u):
			ok = true
			continue
		}
		lo, hi := ev.ix.wholes.span(u)
		for j := lo; j < hi; j++ {
			if x := ev.ix.wholes.other[j]; !w.seen(x) {
				w.visit(x, 0, -1)
			}
		}
	}
	memo[v] = -1
	if ok {
		memo[v] = 1
	}
	return ok
}

// supporterCond holds when some supporter of the element (DOMAIN.md supporters) of the given kinds
// is within the given hops.
type supporterCond struct {
	kinds  uint32
	within int
}

func (c *supporterCond) holds(ev *evaluator, v engine.NodeID) bool {
	return ev.table(c, func() []bool { return reachedByOther(ev.ix, c.kinds, c.within) })[v]
}

// affectedCond holds when impact(element, within) affects some element of the given kinds.
type affectedCond struct {
	kinds  uint32
	within int
}

func (c *affectedCond) holds(ev *evaluator, v engine.NodeID) bool {
	ix := ev.ix
	scope := []engine.NodeID{v}
	if ix.hasParts(v) {
		scope = ix.scope(ev.w, v)
	}
	for _, s := range scope {
		if c.kinds&(1<<ix.kind[s]) != 0 {
			// A wanted element in the scope is not affected: the shared table cannot tell it from
			// one outside, so this element gets its own search.
			return affectsKinds(ix, ev.w, scope, c.kinds, c.within)
		}
	}
	near := ev.table(c, func() []bool { return reaches(ix, c.kinds, c.within) })
	for _, s := range scope {
		if near[s] {
			return true
		}
	}
	return false
}

// scopeCond counts the elements of the element's scope (itself and its parts) of given kinds.
type scopeCond struct {
	kinds uint32
	n     count
}

func (c *scopeCond) holds(ev *evaluator, v engine.NodeID) bool {
	scope := []engine.NodeID{v}
	if ev.ix.hasParts(v) {
		scope = ev.ix.scope(ev.w, v)
	}
	n := 0
	for _, s := range scope {
		if c.kinds&(1<<ev.ix.kind[s]) != 0 {
			n++
		}
	}
	return c.n.ok(n)
}

// propCond tests a property of the element.
type propCond struct{ m match }

func (c *propCond) holds(ev *evaluator, v engine.NodeID) bool {
	return c.m.ok(ev.m.Element(v).Properties)
}

type allCond []cond

func (c allCond) holds(ev *evaluator, v engine.NodeID) bool {
	for _, x := range c {
		if !x.holds(ev, v) {
			return false
		}
	}
	return true
}

type anyCond []cond

func (c anyCond) holds(ev *evaluator, v engine.NodeID) bool {
	for _, x := range c {
		if x.holds(ev, v) {
			return true
		}
	}
	return false
}

type notCond struct{ inner cond }

func (c *notCond) holds(ev *evaluator, v engine.NodeID) bool { return !c.inner.holds(ev, v) }

// match tests one property: equals a value, is not true, is present (or absent), is at least or
// at most a number.
type match struct {
	name string
	op   string // equals, notTrue, present, min, max
	val  any    // equals: string, float64 or bool; present: bool
	num  float64
}

func (mt match) ok(props map[string]any) bool {
	v, has := props[mt.name]
	switch mt.op {
	case "equals":
		if a, ok := number(v); ok {
			b, isNum := mt.val.(float64)
			return isNum && a == b
		}
		return has && v == mt.val
	case "notTrue":
		return v != true
	case "present":
		return has == mt.val.(bool)
	case "min":
		a, ok := number(v)
		return ok && a >= mt.num
	case "max":
		a, ok := number(v)
		return ok && a <= mt.num
	}
	return false
}

func matchAll(ms []match, props map[string]any) bool {
	for _, mt := range ms {
		if !mt.ok(props) {
			return false
		}
	}
	return true
}
