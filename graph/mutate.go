package graph

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// lockModel takes the model node's write lock for the rest of the transaction, so that writes to
// one model are serialised: a read after the lock sees every earlier committed write, which is
// what makes expectedVersion checks safe. It reports whether the model exists.
func lockModel(ctx context.Context, tx neo4j.ManagedTransaction, key string) (bool, error) {
	id, _, err := lockModelNode(ctx, tx, key, false)
	return id != "", err
}

// lockOrCreateModel locks the model node, creating it (with only its key) when there is none, and
// reports whether it created it. Creating the node is what serialises two writers that both find
// the model missing: the key's uniqueness constraint makes the second wait for the first.
func lockOrCreateModel(ctx context.Context, tx neo4j.ManagedTransaction, key string) (created bool, err error) {
	_, created, err = lockModelNode(ctx, tx, key, true)
	if err == nil && created {
		err = refuseScenarioKey(ctx, tx, key)
	}
	return created, err
}

// maxLockAttempts bounds how often a writer locks a model that keeps being deleted and
// re-created while it waits.
const maxLockAttempts = 5

// lockModelNode locks the model node (creating it when create is set) and returns its element id,
// or "" when there is no model. A writer may be granted the lock only after a deleteModel that
// held it has committed, on a node that no longer exists; so the lock is confirmed by a second
// statement, which sees every committed write, and taken again on the node that is there now.
func lockModelNode(ctx context.Context, tx neo4j.ManagedTransaction, key string, create bool) (id string, created bool, err error) {
	lock := "MATCH (m:Model {key: $key}) SET m.lock = true REMOVE m.lock RETURN elementId(m) AS id, false AS created"
	if create {
		// A model always has a name once written (writeModel), so a node without one was just
		// made here.
		lock = "MERGE (m:Model {key: $key}) SET m.lock = true REMOVE m.lock RETURN elementId(m) AS id, m.name IS NULL AS created"
	}
	for range maxLockAttempts {
		recs, err := run(ctx, tx, lock, map[string]any{"key": key})
		if err != nil {
			return "", false, err
		}
		if len(recs) == 0 {
			return "", false, nil
		}
		w := rowOf(recs[0], "model lock")
		id, created = must[string](w, "id"), get[bool](w, "created")
		if err := w.Err(); err != nil {
			return "", false, err
		}
		now, err := run(ctx, tx, "MATCH (m:Model {key: $key}) RETURN elementId(m) AS id", map[string]any{"key": key})
		if err != nil {
			return "", false, err
		}
		nowID := ""
		if len(now) > 0 {
			w := rowOf(now[0], "model node")
			if nowID = must[string](w, "id"); w.Err() != nil {
				return "", false, w.Err()
			}
		}
		switch {
		case len(now) > 0 && nowID == id:
			return id, created, nil
		case len(now) == 0 && !create:
			return "", false, nil
		}
	}
	return "", false, fmt.Errorf("model %q was deleted or re-created %d times while this write waited for it: %w", key, maxLockAttempts, ErrConflict)
}

// requireModelLocked locks an existing model or returns ErrNotFound.
func requireModelLocked(ctx context.Context, tx neo4j.ManagedTransaction, key string) error {
	ok, err := lockModel(ctx, tx, key)
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("model %q: %w", key, ErrNotFound)
	}
	return nil
}

// CreateModel creates an empty model; it is a conflict when the key is taken.
func (s *Store) CreateModel(ctx context.Context, m Model) (ModelSummary, error) {
	v := &validator{}
	v.model(m)
	if len(v.problems) > 0 {
		return ModelSummary{}, &ValidationError{Problems: v.problems}
	}
	_, err := writeTx(ctx, s, func(tx neo4j.ManagedTransaction) (struct{}, error) {
		created, err := lockOrCreateModel(ctx, tx, m.Key)
		if err != nil {
			return struct{}{}, err
		}
		if !created {
			return struct{}{}, fmt.Errorf("model %q already exists: %w", m.Key, ErrConflict)
		}
		now := time.Now().UTC()
		if err := writeModel(ctx, tx, m, now); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, record(ctx, tx, m.Key, now, []Change{modelChange(OpCreate, nil, &m)})
	})
	if err != nil {
		return ModelSummary{}, fmt.Errorf("create model %s: %w", m.Key, err)
	}
	return s.ModelByKey(ctx, m.Key)
}

// UpsertElements creates or replaces elements by key in one transaction. Every element is
// validated first and every problem reported at once; a kind change must keep the element's
// existing relationships allowed. It returns the stored elements in input order.
func (s *Store) UpsertElements(ctx context.Context, model string, elems []Element, lim Limits) ([]Element, error) {
	var ps []Problem
	if lim.MaxElements > 0 && len(elems) > lim.MaxElements {
		ps = append(ps, Problem{Path: "elements", Reason: fmt.Sprintf("has %d elements; the limit per request is %d", len(elems), lim.MaxElements)})
	}
	seen := map[string]int{}
	for i := range elems {
		v := &validator{}
		path := fmt.Sprintf("elements[%d]", i)
		v.element(path, &elems[i])
		ps = append(ps, v.problems...)
		if j, dup := seen[elems[i].Key]; dup && elems[i].Key != "" {
			ps = append(ps, Problem{Path: path, Key: elems[i].Key, Field: "key", Reason: fmt.Sprintf("duplicate key: elements[%d] already uses %q", j, elems[i].Key)})
		}
		seen[elems[i].Key] = i
	}
	if len(ps) > 0 {
		return nil, &ValidationError{Problems: ps}
	}
	stored, err := writeTx(ctx, s, func(tx neo4j.ManagedTransaction) ([]Element, error) {
		if err := requireModelLocked(ctx, tx, model); err != nil {
			return nil, err
		}
		keys := make([]string, len(elems))
		for i, e := range elems {
			keys[i] = e.Key
		}
		old, err := elementsByKey(ctx, tx, model, keys)
		if err != nil {
			return nil, err
		}
		if err := checkKindChanges(ctx, tx, model, elems, old); err != nil {
			return nil, err
		}
		var write []Element
		var changes []Change
		for i := range elems {
			e := elems[i]
			o, exists := old[e.Key]
			switch {
			case !exists:
				e.Version = 1
				changes = append(changes, elementChange(OpCreate, nil, &e))
			case sameElement(&o, &e):
				continue
			default:
				e.Version = o.Version + 1
				changes = append(changes, elementChange(OpUpdate, &o, &e))
			}
			write = append(write, e)
		}
		now := time.Now().UTC()
		if _, err := writeElements(ctx, tx, model, write, old, now); err != nil {
			return nil, err
		}
		if err := record(ctx, tx, model, now, changes); err != nil {
			return nil, err
		}
		stored, err := elementsByKey(ctx, tx, model, keys)
		if err != nil {
			return nil, err
		}
		out := make([]Element, len(elems))
		for i, k := range keys {
			out[i] = stored[k]
		}
		return out, nil
	})
	if err != nil {
		return nil, fmt.Errorf("upsert elements in %s: %w", model, err)
	}
	return stored, nil
}

func elementsByKey(ctx context.Context, tx neo4j.ManagedTransaction, model string, keys []string) (map[string]Element, error) {
	recs, err := run(ctx, tx, `UNWIND $keys AS k MATCH (e:Element {model: $model, key: k}) RETURN properties(e) AS p, elementId(e) AS id`, map[string]any{"model": model, "keys": keys})
	if err != nil {
		return nil, err
	}
	es, err := rows(recs, "elements by key", storedElementFrom)
	if err != nil {
		return nil, err
	}
	out := make(map[string]Element, len(es))
	for _, e := range es {
		out[e.Key] = e
	}
	return out, nil
}

// checkKindChanges refuses a kind change that would leave an existing relationship disallowed.
func checkKindChanges(ctx context.Context, tx neo4j.ManagedTransaction, model string, elems []Element, old map[string]Element) error {
	newKind := map[string]Kind{}
	var changed []string
	for _, e := range elems {
		if o, ok := old[e.Key]; ok && o.Kind != e.Kind {
			changed = append(changed, e.Key)
		}
		newKind[e.Key] = e.Kind
	}
	if len(changed) == 0 {
		return nil
	}
	recs, err := run(ctx, tx, `UNWIND $keys AS k
MATCH (a:Element {model: $model})-[r]->(b:Element {model: $model})
WHERE a.key = k OR b.key = k
RETURN DISTINCT a.key AS from, a.kind AS fromKind, type(r) AS type, b.key AS to, b.kind AS toKind`, map[string]any{"model": model, "keys": changed})
	if err != nil {
		return err
	}
	var ps []Problem
	for _, r := range recs {
		w := rowOf(r, "relationships of changed kinds")
		from, to := must[string](w, "from"), must[string](w, "to")
		fk, tk := Kind(get[string](w, "fromKind")), Kind(get[string](w, "toKind"))
		t := RelType(must[string](w, "type"))
		if err := w.Err(); err != nil {
			return err
		}
		if k, ok := newKind[from]; ok {
			fk = k
		}
		if k, ok := newKind[to]; ok {
			tk = k
		}
		if !Allowed(t, fk, tk) {
			rel := Relationship{From: from, Type: t, To: to}
			ps = append(ps, Problem{Path: "elements", Key: rel.ID(), Field: "kind", Reason: "the kind change would make this existing relationship invalid: " + disallowedReason(t, fk, tk) + "; unlink it first"})
		}
	}
	if len(ps) > 0 {
		return &ValidationError{Problems: ps}
	}
	return nil
}

// ElementPatch changes some fields of an element; nil fields stay as they are. Properties are
// merged: a key set to nil is removed.
type ElementPatch struct {
	Name        *string
	Description *string // "" clears it
	Tags        *[]string
	Properties  map[string]any
}

// checkVersion compares an element's version with the one a client expects.
func checkVersion(e Element, expected *int64) error {
	if expected != nil && *expected != e.Version {
		return fmt.Errorf("element %q is at version %d, not the expected %d; reload it and apply your change again: %w", e.Key, e.Version, *expected, ErrConflict)
	}
	return nil
}

// lockedElement locks the model and reads one element, checking the version the caller expects.
func lockedElement(ctx context.Context, tx neo4j.ManagedTransaction, model, key string, expectedVersion *int64) (Element, error) {
	if err := requireModelLocked(ctx, tx, model); err != nil {
		return Element{}, err
	}
	old, err := elementsByKey(ctx, tx, model, []string{key})
	if err != nil {
		return Element{}, err
	}
	o, ok := old[key]
	if !ok {
		return Element{}, fmt.Errorf("element %q in model %q: %w", key, model, ErrNotFound)
	}
	return o, checkVersion(o, expectedVersion)
}

// UpdateElement applies a patch to one element. With expectedVersion set, a stale version is a
// conflict and nothing is written.
func (s *Store) UpdateElement(ctx context.Context, model, key string, patch ElementPatch, expectedVersion *int64) (Element, error) {
	updated, err := writeTx(ctx, s, func(tx neo4j.ManagedTransaction) (Element, error) {
		o, err := lockedElement(ctx, tx, model, key, expectedVersion)
		if err != nil {
			return Element{}, err
		}
		e := applyPatch(o, patch)
		if ps := ValidateElement(&e); len(ps) > 0 {
			return Element{}, &ValidationError{Problems: ps}
		}
		if sameElement(&o, &e) {
			return o, nil
		}
		e.Version = o.Version + 1
		now := time.Now().UTC()
		if _, err := writeElements(ctx, tx, model, []Element{e}, map[string]Element{key: o}, now); err != nil {
			return Element{}, err
		}
		if err := record(ctx, tx, model, now, []Change{elementChange(OpUpdate, &o, &e)}); err != nil {
			return Element{}, err
		}
		e.Model = model
		return e, nil
	})
	if err != nil {
		return Element{}, fmt.Errorf("update %s: %w", key, err)
	}
	return updated, nil
}

func applyPatch(o Element, p ElementPatch) Element {
	e := o
	e.Tags = slices.Clone(o.Tags)
	e.Properties = maps.Clone(o.Properties)
	if p.Name != nil {
		e.Name = *p.Name
	}
	if p.Description != nil {
		e.Description = *p.Description
	}
	if p.Tags != nil {
		e.Tags = slices.Clone(*p.Tags)
	}
	for k, v := range p.Properties {
		if e.Properties == nil {
			e.Properties = map[string]any{}
		}
		if v == nil {
			delete(e.Properties, k)
		} else {
			e.Properties[k] = v
		}
	}
	if len(e.Tags) == 0 {
		e.Tags = nil
	}
	if len(e.Properties) == 0 {
		e.Properties = nil
	}
	return e
}

// DeleteElement removes an element. While it has relationships it is refused (a conflict naming
// how many) unless detach is set, which removes them too and records each. It returns the number
// of relationships removed.
func (s *Store) DeleteElement(ctx context.Context, model, key string, detach bool, expectedVersion *int64) (int, error) {
	removed, err := writeTx(ctx, s, func(tx neo4j.ManagedTransaction) (int, error) {
		o, err := lockedElement(ctx, tx, model, key, expectedVersion)
		if err != nil {
			return 0, err
		}
		rels, err := relationshipsOf(ctx, tx, model, key)
		if err != nil {
			return 0, err
		}
		if len(rels) > 0 && !detach {
			return 0, fmt.Errorf("element %q has %d relationships; unlink them or pass detach: true: %w", key, len(rels), ErrConflict)
		}
		changes := make([]Change, 0, len(rels)+1)
		for i := range rels {
			changes = append(changes, relChange(OpDelete, &rels[i], nil))
		}
		changes = append(changes, elementChange(OpDelete, &o, nil))
		if err := deleteElements(ctx, tx, model, []string{key}); err != nil {
			return 0, err
		}
		return len(rels), record(ctx, tx, model, time.Now().UTC(), changes)
	})
	if err != nil {
		return 0, fmt.Errorf("delete %s: %w", key, err)
	}
	return removed, nil
}

func relationshipsOf(ctx context.Context, tx neo4j.ManagedTransaction, model, key string) ([]Relationship, error) {
	recs, err := run(ctx, tx, `MATCH (e:Element {model: $model, key: $key})-[r]-(o:Element)
RETURN startNode(r).key AS from, type(r) AS type, endNode(r).key AS to, properties(r) AS p ORDER BY from, type, to`,
		map[string]any{"model": model, "key": key})
	if err != nil {
		return nil, err
	}
	return rows(recs, "relationships of an element", relationshipFrom)
}

// relationshipByID reads one relationship by (from, type, to), or nil when there is none. The
// type comes from the metamodel table (the caller has checked it).
func relationshipByID(ctx context.Context, tx neo4j.ManagedTransaction, model string, r Relationship) (*Relationship, error) {
	recs, err := run(ctx, tx, fmt.Sprintf(`MATCH (a:Element {model: $model, key: $from})-[r:%s]->(b:Element {model: $model, key: $to})
RETURN a.key AS from, type(r) AS type, b.key AS to, properties(r) AS p`, relPattern([]RelType{r.Type})), map[string]any{"model": model, "from": r.From, "to": r.To})
	if err != nil || len(recs) == 0 {
		return nil, err
	}
	w := rowOf(recs[0], "relationship")
	rel := relationshipFrom(w)
	return &rel, w.Err()
}

// Link creates a relationship, or sets the properties of the one that exists. It returns the two
// elements it joins.
func (s *Store) Link(ctx context.Context, model string, r Relationship) (from, to Element, err error) {
	pair, err := writeTx(ctx, s, func(tx neo4j.ManagedTransaction) ([2]Element, error) {
		if err := requireModelLocked(ctx, tx, model); err != nil {
			return [2]Element{}, err
		}
		ends, err := elementsByKey(ctx, tx, model, []string{r.From, r.To})
		if err != nil {
			return [2]Element{}, err
		}
		kindOf := func(k string) (Kind, bool) { e, ok := ends[k]; return e.Kind, ok }
		if ps := ValidateRelationship(&r, kindOf); len(ps) > 0 {
			return [2]Element{}, notFoundOrInvalid(ps, model)
		}
		before, err := relationshipByID(ctx, tx, model, r)
		if err != nil {
			return [2]Element{}, err
		}
		pair := [2]Element{ends[r.From], ends[r.To]}
		if before != nil && sameProps(props(before.Properties), props(r.Properties)) {
			return pair, nil
		}
		ids := map[string]string{r.From: ends[r.From].nodeID, r.To: ends[r.To].nodeID}
		if err := writeRels(ctx, tx, []Relationship{r}, map[string]bool{r.ID(): before != nil}, ids); err != nil {
			return [2]Element{}, err
		}
		op := OpCreate
		if before != nil {
			op = OpUpdate
		}
		return pair, record(ctx, tx, model, time.Now().UTC(), []Change{relChange(op, before, &r)})
	})
	if err != nil {
		return Element{}, Element{}, fmt.Errorf("link %s: %w", r.ID(), err)
	}
	return pair[0], pair[1], nil
}

// notFoundOrInvalid turns endpoint problems into ErrNotFound (the element is missing) and the
// rest into a ValidationError.
func notFoundOrInvalid(ps []Problem, model string) error {
	for _, p := range ps {
		if (p.Field == "from" || p.Field == "to") && strings.HasPrefix(p.Reason, noElementReason) {
			return fmt.Errorf("%s in model %q: %w", p.Reason, model, ErrNotFound)
		}
	}
	return &ValidationError{Problems: ps}
}

// Unlink removes one relationship; it is ErrNotFound when there is none.
func (s *Store) Unlink(ctx context.Context, model string, r Relationship) error {
	if _, ok := relIndex[r.Type]; !ok {
		return invalid("relationship", r.ID(), "type", fmt.Sprintf("unknown relationship type %q", r.Type))
	}
	_, err := writeTx(ctx, s, func(tx neo4j.ManagedTransaction) (struct{}, error) {
		if err := requireModelLocked(ctx, tx, model); err != nil {
			return struct{}{}, err
		}
		before, err := relationshipByID(ctx, tx, model, r)
		if err != nil {
			return struct{}{}, err
		}
		if before == nil {
			return struct{}{}, fmt.Errorf("relationship %s in model %q: %w", r.ID(), model, ErrNotFound)
		}
		if err := deleteRels(ctx, tx, model, []Relationship{r}); err != nil {
			return struct{}{}, err
		}
		return struct{}{}, record(ctx, tx, model, time.Now().UTC(), []Change{relChange(OpDelete, before, nil)})
	})
	if err != nil {
		return fmt.Errorf("unlink %s: %w", r.ID(), err)
	}
	return nil
}
