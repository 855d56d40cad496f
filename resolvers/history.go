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

// pastState is a model as it was at a past revision, for one operation. Every field under
// Query.model(revision) reads it: the model's own fields through Model.past, and the fields of
// the elements and analyses below through the context pastScope gives them.
type pastState struct {
	snap *engine.Model
	rs   *requestSnapshots // the snapshots those fields read: this state
	memo *memo             // their analyses, of this state
}

// pastModel answers Query.model with a revision.
func (r *Resolver) pastModel(ctx context.Context, key string, revision int64) (*Model, error) {
	snap, err := r.asOf(ctx, key, revision)
	if err != nil {
		return nil, err
	}
	p := &pastState{snap: snap}
	p.rs = &requestSnapshots{src: pastSource{snap}, m: map[string]*lazy[*engine.Model]{}}
	if base, err := memoFrom(ctx); err == nil {
		scope := base.scope
		scope.source = func(ctx context.Context, model string) (*engine.Model, error) {
			return pastSource{snap}.Snapshot(ctx, model)
		}
		p.memo = &memo{scope: scope, models: map[string]*modelMemo{}}
	}
	m := newModels(r.Store, []graph.Model{snap.Info()})[0]
	m.past = p
	return m, nil
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
func (p *pastState) canvas(store *graph.Store, kinds []graph.Kind) *Canvas {
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

// Revision is the revision the answer reads.
func (m *Model) Revision(ctx context.Context) (int, error) {
	if m.past != nil {
		return int(m.past.snap.Revision()), nil
	}
	rev, err := m.mb.store.ModelRevision(ctx, m.m.Key)
	return int(rev.Number), err
}

// Past reports whether this is a past state.
func (m *Model) Past() bool { return m.past != nil }

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
		if len(links) > 0 {
			out[ref] = links
		}
	}
	return out, true
}

// exportAt answers exportModel with a revision: the past state as a model file.
func (r *Resolver) exportAt(ctx context.Context, model string, revision int64, f graph.Format) (string, error) {
	snap, err := r.asOf(ctx, model, revision)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := graph.Encode(&buf, snap.File(), f); err != nil {
		return "", err
	}
	return buf.String(), nil
}
