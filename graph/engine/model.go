package engine

import (
	"slices"
	"strings"
	"sync"

	"github.com/modelgraph/modelgraph/graph"
)

// NodeID numbers an element inside one Model. It is valid only for the Model that handed it out:
// a Model derived with Apply may number the same element differently.
type NodeID int32

// RelID numbers a relationship inside one Model, like NodeID.
type RelID int32

// None is the NodeID or RelID of nothing.
const None = -1

// Prop is one free property: a name and a string, int64, float64 or bool value.
type Prop struct {
	Name  string
	Value any
}

// elem is an element as the model keeps it: kind as a small number, properties sorted by name.
type elem struct {
	key, name, description string
	tags                   []string
	props                  []Prop
	version                int64
	kind                   uint8
}

// rel is a relationship: its ends, its type as a small number and its properties as an index
// into the model's table of property lists (0: none). Most relationships have no properties or
// share a list, so the table keeps each record at 16 bytes.
type rel struct {
	from, to NodeID
	props    int32
	typ      uint8
}

// adjacency is one direction of the graph in compressed sparse row form: the edges of node v are
// the positions off[v] to off[v+1] of the other arrays, sorted by (type, other end). Propagating
// types come first in type order, so the propagating edges of v end at prop[v].
type adjacency struct {
	off   []int32
	prop  []int32
	other []NodeID
	typ   []uint8
	rel   []RelID
}

// Model is one model held in memory: its elements, its relationships and the adjacency in both
// directions. A Model is immutable once built; every method is safe for concurrent use.
type Model struct {
	info     graph.Model
	revision int64
	elems    pages[elem]
	rels     pages[rel]
	relProps pages[[]Prop]
	keys     map[string]NodeID
	kinds    []uint8 // the kind of every element, dense for the searches
	order    *order
	out, in  adjacency
	pos      *positions
	work     *sync.Pool // *work buffers for traversals, sized for this model
	msbfs    *sync.Pool // *msWork buffers for SupporterCounts
	counts   countCache
}

// Info returns the model's key, name and description.
func (m *Model) Info() graph.Model { return m.info }

// Revision returns the revision of the store the model was read at (0 for a parsed file).
func (m *Model) Revision() int64 { return m.revision }

// Len returns the number of elements.
func (m *Model) Len() int { return m.elems.n }

// RelLen returns the number of relationships.
func (m *Model) RelLen() int { return m.rels.n }

// ID returns the id of the element with the given key.
func (m *Model) ID(key string) (NodeID, bool) {
	id, ok := m.keys[key]
	return id, ok
}

// Key returns the key of an element.
func (m *Model) Key(id NodeID) string { return m.elems.at(int(id)).key }

// Kind returns the kind of an element.
func (m *Model) Kind(id NodeID) graph.Kind { return kinds[m.kinds[id]] }

// Element returns an element as a graph.Element (a copy: changing it does not change the model).
func (m *Model) Element(id NodeID) graph.Element {
	e := m.elems.at(int(id))
	out := graph.Element{
		Key: e.key, Kind: kinds[e.kind], Name: e.name, Description: e.description,
		Tags: slices.Clone(e.tags), Model: m.info.Key, Version: e.version,
	}
	if len(e.props) > 0 {
		out.Properties = make(map[string]any, len(e.props))
		for _, p := range e.props {
			out.Properties[p.Name] = p.Value
		}
	}
	return out
}

// Relationship returns a relationship as a graph.Relationship (a copy).
func (m *Model) Relationship(id RelID) graph.Relationship {
	r := m.rels.at(int(id))
	return graph.Relationship{From: m.Key(r.from), Type: relTypes[r.typ], To: m.Key(r.to), Properties: propMap(m.propsOf(r))}
}

func (m *Model) propsOf(r *rel) []Prop { return *m.relProps.at(int(r.props)) }

// Ends returns the source, type and target of a relationship.
func (m *Model) Ends(id RelID) (from NodeID, t graph.RelType, to NodeID) {
	r := m.rels.at(int(id))
	return r.from, relTypes[r.typ], r.to
}

// FindRel returns the relationship (from, t, to), if the model holds it.
func (m *Model) FindRel(from NodeID, t graph.RelType, to NodeID) (RelID, bool) {
	ti, ok := relIndex[t]
	if !ok || from < 0 || int(from) >= m.Len() {
		return None, false
	}
	a := &m.out
	lo, hi := int(a.off[from]), int(a.off[from+1])
	i, found := slices.BinarySearchFunc(a.typ[lo:hi], ti, func(x, y uint8) int { return int(x) - int(y) })
	if !found {
		return None, false
	}
	for j := lo + i; j < hi && a.typ[j] == ti; j++ {
		if a.other[j] == to {
			return a.rel[j], true
		}
	}
	return None, false
}

// Link is a relationship seen from one end: the relationship, its type and the other end.
type Link struct {
	Rel   RelID
	Type  graph.RelType
	Other NodeID
}

// Out returns the relationships leaving an element, ordered by type (propagating types first,
// each group in table order) then target id.
func (m *Model) Out(id NodeID) []Link { return m.out.links(id) }

// In returns the relationships arriving at an element, ordered by type then source id.
func (m *Model) In(id NodeID) []Link { return m.in.links(id) }

func (a *adjacency) links(id NodeID) []Link {
	lo, hi := a.off[id], a.off[id+1]
	out := make([]Link, 0, hi-lo)
	for j := lo; j < hi; j++ {
		out = append(out, Link{Rel: a.rel[j], Type: relTypes[a.typ[j]], Other: a.other[j]})
	}
	return out
}

// Elements returns every element id ordered by key (a new slice each call; the order is computed
// once per Model).
func (m *Model) Elements() []NodeID {
	o := m.order
	o.keyOnce.Do(func() {
		o.byKey = make([]NodeID, m.Len())
		for i := range o.byKey {
			o.byKey[i] = NodeID(i)
		}
		slices.SortFunc(o.byKey, func(a, b NodeID) int { return strings.Compare(m.Key(a), m.Key(b)) })
	})
	return slices.Clone(o.byKey)
}

// File returns the model as a model file, elements ordered by key and relationships by (from,
// type, to), as the store exports it.
func (m *Model) File() *graph.File {
	f := &graph.File{Model: m.info, Elements: make([]graph.Element, 0, m.Len()), Relationships: make([]graph.Relationship, 0, m.RelLen())}
	for _, id := range m.Elements() {
		e := m.Element(id)
		e.Model, e.Version = "", 0
		f.Elements = append(f.Elements, e)
	}
	for i := range m.rels.n {
		f.Relationships = append(f.Relationships, m.Relationship(RelID(i)))
	}
	slices.SortFunc(f.Relationships, func(a, b graph.Relationship) int {
		return cmpRel(a.From, string(a.Type), a.To, b.From, string(b.Type), b.To)
	})
	return f
}

func cmpRel(af, at, ato, bf, bt, bto string) int {
	if c := strings.Compare(af, bf); c != 0 {
		return c
	}
	if c := strings.Compare(at, bt); c != 0 {
		return c
	}
	return strings.Compare(ato, bto)
}

func propMap(ps []Prop) map[string]any {
	if len(ps) == 0 {
		return nil
	}
	m := make(map[string]any, len(ps))
	for _, p := range ps {
		m[p.Name] = p.Value
	}
	return m
}

// The metamodel's kinds as small numbers in table order, and its relationship types with the
// propagating ones first.
var (
	kinds     = graph.Kinds()
	relTypes  = append(graph.PropagatingTypes(), graph.AttachedTypes()...)
	kindIndex = map[graph.Kind]uint8{}
	relIndex  = map[graph.RelType]uint8{}
	// kindRank orders kinds by name, as results are ordered.
	kindRank []int
	// propagating has bit t set for every propagating type t.
	propagating uint32
	partOf      = mustRel(graph.PartOf)
	watchers    = uint32(1)<<mustRel(graph.InvolvedIn) | uint32(1)<<mustRel(graph.Measures)
)

func init() {
	for i, k := range kinds {
		kindIndex[k] = uint8(i)
	}
	for i, t := range relTypes {
		relIndex[t] = uint8(i)
	}
	for _, t := range graph.PropagatingTypes() {
		propagating |= 1 << relIndex[t]
	}
	sorted := slices.Clone(kinds)
	slices.Sort(sorted)
	kindRank = make([]int, len(kinds))
	for r, k := range sorted {
		kindRank[kindIndex[k]] = r
	}
}

func mustRel(t graph.RelType) uint8 {
	for i, x := range append(graph.PropagatingTypes(), graph.AttachedTypes()...) {
		if x == t {
			return uint8(i)
		}
	}
	panic("engine: relationship type " + string(t) + " is not in the metamodel")
}

// fileByID returns the model as a model file in id order, so that elements[i] is element i.
func (m *Model) fileByID() *graph.File {
	f := &graph.File{Model: m.info, Elements: make([]graph.Element, m.Len()), Relationships: make([]graph.Relationship, m.RelLen())}
	for i := range f.Elements {
		f.Elements[i] = m.Element(NodeID(i))
		f.Elements[i].Model, f.Elements[i].Version = "", 0
	}
	for i := range f.Relationships {
		f.Relationships[i] = m.Relationship(RelID(i))
	}
	return f
}

// Validate checks the model against the metamodel and the limits with the rules model files are
// checked by (graph.Validate), and places each problem in the file the model was parsed from,
// when it was.
func Validate(m *Model, lim graph.Limits) []Problem {
	return m.pos.problems(graph.Validate(m.fileByID(), lim))
}

// order is the position of every element in (kind name, key) order, the order of results;
// computed on first use and shared by Models with the same elements and kinds.
type order struct {
	once    sync.Once
	rank    []int32
	keyOnce sync.Once
	byKey   []NodeID
}

func (m *Model) rank() []int32 {
	o := m.order
	o.once.Do(func() {
		ids := make([]NodeID, m.Len())
		for i := range ids {
			ids[i] = NodeID(i)
		}
		slices.SortFunc(ids, func(a, b NodeID) int {
			if ka, kb := m.kinds[a], m.kinds[b]; ka != kb {
				return kindRank[ka] - kindRank[kb]
			}
			return strings.Compare(m.elems.at(int(a)).key, m.elems.at(int(b)).key)
		})
		o.rank = make([]int32, len(ids))
		for r, id := range ids {
			o.rank[id] = int32(r)
		}
	})
	return o.rank
}
