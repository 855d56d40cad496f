package resolvers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
	"github.com/modelgraph/modelgraph/resolvers"
)

// rawResponse is an HTTP answer of the GraphQL endpoint.
type rawResponse struct {
	status int
	body   []byte
	gql    gqlResponse
}

// post sends body as a JSON POST to h from the client at remote.
func post(t testing.TB, h http.Handler, body io.Reader, remote string) rawResponse {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/graphql", body)
	req.Header.Set("Content-Type", "application/json")
	if remote != "" {
		req.RemoteAddr = remote
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	out := rawResponse{status: rec.Code, body: rec.Body.Bytes()}
	if err := json.Unmarshal(out.body, &out.gql); err != nil {
		t.Fatalf("response is not JSON (%d): %.300s", rec.Code, out.body)
	}
	return out
}

func postQuery(t testing.TB, h http.Handler, query string, vars map[string]any) rawResponse {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return post(t, h, bytes.NewReader(b), "")
}

// wantCode checks that r holds exactly one error, with code and a message containing msg.
func wantCode(t testing.TB, r rawResponse, status int, code, msg string) {
	t.Helper()
	if r.status != status || len(r.gql.Errors) != 1 {
		t.Fatalf("status %d, errors %+v; want %d and one %s error", r.status, r.gql.Errors, status, code)
	}
	e := r.gql.Errors[0]
	if e.Extensions["code"] != code || !strings.Contains(e.Message, msg) {
		t.Fatalf("error %q code %v, want code %s and message containing %q", e.Message, e.Extensions["code"], code, msg)
	}
}

func limitedHandler(t testing.TB, store *graph.Store, opts resolvers.Options) http.Handler {
	t.Helper()
	if opts.Log == nil {
		opts.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	return resolvers.NewHandler(store, opts)
}

// nested is element{outgoing{to{outgoing{to{... key}}}}} with n outgoing levels.
func nested(model string, n int) string {
	return fmt.Sprintf(`{ element(model: %q, key: "vp-iced-tea") { %s key %s } }`, model,
		strings.Repeat("outgoing { to { ", n), strings.Repeat("} } ", n))
}

// doubling is fragments F1..Fn where each spreads the one before twice: 2^n fields expanded in a
// document of about 60n bytes.
func doubling(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "{ metamodel { kinds { ...F%d } } }\nfragment F0 on KindInfo { kind }\n", n)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "fragment F%d on KindInfo { ...F%d ...F%d }\n", i, i-1, i-1)
	}
	return b.String()
}

func aliases(model string, n int, field string) string {
	var b strings.Builder
	b.WriteString("{ ")
	for i := range n {
		fmt.Fprintf(&b, "a%d: %s ", i, strings.ReplaceAll(field, "$m", model))
	}
	b.WriteString("}")
	return b.String()
}

func TestQueryShapeLimits(t *testing.T) {
	t.Parallel()
	h := limitedHandler(t, graphtest.Store(t), resolvers.Options{})
	model := loadDemo(t, "lemonade-stand.yaml")
	supporters := `supporters(model: "$m", key: "vp-iced-tea", maxDepth: 10) { distance element { key } }`
	tests := []struct {
		name, query, code, msg string
	}{
		{"40 nested outgoing levels", nested(model, 40), "QUERY_TOO_DEEP", "nests 82 levels deep; the limit is 20 (-max-query-depth / MODELGRAPH_MAX_QUERY_DEPTH)"},
		{"fragments doubling 40 times", doubling(40), "TOO_MANY_FIELDS", "selects more than 1099511627776 fields"},
		{"fragments doubling 10 times", doubling(10), "TOO_MANY_FIELDS", "selects 1026 fields"},
		{"10,000 duplicate fields", "{ metamodel { kinds {" + strings.Repeat(" kind", 10000) + " } } }", "QUERY_TOO_LONG", "more than 5000 tokens; the limit is 5000 (-max-query-tokens / MODELGRAPH_MAX_QUERY_TOKENS)"},
		{"2,000 duplicate fields", "{" + strings.Repeat(" __typename", 2000) + " }", "TOO_MANY_FIELDS", "selects 2000 fields, fragments expanded; the limit is 1000"},
		{"500 aliases of supporters", aliases(model, 500, supporters), "QUERY_TOO_LONG", "more than 5000 tokens"},
		{"500 short aliases", aliases(model, 500, "metamodel { __typename }"), "TOO_MANY_ALIASES", "500 aliased fields, fragments expanded; the limit is 50 (-max-query-aliases / MODELGRAPH_MAX_QUERY_ALIASES)"},
		{"51 aliases of supporters", aliases(model, 51, supporters), "TOO_MANY_ALIASES", "51 aliased fields"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := postQuery(t, h, tc.query, nil)
			wantCode(t, r, http.StatusOK, tc.code, tc.msg)
			if string(r.gql.Data) != "" && string(r.gql.Data) != "null" {
				t.Fatalf("refused query answered data %s", r.gql.Data)
			}
		})
	}
	// Just within the limits: 50 aliases, 9 doublings, the playground's introspection.
	for _, q := range []string{aliases(model, 50, supporters), doubling(9), introspectionQuery} {
		if r := postQuery(t, h, q, nil); len(r.gql.Errors) > 0 {
			t.Fatalf("%.80s...: %+v", q, r.gql.Errors)
		}
	}
}

func TestCostCountsPageSizeTimesChildren(t *testing.T) {
	t.Parallel()
	h := limitedHandler(t, graphtest.Store(t), resolvers.Options{})
	model := loadDemo(t, "lemonade-stand.yaml")
	q := `query($m: ID!, $n: Int) { elements(model: $m, first: $n) { nodes { outgoing { to { incoming { from { key } } } } } } }`
	// A relationship list without first costs the 100 it may return. Per element: nodes 1 +
	// outgoing (1 + 100 x (to 1 + incoming (1 + 100 x (from 1 + key 1)))) = 1 + 20201 = 20202.
	// elements(first: n) costs 1 + n x 20202: 80809 for 4, 101011 for 5.
	if r := postQuery(t, h, q, map[string]any{"m": model, "n": 4}); len(r.gql.Errors) > 0 {
		t.Fatalf("first: 4: %+v", r.gql.Errors)
	}
	r := postQuery(t, h, q, map[string]any{"m": model, "n": 5})
	wantCode(t, r, http.StatusOK, "QUERY_TOO_COMPLEX", "estimated cost is 101011; the limit is 100000 (-max-complexity / MODELGRAPH_MAX_COMPLEXITY)")
	if r.gql.Errors[0].Extensions["limit"] != "max-complexity" {
		t.Fatalf("extensions = %v, want limit max-complexity", r.gql.Errors[0].Extensions)
	}
	// Each outgoing{to{...}} level multiplies by a hundred: with key at the bottom, level k costs
	// 1 + 100 x (1 + level k-1), level 0 (key) 1: 201, 20201, 2020201; element adds 1.
	if r := postQuery(t, h, nested(model, 2), nil); len(r.gql.Errors) > 0 {
		t.Fatalf("2 levels: %+v", r.gql.Errors)
	}
	wantCode(t, postQuery(t, h, nested(model, 3), nil), http.StatusOK, "QUERY_TOO_COMPLEX", "estimated cost is 2020202;")
	// With first, a level costs its page: 1 + 5 x (1 + 1 + 5 x (1 + 1 + 5 x 2)) = 311 for three.
	paged := fmt.Sprintf(`{ element(model: %q, key: "vp-iced-tea") { %s key %s } }`, model,
		strings.Repeat("outgoing(first: 5) { to { ", 3), strings.Repeat("} } ", 3))
	if r := postQuery(t, h, paged, nil); len(r.gql.Errors) > 0 {
		t.Fatalf("3 levels of 5: %+v", r.gql.Errors)
	}
}

func TestRequestBudgets(t *testing.T) {
	t.Parallel()
	s := graphtest.Store(t)
	model := loadDemo(t, "lemonade-stand.yaml")
	page := fmt.Sprintf(`{ elements(model: %q, first: 50) { nodes { key } } }`, model)

	r := postQuery(t, limitedHandler(t, s, resolvers.Options{Limits: resolvers.Limits{MaxRows: 5}}), page, nil)
	wantCode(t, r, http.StatusOK, "RESULT_TOO_LARGE", "reads more than 5 rows from the database; the limit is 5 (-max-result-rows / MODELGRAPH_MAX_RESULT_ROWS)")

	r = postQuery(t, limitedHandler(t, s, resolvers.Options{Limits: resolvers.Limits{MaxResponseBytes: 300}}), page, nil)
	wantCode(t, r, http.StatusOK, "RESPONSE_TOO_LARGE", "; the limit is 300 (-max-response-bytes / MODELGRAPH_MAX_RESPONSE_BYTES)")

	r = postQuery(t, limitedHandler(t, s, resolvers.Options{Limits: resolvers.Limits{RequestTimeout: time.Microsecond}}), page, nil)
	wantCode(t, r, http.StatusOK, "REQUEST_TIMEOUT", "took longer than 1µs; the limit is 1µs (-request-timeout / MODELGRAPH_REQUEST_TIMEOUT)")
	if ext := r.gql.Errors[0].Extensions; ext["limit"] != "request-timeout" || ext["max"] != "1µs" {
		t.Fatalf("extensions = %v, want limit request-timeout and max 1µs", ext)
	}

	// The same page within the default limits.
	if r := postQuery(t, limitedHandler(t, s, resolvers.Options{}), page, nil); len(r.gql.Errors) > 0 {
		t.Fatal(r.gql.Errors)
	}
}

func TestClientConcurrencyLimit(t *testing.T) {
	t.Parallel()
	h := limitedHandler(t, graphtest.Store(t), resolvers.Options{Limits: resolvers.Limits{MaxClientRequests: 1}})
	// The first request is held in flight while its body is being sent.
	pr, pw := io.Pipe()
	req := httptest.NewRequest(http.MethodPost, "/graphql", pr)
	req.Header.Set("Content-Type", "application/json")
	req.RemoteAddr = "192.0.2.7:4000"
	rec := httptest.NewRecorder()
	var wg sync.WaitGroup
	wg.Go(func() { h.ServeHTTP(rec, req) })
	if _, err := pw.Write([]byte(`{"query": `)); err != nil { // returns once the handler reads
		t.Fatal(err)
	}
	second := post(t, h, strings.NewReader(`{"query": "{ metamodel { kinds { kind } } }"}`), "192.0.2.7:4001")
	wantCode(t, second, http.StatusTooManyRequests, "TOO_MANY_REQUESTS", "already has 1 requests in flight; the limit is 1 (-max-client-requests / MODELGRAPH_MAX_CLIENT_REQUESTS)")
	other := post(t, h, strings.NewReader(`{"query": "{ metamodel { kinds { kind } } }"}`), "198.51.100.9:4000")
	if len(other.gql.Errors) > 0 {
		t.Fatalf("another client was refused: %+v", other.gql.Errors)
	}
	pw.Write([]byte(`"{ metamodel { kinds { kind } } }"}`))
	pw.Close()
	wg.Wait()
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"kinds"`) {
		t.Fatalf("the first request answered %d %s", rec.Code, rec.Body.String())
	}
	again := post(t, h, strings.NewReader(`{"query": "{ metamodel { kinds { kind } } }"}`), "192.0.2.7:4002")
	if len(again.gql.Errors) > 0 {
		t.Fatalf("the client was refused after its request ended: %+v", again.gql.Errors)
	}
}

func TestClientErrorsAreCoded(t *testing.T) {
	t.Parallel()
	var logged bytes.Buffer
	var logMu sync.Mutex
	log := slog.New(slog.NewTextHandler(&lockedWriter{w: &logged, mu: &logMu}, nil))
	h := limitedHandler(t, graphtest.Store(t), resolvers.Options{Log: log, MaxBodyBytes: 1 << 20})
	model := loadDemo(t, "lemonade-stand.yaml")
	upsert := `mutation($m: ID!, $p: JSON) { upsertElement(model: $m, element: {key: "p-new", kind: Process, name: "New", properties: $p}) { key } }`
	for _, tc := range []struct {
		name string
		p    any
		msg  string
	}{
		{"properties as a string", "tier=1", "bad value for element.properties: must be an object of names to string, number or boolean values, got a string"},
		{"properties as a list", []any{1, 2}, "bad value for element.properties: must be an object of names to string, number or boolean values, got a list"},
		{"properties as a number", 5, "bad value for element.properties: must be an object of names to string, number or boolean values, got a number"},
		{"integer beyond int64", json.RawMessage(`{"n": 99999999999999999999}`), "integers must fit in 64 bits"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			wantCode(t, postQuery(t, h, upsert, map[string]any{"m": model, "p": tc.p}), http.StatusOK, "BAD_USER_INPUT", tc.msg)
		})
	}
	t.Run("since yesterday", func(t *testing.T) {
		r := postQuery(t, h, `query($m: ID!) { changes(model: $m, since: "yesterday") { nodes { seq } } }`, map[string]any{"m": model})
		wantCode(t, r, http.StatusOK, "BAD_USER_INPUT", "bad value for since: must be a date and time in RFC 3339 format")
	})
	t.Run("malformed JSON body", func(t *testing.T) {
		body := `{"query": "{ models { key } }", ` + strings.Repeat("x", 900<<10)
		r := post(t, h, strings.NewReader(body), "")
		wantCode(t, r, http.StatusBadRequest, "BAD_USER_INPUT", "not valid JSON")
		if len(r.body) > 2000 {
			t.Fatalf("error of %d bytes", len(r.body))
		}
	})
	t.Run("not a request object", func(t *testing.T) {
		r := post(t, h, strings.NewReader(`{"query": 5, "pad": "`+strings.Repeat("y", 900<<10)+`"}`), "")
		wantCode(t, r, http.StatusBadRequest, "BAD_USER_INPUT", "not a GraphQL request")
		if len(r.body) > 2000 {
			t.Fatalf("error of %d bytes", len(r.body))
		}
	})
	t.Run("body above the maximum", func(t *testing.T) {
		r := post(t, h, strings.NewReader(`{"query": "`+strings.Repeat("z", 2<<20)+`"}`), "")
		wantCode(t, r, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE", "larger than 1048576 bytes; the limit is 1048576 (-max-body-bytes / MODELGRAPH_MAX_BODY_BYTES)")
	})
	t.Run("array batching", func(t *testing.T) {
		r := post(t, h, strings.NewReader(` [{"query": "{ models { key } }"}, {"query": "{ models { key } }"}]`), "")
		wantCode(t, r, http.StatusBadRequest, "BAD_USER_INPUT", "batching is not supported")
	})
	logMu.Lock()
	defer logMu.Unlock()
	if logged.Len() > 4000 {
		t.Fatalf("the log grew by %d bytes: %.500s", logged.Len(), logged.String())
	}
}

type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestImportCutOffByShutdownIsUnavailable(t *testing.T) {
	t.Parallel()
	user, pass := graphtest.Credentials()
	s, err := graph.Open(context.Background(), graph.Config{URI: graphtest.URI(), Username: user, Password: pass}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	h := limitedHandler(t, s, resolvers.Options{})
	s.Close(context.Background()) // as serve does when shutdown runs out of time
	doc := fmt.Sprintf("model: {key: %s, name: Cut}\nelements: [{key: p, kind: Process, name: P}]\n", graphtest.ModelKey(t))
	r := postQuery(t, h, `mutation($d: String!) { importModel(document: $d) { created } }`, map[string]any{"d": doc})
	wantCode(t, r, http.StatusOK, "UNAVAILABLE", "database unavailable")
}

func TestErrorsStaySmall(t *testing.T) {
	t.Parallel()
	// What is measured is the size of the errors, not the time: under the race detector and a
	// busy machine, reading and checking a 10 MB document can outlast the default deadline.
	h := limitedHandler(t, graphtest.Store(t), resolvers.Options{Limits: resolvers.Limits{RequestTimeout: 5 * time.Minute}})
	imp := `mutation($d: String!) { importModel(document: $d, dryRun: true) { problems { path key reason } } }`
	key := graphtest.ModelKey(t)

	badKey := fmt.Sprintf("model: {key: %s, name: Big}\nelements: [{key: %s, kind: Process, name: P}]\n", key, strings.Repeat("K", 10<<20))
	r := postQuery(t, h, imp, map[string]any{"d": badKey})
	wantCode(t, r, http.StatusOK, "BAD_USER_INPUT", "is not a valid key")
	if len(r.body) > 4000 {
		t.Fatalf("a 10 MB bad key gave an error of %d bytes", len(r.body))
	}
	t.Logf("10 MB bad key: response of %d bytes", len(r.body))

	var b strings.Builder
	fmt.Fprintf(&b, "model: {key: %s, name: Many}\nelements:\n", key)
	for i := range 20000 {
		fmt.Fprintf(&b, "  - {key: BAD-%d, kind: Process, name: P}\n", i)
	}
	r = postQuery(t, h, imp, map[string]any{"d": b.String()})
	wantCode(t, r, http.StatusOK, "BAD_USER_INPUT", "20000 problems")
	ext := r.gql.Errors[0].Extensions
	if ps, _ := ext["problems"].([]any); len(ps) != 100 || ext["more"] != float64(19900) {
		t.Fatalf("extensions list %d problems and more = %v; want 100 and 19900", len(ps), ext["more"])
	}
	if len(r.body) > 100<<10 {
		t.Fatalf("20,000 bad elements gave a response of %d bytes", len(r.body))
	}
	t.Logf("20,000 bad elements: response of %d bytes", len(r.body))

	// 150 unknown fields: 150 validation errors, of which 100 are listed.
	var q strings.Builder
	q.WriteString("{ metamodel {")
	for i := range 150 {
		fmt.Fprintf(&q, " nope%d", i)
	}
	q.WriteString(" } }")
	r = postQuery(t, h, q.String(), nil)
	if n := len(r.gql.Errors); n != 101 || r.gql.Errors[100].Extensions["code"] != "TOO_MANY_ERRORS" || r.gql.Errors[100].Extensions["more"] != float64(50) {
		t.Fatalf("%d errors, last %+v; want 100 and a TOO_MANY_ERRORS error counting 50 more", n, r.gql.Errors[n-1])
	}
}

func TestOutageIsUnavailableWithinConfiguredTimeout(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	s, err := graph.Open(context.Background(), graph.Config{URI: "bolt://" + addr, Timeout: time.Second}, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	if s.Timeout() != time.Second {
		t.Fatalf("store timeout %s, want the configured 1s", s.Timeout())
	}
	r := postQuery(t, limitedHandler(t, s, resolvers.Options{}), `{ models { key } }`, nil)
	wantCode(t, r, http.StatusOK, "UNAVAILABLE", "database unavailable")
}

// introspectionQuery is the query GraphiQL (the playground) sends to learn the schema: nine
// levels of ofType, the deepest common client query.
const introspectionQuery = `query IntrospectionQuery {
  __schema {
    description
    queryType { name }
    mutationType { name }
    subscriptionType { name }
    types { ...FullType }
    directives { name description isRepeatable locations args(includeDeprecated: true) { ...InputValue } }
  }
}
fragment FullType on __Type {
  kind name description specifiedByURL
  fields(includeDeprecated: true) { name description args(includeDeprecated: true) { ...InputValue } type { ...TypeRef } isDeprecated deprecationReason }
  inputFields(includeDeprecated: true) { ...InputValue }
  interfaces { ...TypeRef }
  enumValues(includeDeprecated: true) { name description isDeprecated deprecationReason }
  possibleTypes { ...TypeRef }
}
fragment InputValue on __InputValue { name description type { ...TypeRef } defaultValue isDeprecated deprecationReason }
fragment TypeRef on __Type {
  kind name
  ofType { kind name ofType { kind name ofType { kind name ofType { kind name ofType { kind name
    ofType { kind name ofType { kind name ofType { kind name ofType { kind name } } } } } } } } }
}`

// TestLimitsDocumentedInREADME checks that the configuration table has a row for every limit with
// its flag and default, so the table cannot drift from the code.
func TestLimitsDocumentedInREADME(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	d := resolvers.DefaultLimits
	defaults := map[string]string{
		"MaxTokens": fmt.Sprint(d.MaxTokens), "MaxDepth": fmt.Sprint(d.MaxDepth), "MaxFields": fmt.Sprint(d.MaxFields),
		"MaxAliases": fmt.Sprint(d.MaxAliases), "MaxComplexity": fmt.Sprint(d.MaxComplexity), "RequestTimeout": d.RequestTimeout.String(),
		"MaxRows": fmt.Sprint(d.MaxRows), "MaxResponseBytes": fmt.Sprint(d.MaxResponseBytes), "MaxSessions": fmt.Sprint(d.MaxSessions),
		"MaxClientRequests": fmt.Sprint(d.MaxClientRequests), "MaxBodyBytes": "67108864",
		"MaxResolvedFields": fmt.Sprint(d.MaxResolvedFields), "MaxConcurrentCost": fmt.Sprint(d.MaxConcurrentCost),
	}
	if len(defaults) != len(resolvers.Settings) {
		t.Fatalf("%d settings, %d defaults in this test", len(resolvers.Settings), len(defaults))
	}
	rows := map[string]string{"MODELGRAPH_DB_TIMEOUT": fmt.Sprintf("| `MODELGRAPH_DB_TIMEOUT` | `-db-timeout` | `%s` |", graph.DefaultTimeout)}
	for field, s := range resolvers.Settings {
		rows[s.Env] = fmt.Sprintf("| `%s` | `-%s` | `%s` |", s.Env, s.Flag, defaults[field])
	}
	for env, row := range rows {
		if !bytes.Contains(readme, []byte(row)) {
			t.Errorf("README has no configuration row for %s starting %s", env, row)
		}
	}
}
