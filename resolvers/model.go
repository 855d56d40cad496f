package resolvers

import (
	"context"

	"github.com/modelgraph/modelgraph/graph"
)

// Model is one organisation's models with its counts.
type Model struct {
	s  graph.ModelSummary
	mb *modelBatch
}

// modelBatch loads the canvases of every model in a list at once.
type modelBatch struct {
	store  *graph.Store
	keys   []string
	canvas lazy[map[string]*Canvas]
}

func newModels(store *graph.Store, ms []graph.ModelSummary) []*Model {
	mb := &modelBatch{store: store}
	out := make([]*Model, len(ms))
	for i, m := range ms {
		mb.keys = append(mb.keys, m.Key)
		out[i] = &Model{s: m, mb: mb}
	}
	return out
}

// Key is the model's key.
func (m *Model) Key() string { return m.s.Key }

// Name is the model's name.
func (m *Model) Name() string { return m.s.Name }

// Description is the model's description.
func (m *Model) Description() *string { return optString(m.s.Description) }

// ElementCount is the number of elements.
func (m *Model) ElementCount() int { return m.s.Elements }

// RelationshipCount is the number of relationships.
func (m *Model) RelationshipCount() int { return m.s.Relationships }

// Counts are the element counts by kind in metamodel order.
func (m *Model) Counts() []*KindCount {
	out := []*KindCount{}
	for _, k := range graph.Kinds() {
		if n := m.s.ByKind[k]; n > 0 {
			out = append(out, &KindCount{Kind: k, Count: n})
		}
	}
	return out
}

// Canvas is the model's nine canvas blocks.
func (m *Model) Canvas(ctx context.Context) (*Canvas, error) {
	all, err := m.mb.canvas.get(func() (map[string]*Canvas, error) {
		byModel, err := m.mb.store.ElementsOfKinds(ctx, m.mb.keys, graph.KindsIn(graph.Canvas))
		if err != nil {
			return nil, err
		}
		var elems []graph.Element
		for _, k := range m.mb.keys {
			elems = append(elems, byModel[k]...)
		}
		b := newBatch(m.mb.store, elems)
		out := map[string]*Canvas{}
		for _, k := range m.mb.keys {
			out[k] = newCanvas(b, byModel[k])
		}
		return out, nil
	})
	if err != nil {
		return nil, err
	}
	return all[m.s.Key], nil
}

// Canvas is a model's Business Model Canvas.
type Canvas struct {
	ValuePropositions     []*ValueProposition
	CustomerSegments      []*CustomerSegment
	Channels              []*Channel
	CustomerRelationships []*CustomerRelationship
	RevenueStreams        []*RevenueStream
	KeyResources          []*KeyResource
	KeyActivities         []*KeyActivity
	KeyPartners           []*KeyPartner
	Costs                 []*Cost
}

func newCanvas(b *batch, elems []graph.Element) *Canvas {
	c := &Canvas{
		ValuePropositions: []*ValueProposition{}, CustomerSegments: []*CustomerSegment{}, Channels: []*Channel{},
		CustomerRelationships: []*CustomerRelationship{}, RevenueStreams: []*RevenueStream{}, KeyResources: []*KeyResource{},
		KeyActivities: []*KeyActivity{}, KeyPartners: []*KeyPartner{}, Costs: []*Cost{},
	}
	for _, e := range elems {
		switch o := wrap(b.add(e)).(type) {
		case *ValueProposition:
			c.ValuePropositions = append(c.ValuePropositions, o)
		case *CustomerSegment:
			c.CustomerSegments = append(c.CustomerSegments, o)
		case *Channel:
			c.Channels = append(c.Channels, o)
		case *CustomerRelationship:
			c.CustomerRelationships = append(c.CustomerRelationships, o)
		case *RevenueStream:
			c.RevenueStreams = append(c.RevenueStreams, o)
		case *KeyResource:
			c.KeyResources = append(c.KeyResources, o)
		case *KeyActivity:
			c.KeyActivities = append(c.KeyActivities, o)
		case *KeyPartner:
			c.KeyPartners = append(c.KeyPartners, o)
		case *Cost:
			c.Costs = append(c.Costs, o)
		}
	}
	return c
}
