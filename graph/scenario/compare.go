package scenario

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/analysis"
	"github.com/modelgraph/modelgraph/graph/engine"
)

// Side names one side of a comparison: a model or a scenario, and for a model optionally a past
// revision (nil: the current one).
type Side struct {
	Model    string
	Revision *int64
}

// Comparison is the difference from one side to the other and what it affects.
type Comparison struct {
	// From and To are the two sides as read, under their own keys and revisions.
	From, To *engine.Model
	// Delta is the engine's diff from From to To; the models' keys are not compared.
	Delta *engine.Delta
	// Impacted is the union of the scope and affected elements of every touched element (added,
	// removed, changed, or an end of an added, removed or changed relationship), taken in To for
	// elements present there and in From for removed ones; ordered by key.
	Impacted []Impacted
	// Appeared and Resolved are the alignment findings only in To and only in From, a finding
	// being identified by (rule, element key, kind named); in finding order.
	Appeared, Resolved []analysis.Finding
	// Exposure is the single-source revenue at risk per partner, for partners that are single
	// sources on either side and whose revenue at risk differs; ordered by partner key.
	Exposure []PartnerRisk
	// RevenueAtRisk is the revenue of the streams at risk from any single-source partner, each
	// stream counted once, on each side.
	RevenueAtRisk Change
	// Economics lists the value propositions whose figures differ (or that exist on one side
	// only), ordered by key; EconomicsTotals are the model totals on each side.
	Economics       []VPChange
	EconomicsTotals [3]Change // revenue, cost, margin
}

// Impacted is an element the difference reaches, and the side it was read in.
type Impacted struct {
	Element graph.Element
	InTo    bool // read in To (false: in From, the element is removed)
}

// Change is a figure on each side.
type Change struct{ Before, After float64 }

// Delta is After - Before.
func (c Change) Delta() float64 { return c.After - c.Before }

// PartnerRisk is the revenue at risk from one single-source partner on each side (0 where it is
// not a single source or does not exist).
type PartnerRisk struct {
	Partner  string
	Revenue  Change
	StreamsB []string // streams at risk before, ordered by key
	StreamsA []string // and after
}

// VPChange is the economics of one value proposition on each side (nil where it does not exist).
type VPChange struct {
	Key           string
	Before, After *analysis.Figures
}

// Resolve reads one side of a comparison.
func (s *Service) Resolve(ctx context.Context, side Side) (*engine.Model, error) {
	if side.Revision != nil && *side.Revision < 0 {
		return nil, fmt.Errorf("revision %d of %q: a revision is 0 or more: %w", *side.Revision, side.Model, graph.ErrInvalid)
	}
	m, err := s.Snapshots.Snapshot(ctx, side.Model)
	if errors.Is(err, graph.ErrNotFound) {
		v, verr := s.Open(ctx, side.Model)
		if errors.Is(verr, graph.ErrNotFound) {
			return nil, err
		}
		if verr != nil {
			return nil, verr
		}
		if side.Revision != nil && *side.Revision != v.Scenario.Revision {
			return nil, fmt.Errorf("scenario %q is at revision %d; its past revisions are not kept, compare its base at a revision instead: %w", side.Model, v.Scenario.Revision, graph.ErrInvalid)
		}
		return v.Model, nil
	}
	if err != nil || side.Revision == nil {
		return m, err
	}
	return s.BaseAt(ctx, side.Model, *side.Revision, graph.Scenario{})
}

// Compare reads both sides and works out their difference and its effect. rules are the
// alignment rules (nil: the built-in ones).
func (s *Service) Compare(ctx context.Context, from, to Side, rules *analysis.Rules) (*Comparison, error) {
	a, err := s.Resolve(ctx, from)
	if err != nil {
		return nil, fmt.Errorf("compare from: %w", err)
	}
	b, err := s.Resolve(ctx, to)
	if err != nil {
		return nil, fmt.Errorf("compare to: %w", err)
	}
	return CompareModels(a, b, rules)
}

// CompareModels is Compare over two models in memory.
func CompareModels(a, b *engine.Model, rules *analysis.Rules) (*Comparison, error) {
	if rules == nil {
		rules = analysis.Builtin()
	}
	c := &Comparison{From: a, To: b, Delta: engine.Diff(a, b)}
	c.Delta.Model = slices.DeleteFunc(c.Delta.Model, func(f engine.FieldChange) bool { return f.Field == "key" })
	if len(c.Delta.Model) == 0 {
		c.Delta.Model = nil
	}
	if err := c.impacted(); err != nil {
		return nil, err
	}
	fa, err := analysis.Alignment(a, rules, analysis.Filter{})
	if err != nil {
		return nil, err
	}
	fb, err := analysis.Alignment(b, rules, analysis.Filter{})
	if err != nil {
		return nil, err
	}
	c.Appeared, c.Resolved = findingsOnlyIn(fb, fa), findingsOnlyIn(fa, fb)
	c.exposure()
	if err := c.economics(); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Comparison) touched() []string {
	set := map[string]bool{}
	d := c.Delta
	for _, k := range slices.Concat(d.Added, d.Removed) {
		set[k] = true
	}
	for _, ch := range d.Changed {
		set[ch.Key] = true
	}
	for _, r := range slices.Concat(d.RelAdded, d.RelRemoved) {
		set[r.From], set[r.To] = true, true
	}
	for _, r := range d.RelChanged {
		set[r.From], set[r.To] = true, true
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func (c *Comparison) impacted() error {
	seen := map[string]bool{}
	add := func(m *engine.Model, inTo bool, id engine.NodeID) {
		if k := m.Key(id); !seen[k] {
			seen[k] = true
			c.Impacted = append(c.Impacted, Impacted{Element: m.Element(id), InTo: inTo})
		}
	}
	for _, k := range c.touched() {
		m, inTo := c.To, true
		id, ok := m.ID(k)
		if !ok {
			m, inTo = c.From, false
			if id, ok = m.ID(k); !ok {
				continue
			}
		}
		im, err := m.Impact(id, engine.ImpactOptions{})
		if err != nil {
			return err
		}
		for _, v := range im.Scope {
			add(m, inTo, v)
		}
		for _, r := range im.Affected {
			add(m, inTo, r.ID)
		}
	}
	slices.SortFunc(c.Impacted, func(x, y Impacted) int { return strings.Compare(x.Element.Key, y.Element.Key) })
	return nil
}

type findingID struct {
	rule, element string
	kind          graph.Kind
}

// findingsOnlyIn returns the findings of a not in b.
func findingsOnlyIn(a, b []analysis.Finding) []analysis.Finding {
	in := make(map[findingID]bool, len(b))
	for _, f := range b {
		in[findingID{f.Rule, f.Element, f.KindNamed}] = true
	}
	out := []analysis.Finding{}
	for _, f := range a {
		if !in[findingID{f.Rule, f.Element, f.KindNamed}] {
			out = append(out, f)
		}
	}
	return out
}

func (c *Comparison) exposure() {
	before, after := analysis.SingleSourceExposure(c.From), analysis.SingleSourceExposure(c.To)
	rows := map[string]*PartnerRisk{}
	row := func(p string) *PartnerRisk {
		if rows[p] == nil {
			rows[p] = &PartnerRisk{Partner: p, StreamsB: []string{}, StreamsA: []string{}}
		}
		return rows[p]
	}
	for _, x := range before {
		r := row(x.Partner)
		r.Revenue.Before, r.StreamsB = x.RevenueAtRisk.Amount, x.RevenueAtRisk.Streams
	}
	for _, x := range after {
		r := row(x.Partner)
		r.Revenue.After, r.StreamsA = x.RevenueAtRisk.Amount, x.RevenueAtRisk.Streams
	}
	for _, r := range rows {
		if r.Revenue.Before != r.Revenue.After || !slices.Equal(r.StreamsB, r.StreamsA) {
			c.Exposure = append(c.Exposure, *r)
		}
	}
	slices.SortFunc(c.Exposure, func(x, y PartnerRisk) int { return strings.Compare(x.Partner, y.Partner) })
	c.RevenueAtRisk = Change{Before: streamTotal(c.From, before), After: streamTotal(c.To, after)}
}

// streamTotal adds up the annual amounts of the streams at risk from any partner, once each.
func streamTotal(m *engine.Model, ss []analysis.SingleSource) float64 {
	seen := map[string]bool{}
	total := 0.0
	for _, s := range ss {
		for _, k := range s.RevenueAtRisk.Streams {
			if seen[k] {
				continue
			}
			seen[k] = true
			if id, ok := m.ID(k); ok {
				total += amount(m.Element(id).Properties["annualAmount"])
			}
		}
	}
	return total
}

func amount(v any) float64 {
	switch x := v.(type) {
	case int64:
		return float64(x)
	case float64:
		return x
	case int:
		return float64(x)
	}
	return 0
}

func (c *Comparison) economics() error {
	before, err := analysis.Economics(c.From, 0)
	if err != nil {
		return err
	}
	after, err := analysis.Economics(c.To, 0)
	if err != nil {
		return err
	}
	rows := map[string]*VPChange{}
	for _, v := range before.ValuePropositions {
		f := v.Figures
		rows[v.Key] = &VPChange{Key: v.Key, Before: &f}
	}
	for _, v := range after.ValuePropositions {
		f := v.Figures
		if rows[v.Key] == nil {
			rows[v.Key] = &VPChange{Key: v.Key}
		}
		rows[v.Key].After = &f
	}
	for _, r := range rows {
		if r.Before == nil || r.After == nil || *r.Before != *r.After {
			c.Economics = append(c.Economics, *r)
		}
	}
	slices.SortFunc(c.Economics, func(x, y VPChange) int { return strings.Compare(x.Key, y.Key) })
	c.EconomicsTotals = [3]Change{{before.Revenue, after.Revenue}, {before.Cost, after.Cost}, {before.Margin, after.Margin}}
	return nil
}
