package resolvers

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/analysis"
	"github.com/modelgraph/modelgraph/graph/engine"
	"github.com/modelgraph/modelgraph/graph/scenario"
	"github.com/modelgraph/modelgraph/resolvers/auth"
)

// scenarioSource hands out scenarios as well as models: a key that names no model is looked up
// among the scenarios, whose view is the base at the base revision with the scenario's changes.
// So every traversal and analysis that reads snapshots answers for a scenario too.
type scenarioSource struct {
	inner SnapshotSource
	svc   *scenario.Service
}

// scenarioKeys remembers the keys found to name scenarios, so that the relationship fields of
// their elements read the scenario's snapshot, not the database (which holds no scenario
// elements). A key remembered after its scenario is gone costs only a snapshot read: the
// snapshot of a model under that key gives the same relationships as the database.
var scenarioKeys sync.Map

func isScenarioKey(key string) bool { _, ok := scenarioKeys.Load(key); return ok }

func (s scenarioSource) Snapshot(ctx context.Context, model string) (*engine.Model, error) {
	m, err := s.inner.Snapshot(ctx, model)
	if !errors.Is(err, graph.ErrNotFound) {
		return m, err
	}
	v, verr := s.svc.Open(ctx, model)
	if errors.Is(verr, graph.ErrNotFound) {
		return nil, err
	}
	if verr != nil {
		return nil, verr
	}
	scenarioKeys.Store(model, true)
	return v.Model, nil
}

// SnapshotsOf reads models in one batch when the inner source can, then the keys it did not
// find as scenarios.
func (s scenarioSource) SnapshotsOf(ctx context.Context, models []string) (map[string]*engine.Model, error) {
	out := map[string]*engine.Model{}
	rest := models
	if bs, ok := s.inner.(batchSource); ok {
		got, err := bs.SnapshotsOf(ctx, models)
		if err != nil {
			return nil, err
		}
		out, rest = got, nil
		for _, m := range models {
			if _, found := got[m]; !found {
				rest = append(rest, m)
			}
		}
	}
	for _, m := range rest {
		snap, err := s.Snapshot(ctx, m)
		if errors.Is(err, graph.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out[m] = snap
	}
	return out, nil
}

// withScenarios makes a handler's snapshot source answer for scenarios, and returns the
// scenario service over the same snapshots. Package scenario writes through a *graph.Store: over
// any other Store there is no service, and no key names a scenario (scenarioOf).
func withScenarios(store Store, snaps SnapshotSource, maxElements int) (SnapshotSource, *scenario.Service) {
	gs, ok := store.(*graph.Store)
	if !ok {
		return snaps, nil
	}
	svc := scenario.New(gs, snaps)
	svc.Limits = graph.Limits{MaxElements: maxElements}
	return scenarioSource{inner: snaps, svc: svc}, svc
}

// scenarioNeighbours is Store.Neighbours, with the members of scenarios answered from their
// snapshots in the order the store uses (type, then the other element's key).
func scenarioNeighbours(ctx context.Context, store Store, refs []graph.Ref, dir graph.Direction) (map[graph.Ref][]graph.Link, error) {
	var db []graph.Ref
	byScenario := map[string][]graph.Ref{}
	for _, r := range refs {
		if isScenarioKey(r.Model) {
			byScenario[r.Model] = append(byScenario[r.Model], r)
		} else {
			db = append(db, r)
		}
	}
	out := map[graph.Ref][]graph.Link{}
	if len(db) > 0 || len(byScenario) == 0 {
		got, err := store.Neighbours(ctx, db, dir)
		if err != nil {
			return nil, err
		}
		out = got
	}
	for model, rs := range byScenario {
		m, ok, err := snapshotOf(ctx, model)
		if errors.Is(err, graph.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		for _, r := range rs {
			id, found := m.ID(r.Key)
			if !found {
				continue
			}
			if links := snapshotLinks(m, id, dir); len(links) > 0 {
				out[r] = links
			}
		}
	}
	return out, nil
}

// scenarioBase returns the base of a scenario key ("" when the key names no scenario), for the
// authorization of fields that name a scenario where a model is expected: the caller's role on
// the base is its role on the scenario.
func (g guard) scenarioBase(ctx context.Context, key string) string {
	if key == "" {
		return ""
	}
	sc, err := g.store.Scenario(ctx, key)
	if err != nil {
		return ""
	}
	return sc.Base
}

// requireOn checks the caller's role on a model or scenario for fields whose rule cannot name
// the model (compare names two).
func requireOn(ctx context.Context, store Store, field, model string, need auth.Role) error {
	id := auth.FromContext(ctx)
	if id == nil {
		return nil // authentication off: the guard let the request in with the open identity
	}
	have := id.On(model)
	if have < need {
		if base := (guard{store: store}).scenarioBase(ctx, model); base != "" {
			have = id.On(base)
		}
	}
	switch {
	case have == auth.None:
		return notFound(model)
	case have < need:
		return forbidden("%s needs the %s role on model %q; the caller is %s there", field, need, model, have)
	}
	return nil
}

// scenarioOf reports whether a key names a scenario: remembered, or looked up.
func (r *Resolver) scenarioOf(ctx context.Context, key string) bool {
	if r.ScenarioService == nil {
		return false
	}
	if isScenarioKey(key) {
		return true
	}
	if _, err := r.Store.Scenario(ctx, key); err == nil {
		scenarioKeys.Store(key, true)
		return true
	}
	return false
}

// onScenario runs a model write on a scenario instead when the model is not found and the key
// names a scenario.
func onScenario[T any](ctx context.Context, r *Resolver, model string, write func() (T, error), scen func(*scenario.Service) (T, error)) (T, error) {
	if isScenarioKey(model) && r.scenarioOf(ctx, model) {
		return scen(r.ScenarioService)
	}
	out, err := write()
	if errors.Is(err, graph.ErrNotFound) && r.scenarioOf(ctx, model) {
		return scen(r.ScenarioService)
	}
	return out, err
}

// scenarioElementPage answers Query.elements for a scenario from its snapshot, with the store's
// filters, order (by key) and cursors.
func scenarioElementPage(m *engine.Model, q graph.ElementQuery) (*graph.ElementPage, error) {
	if q.First < 0 || q.First > graph.MaxPageSize {
		return nil, fmt.Errorf("arguments first: must be between 0 and %d, got %d: %w", graph.MaxPageSize, q.First, graph.ErrInvalid)
	}
	after := ""
	if q.After != "" {
		b, err := base64.RawURLEncoding.DecodeString(q.After)
		if err != nil || !strings.HasPrefix(string(b), "k:") {
			return nil, fmt.Errorf("arguments after: %q is not a cursor returned by this API: %w", graph.Clip(q.After), graph.ErrInvalid)
		}
		after = string(b[2:])
	}
	search := strings.ToLower(q.Search)
	p := &graph.ElementPage{Elements: []graph.Element{}}
	for _, id := range m.Elements() {
		k := m.Kind(id)
		if len(q.Kinds) > 0 && !slices.Contains(q.Kinds, k) || q.Category != "" && graph.CategoryOf(k) != q.Category {
			continue
		}
		e := m.Element(id)
		if search != "" && !strings.Contains(strings.ToLower(e.Key), search) && !strings.Contains(strings.ToLower(e.Name), search) && !strings.Contains(strings.ToLower(e.Description), search) {
			continue
		}
		p.TotalCount++
		if e.Key <= after {
			continue
		}
		if len(p.Elements) == q.First {
			p.HasNextPage = true
			continue
		}
		p.Elements = append(p.Elements, e)
	}
	if n := len(p.Elements); n > 0 {
		p.EndCursor = graph.Cursor(p.Elements[n-1].Key)
	}
	return p, nil
}

// Scenario is a what-if copy of a model.
type Scenario struct{ s graph.Scenario }

func (s *Scenario) Key() string          { return s.s.Key }
func (s *Scenario) Name() string         { return s.s.Name }
func (s *Scenario) Base() string         { return s.s.Base }
func (s *Scenario) BaseRevision() int    { return int(s.s.BaseRevision) }
func (s *Scenario) Revision() int        { return int(s.s.Revision) }
func (s *Scenario) ChangedItems() int    { return s.s.Items }
func (s *Scenario) CreatedAt() time.Time { return s.s.CreatedAt }
func (s *Scenario) CreatedBy() string    { return s.s.Actor }
func (s *Scenario) UpdatedAt() time.Time { return s.s.UpdatedAt }

func scenarios(ss []graph.Scenario) []*Scenario {
	out := make([]*Scenario, len(ss))
	for i := range ss {
		out[i] = &Scenario{ss[i]}
	}
	return out
}

// ComparedSide is a side as compared.
type ComparedSide struct {
	Model    string
	Revision int
}

// FieldChange is a field that differs.
type FieldChange struct {
	Field         string
	Before, After any
}

// ElementChange is an element whose content differs.
type ElementChange struct {
	Element Element
	Fields  []*FieldChange
}

// RelationshipKey names a relationship.
type RelationshipKey struct {
	From string
	Type graph.RelType
	To   string
}

// RelationshipChange is a relationship whose properties differ.
type RelationshipChange struct {
	From   string
	Type   graph.RelType
	To     string
	Fields []*FieldChange
}

// Comparison is a difference and its effect.
type Comparison struct {
	From, To             *ComparedSide
	Model                []*FieldChange
	Added, Removed       []Element
	Changed              []*ElementChange
	RelationshipsAdded   []*RelationshipKey
	RelationshipsRemoved []*RelationshipKey
	RelationshipsChanged []*RelationshipChange
	Effect               *ComparisonEffect
}

// ImpactedElement is an element a difference reaches.
type ImpactedElement struct {
	Element Element
	Side    ComparedSideName
}

// AmountChange is an amount on each side.
type AmountChange struct{ Before, After, Delta float64 }

func amountChange(c scenario.Change) *AmountChange {
	return &AmountChange{Before: c.Before, After: c.After, Delta: c.Delta()}
}

// PartnerRiskChange is one partner's revenue at risk on each side.
type PartnerRiskChange struct {
	Partner                     string
	RevenueAtRisk               *AmountChange
	StreamsBefore, StreamsAfter []string
}

// ValuePropositionChange is a value proposition's economics on each side.
type ValuePropositionChange struct {
	ValueProposition                        string
	AllocatedRevenue, AllocatedCost, Margin *AmountChange
	Before, After                           bool
}

// ComparisonEffect is what a difference affects.
type ComparisonEffect struct {
	Impacted                           []*ImpactedElement
	FindingsAppeared, FindingsResolved []*Finding
	RevenueAtRisk                      *AmountChange
	Exposure                           []*PartnerRiskChange
	Economics                          []*ValuePropositionChange
	Revenue, Cost, Margin              *AmountChange
}

// MergeReport is what a merge wrote or would write.
type MergeReport struct {
	Scenario, Base                                                   string
	DryRun, Applied                                                  bool
	Revision, Created, Updated, Deleted                              int
	RelationshipsCreated, RelationshipsUpdated, RelationshipsDeleted int
}

func fieldChanges(fs []engine.FieldChange) []*FieldChange {
	out := make([]*FieldChange, len(fs))
	for i, f := range fs {
		out[i] = &FieldChange{Field: f.Field, Before: f.Before, After: f.After}
	}
	return out
}

func relKeys(ks []engine.RelKey) []*RelationshipKey {
	out := make([]*RelationshipKey, len(ks))
	for i, k := range ks {
		out[i] = &RelationshipKey{From: k.From, Type: k.Type, To: k.To}
	}
	return out
}

// snapAnalysed wraps a model read for a comparison so that its elements and findings become
// GraphQL objects the way the analyses make them.
func snapAnalysed(store Store, m *engine.Model) *analysed {
	return &analysed{mm: &modelMemo{econ: map[int]*lazy[econMemo]{}, b: newBatch(store, nil)}, snap: m}
}

func comparison(store Store, c *scenario.Comparison) *Comparison {
	from, to := snapAnalysed(store, c.From), snapAnalysed(store, c.To)
	d := c.Delta
	out := &Comparison{
		From:                 &ComparedSide{Model: c.From.Info().Key, Revision: int(c.From.Revision())},
		To:                   &ComparedSide{Model: c.To.Info().Key, Revision: int(c.To.Revision())},
		Model:                fieldChanges(d.Model),
		Added:                to.elems(d.Added),
		Removed:              from.elems(d.Removed),
		Changed:              make([]*ElementChange, len(d.Changed)),
		RelationshipsAdded:   relKeys(d.RelAdded),
		RelationshipsRemoved: relKeys(d.RelRemoved),
		RelationshipsChanged: make([]*RelationshipChange, len(d.RelChanged)),
	}
	for i, ch := range d.Changed {
		out.Changed[i] = &ElementChange{Element: to.elem(ch.Key), Fields: fieldChanges(ch.Fields)}
	}
	for i, ch := range d.RelChanged {
		out.RelationshipsChanged[i] = &RelationshipChange{From: ch.From, Type: ch.Type, To: ch.To, Fields: fieldChanges(ch.Fields)}
	}
	e := &ComparisonEffect{
		Impacted: make([]*ImpactedElement, len(c.Impacted)), FindingsAppeared: []*Finding{}, FindingsResolved: []*Finding{},
		RevenueAtRisk: amountChange(c.RevenueAtRisk), Exposure: []*PartnerRiskChange{}, Economics: []*ValuePropositionChange{},
		Revenue: amountChange(c.EconomicsTotals[0]), Cost: amountChange(c.EconomicsTotals[1]), Margin: amountChange(c.EconomicsTotals[2]),
	}
	for i, im := range c.Impacted {
		if im.InTo {
			e.Impacted[i] = &ImpactedElement{Element: to.elem(im.Element.Key), Side: ComparedSideNameTo}
		} else {
			e.Impacted[i] = &ImpactedElement{Element: from.elem(im.Element.Key), Side: ComparedSideNameFrom}
		}
	}
	for _, f := range c.Appeared {
		e.FindingsAppeared = append(e.FindingsAppeared, to.finding(f))
	}
	for _, f := range c.Resolved {
		e.FindingsResolved = append(e.FindingsResolved, from.finding(f))
	}
	for _, p := range c.Exposure {
		e.Exposure = append(e.Exposure, &PartnerRiskChange{Partner: p.Partner, RevenueAtRisk: amountChange(p.Revenue), StreamsBefore: p.StreamsB, StreamsAfter: p.StreamsA})
	}
	for _, v := range c.Economics {
		b, a := v.Before, v.After
		row := &ValuePropositionChange{ValueProposition: v.Key, Before: b != nil, After: a != nil}
		var rb, ra, cb, ca, mb, ma float64
		if b != nil {
			rb, cb, mb = b.AllocatedRevenue, b.AllocatedCost, b.Margin
		}
		if a != nil {
			ra, ca, ma = a.AllocatedRevenue, a.AllocatedCost, a.Margin
		}
		row.AllocatedRevenue = amountChange(scenario.Change{Before: rb, After: ra})
		row.AllocatedCost = amountChange(scenario.Change{Before: cb, After: ca})
		row.Margin = amountChange(scenario.Change{Before: mb, After: ma})
		e.Economics = append(e.Economics, row)
	}
	out.Effect = e
	return out
}

// conflictError is a refused merge as a GraphQL error listing every conflict.
func conflictError(ce *scenario.ConflictError) error {
	list := make([]map[string]any, len(ce.Conflicts))
	for i, c := range ce.Conflicts {
		list[i] = map[string]any{"kind": c.Kind, "target": c.Target, "key": c.Key, "field": c.Field,
			"original": c.Original, "base": c.Base, "scenario": c.Scenario, "reason": c.Reason}
	}
	return &gqlerror.Error{Message: ce.Error(), Extensions: map[string]any{"code": CodeConflict, "conflicts": list}, Err: ce}
}

func mergeReport(r *scenario.MergeReport) *MergeReport {
	return &MergeReport{Scenario: r.Scenario, Base: r.Base, DryRun: r.DryRun, Applied: r.Applied, Revision: int(r.Revision),
		Created: r.Created, Updated: r.Updated, Deleted: r.Deleted,
		RelationshipsCreated: r.RelationshipsCreated, RelationshipsUpdated: r.RelationshipsUpdated, RelationshipsDeleted: r.RelationshipsDeleted}
}

// rules are the alignment rules of the operation's analyses (nil: the built-in ones).
func (r *queryResolver) rules(ctx context.Context) *analysis.Rules {
	if o, err := memoFrom(ctx); err == nil {
		return o.scope.rules
	}
	return nil
}

// scenarioElement reads one element of a scenario.
func (r *Resolver) scenarioElement(ctx context.Context, model, key string) (graph.Element, error) {
	m, err := r.scenarioModel(ctx, model)
	if err != nil {
		return graph.Element{}, err
	}
	id, err := idOf(m, key)
	if err != nil {
		return graph.Element{}, err
	}
	return m.Element(id), nil
}

// scenarioElements is Query.elements for a scenario.
func (r *Resolver) scenarioElements(ctx context.Context, q graph.ElementQuery) (*graph.ElementPage, error) {
	m, err := r.scenarioModel(ctx, q.Model)
	if err != nil {
		return nil, err
	}
	return scenarioElementPage(m, q)
}

// scenarioModel is a scenario's model, through the request's snapshots when there are.
func (r *Resolver) scenarioModel(ctx context.Context, key string) (*engine.Model, error) {
	if m, ok, err := snapshotOf(ctx, key); ok {
		return m, err
	}
	v, err := r.ScenarioService.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	return v.Model, nil
}

// scenarioAsModel answers Query.model for a scenario's key: its counts, canvas, analyses and
// everything under them read the scenario's snapshot, as a past state's read that state.
func (r *Resolver) scenarioAsModel(ctx context.Context, key string) (*Model, error) {
	snap, err := r.scenarioModel(ctx, key)
	if err != nil {
		return nil, err
	}
	return stateModel(ctx, r.Store, snap, true), nil
}
