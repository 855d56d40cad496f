// Package scenario reads and edits what-if scenarios, compares models and merges scenarios into
// their bases, all over in-memory snapshots (package engine).
//
// A scenario is stored as a copy-on-write overlay (graph.Store.CreateScenario): the items it
// changed, each with its state in the base at the scenario's base revision. Reading one takes the
// base's snapshot, brings it back to the base revision when the base has moved on (undoing the
// recorded changes above it, whose before-states are whole items), and applies the items. So
// creating a scenario copies nothing, and reading one costs its changes, not its base.
package scenario

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/engine"
)

// Snapshots hands out a model at its current revision or a newer one (*snapshots.Cache does).
type Snapshots interface {
	Snapshot(ctx context.Context, model string) (*engine.Model, error)
}

// Service works on the scenarios of one store. It is safe for concurrent use.
type Service struct {
	Store     *graph.Store
	Snapshots Snapshots
	// Limits bound the elements of one write, as for models.
	Limits graph.Limits

	mu    sync.Mutex
	bases map[baseKey]*engine.Model // bases at past revisions, a few
	views map[string]*View          // the latest view of each scenario read
}

// New returns a service over a store and its snapshots.
func New(store *graph.Store, snaps Snapshots) *Service {
	return &Service{Store: store, Snapshots: snaps, bases: map[baseKey]*engine.Model{}, views: map[string]*View{}}
}

type baseKey struct {
	model    string
	revision int64
	created  int64
}

// maxCached bounds the past bases and the views the service keeps.
const maxCached = 16

// View is a scenario as read at one of its revisions.
type View struct {
	Scenario graph.Scenario
	// Base is the base model at the scenario's base revision.
	Base *engine.Model
	// Model is the scenario: Base with the items applied, under the scenario's key and at the
	// scenario's revision.
	Model *engine.Model
	// Items are the changed elements and relationships by target and key.
	Items map[ItemKey]graph.ScenarioItem
}

// ItemKey names an item: its target (graph.TargetElement or graph.TargetRelationship) and key.
type ItemKey struct {
	Target string
	Key    string
}

// Open reads a scenario at its current revision. An unknown scenario is graph.ErrNotFound.
func (s *Service) Open(ctx context.Context, key string) (*View, error) {
	sc, err := s.Store.Scenario(ctx, key)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	v := s.views[key]
	s.mu.Unlock()
	if v != nil && v.Scenario.Revision == sc.Revision && v.Scenario.BaseCreated.Equal(sc.BaseCreated) {
		return v, nil
	}
	sc, items, err := s.Store.ScenarioState(ctx, key)
	if err != nil {
		return nil, err
	}
	base, err := s.BaseAt(ctx, sc.Base, sc.BaseRevision, sc)
	if err != nil {
		return nil, err
	}
	v, err = build(sc, base, items)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if len(s.views) >= maxCached {
		clear(s.views)
	}
	s.views[key] = v
	s.mu.Unlock()
	return v, nil
}

// build applies a scenario's items to its base.
func build(sc graph.Scenario, base *engine.Model, items []graph.ScenarioItem) (*View, error) {
	v := &View{Scenario: sc, Base: base, Items: make(map[ItemKey]graph.ScenarioItem, len(items))}
	for _, it := range items {
		v.Items[ItemKey{it.Target, it.Key}] = it
	}
	m, err := base.Apply(itemEdits(items), sc.Revision)
	if err != nil {
		return nil, fmt.Errorf("scenario %q does not apply to its base %q at revision %d: %w", sc.Key, sc.Base, sc.BaseRevision, err)
	}
	// The scenario's model keeps the base's name and description, so that a comparison with the
	// base shows only what the scenario changed.
	info := m.Info()
	info.Key = sc.Key
	v.Model = m.Renamed(info, sc.Revision)
	return v, nil
}

// itemEdits orders items so that they apply: elements written, relationships removed,
// relationships written, elements removed.
func itemEdits(items []graph.ScenarioItem) []engine.Edit {
	var ups, relDel, relUp, dels []engine.Edit
	for _, it := range items {
		switch {
		case it.Target == graph.TargetElement && it.State != nil:
			ups = append(ups, engine.Edit{Op: engine.UpsertElement, Element: graph.ElementOfState(it.State)})
		case it.Target == graph.TargetElement:
			dels = append(dels, engine.Edit{Op: engine.DeleteElement, Element: graph.ElementOfState(it.Base)})
		case it.State != nil:
			relUp = append(relUp, engine.Edit{Op: engine.UpsertRelationship, Relationship: graph.RelationshipOfState(it.State)})
		default:
			relDel = append(relDel, engine.Edit{Op: engine.DeleteRelationship, Relationship: graph.RelationshipOfState(it.Base)})
		}
	}
	return slices.Concat(ups, relDel, relUp, dels)
}

// BaseAt returns a model as it was at a revision: its snapshot, with the recorded changes above
// the revision undone when it has moved on. sc, when set, is the scenario asking, for messages
// and for checking that the model is the one the scenario was made of.
func (s *Service) BaseAt(ctx context.Context, model string, revision int64, sc graph.Scenario) (*engine.Model, error) {
	cur, err := s.Snapshots.Snapshot(ctx, model)
	if err != nil {
		if errors.Is(err, graph.ErrNotFound) && sc.Key != "" {
			return nil, fmt.Errorf("scenario %q: its base model %q no longer exists; drop the scenario: %w", sc.Key, model, graph.ErrConflict)
		}
		return nil, err
	}
	if cur.Revision() == revision {
		return cur, nil
	}
	if cur.Revision() < revision {
		return nil, fmt.Errorf("model %q is at revision %d; revision %d does not exist yet: %w", model, cur.Revision(), revision, graph.ErrInvalid)
	}
	rev, err := s.Store.ModelRevision(ctx, model)
	if err != nil {
		return nil, err
	}
	if sc.Key != "" && !rev.Created.Equal(sc.BaseCreated) {
		return nil, fmt.Errorf("scenario %q: model %q was deleted and created again since the scenario was made; drop the scenario: %w", sc.Key, model, graph.ErrConflict)
	}
	if rev.Unrecorded > revision {
		return nil, fmt.Errorf("model %q was loaded without history at revision %d, after revision %d, so that revision cannot be read back: %w", model, rev.Unrecorded, revision, graph.ErrConflict)
	}
	k := baseKey{model, revision, rev.Created.UnixNano()}
	s.mu.Lock()
	old := s.bases[k]
	s.mu.Unlock()
	if old != nil {
		return old, nil
	}
	m, err := s.rewind(ctx, cur, revision)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if len(s.bases) >= maxCached {
		clear(s.bases)
	}
	s.bases[k] = m
	s.mu.Unlock()
	return m, nil
}

// maxRewind bounds the recorded changes undone to read a past revision.
const maxRewind = 200_000

// rewind undoes the changes above revision, newest first.
func (s *Service) rewind(ctx context.Context, cur *engine.Model, revision int64) (*engine.Model, error) {
	model := cur.Info().Key
	cs, err := s.Store.ChangesAfter(ctx, model, revision, maxRewind)
	if err != nil {
		return nil, err
	}
	if len(cs) > maxRewind {
		return nil, fmt.Errorf("model %q has more than %d changes since revision %d; that revision is too far back to read: %w", model, maxRewind, revision, graph.ErrInvalid)
	}
	edits := make([]engine.Edit, 0, len(cs))
	for i := len(cs) - 1; i >= 0; i-- {
		c := cs[i]
		if c.Revision > cur.Revision() {
			continue // committed after the snapshot was read
		}
		inv := c
		inv.Before, inv.After = c.After, c.Before
		switch c.Operation {
		case graph.OpCreate:
			inv.Operation = graph.OpDelete
		case graph.OpDelete:
			inv.Operation = graph.OpCreate
		}
		if c.Target == graph.TargetModel && c.Operation != graph.OpUpdate {
			return nil, fmt.Errorf("model %q was created after revision %d: %w", model, revision, graph.ErrInvalid)
		}
		e, err := engine.EditOf(inv)
		if err != nil {
			return nil, err
		}
		edits = append(edits, e)
	}
	m, err := cur.Apply(edits, revision)
	if err != nil {
		return nil, fmt.Errorf("model %q: the history above revision %d does not undo: %w", model, revision, err)
	}
	return m, nil
}

// Model returns the model a key names: a scenario's view model, or a model's snapshot.
func (s *Service) Model(ctx context.Context, key string) (*engine.Model, error) {
	m, err := s.Snapshots.Snapshot(ctx, key)
	if !errors.Is(err, graph.ErrNotFound) {
		return m, err
	}
	v, verr := s.Open(ctx, key)
	if errors.Is(verr, graph.ErrNotFound) {
		return nil, err // the model's error: neither a model nor a scenario
	}
	if verr != nil {
		return nil, verr
	}
	return v.Model, nil
}
