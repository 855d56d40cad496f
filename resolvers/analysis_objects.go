package resolvers

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/analysis"
)

// Finding is one place where the model breaks an alignment rule.
type Finding struct {
	Rule      string
	Severity  Severity
	Element   Element // nil for a model-level finding
	KindNamed graph.Kind
	Message   string
	Related   []Element
}

// FindingConnection is a page of findings.
type FindingConnection struct {
	Edges      []*FindingEdge
	Nodes      []*Finding
	PageInfo   *PageInfo
	TotalCount int
}

// FindingEdge is a finding with its cursor.
type FindingEdge struct {
	Cursor string
	Node   *Finding
}

// Exposure is what fails and what is weakened if an element fails.
type Exposure struct {
	Source          Element
	Scope           []Element
	CutOff          []Element
	RevenueAtRisk   *Revenue
	RevenueWeakened *Revenue
	Currency        *string

	a                *analysed
	failed, weakened []*ExposedElement
}

// Failed lists the elements that fail with the source.
func (x *Exposure) Failed(ctx context.Context) (*RenderedList, error) {
	return x.a.renderExposed(ctx, x.failed)
}

// Weakened lists the elements that lose part of their supply, and what they affect.
func (x *Exposure) Weakened(ctx context.Context) (*RenderedList, error) {
	return x.a.renderExposed(ctx, x.weakened)
}

// ExposedElement is an element an exposure reaches, with its explaining path.
type ExposedElement struct {
	Element   Element
	Distance  int
	ShareLost *float64

	a    *analysed
	path []analysis.Step
}

// Path is the explaining path, made only when asked for.
func (x *ExposedElement) Path(ctx context.Context) (*RenderedList, error) {
	return x.a.renderPath(ctx, x.path)
}

// Revenue is a sum of annual amounts over revenue streams.
type Revenue struct {
	Amount         float64
	UnknownAmounts int

	a       *analysed
	streams []*RevenueStream
}

// Streams lists the revenue streams.
func (r *Revenue) Streams(ctx context.Context) (*RenderedList, error) {
	return renderElems(ctx, r.a, r.streams, func(ec *executionContext, ctx context.Context, sel ast.SelectionSet, o *RevenueStream) graphql.Marshaler {
		return ec._RevenueStream(ctx, sel, o)
	})
}

// SingleSourceExposure is a partner that cuts off elements on its own.
type SingleSourceExposure struct {
	Partner       *KeyPartner
	CutOff        []Element
	RevenueAtRisk *Revenue

	a       *analysed
	streams []*ExposedElement
}

// Streams lists each stream at risk with the path that explains it.
func (s *SingleSourceExposure) Streams(ctx context.Context) (*RenderedList, error) {
	return s.a.renderExposed(ctx, s.streams)
}

// Economics is the revenue and cost to serve of a whole model.
type Economics struct {
	Currency           *string
	MaxDepth           int
	ValuePropositions  []*ValuePropositionEconomics
	Revenue            float64
	Cost               float64
	Margin             float64
	UnallocatedStreams []*RevenueStream
	UnallocatedRevenue float64
	Overheads          []*Cost
	OverheadCost       float64
	UnknownAmounts     int
}

// ValuePropositionEconomics is the revenue and cost to serve of one value proposition.
type ValuePropositionEconomics struct {
	ValueProposition *ValueProposition
	AllocatedRevenue float64
	AllocatedCost    float64
	Margin           float64
	UnknownAmounts   int
	Rollup           *Rollup

	a *analysed
	v *analysis.VPEconomics
}

// RevenueStreams are the streams the value proposition earns, made only when asked for.
func (x *ValuePropositionEconomics) RevenueStreams() []*RevenueStream {
	return typed[*RevenueStream](x.a, x.v.RevenueStreams)
}

// Costs are the costs of what supports the value proposition, made only when asked for.
func (x *ValuePropositionEconomics) Costs() []*Cost { return typed[*Cost](x.a, x.v.Costs) }

// Rollup is a whole value proposition's figures with those of its parts.
type Rollup struct {
	AllocatedRevenue float64
	AllocatedCost    float64
	Margin           float64
	UnknownAmounts   int

	a     *analysed
	parts []string
}

// Parts are the whole's parts, made only when asked for.
func (r *Rollup) Parts() []*ValueProposition { return typed[*ValueProposition](r.a, r.parts) }

func (a *analysed) finding(f analysis.Finding) *Finding {
	out := &Finding{Rule: f.Rule, Severity: Severity(f.Severity), KindNamed: f.KindNamed, Message: f.Message, Related: a.elems(f.Related)}
	if f.Element != "" {
		out.Element = a.elem(f.Element)
	}
	return out
}

func (a *analysed) page(p analysis.Page, total int) *FindingConnection {
	c := &FindingConnection{Edges: []*FindingEdge{}, Nodes: []*Finding{}, PageInfo: &PageInfo{HasNextPage: p.HasNextPage}, TotalCount: total}
	for _, f := range p.Findings {
		n := a.finding(f)
		c.Nodes = append(c.Nodes, n)
		c.Edges = append(c.Edges, &FindingEdge{Cursor: analysis.Cursor(f), Node: n})
	}
	c.PageInfo.EndCursor = optString(p.EndCursor)
	return c
}

func (a *analysed) reached(rs []analysis.Reached) []*ExposedElement {
	out := make([]*ExposedElement, len(rs))
	for i, r := range rs {
		out[i] = &ExposedElement{Element: a.elem(r.Key), Distance: r.Distance, ShareLost: r.ShareLost, a: a, path: r.Path}
	}
	return out
}

func (a *analysed) revenue(r analysis.Revenue) *Revenue {
	return &Revenue{Amount: r.Amount, UnknownAmounts: r.UnknownAmounts, a: a, streams: typed[*RevenueStream](a, r.Streams)}
}

func (a *analysed) exposure(x *analysis.ExposureReport) *Exposure {
	return &Exposure{
		Source: a.elem(x.Element), Scope: a.elems(x.Scope), CutOff: a.elems(x.CutOff),
		RevenueAtRisk: a.revenue(x.RevenueAtRisk), RevenueWeakened: a.revenue(x.RevenueWeakened),
		Currency: currency(a.snap), a: a, failed: a.reached(x.Failed), weakened: a.reached(x.Weakened),
	}
}

func (a *analysed) singleSource(ss []analysis.SingleSource) []*SingleSourceExposure {
	out := make([]*SingleSourceExposure, len(ss))
	for i, s := range ss {
		out[i] = &SingleSourceExposure{Partner: a.elem(s.Partner).(*KeyPartner), CutOff: a.elems(s.CutOff), RevenueAtRisk: a.revenue(s.RevenueAtRisk), a: a, streams: a.reached(s.Streams)}
	}
	return out
}

func (a *analysed) vpEconomics(v *analysis.VPEconomics) *ValuePropositionEconomics {
	out := &ValuePropositionEconomics{
		ValueProposition: a.elem(v.Key).(*ValueProposition),
		AllocatedRevenue: v.AllocatedRevenue, AllocatedCost: v.AllocatedCost, Margin: v.Margin, UnknownAmounts: v.UnknownAmounts,
		a: a, v: v,
	}
	if r := v.Rollup; r != nil {
		out.Rollup = &Rollup{AllocatedRevenue: r.AllocatedRevenue, AllocatedCost: r.AllocatedCost, Margin: r.Margin, UnknownAmounts: r.UnknownAmounts, a: a, parts: r.Parts}
	}
	return out
}

func (a *analysed) economicsOf(e *analysis.EconomicsReport) *Economics {
	out := &Economics{
		Currency: optString(e.Currency), MaxDepth: e.MaxDepth, ValuePropositions: make([]*ValuePropositionEconomics, len(e.ValuePropositions)),
		Revenue: e.Revenue, Cost: e.Cost, Margin: e.Margin,
		UnallocatedStreams: typed[*RevenueStream](a, e.UnallocatedStreams), UnallocatedRevenue: e.UnallocatedRevenue,
		Overheads: typed[*Cost](a, e.Overheads), OverheadCost: e.OverheadCost, UnknownAmounts: e.UnknownAmounts,
	}
	for i := range e.ValuePropositions {
		out.ValuePropositions[i] = a.vpEconomics(&e.ValuePropositions[i])
	}
	return out
}

// findings serves Element.findings: every rule runs once per operation and model, and each
// element reads its own.
func (n *node) findings(ctx context.Context) ([]*Finding, error) {
	a, err := analyse(ctx, n.e.Model)
	if err != nil {
		return nil, err
	}
	by, err := a.mm.byElem.get(func() (map[string][]analysis.Finding, error) {
		fs, err := a.allFindings()
		return analysis.ByElement(fs), err
	})
	if err != nil {
		return nil, err
	}
	out := []*Finding{}
	for _, f := range by[n.e.Key] {
		out = append(out, a.finding(f))
	}
	return out, nil
}

// AlignmentSummary counts the model's findings by rule and severity.
func (m *Model) AlignmentSummary(ctx context.Context, rules []string, severities []Severity) (*AlignmentSummary, error) {
	a, err := analyse(ctx, m.m.Key)
	if err != nil {
		return nil, err
	}
	fs, err := a.findings(rules, severities)
	if err != nil {
		return nil, err
	}
	s := analysis.Summarize(fs)
	out := &AlignmentSummary{Total: s.Total, BySeverity: []*SeverityCount{}, ByRule: []*RuleCount{}}
	for _, sev := range analysis.Severities() {
		if n := s.BySeverity[sev]; n > 0 {
			out.BySeverity = append(out.BySeverity, &SeverityCount{Severity: Severity(sev), Count: n})
		}
	}
	for _, r := range s.ByRule {
		out.ByRule = append(out.ByRule, &RuleCount{Rule: r.Rule, Severity: Severity(r.Severity), Count: r.Count})
	}
	return out, nil
}

// Currency is the model's currency, nil when unknown.
func (m *Model) Currency(ctx context.Context) (*string, error) {
	a, err := analyse(ctx, m.m.Key)
	if err != nil {
		return nil, err
	}
	return currency(a.snap), nil
}

// Economics is the revenue and cost to serve of this value proposition.
func (o *ValueProposition) Economics(ctx context.Context, maxDepth *int) (*ValuePropositionEconomics, error) {
	d, err := checkDepth(o.n.b.store, maxDepth)
	if err != nil {
		return nil, err
	}
	a, err := analyse(ctx, o.n.e.Model)
	if err != nil {
		return nil, err
	}
	e, err := a.economics(d)
	if err != nil {
		return nil, err
	}
	i, ok := e.at[o.n.e.Key]
	if !ok {
		// The element was read from the store after the snapshot.
		return nil, fmt.Errorf("value proposition %q: %w", o.n.e.Key, graph.ErrNotFound)
	}
	return a.vpEconomics(&e.r.ValuePropositions[i]), nil
}
