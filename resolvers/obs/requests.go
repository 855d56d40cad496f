package obs

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/modelgraph/modelgraph/graph"
)

// CodeOK is the outcome of an operation answered without errors.
const CodeOK = "OK"

// codeError is the outcome of a failure whose error carries no usable code.
const codeError = "ERROR"

// maxLogName bounds the operation name in a log line; names are chosen by clients.
const maxLogName = 100

// Requests is the GraphQL extension that logs one line per operation and counts it in the
// metrics. Add it to the server before the other extensions, so that it sees their refusals.
type Requests struct {
	Log     *slog.Logger
	Metrics *Metrics // nil: log only
}

var (
	_ graphql.HandlerExtension     = Requests{}
	_ graphql.OperationInterceptor = Requests{}
	_ graphql.ResponseInterceptor  = Requests{}
)

func (Requests) ExtensionName() string                   { return "RequestLog" }
func (Requests) Validate(graphql.ExecutableSchema) error { return nil }

// record is one operation on its way: what it has cost so far.
type record struct {
	start time.Time
	trips interface{ Load() int64 }
	once  sync.Once
	code  string // first outcome seen (subscriptions answer many times)
}

type recordKey struct{}

// InterceptOperation starts the operation's record; the answer (for a subscription, the end of
// its stream) finishes it.
func (r Requests) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	ctx, trips := graph.WithRoundTrips(ctx)
	rec := &record{start: start(ctx), trips: trips}
	ctx = context.WithValue(ctx, recordKey{}, rec)
	subscription := false
	if oc := operationContext(ctx); oc != nil && oc.Operation != nil {
		subscription = oc.Operation.Operation == ast.Subscription
	}
	h := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		resp := h(ctx)
		switch {
		case resp == nil:
			// No answer: the deadline passed or the client went away before one was made.
			r.finish(ctx, rec, contextOutcome(ctx))
		case !subscription:
			r.finish(ctx, rec, outcome(resp))
		case rec.code == "" || rec.code == CodeOK:
			rec.code = outcome(resp)
		}
		return resp
	}
}

// InterceptResponse finishes the record of a request refused before it became an operation (it
// could not be read, parsed or validated, or a limit refused it); those never reach
// InterceptOperation.
func (r Requests) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if ctx.Value(recordKey{}) == nil && resp != nil {
		r.finish(ctx, &record{start: start(ctx)}, outcome(resp))
	}
	return resp
}

// finish logs and counts the operation, once; code "" takes the code seen on the way.
func (r Requests) finish(ctx context.Context, rec *record, code string) {
	rec.once.Do(func() {
		if code == "" {
			code = rec.code
		}
		if code == "" {
			code = CodeOK
		}
		d := time.Since(rec.start)
		var trips int64
		if rec.trips != nil {
			trips = rec.trips.Load()
		}
		name, kind, known := "", "", false
		if oc := operationContext(ctx); oc != nil {
			known = true
			name = oc.OperationName
			if oc.Operation != nil {
				if name == "" {
					name = oc.Operation.Name
				}
				kind = string(oc.Operation.Operation)
			}
		}
		if r.Metrics != nil {
			label := InvalidName // no operation context: the body was not a GraphQL request
			if known {
				label = r.Metrics.names.label(name)
			}
			r.Metrics.observe(label, code, d, trips)
		}
		if r.Log == nil {
			return
		}
		r.Log.LogAttrs(ctx, slog.LevelInfo, "graphql",
			slog.String("operation", clip(name, maxLogName)),
			slog.String("type", kind),
			slog.String("code", code),
			slog.Float64("duration_ms", float64(d.Microseconds())/1000),
			slog.Int64("round_trips", trips),
			slog.String("actor", graph.ActorFrom(ctx)),
		)
	})
}

// outcome is CodeOK, or the first error's extensions.code.
func outcome(resp *graphql.Response) string {
	if len(resp.Errors) == 0 {
		return CodeOK
	}
	if c, ok := resp.Errors[0].Extensions["code"].(string); ok && isCode(c) {
		return c
	}
	return codeError
}

// isCode accepts the codes the server sets (UPPER_SNAKE_CASE, short), so that the code label stays
// a small set even if an error carried something else.
func isCode(s string) bool {
	if s == "" || len(s) > 40 {
		return false
	}
	for _, c := range []byte(s) {
		if (c < 'A' || c > 'Z') && c != '_' && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

func operationContext(ctx context.Context) *graphql.OperationContext {
	if !graphql.HasOperationContext(ctx) {
		return nil
	}
	return graphql.GetOperationContext(ctx)
}

// start is when the request began: when the transport started reading it.
func start(ctx context.Context) time.Time {
	if oc := operationContext(ctx); oc != nil {
		if !oc.Stats.OperationStart.IsZero() {
			return oc.Stats.OperationStart
		}
		if !oc.Stats.Read.Start.IsZero() {
			return oc.Stats.Read.Start
		}
	}
	if t := graphql.GetStartTime(ctx); !t.IsZero() {
		return t
	}
	return time.Now()
}

// clip cuts s to at most n bytes without splitting a character.
func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// contextOutcome is the code of an operation that ended without an answer: REQUEST_TIMEOUT when
// its deadline passed, CANCELLED when the client went away, else "" (the code seen on the way).
func contextOutcome(ctx context.Context) string {
	switch {
	case errors.Is(ctx.Err(), context.DeadlineExceeded):
		return "REQUEST_TIMEOUT"
	case ctx.Err() != nil:
		return "CANCELLED"
	}
	return ""
}
