package resolvers

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/analysis"
	"github.com/modelgraph/modelgraph/graph/engine"
)

// snapshotFunc returns one model's in-memory snapshot at its current revision.
type snapshotFunc func(ctx context.Context, model string) (*engine.Model, error)

// analysisSource reads snapshots for the analyses: the request's own memory of snapshots when
// there is one (so traversals and analyses of one query read one state of the model), else the
// source itself.
func analysisSource(src SnapshotSource) snapshotFunc {
	return func(ctx context.Context, model string) (*engine.Model, error) {
		if m, ok, err := snapshotOf(ctx, model); ok {
			return m, err
		}
		return src.Snapshot(ctx, model)
	}
}

// analysisScope gives every operation a memo of the snapshots and analyses its fields share, so
// that alignment, findings per element and economics read one snapshot per model and run each
// analysis once per operation.
type analysisScope struct {
	source snapshotFunc
	rules  *analysis.Rules
	store  Store
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = analysisScope{}

// ExtensionName names the extension among the handler's extensions.
func (analysisScope) ExtensionName() string { return "Analyses" }

// Validate has nothing to check.
func (analysisScope) Validate(graphql.ExecutableSchema) error { return nil }

// InterceptOperation puts a fresh memo in the operation's context.
func (s analysisScope) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	return next(context.WithValue(ctx, memoKey{}, &memo{scope: s, models: map[string]*modelMemo{}}))
}

type memoKey struct{}

// memo is one operation's analyses, by model key.
type memo struct {
	scope  analysisScope
	mu     sync.Mutex
	models map[string]*modelMemo
	// root is the handler's resolvers, for fields that an analysis object writes through the
	// generated code; plans are the operation's ways to write explaining paths directly.
	root  ResolverRoot
	plans map[*ast.Selection]any
}

// setRoot records the handler's resolvers for the operation.
func (o *memo) setRoot(r ResolverRoot) {
	o.mu.Lock()
	o.root = r
	o.mu.Unlock()
}

// modelMemo is what one operation computed about one model.
type modelMemo struct {
	snap     lazy[*engine.Model]
	findings lazy[[]analysis.Finding]
	byElem   lazy[map[string][]analysis.Finding]
	mu       sync.Mutex
	econ     map[int]*lazy[econMemo]
	// b holds the elements the analyses of this model return, so their nested fields load
	// once for all of them.
	b *batch
	// objs is the GraphQL object of every element an analysis returned, by id: an element
	// named by many paths and lists is read from the snapshot once per operation.
	objs []Element
	// steps are the path steps built so far: paths of one answer share most of their steps.
	steps map[analysis.Step]*Step
}

func memoFrom(ctx context.Context) (*memo, error) {
	m, ok := ctx.Value(memoKey{}).(*memo)
	if !ok {
		return nil, errors.New("analyses: no operation memo in the context")
	}
	return m, nil
}

// model returns the memo of one model, with its snapshot read.
func (o *memo) model(ctx context.Context, key string) (*modelMemo, *engine.Model, error) {
	o.mu.Lock()
	mm, ok := o.models[key]
	if !ok {
		mm = &modelMemo{econ: map[int]*lazy[econMemo]{}, b: newBatch(o.scope.store, nil)}
		o.models[key] = mm
	}
	o.mu.Unlock()
	snap, err := mm.snap.get(func() (*engine.Model, error) { return o.scope.source(ctx, key) })
	return mm, snap, err
}

// analysed is a model snapshot with the operation's memo of it.
type analysed struct {
	o    *memo
	mm   *modelMemo
	snap *engine.Model
}

func analyse(ctx context.Context, model string) (*analysed, error) {
	o, err := memoFrom(ctx)
	if err != nil {
		return nil, err
	}
	mm, snap, err := o.model(ctx, model)
	if err != nil {
		return nil, err
	}
	return &analysed{o: o, mm: mm, snap: snap}, nil
}

// allFindings runs every rule once per operation.
func (a *analysed) allFindings() ([]analysis.Finding, error) {
	return a.mm.findings.get(func() ([]analysis.Finding, error) {
		return analysis.Alignment(a.snap, a.o.scope.rules, analysis.Filter{})
	})
}

// findings runs the rules a filter chooses; without a filter, the memo of all findings.
func (a *analysed) findings(rules []string, severities []Severity) ([]analysis.Finding, error) {
	if len(rules) == 0 && len(severities) == 0 {
		return a.allFindings()
	}
	f := analysis.Filter{Rules: rules}
	for _, s := range severities {
		f.Severities = append(f.Severities, analysis.Severity(s))
	}
	return analysis.Alignment(a.snap, a.o.scope.rules, f)
}

// econMemo is the economics of a model at one depth, with each value proposition's index.
type econMemo struct {
	r  *analysis.EconomicsReport
	at map[string]int
}

func (a *analysed) economics(maxDepth int) (econMemo, error) {
	a.mm.mu.Lock()
	l, ok := a.mm.econ[maxDepth]
	if !ok {
		l = &lazy[econMemo]{}
		a.mm.econ[maxDepth] = l
	}
	a.mm.mu.Unlock()
	return l.get(func() (econMemo, error) {
		r, err := analysis.Economics(a.snap, maxDepth)
		if err != nil {
			return econMemo{}, err
		}
		at := make(map[string]int, len(r.ValuePropositions))
		for i, v := range r.ValuePropositions {
			at[v.Key] = i
		}
		return econMemo{r: r, at: at}, nil
	})
}

// elem returns the GraphQL object of the element with a key, in the model's batch.
func (a *analysed) elem(key string) Element {
	id, ok := a.snap.ID(key)
	if !ok {
		panic(fmt.Sprintf("resolvers: analysis returned %q, which is not in model %q", key, a.snap.Info().Key))
	}
	a.mm.mu.Lock()
	defer a.mm.mu.Unlock()
	return a.elemLocked(id)
}

// elemLocked returns the object of an element, made on first use; a.mm.mu is held.
func (a *analysed) elemLocked(id engine.NodeID) Element {
	if a.mm.objs == nil {
		a.mm.objs = make([]Element, a.snap.Len())
	}
	if o := a.mm.objs[id]; o != nil {
		return o
	}
	o := wrap(a.mm.b.add(a.snap.Element(id)))
	a.mm.objs[id] = o
	return o
}

func (a *analysed) elems(keys []string) []Element {
	out := make([]Element, len(keys))
	for i, k := range keys {
		out[i] = a.elem(k)
	}
	return out
}

// typed returns the objects of elements of one kind as their GraphQL type.
func typed[T Element](a *analysed, keys []string) []T {
	out := make([]T, len(keys))
	for i, k := range keys {
		out[i] = a.elem(k).(T)
	}
	return out
}

// steps returns the objects of a path's steps. A step is made once per operation and shared by
// every path through it (objects are read, never changed, by the fields).
func (a *analysed) steps(ss []analysis.Step) []*Step {
	out := make([]*Step, len(ss))
	a.mm.mu.Lock()
	defer a.mm.mu.Unlock()
	if a.mm.steps == nil {
		a.mm.steps = map[analysis.Step]*Step{}
	}
	for i, s := range ss {
		if st, ok := a.mm.steps[s]; ok {
			out[i] = st
			continue
		}
		from, to, props := a.stepPartsLocked(s, true)
		st := &Step{From: from, Type: s.Type, To: to, Properties: props}
		a.mm.steps[s] = st
		out[i] = st
	}
	return out
}

// stepPartsLocked returns the elements of a step and, when asked for, its relationship's
// properties (an empty map when the model holds no such relationship); a.mm.mu is held.
func (a *analysed) stepPartsLocked(s analysis.Step, props bool) (from, to Element, properties map[string]any) {
	f, ok1 := a.snap.ID(s.From)
	t, ok2 := a.snap.ID(s.To)
	if !ok1 || !ok2 {
		panic(fmt.Sprintf("resolvers: analysis returned step %s -%s-> %s, not in model %q", s.From, s.Type, s.To, a.snap.Info().Key))
	}
	from, to = a.elemLocked(f), a.elemLocked(t)
	if props {
		properties = map[string]any{}
		if id, ok := a.snap.FindRel(f, s.Type, t); ok {
			properties = jsonMap(a.snap.Relationship(id).Properties)
		}
	}
	return from, to, properties
}

// checkDepth reads an optional depth against the server's cap, as the traversals do.
func checkDepth(store Store, d *int) (int, error) {
	limit := store.MaxDepth()
	if d == nil {
		return min(graph.DefaultMaxDepth, limit), nil
	}
	if *d < 1 || *d > limit {
		return 0, &graph.ValidationError{Problems: []graph.Problem{{Path: "arguments", Field: "maxDepth",
			Reason: fmt.Sprintf("must be between 1 and %d (the server's cap), got %d", limit, *d)}}}
	}
	return *d, nil
}

func currency(snap *engine.Model) *string { return optString(analysis.Currency(snap)) }

func (o *memo) resolvers() ResolverRoot {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.root
}
