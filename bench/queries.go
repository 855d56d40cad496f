package main

import (
	"context"
	"errors"
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

func queryNamed(name string) query {
	for _, q := range queries {
		if q.name == name {
			return q
		}
	}
	panic("no query " + name)
}

// modelgraphOps are the GraphQL operations sent to modelgraph, one per canonical query. They ask
// for what the other targets return.
var modelgraphOps = map[string]string{
	"elementByKey": `query($model: ID!, $key: ID!) { element(model: $model, key: $key) { key kind name description tags } }`,
	// Relationship lists without first answer LIST_TOO_LONG above 100 items (hubs): the page asks
	// for the first 100 in each direction, as the other targets return.
	"page": `query($model: ID!) { elements(model: $model, first: 100) { nodes { key kind name
  outgoing(first: 100) { type to { key } } incoming(first: 100) { type from { key } } } } }`,
	"supporters": `query($model: ID!, $key: ID!) { supporters(model: $model, key: $key, kinds: [Process], maxDepth: 6) {
  distance element { key } path { from { key } type to { key } } } }`,
	"impact": `query($model: ID!, $key: ID!) { impact(model: $model, key: $key, maxDepth: 6) {
  scope { key } affected { distance element { key kind } } } }`,
	"path":      `query($model: ID!, $from: ID!, $to: ID!) { path(model: $model, from: $from, to: $to, maxDepth: 6) { from { key } type to { key } } }`,
	"dashboard": `query($model: ID!) { model(key: $model) { canvas { valuePropositions { key name supporterCount(kinds: [Process], maxDepth: 6) } } } }`,
}

// pickInputs chooses the arguments: a spread of elements, value propositions, mid-level
// functions (with parents and parts) and partner-to-revenue pairs that have a path, asking the
// store whether a pair connects.
func pickInputs(ctx context.Context, s *graph.Store, f *graph.File) (*inputs, error) {
	depth := 6
	return pickInputsWith(f, func(from, to string) (bool, error) {
		_, found, err := s.Path(ctx, f.Model.Key, from, to, &depth)
		return found, err
	})
}

// pickInputsWith is pickInputs with connects telling whether a pair has a path within 6 hops.
func pickInputsWith(f *graph.File, connects func(from, to string) (bool, error)) (*inputs, error) {
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
	// Random pairs connect within 6 hops less often as the model grows (about one in fifteen at
	// 100k, fewer at 1M), so the tries are many; connects is the snapshot's search (microseconds)
	// in the three-way bench.
	for try := 0; try < 200000 && len(in.paths) < 20; try++ {
		from, to := partners[r.IntN(len(partners))], revenue[r.IntN(len(revenue))]
		if found, err := connects(from, to); err != nil {
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
