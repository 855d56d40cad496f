package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/modelgraph/modelgraph/graph"
)

// TokenStore is what API token verification needs from the store.
type TokenStore interface {
	TokenByHash(ctx context.Context, hash string) (graph.Token, error)
}

// DefaultTokenCacheTTL is how long a token look-up is reused, and so how long a revoked token may
// go on working.
const DefaultTokenCacheTTL = 5 * time.Second

// MaxTokenCacheTTL bounds the cache lifetime, and so the revocation delay, whatever is configured.
const MaxTokenCacheTTL = 10 * time.Second

// maxCached bounds the cache; when it is full of live entries it starts again empty.
const maxCached = 10000

// Tokens verifies API tokens against the store, remembering each answer (valid or not) for a
// short time so that a busy client costs one look-up per TTL.
type Tokens struct {
	store TokenStore
	ttl   time.Duration
	now   func() time.Time

	mu    sync.Mutex
	cache map[string]cached // by secret hash
}

type cached struct {
	id      *Identity // nil: not a valid token
	expires time.Time
}

// NewTokens returns a verifier that caches answers for ttl (0: every request looks the token up).
func NewTokens(store TokenStore, ttl time.Duration) (*Tokens, error) {
	if ttl < 0 || ttl > MaxTokenCacheTTL {
		return nil, fmt.Errorf("token cache TTL %s: must be between 0s and %s", ttl, MaxTokenCacheTTL)
	}
	return &Tokens{store: store, ttl: ttl, now: time.Now, cache: map[string]cached{}}, nil
}

// Verify checks an API token secret.
func (t *Tokens) Verify(ctx context.Context, secret string) (*Identity, error) {
	if !strings.HasPrefix(secret, graph.TokenPrefix) {
		return nil, fmt.Errorf("%w: not a modelgraph API token", ErrUnauthenticated)
	}
	hash := graph.HashToken(secret)
	now := t.now()
	if c, ok := t.lookup(hash, now); ok {
		return result(c.id)
	}
	tok, err := t.store.TokenByHash(ctx, hash)
	var id *Identity
	switch {
	case errors.Is(err, graph.ErrNotFound):
	case err != nil:
		return nil, err // not cached: the next request asks again
	case tok.Revoked == nil:
		if id, err = tokenIdentity(tok); err != nil {
			return nil, err
		}
	}
	t.remember(hash, cached{id: id, expires: now.Add(t.ttl)}, now)
	return result(id)
}

func result(id *Identity) (*Identity, error) {
	if id == nil {
		return nil, fmt.Errorf("%w: unknown or revoked API token", ErrUnauthenticated)
	}
	return id, nil
}

func tokenIdentity(tok graph.Token) (*Identity, error) {
	role, err := ParseRole(tok.Role)
	if err != nil {
		return nil, fmt.Errorf("token %s: %w", tok.ID, err)
	}
	actor := "token:" + tok.ID
	if tok.Name != tok.ID {
		actor = fmt.Sprintf("token:%s (%s)", tok.Name, tok.ID)
	}
	return &Identity{Actor: actor, Grants: []Grant{{Role: role, Model: tok.Model}}}, nil
}

func (t *Tokens) lookup(hash string, now time.Time) (cached, bool) {
	if t.ttl == 0 {
		return cached{}, false
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	c, ok := t.cache[hash]
	if !ok || !now.Before(c.expires) {
		return cached{}, false
	}
	return c, true
}

func (t *Tokens) remember(hash string, c cached, now time.Time) {
	if t.ttl == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.cache) >= maxCached {
		for k, v := range t.cache {
			if !now.Before(v.expires) {
				delete(t.cache, k)
			}
		}
		if len(t.cache) >= maxCached {
			clear(t.cache)
		}
	}
	t.cache[hash] = c
}
