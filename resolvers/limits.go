package resolvers

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/parser"
)

// Limits bound what one request may cost. A zero field takes its default (DefaultLimits).
type Limits struct {
	// MaxTokens bounds the tokens of a query document; counted while parsing, before validation.
	MaxTokens int
	// MaxDepth bounds how deeply selections nest, fragments expanded.
	MaxDepth int
	// MaxFields bounds the fields an operation selects, fragments expanded (so duplicate fields and
	// fragments that spread others twice are counted in full, without expanding them).
	MaxFields int
	// MaxAliases bounds the aliased fields, fragments expanded: 500 aliases of one traversal
	// are 500 traversals.
	MaxAliases int
	// MaxComplexity bounds the estimated cost: a list field costs its page size (first) or an
	// estimate of its length times the cost of what is selected under it (see cost.go).
	MaxComplexity int
	// RequestTimeout bounds the time of one request; what is left of it is the Neo4j
	// transaction timeout of every query the request makes.
	RequestTimeout time.Duration
	// MaxRows bounds the rows one request reads from Neo4j (graph.Budget).
	MaxRows int
	// MaxResponseBytes bounds the size of a response.
	MaxResponseBytes int
	// MaxSessions bounds the database sessions one request holds at once (graph.Budget).
	MaxSessions int
	// MaxClientRequests bounds the requests one client has in flight; more get HTTP 429.
	MaxClientRequests int
	// MaxResolvedFields bounds the fields one request resolves, counted as they are resolved
	// (budget.go): the backstop when the cost estimate is wrong.
	MaxResolvedFields int
	// MaxConcurrentCost bounds the summed estimated cost of the heavy requests that run at once
	// (budget.go); the others wait their turn.
	MaxConcurrentCost int
}

// DefaultLimits are the limits of a server started without settings. Every query in the README,
// docs/queries.md and the tests passes them with room to spare.
var DefaultLimits = Limits{
	MaxTokens:         5000,
	MaxDepth:          20,
	MaxFields:         1000,
	MaxAliases:        50,
	MaxComplexity:     100000,
	RequestTimeout:    30 * time.Second,
	MaxRows:           250000,
	MaxResponseBytes:  64 << 20,
	MaxSessions:       4,
	MaxClientRequests: 8,
	MaxResolvedFields: 500000,
	MaxConcurrentCost: 10000,
}

// withDefaults fills the zero fields of l from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	pick := func(v *int, def int) {
		if *v <= 0 {
			*v = def
		}
	}
	pick(&l.MaxTokens, d.MaxTokens)
	pick(&l.MaxDepth, d.MaxDepth)
	pick(&l.MaxFields, d.MaxFields)
	pick(&l.MaxAliases, d.MaxAliases)
	pick(&l.MaxComplexity, d.MaxComplexity)
	pick(&l.MaxRows, d.MaxRows)
	pick(&l.MaxResponseBytes, d.MaxResponseBytes)
	pick(&l.MaxSessions, d.MaxSessions)
	pick(&l.MaxClientRequests, d.MaxClientRequests)
	pick(&l.MaxResolvedFields, d.MaxResolvedFields)
	pick(&l.MaxConcurrentCost, d.MaxConcurrentCost)
	if l.RequestTimeout <= 0 {
		l.RequestTimeout = d.RequestTimeout
	}
	return l
}

// Setting describes one limit: how it is set and the code a request that breaks it gets.
type Setting struct {
	Flag, Env, Code string
}

// String names the setting in error messages.
func (s Setting) String() string { return fmt.Sprintf("-%s / %s", s.Flag, s.Env) }

// Settings of the limits, by Limits field. cmd/modelgraph registers these flags; the README's
// configuration table lists them.
var Settings = map[string]Setting{
	"MaxTokens":         {"max-query-tokens", "MODELGRAPH_MAX_QUERY_TOKENS", "QUERY_TOO_LONG"},
	"MaxDepth":          {"max-query-depth", "MODELGRAPH_MAX_QUERY_DEPTH", "QUERY_TOO_DEEP"},
	"MaxFields":         {"max-query-fields", "MODELGRAPH_MAX_QUERY_FIELDS", "TOO_MANY_FIELDS"},
	"MaxAliases":        {"max-query-aliases", "MODELGRAPH_MAX_QUERY_ALIASES", "TOO_MANY_ALIASES"},
	"MaxComplexity":     {"max-complexity", "MODELGRAPH_MAX_COMPLEXITY", "QUERY_TOO_COMPLEX"},
	"RequestTimeout":    {"request-timeout", "MODELGRAPH_REQUEST_TIMEOUT", "REQUEST_TIMEOUT"},
	"MaxRows":           {"max-result-rows", "MODELGRAPH_MAX_RESULT_ROWS", "RESULT_TOO_LARGE"},
	"MaxResponseBytes":  {"max-response-bytes", "MODELGRAPH_MAX_RESPONSE_BYTES", "RESPONSE_TOO_LARGE"},
	"MaxSessions":       {"max-request-sessions", "MODELGRAPH_MAX_REQUEST_SESSIONS", ""},
	"MaxClientRequests": {"max-client-requests", "MODELGRAPH_MAX_CLIENT_REQUESTS", "TOO_MANY_REQUESTS"},
	"MaxBodyBytes":      {"max-body-bytes", "MODELGRAPH_MAX_BODY_BYTES", "REQUEST_TOO_LARGE"},
	"MaxResolvedFields": {"max-resolved-fields", "MODELGRAPH_MAX_RESOLVED_FIELDS", CodeTooManyResolvedFields},
	"MaxConcurrentCost": {"max-concurrent-cost", "MODELGRAPH_MAX_CONCURRENT_COST", ""},
}

// limitError is the error for a request that breaks the limit named by field (a Limits field):
// extensions.code is the limit's code, extensions.limit its flag and extensions.max its value.
func limitError(field string, max any, format string, args ...any) *gqlerror.Error {
	s := Settings[field]
	return &gqlerror.Error{
		Message:    fmt.Sprintf(format, args...) + fmt.Sprintf("; the limit is %v (%s)", max, s),
		Extensions: map[string]any{"code": s.Code, "limit": s.Flag, "max": max},
	}
}

// shapeLimits refuses documents that are too long, too deep or select too many fields or
// aliases. It runs before gqlgen parses and validates the document (validation is quadratic in
// the fields of one selection set), on its own parse bounded by the token limit.
type shapeLimits struct {
	lim Limits
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = shapeLimits{}

func (shapeLimits) ExtensionName() string                          { return "ShapeLimits" }
func (shapeLimits) Validate(schema graphql.ExecutableSchema) error { return nil }

func (l shapeLimits) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: p.Query}, l.lim.MaxTokens)
	if err != nil {
		if ge, ok := err.(*gqlerror.Error); ok && strings.HasPrefix(ge.Message, "exceeded token limit") {
			return limitError("MaxTokens", l.lim.MaxTokens, "the query has more than %d tokens", l.lim.MaxTokens)
		}
		return nil // gqlgen reports the syntax error
	}
	m := newShapeMeter(doc)
	for _, op := range doc.Operations {
		s := m.selectionSet(op.SelectionSet)
		switch {
		case s.depth > l.lim.MaxDepth:
			return limitError("MaxDepth", l.lim.MaxDepth, "the query nests %s levels deep", atLeast(s.depth))
		case s.fields > l.lim.MaxFields:
			return limitError("MaxFields", l.lim.MaxFields, "the query selects %s fields, fragments expanded", atLeast(s.fields))
		case s.aliases > l.lim.MaxAliases:
			return limitError("MaxAliases", l.lim.MaxAliases, "the query has %s aliased fields, fragments expanded", atLeast(s.aliases))
		}
	}
	return nil
}

// shape is what a selection set amounts to with its fragments expanded.
type shape struct {
	depth, fields, aliases int
}

// saturated caps the counts: fragments that each spread the previous one twice double the count
// at every level.
const saturated = 1 << 40

func atLeast(n int) string {
	if n >= saturated {
		return fmt.Sprintf("more than %d", saturated)
	}
	return fmt.Sprint(n)
}

func (s *shape) add(o shape) {
	s.depth = max(s.depth, o.depth)
	s.fields = min(s.fields+o.fields, saturated)
	s.aliases = min(s.aliases+o.aliases, saturated)
}

// shapeMeter measures selection sets, each fragment once (memoised), so that measuring costs time
// in the size of the document, not of its expansion.
type shapeMeter struct {
	doc  *ast.QueryDocument
	memo map[string]shape
	busy map[string]bool // fragments being measured: a spread of one of them is a cycle
}

func newShapeMeter(doc *ast.QueryDocument) *shapeMeter {
	return &shapeMeter{doc: doc, memo: map[string]shape{}, busy: map[string]bool{}}
}

func (m *shapeMeter) selectionSet(set ast.SelectionSet) shape {
	var s shape
	for _, sel := range set {
		switch x := sel.(type) {
		case *ast.Field:
			c := m.selectionSet(x.SelectionSet)
			c.depth++
			c.fields = min(c.fields+1, saturated)
			if x.Alias != "" && x.Alias != x.Name {
				c.aliases = min(c.aliases+1, saturated)
			}
			s.add(c)
		case *ast.InlineFragment:
			s.add(m.selectionSet(x.SelectionSet))
		case *ast.FragmentSpread:
			s.add(m.fragment(x.Name))
		}
	}
	return s
}

func (m *shapeMeter) fragment(name string) shape {
	if s, ok := m.memo[name]; ok {
		return s
	}
	f := m.doc.Fragments.ForName(name)
	if f == nil || m.busy[name] {
		return shape{} // unknown or cyclic: validation refuses it
	}
	m.busy[name] = true
	s := m.selectionSet(f.SelectionSet)
	delete(m.busy, name)
	m.memo[name] = s
	return s
}

// maxCachedQuery bounds the query documents kept in the parsed-query and persisted-query caches:
// a query is its own cache key, so a thousand distinct 60 MB queries (a big string literal each)
// would otherwise stay in memory.
const maxCachedQuery = 64 << 10

// smallOnly is a cache that keeps only entries whose size (by size) is at most maxCachedQuery.
type smallOnly[T any] struct {
	graphql.Cache[T]
	size func(key string, v T) int
}

func (c smallOnly[T]) Add(ctx context.Context, key string, v T) {
	if c.size(key, v) <= maxCachedQuery {
		c.Cache.Add(ctx, key, v)
	}
}

// queryCache keeps parsed documents, keyed by the query text.
func queryCache(c graphql.Cache[*ast.QueryDocument]) graphql.Cache[*ast.QueryDocument] {
	return smallOnly[*ast.QueryDocument]{c, func(key string, _ *ast.QueryDocument) int { return len(key) }}
}

// persistedCache keeps persisted queries, keyed by their hash.
func persistedCache(c graphql.Cache[string]) graphql.Cache[string] {
	return smallOnly[string]{c, func(_ string, q string) int { return len(q) }}
}
