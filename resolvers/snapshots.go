package resolvers

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/engine"
	"github.com/modelgraph/modelgraph/graph/snapshots"
)

// SnapshotSource hands out a model held in memory at its current revision (or a newer one): a
// read made after a write, through this server or any other on the same database, sees it. The
// Model is immutable and may be kept for the rest of the request. An unknown model is
// graph.ErrNotFound. *snapshots.Cache implements it.
type SnapshotSource interface {
	Snapshot(ctx context.Context, model string) (*engine.Model, error)
}

// CypherTraversals, as Options.Snapshots, makes the traversal fields run the store's Cypher
// traversals instead of reading snapshots: the answers are the same, and benchmarks compare the
// two. Resolver.Snapshots is then a cache of the default size, for the other readers of
// snapshots; this value's own Snapshot method always fails.
var CypherTraversals SnapshotSource = cypherOnly{}

type cypherOnly struct{}

func (cypherOnly) Snapshot(ctx context.Context, model string) (*engine.Model, error) {
	return nil, errors.New("snapshots are switched off: traversals run in Cypher")
}

// snapshotSource is the source a handler uses: the one given, or a cache of the default size;
// cypher says traversals run in Cypher.
func snapshotSource(store Store, src SnapshotSource) (_ SnapshotSource, cypher bool) {
	if _, off := src.(cypherOnly); src == nil || off {
		return snapshots.New(store, snapshots.Options{}), off
	}
	return src, false
}

// requestSnapshots remembers, for one query, the snapshot of each model it reads, so that every
// traversal of the query reads one state of the model and its revision is checked once.
type requestSnapshots struct {
	src    SnapshotSource
	cypher bool // traversals run in Cypher
	mu     sync.Mutex
	m      map[string]*lazy[*engine.Model]
}

type snapshotsKey struct{}

// withSnapshots gives every request its own memory of snapshots.
func withSnapshots(src SnapshotSource, cypher bool, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rs := &requestSnapshots{src: src, cypher: cypher, m: map[string]*lazy[*engine.Model]{}}
		h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), snapshotsKey{}, rs)))
	})
}

// snapshotOf returns the snapshot of a model for this request, or ok false when traversals run
// in Cypher (snapshots switched off, or a resolver used without the handler). In a mutation the
// revision is checked on every call, since the operation's own writes move it.
func snapshotOf(ctx context.Context, model string) (m *engine.Model, ok bool, err error) {
	rs, _ := ctx.Value(snapshotsKey{}).(*requestSnapshots)
	if rs == nil || rs.cypher {
		return nil, false, nil
	}
	if oc := graphql.GetOperationContext(ctx); oc != nil && oc.Operation != nil && oc.Operation.Operation == ast.Mutation {
		m, err = rs.src.Snapshot(ctx, model)
		return m, true, err
	}
	l := lazyFor(&rs.mu, rs.m, model)
	m, err = l.get(func() (*engine.Model, error) { return rs.src.Snapshot(ctx, model) })
	return m, true, err
}

// batchSource is a SnapshotSource that can also check several models' revisions in one query
// (*snapshots.Cache does).
type batchSource interface {
	SnapshotsOf(ctx context.Context, models []string) (map[string]*engine.Model, error)
}

// snapshotsOf returns the snapshots of several models for this request: the revisions of those
// not yet read by the request are checked together when the source can, so that a list of models
// costs one round trip, not one per model. Unknown models have no entry; ok is as for snapshotOf.
func snapshotsOf(ctx context.Context, models []string) (out map[string]*engine.Model, ok bool, err error) {
	rs, _ := ctx.Value(snapshotsKey{}).(*requestSnapshots)
	if rs == nil || rs.cypher {
		return nil, false, nil
	}
	out = map[string]*engine.Model{}
	bs, batched := rs.src.(batchSource)
	mutation := false
	if oc := graphql.GetOperationContext(ctx); oc != nil && oc.Operation != nil && oc.Operation.Operation == ast.Mutation {
		mutation = true
	}
	if batched && (mutation || len(models) > 1) {
		var missing []string
		rs.mu.Lock()
		for _, m := range models {
			if _, seen := rs.m[m]; !seen || mutation {
				missing = append(missing, m)
			}
		}
		rs.mu.Unlock()
		if len(missing) > 0 {
			got, err := bs.SnapshotsOf(ctx, missing)
			if err != nil {
				return nil, true, err
			}
			if mutation {
				return got, true, nil
			}
			rs.mu.Lock()
			for _, m := range missing {
				if _, seen := rs.m[m]; !seen {
					if snap, found := got[m]; found {
						l := &lazy[*engine.Model]{}
						l.once.Do(func() { l.v = snap })
						rs.m[m] = l
					}
				}
			}
			rs.mu.Unlock()
		}
	}
	for _, m := range models {
		snap, _, err := snapshotOf(ctx, m)
		if errors.Is(err, graph.ErrNotFound) {
			continue // deleted since the batch was read
		}
		if err != nil {
			return nil, true, err
		}
		out[m] = snap
	}
	return out, true, nil
}

// selects reports whether the current field's selection holds the field path names (e.g.
// "affected", "path"), through fragments.
func selects(ctx context.Context, names ...string) bool {
	if !graphql.HasOperationContext(ctx) {
		return true
	}
	return selectsIn(graphql.GetOperationContext(ctx), graphql.CollectFieldsCtx(ctx, nil), names)
}

func selectsIn(oc *graphql.OperationContext, fields []graphql.CollectedField, names []string) bool {
	for _, f := range fields {
		if f.Name != names[0] {
			continue
		}
		if len(names) == 1 || selectsIn(oc, graphql.CollectFields(oc, f.Selections, nil), names[1:]) {
			return true
		}
	}
	return false
}

func idOf(m *engine.Model, key string) (engine.NodeID, error) {
	id, ok := m.ID(key)
	if !ok {
		return 0, fmt.Errorf("element %q in model %q: %w", key, m.Info().Key, graph.ErrNotFound)
	}
	return id, nil
}

// snapSupporters answers the root supporters field from a snapshot.
func snapSupporters(ctx context.Context, store Store, m *engine.Model, key string, kinds []graph.Kind, maxDepth *int) ([]graph.Reached, error) {
	d, err := store.CheckDepth(maxDepth)
	if err != nil {
		return nil, err
	}
	id, err := idOf(m, key)
	if err != nil {
		return nil, err
	}
	rs, err := m.Supporters(id, engine.SupportersOptions{Kinds: kinds, MaxDepth: d, Paths: selects(ctx, "path")})
	if err != nil {
		return nil, err
	}
	return m.GraphReached(rs), nil
}

// snapImpact answers the root impact field from a snapshot, with paths and attached elements
// only when they are selected.
func snapImpact(ctx context.Context, store Store, m *engine.Model, key string, maxDepth *int, types []graph.RelType) (*Impact, error) {
	d, err := store.CheckDepth(maxDepth)
	if err != nil {
		return nil, err
	}
	ts, err := graph.CheckTypes(types)
	if err != nil {
		return nil, err
	}
	id, err := idOf(m, key)
	if err != nil {
		return nil, fmt.Errorf("impact of %s: %w", key, err)
	}
	opt := engine.ImpactOptions{MaxDepth: d, Types: ts, Paths: selects(ctx, "affected", "path"), Attached: selects(ctx, "attached")}
	im, err := m.Impact(id, opt)
	if err != nil {
		return nil, err
	}
	g := &graph.Impact{Source: m.Element(id), Scope: make([]graph.Element, len(im.Scope)), Affected: m.GraphReached(im.Affected)}
	for i, s := range im.Scope {
		g.Scope[i] = m.Element(s)
	}
	out := newImpact(store, g)
	as := make([]graph.Attachment, len(im.Attached))
	for i, a := range im.Attached {
		as[i] = graph.Attachment{Element: m.Element(a.ID), Via: a.Via, To: make([]graph.Element, len(a.To))}
		for j, t := range a.To {
			as[i].To[j] = m.Element(t)
		}
	}
	out.attached = &as
	return out, nil
}

// snapPath answers the root path field from a snapshot.
func snapPath(store Store, m *engine.Model, from, to string, maxDepth *int) ([]graph.Step, bool, error) {
	d, err := store.CheckDepth(maxDepth)
	if err != nil {
		return nil, false, err
	}
	a, err := idOf(m, from)
	if err != nil {
		return nil, false, err
	}
	b, err := idOf(m, to)
	if err != nil {
		return nil, false, err
	}
	ss, found, err := m.Path(a, b, d)
	if err != nil || !found {
		return nil, false, err
	}
	return m.GraphSteps(ss), true, nil
}

// byModel groups a batch's members by model, for reading each model's snapshot once.
func byModel(refs []graph.Ref) (order []string, keys map[string][]string) {
	keys = map[string][]string{}
	for _, r := range refs {
		if _, ok := keys[r.Model]; !ok {
			order = append(order, r.Model)
		}
		keys[r.Model] = append(keys[r.Model], r.Key)
	}
	return order, keys
}

// snapBatchSupporters is Store.Supporters for every member of a batch, from snapshots. A member
// the snapshot lacks (deleted since the batch was read) has no entry. ok is false when traversals
// run in Cypher.
func snapBatchSupporters(ctx context.Context, store Store, refs []graph.Ref, kinds []graph.Kind, maxDepth *int, paths bool) (out map[graph.Ref][]graph.Reached, ok bool, err error) {
	d, err := store.CheckDepth(maxDepth)
	if err != nil {
		return nil, true, err
	}
	models, keys := byModel(refs)
	snaps, ok, err := snapshotsOf(ctx, models)
	if !ok || err != nil {
		return nil, ok, err
	}
	out = map[graph.Ref][]graph.Reached{}
	for _, model := range models {
		m, found := snaps[model]
		if !found {
			continue
		}
		for _, k := range keys[model] {
			id, found := m.ID(k)
			if !found {
				continue
			}
			rs, err := m.Supporters(id, engine.SupportersOptions{Kinds: kinds, MaxDepth: d, Paths: paths})
			if err != nil {
				return nil, true, err
			}
			if len(rs) > 0 {
				out[graph.Ref{Model: model, Key: k}] = m.GraphReached(rs)
			}
		}
	}
	return out, true, nil
}

// snapBatchCounts is Store.SupporterCounts for every member of a batch, from snapshots, each
// model's members counted together (a multi-source search). ok is false when traversals run in
// Cypher.
func snapBatchCounts(ctx context.Context, store Store, refs []graph.Ref, kinds []graph.Kind, maxDepth *int) (out map[graph.Ref]int, ok bool, err error) {
	d, err := store.CheckDepth(maxDepth)
	if err != nil {
		return nil, true, err
	}
	models, keys := byModel(refs)
	snaps, ok, err := snapshotsOf(ctx, models)
	if !ok || err != nil {
		return nil, ok, err
	}
	out = map[graph.Ref]int{}
	for _, model := range models {
		m, present := snaps[model]
		if !present {
			continue
		}
		var ids []engine.NodeID
		var found []string
		for _, k := range keys[model] {
			if id, ok := m.ID(k); ok {
				ids = append(ids, id)
				found = append(found, k)
			}
		}
		counts, err := m.SupporterCounts(ids, engine.SupportersOptions{Kinds: kinds, MaxDepth: d})
		if err != nil {
			return nil, true, err
		}
		for i, k := range found {
			out[graph.Ref{Model: model, Key: k}] = counts[i]
		}
	}
	return out, true, nil
}
