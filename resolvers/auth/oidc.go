package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
)

// OIDCConfig says which OpenID Connect tokens to accept and how to read their grants.
type OIDCConfig struct {
	// Issuer is the provider's issuer URL; its discovery document is read at start-up.
	Issuer string
	// Audience must be in the token's aud claim (usually the client id registered for
	// modelgraph).
	Audience string
	// Claim names the claim holding the caller's grants, as "ROLE:MODEL" strings: a JSON list,
	// or one string with grants separated by spaces or commas.
	Claim string
}

// OIDC verifies JWTs signed by the configured issuer.
type OIDC struct {
	verifier *oidc.IDTokenVerifier
	claim    string
}

// NewOIDC reads the issuer's discovery document (its keys are fetched, and refreshed, on use).
func NewOIDC(ctx context.Context, cfg OIDCConfig) (*OIDC, error) {
	if cfg.Issuer == "" || cfg.Audience == "" || cfg.Claim == "" {
		return nil, fmt.Errorf("OIDC needs an issuer URL, an audience and a grants claim")
	}
	p, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("OIDC issuer %s: %w", cfg.Issuer, err)
	}
	return &OIDC{verifier: p.VerifierContext(context.WithoutCancel(ctx), &oidc.Config{ClientID: cfg.Audience}), claim: cfg.Claim}, nil
}

// Verify checks a JWT's signature, issuer, audience and expiry and reads its grants. Entries of
// the grants claim that are not grants are ignored, so that a shared groups claim can be used.
func (o *OIDC) Verify(ctx context.Context, raw string) (*Identity, error) {
	tok, err := o.verifier.Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnauthenticated, err)
	}
	var claims map[string]json.RawMessage
	if err := tok.Claims(&claims); err != nil {
		return nil, fmt.Errorf("%w: token claims: %v", ErrUnauthenticated, err)
	}
	id := &Identity{Actor: "oidc:" + tok.Subject}
	for _, s := range claimStrings(claims[o.claim]) {
		if g, err := ParseGrant(s); err == nil {
			id.Grants = append(id.Grants, g)
		}
	}
	return id, nil
}

// claimStrings reads a claim that is a list of strings or one string of space- or
// comma-separated words.
func claimStrings(raw json.RawMessage) []string {
	var list []string
	if json.Unmarshal(raw, &list) == nil {
		return list
	}
	var one string
	if json.Unmarshal(raw, &one) == nil {
		return strings.FieldsFunc(one, func(r rune) bool { return r == ' ' || r == ',' })
	}
	return nil
}
