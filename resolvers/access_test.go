package resolvers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
	"github.com/modelgraph/modelgraph/resolvers"
	"github.com/modelgraph/modelgraph/resolvers/auth"
)

// authed is the real handler with API-token authentication on.
type authed struct {
	h        http.Handler
	verifier auth.Verifier
}

func newAuthed(t testing.TB, opts resolvers.Options) *authed {
	t.Helper()
	tokens, err := auth.NewTokens(graphtest.Store(t), 0)
	if err != nil {
		t.Fatal(err)
	}
	opts.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	opts.MaxImportElements = 1000
	if opts.Auth == nil {
		opts.Auth = auth.Either(tokens, nil)
	}
	return &authed{h: resolvers.NewHandler(graphtest.Store(t), opts), verifier: opts.Auth}
}

// do sends an operation with the bearer token (none when empty) and returns the HTTP status and
// the decoded response.
func (a *authed) do(t testing.TB, token, query string, vars map[string]any, header ...string) (int, gqlResponse) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	var res gqlResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		t.Fatalf("response is not JSON (%d): %s", rec.Code, rec.Body.String())
	}
	return rec.Code, res
}

func token(t testing.TB, role, model string) string {
	t.Helper()
	_, secret, err := graphtest.Store(t).CreateToken(context.Background(), "matrix "+role, role, model)
	if err != nil {
		t.Fatal(err)
	}
	return secret
}

// smallModel imports two elements and one relationship under key.
func smallModel(t testing.TB, key string) {
	t.Helper()
	f := &graph.File{
		Model: graph.Model{Key: key, Name: "Access test"},
		Elements: []graph.Element{
			{Key: "vp", Kind: graph.ValueProposition, Name: "Fresh lemonade"},
			{Key: "cs", Kind: graph.CustomerSegment, Name: "Passers-by"},
		},
		Relationships: []graph.Relationship{{From: "vp", Type: graph.Targets, To: "cs"}},
	}
	if _, err := graphtest.Store(t).Import(context.Background(), f, graph.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
}

func modelDoc(key string) string {
	return fmt.Sprintf(`model: {key: %s, name: Imported}
elements:
  - {key: kp, kind: KeyPartner, name: Lemon farm}
`, key)
}

// matrixCase is one root field's operation on model $m, and the role it needs by the contract
// (docs/security.md): "" for any authenticated caller.
type matrixCase struct {
	need  string
	query string
	// fresh: the operation creates $m, so $m must not exist beforehand.
	fresh bool
	// doc: pass $doc, a model file for $m.
	doc bool
	// scenario: pass $s, a scenario of $m, which the operation names.
	scenario bool
}

var matrix = map[string]matrixCase{
	"Query.models":      {need: "", query: `{ models { key } }`},
	"Query.metamodel":   {need: "", query: `{ metamodel { kinds { kind } } }`},
	"Query.model":       {need: "viewer", query: `query($m: ID!) { model(key: $m) { key elementCount } }`},
	"Query.element":     {need: "viewer", query: `query($m: ID!) { element(model: $m, key: "vp") { key } }`},
	"Query.elements":    {need: "viewer", query: `query($m: ID!) { elements(model: $m) { nodes { key } totalCount } }`},
	"Query.supporters":  {need: "viewer", query: `query($m: ID!) { supporters(model: $m, key: "cs") { distance } }`},
	"Query.impact":      {need: "viewer", query: `query($m: ID!) { impact(model: $m, key: "vp") { counts { count } } }`},
	"Query.path":        {need: "viewer", query: `query($m: ID!) { path(model: $m, from: "vp", to: "cs") { type } }`},
	"Query.exportModel": {need: "viewer", query: `query($m: ID!) { exportModel(model: $m) }`},
	"Query.changes":     {need: "viewer", query: `query($m: ID!) { changes(model: $m) { nodes { seq actor } } }`},
	// Over HTTP a subscription answers its first event: here the model's first revision.
	"Subscription.changes": {need: "viewer", query: `subscription($m: ID!) { changes(model: $m, sinceRevision: 0) { revision } }`},

	"Query.alignment":            {need: "viewer", query: `query($m: ID!) { alignment(model: $m) { totalCount nodes { rule } } }`},
	"Query.exposure":             {need: "viewer", query: `query($m: ID!) { exposure(model: $m, key: "vp") { failed { distance } } }`},
	"Query.singleSourceExposure": {need: "viewer", query: `query($m: ID!) { singleSourceExposure(model: $m) { cutOff { key } } }`},
	"Query.economics":            {need: "viewer", query: `query($m: ID!) { economics(model: $m) { revenue } }`},

	"Mutation.upsertElement":  {need: "editor", query: `mutation($m: ID!) { upsertElement(model: $m, element: {key: "kp", kind: KeyPartner, name: "Farm"}) { key } }`},
	"Mutation.upsertElements": {need: "editor", query: `mutation($m: ID!) { upsertElements(model: $m, elements: [{key: "kp", kind: KeyPartner, name: "Farm"}]) { key } }`},
	"Mutation.updateElement":  {need: "editor", query: `mutation($m: ID!) { updateElement(model: $m, key: "vp", patch: {name: "Iced tea"}) { version } }`},
	"Mutation.deleteElement":  {need: "editor", query: `mutation($m: ID!) { deleteElement(model: $m, key: "vp", detach: true) { key } }`},
	"Mutation.link":           {need: "editor", query: `mutation($m: ID!) { link(model: $m, from: "vp", type: TARGETS, to: "cs", properties: {note: "x"}) { type } }`},
	"Mutation.unlink":         {need: "editor", query: `mutation($m: ID!) { unlink(model: $m, from: "vp", type: TARGETS, to: "cs") }`},
	"Mutation.importModel":    {need: "editor", query: `mutation($doc: String!) { importModel(document: $doc) { applied } }`, doc: true},
	"Mutation.createModel":    {need: "admin", query: `mutation($m: ID!) { createModel(input: {key: $m, name: "New"}) { key } }`, fresh: true},
	"Mutation.deleteModel":    {need: "admin", query: `mutation($m: ID!, $confirm: String!) { deleteModel(key: $m, confirm: $confirm) { key } }`},

	// A scenario is authorized by the caller's role on its base.
	"Query.scenarios":         {need: "viewer", query: `query($m: ID!) { scenarios(model: $m) { key baseRevision } }`},
	"Query.scenario":          {need: "viewer", query: `query($s: ID!) { scenario(key: $s) { key base } }`, scenario: true},
	"Query.compare":           {need: "viewer", query: `query($m: ID!, $s: ID!) { compare(from: {model: $s}, to: {model: $m}) { added { key } effect { revenueAtRisk { delta } } } }`, scenario: true},
	"Mutation.createScenario": {need: "editor", query: `mutation($m: ID!, $n: ID!) { createScenario(base: $m, key: $n, name: "What if") { key } }`},
	"Mutation.mergeScenario":  {need: "editor", query: `mutation($s: ID!) { mergeScenario(key: $s, dryRun: true) { applied } }`, scenario: true},
	"Mutation.dropScenario":   {need: "editor", query: `mutation($s: ID!) { dropScenario(key: $s) { key } }`, scenario: true},
}

// extraCases are operations of fields above whose need differs by their input.
var extraCases = map[string]matrixCase{
	"Mutation.importModel (creates the model)": {need: "admin", query: `mutation($doc: String!) { importModel(document: $doc) { modelCreated } }`, doc: true, fresh: true},
	"Mutation.importModel (model argument)":    {need: "editor", query: `mutation($doc: String!, $m: ID) { importModel(document: $doc, model: $m) { applied } }`, doc: true},
	"Query.impact (of a scenario)":             {need: "viewer", query: `query($s: ID!) { impact(model: $s, key: "vp") { counts { count } } }`, scenario: true},
	"Mutation.updateElement (of a scenario)":   {need: "editor", query: `mutation($s: ID!) { updateElement(model: $s, key: "vp", patch: {name: "Iced tea"}) { version } }`, scenario: true},
}

var roleRank = map[string]int{"": 0, "viewer": 1, "editor": 2, "admin": 3}

// rootFields lists "Type.field" for every query, mutation and subscription field, by introspection
// through the handler.
func rootFields(t *testing.T, a *authed, admin string) []string {
	t.Helper()
	_, res := a.do(t, admin, `{ __schema {
  queryType { name fields { name } }
  mutationType { name fields { name } }
  subscriptionType { name fields { name } }
} }`, nil)
	if len(res.Errors) > 0 {
		t.Fatalf("introspection: %+v", res.Errors)
	}
	type typ struct {
		Name   string
		Fields []struct{ Name string }
	}
	var s struct {
		Schema struct{ QueryType, MutationType, SubscriptionType *typ } `json:"__schema"`
	}
	if err := json.Unmarshal(res.Data, &s); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ty := range []*typ{s.Schema.QueryType, s.Schema.MutationType, s.Schema.SubscriptionType} {
		if ty == nil {
			continue
		}
		for _, f := range ty.Fields {
			out = append(out, ty.Name+"."+f.Name)
		}
	}
	if len(out) < len(matrix) {
		t.Fatalf("introspection found %d root fields, fewer than the %d of the matrix: %v", len(out), len(matrix), out)
	}
	return out
}

// TestRoleMatrix runs every root field, found by introspection, for every role: with a grant on
// the model it names, with a grant on another model only, and with no token at all.
func TestRoleMatrix(t *testing.T) {
	a := newAuthed(t, resolvers.Options{})
	fields := rootFields(t, a, token(t, "admin", graph.AllModels))
	other := graphtest.ModelKey(t)
	smallModel(t, other)

	cases := map[string]matrixCase{}
	for _, f := range fields {
		c, ok := matrix[f]
		if !ok {
			t.Errorf("root field %s has no case in the role matrix: give it a rule in resolvers/access.go and a case here", f)
			continue
		}
		cases[f] = c
	}
	for name, c := range extraCases {
		cases[name] = c
	}
	for _, name := range slices.Sorted(func(yield func(string) bool) {
		for k := range cases {
			if !yield(k) {
				return
			}
		}
	}) {
		c := cases[name]
		t.Run(name, func(t *testing.T) {
			for _, role := range []string{"viewer", "editor", "admin"} {
				for _, granted := range []bool{true, false} {
					matrixRun(t, a, c, role, granted, other)
				}
			}
			key, vars := matrixSetup(t, c)
			if code, res := a.do(t, "", c.query, vars); code != http.StatusUnauthorized || len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
				t.Errorf("no token on %s: HTTP %d %+v, want 401 UNAUTHENTICATED", key, code, res.Errors)
			}
		})
	}
}

func matrixSetup(t *testing.T, c matrixCase) (string, map[string]any) {
	t.Helper()
	key := graphtest.ModelKey(t)
	if !c.fresh {
		smallModel(t, key)
	}
	if c.scenario {
		if _, err := graphtest.Store(t).CreateScenario(context.Background(), key, key+"-s", "What if"); err != nil {
			t.Fatal(err)
		}
	}
	return key, matrixVars(c, key)
}

func matrixVars(c matrixCase, key string) map[string]any {
	vars := map[string]any{"m": key}
	if strings.Contains(c.query, "$confirm") {
		vars["confirm"] = key
	}
	if c.doc {
		vars["doc"] = modelDoc(key)
	}
	if strings.Contains(c.query, "$s") {
		vars["s"] = key + "-s"
	}
	if strings.Contains(c.query, "$n") {
		vars["n"] = key + "-n"
	}
	return vars
}

func matrixRun(t *testing.T, a *authed, c matrixCase, role string, granted bool, other string) {
	t.Helper()
	key, vars := matrixSetup(t, c)
	grantOn := key
	if !granted {
		grantOn = other
	}
	what := fmt.Sprintf("%s with %s:%s", key, role, grantOn)
	secret := token(t, role, grantOn)
	_, res := a.do(t, secret, c.query, vars)
	allowed := granted && roleRank[role] >= roleRank[c.need] || c.need == ""
	switch {
	case allowed && len(res.Errors) > 0:
		t.Errorf("%s: refused, want allowed: %+v", what, res.Errors)
	case allowed && strings.Contains(c.query, "models {"):
		// The model list shows a model only to those with a grant for it.
		if got := strings.Contains(string(res.Data), `"`+key+`"`); got != granted {
			t.Errorf("%s: models lists the model: %v, want %v: %s", what, got, granted, res.Data)
		}
	case allowed:
	case len(res.Errors) != 1:
		t.Errorf("%s: want one error, got %+v (data %s)", what, res.Errors, res.Data)
	case granted || c.fresh && !c.doc:
		// A model the caller can see, or one it wants to create: refused by role.
		if res.Errors[0].Extensions["code"] != "FORBIDDEN" {
			t.Errorf("%s: %+v, want FORBIDDEN", what, res.Errors[0])
		}
	default:
		// A model the caller has no grant for is answered like a missing model.
		named := key
		if c.scenario {
			named = key + "-s"
		}
		want := fmt.Sprintf("model %q: not found", named)
		if res.Errors[0].Extensions["code"] != "NOT_FOUND" || res.Errors[0].Message != want {
			t.Errorf("%s: %+v, want NOT_FOUND %q", what, res.Errors[0], want)
		}
		// The same as for a model that does not exist.
		missing := key + "-missing"
		_, res2 := a.do(t, secret, c.query, matrixVars(c, missing))
		if len(res2.Errors) != 1 || res2.Errors[0].Message != strings.ReplaceAll(want, key, missing) || string(res2.Data) != string(res.Data) {
			t.Errorf("%s: a missing model is answered %s %+v, the ungranted one %s %+v", what, res2.Data, res2.Errors, res.Data, res.Errors)
		}
	}
}
