package engine

import (
	"fmt"

	"github.com/modelgraph/modelgraph/graph"
)

// EditOp says what an Edit does.
type EditOp int

// Edit operations.
const (
	// UpsertElement creates Element, or replaces the element with its key.
	UpsertElement EditOp = iota
	// DeleteElement removes the element with Element.Key and its relationships.
	DeleteElement
	// UpsertRelationship creates Relationship, or replaces the properties of the one with its
	// (from, type, to).
	UpsertRelationship
	// DeleteRelationship removes the relationship with Relationship's (from, type, to).
	DeleteRelationship
	// SetModel replaces the model's name and description with Model's.
	SetModel
)

// Edit is one change to apply to a Model, as the store's change log records it.
type Edit struct {
	Op           EditOp
	Element      graph.Element
	Relationship graph.Relationship
	Model        graph.Model
}

// Apply returns a new Model: m with the edits applied in order, at the given revision. m is not
// changed. The new Model shares with m every page of elements and relationships the edits do not
// touch; when no element or relationship is added or removed it shares the adjacency too, so an
// edit of names or properties costs what it touches. An edit that cannot apply (deleting what is
// not there, a relationship whose end is missing) fails the whole batch with an error matching
// graph.ErrNotFound or graph.ErrInvalid: the caller should then rebuild from the store.
func (m *Model) Apply(edits []Edit, revision int64) (*Model, error) {
	a := &applier{
		old: m, info: m.info, elems: newCow(m.elems), rels: newCow(m.rels), relProps: newCow(m.relProps), keys: m.keys,
		added: map[relTriple]RelID{}, deadNode: map[NodeID]bool{}, deadRel: map[RelID]bool{},
		b: Builder{strs: map[string]string{}},
	}
	for i, e := range edits {
		if err := a.apply(e); err != nil {
			return nil, fmt.Errorf("edit %d: %w", i, err)
		}
	}
	return a.finish(revision)
}

type relTriple struct {
	from, to NodeID
	typ      uint8
}

type applier struct {
	old         *Model
	info        graph.Model
	elems       *cow[elem]
	rels        *cow[rel]
	relProps    *cow[[]Prop]
	keys        map[string]NodeID
	keysCloned  bool
	b           Builder // for its interning of property values
	added       map[relTriple]RelID
	deadNode    map[NodeID]bool
	deadRel     map[RelID]bool
	structural  bool
	kindChanged bool
}

func (a *applier) apply(e Edit) error {
	switch e.Op {
	case UpsertElement:
		return a.upsertElement(e.Element)
	case DeleteElement:
		return a.deleteElement(e.Element.Key)
	case UpsertRelationship:
		return a.upsertRel(e.Relationship)
	case DeleteRelationship:
		return a.deleteRel(e.Relationship)
	case SetModel:
		a.info.Name, a.info.Description = e.Model.Name, e.Model.Description
		return nil
	}
	return fmt.Errorf("unknown edit operation %d: %w", e.Op, graph.ErrInvalid)
}

func (a *applier) writableKeys() map[string]NodeID {
	if !a.keysCloned {
		a.keys, a.keysCloned = cloneKeys(a.keys), true
	}
	return a.keys
}

func (a *applier) upsertElement(e graph.Element) error {
	k, ok := kindIndex[e.Kind]
	if !ok {
		return fmt.Errorf("element %q: unknown kind %q: %w", e.Key, e.Kind, graph.ErrInvalid)
	}
	rec := a.b.elem(e, k)
	if id, ok := a.keys[e.Key]; ok {
		if a.elems.at(int(id)).kind != k {
			a.kindChanged = true
		}
		a.elems.set(int(id), rec)
		return nil
	}
	a.structural = true
	a.writableKeys()[e.Key] = NodeID(a.elems.n)
	a.elems.push(rec)
	return nil
}

func (a *applier) deleteElement(key string) error {
	id, ok := a.keys[key]
	if !ok {
		return fmt.Errorf("delete element %q: %w", key, graph.ErrNotFound)
	}
	a.structural = true
	delete(a.writableKeys(), key)
	a.deadNode[id] = true
	return nil
}

// find returns the live relationship (from, t, to), looking among those added by this batch and
// those of the old model.
func (a *applier) find(t relTriple) (RelID, bool) {
	if id, ok := a.added[t]; ok && !a.deadRel[id] {
		return id, true
	}
	if int(t.from) < a.old.Len() && int(t.to) < a.old.Len() {
		if id, ok := a.old.FindRel(t.from, relTypes[t.typ], t.to); ok && !a.deadRel[id] {
			return id, true
		}
	}
	return None, false
}

func (a *applier) triple(r graph.Relationship) (relTriple, error) {
	t, ok := relIndex[r.Type]
	if !ok {
		return relTriple{}, fmt.Errorf("relationship %s: unknown type %q: %w", r.ID(), r.Type, graph.ErrInvalid)
	}
	from, okf := a.keys[r.From]
	to, okt := a.keys[r.To]
	if !okf || !okt {
		return relTriple{}, fmt.Errorf("relationship %s: an end is not in the model: %w", r.ID(), graph.ErrNotFound)
	}
	return relTriple{from: from, to: to, typ: t}, nil
}

func (a *applier) upsertRel(r graph.Relationship) error {
	t, err := a.triple(r)
	if err != nil {
		return err
	}
	rec := rel{from: t.from, to: t.to, typ: t.typ, props: a.b.relPropsIndex(r.Properties, a.relProps, func() int { return a.relProps.n })}
	if id, ok := a.find(t); ok {
		a.rels.set(int(id), rec)
		return nil
	}
	a.structural = true
	a.added[t] = RelID(a.rels.n)
	a.rels.push(rec)
	return nil
}

func (a *applier) deleteRel(r graph.Relationship) error {
	t, err := a.triple(r)
	if err != nil {
		return err
	}
	id, ok := a.find(t)
	if !ok {
		return fmt.Errorf("delete relationship %s: %w", r.ID(), graph.ErrNotFound)
	}
	a.structural = true
	a.deadRel[id] = true
	return nil
}

func (a *applier) finish(revision int64) (*Model, error) {
	m := &Model{info: a.info, revision: revision, elems: a.elems.pages, rels: a.rels.pages, relProps: a.relProps.pages, keys: a.keys}
	if !a.structural {
		// Same elements and relationships, same ids: the adjacency and its buffers carry over,
		// and so does the result order unless a kind changed.
		m.out, m.in, m.work, m.msbfs = a.old.out, a.old.in, a.old.work, a.old.msbfs
		m.kinds, m.order = a.old.kinds, a.old.order
		if a.kindChanged {
			m.kinds = make([]uint8, m.elems.n)
			for i := range m.kinds {
				m.kinds[i] = m.elems.at(i).kind
			}
			m.order = &order{}
		}
		return m, nil
	}
	if len(a.deadNode) > 0 || len(a.deadRel) > 0 {
		a.compact(m)
	}
	if err := m.index(); err != nil {
		return nil, err
	}
	return m, nil
}

// compact drops deleted elements and relationships (and the relationships of deleted elements),
// renumbering what is left.
func (a *applier) compact(m *Model) {
	newID := make([]NodeID, m.elems.n)
	var elems pages[elem]
	keys := make(map[string]NodeID, len(a.keys))
	for i := range m.elems.n {
		if a.deadNode[NodeID(i)] {
			newID[i] = None
			continue
		}
		newID[i] = NodeID(elems.n)
		e := m.elems.at(i)
		keys[e.key] = newID[i]
		elems.push(*e)
	}
	var rels pages[rel]
	var table pages[[]Prop]
	table.push(nil)
	newProps := map[int32]int32{0: 0}
	for i := range m.rels.n {
		r := *m.rels.at(i)
		if a.deadRel[RelID(i)] || newID[r.from] == None || newID[r.to] == None {
			continue
		}
		r.from, r.to = newID[r.from], newID[r.to]
		p, ok := newProps[r.props]
		if !ok {
			p = int32(table.n)
			table.push(*m.relProps.at(int(r.props)))
			newProps[r.props] = p
		}
		r.props = p
		rels.push(r)
	}
	m.elems, m.rels, m.relProps, m.keys = elems, rels, table, keys
}
