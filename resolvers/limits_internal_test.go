package resolvers

import (
	"context"
	"strings"
	"testing"

	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

func TestShapeMeter(t *testing.T) {
	tests := []struct {
		query                  string
		depth, fields, aliases int
	}{
		{`{ a }`, 1, 1, 0},
		{`{ a { b c { d } } }`, 3, 4, 0},
		{`{ x: a y: a { b } }`, 2, 3, 2},
		{`{ a: a }`, 1, 1, 0}, // an alias equal to the name is no alias
		{`{ ... on Query { a { b } } }`, 2, 2, 0},
		{`{ a { ...F ...F } } fragment F on T { b { c } }`, 3, 5, 0},
		// Each fragment spreads the one before twice: counted, not expanded.
		{`{ ...F3 } fragment F3 on T { ...F2 ...F2 } fragment F2 on T { ...F1 ...F1 } fragment F1 on T { k: a }`, 1, 4, 4},
		// A cycle (refused later by validation) and an unknown fragment count nothing.
		{`{ a { ...C } } fragment C on T { b ...C }`, 2, 2, 0},
		{`{ a { ...Missing } }`, 1, 1, 0},
	}
	for _, tc := range tests {
		doc, err := parser.ParseQuery(&ast.Source{Input: tc.query})
		if err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		s := newShapeMeter(doc).selectionSet(doc.Operations[0].SelectionSet)
		if s != (shape{tc.depth, tc.fields, tc.aliases}) {
			t.Errorf("%s: depth %d, fields %d, aliases %d; want %d, %d, %d", tc.query, s.depth, s.fields, s.aliases, tc.depth, tc.fields, tc.aliases)
		}
	}
}

func TestCachesKeepOnlySmallQueries(t *testing.T) {
	ctx := context.Background()
	docs := queryCache(lru.New[*ast.QueryDocument](10))
	small, big := "{ a }", "{ a(s: \""+strings.Repeat("x", maxCachedQuery)+"\") }"
	docs.Add(ctx, small, &ast.QueryDocument{})
	docs.Add(ctx, big, &ast.QueryDocument{})
	if _, ok := docs.Get(ctx, small); !ok {
		t.Error("small query not cached")
	}
	if _, ok := docs.Get(ctx, big); ok {
		t.Error("query above maxCachedQuery cached")
	}
	persisted := persistedCache(lru.New[string](10))
	persisted.Add(ctx, "h1", small)
	persisted.Add(ctx, "h2", big)
	if _, ok := persisted.Get(ctx, "h1"); !ok {
		t.Error("small persisted query not cached")
	}
	if _, ok := persisted.Get(ctx, "h2"); ok {
		t.Error("persisted query above maxCachedQuery cached")
	}
}
