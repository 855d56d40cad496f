package resolvers_test

import (
	"context"
	"os"
	"regexp"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
	"github.com/modelgraph/modelgraph/seed"
)

var graphqlBlock = regexp.MustCompile("(?s)```graphql\n(.*?)```")

// TestDocumentedQueriesRun runs every GraphQL block of the README, docs/queries.md and
// docs/analysis.md against the demo models under their real keys: each must answer without
// errors.
func TestDocumentedQueriesRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := graphtest.Store(t)
	files, err := seed.Files()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if _, err := s.Import(ctx, f, graph.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	a := newAPI(t, s)
	n := 0
	for _, doc := range []string{"../README.md", "../docs/queries.md", "../docs/analysis.md"} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range graphqlBlock.FindAllSubmatch(b, -1) {
			n++
			res := a.do(t, ctx, string(m[1]), nil)
			if len(res.Errors) > 0 || len(res.Data) < 20 {
				t.Errorf("%s query %d failed: %+v\n%s", doc, n, res.Errors, m[1])
			}
		}
	}
	if n < 8 {
		t.Fatalf("found %d documented queries, want at least 8", n)
	}
}
