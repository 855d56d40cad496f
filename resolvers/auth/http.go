package auth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/modelgraph/modelgraph/graph"
)

// Error codes this package answers with, in extensions.code.
const (
	CodeUnauthenticated = "UNAUTHENTICATED"
	CodeUnavailable     = "UNAVAILABLE"
)

// Either accepts API tokens (recognised by their prefix) and, when oidc is not nil, OIDC tokens.
func Either(tokens *Tokens, oidc *OIDC) Verifier {
	return either{tokens: tokens, oidc: oidc}
}

type either struct {
	tokens *Tokens
	oidc   *OIDC
}

func (e either) Verify(ctx context.Context, bearer string) (*Identity, error) {
	if strings.HasPrefix(bearer, graph.TokenPrefix) || e.oidc == nil {
		return e.tokens.Verify(ctx, bearer)
	}
	return e.oidc.Verify(ctx, bearer)
}

// Authenticate requires an "Authorization: Bearer" credential that v accepts and puts the
// caller's identity into the request context. Without one it answers 401 with a GraphQL error
// coded UNAUTHENTICATED; when the credential cannot be checked (database down), 503 UNAVAILABLE.
func Authenticate(v Verifier, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
		cred = strings.TrimSpace(cred)
		if !strings.EqualFold(scheme, "Bearer") || cred == "" {
			unauthenticated(w, "authentication required: send Authorization: Bearer with an API token or an OIDC token")
			return
		}
		id, err := v.Verify(r.Context(), cred)
		switch {
		case errors.Is(err, ErrUnauthenticated):
			unauthenticated(w, "the bearer token is not valid: unknown, expired or revoked")
			return
		case errors.Is(err, graph.ErrUnavailable):
			WriteError(w, http.StatusServiceUnavailable, CodeUnavailable, "database unavailable; try again later")
			return
		case err != nil:
			WriteError(w, http.StatusInternalServerError, "INTERNAL_SERVER_ERROR", "internal error")
			return
		}
		next.ServeHTTP(w, r.WithContext(WithIdentity(r.Context(), id)))
	})
}

func unauthenticated(w http.ResponseWriter, msg string) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="modelgraph"`)
	WriteError(w, http.StatusUnauthorized, CodeUnauthenticated, msg)
}

// WriteError answers with a GraphQL response holding one coded error.
func WriteError(w http.ResponseWriter, status int, code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": msg, "extensions": map[string]any{"code": code}}},
	})
}

// plainError answers with a short text message (for checks that run before any GraphQL).
func plainError(w http.ResponseWriter, status int, format string, a ...any) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	fmt.Fprintf(w, format+"\n", a...)
}
