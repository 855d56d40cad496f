package resolvers

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/engine"
)

// PastSource reads a model as it was at a past revision, read-only; *snapshots.Cache implements
// it (AsOf).
type PastSource interface {
	AsOf(ctx context.Context, model string, revision int64) (*engine.Model, error)
}

// asOf reads a past state through the resolver's snapshot source.
func (r *Resolver) asOf(ctx context.Context, model string, revision int64) (*engine.Model, error) {
	p := r.Past
	if p == nil {
		return nil, fmt.Errorf("past revisions are read from the snapshot cache, and this server has none: %w", graph.ErrUnavailable)
	}
	return p.AsOf(ctx, model, revision)
}

// pastState is a model state that the database does not hold as the model's current one, for
// one operation: a past revision (Query.model with a revision), read-only, or a scenario's
// current state (Query.model with a scenario's key). Every field under that Query.model reads
// it: the model's own fields through Model.past, and the fields of the elements and analyses
// below through the context pastScope gives them.
type pastState struct {
	snap     *engine.Model
	scenario bool              // a scenario's state: not a past one, and it may be edited
	rs       *requestSnapshots // the snapshots those fields read: this state
	memo     *memo             // their analyses, of this state
}

// pastModel answers Query.model with a revision.
func (r *Resolver) pastModel(ctx context.Context, key string, revision int64) (*Model, error) {
	snap, err := r.asOf(ctx, key, revision)
	if err != nil {
		return nil, err
	}
	return stateModel(ctx, r.Store, snap, false), nil
}

// stateModel is Query.model answered from a snapshot: every field under it reads that state.
func stateModel(ctx context.Context, store Store, snap *engine.Model, scenario bool) *Model {
	p := &pastState{snap: snap, scenario: scenario}
	p.rs = &requestSnapshots{src: pastSource{snap}, m: map[string]*lazy[*engine.Model]{}}
	if base, err := memoFrom(ctx); err == nil {
		scope := base.scope
		scope.source = func(ctx context.Context, model string) (*engine.Model, error) {
			return pastSource{snap}.Snapshot(ctx, model)
		}
		p.memo = &memo{scope: scope, models: map[string]*modelMemo{}}
	}
	m := newModels(store, []graph.Model{snap.Info()})[0]
	m.past = p
	return m
}

// pastSource hands out one past state.
type pastSource struct{ snap *engine.Model }

func (s pastSource) Snapshot(ctx context.Context, model string) (*engine.Model, error) {
	if model != s.snap.Info().Key {
		return nil, fmt.Errorf("model %q: %w", model, graph.ErrNotFound)
	}
	return s.snap, nil
}

func (p *pastState) summary() graph.ModelSummary {
	s := graph.ModelSummary{Model: p.snap.Info(), Elements: p.snap.Len(), Relationships: p.snap.RelLen(), ByKind: map[graph.Kind]int{}}
	for i := range p.snap.Len() {
		s.ByKind[p.snap.Kind(engine.NodeID(i))]++
	}
	return s
}

// canvas files the past state's elements of the kinds asked for into their blocks, by key.
func (p *pastState) canvas(store Store, kinds []graph.Kind) *Canvas {
	c := newCanvas()
	if len(kinds) == 0 {
		return c
	}
	batches := map[graph.Kind]*batch{}
	for _, k := range kinds {
		batches[k] = newBatch(store, nil)
	}
	var elems []graph.Element
	for _, id := range p.snap.Elements() {
		if slices.Contains(kinds, p.snap.Kind(id)) {
			elems = append(elems, p.snap.Element(id))
		}
	}
	c.add(batches, elems)
	return c
}

// Revision is the revision the answer reads; a scenario's is its own revision, the number of
// edits made to it.
func (m *Model) Revision(ctx context.Context) (int, error) {
	if m.past != nil {
		return int(m.past.snap.Revision()), nil
	}
	rev, err := m.mb.store.ModelRevision(ctx, m.m.Key)
	return int(rev.Number), err
}

// Past reports whether this is a past state; a scenario's state is not.
func (m *Model) Past() bool { return m.past != nil && !m.past.scenario }

// pastScope gives every field under Query.model(revision) the past state to read: the
// snapshots, the analyses and the relationships of its elements come from it, not from the
// current model.
type pastScope struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.FieldInterceptor
} = pastScope{}

// ExtensionName names the extension among the handler's extensions.
func (pastScope) ExtensionName() string { return "PastStates" }

// Validate has nothing to check.
func (pastScope) Validate(graphql.ExecutableSchema) error { return nil }

type pastKey struct{}

// InterceptField puts the past state, if the field is under one, into the field's context.
func (pastScope) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	p := pastOf(graphql.GetFieldContext(ctx))
	if p == nil {
		return next(ctx)
	}
	ctx = context.WithValue(ctx, snapshotsKey{}, p.rs)
	if p.memo != nil {
		ctx = context.WithValue(ctx, memoKey{}, p.memo)
	}
	return next(context.WithValue(ctx, pastKey{}, p))
}

// pastOf finds the past state a field is under: that of its root field, when the root is
// Query.model with a revision.
func pastOf(fc *graphql.FieldContext) *pastState {
	for ; fc != nil; fc = fc.Parent {
		if fc.Object == "Query" && fc.Field.Field != nil && fc.Field.Name == "model" {
			if m, ok := fc.Result.(*Model); ok && m != nil {
				return m.past
			}
			return nil
		}
	}
	return nil
}

// pastNeighbours answers a batch's relationships under a past state from that state; ok is
// false outside one.
func pastNeighbours(ctx context.Context, refs []graph.Ref, dir graph.Direction) (out map[graph.Ref][]graph.Link, ok bool) {
	p, _ := ctx.Value(pastKey{}).(*pastState)
	if p == nil {
		return nil, false
	}
	m := p.snap
	out = map[graph.Ref][]graph.Link{}
	for _, ref := range refs {
		id, found := m.ID(ref.Key)
		if ref.Model != m.Info().Key || !found {
			continue
		}
		if links := snapshotLinks(m, id, dir); len(links) > 0 {
			out[ref] = links
		}
	}
	return out, true
}

// snapshotLinks is an element's relationships in one direction in a snapshot, as the store's
// Neighbours gives them: ordered by type, then by the other end's key.
func snapshotLinks(m *engine.Model, id engine.NodeID, dir graph.Direction) []graph.Link {
	ls := m.Out(id)
	if dir == graph.Incoming {
		ls = m.In(id)
	}
	links := make([]graph.Link, len(ls))
	for i, l := range ls {
		links[i] = graph.Link{Type: l.Type, Other: m.Element(l.Other), Properties: m.Relationship(l.Rel).Properties}
	}
	slices.SortFunc(links, func(a, b graph.Link) int {
		if c := strings.Compare(string(a.Type), string(b.Type)); c != 0 {
			return c
		}
		return strings.Compare(a.Other.Key, b.Other.Key)
	})
	return links
}

// exportSnapshot answers exportModel from a snapshot (a past revision or a scenario): that
// state as a model file or an exchange file.
func exportSnapshot(snap *engine.Model, err error, format *DocumentFormat) (string, error) {
	if err != nil {
		return "", err
	}
	if format != nil && *format == DocumentFormatArchimate {
		return archimateText(snap.File())
	}
	var buf bytes.Buffer
	if err := graph.Encode(&buf, snap.File(), fileFormat(format)); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// exportCurrent is exportModel of a model's current state, read from the database.
func (r *Resolver) exportCurrent(ctx context.Context, model string, format *DocumentFormat) (string, error) {
	if format != nil && *format == DocumentFormatArchimate {
		return r.exportArchimate(ctx, model)
	}
	var buf bytes.Buffer
	if err := r.Store.Export(ctx, &buf, model, fileFormat(format)); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// fileFormat is the model file format of exportModel's format argument (YAML when omitted).
func fileFormat(format *DocumentFormat) graph.Format {
	if format != nil && *format == DocumentFormatJSON {
		return graph.JSON
	}
	return graph.YAML
}
