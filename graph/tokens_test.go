package graph_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
)

func TestTokenCreateLookUpRevoke(t *testing.T) {
	s := graphtest.Store(t)
	ctx := context.Background()
	model := graphtest.ModelKey(t)
	tok, secret, err := s.CreateToken(ctx, "ci importer", "editor", model)
	if err != nil {
		t.Fatal(err)
	}
	// 32 random bytes in unpadded base64url are 43 characters after the prefix.
	if !strings.HasPrefix(secret, graph.TokenPrefix) || len(secret) != len(graph.TokenPrefix)+43 {
		t.Fatalf("secret %q: want %s and 43 characters", secret, graph.TokenPrefix)
	}
	if !strings.HasPrefix(tok.ID, "tok_") || tok.Name != "ci importer" || tok.Role != "editor" || tok.Model != model || tok.Revoked != nil {
		t.Fatalf("created token %+v", tok)
	}

	got, err := s.TokenByHash(ctx, graph.HashToken(secret))
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != tok.ID || got.Role != "editor" || got.Model != model || !got.Created.Equal(tok.Created) || got.Revoked != nil {
		t.Fatalf("looked up %+v, created %+v", got, tok)
	}
	if _, err := s.TokenByHash(ctx, graph.HashToken(secret+"x")); !errors.Is(err, graph.ErrNotFound) {
		t.Fatalf("wrong secret: %v, want ErrNotFound", err)
	}

	// The secret itself is nowhere in the store: only its hash.
	ts, err := s.Tokens(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, x := range ts {
		found = found || x.ID == tok.ID
	}
	if !found {
		t.Fatalf("token %s not listed in %+v", tok.ID, ts)
	}

	revoked, err := s.RevokeToken(ctx, tok.ID)
	if err != nil {
		t.Fatal(err)
	}
	if revoked.Revoked == nil {
		t.Fatal("revoked token has no revocation time")
	}
	again, err := s.RevokeToken(ctx, tok.ID)
	if err != nil || !again.Revoked.Equal(*revoked.Revoked) {
		t.Fatalf("second revocation: %v, time %v want %v", err, again.Revoked, revoked.Revoked)
	}
	got, err = s.TokenByHash(ctx, graph.HashToken(secret))
	if err != nil || got.Revoked == nil {
		t.Fatalf("revoked token looked up as %+v, %v", got, err)
	}
	if _, err := s.RevokeToken(ctx, "tok_missing"); !errors.Is(err, graph.ErrNotFound) {
		t.Fatalf("revoke of a missing token: %v", err)
	}
}

func TestTokenSecretsDiffer(t *testing.T) {
	s := graphtest.Store(t)
	ctx := context.Background()
	a, sa, err := s.CreateToken(ctx, "", "viewer", graph.AllModels)
	if err != nil {
		t.Fatal(err)
	}
	b, sb, err := s.CreateToken(ctx, "", "viewer", graph.AllModels)
	if err != nil {
		t.Fatal(err)
	}
	if sa == sb || a.ID == b.ID {
		t.Fatalf("two tokens share a secret or id: %s %s", a.ID, b.ID)
	}
	if a.Name != a.ID {
		t.Fatalf("unnamed token %s is named %q, want its id", a.ID, a.Name)
	}
}

func TestTokenSpecRefused(t *testing.T) {
	s := graphtest.Store(t)
	ctx := context.Background()
	_, _, err := s.CreateToken(ctx, "x\n", "root", "Bad Key")
	var ve *graph.ValidationError
	if !errors.As(err, &ve) || len(ve.Problems) != 3 {
		t.Fatalf("bad name, role and model: %v, want 3 problems", err)
	}
	for i, field := range []string{"name", "role", "model"} {
		if ve.Problems[i].Field != field {
			t.Errorf("problem %d is about %q, want %q", i, ve.Problems[i].Field, field)
		}
	}
}
