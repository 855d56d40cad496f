package engine

// pageBits sets the page size of element and relationship storage. Pages let a Model derived by
// Apply share every page it does not change with the Model it came from.
const pageBits = 10

const pageSize = 1 << pageBits

// pages is a slice of T cut into fixed-size pages. A page is never written once its Model is
// built; a derived Model copies a page before changing it.
type pages[T any] struct {
	p [][]T
	n int
}

func (s *pages[T]) at(i int) *T { return &s.p[i>>pageBits][i&(pageSize-1)] }

func (s *pages[T]) push(v T) {
	if s.n&(pageSize-1) == 0 {
		s.p = append(s.p, make([]T, 0, pageSize))
	}
	last := len(s.p) - 1
	s.p[last] = append(s.p[last], v)
	s.n++
}

// cow is a copy of a pages that shares every page until it is written through set or push.
type cow[T any] struct {
	pages[T]
	owned map[int]bool
}

func newCow[T any](s pages[T]) *cow[T] {
	c := &cow[T]{pages: pages[T]{p: append([][]T(nil), s.p...), n: s.n}, owned: map[int]bool{}}
	return c
}

func (c *cow[T]) own(pg int) {
	if !c.owned[pg] {
		cp := make([]T, len(c.p[pg]), pageSize)
		copy(cp, c.p[pg])
		c.p[pg] = cp
		c.owned[pg] = true
	}
}

func (c *cow[T]) set(i int, v T) {
	c.own(i >> pageBits)
	c.p[i>>pageBits][i&(pageSize-1)] = v
}

func (c *cow[T]) push(v T) {
	if c.n&(pageSize-1) != 0 {
		c.own(len(c.p) - 1)
	} else {
		c.owned[len(c.p)] = true
	}
	c.pages.push(v)
}
