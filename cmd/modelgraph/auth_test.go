package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/coreos/go-oidc/v3/oidc/oidctest"

	"github.com/modelgraph/modelgraph/graph/graphtest"
)

func TestServeRefusesNonLoopbackWithoutAuth(t *testing.T) {
	for _, addr := range []string{"0.0.0.0:0", ":0", "[::]:0"} {
		code, _, stderr := cli(t, "serve", "-addr", addr)
		if code != exitUsage || !strings.Contains(stderr, "refusing to serve "+addr+" without authentication") || !strings.Contains(stderr, "-insecure-no-auth") {
			t.Errorf("serve -addr %s exited %d:\n%s", addr, code, stderr)
		}
	}
	code, _, stderr := cli(t, "serve", "-addr", "127.0.0.1:0", "-debug-addr", "0.0.0.0:0")
	if code != exitUsage || !strings.Contains(stderr, "debug address 0.0.0.0:0 must be a loopback address") {
		t.Errorf("non-loopback debug address: exit %d:\n%s", code, stderr)
	}
	for _, args := range [][]string{
		{"-auth", "sometimes"},
		{"-auth", "oidc"},
		{"-auth", "token", "-token-cache-ttl", "1m"},
		{"-cors-origins", "*"},
		{"-allowed-hosts", "https://x.example/"},
	} {
		if code, _, stderr := cli(t, append([]string{"serve", "-addr", "127.0.0.1:0"}, args...)...); code != exitUsage {
			t.Errorf("serve %v exited %d, want %d:\n%s", args, code, exitUsage, stderr)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader in different goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serve starts "modelgraph serve" in process and returns its API URL once it listens; the server
// stops when the test ends.
func serve(t *testing.T, args ...string) (url string, stderr *syncBuffer) {
	t.Helper()
	user, pass := graphtest.Credentials()
	env := map[string]string{"NEO4J_URI": graphtest.URI(), "NEO4J_USERNAME": user, "NEO4J_PASSWORD": pass, "LOG_LEVEL": "info"}
	ctx, cancel := context.WithCancel(context.Background())
	stderr = &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve"}, args...), func(k string) string { return env[k] }, io.Discard, stderr)
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("serve exited %d:\n%s", code, stderr)
		}
	})
	api := regexp.MustCompile(`api=(http://\S+/graphql)`)
	for i := 0; i < 600; i++ {
		if m := api.FindStringSubmatch(stderr.String()); m != nil {
			return m[1], stderr
		}
		select {
		case code := <-done:
			done <- code
			t.Fatalf("serve exited %d before listening:\n%s", code, stderr)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not start:\n%s", stderr)
	return "", nil
}

func TestServeInsecureNoAuthWarns(t *testing.T) {
	_, stderr := serve(t, "-addr", "0.0.0.0:0", "-insecure-no-auth")
	if !strings.Contains(stderr.String(), "level=WARN") || !strings.Contains(stderr.String(), "serving without authentication on a non-loopback address") {
		t.Fatalf("no warning at start:\n%s", stderr)
	}
}

func post(t *testing.T, url, token, query string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{"query":`+quote(query)+`}`))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

func quote(s string) string {
	return `"` + strings.NewReplacer(`"`, `\"`, "\n", `\n`).Replace(s) + `"`
}

// TestTokenCommandsAndServe: tokens made with the CLI open the API of "serve -auth token";
// a revoked one stops working (cache TTL 0 here).
func TestTokenCommandsAndServe(t *testing.T) {
	key := graphtest.ModelKey(t)
	code, secret, stderr := cli(t, "token", "create", "-role", "admin", "-model", key, "-name", "cli test")
	secret = strings.TrimSpace(secret)
	if code != exitOK || !strings.HasPrefix(secret, "mgt_") || !strings.Contains(stderr, "shown only this once") {
		t.Fatalf("token create exited %d: %q %s", code, secret, stderr)
	}
	id := regexp.MustCompile(`tok_\S+`).FindString(stderr)

	code, list, _ := cli(t, "token", "list")
	if code != exitOK || !regexp.MustCompile(id+`\s+cli test\s+admin\s+`+key+`\s+\S+\s+-`).MatchString(list) || strings.Contains(list, secret) {
		t.Fatalf("token list (exit %d) lacks %s or shows the secret:\n%s", code, id, list)
	}

	url, _ := serve(t, "-addr", "127.0.0.1:0", "-auth", "token", "-token-cache-ttl", "0s")
	if status, body := post(t, url, "", `{ models { key } }`); status != http.StatusUnauthorized || !strings.Contains(body, "UNAUTHENTICATED") {
		t.Fatalf("no token: %d %s", status, body)
	}
	if status, body := post(t, url, secret, `mutation { createModel(input: {key: "`+key+`", name: "By token"}) { key } }`); status != http.StatusOK || strings.Contains(body, "errors") {
		t.Fatalf("admin token creating its model: %d %s", status, body)
	}

	code, out, stderr := cli(t, "token", "revoke", id)
	if code != exitOK || !strings.Contains(out, "revoked "+id) {
		t.Fatalf("token revoke exited %d: %s %s", code, out, stderr)
	}
	if status, body := post(t, url, secret, `{ models { key } }`); status != http.StatusUnauthorized {
		t.Fatalf("revoked token: %d %s", status, body)
	}
	code, list, _ = cli(t, "token", "list")
	if code != exitOK || regexp.MustCompile(id+`\s+cli test\s+admin\s+`+key+`\s+\S+\s+-\n`).MatchString(list) {
		t.Fatalf("token list does not show %s revoked:\n%s", id, list)
	}

	for _, args := range [][]string{{"token"}, {"token", "mint"}, {"token", "create", "-role", "root", "-model", "x"}, {"token", "create", "-role", "viewer"}, {"token", "revoke"}} {
		if code, _, _ := cli(t, args...); code != exitUsage {
			t.Errorf("%v exited %d, want %d", args, code, exitUsage)
		}
	}
	if code, _, stderr := cli(t, "token", "revoke", "tok_nothing"); code != exitFail || !strings.Contains(stderr, "not found") {
		t.Errorf("revoking an unknown token: exit %d %s", code, stderr)
	}
}

// TestServeOIDC: "serve -auth oidc" accepts JWTs of the configured issuer and audience, and API
// tokens too.
func TestServeOIDC(t *testing.T) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	idp := &oidctest.Server{PublicKeys: []oidctest.PublicKey{{PublicKey: priv.Public(), KeyID: "k1", Algorithm: oidc.RS256}}}
	srv := httptest.NewServer(idp)
	defer srv.Close()
	idp.SetIssuer(srv.URL)
	exp := strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)
	sign := func(aud string) string {
		return oidctest.SignIDToken(priv, "k1", oidc.RS256, `{"iss":"`+srv.URL+`","aud":"`+aud+`","sub":"ana","exp":`+exp+`,"groups":"viewer:*"}`)
	}

	url, _ := serve(t, "-addr", "127.0.0.1:0", "-auth", "oidc", "-oidc-issuer", srv.URL, "-oidc-audience", "modelgraph", "-oidc-claim", "groups")
	if status, body := post(t, url, sign("modelgraph"), `{ models { key } }`); status != http.StatusOK || strings.Contains(body, "errors") {
		t.Fatalf("JWT: %d %s", status, body)
	}
	if status, body := post(t, url, sign("other-app"), `{ models { key } }`); status != http.StatusUnauthorized {
		t.Fatalf("JWT for another audience: %d %s", status, body)
	}
	_, secret, _ := cli(t, "token", "create", "-role", "viewer", "-model", "*")
	if status, body := post(t, url, strings.TrimSpace(secret), `{ models { key } }`); status != http.StatusOK || strings.Contains(body, "errors") {
		t.Fatalf("API token with -auth oidc: %d %s", status, body)
	}
}
