package resolvers

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/99designs/gqlgen/graphql"

	"github.com/modelgraph/modelgraph/graph"
)

// Model is one organisation's model. Its counts and canvas are loaded when asked for, for every
// model of the list at once.
type Model struct {
	m  graph.Model
	mb *modelBatch
	// past is set for a past state (Query.model with a revision): every field reads it (history.go).
	past *pastState
}

// modelBatch loads the counts and canvases of every model in a list at once.
type modelBatch struct {
	store  Store
	keys   []string
	counts lazy[map[string]graph.ModelSummary]
	// canvas holds one load per set of blocks asked for: two canvas fields of one model (under
	// aliases) may ask for different blocks, and each must get its own.
	mu     sync.Mutex
	canvas map[string]*lazy[map[string]*Canvas]
}

func newModels(store Store, ms []graph.Model) []*Model {
	mb := &modelBatch{store: store, canvas: map[string]*lazy[map[string]*Canvas]{}}
	out := make([]*Model, len(ms))
	for i, m := range ms {
		mb.keys = append(mb.keys, m.Key)
		out[i] = &Model{m: m, mb: mb}
	}
	return out
}

// Key is the model's key.
func (m *Model) Key() string { return m.m.Key }

// Name is the model's name.
func (m *Model) Name() string { return m.m.Name }

// Description is the model's description.
func (m *Model) Description() *string { return optString(m.m.Description) }

func (m *Model) summary(ctx context.Context) (graph.ModelSummary, error) {
	if m.past != nil {
		return m.past.summary(), nil
	}
	all, err := m.mb.counts.get(func() (map[string]graph.ModelSummary, error) {
		return m.mb.store.ModelCounts(ctx, m.mb.keys)
	})
	return all[m.m.Key], err
}

// ElementCount is the number of elements.
func (m *Model) ElementCount(ctx context.Context) (int, error) {
	s, err := m.summary(ctx)
	return s.Elements, err
}

// RelationshipCount is the number of relationships.
func (m *Model) RelationshipCount(ctx context.Context) (int, error) {
	s, err := m.summary(ctx)
	return s.Relationships, err
}

// Counts are the element counts by kind in metamodel order.
func (m *Model) Counts(ctx context.Context) ([]*KindCount, error) {
	s, err := m.summary(ctx)
	if err != nil {
		return nil, err
	}
	out := []*KindCount{}
	for _, k := range graph.Kinds() {
		if n := s.ByKind[k]; n > 0 {
			out = append(out, &KindCount{Kind: k, Count: n})
		}
	}
	return out, nil
}

// Canvas is the model's nine canvas blocks. Only the blocks the operation asks for are read, for
// every model of the list in one round trip, and each block's elements form one batch.
func (m *Model) Canvas(ctx context.Context) (*Canvas, error) {
	var kinds []graph.Kind
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if k, ok := canvasFields[f.Name]; ok && !slices.Contains(kinds, k) {
			kinds = append(kinds, k)
		}
	}
	slices.Sort(kinds)
	if m.past != nil {
		return m.past.canvas(m.mb.store, kinds), nil
	}
	all, err := lazyFor(&m.mb.mu, m.mb.canvas, fmt.Sprint(kinds)).get(func() (map[string]*Canvas, error) {
		out := map[string]*Canvas{}
		for _, k := range m.mb.keys {
			out[k] = newCanvas()
		}
		if len(kinds) == 0 {
			return out, nil
		}
		byModel, err := m.mb.store.ElementsOfKinds(ctx, m.mb.keys, kinds)
		if err != nil {
			return nil, err
		}
		batches := map[graph.Kind]*batch{}
		for _, k := range kinds {
			batches[k] = newBatch(m.mb.store, nil)
		}
		for _, key := range m.mb.keys {
			out[key].add(batches, byModel[key])
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	return all[m.m.Key], nil
}
