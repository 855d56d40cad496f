package graph

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Elements returns the elements named by refs that exist, keyed by ref, in one round trip.
func (s *Store) Elements(ctx context.Context, refs []Ref) (map[Ref]Element, error) {
	recs, err := readTx(ctx, s, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		return run(ctx, tx, `UNWIND $refs AS ref
MATCH (e:Element {model: ref[0], key: ref[1]})
RETURN properties(e) AS e`, map[string]any{"refs": refParams(refs)})
	})
	if err != nil {
		return nil, fmt.Errorf("read elements: %w", err)
	}
	out := map[Ref]Element{}
	for _, r := range recs {
		w := rowOf(r, "elements")
		e := elementFromProps(must[map[string]any](w, "e"))
		if err := w.Err(); err != nil {
			return nil, err
		}
		out[Ref{Model: e.Model, Key: e.Key}] = e
	}
	return out, nil
}

// Element returns one element, or ErrNotFound naming the model or the element that is missing.
func (s *Store) Element(ctx context.Context, model, key string) (Element, error) {
	if !ValidKey(key) {
		// No element can have it: answer without a round trip, and echo only a clip of it.
		return Element{}, fmt.Errorf("element %s in model %s (not a valid key): %w", quote(key), quote(model), ErrNotFound)
	}
	recs, err := readTx(ctx, s, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		return run(ctx, tx, `OPTIONAL MATCH (m:Model {key: $model})
OPTIONAL MATCH (e:Element {model: $model, key: $key})
RETURN m IS NOT NULL AS hasModel, properties(e) AS e`, map[string]any{"model": model, "key": key})
	})
	if err != nil {
		return Element{}, fmt.Errorf("read element: %w", err)
	}
	w := firstRow(recs, "element")
	hasModel, p := get[bool](w, "hasModel"), get[map[string]any](w, "e")
	switch {
	case w.Err() != nil:
		return Element{}, w.Err()
	case !hasModel:
		return Element{}, fmt.Errorf("model %q: %w", model, ErrNotFound)
	case p == nil:
		return Element{}, fmt.Errorf("element %s in model %s: %w", quote(key), quote(model), ErrNotFound)
	}
	return elementFromProps(p), nil
}

// Direction says which relationships of an element to follow.
type Direction int

// Directions.
const (
	Outgoing Direction = iota
	Incoming
)

// Link is a relationship seen from one of its ends: the element at the other end and the
// relationship's type and properties.
type Link struct {
	Type       RelType
	Other      Element
	Properties map[string]any
}

// Neighbours returns, for every ref, its relationships in one direction (all types), ordered by
// type then the other element's key, in one round trip. Callers filter by type; fetching all types
// at once lets every relationship field of a GraphQL result list share one query.
func (s *Store) Neighbours(ctx context.Context, refs []Ref, dir Direction) (map[Ref][]Link, error) {
	pattern := "(e)-[r]->(o:Element)"
	if dir == Incoming {
		pattern = "(e)<-[r]-(o:Element)"
	}
	recs, err := readTx(ctx, s, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		return run(ctx, tx, `UNWIND $refs AS ref
MATCH (e:Element {model: ref[0], key: ref[1]})
MATCH `+pattern+`
RETURN ref[0] AS model, ref[1] AS key, type(r) AS type, properties(o) AS o, properties(r) AS p
ORDER BY model, key, type, o.key`, map[string]any{"refs": refParams(refs)})
	})
	if err != nil {
		return nil, fmt.Errorf("read relationships: %w", err)
	}
	out := map[Ref][]Link{}
	for _, r := range recs {
		w := rowOf(r, "relationships")
		ref := Ref{Model: must[string](w, "model"), Key: must[string](w, "key")}
		l := Link{Type: RelType(must[string](w, "type")), Other: elementFromProps(must[map[string]any](w, "o")), Properties: props(get[map[string]any](w, "p"))}
		if err := w.Err(); err != nil {
			return nil, err
		}
		out[ref] = append(out[ref], l)
	}
	return out, nil
}

// ElementsOfKinds returns, for each model, its elements of the given kinds ordered by kind then
// key, in one round trip.
func (s *Store) ElementsOfKinds(ctx context.Context, models []string, kinds []Kind) (map[string][]Element, error) {
	recs, err := readTx(ctx, s, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		return run(ctx, tx, `UNWIND $models AS m
MATCH (e:Element {model: m})
WHERE e.kind IN $kinds
RETURN properties(e) AS e
ORDER BY e.model, e.kind, e.key`, map[string]any{"models": models, "kinds": kindStrings(kinds)})
	})
	if err != nil {
		return nil, fmt.Errorf("read elements: %w", err)
	}
	out := map[string][]Element{}
	for _, r := range recs {
		w := rowOf(r, "elements of kinds")
		e := elementFromProps(must[map[string]any](w, "e"))
		if err := w.Err(); err != nil {
			return nil, err
		}
		out[e.Model] = append(out[e.Model], e)
	}
	return out, nil
}

// ElementQuery filters and pages a model's elements.
type ElementQuery struct {
	Model    string
	Kinds    []Kind
	Category Category
	Search   string // case-insensitive substring of key, name or description
	First    int    // page size
	After    string // cursor from a previous page
	// Count asks for TotalCount, which reads every matching element; leave it off when the
	// total is not shown.
	Count bool
}

// ElementPage is one page of elements ordered by key.
type ElementPage struct {
	Elements    []Element
	TotalCount  int
	HasNextPage bool
	EndCursor   string
}

// MaxPageSize bounds ElementQuery.First.
const MaxPageSize = 500

// Cursor returns the opaque cursor that pages after an element.
func Cursor(key string) string { return base64.RawURLEncoding.EncodeToString([]byte("k:" + key)) }

func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !strings.HasPrefix(string(b), "k:") {
		return "", invalid("arguments", "", "after", fmt.Sprintf("%q is not a cursor returned by this API", c))
	}
	return string(b[2:]), nil
}

// elementFilter is the WHERE clause shared by the count and the page of ListElements.
const elementFilter = `($kinds IS NULL OR e.kind IN $kinds)
    AND ($search IS NULL OR toLower(e.key) CONTAINS $search OR toLower(e.name) CONTAINS $search
         OR toLower(coalesce(e.description, '')) CONTAINS $search)`

// ListElements returns one page of a model's elements with the total matching count.
func (s *Store) ListElements(ctx context.Context, q ElementQuery) (*ElementPage, error) {
	if q.First < 0 || q.First > MaxPageSize {
		return nil, invalid("arguments", "", "first", fmt.Sprintf("must be between 0 and %d, got %d", MaxPageSize, q.First))
	}
	// A range on key (from "" when there is no cursor) lets Neo4j read the (model, key) index in
	// key order and stop after one page, instead of sorting the whole model.
	after := ""
	if q.After != "" {
		a, err := decodeCursor(q.After)
		if err != nil {
			return nil, err
		}
		after = a
	}
	kinds := q.Kinds
	if q.Category != "" {
		kinds = intersectKinds(kinds, KindsIn(q.Category))
		if len(kinds) == 0 {
			return &ElementPage{Elements: []Element{}}, s.requireModel(ctx, q.Model)
		}
	}
	var search any
	if q.Search != "" {
		search = strings.ToLower(q.Search)
	}
	params := map[string]any{"model": q.Model, "kinds": kindStrings(kinds), "search": search, "after": after, "limit": q.First + 1, "count": q.Count}
	recs, err := readTx(ctx, s, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		return run(ctx, tx, `OPTIONAL MATCH (m:Model {key: $model})
CALL (m) {
  MATCH (e:Element {model: $model})
  WHERE m IS NOT NULL AND $count AND `+elementFilter+`
  RETURN count(e) AS total
}
CALL (m) {
  MATCH (e:Element {model: $model})
  WHERE m IS NOT NULL AND e.key > $after AND `+elementFilter+`
  WITH e ORDER BY e.key LIMIT $limit
  RETURN collect(properties(e)) AS page
}
RETURN m IS NOT NULL AS hasModel, total, page`, params)
	})
	if err != nil {
		return nil, fmt.Errorf("list elements: %w", err)
	}
	w := firstRow(recs, "element page")
	if !get[bool](w, "hasModel") && w.Err() == nil {
		return nil, fmt.Errorf("model %q: %w", q.Model, ErrNotFound)
	}
	p := &ElementPage{TotalCount: int(get[int64](w, "total")), Elements: []Element{}}
	for _, e := range get[[]any](w, "page") {
		p.Elements = append(p.Elements, elementFromProps(as[map[string]any](w, "page", e)))
	}
	if err := w.Err(); err != nil {
		return nil, err
	}
	p.Elements, p.HasNextPage = trimPage(p.Elements, q.First)
	if n := len(p.Elements); n > 0 {
		p.EndCursor = Cursor(p.Elements[n-1].Key)
	}
	return p, nil
}

func (s *Store) requireModel(ctx context.Context, key string) error {
	_, err := s.ModelByKey(ctx, key)
	return err
}

func intersectKinds(a, b []Kind) []Kind {
	if len(a) == 0 {
		return b
	}
	var out []Kind
	for _, k := range a {
		for _, x := range b {
			if k == x {
				out = append(out, k)
			}
		}
	}
	return out
}

// trimPage cuts a page read with one extra item (LIMIT first+1) to first items and reports
// whether more follow.
func trimPage[T any](items []T, first int) ([]T, bool) {
	if len(items) > first {
		return items[:first], true
	}
	return items, false
}
