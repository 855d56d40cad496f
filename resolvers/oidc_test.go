package resolvers_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/coreos/go-oidc/v3/oidc/oidctest"

	"github.com/modelgraph/modelgraph/graph/graphtest"
	"github.com/modelgraph/modelgraph/resolvers"
	"github.com/modelgraph/modelgraph/resolvers/auth"
)

// TestOIDCThroughHandler: a JWT from the configured issuer, with grants in its claim, is
// authorized like a token with those grants, and its subject is the history's actor.
func TestOIDCThroughHandler(t *testing.T) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	idp := &oidctest.Server{PublicKeys: []oidctest.PublicKey{{PublicKey: priv.Public(), KeyID: "k1", Algorithm: oidc.RS256}}}
	srv := httptest.NewServer(idp)
	defer srv.Close()
	idp.SetIssuer(srv.URL)
	o, err := auth.NewOIDC(context.Background(), auth.OIDCConfig{Issuer: srv.URL, Audience: "modelgraph", Claim: "modelgraph"})
	if err != nil {
		t.Fatal(err)
	}
	tokens, _ := auth.NewTokens(graphtest.Store(t), 0)
	a := newAuthed(t, resolvers.Options{Auth: auth.Either(tokens, o)})

	edited, viewed, hidden := graphtest.ModelKey(t), graphtest.ModelKey(t), graphtest.ModelKey(t)
	for _, k := range []string{edited, viewed, hidden} {
		smallModel(t, k)
	}
	jwt := oidctest.SignIDToken(priv, "k1", oidc.RS256, `{"iss":"`+srv.URL+`","aud":"modelgraph","sub":"ana",
		"exp":`+strconv.FormatInt(time.Now().Add(time.Hour).Unix(), 10)+`,
		"modelgraph":["editor:`+edited+`","viewer:`+viewed+`"]}`)

	_, res := a.do(t, jwt, `{ models { key } }`, nil)
	var list struct{ Models []struct{ Key string } }
	json.Unmarshal(res.Data, &list)
	var keys []string
	for _, m := range list.Models {
		keys = append(keys, m.Key)
	}
	if len(res.Errors) > 0 || !containsAll(keys, edited, viewed) || containsAll(keys, hidden) {
		t.Fatalf("models for editor:%s viewer:%s: %v %v", edited, viewed, keys, res.Errors)
	}

	update := `mutation($m: ID!) { updateElement(model: $m, key: "vp", patch: {name: "Iced tea"}) { version } }`
	for m, want := range map[string]string{edited: "", viewed: "FORBIDDEN", hidden: "NOT_FOUND"} {
		_, res := a.do(t, jwt, update, map[string]any{"m": m})
		got := ""
		if len(res.Errors) > 0 {
			got, _ = res.Errors[0].Extensions["code"].(string)
		}
		if got != want {
			t.Errorf("update in %s: %q %+v, want %q", m, got, res.Errors, want)
		}
	}
	_, res = a.do(t, jwt, `query($m: ID!) { changes(model: $m, first: 1) { nodes { actor } } }`, map[string]any{"m": edited})
	var ch struct {
		Changes struct{ Nodes []struct{ Actor string } }
	}
	json.Unmarshal(res.Data, &ch)
	if len(ch.Changes.Nodes) != 1 || ch.Changes.Nodes[0].Actor != "oidc:ana" {
		t.Fatalf("actor of the JWT's change: %s %v, want oidc:ana", res.Data, res.Errors)
	}
}

func containsAll(list []string, want ...string) bool {
	for _, w := range want {
		found := false
		for _, x := range list {
			found = found || x == w
		}
		if !found {
			return false
		}
	}
	return true
}
