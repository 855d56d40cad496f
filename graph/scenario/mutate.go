package scenario

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/engine"
)

// maxAttempts bounds how often a write is prepared again when another write to the scenario
// came first.
const maxAttempts = 4

// edit prepares a write from the scenario's current view and stores it, preparing it again when
// another write came in between. prepare returns the items to store and the result.
func edit[T any](ctx context.Context, s *Service, key string, prepare func(v *View, w *writer) (T, error)) (T, error) {
	var zero T
	for range maxAttempts {
		v, err := s.Open(ctx, key)
		if err != nil {
			return zero, err
		}
		w := &writer{v: v, items: map[ItemKey]graph.ScenarioItem{}}
		out, err := prepare(v, w)
		if err != nil {
			return zero, err
		}
		list := make([]graph.ScenarioItem, 0, len(w.items))
		for _, it := range w.items {
			list = append(list, it)
		}
		_, err = s.Store.WriteScenarioItems(ctx, key, v.Scenario.Revision, list)
		if errors.Is(err, graph.ErrScenarioMoved) {
			continue
		}
		return out, err
	}
	return zero, fmt.Errorf("scenario %q kept changing while this write was prepared; try again: %w", key, graph.ErrConflict)
}

// writer collects the items one write changes.
type writer struct {
	v     *View
	items map[ItemKey]graph.ScenarioItem
}

// baseState is an item's state in the base at the base revision (nil: not there).
func (w *writer) baseState(target, key string) map[string]any {
	if it, ok := w.v.Items[ItemKey{target, key}]; ok {
		return it.Base
	}
	b := w.v.Base
	if target == graph.TargetElement {
		if id, ok := b.ID(key); ok {
			e := b.Element(id)
			return graph.ElementState(&e)
		}
		return nil
	}
	for _, r := range relsOf(b, key) {
		return graph.RelationshipState(&r)
	}
	return nil
}

// relsOf returns the relationship with id "from -TYPE-> to" in m, if any.
func relsOf(m *engine.Model, id string) []graph.Relationship {
	f := strings.Fields(id) // keys hold no spaces: from, -TYPE->, to
	if len(f) != 3 || !strings.HasPrefix(f[1], "-") || !strings.HasSuffix(f[1], "->") {
		return nil
	}
	t := graph.RelType(strings.TrimSuffix(strings.TrimPrefix(f[1], "-"), "->"))
	a, okA := m.ID(f[0])
	b, okB := m.ID(f[2])
	if !okA || !okB {
		return nil
	}
	r, ok := m.FindRel(a, t, b)
	if !ok {
		return nil
	}
	return []graph.Relationship{m.Relationship(r)}
}

func (w *writer) element(key string, state *graph.Element) {
	w.items[ItemKey{graph.TargetElement, key}] = graph.ScenarioItem{Target: graph.TargetElement, Key: key,
		State: graph.ElementState(state), Base: w.baseState(graph.TargetElement, key)}
}

func (w *writer) relationship(id string, state *graph.Relationship) {
	w.items[ItemKey{graph.TargetRelationship, id}] = graph.ScenarioItem{Target: graph.TargetRelationship, Key: id,
		State: graph.RelationshipState(state), Base: w.baseState(graph.TargetRelationship, id)}
}

// current returns an element of the scenario as it is now.
func current(v *View, key string) (graph.Element, bool) {
	id, ok := v.Model.ID(key)
	if !ok {
		return graph.Element{}, false
	}
	return v.Model.Element(id), true
}

// UpsertElements creates or replaces elements of a scenario by key, with the checks of
// graph.Store.UpsertElements: every element valid, no key twice, a kind change must keep the
// element's relationships allowed. It returns the elements in input order.
func (s *Service) UpsertElements(ctx context.Context, key string, elems []graph.Element) ([]graph.Element, error) {
	var ps []graph.Problem
	if s.Limits.MaxElements > 0 && len(elems) > s.Limits.MaxElements {
		ps = append(ps, graph.Problem{Path: "elements", Reason: fmt.Sprintf("has %d elements; the limit per request is %d", len(elems), s.Limits.MaxElements)})
	}
	seen := map[string]int{}
	for i := range elems {
		path := fmt.Sprintf("elements[%d]", i)
		for _, p := range graph.ValidateElement(&elems[i]) {
			p.Path = path
			ps = append(ps, p)
		}
		if j, dup := seen[elems[i].Key]; dup && elems[i].Key != "" {
			ps = append(ps, graph.Problem{Path: path, Key: elems[i].Key, Field: "key", Reason: fmt.Sprintf("duplicate key: elements[%d] already uses %q", j, elems[i].Key)})
		}
		seen[elems[i].Key] = i
	}
	if len(ps) > 0 {
		return nil, &graph.ValidationError{Problems: ps}
	}
	return edit(ctx, s, key, func(v *View, w *writer) ([]graph.Element, error) {
		if err := checkKinds(v.Model, elems); err != nil {
			return nil, err
		}
		out := make([]graph.Element, len(elems))
		for i, e := range elems {
			e.Model = key
			o, exists := current(v, e.Key)
			switch {
			case !exists:
				e.Version = 1
			case graph.SameElement(&o, &e):
				out[i] = o
				continue
			default:
				e.Version = o.Version + 1
			}
			w.element(e.Key, &e)
			out[i] = e
		}
		return out, nil
	})
}

// checkKinds refuses a kind change that would leave a relationship of the scenario disallowed.
func checkKinds(m *engine.Model, elems []graph.Element) error {
	newKind := map[string]graph.Kind{}
	for _, e := range elems {
		newKind[e.Key] = e.Kind
	}
	kindOf := func(id engine.NodeID) graph.Kind {
		if k, ok := newKind[m.Key(id)]; ok {
			return k
		}
		return m.Kind(id)
	}
	var ps []graph.Problem
	for _, e := range elems {
		id, ok := m.ID(e.Key)
		if !ok || m.Kind(id) == e.Kind {
			continue
		}
		check := func(from engine.NodeID, t graph.RelType, to engine.NodeID) {
			if !graph.Allowed(t, kindOf(from), kindOf(to)) {
				r := graph.Relationship{From: m.Key(from), Type: t, To: m.Key(to)}
				ps = append(ps, graph.Problem{Path: "elements", Key: r.ID(), Field: "kind", Reason: fmt.Sprintf("the kind change would make this existing relationship invalid: %s may not go from %s to %s; unlink it first", t, kindOf(from), kindOf(to))})
			}
		}
		for _, l := range m.Out(id) {
			check(id, l.Type, l.Other)
		}
		for _, l := range m.In(id) {
			check(l.Other, l.Type, id)
		}
	}
	if len(ps) > 0 {
		return &graph.ValidationError{Problems: ps}
	}
	return nil
}

// UpdateElement applies a patch to one element of a scenario, as graph.Store.UpdateElement does.
func (s *Service) UpdateElement(ctx context.Context, key, elem string, patch graph.ElementPatch, expectedVersion *int64) (graph.Element, error) {
	return edit(ctx, s, key, func(v *View, w *writer) (graph.Element, error) {
		o, ok := current(v, elem)
		if !ok {
			return graph.Element{}, fmt.Errorf("element %q in scenario %q: %w", elem, key, graph.ErrNotFound)
		}
		if err := graph.CheckVersion(o, expectedVersion); err != nil {
			return graph.Element{}, err
		}
		e := graph.PatchElement(o, patch)
		if ps := graph.ValidateElement(&e); len(ps) > 0 {
			return graph.Element{}, &graph.ValidationError{Problems: ps}
		}
		if graph.SameElement(&o, &e) {
			return o, nil
		}
		e.Version = o.Version + 1
		w.element(elem, &e)
		return e, nil
	})
}

// DeleteElement removes an element from a scenario: refused (CONFLICT) while it has
// relationships unless detach is set. It returns the number of relationships removed.
func (s *Service) DeleteElement(ctx context.Context, key, elem string, detach bool, expectedVersion *int64) (int, error) {
	return edit(ctx, s, key, func(v *View, w *writer) (int, error) {
		o, ok := current(v, elem)
		if !ok {
			return 0, fmt.Errorf("element %q in scenario %q: %w", elem, key, graph.ErrNotFound)
		}
		if err := graph.CheckVersion(o, expectedVersion); err != nil {
			return 0, err
		}
		m := v.Model
		id, _ := m.ID(elem)
		var rels []graph.Relationship
		for _, l := range m.Out(id) {
			rels = append(rels, m.Relationship(l.Rel))
		}
		for _, l := range m.In(id) {
			if l.Other != id {
				rels = append(rels, m.Relationship(l.Rel))
			}
		}
		if len(rels) > 0 && !detach {
			return 0, fmt.Errorf("element %q has %d relationships; unlink them or pass detach: true: %w", elem, len(rels), graph.ErrConflict)
		}
		for _, r := range rels {
			w.relationship(r.ID(), nil)
		}
		w.element(elem, nil)
		return len(rels), nil
	})
}

// Link creates a relationship in a scenario, or sets the properties of the one there, with the
// checks of graph.Store.Link. It returns the two elements it joins.
func (s *Service) Link(ctx context.Context, key string, r graph.Relationship) (from, to graph.Element, err error) {
	pair, err := edit(ctx, s, key, func(v *View, w *writer) ([2]graph.Element, error) {
		kindOf := func(k string) (graph.Kind, bool) {
			e, ok := current(v, k)
			return e.Kind, ok
		}
		if err := graph.CheckLink(&r, key, kindOf); err != nil {
			return [2]graph.Element{}, err
		}
		a, _ := current(v, r.From)
		b, _ := current(v, r.To)
		if old := relsOf(v.Model, r.ID()); len(old) > 0 && graph.SameState(graph.RelationshipState(&old[0]), graph.RelationshipState(&r)) {
			return [2]graph.Element{a, b}, nil
		}
		w.relationship(r.ID(), &r)
		return [2]graph.Element{a, b}, nil
	})
	return pair[0], pair[1], err
}

// Unlink removes a relationship from a scenario; ErrNotFound when there is none.
func (s *Service) Unlink(ctx context.Context, key string, r graph.Relationship) error {
	if _, ok := graph.LookupRel(string(r.Type)); !ok {
		return fmt.Errorf("relationship %s: unknown relationship type %q: %w", r.ID(), r.Type, graph.ErrInvalid)
	}
	_, err := edit(ctx, s, key, func(v *View, w *writer) (bool, error) {
		if len(relsOf(v.Model, r.ID())) == 0 {
			return false, fmt.Errorf("relationship %s in scenario %q: %w", r.ID(), key, graph.ErrNotFound)
		}
		w.relationship(r.ID(), nil)
		return true, nil
	})
	return err
}
