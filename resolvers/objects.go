package resolvers

import (
	"context"
	"time"

	"github.com/modelgraph/modelgraph/graph"
)

// Element is implemented by the object type of every kind (kinds_gen.go).
type Element interface {
	node() *node
}

// Relationship is a relationship between two elements with its properties.
type Relationship struct{ l *link }

// Type is the relationship type.
func (r *Relationship) Type() graph.RelType { return r.l.typ }

// From is where the relationship starts.
func (r *Relationship) From() Element { return r.l.from() }

// To is where the relationship ends.
func (r *Relationship) To() Element { return r.l.to() }

// Properties are the relationship's properties.
func (r *Relationship) Properties() map[string]any { return jsonMap(r.l.props) }

// Step is one relationship of a path.
type Step struct {
	From       Element
	Type       graph.RelType
	To         Element
	Properties map[string]any
}

// Supporter is an element that supports the one asked about.
type Supporter struct {
	Element  Element
	Distance int
	Path     []*Step
}

// Affected is an element a change reaches.
type Affected struct {
	Element  Element
	Distance int
	Path     []*Step
}

// Attached is an element that watches changed or affected elements.
type Attached struct {
	Element Element
	Via     []graph.RelType
	To      []Element
}

// KindCount is the number of elements of one kind.
type KindCount struct {
	Kind  graph.Kind
	Count int
}

// Impact is what a change to an element affects.
type Impact struct {
	Source   Element
	Scope    []Element
	Affected []*Affected
	Counts   []*KindCount

	store Store
	im    *graph.Impact
	// attached, when set, holds the watchers already found in a snapshot.
	attached *[]graph.Attachment
}

// Attached loads the elements watching the impact, only when asked for.
func (i *Impact) Attached(ctx context.Context) (_ []*Attached, err error) {
	var as []graph.Attachment
	if i.attached != nil {
		as = *i.attached
	} else if as, err = i.store.Attachments(ctx, i.im); err != nil {
		return nil, err
	}
	// A batch of its own: i.b is complete and may be read by other fields concurrently.
	b := newBatch(i.store, nil)
	out := []*Attached{}
	for _, a := range as {
		out = append(out, &Attached{Element: wrap(b.add(a.Element)), Via: a.Via, To: b.wrapAll(a.To)})
	}
	return out, nil
}

// ElementConnection is a page of elements.
type ElementConnection struct {
	Edges      []*ElementEdge
	Nodes      []Element
	PageInfo   *PageInfo
	TotalCount int
}

// ElementEdge is an element with its cursor.
type ElementEdge struct {
	Cursor string
	Node   Element
}

// PageInfo is paging state.
type PageInfo struct {
	HasNextPage bool
	EndCursor   *string
}

func optString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func jsonMap(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// Typed property getters used by the generated code.

func propString(p interface{ get(string) any }, name string) *string {
	if s, ok := p.get(name).(string); ok {
		return &s
	}
	return nil
}

func mustString(p interface{ get(string) any }, name string) string {
	s, _ := p.get(name).(string)
	return s
}

func propFloat(p interface{ get(string) any }, name string) *float64 {
	switch v := p.get(name).(type) {
	case float64:
		return &v
	case int64:
		f := float64(v)
		return &f
	}
	return nil
}

func propInt(p interface{ get(string) any }, name string) *int {
	switch v := p.get(name).(type) {
	case int64:
		i := int(v)
		return &i
	case float64:
		i := int(v)
		return &i
	}
	return nil
}

func propBool(p interface{ get(string) any }, name string) *bool {
	if b, ok := p.get(name).(bool); ok {
		return &b
	}
	return nil
}

func (n *node) get(name string) any { return n.e.Properties[name] }

func (l *link) get(name string) any { return l.props[name] }

// Change is one recorded change.
type Change struct {
	c graph.Change
}

// Revision groups the changes of one write.
func (c *Change) Revision() int { return int(c.c.Revision) }

// Seq orders a model's changes.
func (c *Change) Seq() int { return int(c.c.Seq) }

// At is when the change was committed.
func (c *Change) At() time.Time { return c.c.At }

// Actor is who made the change.
func (c *Change) Actor() string { return c.c.Actor }

// Operation is CREATE, UPDATE or DELETE.
func (c *Change) Operation() ChangeOperation { return ChangeOperation(c.c.Operation) }

// Target is MODEL, ELEMENT or RELATIONSHIP.
func (c *Change) Target() ChangeTarget { return ChangeTarget(c.c.Target) }

// Key names what changed.
func (c *Change) Key() string { return c.c.Key }

// Before is the state before the change.
func (c *Change) Before() map[string]any { return c.c.Before }

// After is the state after the change.
func (c *Change) After() map[string]any { return c.c.After }

func changes(cs []graph.Change) []*Change {
	out := make([]*Change, len(cs))
	for i := range cs {
		out[i] = &Change{c: cs[i]}
	}
	return out
}
