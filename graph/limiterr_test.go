package graph_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/modelgraph/modelgraph/bench/synth"
	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
)

// TestImportMemoryLimitNamed writes a 100,000-element model in one transaction (an import of
// that size is normally staged in batches; here the staging threshold is raised past it), which
// the test database's transaction pool (70% of a 768 MiB heap) cannot hold: the error names the
// limit and the setting that raises it, matches ErrInvalid, and the model holds nothing
// afterwards. Not parallel: it changes the package-wide threshold.
func TestImportMemoryLimitNamed(t *testing.T) {
	defer graph.SetStageThreshold(1<<30, 10000)()
	s := graphtest.Store(t)
	ctx := context.Background()
	key := graphtest.ModelKey(t)
	_, err := s.Import(ctx, synth.Model(key, 100000, 1), graph.ImportOptions{NoHistory: true})
	var le *graph.LimitError
	if !errors.As(err, &le) || !errors.Is(err, graph.ErrInvalid) || !strings.Contains(err.Error(), "MODELGRAPH_NEO4J_HEAP") || !strings.Contains(err.Error(), "transaction memory") {
		t.Fatalf("error %v; want a LimitError naming the transaction memory and MODELGRAPH_NEO4J_HEAP", err)
	}
	ms, err := s.Models(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Key == key && m.Elements > 0 {
			t.Fatalf("the failed import left %d elements", m.Elements)
		}
	}
}

func TestValidateLimitNamesSetting(t *testing.T) {
	f := &graph.File{Model: graph.Model{Key: "m", Name: "M"}}
	for _, k := range []string{"a", "b", "c"} {
		f.Elements = append(f.Elements, graph.Element{Key: k, Kind: graph.Capability, Name: k})
	}
	f.Relationships = []graph.Relationship{{From: "a", Type: graph.RelType("COMPOSED_OF"), To: "b"}, {From: "a", Type: graph.RelType("COMPOSED_OF"), To: "c"}}
	ps := graph.Validate(f, graph.Limits{MaxElements: 2, MaxRelationships: 1, Setting: "MAX_SETTING"})
	saw := 0
	for _, p := range ps {
		if (p.Path == "elements" || p.Path == "relationships") && strings.Contains(p.Reason, "raise it with MAX_SETTING") {
			saw++
		}
	}
	if saw != 2 {
		t.Fatalf("problems %v; want both limits naming MAX_SETTING", ps)
	}
}
