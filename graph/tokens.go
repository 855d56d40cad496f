package graph

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Token is an API token as stored: never its secret, only the secret's SHA-256.
type Token struct {
	ID      string
	Name    string
	Role    string // one of TokenRoles
	Model   string // a model key, or AllModels
	Created time.Time
	Revoked *time.Time
}

// AllModels as a token's model grants its role on every model.
const AllModels = "*"

// TokenRoles are the roles a token can carry, weakest first.
var TokenRoles = []string{"viewer", "editor", "admin"}

// TokenPrefix starts every API token secret, so that a token is recognisable in a leaked file or
// log and can be told from a JWT.
const TokenPrefix = "mgt_"

// MaxTokenNameLen bounds a token's name, which becomes part of the history's actor.
const MaxTokenNameLen = 64

// HashToken returns the hex SHA-256 of a token secret, the form the store keeps and looks up. The
// secret carries 256 random bits, so a plain hash is enough: no salt or slow hash is needed.
func HashToken(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

var tokenSchema = []string{
	"CREATE CONSTRAINT api_token_id IF NOT EXISTS FOR (t:ApiToken) REQUIRE t.id IS UNIQUE",
	"CREATE CONSTRAINT api_token_hash IF NOT EXISTS FOR (t:ApiToken) REQUIRE t.hash IS UNIQUE",
}

// CreateToken stores a new token and returns it with its secret. The secret is not kept: this is
// the only time anyone sees it.
func (s *Store) CreateToken(ctx context.Context, name, role, model string) (Token, string, error) {
	if err := checkTokenSpec(name, role, model); err != nil {
		return Token{}, "", err
	}
	for _, stmt := range tokenSchema {
		sess := s.session(ctx, neo4j.AccessModeWrite)
		_, err := sess.Run(ctx, stmt, nil)
		sess.Close(ctx)
		if err != nil {
			return Token{}, "", fmt.Errorf("token schema: %w", mapErr(err))
		}
	}
	id, secret := "tok_"+randomText(6), TokenPrefix+randomText(32)
	if name == "" {
		name = id
	}
	t := Token{ID: id, Name: name, Role: role, Model: model, Created: time.Now().UTC().Truncate(time.Millisecond)}
	_, err := writeTx(ctx, s, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		return run(ctx, tx, `CREATE (:ApiToken {id: $id, name: $name, role: $role, model: $model, hash: $hash, created: $created})`,
			map[string]any{"id": t.ID, "name": t.Name, "role": t.Role, "model": t.Model, "hash": HashToken(secret), "created": t.Created})
	})
	if err != nil {
		return Token{}, "", fmt.Errorf("create token: %w", err)
	}
	return t, secret, nil
}

func checkTokenSpec(name, role, model string) error {
	var ps []Problem
	if len(name) > MaxTokenNameLen || strings.ContainsFunc(name, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		ps = append(ps, Problem{Path: "token", Field: "name", Reason: fmt.Sprintf("name must be at most %d bytes without control characters", MaxTokenNameLen)})
	}
	if !slices.Contains(TokenRoles, role) {
		ps = append(ps, Problem{Path: "token", Field: "role", Reason: fmt.Sprintf("role %q is not one of %s", role, strings.Join(TokenRoles, ", "))})
	}
	if model != AllModels {
		if err := checkKey(model); err != "" {
			ps = append(ps, Problem{Path: "token", Field: "model", Reason: "model must be a model key or * for all models: " + err})
		}
	}
	if ps != nil {
		return &ValidationError{Problems: ps}
	}
	return nil
}

// randomText returns n random bytes as unpadded base64url: letters, digits, '-' and '_', safe in
// headers and shells.
func randomText(n int) string {
	b := make([]byte, n)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

const tokenColumns = `t.id AS id, t.name AS name, t.role AS role, t.model AS model, t.created AS created, t.revoked AS revoked`

// Tokens lists every token, revoked ones included, oldest first.
func (s *Store) Tokens(ctx context.Context) ([]Token, error) {
	recs, err := readTx(ctx, s, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		return run(ctx, tx, `MATCH (t:ApiToken) RETURN `+tokenColumns+` ORDER BY created, id`, nil)
	})
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	var out []Token
	for _, r := range recs {
		t, err := tokenFromRecord(r)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// TokenByHash returns the token whose secret hashes to hash, or ErrNotFound. A revoked token is
// returned with Revoked set: the caller decides.
func (s *Store) TokenByHash(ctx context.Context, hash string) (Token, error) {
	recs, err := readTx(ctx, s, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		return run(ctx, tx, `MATCH (t:ApiToken {hash: $hash}) RETURN `+tokenColumns, map[string]any{"hash": hash})
	})
	if err != nil {
		return Token{}, fmt.Errorf("look up token: %w", err)
	}
	if len(recs) == 0 {
		return Token{}, fmt.Errorf("token: %w", ErrNotFound)
	}
	return tokenFromRecord(recs[0])
}

// RevokeToken marks a token revoked; it stays listed. Revoking a revoked token keeps its first
// revocation time. ErrNotFound when there is no token with that id.
func (s *Store) RevokeToken(ctx context.Context, id string) (Token, error) {
	recs, err := writeTx(ctx, s, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		return run(ctx, tx, `MATCH (t:ApiToken {id: $id})
SET t.revoked = coalesce(t.revoked, $now)
RETURN `+tokenColumns, map[string]any{"id": id, "now": time.Now().UTC().Truncate(time.Millisecond)})
	})
	if err != nil {
		return Token{}, fmt.Errorf("revoke token %s: %w", id, err)
	}
	if len(recs) == 0 {
		return Token{}, fmt.Errorf("token %q: %w", id, ErrNotFound)
	}
	return tokenFromRecord(recs[0])
}

// tokenFromRecord reads a token from the columns of tokenColumns.
func tokenFromRecord(r *neo4j.Record) (Token, error) {
	w := rowOf(r, "token")
	t := Token{ID: get[string](w, "id"), Name: get[string](w, "name"), Role: get[string](w, "role"), Model: get[string](w, "model"),
		Created: get[time.Time](w, "created").UTC()}
	if revoked := opt[time.Time](w, "revoked"); revoked != nil {
		at := revoked.UTC()
		t.Revoked = &at
	}
	if err := w.Err(); err != nil {
		return Token{}, err
	}
	return t, nil
}
