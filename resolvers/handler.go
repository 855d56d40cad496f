package resolvers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/analysis"
	"github.com/modelgraph/modelgraph/graph/feed"
	"github.com/modelgraph/modelgraph/resolvers/auth"
	"github.com/modelgraph/modelgraph/resolvers/explore"
	"github.com/modelgraph/modelgraph/resolvers/obs"
	"github.com/modelgraph/modelgraph/resolvers/playground"
)

// Error codes in extensions.code.
const (
	CodeNotFound     = "NOT_FOUND"
	CodeBadUserInput = "BAD_USER_INPUT"
	CodeConflict     = "CONFLICT"
	CodeUnavailable  = "UNAVAILABLE"
	CodeInternal     = "INTERNAL_SERVER_ERROR"
)

// Options configure the HTTP handler.
type Options struct {
	Log *slog.Logger
	// MaxImportElements bounds the elements of one import or upsertElements (0: no limit).
	MaxImportElements int
	// MaxBodyBytes bounds a request body, and so an importModel document (0: 64 MiB).
	MaxBodyBytes int
	// Limits bound what one request may cost; zero fields take DefaultLimits.
	Limits Limits
	// ClientKey names the client a request comes from, for Limits.MaxClientRequests (nil:
	// ClientAddress, the remote host).
	ClientKey func(*http.Request) string

	// Auth checks the bearer credential of every GraphQL request. Nil turns authentication
	// off: every caller may do everything and X-Actor names the actor.
	Auth auth.Verifier
	// Addr is the listen address, for the Host check ("": in process, no Host check).
	Addr string
	// AllowedHosts are more names the Host header may carry ("*": any).
	AllowedHosts []string
	// CORSOrigins are the origins (scheme://host[:port]) whose web pages may call the API.
	CORSOrigins []string
	// Snapshots hands out the models traversals read, in memory (nil: a snapshots.Cache of the
	// default size; CypherTraversals: traversals run in Cypher).
	Snapshots SnapshotSource
	// Rules are the alignment rules the analyses run (nil: the built-in rules).
	Rules *analysis.Rules
	// Metrics count every GraphQL operation (nil: operations are only logged).
	Metrics *obs.Metrics
	// MaxSubscribers bounds the open Subscription.changes feeds (0: DefaultMaxSubscribers).
	MaxSubscribers int
	// FeedPoll is how often a model with subscribers is checked for new revisions (0: 500 ms).
	FeedPoll time.Duration
}

// ActorHeader names who makes a change; without it, changes are recorded as "anonymous".
const ActorHeader = "X-Actor"

// NewGraphQL returns the GraphQL endpoint (POST, and GET for queries).
func NewGraphQL(store Store, opts Options) http.Handler {
	log := opts.Log
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 64 << 20
	}
	snaps, cypher := snapshotSource(store, opts.Snapshots)
	past, _ := snaps.(PastSource)
	snaps, scen := withScenarios(store, snaps, opts.MaxImportElements)
	hub := feed.New(store, feed.Options{MaxSubscribers: cmp.Or(opts.MaxSubscribers, DefaultMaxSubscribers), Poll: opts.FeedPoll})
	srv := handler.New(NewExecutableSchema(Config{Resolvers: &Resolver{Store: store, Log: log, MaxImportElements: opts.MaxImportElements, MaxDocumentBytes: opts.MaxBodyBytes, Snapshots: snaps, Past: past, Feed: hub, ScenarioService: scen}}))
	srv.AddTransport(websocketTransport(opts.Auth, opts.CORSOrigins))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.Use(obs.Requests{Log: log, Metrics: opts.Metrics}) // first, to see every refusal
	srv.Use(decodedParams{})                               // the body checkBody decoded, before the persisted queries
	srv.SetQueryCache(queryCache(lru.New[*ast.QueryDocument](1000)))
	srv.Use(extension.Introspection{})
	srv.Use(extension.AutomaticPersistedQuery{Cache: persistedCache(lru.New[string](100))})
	lim := opts.Limits.withDefaults()
	srv.Use(shapeLimits{lim: lim})
	srv.Use(&costLimit{max: lim.MaxComplexity})
	srv.Use(requestMeter{})
	srv.Use(errorCap{})
	srv.SetParserTokenLimit(lim.MaxTokens)
	srv.Use(guard{store: store, open: opts.Auth == nil})
	srv.Use(analysisScope{source: analysisSource(snaps), rules: opts.Rules, store: store})
	srv.Use(pastScope{})
	srv.Use(subscriptionsOnly{})
	srv.SetErrorPresenter(presenter(log, lim))
	srv.SetRecoverFunc(func(ctx context.Context, p any) error {
		log.Error("panic in resolver", "panic", p, "path", graphql.GetPath(ctx).String())
		return &gqlerror.Error{Message: "internal error", Extensions: map[string]any{"code": CodeInternal}}
	})
	clientKey := opts.ClientKey
	if clientKey == nil {
		clientKey = ClientAddress
	}
	clients := &clientLimiter{max: lim.MaxClientRequests, key: clientKey, active: map[string]int{}}
	var h http.Handler = capResponse(lim, srv)
	h = withSnapshots(snaps, cypher, h)
	h = checkBody(int64(opts.MaxBodyBytes), h)
	h = requestScope(lim, h) // before checkBody: a large body waits at the gate unread
	return withActor(feedRoute(withSnapshots(snaps, cypher, srv), clients.wrap(h)))
}

// withActor puts who makes changes into the request context for the change history: the
// authenticated identity's actor, or with authentication off the X-Actor header.
func withActor(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if id := auth.FromContext(r.Context()); id != nil && id.Actor != "" {
			r = r.WithContext(graph.WithActor(r.Context(), truncate(id.Actor, graph.MaxActorLen)))
		} else if a := strings.TrimSpace(r.Header.Get(ActorHeader)); a != "" {
			if len(a) > graph.MaxActorLen || !utf8.ValidString(a) {
				http.Error(w, fmt.Sprintf("%s must be valid UTF-8 of at most %d bytes", ActorHeader, graph.MaxActorLen), http.StatusBadRequest)
				return
			}
			r = r.WithContext(graph.WithActor(r.Context(), a))
		}
		h.ServeHTTP(w, r)
	})
}

// truncate cuts s to at most n bytes without splitting a character.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// NewHandler serves the GraphQL API at /graphql, a liveness check at /healthz, a readiness check
// (database reachable, schema set up) at /readyz, the web explorer at
// /explore/ and the playground at /. Every request passes the Host check and the CORS check;
// GraphQL requests are authenticated when opts.Auth is set. Options that do not check out (see Check) make every
// request fail.
func NewHandler(store Store, opts Options) http.Handler {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	hosts, err := opts.hosts()
	if err != nil {
		opts.Log.Error("handler options", "err", err)
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "server misconfigured", http.StatusInternalServerError)
		})
	}
	if opts.Auth != nil && opts.ClientKey == nil {
		opts.ClientKey = identityClient
	}
	api := NewGraphQL(store, opts)
	if opts.Auth != nil {
		api = authenticateFeed(opts.Auth, api)
	}
	mux := http.NewServeMux()
	mux.Handle("/graphql", api)
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "ok") // the process is alive; /readyz says whether it can serve
	})
	mux.Handle("/readyz", obs.Ready(store.Ready, obs.ReadyTTL, opts.Log))
	mux.Handle(explore.Prefix, withCSP(explore.CSP, explore.Handler()))
	mux.Handle("/", withPageHeaders(playground.Handler()))
	return hosts.Handler(auth.CORS(opts.CORSOrigins, withHeaders(mux)))
}

// identityClient is the client key with authentication on: the caller's identity, so that the
// per-client limit counts per token or OIDC subject rather than per proxy address.
func identityClient(r *http.Request) string {
	if id := auth.FromContext(r.Context()); id != nil && id.Actor != "" {
		return id.Actor
	}
	return ClientAddress(r)
}

// Check reports options NewHandler cannot serve with: a bad listen address, allowed host or
// CORS origin.
func (o Options) Check() error {
	_, err := o.hosts()
	return err
}

func (o Options) hosts() (*auth.Hosts, error) {
	if err := auth.CheckOrigins(o.CORSOrigins); err != nil {
		return nil, err
	}
	return auth.NewHosts(o.Addr, o.AllowedHosts)
}

// presenter maps the graph package's error kinds and the limits' refusals to extensions.code;
// anything unexpected is logged once (shortened) and shown as an internal error without its
// details. Messages are shortened too: they may quote what the client sent.
func presenter(log *slog.Logger, lim Limits) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		gerr := graphql.DefaultErrorPresenter(ctx, err)
		if gerr.Extensions == nil {
			gerr.Extensions = map[string]any{}
		}
		var ve *graph.ValidationError
		switch {
		case errors.As(err, &ve):
			ps, more := ve.Listed()
			gerr.Extensions["code"] = CodeBadUserInput
			gerr.Extensions["problems"] = ps
			if more > 0 {
				gerr.Extensions["more"] = more
			}
		case errors.Is(err, graph.ErrInvalid):
			gerr.Extensions["code"] = CodeBadUserInput
		case errors.Is(err, graph.ErrNotFound):
			gerr.Extensions["code"] = CodeNotFound
		case errors.Is(err, graph.ErrConflict):
			gerr.Extensions["code"] = CodeConflict
		case errors.Is(err, graph.ErrTooLarge):
			refuse(gerr, limitError("MaxRows", lim.MaxRows, "the request reads more than %d rows from the database", lim.MaxRows))
		case errors.Is(err, context.DeadlineExceeded):
			refuse(gerr, limitError("RequestTimeout", lim.RequestTimeout.String(), "the request took longer than %s", lim.RequestTimeout))
		case errors.Is(err, graph.ErrUnavailable):
			log.Warn("database unavailable", "err", clipLog(err))
			gerr.Message = "database unavailable; try again later"
			gerr.Extensions["code"] = CodeUnavailable
		case gerr.Extensions["code"] != nil:
			// Already classified (parse or validation failure, a limit).
		case isArgumentError(ctx, gerr):
			gerr.Message = fmt.Sprintf("bad value for %s: %s", argumentPath(ctx, gerr), argumentMessage(gerr.Message))
			gerr.Extensions["code"] = CodeBadUserInput
		case strings.HasPrefix(gerr.Message, "json request body could not be decoded"):
			msg, _, _ := strings.Cut(gerr.Message, " body:")
			gerr.Message = "the request body is not a GraphQL request (an object with query, variables, operationName): " + msg
			gerr.Extensions["code"] = CodeBadUserInput
		case errors.Is(err, context.Canceled):
			gerr.Message = "request cancelled"
			gerr.Extensions["code"] = CodeUnavailable
		default:
			log.Error("request failed", "err", clipLog(err), "path", gerr.Path.String())
			gerr.Message = "internal error"
			gerr.Extensions["code"] = CodeInternal
		}
		gerr.Message = clipText(gerr.Message, maxMessage)
		return gerr
	}
}
