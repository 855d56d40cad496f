package resolvers_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
	"github.com/modelgraph/modelgraph/resolvers"
	"github.com/modelgraph/modelgraph/resolvers/playground"
)

// TestActorFromIdentity: with authentication on, the history names the token, whatever X-Actor
// says; with it off, X-Actor is recorded as before.
func TestActorFromIdentity(t *testing.T) {
	a := newAuthed(t, resolvers.Options{})
	key := graphtest.ModelKey(t)
	smallModel(t, key)
	tok, secret, err := graphtest.Store(t).CreateToken(context.Background(), "nightly import", "editor", key)
	if err != nil {
		t.Fatal(err)
	}
	_, res := a.do(t, secret, `mutation($m: ID!) { updateElement(model: $m, key: "vp", patch: {name: "Iced tea"}) { version } }`,
		map[string]any{"m": key}, "X-Actor", "cli:root")
	if len(res.Errors) > 0 {
		t.Fatal(res.Errors)
	}
	_, res = a.do(t, secret, `query($m: ID!) { changes(model: $m, first: 1) { nodes { actor key } } }`, map[string]any{"m": key})
	var out struct {
		Changes struct{ Nodes []struct{ Actor, Key string } }
	}
	if err := json.Unmarshal(res.Data, &out); err != nil || len(out.Changes.Nodes) != 1 {
		t.Fatalf("changes: %s %v", res.Data, res.Errors)
	}
	want := "token:nightly import (" + tok.ID + ")"
	if got := out.Changes.Nodes[0]; got.Actor != want || got.Key != "vp" {
		t.Fatalf("latest change %+v, want actor %q on vp", got, want)
	}

	open := newAPI(t, graphtest.Store(t))
	if r := open.doAs(t, "analyst:ana", `mutation($m: ID!) { updateElement(model: $m, key: "vp", patch: {name: "Lemonade"}) { version } }`, map[string]any{"m": key}); len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	_, res = a.do(t, secret, `query($m: ID!) { changes(model: $m, first: 1) { nodes { actor key } } }`, map[string]any{"m": key})
	json.Unmarshal(res.Data, &out)
	if got := out.Changes.Nodes[0].Actor; got != "analyst:ana" {
		t.Fatalf("without authentication the actor is %q, want X-Actor analyst:ana", got)
	}
}

// TestRevokedTokenRefused: with no token cache a revoked token is refused at its next request,
// with 401 UNAUTHENTICATED.
func TestRevokedTokenRefused(t *testing.T) {
	a := newAuthed(t, resolvers.Options{})
	tok, secret, err := graphtest.Store(t).CreateToken(context.Background(), "", "viewer", graph.AllModels)
	if err != nil {
		t.Fatal(err)
	}
	if code, res := a.do(t, secret, `{ metamodel { kinds { kind } } }`, nil); code != http.StatusOK || len(res.Errors) > 0 {
		t.Fatalf("valid token: %d %v", code, res.Errors)
	}
	if _, err := graphtest.Store(t).RevokeToken(context.Background(), tok.ID); err != nil {
		t.Fatal(err)
	}
	code, res := a.do(t, secret, `{ metamodel { kinds { kind } } }`, nil)
	if code != http.StatusUnauthorized || len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "UNAUTHENTICATED" || res.Data != nil {
		t.Fatalf("revoked token: %d %s %+v", code, res.Data, res.Errors)
	}
	for _, hdr := range []string{"Basic YWxpY2U6c2VjcmV0", "Bearer", "Bearer mgt_not-a-token", "Bearer eyJhbGciOiJub25lIn0.e30."} {
		body := `{"query":"{ models { key } }"}`
		req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", hdr)
		rec := httptest.NewRecorder()
		a.h.ServeHTTP(rec, req)
		if rec.Code != http.StatusUnauthorized || !strings.Contains(rec.Body.String(), `"UNAUTHENTICATED"`) || rec.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("Authorization %q: %d %s", hdr, rec.Code, rec.Body.String())
		}
	}
}

// TestModelsListFiltered: the model list and its counts show only granted models.
func TestModelsListFiltered(t *testing.T) {
	a := newAuthed(t, resolvers.Options{})
	mine, theirs := graphtest.ModelKey(t), graphtest.ModelKey(t)
	smallModel(t, mine)
	smallModel(t, theirs)
	_, res := a.do(t, token(t, "viewer", mine), `{ models { key elementCount relationshipCount counts { kind count } } }`, nil)
	var out struct {
		Models []struct {
			Key               string
			ElementCount      int
			RelationshipCount int
		}
	}
	if err := json.Unmarshal(res.Data, &out); err != nil || len(res.Errors) > 0 {
		t.Fatalf("%s %v", res.Data, res.Errors)
	}
	if len(out.Models) != 1 || out.Models[0].Key != mine || out.Models[0].ElementCount != 2 || out.Models[0].RelationshipCount != 1 {
		t.Fatalf("a viewer of %s sees %+v, want only %s with 2 elements and 1 relationship", mine, out.Models, mine)
	}
}

// TestHostCheckThroughHandler: served on a loopback address, a request naming another host
// (DNS rebinding) is refused before anything runs; listed names pass.
func TestHostCheckThroughHandler(t *testing.T) {
	h := resolvers.NewHandler(graphtest.Store(t), resolvers.Options{Addr: "127.0.0.1:8080", AllowedHosts: []string{"models.example.org"}})
	for host, want := range map[string]int{
		"localhost:8080":      http.StatusOK,
		"127.0.0.1:8080":      http.StatusOK,
		"models.example.org":  http.StatusOK,
		"attacker.example":    http.StatusMisdirectedRequest,
		"attacker.example:80": http.StatusMisdirectedRequest,
	} {
		req := httptest.NewRequest(http.MethodGet, "/graphql?query=%7Bmetamodel%7Bkinds%7Bkind%7D%7D%7D", nil)
		req.Host = host
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("Host %s: %d %s, want %d", host, rec.Code, rec.Body.String(), want)
		}
	}
}

// TestCORSThroughHandler: pages of other origins are refused unless listed; listed ones get the
// CORS headers on the real endpoint.
func TestCORSThroughHandler(t *testing.T) {
	h := resolvers.NewHandler(graphtest.Store(t), resolvers.Options{Addr: "127.0.0.1:8080", CORSOrigins: []string{"https://dash.example.com"}})
	send := func(origin string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodPost, "http://127.0.0.1:8080/graphql", strings.NewReader(`{"query":"{ models { key } }"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Origin", origin)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	if rec := send("https://evil.example"); rec.Code != http.StatusForbidden {
		t.Errorf("foreign origin: %d %s", rec.Code, rec.Body.String())
	}
	rec := send("https://dash.example.com")
	if rec.Code != http.StatusOK || rec.Header().Get("Access-Control-Allow-Origin") != "https://dash.example.com" {
		t.Errorf("listed origin: %d, ACAO %q", rec.Code, rec.Header().Get("Access-Control-Allow-Origin"))
	}
	if rec := send("http://127.0.0.1:8080"); rec.Code != http.StatusOK || rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("same origin (the playground): %d, ACAO %q", rec.Code, rec.Header().Get("Access-Control-Allow-Origin"))
	}
}

// TestPlaygroundCSP: the page is not frameable and its policy allows exactly its own scripts:
// every <script src> is a same-origin relative URL and every inline script's hash is listed.
func TestPlaygroundCSP(t *testing.T) {
	h := resolvers.NewHandler(graphtest.Store(t), resolvers.Options{})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/", nil))
	if rec.Code != http.StatusOK || rec.Header().Get("X-Frame-Options") != "DENY" {
		t.Fatalf("page: %d, X-Frame-Options %q", rec.Code, rec.Header().Get("X-Frame-Options"))
	}
	csp := rec.Header().Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "connect-src 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	page, _ := io.ReadAll(rec.Body)
	embedded, _ := io.ReadAll(mustOpen(t, "index.html"))
	if string(page) != string(embedded) {
		t.Fatal("served page differs from the embedded one")
	}
	scripts := regexp.MustCompile(`(?s)<script([^>]*)>(.*?)</script>`).FindAllSubmatch(page, -1)
	if len(scripts) == 0 {
		t.Fatal("no scripts found on the page")
	}
	for _, s := range scripts {
		attrs, body := string(s[1]), s[2]
		if src := regexp.MustCompile(`src="([^"]*)"`).FindStringSubmatch(attrs); src != nil {
			if strings.Contains(src[1], ":") || strings.HasPrefix(src[1], "//") {
				t.Errorf("script %s is not same-origin", src[1])
			}
			continue
		}
		sum := sha256.Sum256(body)
		if hash := "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"; !strings.Contains(csp, hash) {
			t.Errorf("inline script's hash %s is not in the CSP %q", hash, csp)
		}
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{ metamodel { kinds { kind } } }"}`)))
	if rec.Header().Get("X-Frame-Options") != "DENY" {
		t.Errorf("API response lacks X-Frame-Options")
	}
}

func mustOpen(t *testing.T, name string) io.Reader {
	t.Helper()
	f, err := playground.Assets().Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}
