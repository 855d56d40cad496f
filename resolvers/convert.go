package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/modelgraph/modelgraph/graph"
)

func newConnection(store Store, p *graph.ElementPage) *ElementConnection {
	b := newBatch(store, p.Elements)
	c := &ElementConnection{Edges: []*ElementEdge{}, Nodes: b.wrapAll(p.Elements), PageInfo: &PageInfo{HasNextPage: p.HasNextPage}, TotalCount: p.TotalCount}
	for i, e := range p.Elements {
		c.Edges = append(c.Edges, &ElementEdge{Cursor: graph.Cursor(e.Key), Node: c.Nodes[i]})
	}
	if p.EndCursor != "" {
		c.PageInfo.EndCursor = &p.EndCursor
	}
	return c
}

// newImpact wraps every element of an impact in one batch, so nested fields load once for all.
func newImpact(store Store, im *graph.Impact) *Impact {
	b := newBatch(store, nil)
	out := &Impact{
		Source:   wrap(b.add(im.Source)),
		Scope:    b.wrapAll(im.Scope),
		Affected: []*Affected{},
		Counts:   []*KindCount{},
	}
	counts := map[graph.Kind]int{}
	for _, a := range im.Affected {
		out.Affected = append(out.Affected, &Affected{Element: wrap(b.add(a.Element)), Distance: a.Distance, Path: steps(b, a.Path)})
		counts[a.Element.Kind]++
	}
	out.store, out.im = store, im
	for _, k := range graph.Kinds() {
		if n := counts[k]; n > 0 {
			out.Counts = append(out.Counts, &KindCount{Kind: k, Count: n})
		}
	}
	return out
}

func metamodel() *Metamodel {
	m := &Metamodel{}
	for _, k := range graph.Metamodel.Kinds {
		m.Kinds = append(m.Kinds, &KindInfo{Kind: k.Kind, Category: k.Category, Meaning: k.Meaning})
	}
	for _, r := range graph.Metamodel.Relationships {
		info := &RelationshipTypeInfo{Type: r.Type, Propagating: r.Propagating, Meaning: r.Meaning}
		for _, p := range graph.Pairs() {
			if p.Type == r.Type {
				info.Pairs = append(info.Pairs, &KindPair{From: p.From, To: p.To})
			}
		}
		m.RelationshipTypes = append(m.RelationshipTypes, info)
	}
	return m
}

// wantsField reports whether the operation selects a field of the current field's result.
func wantsField(ctx context.Context, name string) bool {
	for _, f := range graphql.CollectFieldsCtx(ctx, nil) {
		if f.Name == name {
			return true
		}
	}
	return false
}
