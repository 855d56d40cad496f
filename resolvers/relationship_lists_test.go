package resolvers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
	"github.com/modelgraph/modelgraph/resolvers"
)

// loadHub imports a model with one business function, "fn-hub", of which processes p000 to
// p(n-1) are part (PART_OF); p000 to p002 are also part of the function "fn-other".
func loadHub(t *testing.T, n int) string {
	t.Helper()
	f := &graph.File{Model: graph.Model{Key: graphtest.ModelKey(t), Name: "hub"}}
	f.Elements = append(f.Elements,
		graph.Element{Key: "fn-hub", Kind: graph.BusinessFunction, Name: "Hub", Properties: map[string]any{"group": "DEMAND_FULFILMENT"}},
		graph.Element{Key: "fn-other", Kind: graph.BusinessFunction, Name: "Other", Properties: map[string]any{"group": "ENTERPRISE_SUPPORT"}})
	for i := range n {
		k := fmt.Sprintf("p%03d", i)
		f.Elements = append(f.Elements, graph.Element{Key: k, Kind: graph.Process, Name: k})
		f.Relationships = append(f.Relationships, graph.Relationship{From: k, Type: graph.PartOf, To: "fn-hub"})
		if i < 3 {
			f.Relationships = append(f.Relationships, graph.Relationship{From: k, Type: graph.PartOf, To: "fn-other"})
		}
	}
	if _, err := graphtest.Store(t).Import(context.Background(), f, graph.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	return f.Model.Key
}

func procKeys(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("p%03d", i))
	}
	return out
}

// TestRelationshipListsFirst checks the first argument of the relationship fields on a function
// with 150 parts: without first the list is refused (more than 100), with first the first ones
// in order come back, and first outside 1..500 is a located BAD_USER_INPUT.
func TestRelationshipListsFirst(t *testing.T) {
	t.Parallel()
	h := limitedHandler(t, graphtest.Store(t), resolvers.Options{})
	model := loadHub(t, 150)
	vars := map[string]any{"m": model}

	// Without first: 150 relationships are more than a list returns.
	for _, field := range []string{"incoming { from { key } }", "... on BusinessFunction { parts { key } }", "... on BusinessFunction { processes { key } }"} {
		q := `query($m: ID!) { element(model: $m, key: "fn-hub") { key ` + field + ` } }`
		r := postQuery(t, h, q, vars)
		wantCode(t, r, http.StatusOK, "LIST_TOO_LONG", `element "fn-hub" has 150 incoming`)
		if e := r.gql.Errors[0]; e.Extensions["count"] != float64(150) || e.Extensions["max"] != float64(100) || len(e.Path) != 2 || e.Path[0] != "element" {
			t.Errorf("%s: error %+v, want count 150, max 100 and the field's path", field, e)
		}
	}
	for field, what := range map[string]string{"incoming { type }": "incoming relationships", "parts { key }": "incoming PART_OF relationships", "processes { key }": "incoming PART_OF Process relationships"} {
		r := postQuery(t, h, `query($m: ID!) { element(model: $m, key: "fn-hub") { ... on BusinessFunction { `+field+` } } }`, vars)
		if want := "has 150 " + what + ", more than the 100 a relationship list returns without first; pass first (1 to 500)"; len(r.gql.Errors) != 1 || !strings.Contains(r.gql.Errors[0].Message, want) {
			t.Errorf("%s: errors %+v, want %q", field, r.gql.Errors, want)
		}
	}

	// With first: the first ones, ordered by the source's key (one type).
	var got struct {
		Element struct {
			Incoming []struct {
				Type string
				From struct {
					Key string
					// The next level is read for the page only, and is all there.
					Outgoing []struct{ To struct{ Key string } }
				}
			}
			Parts     []struct{ Key string }
			Processes []struct{ Key string }
		}
	}
	q := `query($m: ID!) { element(model: $m, key: "fn-hub") {
	  incoming(first: 120) { type from { key outgoing(first: 2) { to { key } } } }
	  ... on BusinessFunction { parts(first: 3) { key } processes(first: 500) { key } } } }`
	r := postQuery(t, h, q, vars)
	if len(r.gql.Errors) > 0 {
		t.Fatalf("%+v", r.gql.Errors)
	}
	if err := json.Unmarshal(r.gql.Data, &got); err != nil {
		t.Fatal(err)
	}
	var from []string
	for _, in := range got.Element.Incoming {
		from = append(from, in.From.Key)
		if in.Type != "PART_OF" {
			t.Errorf("type %s", in.Type)
		}
		var to []string
		for _, o := range in.From.Outgoing {
			to = append(to, o.To.Key)
		}
		want := []string{"fn-hub"}
		if in.From.Key < "p003" {
			want = append(want, "fn-other")
		}
		if !slices.Equal(to, want) {
			t.Errorf("%s outgoing: %v, want %v", in.From.Key, to, want)
		}
	}
	if !slices.Equal(from, procKeys(0, 120)) {
		t.Errorf("incoming(first: 120): %v", from)
	}
	var parts, procs []string
	for _, p := range got.Element.Parts {
		parts = append(parts, p.Key)
	}
	for _, p := range got.Element.Processes {
		procs = append(procs, p.Key)
	}
	if !slices.Equal(parts, procKeys(0, 3)) || !slices.Equal(procs, procKeys(0, 150)) {
		t.Errorf("parts(first: 3) %v; processes(first: 500) %d of 150", parts, len(procs))
	}

	// first outside 1..500.
	for _, n := range []int{0, -1, 501} {
		q := fmt.Sprintf(`query($m: ID!) { element(model: $m, key: "fn-hub") { outgoing(first: %d) { type } } }`, n)
		r := postQuery(t, h, q, vars)
		wantCode(t, r, http.StatusOK, "BAD_USER_INPUT", fmt.Sprintf("must be between 1 and 500, got %d", n))
		if e := r.gql.Errors[0]; len(e.Path) != 2 || e.Path[1] != "outgoing" {
			t.Errorf("first: %d: path %v, want element.outgoing", n, e.Path)
		}
	}
	// A short list needs no first: a process has two wholes.
	r = postQuery(t, h, `query($m: ID!) { element(model: $m, key: "p001") { outgoing { to { key } } } }`, vars)
	if len(r.gql.Errors) > 0 || !strings.Contains(string(r.gql.Data), `"fn-other"`) {
		t.Fatalf("p007 outgoing: %s %+v", r.gql.Data, r.gql.Errors)
	}
}

// inOut is element{outgoing{to{incoming{from{...key}}}}} with n levels from p000, each list
// taking first when page is set.
func inOut(n int, page string) string {
	return `query($m: ID!) { element(model: $m, key: "p000") { key ` +
		strings.Repeat("outgoing"+page+" { to { incoming"+page+" { from { ", n) + "key" + strings.Repeat(" } } } }", n) + " } }"
}

// TestHubTraversalRefusedBeforeItRuns: the query that took a server to 17 GiB on a hub is refused
// at validation, because a relationship list without first costs the 100 it may return; with
// first it is accepted only at a small page.
func TestHubTraversalRefusedBeforeItRuns(t *testing.T) {
	t.Parallel()
	h := limitedHandler(t, graphtest.Store(t), resolvers.Options{})
	vars := map[string]any{"m": loadHub(t, 150)}
	// Level k costs L(k) = 1 + p(1 + 1 + p(1 + L(k-1))) with L(0) = 1 (key), p the page; element
	// and its key add 2. Without first p = 100: L(1) = 1 + 100 x (2 + 100 x 2) = 20201, L(2) =
	// 1 + 100 x (2 + 100 x 20202) = 202020201.
	wantCode(t, postQuery(t, h, inOut(2, ""), vars), http.StatusOK, "QUERY_TOO_COMPLEX", "estimated cost is 202020203;")
	// p = 10: L(1) = 1 + 10 x (2 + 10 x 2) = 221, L(2) = 1 + 10 x (2 + 10 x 222) = 22221: accepted.
	// p = 12: L(1) = 1 + 12 x (2 + 12 x 2) = 313, L(2) = 1 + 12 x (2 + 12 x 314) = 45241; p = 14:
	// L(1) = 421, L(2) = 1 + 14 x (2 + 14 x 422) = 82741; p = 15: L(1) = 481, L(2) = 108481.
	r := postQuery(t, h, inOut(2, "(first: 10)"), vars)
	if len(r.gql.Errors) > 0 {
		t.Fatalf("pages of 10: %+v", r.gql.Errors)
	}
	wantCode(t, postQuery(t, h, inOut(2, "(first: 15)"), vars), http.StatusOK, "QUERY_TOO_COMPLEX", "estimated cost is 108483;")
	// One level without first is accepted (20203) and refused at the hub's list, not run in full.
	wantCode(t, postQuery(t, h, inOut(1, ""), vars), http.StatusOK, "LIST_TOO_LONG", `"fn-hub" has 150 incoming relationships`)
}

// TestResolvedFieldsBudget: a request stops at the budget of resolved fields, whether they come
// from Neo4j or from the model in memory, with the budget's code and no half answer.
func TestResolvedFieldsBudget(t *testing.T) {
	t.Parallel()
	s := graphtest.Store(t)
	model := loadDemo(t, "lemonade-stand.yaml")
	h := limitedHandler(t, s, resolvers.Options{Limits: resolvers.Limits{MaxResolvedFields: 50}})
	// elements, nodes and 2 fields on each of the 30 elements of a page (the model has more): 62.
	page := fmt.Sprintf(`{ elements(model: %q, first: 30) { nodes { key name } } }`, model)
	// A traversal answered from the model in memory: the supporters field, then 3 fields for each
	// supporter (vp-iced-tea has more than two).
	sups := fmt.Sprintf(`{ supporters(model: %q, key: "vp-iced-tea", maxDepth: 10) { distance element { key } } }`, model)
	for q, max := range map[string]int{page: 50, sups: 5} {
		h := limitedHandler(t, s, resolvers.Options{Limits: resolvers.Limits{MaxResolvedFields: max}})
		r := postQuery(t, h, q, nil)
		wantCode(t, r, http.StatusOK, "TOO_MANY_RESOLVED_FIELDS", fmt.Sprintf("resolve more than %d fields; the limit is %d (-max-resolved-fields / MODELGRAPH_MAX_RESOLVED_FIELDS)", max, max))
		if string(r.gql.Data) != "" && string(r.gql.Data) != "null" {
			t.Errorf("%.40s: data %s next to the refusal", q, r.gql.Data)
		}
	}
	// Within the budget: a page of 20 is 42 fields.
	if r := postQuery(t, h, fmt.Sprintf(`{ elements(model: %q, first: 20) { nodes { key name } } }`, model), nil); len(r.gql.Errors) > 0 {
		t.Fatalf("page of 20: %+v", r.gql.Errors)
	}
	// The default budget lets both through.
	def := limitedHandler(t, s, resolvers.Options{})
	for _, q := range []string{page, sups} {
		if r := postQuery(t, def, q, nil); len(r.gql.Errors) > 0 {
			t.Fatalf("%.40s: %+v", q, r.gql.Errors)
		}
	}
}
