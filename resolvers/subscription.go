package resolvers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	coderws "github.com/coder/websocket"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/feed"
	"github.com/modelgraph/modelgraph/resolvers/auth"
)

// Error codes of the change feed.
const (
	CodeTooManySubscribers = "TOO_MANY_SUBSCRIBERS"
	CodeSlowSubscriber     = "SLOW_SUBSCRIBER"
	CodeWebsocketOnly      = "SUBSCRIPTIONS_ONLY"
)

// Websocket close codes of a connection refused at its start (graphql-transport-ws uses 4401
// and 4403 alike).
const (
	closeUnauthenticated = 4401
	closeForbidden       = 4403
)

// DefaultMaxSubscribers bounds the subscriptions one server has open when Options do not say.
const DefaultMaxSubscribers = 1000

// RevisionChanges is one committed revision of a model, as the feed delivers it.
type RevisionChanges struct{ r feed.Revision }

// Model is the model's key.
func (o *RevisionChanges) Model() string { return o.r.Model }

// Revision is the revision's number.
func (o *RevisionChanges) Revision() int { return int(o.r.Number) }

// At is when it was committed, nil for an unrecorded write.
func (o *RevisionChanges) At() *time.Time {
	if o.r.At.IsZero() {
		return nil
	}
	return &o.r.At
}

// Actor is who made it, nil for an unrecorded write.
func (o *RevisionChanges) Actor() *string { return optString(o.r.Actor) }

// Recorded is false for a write that recorded no history.
func (o *RevisionChanges) Recorded() bool { return o.r.Recorded }

// ChangeCount is the number of changes recorded.
func (o *RevisionChanges) ChangeCount() int { return o.r.Count }

// Changes are the first feed.MaxChanges changes, in order.
func (o *RevisionChanges) Changes() []*Change { return changes(o.r.Changes) }

// Truncated reports whether Changes holds only part of them.
func (o *RevisionChanges) Truncated() bool { return o.r.Truncated() }

type websocketKey struct{}

// subscribeChanges serves Subscription.changes: the feed's revisions, and at the end of a
// websocket subscription the reason as a coded error.
func (r *Resolver) subscribeChanges(ctx context.Context, model string, sinceRevision *int) (<-chan *RevisionChanges, error) {
	if r.Feed == nil {
		return nil, fmt.Errorf("this server has no change feed: %w", graph.ErrUnavailable)
	}
	var since *int64
	if sinceRevision != nil {
		s := int64(*sinceRevision)
		since = &s
	}
	sub, err := r.Feed.Subscribe(ctx, model, since)
	if errors.Is(err, feed.ErrTooManySubscribers) {
		return nil, &gqlerror.Error{
			Message:    fmt.Sprintf("the server has %d subscriptions open; the limit is %d (-max-subscribers / MODELGRAPH_MAX_SUBSCRIBERS)", r.Feed.Subscribers(), r.Feed.Max()),
			Extensions: map[string]any{"code": CodeTooManySubscribers, "limit": "max-subscribers", "max": r.Feed.Max()},
		}
	}
	if err != nil {
		return nil, err
	}
	out := make(chan *RevisionChanges)
	go func() {
		defer close(out)
		for rev := range sub.C {
			select {
			case out <- &RevisionChanges{r: rev}:
			case <-ctx.Done():
			}
		}
		err := sub.Err()
		if err == nil || ctx.Value(websocketKey{}) == nil {
			return
		}
		gerr := &gqlerror.Error{Message: err.Error(), Path: graphql.GetPath(ctx), Extensions: map[string]any{"code": CodeNotFound}}
		if errors.Is(err, feed.ErrSlow) {
			gerr.Extensions["code"] = CodeSlowSubscriber
		}
		transport.AddSubscriptionError(ctx, gerr)
	}()
	return out, nil
}

// websocketTransport is the graphql-transport-ws (and legacy graphql-ws) transport of the change
// feed. With authentication on, a connection whose upgrade request had no Authorization header
// authenticates with the Authorization value of its connection_init payload.
func websocketTransport(v auth.Verifier, origins []string) transport.Websocket {
	var patterns []string
	for _, o := range origins {
		if u, err := url.Parse(o); err == nil && u.Host != "" {
			patterns = append(patterns, u.Host)
		}
	}
	return transport.Websocket{
		// The browser's Origin must be the server's own or a CORS origin.
		Implementation:        transport.CoderWebsocketImplementation{AcceptOptions: coderws.AcceptOptions{OriginPatterns: patterns}},
		InitTimeout:           10 * time.Second,
		KeepAlivePingInterval: 25 * time.Second,
		PingPongInterval:      25 * time.Second,
		InitFunc: func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
			ctx = context.WithValue(ctx, websocketKey{}, true)
			if v == nil || auth.FromContext(ctx) != nil {
				return ctx, nil, nil
			}
			bearer := strings.TrimSpace(p.Authorization())
			if len(bearer) < 7 || !strings.EqualFold(bearer[:7], "bearer ") {
				return transport.WithWebsocketCloseCode(ctx, closeUnauthenticated), nil,
					errors.New("authentication required: send Authorization: Bearer <token> in the connection_init payload or the upgrade request")
			}
			id, err := v.Verify(ctx, strings.TrimSpace(bearer[7:]))
			if errors.Is(err, graph.ErrUnavailable) {
				return transport.WithWebsocketCloseCode(ctx, closeForbidden), nil, errors.New("the credential cannot be checked now; try again later")
			}
			if err != nil {
				return transport.WithWebsocketCloseCode(ctx, closeForbidden), nil, errors.New("the credential is unknown, expired or revoked")
			}
			ctx = auth.WithIdentity(ctx, id)
			if id.Actor != "" {
				ctx = graph.WithActor(ctx, truncate(id.Actor, graph.MaxActorLen))
			}
			return ctx, nil, nil
		},
	}
}

// subscriptionsOnly refuses queries and mutations sent over a websocket: they go over HTTP, where
// the request limits apply.
type subscriptionsOnly struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = subscriptionsOnly{}

func (subscriptionsOnly) ExtensionName() string                   { return "SubscriptionsOnly" }
func (subscriptionsOnly) Validate(graphql.ExecutableSchema) error { return nil }

func (subscriptionsOnly) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	if ctx.Value(websocketKey{}) != nil && oc != nil && oc.Operation != nil && oc.Operation.Operation != ast.Subscription {
		return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{coded(CodeWebsocketOnly,
			"the websocket carries subscriptions only; send queries and mutations over HTTP POST")}})
	}
	return next(ctx)
}

func isUpgrade(r *http.Request) bool { return r.Header.Get("Upgrade") != "" }

// feedRoute sends websocket upgrades to ws (no response cap, request deadline or per-client
// request count: a subscription lasts, and the subscriber bound governs it) and everything else
// to h.
func feedRoute(ws, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isUpgrade(r) {
			ws.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// authenticateFeed is auth.Authenticate, except that a websocket upgrade without an Authorization
// header goes on to authenticate in its connection_init payload (browsers cannot set the header).
func authenticateFeed(v auth.Verifier, api http.Handler) http.Handler {
	authed := auth.Authenticate(v, api)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isUpgrade(r) && r.Header.Get("Authorization") == "" {
			api.ServeHTTP(w, r)
			return
		}
		authed.ServeHTTP(w, r)
	})
}
