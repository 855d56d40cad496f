package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"

	"github.com/modelgraph/modelgraph/graph"
)

// query is one canonical question; args picks its arguments for the i-th request.
type query struct {
	name string
	args func(in *inputs, i int) map[string]any
}

// inputs are the arguments the requests cycle through, picked from the loaded model.
type inputs struct {
	model     string
	elements  []string
	vps       []string
	functions []string
	paths     [][2]string
}

var queries = []query{
	{"elementByKey", func(in *inputs, i int) map[string]any {
		return map[string]any{"model": in.model, "key": in.elements[i%len(in.elements)]}
	}},
	{"page", func(in *inputs, i int) map[string]any { return map[string]any{"model": in.model} }},
	{"supporters", func(in *inputs, i int) map[string]any {
		return map[string]any{"model": in.model, "key": in.vps[i%len(in.vps)]}
	}},
	{"impact", func(in *inputs, i int) map[string]any {
		return map[string]any{"model": in.model, "key": in.functions[i%len(in.functions)]}
	}},
	{"path", func(in *inputs, i int) map[string]any {
		p := in.paths[i%len(in.paths)]
		return map[string]any{"model": in.model, "from": p[0], "to": p[1]}
	}},
	{"dashboard", func(in *inputs, i int) map[string]any { return map[string]any{"model": in.model} }},
}

// modelgraphOps are the GraphQL operations sent to modelgraph, one per canonical query. They ask
// for what the other targets return.
var modelgraphOps = map[string]string{
	"elementByKey": `query($model: ID!, $key: ID!) { element(model: $model, key: $key) { key kind name description tags } }`,
	"page": `query($model: ID!) { elements(model: $model, first: 100) { nodes { key kind name
  outgoing { type to { key } } incoming { type from { key } } } } }`,
	"supporters": `query($model: ID!, $key: ID!) { supporters(model: $model, key: $key, kinds: [Process], maxDepth: 6) {
  distance element { key } path { from { key } type to { key } } } }`,
	"impact": `query($model: ID!, $key: ID!) { impact(model: $model, key: $key, maxDepth: 6) {
  scope { key } affected { distance element { key kind } } } }`,
	"path":      `query($model: ID!, $from: ID!, $to: ID!) { path(model: $model, from: $from, to: $to, maxDepth: 6) { from { key } type to { key } } }`,
	"dashboard": `query($model: ID!) { model(key: $model) { canvas { valuePropositions { key name supporterCount(kinds: [Process], maxDepth: 6) } } } }`,
}

// pickInputs chooses the arguments: a spread of elements, value propositions, mid-level
// functions (with parents and parts) and partner-to-revenue pairs that have a path.
func pickInputs(ctx context.Context, s *graph.Store, f *graph.File) (*inputs, error) {
	in := &inputs{model: f.Model.Key}
	r := rand.New(rand.NewPCG(7, 11))
	byKind := map[graph.Kind][]string{}
	for i, e := range f.Elements {
		byKind[e.Kind] = append(byKind[e.Kind], e.Key)
		if i%max(1, len(f.Elements)/200) == 0 {
			in.elements = append(in.elements, e.Key)
		}
	}
	in.vps = sample(r, byKind[graph.ValueProposition], 50)
	hasParent, hasPart := map[string]bool{}, map[string]bool{}
	kind := map[string]graph.Kind{}
	for _, e := range f.Elements {
		kind[e.Key] = e.Kind
	}
	for _, rel := range f.Relationships {
		if rel.Type == graph.PartOf && kind[rel.From] == graph.BusinessFunction && kind[rel.To] == graph.BusinessFunction {
			hasParent[rel.From] = true
			hasPart[rel.To] = true
		}
	}
	var mids []string
	for _, k := range byKind[graph.BusinessFunction] {
		if hasParent[k] && hasPart[k] {
			mids = append(mids, k)
		}
	}
	in.functions = sample(r, mids, 20)
	partners, revenue := byKind[graph.KeyPartner], byKind[graph.RevenueStream]
	depth := 6
	for try := 0; try < 300 && len(in.paths) < 20; try++ {
		from, to := partners[r.IntN(len(partners))], revenue[r.IntN(len(revenue))]
		if _, found, err := s.Path(ctx, in.model, from, to, &depth); err != nil {
			return nil, err
		} else if found {
			in.paths = append(in.paths, [2]string{from, to})
		}
	}
	if len(in.functions) == 0 || len(in.vps) == 0 || len(in.paths) == 0 {
		return nil, errors.New("the model has no mid-level functions, value propositions or partner-to-revenue paths to ask about")
	}
	return in, nil
}

func sample(r *rand.Rand, xs []string, n int) []string {
	if len(xs) <= n {
		return xs
	}
	out := make([]string, 0, n)
	for _, i := range r.Perm(len(xs))[:n] {
		out = append(out, xs[i])
	}
	return out
}

// rawTarget sends the same Cypher modelgraph sends, through the Go driver, with no HTTP or
// GraphQL in between: the floor. Each query makes the same store calls the GraphQL resolvers make.
type rawTarget struct{ store *graph.Store }

func (t *rawTarget) name() string { return "raw-cypher" }

func (t *rawTarget) do(ctx context.Context, q string, a map[string]any) error {
	s, model := t.store, a["model"].(string)
	depth := 6
	switch q {
	case "elementByKey":
		_, err := s.Element(ctx, model, a["key"].(string))
		return err
	case "page":
		p, err := s.ListElements(ctx, graph.ElementQuery{Model: model, First: 100})
		if err != nil {
			return err
		}
		refs := make([]graph.Ref, len(p.Elements))
		for i, e := range p.Elements {
			refs[i] = graph.Ref{Model: model, Key: e.Key}
		}
		if _, err := s.Neighbours(ctx, refs, graph.Outgoing); err != nil {
			return err
		}
		_, err = s.Neighbours(ctx, refs, graph.Incoming)
		return err
	case "supporters":
		_, err := s.SupportersOf(ctx, graph.Ref{Model: model, Key: a["key"].(string)}, []graph.Kind{graph.Process}, &depth)
		return err
	case "impact":
		_, err := s.Impact(ctx, graph.Ref{Model: model, Key: a["key"].(string)}, &depth, nil)
		return err
	case "path":
		_, _, err := s.Path(ctx, model, a["from"].(string), a["to"].(string), &depth)
		return err
	case "dashboard":
		if _, err := s.Model(ctx, model); err != nil {
			return err
		}
		byModel, err := s.ElementsOfKinds(ctx, []string{model}, []graph.Kind{graph.ValueProposition})
		if err != nil {
			return err
		}
		var refs []graph.Ref
		for _, e := range byModel[model] {
			if e.Kind == graph.ValueProposition {
				refs = append(refs, graph.Ref{Model: model, Key: e.Key})
			}
		}
		_, err = s.SupporterCounts(ctx, refs, []graph.Kind{graph.Process}, &depth)
		return err
	}
	return fmt.Errorf("unknown query %s", q)
}
