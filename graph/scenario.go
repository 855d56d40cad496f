package graph

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Scenario is a what-if copy of a model kept as a copy-on-write overlay: the base model at
// BaseRevision plus the items the scenario changed. Scenario keys share the key space of models.
type Scenario struct {
	Key  string
	Name string
	// Base is the model the scenario was made from, BaseRevision its revision then, and
	// BaseCreated when that model was created (a model deleted and created again is another
	// base).
	Base         string
	BaseRevision int64
	BaseCreated  time.Time
	// Revision counts the scenario's own writes.
	Revision  int64
	CreatedAt time.Time
	UpdatedAt time.Time
	Actor     string // who created it
	// Items is how many elements and relationships the scenario changed.
	Items int
}

// ScenarioItem is one element or relationship a scenario changed: its state in the scenario
// (nil: deleted there) and its state in the base at the scenario's base revision (nil: not in
// the base), both in the history's state format (key, kind, name, ..., version; from, type, to,
// properties).
type ScenarioItem struct {
	Target string // TargetElement or TargetRelationship
	Key    string // the element key, or "from -TYPE-> to"
	State  map[string]any
	Base   map[string]any
}

// ElementState is an element in the history's state format (nil for nil).
func ElementState(e *Element) map[string]any { return normalState(elementState(e)) }

// RelationshipState is a relationship in the history's state format (nil for nil).
func RelationshipState(r *Relationship) map[string]any { return normalState(relState(r)) }

// normalState passes a state through its stored JSON form, so that states compare equal exactly
// when their stored texts do (an int64 property and a whole float64 become one number).
func normalState(s map[string]any) map[string]any {
	if s == nil {
		return nil
	}
	return jsonValue(jsonText(s))
}

// SameState reports whether two states (either may be nil) store the same text.
func SameState(a, b map[string]any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return jsonText(a) == jsonText(b)
}

// ElementOfState reads an element back from its state.
func ElementOfState(s map[string]any) Element {
	e := Element{Key: str(s["key"]), Kind: Kind(str(s["kind"])), Name: str(s["name"]), Description: str(s["description"])}
	if ts, ok := s["tags"].([]any); ok {
		for _, t := range ts {
			e.Tags = append(e.Tags, str(t))
		}
	}
	if ts, ok := s["tags"].([]string); ok {
		e.Tags = slices.Clone(ts)
	}
	if p, ok := s["properties"].(map[string]any); ok && len(p) > 0 {
		e.Properties = p
	}
	if v, ok := s["version"].(int64); ok {
		e.Version = v
	}
	return e
}

// RelationshipOfState reads a relationship back from its state.
func RelationshipOfState(s map[string]any) Relationship {
	r := Relationship{From: str(s["from"]), Type: RelType(str(s["type"])), To: str(s["to"])}
	if p, ok := s["properties"].(map[string]any); ok && len(p) > 0 {
		r.Properties = p
	}
	return r
}

// PatchElement applies a patch as UpdateElement does (the version is left as it was).
func PatchElement(o Element, p ElementPatch) Element { return applyPatch(o, p) }

// CheckVersion compares an element's version with the one a client expects, as UpdateElement
// does: a stale version is ErrConflict.
func CheckVersion(e Element, expected *int64) error { return checkVersion(e, expected) }

// CheckLink validates a relationship as Link does: a missing end is ErrNotFound, any other
// problem a ValidationError.
func CheckLink(r *Relationship, model string, kindOf func(key string) (Kind, bool)) error {
	if ps := ValidateRelationship(r, kindOf); len(ps) > 0 {
		return notFoundOrInvalid(ps, model)
	}
	return nil
}

// SameElement reports whether two elements have the same content (ignoring model and version).
func SameElement(a, b *Element) bool { return sameElement(a, b) }

const scenarioFields = `s.key AS key, s.name AS name, s.base AS base, s.baseRevision AS baseRevision,
  s.baseCreated AS baseCreated, s.revision AS revision, s.createdAt AS createdAt, s.updatedAt AS updatedAt,
  s.actor AS actor, COUNT { (i:ScenarioItem {scenario: s.key}) } AS items`

// scenarioOf reads a scenario from the columns of scenarioFields.
func scenarioOf(r *neo4j.Record) (Scenario, error) {
	w := rowOf(r, "scenario")
	sc := Scenario{Key: must[string](w, "key"), Name: get[string](w, "name"), Base: get[string](w, "base"), Actor: get[string](w, "actor"),
		BaseCreated: get[time.Time](w, "baseCreated"), CreatedAt: get[time.Time](w, "createdAt"), UpdatedAt: get[time.Time](w, "updatedAt"),
		BaseRevision: get[int64](w, "baseRevision"), Revision: get[int64](w, "revision"), Items: int(get[int64](w, "items"))}
	return sc, w.Err()
}

// CreateScenario makes a scenario of a model at its current revision. Nothing is copied: the
// scenario starts with no items. The key must be free among models and scenarios (CONFLICT).
func (s *Store) CreateScenario(ctx context.Context, base, key, name string) (Scenario, error) {
	v := &validator{}
	v.model(Model{Key: key, Name: name})
	if len(v.problems) > 0 {
		for i := range v.problems {
			v.problems[i].Path = "scenario"
		}
		return Scenario{}, &ValidationError{Problems: v.problems}
	}
	sc, err := writeTx(ctx, s, func(tx neo4j.ManagedTransaction) (Scenario, error) {
		// The base's lock orders the creation after every write to it, so the revision read
		// next is the state the scenario starts from.
		if err := requireModelLocked(ctx, tx, base); err != nil {
			return Scenario{}, err
		}
		rev, err := readRevision(ctx, tx, base)
		if err != nil {
			return Scenario{}, err
		}
		taken, err := run(ctx, tx, `OPTIONAL MATCH (m:Model {key: $key}) OPTIONAL MATCH (s:Scenario {key: $key})
RETURN m IS NOT NULL AS model, s IS NOT NULL AS scenario`, map[string]any{"key": key})
		if err != nil {
			return Scenario{}, err
		}
		w := firstRow(taken, "scenario key taken")
		model, scenario := get[bool](w, "model"), get[bool](w, "scenario")
		if err := w.Err(); err != nil {
			return Scenario{}, err
		}
		if model {
			return Scenario{}, fmt.Errorf("%s is the key of a model; a scenario needs a key of its own: %w", quote(key), ErrConflict)
		}
		if scenario {
			return Scenario{}, fmt.Errorf("scenario %s already exists: %w", quote(key), ErrConflict)
		}
		now := time.Now().UTC()
		recs, err := run(ctx, tx, `CREATE (s:Scenario {key: $key, name: $name, base: $base, baseRevision: $rev,
  baseCreated: $created, revision: 0, createdAt: $now, updatedAt: $now, actor: $actor})
RETURN `+scenarioFields, map[string]any{"key": key, "name": name, "base": base, "rev": rev.Number, "created": rev.Created, "now": now, "actor": ActorFrom(ctx)})
		if err != nil {
			return Scenario{}, err
		}
		return scenarioOf(firstRecord(recs))
	})
	if err != nil {
		return Scenario{}, fmt.Errorf("create scenario %s of %s: %w", Clip(key), Clip(base), err)
	}
	return sc, nil
}

// Scenarios lists the scenarios of a base model ("": of every model), ordered by key.
func (s *Store) Scenarios(ctx context.Context, base string) ([]Scenario, error) {
	var b any
	if base != "" {
		b = base
	}
	recs, err := readTx(ctx, s, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		return run(ctx, tx, `MATCH (s:Scenario) WHERE $base IS NULL OR s.base = $base RETURN `+scenarioFields+` ORDER BY key`, map[string]any{"base": b})
	})
	if err != nil {
		return nil, fmt.Errorf("read scenarios: %w", err)
	}
	out := []Scenario{}
	for _, r := range recs {
		sc, err := scenarioOf(r)
		if err != nil {
			return nil, err
		}
		out = append(out, sc)
	}
	return out, nil
}

// Scenario returns one scenario, or ErrNotFound.
func (s *Store) Scenario(ctx context.Context, key string) (Scenario, error) {
	recs, err := readTx(ctx, s, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		return run(ctx, tx, `MATCH (s:Scenario {key: $key}) RETURN `+scenarioFields, map[string]any{"key": key})
	})
	if err != nil {
		return Scenario{}, fmt.Errorf("read scenario %s: %w", Clip(key), err)
	}
	if len(recs) == 0 {
		return Scenario{}, fmt.Errorf("scenario %s: %w", quote(key), ErrNotFound)
	}
	return scenarioOf(recs[0])
}

// ScenarioState returns a scenario with its items in one read, so that the two agree.
func (s *Store) ScenarioState(ctx context.Context, key string) (Scenario, []ScenarioItem, error) {
	type state struct {
		sc    Scenario
		items []ScenarioItem
	}
	st, err := readTx(unbudgeted(ctx), s, func(tx neo4j.ManagedTransaction) (state, error) {
		recs, err := run(ctx, tx, `MATCH (s:Scenario {key: $key}) RETURN `+scenarioFields, map[string]any{"key": key})
		if err != nil {
			return state{}, err
		}
		if len(recs) == 0 {
			return state{}, fmt.Errorf("scenario %s: %w", quote(key), ErrNotFound)
		}
		sc, err := scenarioOf(recs[0])
		if err != nil {
			return state{}, err
		}
		st := state{sc: sc}
		err = stream(ctx, tx, `MATCH (i:ScenarioItem {scenario: $key}) RETURN i.target AS target, i.key AS key, i.state AS state, i.base AS base
ORDER BY target, key`, map[string]any{"key": key}, func(r *neo4j.Record) error {
			w := rowOf(r, "scenario items")
			it := ScenarioItem{Target: get[string](w, "target"), Key: get[string](w, "key"), State: jsonValue(get[string](w, "state")), Base: jsonValue(get[string](w, "base"))}
			if err := w.Err(); err != nil {
				return err
			}
			st.items = append(st.items, it)
			return nil
		})
		return st, err
	})
	if err != nil {
		return Scenario{}, nil, fmt.Errorf("read scenario %s: %w", Clip(key), err)
	}
	return st.sc, st.items, nil
}

// lockScenario locks a scenario node for the rest of the transaction and checks that its
// revision is the one the caller read; a scenario written since is ErrConflict.
func lockScenario(ctx context.Context, tx neo4j.ManagedTransaction, key string, revision int64) error {
	recs, err := run(ctx, tx, `MATCH (s:Scenario {key: $key}) SET s.lock = true REMOVE s.lock RETURN s.revision AS revision`, map[string]any{"key": key})
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		return fmt.Errorf("scenario %s: %w", quote(key), ErrNotFound)
	}
	w := rowOf(recs[0], "scenario lock")
	got := get[int64](w, "revision")
	if err := w.Err(); err != nil {
		return err
	}
	if got != revision {
		return fmt.Errorf("scenario %s is at revision %d, not %d: %w", quote(key), got, revision, ErrScenarioMoved)
	}
	return nil
}

// ErrScenarioMoved is the conflict of a scenario written by another write between the read a
// write was prepared from and the write; the caller prepares it again. It matches ErrConflict.
var ErrScenarioMoved error = scenarioMoved{}

type scenarioMoved struct{}

func (scenarioMoved) Error() string        { return "the scenario was changed by another write meanwhile" }
func (scenarioMoved) Is(target error) bool { return target == ErrConflict }

// WriteScenarioItems stores changed items of a scenario in one transaction, if the scenario is
// still at revision (else ErrScenarioMoved). An item whose state is its base state
// is removed: the scenario no longer changes it. It returns the scenario's new revision.
func (s *Store) WriteScenarioItems(ctx context.Context, key string, revision int64, items []ScenarioItem) (int64, error) {
	if len(items) == 0 {
		return revision, nil
	}
	set, drop := []map[string]any{}, []map[string]any{}
	for _, it := range items {
		row := map[string]any{"target": it.Target, "key": it.Key}
		if SameState(it.State, it.Base) {
			drop = append(drop, row)
			continue
		}
		row["state"], row["base"] = jsonText(it.State), jsonText(it.Base)
		set = append(set, row)
	}
	rev, err := writeTx(ctx, s, func(tx neo4j.ManagedTransaction) (int64, error) {
		if err := lockScenario(ctx, tx, key, revision); err != nil {
			return 0, err
		}
		for start := 0; start < len(drop); start += batchSize {
			if _, err := run(ctx, tx, `UNWIND $rows AS row MATCH (i:ScenarioItem {scenario: $key, target: row.target, key: row.key}) DELETE i`,
				map[string]any{"key": key, "rows": drop[start:min(start+batchSize, len(drop))]}); err != nil {
				return 0, err
			}
		}
		for start := 0; start < len(set); start += batchSize {
			if _, err := run(ctx, tx, `UNWIND $rows AS row
MERGE (i:ScenarioItem {scenario: $key, target: row.target, key: row.key})
SET i.state = row.state, i.base = row.base`, map[string]any{"key": key, "rows": set[start:min(start+batchSize, len(set))]}); err != nil {
				return 0, err
			}
		}
		recs, err := run(ctx, tx, `MATCH (s:Scenario {key: $key}) SET s.revision = s.revision + 1, s.updatedAt = $now RETURN s.revision AS revision`,
			map[string]any{"key": key, "now": time.Now().UTC()})
		if err != nil {
			return 0, err
		}
		w := firstRow(recs, "scenario revision")
		return must[int64](w, "revision"), w.Err()
	})
	if err != nil {
		return 0, fmt.Errorf("write scenario %s: %w", Clip(key), err)
	}
	return rev, nil
}

// DropScenario deletes a scenario and its items; the base is untouched.
func (s *Store) DropScenario(ctx context.Context, key string) (Scenario, error) {
	sc, err := writeTx(ctx, s, func(tx neo4j.ManagedTransaction) (Scenario, error) {
		recs, err := run(ctx, tx, `MATCH (s:Scenario {key: $key}) SET s.lock = true REMOVE s.lock RETURN `+scenarioFields, map[string]any{"key": key})
		if err != nil {
			return Scenario{}, err
		}
		if len(recs) == 0 {
			return Scenario{}, fmt.Errorf("scenario %s: %w", quote(key), ErrNotFound)
		}
		sc, err := scenarioOf(recs[0])
		if err != nil {
			return Scenario{}, err
		}
		return sc, dropScenarioTx(ctx, tx, key)
	})
	if err != nil {
		return Scenario{}, fmt.Errorf("drop scenario %s: %w", Clip(key), err)
	}
	return sc, nil
}

func dropScenarioTx(ctx context.Context, tx neo4j.ManagedTransaction, key string) error {
	if _, err := run(ctx, tx, `MATCH (i:ScenarioItem {scenario: $key}) DELETE i`, map[string]any{"key": key}); err != nil {
		return err
	}
	_, err := run(ctx, tx, `MATCH (s:Scenario {key: $key}) DELETE s`, map[string]any{"key": key})
	return err
}

// refuseScenarioKey refuses to create a model under a key a scenario holds.
func refuseScenarioKey(ctx context.Context, tx neo4j.ManagedTransaction, key string) error {
	recs, err := run(ctx, tx, `MATCH (s:Scenario {key: $key}) RETURN s.base AS base`, map[string]any{"key": key})
	if err != nil {
		return err
	}
	if len(recs) > 0 {
		w := rowOf(recs[0], "scenario key")
		base := get[string](w, "base")
		if err := w.Err(); err != nil {
			return err
		}
		return fmt.Errorf("%s is the key of a scenario of model %s; a model needs a key of its own: %w", quote(key), quote(base), ErrConflict)
	}
	return nil
}

// ScenarioMerge is what a scenario changes in its base, worked out against the base at
// BaseRevision: every state is whole, and Before is the base's state at that revision.
type ScenarioMerge struct {
	Scenario         string
	ScenarioRevision int64
	Base             string
	BaseRevision     int64
	// Elements to create (Before nil) or replace; their versions are set here.
	Elements []ElementWrite
	// Deleted elements, as they are in the base; their relationships go with them and are
	// listed in DeletedRelationships by the caller.
	Deleted []Element
	// Relationships to create (Before nil) or whose properties to set.
	Relationships []RelationshipWrite
	// DeletedRelationships, as they are in the base.
	DeletedRelationships []Relationship
}

// ElementWrite is an element's state in the base and the state to write.
type ElementWrite struct {
	Before *Element
	After  Element
}

// RelationshipWrite is a relationship's state in the base and the state to write.
type RelationshipWrite struct {
	Before *Relationship
	After  Relationship
}

// MergeScenario writes a scenario's changes into its base in one transaction, recorded in the
// history under one new revision whose changes name the scenario, and deletes the scenario. It
// is ErrConflict when the base or the scenario has moved on from the revisions the merge was
// worked out at. It returns the base's new revision.
func (s *Store) MergeScenario(ctx context.Context, m ScenarioMerge) (int64, error) {
	newRev, err := writeTx(ctx, s, func(tx neo4j.ManagedTransaction) (int64, error) {
		if err := requireModelLocked(ctx, tx, m.Base); err != nil {
			return 0, err
		}
		rev, err := readRevision(ctx, tx, m.Base)
		if err != nil {
			return 0, err
		}
		if rev.Number != m.BaseRevision {
			return 0, fmt.Errorf("model %s changed while the merge was prepared (revision %d, not %d); merge again: %w", quote(m.Base), rev.Number, m.BaseRevision, ErrConflict)
		}
		if err := lockScenario(ctx, tx, m.Scenario, m.ScenarioRevision); err != nil {
			return 0, err
		}
		var keys []string
		for _, w := range m.Elements {
			keys = append(keys, w.After.Key)
		}
		for _, r := range m.Relationships {
			keys = append(keys, r.After.From, r.After.To)
		}
		old, err := elementsByKey(ctx, tx, m.Base, keys)
		if err != nil {
			return 0, err
		}
		var changes []Change
		for _, r := range m.DeletedRelationships {
			changes = append(changes, relChange(OpDelete, &r, nil))
		}
		if err := deleteRels(ctx, tx, m.Base, m.DeletedRelationships); err != nil {
			return 0, err
		}
		var dead []string
		for i := range m.Deleted {
			dead = append(dead, m.Deleted[i].Key)
			changes = append(changes, elementChange(OpDelete, &m.Deleted[i], nil))
		}
		if err := deleteElements(ctx, tx, m.Base, dead); err != nil {
			return 0, err
		}
		write := make([]Element, len(m.Elements))
		for i, w := range m.Elements {
			e := w.After
			e.Model = m.Base
			if w.Before == nil {
				e.Version = 1
				changes = append(changes, elementChange(OpCreate, nil, &e))
			} else {
				e.Version = old[e.Key].Version + 1
				changes = append(changes, elementChange(OpUpdate, w.Before, &e))
			}
			write[i] = e
		}
		now := time.Now().UTC()
		ids, err := writeElements(ctx, tx, m.Base, write, old, now)
		if err != nil {
			return 0, err
		}
		for k, e := range old {
			if _, ok := ids[k]; !ok {
				ids[k] = e.nodeID
			}
		}
		rels := make([]Relationship, len(m.Relationships))
		existing := map[string]bool{}
		for i, w := range m.Relationships {
			rels[i] = w.After
			op := OpCreate
			if w.Before != nil {
				existing[w.After.ID()] = true
				op = OpUpdate
			}
			changes = append(changes, relChange(op, w.Before, &rels[i]))
		}
		if err := writeRels(ctx, tx, rels, existing, ids); err != nil {
			return 0, err
		}
		if err := record(ctx, tx, m.Base, now, changes); err != nil {
			return 0, err
		}
		recs, err := run(ctx, tx, `MATCH (m:Model {key: $model}) WITH m.revision AS rev
MATCH (c:Change {model: $model, revision: rev}) SET c.scenario = $scenario
RETURN rev LIMIT 1`, map[string]any{"model": m.Base, "scenario": m.Scenario})
		if err != nil {
			return 0, err
		}
		newRev := rev.Number
		if len(recs) > 0 {
			w := rowOf(recs[0], "merged revision")
			if newRev = must[int64](w, "rev"); w.Err() != nil {
				return 0, w.Err()
			}
		}
		return newRev, dropScenarioTx(ctx, tx, m.Scenario)
	})
	if err != nil {
		return 0, fmt.Errorf("merge scenario %s into %s: %w", Clip(m.Scenario), Clip(m.Base), err)
	}
	return newRev, nil
}

// MergedFrom reads which scenario the changes of a model's revision were merged from ("" when
// they were not), for the history.
func (s *Store) MergedFrom(ctx context.Context, model string, revisions []int64) (map[int64]string, error) {
	recs, err := readTx(ctx, s, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		return run(ctx, tx, `UNWIND $revs AS rev
MATCH (c:Change {model: $model, revision: rev}) WHERE c.scenario IS NOT NULL
RETURN rev, head(collect(c.scenario)) AS scenario`, map[string]any{"model": model, "revs": revisions})
	})
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", Clip(model), err)
	}
	out := map[int64]string{}
	for _, r := range recs {
		w := rowOf(r, "merged from")
		rev, sc := must[int64](w, "rev"), get[string](w, "scenario")
		if err := w.Err(); err != nil {
			return nil, err
		}
		out[rev] = sc
	}
	return out, nil
}
