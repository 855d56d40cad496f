package graph

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Change operations and targets.
const (
	OpCreate = "CREATE"
	OpUpdate = "UPDATE"
	OpDelete = "DELETE"

	TargetModel        = "MODEL"
	TargetElement      = "ELEMENT"
	TargetRelationship = "RELATIONSHIP"
)

// Change is one recorded change to a model, element or relationship: who, when, and the state
// before and after (nil for a creation or a deletion respectively). Every change made by one
// mutation or import shares its Revision; Seq orders all changes of a model.
type Change struct {
	Model     string
	Revision  int64
	Seq       int64
	At        time.Time
	Actor     string
	Operation string
	Target    string
	Key       string   // element key, "from -TYPE-> to", or the model key
	Elements  []string // the element keys the change touches, for per-element history
	Before    map[string]any
	After     map[string]any
}

type actorKey struct{}

// WithActor records who makes the changes done under ctx.
func WithActor(ctx context.Context, actor string) context.Context {
	return context.WithValue(ctx, actorKey{}, actor)
}

// ActorFrom returns the actor set by WithActor, or "anonymous".
func ActorFrom(ctx context.Context) string {
	if a, ok := ctx.Value(actorKey{}).(string); ok && a != "" {
		return a
	}
	return "anonymous"
}

// MaxActorLen bounds the actor name recorded with a change.
const MaxActorLen = 200

func elementState(e *Element) map[string]any {
	if e == nil {
		return nil
	}
	m := map[string]any{"key": e.Key, "kind": string(e.Kind), "name": e.Name}
	if e.Description != "" {
		m["description"] = e.Description
	}
	if len(e.Tags) > 0 {
		m["tags"] = e.Tags
	}
	if len(e.Properties) > 0 {
		m["properties"] = e.Properties
	}
	if e.Version > 0 {
		m["version"] = e.Version
	}
	return m
}

func relState(r *Relationship) map[string]any {
	if r == nil {
		return nil
	}
	m := map[string]any{"from": r.From, "type": string(r.Type), "to": r.To}
	if len(r.Properties) > 0 {
		m["properties"] = r.Properties
	}
	return m
}

func elementChange(op string, before, after *Element) Change {
	key := ""
	if before != nil {
		key = before.Key
	} else {
		key = after.Key
	}
	return Change{Operation: op, Target: TargetElement, Key: key, Elements: []string{key}, Before: elementState(before), After: elementState(after)}
}

func relChange(op string, before, after *Relationship) Change {
	r := before
	if r == nil {
		r = after
	}
	return Change{Operation: op, Target: TargetRelationship, Key: r.ID(), Elements: []string{r.From, r.To}, Before: relState(before), After: relState(after)}
}

func modelChange(op string, before, after *Model) Change {
	state := func(m *Model) map[string]any {
		if m == nil {
			return nil
		}
		s := map[string]any{"key": m.Key, "name": m.Name}
		if m.Description != "" {
			s["description"] = m.Description
		}
		return s
	}
	key := ""
	if before != nil {
		key = before.Key
	} else {
		key = after.Key
	}
	return Change{Operation: op, Target: TargetModel, Key: key, Before: state(before), After: state(after)}
}

// record stores the changes of one transaction under one new revision of the model. The model
// node must exist (and is already locked by the caller's first write).
func record(ctx context.Context, tx neo4j.ManagedTransaction, model string, now time.Time, changes []Change) error {
	if len(changes) == 0 {
		return nil
	}
	recs, err := run(ctx, tx, `MATCH (m:Model {key: $model})
SET m.revision = coalesce(m.revision, 0) + 1, m.changeSeq = coalesce(m.changeSeq, 0) + $n
RETURN m.revision AS revision, m.changeSeq AS seq, EXISTS { MATCH (:ImportStaging {model: $model}) } AS staged`, map[string]any{"model": model, "n": len(changes)})
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		return fmt.Errorf("record changes: model %q: %w", model, ErrNotFound)
	}
	w := rowOf(recs[0], "record changes")
	staged, revision, seq := get[bool](w, "staged"), must[int64](w, "revision"), must[int64](w, "seq")
	if err := w.Err(); err != nil {
		return err
	}
	if staged {
		return errImporting(model)
	}
	first := seq - int64(len(changes)) + 1
	actor := ActorFrom(ctx)
	for start := 0; start < len(changes); start += batchSize {
		end := min(start+batchSize, len(changes))
		if err := writeChangeLog(ctx, tx, model, revision, first+int64(start), now, actor, changes[start:end]); err != nil {
			return err
		}
	}
	return nil
}

func jsonText(m map[string]any) any {
	if m == nil {
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	return string(b)
}

func jsonValue(v any) map[string]any {
	s, ok := v.(string)
	if !ok {
		return nil
	}
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if dec.Decode(&m) != nil {
		return nil
	}
	for k, x := range m {
		m[k] = fromJSONNumber(x)
	}
	return m
}

// fromJSONNumber turns json.Number values (at any depth) into int64 or float64.
func fromJSONNumber(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case map[string]any:
		for k, y := range x {
			x[k] = fromJSONNumber(y)
		}
	case []any:
		for i, y := range x {
			x[i] = fromJSONNumber(y)
		}
	}
	return v
}

// ChangeQuery selects a model's changes, newest first.
type ChangeQuery struct {
	Model   string
	Since   *time.Time
	Element string // only changes touching this element (its own and its relationships')
	First   int
	After   string
}

// ChangePage is one page of changes, newest first.
type ChangePage struct {
	Changes     []Change
	HasNextPage bool
	EndCursor   string
}

// ChangeCursor returns the cursor that pages after a change.
func ChangeCursor(seq int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("c:" + strconv.FormatInt(seq, 10)))
}

func decodeChangeCursor(c string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil && strings.HasPrefix(string(b), "c:") {
		if n, err := strconv.ParseInt(string(b[2:]), 10, 64); err == nil {
			return n, nil
		}
	}
	return 0, invalid("arguments", "", "after", fmt.Sprintf("%q is not a cursor returned by this API", c))
}

// Changes returns a page of a model's recorded changes, newest first.
func (s *Store) Changes(ctx context.Context, q ChangeQuery) (*ChangePage, error) {
	if q.First < 0 || q.First > MaxPageSize {
		return nil, invalid("arguments", "", "first", fmt.Sprintf("must be between 0 and %d, got %d", MaxPageSize, q.First))
	}
	var before any
	if q.After != "" {
		n, err := decodeChangeCursor(q.After)
		if err != nil {
			return nil, err
		}
		before = n
	}
	var since, element any
	if q.Since != nil {
		since = *q.Since
	}
	if q.Element != "" {
		element = q.Element
	}
	recs, err := readTx(ctx, s, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		return run(ctx, tx, `OPTIONAL MATCH (m:Model {key: $model})
CALL (m) {
  MATCH (c:Change {model: $model})
  WHERE m IS NOT NULL AND c.seq >= 0 AND c.seq <= coalesce(m.changeSeq, 0) AND ($before IS NULL OR c.seq < $before) AND ($since IS NULL OR c.at >= $since)
    AND ($element IS NULL OR $element IN c.elements)
  // Each node read holds at least one change the page admits, except a block holding the cursor,
  // whose changes touching the element may all be at or above it: limit nodes beyond that one
  // hold enough.
  WITH c ORDER BY c.seq DESC LIMIT $limit + 1
  RETURN collect(c {.*}) AS page
}
RETURN m IS NOT NULL AS hasModel, page`, map[string]any{"model": q.Model, "before": before, "since": since, "element": element, "limit": q.First + 1})
	})
	if err != nil {
		return nil, fmt.Errorf("changes: %w", err)
	}
	w := firstRow(recs, "changes")
	if !get[bool](w, "hasModel") && w.Err() == nil {
		return nil, fmt.Errorf("model %q: %w", q.Model, ErrNotFound)
	}
	var nodes []map[string]any
	for _, v := range get[[]any](w, "page") {
		nodes = append(nodes, as[map[string]any](w, "page", v))
	}
	if err := w.Err(); err != nil {
		return nil, err
	}
	cs, err := newestChanges(nodes, func(p map[string]any) bool {
		seq, _ := p["seq"].(int64)
		return (before == nil || seq < before.(int64)) && (q.Element == "" || touches(p, q.Element))
	}, q.First+1)
	if err != nil {
		return nil, fmt.Errorf("changes: %w", err)
	}
	p := &ChangePage{Changes: append([]Change{}, cs...)}
	p.Changes, p.HasNextPage = trimPage(p.Changes, q.First)
	if n := len(p.Changes); n > 0 {
		p.EndCursor = ChangeCursor(p.Changes[n-1].Seq)
	}
	return p, nil
}

func changeFromProps(p map[string]any) Change {
	c := Change{
		Model: str(p["model"]), Actor: str(p["actor"]), Operation: str(p["operation"]), Target: str(p["target"]), Key: str(p["key"]),
		Before: jsonValue(p["before"]), After: jsonValue(p["after"]),
	}
	c.Revision, _ = p["revision"].(int64)
	c.Seq, _ = p["seq"].(int64)
	c.At = asTime(p["at"])
	if es, ok := p["elements"].([]any); ok {
		for _, e := range es {
			c.Elements = append(c.Elements, str(e))
		}
	}
	return c
}

// ElementHistory returns, for each ref, its newest changes (at most first), newest first, in one
// round trip.
func (s *Store) ElementHistory(ctx context.Context, refs []Ref, first int) (map[Ref][]Change, error) {
	if first < 0 || first > MaxPageSize {
		return nil, invalid("arguments", "", "first", fmt.Sprintf("must be between 0 and %d, got %d", MaxPageSize, first))
	}
	recs, err := readTx(ctx, s, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		return run(ctx, tx, `UNWIND $refs AS ref
CALL (ref) {
  MATCH (m:Model {key: ref[0]})
  MATCH (c:Change {model: ref[0]})
  WHERE c.seq >= 0 AND c.seq <= coalesce(m.changeSeq, 0) AND ref[1] IN c.elements
  WITH c ORDER BY c.seq DESC LIMIT $first
  RETURN collect(c {.*}) AS changes
}
RETURN ref[0] AS model, ref[1] AS key, changes`, map[string]any{"refs": refParams(refs), "first": first})
	})
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	out := map[Ref][]Change{}
	seen := map[string]map[int64][]map[string]any{} // blocks expanded, by model and seq
	for _, r := range recs {
		w := rowOf(r, "element history")
		ref := Ref{Model: must[string](w, "model"), Key: must[string](w, "key")}
		var nodes []map[string]any
		for _, c := range get[[]any](w, "changes") {
			nodes = append(nodes, as[map[string]any](w, "changes", c))
		}
		if err := w.Err(); err != nil {
			return nil, err
		}
		if seen[ref.Model] == nil {
			seen[ref.Model] = map[int64][]map[string]any{}
		}
		cs, err := newestChangesOnce(nodes, func(p map[string]any) bool { return touches(p, ref.Key) }, first, seen[ref.Model])
		if err != nil {
			return nil, fmt.Errorf("history: %w", err)
		}
		if len(cs) > 0 {
			out[ref] = append(out[ref], cs...)
		}
	}
	return out, nil
}
