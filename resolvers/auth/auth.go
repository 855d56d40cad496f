// Package auth says who is calling and what they may do: identities with role grants, API tokens
// and OpenID Connect tokens that prove them, and the HTTP checks (authentication, Host, CORS) that
// run before GraphQL sees a request. Which GraphQL field needs which role is decided by the rule
// table in package resolvers, the one place every field goes through.
package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/modelgraph/modelgraph/graph"
)

// Role is what a grant allows on a model; each role can do everything the ones before it can.
type Role int

// The roles, weakest first.
const (
	// None: the model is not visible at all.
	None Role = iota
	// Viewer reads: queries, traversals, history and exports.
	Viewer
	// Editor also writes elements and relationships and runs imports into existing models.
	Editor
	// Admin also creates and deletes models.
	Admin
)

var roleNames = []string{"none", "viewer", "editor", "admin"}

func (r Role) String() string {
	if r < None || r > Admin {
		return fmt.Sprintf("Role(%d)", int(r))
	}
	return roleNames[r]
}

// ParseRole reads viewer, editor or admin.
func ParseRole(s string) (Role, error) {
	for i, n := range roleNames[1:] {
		if s == n {
			return Role(i + 1), nil
		}
	}
	return None, fmt.Errorf("role %q is not one of viewer, editor, admin", s)
}

// Grant gives a role on one model, or on every model when Model is "*".
type Grant struct {
	Role  Role
	Model string
}

func (g Grant) String() string { return g.Role.String() + ":" + g.Model }

// ParseGrant reads "ROLE:MODEL", for example "editor:sportswear-retailer" or "viewer:*".
func ParseGrant(s string) (Grant, error) {
	role, model, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok {
		return Grant{}, fmt.Errorf("grant %q: want ROLE:MODEL, e.g. editor:my-model or viewer:*", s)
	}
	r, err := ParseRole(role)
	if err != nil {
		return Grant{}, fmt.Errorf("grant %q: %w", s, err)
	}
	if model != graph.AllModels && !graph.ValidKey(model) {
		return Grant{}, fmt.Errorf("grant %q: %q is neither a model key nor *", s, model)
	}
	return Grant{Role: r, Model: model}, nil
}

// Identity is an authenticated caller.
type Identity struct {
	// Actor names the caller in the change history, e.g. "token:ci (tok_x1)" or "oidc:SUBJECT".
	// Empty for the open identity, whose actor is the X-Actor header.
	Actor string
	// Grants say what the caller may do; the strongest grant covering a model counts.
	Grants []Grant
}

// Open is the identity of every caller when authentication is off: admin on every model.
func Open() *Identity {
	return &Identity{Grants: []Grant{{Role: Admin, Model: graph.AllModels}}}
}

// On returns the caller's role on a model: the strongest of the grants for it and for all models.
func (id *Identity) On(model string) Role {
	best := None
	for _, g := range id.Grants {
		if (g.Model == graph.AllModels || g.Model == model) && g.Role > best {
			best = g.Role
		}
	}
	return best
}

// Best returns the strongest role the caller holds on any model.
func (id *Identity) Best() Role {
	best := None
	for _, g := range id.Grants {
		best = max(best, g.Role)
	}
	return best
}

type identityKey struct{}

// WithIdentity returns ctx carrying the caller's identity.
func WithIdentity(ctx context.Context, id *Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// FromContext returns the caller's identity, or nil when the request was not authenticated.
func FromContext(ctx context.Context) *Identity {
	id, _ := ctx.Value(identityKey{}).(*Identity)
	return id
}

// ErrUnauthenticated: no credentials, or credentials that are unknown, expired or revoked.
var ErrUnauthenticated = errors.New("unauthenticated")

// Verifier turns a bearer credential into an identity. It returns an error matching
// ErrUnauthenticated for a bad credential, and graph.ErrUnavailable when it cannot tell.
type Verifier interface {
	Verify(ctx context.Context, bearer string) (*Identity, error)
}
