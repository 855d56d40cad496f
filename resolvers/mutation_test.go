package resolvers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
)

// doAs runs an operation with the X-Actor header.
func (a *api) doAs(t testing.TB, actor, query string, vars map[string]any) gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Actor", actor)
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	var res gqlResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		t.Fatalf("response is not JSON (%d): %s", rec.Code, rec.Body.String())
	}
	return res
}

type modelState struct {
	Model struct {
		ElementCount      int
		RelationshipCount int
	}
	Changes struct {
		Nodes []struct {
			Revision  int
			Actor     string
			Operation string
			Target    string
			Key       string
			Before    map[string]any
			After     map[string]any
		}
	}
}

const stateQuery = `query($m: ID!) {
  model(key: $m) { elementCount relationshipCount }
  changes(model: $m, first: 500) { nodes { revision actor operation target key before after } }
}`

func state(t *testing.T, a *api, model string) modelState {
	t.Helper()
	var s modelState
	a.ok(t, stateQuery, map[string]any{"m": model}, &s)
	return s
}

func codeOf(t *testing.T, res gqlResponse) string {
	t.Helper()
	if len(res.Errors) == 0 {
		t.Fatalf("want an error, got data %s", res.Data)
	}
	c, _ := res.Errors[0].Extensions["code"].(string)
	return c
}

func TestRejectedMutationsChangeNothing(t *testing.T) {
	t.Parallel()
	a := newAPI(t, graphtest.Store(t))
	model := loadDemo(t, "lemonade-stand.yaml")
	before := state(t, a, model)
	tests := []struct {
		name, query string
		vars        map[string]any
		code        string
	}{
		{"disallowed pair", `mutation($m: ID!) { link(model: $m, from: "cost-lemons", type: REALIZES, to: "ch-sidewalk-stand") { type } }`, nil, "BAD_USER_INPUT"},
		{"missing end", `mutation($m: ID!) { link(model: $m, from: "proc-brew-tea", type: FLOWS_TO, to: "proc-nowhere") { type } }`, nil, "NOT_FOUND"},
		{"bad share", `mutation($m: ID!) { link(model: $m, from: "partner-supermarket", type: SUPPLIES, to: "res-sugar", properties: {share: 2}) { type } }`, nil, "BAD_USER_INPUT"},
		{"batch with one bad element", `mutation($m: ID!) { upsertElements(model: $m, elements: [
			{key: "vp-new-one", kind: ValueProposition, name: "Fine"},
			{key: "Bad Key", kind: Process, name: "Not fine"},
			{key: "fn-x", kind: BusinessFunction, name: "No group"}]) { key } }`, nil, "BAD_USER_INPUT"},
		{"kind change breaking a relationship", `mutation($m: ID!) { upsertElement(model: $m, element: {key: "proc-brew-tea", kind: Cost, name: "Now a cost"}) { key } }`, nil, "BAD_USER_INPUT"},
		{"delete with relationships", `mutation($m: ID!) { deleteElement(model: $m, key: "proc-brew-tea") { key } }`, nil, "CONFLICT"},
		{"stale version", `mutation($m: ID!) { updateElement(model: $m, key: "proc-brew-tea", patch: {name: "Brew"}, expectedVersion: 7) { key } }`, nil, "CONFLICT"},
		{"unknown element", `mutation($m: ID!) { updateElement(model: $m, key: "proc-nothing", patch: {name: "x"}) { key } }`, nil, "NOT_FOUND"},
		{"name too long", `mutation($m: ID!) { updateElement(model: $m, key: "proc-brew-tea", patch: {name: "` + strings.Repeat("x", 201) + `"}) { key } }`, nil, "BAD_USER_INPUT"},
		{"unlink missing", `mutation($m: ID!) { unlink(model: $m, from: "proc-brew-tea", type: SUPPORTS, to: "proc-cash-up") }`, nil, "NOT_FOUND"},
		{"delete model without confirmation", `mutation($m: ID!) { deleteModel(key: $m, confirm: "yes") { key } }`, nil, "BAD_USER_INPUT"},
		{"create existing model", `mutation($m: ID!) { createModel(input: {key: $m, name: "Again"}) { key } }`, nil, "CONFLICT"},
		{"invalid import", `mutation($m: ID!) { importModel(model: $m, document: "model: {key: x, name: X}\nelements:\n  - {key: a, kind: Gadget, name: A}\n") { problems { path } } }`, nil, "BAD_USER_INPUT"},
	}
	for _, tc := range tests {
		res := a.do(t, context.Background(), tc.query, map[string]any{"m": model})
		if got := codeOf(t, res); got != tc.code {
			t.Errorf("%s: code %s (%s), want %s", tc.name, got, res.Errors[0].Message, tc.code)
		}
	}
	// The batch reports all of its problems at once.
	res := a.do(t, context.Background(), tests[3].query, map[string]any{"m": model})
	if probs, _ := res.Errors[0].Extensions["problems"].([]any); len(probs) != 2 {
		t.Errorf("batch problems = %v, want 2", res.Errors[0].Extensions["problems"])
	}
	after := state(t, a, model)
	if after.Model != before.Model || len(after.Changes.Nodes) != len(before.Changes.Nodes) {
		t.Fatalf("rejected mutations changed the model: %+v / %d changes -> %+v / %d changes",
			before.Model, len(before.Changes.Nodes), after.Model, len(after.Changes.Nodes))
	}
}

func TestConcurrentUpdatesWithSameVersion(t *testing.T) {
	t.Parallel()
	a := newAPI(t, graphtest.Store(t))
	model := loadDemo(t, "lemonade-stand.yaml")
	const n = 6
	var wg sync.WaitGroup
	codes := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := a.doAs(t, "analyst-"+string(rune('a'+i)), `mutation($m: ID!, $name: String!) {
  updateElement(model: $m, key: "vp-iced-tea", patch: {name: $name}, expectedVersion: 1) { version }
}`, map[string]any{"m": model, "name": "Iced tea, take " + string(rune('a'+i))})
			if len(res.Errors) == 0 {
				codes[i] = "OK"
			} else {
				codes[i], _ = res.Errors[0].Extensions["code"].(string)
			}
		}()
	}
	wg.Wait()
	wins := 0
	for _, c := range codes {
		switch c {
		case "OK":
			wins++
		case "CONFLICT":
		default:
			t.Errorf("unexpected outcome %q", c)
		}
	}
	if wins != 1 {
		t.Fatalf("%d updates won, want exactly 1: %v", wins, codes)
	}
	var out struct {
		Element struct {
			Version int
			History []struct{ Operation, Target string }
		}
	}
	a.ok(t, `query($m: ID!) { element(model: $m, key: "vp-iced-tea") { version history(first: 100) { operation target } } }`, map[string]any{"m": model}, &out)
	updates := 0
	for _, h := range out.Element.History {
		if h.Target == "ELEMENT" && h.Operation == "UPDATE" {
			updates++
		}
	}
	if out.Element.Version != 2 || updates != 1 {
		t.Fatalf("after the race: version %d, %d recorded updates; want 2 and 1", out.Element.Version, updates)
	}
}

func TestHistoryShowsBeforeAndAfter(t *testing.T) {
	t.Parallel()
	a := newAPI(t, graphtest.Store(t))
	model := loadDemo(t, "lemonade-stand.yaml")
	res := a.doAs(t, "maria", `mutation($m: ID!) {
  updateElement(model: $m, key: "kpi-tea-share", patch: {properties: {actual: 27, unit: null}}, expectedVersion: 1) { version properties }
}`, map[string]any{"m": model})
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	var out struct {
		Element struct {
			History []struct {
				Actor, Operation, Target string
				Before, After            map[string]any
			}
		}
	}
	a.ok(t, `query($m: ID!) { element(model: $m, key: "kpi-tea-share") { history { actor operation target before after } } }`, map[string]any{"m": model}, &out)
	// The element's own changes; its relationships' changes are in its history too.
	h := slices.DeleteFunc(out.Element.History, func(c struct {
		Actor, Operation, Target string
		Before, After            map[string]any
	}) bool {
		return c.Target != "ELEMENT"
	})
	if len(h) != 2 || h[0].Operation != "UPDATE" || h[0].Actor != "maria" || h[1].Operation != "CREATE" || h[1].Actor != "anonymous" {
		t.Fatalf("history = %+v", h)
	}
	bp, _ := h[0].Before["properties"].(map[string]any)
	ap, _ := h[0].After["properties"].(map[string]any)
	if bp["actual"] != float64(22) || bp["unit"] != "%" || ap["actual"] != float64(27) || ap["unit"] != nil {
		t.Fatalf("before %v, after %v", h[0].Before, h[0].After)
	}
	if h[0].Before["version"] != float64(1) || h[0].After["version"] != float64(2) || h[1].Before != nil {
		t.Fatalf("versions: before %v after %v; create before %v", h[0].Before["version"], h[0].After["version"], h[1].Before)
	}
}

func TestImportModelDryRunReplaceAndHistory(t *testing.T) {
	t.Parallel()
	a := newAPI(t, graphtest.Store(t))
	doc, err := os.ReadFile("../seed/lemonade-stand.yaml")
	if err != nil {
		t.Fatal(err)
	}
	model := graphtest.ModelKey(t)
	const imp = `mutation($doc: String!, $m: ID!, $dry: Boolean, $mode: ImportMode) {
  importModel(document: $doc, model: $m, dryRun: $dry, mode: $mode) {
    dryRun applied modelCreated created updated unchanged deleted
    relationshipsCreated relationshipsUpdated relationshipsUnchanged relationshipsDeleted problems { path }
  }
}`
	type report struct {
		DryRun, Applied, ModelCreated                                                            bool
		Created, Updated, Unchanged, Deleted                                                     int
		RelationshipsCreated, RelationshipsUpdated, RelationshipsUnchanged, RelationshipsDeleted int
	}
	run := func(doc string, dry bool, mode string) report {
		var out struct{ ImportModel report }
		a.ok(t, imp, map[string]any{"doc": doc, "m": model, "dry": dry, "mode": mode}, &out)
		return out.ImportModel
	}
	dry := run(string(doc), true, "MERGE")
	real := run(string(doc), false, "MERGE")
	if dry.Applied || !real.Applied || dry.Created != 77 {
		t.Fatalf("dry %+v real %+v", dry, real)
	}
	dry.DryRun, dry.Applied = false, true
	if dry != real {
		t.Fatalf("dry run %+v differs from the import %+v", dry, real)
	}
	revisions := len(state(t, a, model).Changes.Nodes)

	again := run(string(doc), false, "MERGE")
	if again.Applied || again.Unchanged != 77 || len(state(t, a, model).Changes.Nodes) != revisions {
		t.Fatalf("an import that changes nothing applied %+v or recorded changes", again)
	}

	// REPLACE with a document that lacks the cash-up process and its relationships.
	f, err := graph.ParseFile(doc, graph.YAML)
	if err != nil {
		t.Fatal(err)
	}
	f.Elements = slices.DeleteFunc(f.Elements, func(e graph.Element) bool { return e.Key == "proc-cash-up" })
	f.Relationships = slices.DeleteFunc(f.Relationships, func(r graph.Relationship) bool { return r.From == "proc-cash-up" || r.To == "proc-cash-up" })
	var buf bytes.Buffer
	if err := graph.Encode(&buf, f, graph.YAML); err != nil {
		t.Fatal(err)
	}
	smaller := buf.String()
	rep := run(smaller, false, "REPLACE")
	if rep.Deleted != 1 || rep.RelationshipsDeleted == 0 {
		t.Fatalf("replace report %+v", rep)
	}
	var hist struct {
		Changes struct {
			Nodes []struct {
				Operation, Target, Key string
				Before                 map[string]any
			}
		}
	}
	a.ok(t, `query($m: ID!) { changes(model: $m, element: "proc-cash-up") { nodes { operation target key before } } }`, map[string]any{"m": model}, &hist)
	deletions := 0
	for _, c := range hist.Changes.Nodes {
		if c.Operation == "DELETE" {
			deletions++
			if c.Before == nil {
				t.Errorf("deletion of %s without its before state", c.Key)
			}
		}
	}
	if deletions != 1+rep.RelationshipsDeleted {
		t.Fatalf("recorded %d deletions touching proc-cash-up, want %d", deletions, 1+rep.RelationshipsDeleted)
	}
}
