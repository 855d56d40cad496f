package resolvers

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/modelgraph/modelgraph/graph"
)

// A batch is the set of elements one resolver returned as a list (for one request). The first
// time any member needs its relationships or supporters, the batch loads them for every member in
// one query, and the elements found become a child batch. A GraphQL operation therefore makes a
// number of Cypher round trips bounded by its shape, not by the number of elements it returns.
type batch struct {
	store Store
	nodes []*node
	byRef map[graph.Ref]*node

	mu       sync.Mutex
	links    [2]lazy[map[graph.Ref][]graph.Link]
	children map[string]*batch
	sups     map[string]*lazy[supporterSet]
	hist     map[string]*lazy[map[graph.Ref][]graph.Change]
	counts   map[string]*lazy[map[graph.Ref]int]
}

// node is one element in a batch.
type node struct {
	e graph.Element
	b *batch
}

// lazy computes a value once, for every caller.
type lazy[T any] struct {
	once sync.Once
	v    T
	err  error
}

func (l *lazy[T]) get(f func() (T, error)) (T, error) {
	l.once.Do(func() { l.v, l.err = f() })
	return l.v, l.err
}

// lazyFor returns the lazy value stored under key in m, adding it on first use; mu guards m.
func lazyFor[T any](mu *sync.Mutex, m map[string]*lazy[T], key string) *lazy[T] {
	mu.Lock()
	defer mu.Unlock()
	l, ok := m[key]
	if !ok {
		l = &lazy[T]{}
		m[key] = l
	}
	return l
}

// newBatch makes a batch of elements; an element listed twice is one member. A batch is filled
// (add, wrapAll) by the one goroutine that makes it, before any field reads it.
func newBatch(store Store, elems []graph.Element) *batch {
	b := &batch{store: store, byRef: make(map[graph.Ref]*node, len(elems)), children: map[string]*batch{}, sups: map[string]*lazy[supporterSet]{}, hist: map[string]*lazy[map[graph.Ref][]graph.Change]{}, counts: map[string]*lazy[map[graph.Ref]int]{}}
	for _, e := range elems {
		b.add(e)
	}
	return b
}

func (b *batch) add(e graph.Element) *node {
	ref := graph.Ref{Model: e.Model, Key: e.Key}
	if n, ok := b.byRef[ref]; ok {
		return n
	}
	n := &node{e: e, b: b}
	b.nodes = append(b.nodes, n)
	b.byRef[ref] = n
	return n
}

// wrapAll returns the GraphQL objects of elements, adding them to b.
func (b *batch) wrapAll(elems []graph.Element) []Element {
	out := make([]Element, len(elems))
	for i, e := range elems {
		out[i] = wrap(b.add(e))
	}
	return out
}

func (b *batch) refs() []graph.Ref {
	out := make([]graph.Ref, len(b.nodes))
	for i, n := range b.nodes {
		out[i] = graph.Ref{Model: n.e.Model, Key: n.e.Key}
	}
	return out
}

func (n *node) ref() graph.Ref { return graph.Ref{Model: n.e.Model, Key: n.e.Key} }

// neighbours loads every member's relationships in one direction, once.
func (b *batch) neighbours(ctx context.Context, dir graph.Direction) (map[graph.Ref][]graph.Link, error) {
	return b.links[dir].get(func() (map[graph.Ref][]graph.Link, error) {
		if ls, past := pastNeighbours(ctx, b.refs(), dir); past {
			return ls, nil // under Query.model(revision) (history.go)
		}
		return scenarioNeighbours(ctx, b.store, b.refs(), dir)
	})
}

// child returns the batch of elements reached from b's members through one field, making it from
// every member's links on first use so that all members share it. With limit above 0 only each
// member's first limit links count, so a page of a hub's relationships loads the next level for
// the page alone.
func (b *batch) child(key string, all map[graph.Ref][]graph.Link, keep func(graph.Link) bool, limit int) *batch {
	b.mu.Lock()
	defer b.mu.Unlock()
	if c, ok := b.children[key]; ok {
		return c
	}
	var elems []graph.Element
	for _, n := range b.nodes {
		kept := 0
		for _, l := range all[n.ref()] {
			if limit > 0 && kept == limit {
				break
			}
			if keep(l) {
				elems = append(elems, l.Other)
				kept++
			}
		}
	}
	c := newBatch(b.store, elems)
	b.children[key] = c
	return c
}

// link is a relationship seen from one member of a batch.
type link struct {
	self  *node
	other *node
	dir   graph.Direction
	typ   graph.RelType
	props map[string]any
}

func (l *link) from() Element {
	if l.dir == graph.Outgoing {
		return wrap(l.self)
	}
	return wrap(l.other)
}

func (l *link) to() Element {
	if l.dir == graph.Outgoing {
		return wrap(l.other)
	}
	return wrap(l.self)
}

// linksOf returns n's relationships in one direction that keep accepts, with the other ends in a
// child batch shared by all of n's batch.
func (n *node) linksOf(ctx context.Context, dir graph.Direction, key string, keep func(graph.Link) bool) ([]*link, error) {
	ls, _, err := n.firstLinks(ctx, dir, key, keep, 0)
	return ls, err
}

// firstLinks is linksOf for at most limit relationships (0: all); it also counts all of them.
func (n *node) firstLinks(ctx context.Context, dir graph.Direction, key string, keep func(graph.Link) bool, limit int) ([]*link, int, error) {
	all, err := n.b.neighbours(ctx, dir)
	if err != nil {
		return nil, 0, err
	}
	c := n.b.child(fmt.Sprintf("%d:%s:%d", dir, key, limit), all, keep, limit)
	var out []*link
	total := 0
	for _, l := range all[n.ref()] {
		if !keep(l) {
			continue
		}
		total++
		if limit == 0 || len(out) < limit {
			out = append(out, &link{self: n, other: c.byRef[graph.Ref{Model: l.Other.Model, Key: l.Other.Key}], dir: dir, typ: l.Type, props: l.Properties})
		}
	}
	return out, total, nil
}

// A relationship field returns its first argument's number of relationships, from 1 to
// graph.MaxPageSize, or without first all of them up to listDefault and refuses more: so the cost
// model can count such a list as at most listDefault items (cost.go), whatever the element.
const listDefault = 100

// CodeListTooLong refuses a relationship list without first that is longer than listDefault.
const CodeListTooLong = "LIST_TOO_LONG"

// listLinks is firstLinks for a relationship field: first validated, the default bound enforced.
// what names the relationships in the error ("outgoing", "incoming PART_OF").
func (n *node) listLinks(ctx context.Context, dir graph.Direction, key, what string, keep func(graph.Link) bool, first *int) ([]*link, error) {
	limit := listDefault
	if first != nil {
		if *first < 1 || *first > graph.MaxPageSize {
			return nil, &graph.ValidationError{Problems: []graph.Problem{{Path: "arguments", Field: "first", Reason: fmt.Sprintf("must be between 1 and %d, got %d", graph.MaxPageSize, *first)}}}
		}
		limit = *first
	}
	ls, total, err := n.firstLinks(ctx, dir, key, keep, limit)
	if err != nil {
		return nil, err
	}
	if first == nil && total > listDefault {
		return nil, &gqlerror.Error{
			Message: fmt.Sprintf("element %q has %d %s relationships, more than the %d a relationship list returns without first; pass first (1 to %d) or narrow it by types",
				graph.Clip(n.e.Key), total, what, listDefault, graph.MaxPageSize),
			Extensions: map[string]any{"code": CodeListTooLong, "count": total, "max": listDefault},
		}
	}
	return ls, nil
}

func dirWord(dir graph.Direction) string {
	if dir == graph.Incoming {
		return "incoming"
	}
	return "outgoing"
}

// related returns the elements across relationships of one type (and, when kind is set, of one
// kind), as GraphQL objects of type T.
func related[T Element](ctx context.Context, n *node, dir graph.Direction, t graph.RelType, kind graph.Kind, first *int) ([]T, error) {
	what := dirWord(dir) + " " + string(t)
	if kind != "" {
		what += " " + string(kind)
	}
	ls, err := n.listLinks(ctx, dir, string(t)+":"+string(kind), what, func(l graph.Link) bool {
		return l.Type == t && (kind == "" || l.Other.Kind == kind)
	}, first)
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(ls))
	for _, l := range ls {
		out = append(out, wrap(l.other).(T))
	}
	return out, nil
}

// links returns the relationships of one type as link objects (Supply, Flow, Involvement).
func links[T any](ctx context.Context, n *node, dir graph.Direction, t graph.RelType, first *int, mk func(*link) *T) ([]*T, error) {
	ls, err := n.listLinks(ctx, dir, string(t), dirWord(dir)+" "+string(t), func(l graph.Link) bool { return l.Type == t }, first)
	if err != nil {
		return nil, err
	}
	out := make([]*T, len(ls))
	for i, l := range ls {
		out[i] = mk(l)
	}
	return out, nil
}

// relationships serves the generic outgoing/incoming fields.
func (n *node) relationships(ctx context.Context, dir graph.Direction, types []graph.RelType, first *int) ([]*Relationship, error) {
	key := "rel:" + relKey(types)
	what := dirWord(dir)
	if len(types) > 0 {
		what += " " + relKey(types)
	}
	ls, err := n.listLinks(ctx, dir, key, what, func(l graph.Link) bool { return len(types) == 0 || slices.Contains(types, l.Type) }, first)
	if err != nil {
		return nil, err
	}
	out := make([]*Relationship, len(ls))
	for i, l := range ls {
		out[i] = &Relationship{l: l}
	}
	return out, nil
}

func relKey(types []graph.RelType) string {
	s := make([]string, len(types))
	for i, t := range types {
		s[i] = string(t)
	}
	slices.Sort(s)
	return strings.Join(s, "|")
}

// supporterSet is the supporters of every member of a batch, with the elements found wrapped in
// one batch.
type supporterSet struct {
	byRoot map[graph.Ref][]*Supporter
}

func (n *node) supporters(ctx context.Context, kinds []graph.Kind, maxDepth *int) ([]*Supporter, error) {
	b := n.b
	// Paths are computed only when selected; an alias that selects them gets its own load.
	paths := selects(ctx, "path")
	key := fmt.Sprint(kinds, depthKey(maxDepth), paths)
	l := lazyFor(&b.mu, b.sups, key)
	set, err := l.get(func() (supporterSet, error) {
		res, snap, err := snapBatchSupporters(ctx, b.store, b.refs(), kinds, maxDepth, paths)
		if !snap {
			res, err = b.store.Supporters(ctx, b.refs(), kinds, maxDepth)
		}
		if err != nil {
			return supporterSet{}, err
		}
		found := newBatch(b.store, nil)
		set := supporterSet{byRoot: map[graph.Ref][]*Supporter{}}
		for _, ref := range b.refs() {
			set.byRoot[ref] = supportersOf(found, res[ref])
		}
		return set, nil
	})
	if err != nil {
		return nil, err
	}
	return nonNil(set.byRoot[n.ref()]), nil
}

func depthKey(d *int) string {
	if d == nil {
		return "default"
	}
	return fmt.Sprint(*d)
}

func supportersOf(b *batch, rs []graph.Reached) []*Supporter {
	out := make([]*Supporter, len(rs))
	for i, r := range rs {
		out[i] = &Supporter{Element: wrap(b.add(r.Element)), Distance: r.Distance, Path: steps(b, r.Path)}
	}
	return out
}

func steps(b *batch, ss []graph.Step) []*Step {
	out := make([]*Step, len(ss))
	for i, s := range ss {
		out[i] = &Step{From: wrap(b.add(s.From)), Type: s.Type, To: wrap(b.add(s.To)), Properties: jsonMap(s.Properties)}
	}
	return out
}

// history loads the newest changes of every member of the batch at once.
func (n *node) history(ctx context.Context, first *int) ([]*Change, error) {
	b := n.b
	limit := 20
	if first != nil {
		limit = *first
	}
	key := fmt.Sprint("history:", limit)
	l := lazyFor(&b.mu, b.hist, key)
	all, err := l.get(func() (map[graph.Ref][]graph.Change, error) {
		return b.store.ElementHistory(ctx, b.refs(), limit)
	})
	if err != nil {
		return nil, err
	}
	return changes(all[n.ref()]), nil
}

// supporterCount counts supporters for every member of the batch at once.
func (n *node) supporterCount(ctx context.Context, kinds []graph.Kind, maxDepth *int) (int, error) {
	b := n.b
	key := fmt.Sprint(kinds, depthKey(maxDepth))
	l := lazyFor(&b.mu, b.counts, key)
	all, err := l.get(func() (map[graph.Ref]int, error) {
		if counts, snap, err := snapBatchCounts(ctx, b.store, b.refs(), kinds, maxDepth); snap {
			return counts, err
		}
		return b.store.SupporterCounts(ctx, b.refs(), kinds, maxDepth)
	})
	if err != nil {
		return 0, err
	}
	return all[n.ref()], nil
}
