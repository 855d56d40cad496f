package engine

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/modelgraph/modelgraph/graph"
)

// Builder collects elements and relationships and builds a Model. Add every element before the
// relationships that use it (a streaming read sends the elements first). A Builder is not safe
// for concurrent use, and is spent by Build.
type Builder struct {
	info     graph.Model
	revision int64
	elems    pages[elem]
	rels     pages[rel]
	relProps pages[[]Prop] // entry 0 is the empty list
	keys     map[string]NodeID
	strs     map[string]string // interned property names and tags
	single   map[Prop]int32    // shared one-property lists of relationships
	lastFrom string            // streams group relationships by source: skip a lookup
	lastID   NodeID
}

// NewBuilder starts a model. sizeHint is the expected number of elements (0 if unknown).
func NewBuilder(info graph.Model, sizeHint int) *Builder {
	b := &Builder{info: info, keys: make(map[string]NodeID, sizeHint), strs: map[string]string{}}
	b.relProps.push(nil)
	return b
}

// SetRevision records the store revision the model is read at.
func (b *Builder) SetRevision(r int64) { b.revision = r }

// AddElement adds one element. Its key must be new and its kind known; the values of its
// properties must be strings, int64, float64 or bool (what validation and the store produce).
func (b *Builder) AddElement(e graph.Element) error {
	k, ok := kindIndex[e.Kind]
	if !ok {
		return fmt.Errorf("element %q: unknown kind %q: %w", e.Key, e.Kind, graph.ErrInvalid)
	}
	if _, dup := b.keys[e.Key]; dup {
		return fmt.Errorf("element %q: duplicate key: %w", e.Key, graph.ErrInvalid)
	}
	if b.elems.n == maxNodes {
		return fmt.Errorf("element %q: a model holds at most %d elements in memory: %w", e.Key, maxNodes, graph.ErrInvalid)
	}
	b.keys[e.Key] = NodeID(b.elems.n)
	b.elems.push(b.elem(e, k))
	return nil
}

// maxNodes keeps ids and edge offsets within int32.
const maxNodes = 1<<31 - 2

func (b *Builder) elem(e graph.Element, k uint8) elem {
	var tags []string
	if len(e.Tags) > 0 {
		tags = make([]string, len(e.Tags))
		for i, t := range e.Tags {
			tags[i] = b.intern(t)
		}
	}
	return elem{key: e.Key, name: e.Name, description: e.Description, tags: tags, props: b.props(e.Properties), version: e.Version, kind: k}
}

func (b *Builder) props(m map[string]any) []Prop {
	if len(m) == 0 {
		return nil
	}
	ps := make([]Prop, 0, len(m))
	for name, v := range m {
		ps = append(ps, Prop{Name: b.intern(name), Value: v})
	}
	slices.SortFunc(ps, func(a, b Prop) int { return strings.Compare(a.Name, b.Name) })
	return ps
}

// intern shares the text of repeated strings (property names, tags) across elements.
func (b *Builder) intern(s string) string {
	if v, ok := b.strs[s]; ok {
		return v
	}
	if len(b.strs) < 1<<16 {
		b.strs[s] = s
	}
	return s
}

// AddRelationship adds one relationship between elements already added. The type must be known;
// a repeated (from, type, to) is reported by Build.
func (b *Builder) AddRelationship(r graph.Relationship) error {
	t, ok := relIndex[r.Type]
	if !ok {
		return fmt.Errorf("relationship %s: unknown type %q: %w", r.ID(), r.Type, graph.ErrInvalid)
	}
	from, ok := b.lastID, r.From == b.lastFrom && b.lastFrom != ""
	if !ok {
		if from, ok = b.keys[r.From]; !ok {
			return fmt.Errorf("relationship %s: no element %q: %w", r.ID(), r.From, graph.ErrInvalid)
		}
		b.lastFrom, b.lastID = r.From, from
	}
	to, ok := b.keys[r.To]
	if !ok {
		return fmt.Errorf("relationship %s: no element %q: %w", r.ID(), r.To, graph.ErrInvalid)
	}
	b.rels.push(rel{from: from, to: to, typ: t, props: b.relPropsIndex(r.Properties, &b.relProps, func() int { return b.relProps.n })})
	return nil
}

// relPropsIndex adds a relationship's properties to the table and returns their index. Lists of
// one scalar property are shared: most relationship properties are one enumerated value
// ({kind: MATERIAL}, {raci: A}) repeated across the model.
func (b *Builder) relPropsIndex(m map[string]any, table interface{ push([]Prop) }, n func() int) int32 {
	if len(m) == 0 {
		return 0
	}
	var key Prop
	shared := false
	if len(m) == 1 {
		for name, v := range m {
			switch v.(type) {
			case string, bool, int64, float64:
				key, shared = Prop{Name: name, Value: v}, true
			}
		}
	}
	if i, ok := b.single[key]; shared && ok {
		return i
	}
	i := int32(n())
	table.push(b.props(m))
	if shared {
		if b.single == nil {
			b.single = map[Prop]int32{}
		}
		if len(b.single) < 1<<16 {
			b.single[key] = i
		}
	}
	return i
}

// Build makes the Model. It fails when two relationships share (from, type, to).
func (b *Builder) Build() (*Model, error) {
	m := &Model{info: b.info, revision: b.revision, elems: b.elems, rels: b.rels, relProps: b.relProps, keys: b.keys}
	if err := m.index(); err != nil {
		return nil, err
	}
	*b = Builder{}
	return m, nil
}

// index builds the adjacency and the traversal buffers of m from its elements and relationships.
func (m *Model) index() error {
	n := m.elems.n
	m.kinds = make([]uint8, n)
	for i := range n {
		m.kinds[i] = m.elems.at(i).kind
	}
	m.order = &order{}
	m.out = buildAdjacency(n, &m.rels, false)
	m.in = buildAdjacency(n, &m.rels, true)
	if err := m.checkDuplicates(); err != nil {
		return err
	}
	m.work = &sync.Pool{New: func() any { return newWork(n) }}
	m.msbfs = &sync.Pool{New: func() any { return newMSWork(n) }}
	return nil
}

// buildAdjacency places the relationships by one end, each node's edges ordered by (type, other
// end, relationship id): a least-significant-first radix sort of counting sorts, so building is
// linear in the size of the model.
func buildAdjacency(n int, rels *pages[rel], incoming bool) adjacency {
	m := rels.n
	ends := func(i int) (NodeID, NodeID) {
		r := rels.at(i)
		if incoming {
			return r.to, r.from
		}
		return r.from, r.to
	}
	byOther := countingOrder(m, n, nil, func(i int) int { _, w := ends(i); return int(w) })
	byType := countingOrder(m, len(relTypes), byOther, func(i int) int { return int(rels.at(i).typ) })
	a := adjacency{off: make([]int32, n+1), other: make([]NodeID, m), typ: make([]uint8, m), rel: make([]RelID, m)}
	for i := range m {
		v, _ := ends(i)
		a.off[v+1]++
	}
	for v := range n {
		a.off[v+1] += a.off[v]
	}
	next := slices.Clone(a.off[:n])
	for _, i := range byType {
		v, w := ends(int(i))
		j := next[v]
		next[v]++
		a.other[j], a.typ[j], a.rel[j] = w, rels.at(int(i)).typ, RelID(i)
	}
	a.prop = make([]int32, n)
	for v := range n {
		j := a.off[v]
		for j < a.off[v+1] && propagating&(1<<a.typ[j]) != 0 {
			j++
		}
		a.prop[v] = j
	}
	return a
}

// countingOrder returns the indexes 0..m-1 (in the order of in, or ascending when in is nil)
// stably sorted by key, whose values lie in [0, buckets).
func countingOrder(m, buckets int, in []int32, key func(int) int) []int32 {
	count := make([]int32, buckets+1)
	for i := range m {
		count[key(i)+1]++
	}
	for b := range buckets {
		count[b+1] += count[b]
	}
	out := make([]int32, m)
	for x := range m {
		i := x
		if in != nil {
			i = int(in[x])
		}
		k := key(i)
		out[count[k]] = int32(i)
		count[k]++
	}
	return out
}

// checkDuplicates finds relationships with the same (from, type, to): they sit next to each other
// in the sorted outgoing adjacency.
func (m *Model) checkDuplicates() error {
	a := &m.out
	for v := range m.elems.n {
		for j := a.off[v] + 1; j < a.off[v+1]; j++ {
			if a.typ[j] == a.typ[j-1] && a.other[j] == a.other[j-1] {
				return fmt.Errorf("relationship %s: duplicate (from, type, to): %w", m.Relationship(a.rel[j]).ID(), graph.ErrInvalid)
			}
		}
	}
	return nil
}

// FromFile builds a Model from a parsed and validated model file. It does not validate: use
// ParseFile or Validate for that.
func FromFile(f *graph.File) (*Model, error) {
	b := NewBuilder(f.Model, len(f.Elements))
	for _, e := range f.Elements {
		if err := b.AddElement(e); err != nil {
			return nil, err
		}
	}
	for _, r := range f.Relationships {
		if err := b.AddRelationship(r); err != nil {
			return nil, err
		}
	}
	return b.Build()
}

// cloneKeys copies the key map for a derived Model.
func cloneKeys(k map[string]NodeID) map[string]NodeID { return maps.Clone(k) }
