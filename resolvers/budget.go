package resolvers

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"golang.org/x/sync/semaphore"
)

// What runs at once, and how much one request may resolve. The estimate of cost.go refuses a
// query before it runs; these hold whatever the estimate misses:
//
//   - a request's meter counts every field gqlgen resolves (from Neo4j, from a snapshot in
//     memory or from a value already loaded) and stops the request at Limits.MaxResolvedFields,
//     or as soon as its deadline has passed, instead of resolving the rest;
//   - heavy requests (an estimated cost of heavyCost or more, or a body over heavyBody) share a
//     weighted gate of Limits.MaxConcurrentCost: each weighs its cost, at most the whole gate, and
//     waits its turn within its deadline. Cheaper requests never wait, so a burst of expensive
//     queries and large bodies takes at most the gate's share of the processors and ordinary
//     queries keep their latency.

// heavyCost is the estimated cost from which a request goes through the gate: a supporters
// query with paths costs about 2,700, fifty aliased supporters queries about 8,500.
const heavyCost = 5000

// heavyBody is the body size from which a request goes through the gate, before its body is read
// (by its Content-Length; a body of unannounced length is weighed once read); a body of
// heavyBodyFull bytes or more weighs the whole gate (reading and decoding it is the work).
const (
	heavyBody     = 1 << 20
	heavyBodyFull = 8 << 20
)

// Codes of the meter's refusals.
const CodeTooManyResolvedFields = "TOO_MANY_RESOLVED_FIELDS"

// gate is the server-wide weighted semaphore of heavy requests.
type gate struct {
	sem      *semaphore.Weighted
	capacity int64
}

func newGate(capacity int) *gate {
	return &gate{sem: semaphore.NewWeighted(int64(capacity)), capacity: int64(capacity)}
}

// meter is one request's count of resolved fields and its share of the gate.
type meter struct {
	lim    Limits
	gate   *gate
	fields atomic.Int64
	active atomic.Bool  // an operation is executing: its fields count
	over   atomic.Bool  // the field budget ran out
	late   atomic.Bool  // a field was refused because the deadline had passed
	cost   atomic.Int64 // the operation's estimated cost (cost.go)

	mu   sync.Mutex
	held int64 // weight held on the gate
}

type meterKey struct{}

func withMeter(ctx context.Context, m *meter) context.Context {
	return context.WithValue(ctx, meterKey{}, m)
}

func meterFrom(ctx context.Context) *meter {
	m, _ := ctx.Value(meterKey{}).(*meter)
	return m
}

// hold makes the request hold weight w on the gate (at most its capacity), waiting within ctx.
// A request that holds less lets go of it first, so that two requests never wait for each other.
func (m *meter) hold(ctx context.Context, w int64) error {
	w = min(w, m.gate.capacity)
	m.mu.Lock()
	defer m.mu.Unlock()
	if w <= m.held {
		return nil
	}
	if m.held > 0 {
		m.gate.sem.Release(m.held)
		m.held = 0
	}
	if err := m.gate.sem.Acquire(ctx, w); err != nil {
		return err
	}
	m.held = w
	return nil
}

// release lets go of the request's weight on the gate.
func (m *meter) release() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.held > 0 {
		m.gate.sem.Release(m.held)
		m.held = 0
	}
}

// bodyWeight is what a request body of n bytes weighs on a gate of the given capacity.
func bodyWeight(n int64, capacity int64) int64 {
	if n <= heavyBody {
		return 0
	}
	return max(1, capacity*min(n, heavyBodyFull)/heavyBodyFull)
}

func (m *meter) budgetError() *gqlerror.Error {
	return limitError("MaxResolvedFields", m.lim.MaxResolvedFields, "the answer would resolve more than %d fields", m.lim.MaxResolvedFields)
}

func (m *meter) timeoutError() *gqlerror.Error {
	return limitError("RequestTimeout", m.lim.RequestTimeout.String(), "the request took longer than %s", m.lim.RequestTimeout)
}

// requestMeter is the handler extension that runs the meter: it takes the gate for a heavy
// operation, counts fields, and answers a request stopped by the budget or the deadline with
// that error alone (no half answer).
type requestMeter struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
	graphql.FieldInterceptor
} = requestMeter{}

func (requestMeter) ExtensionName() string                          { return "RequestMeter" }
func (requestMeter) Validate(schema graphql.ExecutableSchema) error { return nil }

func (requestMeter) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	m := meterFrom(ctx)
	if m == nil || !graphql.HasOperationContext(ctx) {
		return next(ctx)
	}
	op := graphql.GetOperationContext(ctx)
	if op.Operation == nil || op.Operation.Operation == ast.Subscription {
		return next(ctx)
	}
	if cost := m.cost.Load(); cost >= heavyCost {
		if err := m.hold(ctx, cost); err != nil {
			return &graphql.Response{Errors: gqlerror.List{m.timeoutError()}}
		}
	}
	m.active.Store(true)
	resp := next(ctx)
	m.active.Store(false)
	switch {
	case m.over.Load():
		return &graphql.Response{Errors: gqlerror.List{m.budgetError()}}
	case m.late.Load():
		return &graphql.Response{Errors: gqlerror.List{m.timeoutError()}}
	}
	return resp
}

func (requestMeter) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	m := meterFrom(ctx)
	if m == nil || !m.active.Load() {
		return next(ctx)
	}
	if m.over.Load() {
		return nil, m.budgetError()
	}
	if ctx.Err() != nil {
		m.late.Store(true)
		return nil, m.timeoutError()
	}
	if m.fields.Add(1) > int64(m.lim.MaxResolvedFields) {
		m.over.Store(true)
		return nil, m.budgetError()
	}
	return next(ctx)
}
