package auth

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/coreos/go-oidc/v3/oidc/oidctest"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
)

func TestMain(m *testing.M) { os.Exit(graphtest.Main(m)) }

func TestParseGrant(t *testing.T) {
	for _, c := range []struct {
		in   string
		want Grant
		ok   bool
	}{
		{"editor:sportswear-retailer", Grant{Editor, "sportswear-retailer"}, true},
		{"viewer:*", Grant{Viewer, "*"}, true},
		{" admin:m1 ", Grant{Admin, "m1"}, true},
		{"owner:m1", Grant{}, false},
		{"viewer", Grant{}, false},
		{"viewer:Bad Key", Grant{}, false},
		{"viewer:", Grant{}, false},
	} {
		g, err := ParseGrant(c.in)
		if (err == nil) != c.ok || g != c.want {
			t.Errorf("ParseGrant(%q) = %v, %v; want %v ok=%v", c.in, g, err, c.want, c.ok)
		}
	}
}

func TestIdentityRoleOn(t *testing.T) {
	id := &Identity{Grants: []Grant{{Viewer, "*"}, {Editor, "a"}, {Admin, "b"}}}
	for model, want := range map[string]Role{"a": Editor, "b": Admin, "c": Viewer} {
		if got := id.On(model); got != want {
			t.Errorf("On(%q) = %s, want %s", model, got, want)
		}
	}
	if got := (&Identity{Grants: []Grant{{Editor, "a"}}}).On("b"); got != None {
		t.Errorf("a grant on a does not cover b: got %s", got)
	}
	if id.Best() != Admin || (&Identity{}).Best() != None {
		t.Error("Best is not the strongest grant")
	}
}

// TestRevokedTokenStopsWithinTTL shows the revocation bound: a revoked token keeps working while
// its cached answer lives (the TTL) and is refused from then on. The clock is the verifier's own,
// moved by hand, so the test does not wait.
func TestRevokedTokenStopsWithinTTL(t *testing.T) {
	store := graphtest.Store(t)
	ctx := context.Background()
	tok, secret, err := store.CreateToken(ctx, "revocation", "editor", "m1")
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewTokens(store, DefaultTokenCacheTTL)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	v.now = func() time.Time { return now }

	id, err := v.Verify(ctx, secret)
	if err != nil {
		t.Fatal(err)
	}
	if id.On("m1") != Editor || id.On("m2") != None || id.Actor != "token:revocation ("+tok.ID+")" {
		t.Fatalf("identity %+v", id)
	}
	if _, err := store.RevokeToken(ctx, tok.ID); err != nil {
		t.Fatal(err)
	}
	now = now.Add(DefaultTokenCacheTTL - time.Millisecond)
	if _, err := v.Verify(ctx, secret); err != nil {
		t.Fatalf("inside the TTL the cached answer stands: %v", err)
	}
	now = now.Add(time.Millisecond)
	if _, err := v.Verify(ctx, secret); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("at the TTL the revoked token must be refused, got %v", err)
	}

	// Without a cache the revocation takes effect at the next request.
	tok2, secret2, err := store.CreateToken(ctx, "", "viewer", "*")
	if err != nil {
		t.Fatal(err)
	}
	v0, _ := NewTokens(store, 0)
	if _, err := v0.Verify(ctx, secret2); err != nil {
		t.Fatal(err)
	}
	if _, err := store.RevokeToken(ctx, tok2.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := v0.Verify(ctx, secret2); !errors.Is(err, ErrUnauthenticated) {
		t.Fatalf("TTL 0: revoked token accepted: %v", err)
	}
}

func TestTokenVerifyRefuses(t *testing.T) {
	v, err := NewTokens(graphtest.Store(t), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"", "eyJhbGciOi.x.y", graph.TokenPrefix + "unknown"} {
		if _, err := v.Verify(context.Background(), bad); !errors.Is(err, ErrUnauthenticated) {
			t.Errorf("Verify(%q) = %v, want ErrUnauthenticated", bad, err)
		}
	}
	if _, err := NewTokens(graphtest.Store(t), MaxTokenCacheTTL+time.Second); err == nil {
		t.Error("a TTL beyond the bound was accepted")
	}
}

// oidcServer is a local OpenID provider (no network) and a function signing tokens with its key.
func oidcServer(t *testing.T) (issuer string, sign func(claims string) string) {
	t.Helper()
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	s := &oidctest.Server{PublicKeys: []oidctest.PublicKey{{PublicKey: priv.Public(), KeyID: "k1", Algorithm: oidc.RS256}}}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	s.SetIssuer(srv.URL)
	return srv.URL, func(claims string) string { return oidctest.SignIDToken(priv, "k1", oidc.RS256, claims) }
}

func TestOIDCGrantsFromClaim(t *testing.T) {
	issuer, sign := oidcServer(t)
	o, err := NewOIDC(context.Background(), OIDCConfig{Issuer: issuer, Audience: "modelgraph-api", Claim: "modelgraph"})
	if err != nil {
		t.Fatal(err)
	}
	exp := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
	claims := func(aud, grants string) string {
		return `{"iss":"` + issuer + `","aud":"` + aud + `","sub":"alice","exp":` + exp + `,"modelgraph":` + grants + `}`
	}

	id, err := o.Verify(context.Background(), sign(claims("modelgraph-api", `["editor:sportswear-retailer","viewer:*","staff","owner:x"]`)))
	if err != nil {
		t.Fatal(err)
	}
	want := []Grant{{Editor, "sportswear-retailer"}, {Viewer, "*"}}
	if id.Actor != "oidc:alice" || !slices.Equal(id.Grants, want) {
		t.Fatalf("identity %+v, want actor oidc:alice and grants %v (other entries ignored)", id, want)
	}

	id, err = o.Verify(context.Background(), sign(claims("modelgraph-api", `"admin:m1, viewer:m2"`)))
	if err != nil || !slices.Equal(id.Grants, []Grant{{Admin, "m1"}, {Viewer, "m2"}}) {
		t.Fatalf("one string of grants: %+v, %v", id, err)
	}

	if _, err := o.Verify(context.Background(), sign(claims("another-app", `["admin:*"]`))); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("token for another audience: %v, want ErrUnauthenticated", err)
	}
	past := strconv.FormatInt(time.Now().Add(-time.Hour).Unix(), 10)
	expired := `{"iss":"` + issuer + `","aud":"modelgraph-api","sub":"bob","exp":` + past + `,"modelgraph":["admin:*"]}`
	if _, err := o.Verify(context.Background(), sign(expired)); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("expired token: %v, want ErrUnauthenticated", err)
	}
	// Signed by someone else.
	_, otherSign := oidcServer(t)
	if _, err := o.Verify(context.Background(), otherSign(claims("modelgraph-api", `["admin:*"]`))); !errors.Is(err, ErrUnauthenticated) {
		t.Errorf("token signed with another key: %v, want ErrUnauthenticated", err)
	}
}

func TestHosts(t *testing.T) {
	for _, c := range []struct {
		addr    string
		allowed []string
		ok, bad []string
	}{
		{"127.0.0.1:8080", nil, []string{"127.0.0.1:8080", "localhost:8080", "LOCALHOST", "[::1]:8080", "localhost."}, []string{"evil.example:8080", "10.0.0.5:8080", ""}},
		{"localhost:8080", []string{"modelgraph.internal"}, []string{"localhost", "modelgraph.internal:443", "127.0.0.1"}, []string{"evil.example"}},
		{"0.0.0.0:8080", []string{"mg.example.com"}, []string{"10.1.2.3:8080", "[fd00::1]:8080", "mg.example.com", "localhost"}, []string{"evil.example", "mg.example.com.evil.example"}},
		{"10.0.0.5:8080", nil, []string{"10.0.0.5:8080"}, []string{"localhost", "10.0.0.6", "evil.example"}},
		{"[::]:8080", []string{"*"}, []string{"anything.example"}, nil},
	} {
		h, err := NewHosts(c.addr, c.allowed)
		if err != nil {
			t.Fatal(err)
		}
		for _, host := range c.ok {
			if !h.Allows(host) {
				t.Errorf("listening on %s with %v: host %q refused", c.addr, c.allowed, host)
			}
		}
		for _, host := range c.bad {
			if h.Allows(host) {
				t.Errorf("listening on %s with %v: host %q accepted", c.addr, c.allowed, host)
			}
		}
	}
	if _, err := NewHosts("127.0.0.1:8080", []string{"https://x.example/"}); err == nil {
		t.Error("an allowed host with a scheme was accepted")
	}
}

func TestHostRefusedWith421(t *testing.T) {
	h, _ := NewHosts("127.0.0.1:8080", nil)
	srv := h.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	req := httptest.NewRequest(http.MethodGet, "http://rebound.example:8080/graphql", nil)
	rec := httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusMisdirectedRequest || !contains(rec.Body.String(), "rebound.example", "MODELGRAPH_ALLOWED_HOSTS") {
		t.Fatalf("foreign host: %d %q", rec.Code, rec.Body.String())
	}
	req = httptest.NewRequest(http.MethodGet, "http://localhost:8080/graphql", nil)
	rec = httptest.NewRecorder()
	srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusTeapot {
		t.Fatalf("localhost: %d", rec.Code)
	}
}

func TestCORS(t *testing.T) {
	h := CORS([]string{"https://dash.example.com"}, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }))
	send := func(method, origin string, hdr ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, "http://127.0.0.1:8080/graphql", nil)
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	if rec := send(http.MethodPost, ""); rec.Code != http.StatusTeapot || rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("no Origin: %d, ACAO %q", rec.Code, rec.Header().Get("Access-Control-Allow-Origin"))
	}
	if rec := send(http.MethodPost, "http://127.0.0.1:8080"); rec.Code != http.StatusTeapot {
		t.Errorf("same origin: %d", rec.Code)
	}
	rec := send(http.MethodPost, "https://evil.example")
	if rec.Code != http.StatusForbidden || !contains(rec.Body.String(), "https://evil.example", "MODELGRAPH_CORS_ORIGINS") || rec.Header().Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("foreign origin: %d %q", rec.Code, rec.Body.String())
	}
	rec = send(http.MethodPost, "https://dash.example.com")
	if rec.Code != http.StatusTeapot || rec.Header().Get("Access-Control-Allow-Origin") != "https://dash.example.com" || rec.Header().Get("Vary") != "Origin" {
		t.Errorf("allowed origin: %d, headers %v", rec.Code, rec.Header())
	}
	rec = send(http.MethodOptions, "https://dash.example.com", "Access-Control-Request-Method", "POST", "Access-Control-Request-Headers", "authorization, content-type")
	if rec.Code != http.StatusNoContent || !contains(rec.Header().Get("Access-Control-Allow-Headers"), "Authorization", "Content-Type") || !contains(rec.Header().Get("Access-Control-Allow-Methods"), "POST") {
		t.Errorf("preflight: %d, headers %v", rec.Code, rec.Header())
	}
	if err := CheckOrigins([]string{"https://dash.example.com", "http://localhost:3000"}); err != nil {
		t.Error(err)
	}
	for _, bad := range []string{"*", "dash.example.com", "https://dash.example.com/", "ftp://x.example"} {
		if CheckOrigins([]string{bad}) == nil {
			t.Errorf("origin %q accepted", bad)
		}
	}
}

func contains(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
