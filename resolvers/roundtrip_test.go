package resolvers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
)

// fanModel has n value propositions, each realized by two processes that are part of one of five
// functions.
func fanModel(key string, n int) *graph.File {
	f := &graph.File{Model: graph.Model{Key: key, Name: fmt.Sprintf("%d value propositions", n)}}
	for i := range 5 {
		f.Elements = append(f.Elements, graph.Element{Key: fmt.Sprintf("fn-%d", i), Kind: graph.BusinessFunction, Name: fmt.Sprintf("Function %d", i), Properties: map[string]any{"group": "DEMAND_FULFILMENT"}})
	}
	for i := range n {
		vp := fmt.Sprintf("vp-%03d", i)
		f.Elements = append(f.Elements, graph.Element{Key: vp, Kind: graph.ValueProposition, Name: "Offer " + vp})
		for j := range 2 {
			p := fmt.Sprintf("proc-%03d-%d", i, j)
			f.Elements = append(f.Elements, graph.Element{Key: p, Kind: graph.Process, Name: "Process " + p})
			f.Relationships = append(f.Relationships,
				graph.Relationship{From: p, Type: graph.Realizes, To: vp},
				graph.Relationship{From: p, Type: graph.PartOf, To: fmt.Sprintf("fn-%d", (i+j)%5)})
		}
	}
	return f
}

// nestedQuery pages partOf (each process has one whole): a relationship list without first
// costs 100 items in the cost estimate, which would take the query past the complexity limit.
const nestedQuery = `{
  models {
    key
    canvas {
      valuePropositions {
        key
        supporters(kinds: [Process]) {
          distance
          element { key ... on Process { partOf(first: 5) { name } } }
        }
      }
    }
  }
}`

// Not parallel: it lists every model, and other tests add models while they run.
func TestNestedQueryRoundTripsDoNotGrowWithResults(t *testing.T) {
	ctx := context.Background()
	s := graphtest.Store(t)
	a := newAPI(t, s)
	var trips []int64
	keys := []string{graphtest.ModelKey(t), graphtest.ModelKey(t)}
	for i, n := range []int{10, 200} {
		f := fanModel(keys[i], n)
		if _, err := s.Import(ctx, f, graph.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		// The first query on a model reads it into memory (a few round trips for each model
		// listed); count the query after that, which checks the revisions of all in one.
		if res := a.do(t, ctx, nestedQuery, nil); len(res.Errors) > 0 {
			t.Fatal(res.Errors)
		}
		var count atomic.Int64
		res := a.do(t, graph.WithQueryCounter(ctx, &count), nestedQuery, nil)
		if len(res.Errors) > 0 {
			t.Fatal(res.Errors)
		}
		var out struct {
			Models []struct {
				Key    string
				Canvas struct {
					ValuePropositions []struct {
						Supporters []struct {
							Element struct{ PartOf []struct{ Name string } }
						}
					}
				}
			}
		}
		if err := json.Unmarshal(res.Data, &out); err != nil {
			t.Fatal(err)
		}
		found := false
		for _, m := range out.Models {
			if m.Key != f.Model.Key {
				continue
			}
			found = true
			vps := m.Canvas.ValuePropositions
			if len(vps) != n || len(vps[n-1].Supporters) != 2 || len(vps[n-1].Supporters[1].Element.PartOf) != 1 {
				t.Fatalf("model with %d value propositions answered %d", n, len(vps))
			}
		}
		if !found {
			t.Fatalf("model %s missing from models", f.Model.Key)
		}
		trips = append(trips, count.Load())
		if err := s.DeleteModel(ctx, f.Model.Key); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("Cypher round trips: %d with 10 value propositions, %d with 200", trips[0], trips[1])
	if trips[0] != trips[1] || trips[0] > 6 {
		t.Fatalf("round trips: %d with 10 value propositions, %d with 200; want the same small number", trips[0], trips[1])
	}
}
