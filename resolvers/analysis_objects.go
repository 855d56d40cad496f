package resolvers

import (
	"context"
	"fmt"

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
	Failed          []*ExposedElement
	Weakened        []*ExposedElement
	RevenueAtRisk   *Revenue
	RevenueWeakened *Revenue
	Currency        *string
}

// ExposedElement is an element an exposure reaches, with its explaining path.
type ExposedElement struct {
	Element   Element
	Distance  int
	Path      []*Step
	ShareLost *float64
}

// Revenue is a sum of annual amounts over revenue streams.
type Revenue struct {
	Amount         float64
	Streams        []*RevenueStream
	UnknownAmounts int
}

// SingleSourceExposure is a partner that cuts off elements on its own.
type SingleSourceExposure struct {
	Partner       *KeyPartner
	CutOff        []Element
	RevenueAtRisk *Revenue
	Streams       []*ExposedElement
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
	RevenueStreams   []*RevenueStream
	Costs            []*Cost
	AllocatedRevenue float64
	AllocatedCost    float64
	Margin           float64
	UnknownAmounts   int
	Rollup           *Rollup
}

// Rollup is a whole value proposition's figures with those of its parts.
type Rollup struct {
	Parts            []*ValueProposition
	AllocatedRevenue float64
	AllocatedCost    float64
	Margin           float64
	UnknownAmounts   int
}

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
		out[i] = &ExposedElement{Element: a.elem(r.Key), Distance: r.Distance, Path: a.steps(r.Path), ShareLost: r.ShareLost}
	}
	return out
}

func (a *analysed) revenue(r analysis.Revenue) *Revenue {
	return &Revenue{Amount: r.Amount, Streams: typed[*RevenueStream](a, r.Streams), UnknownAmounts: r.UnknownAmounts}
}

func (a *analysed) exposure(x *analysis.ExposureReport) *Exposure {
	return &Exposure{
		Source: a.elem(x.Element), Scope: a.elems(x.Scope), CutOff: a.elems(x.CutOff),
		Failed: a.reached(x.Failed), Weakened: a.reached(x.Weakened),
		RevenueAtRisk: a.revenue(x.RevenueAtRisk), RevenueWeakened: a.revenue(x.RevenueWeakened),
		Currency: currency(a.snap),
	}
}

func (a *analysed) singleSource(ss []analysis.SingleSource) []*SingleSourceExposure {
	out := make([]*SingleSourceExposure, len(ss))
	for i, s := range ss {
		out[i] = &SingleSourceExposure{Partner: a.elem(s.Partner).(*KeyPartner), CutOff: a.elems(s.CutOff), RevenueAtRisk: a.revenue(s.RevenueAtRisk), Streams: a.reached(s.Streams)}
	}
	return out
}

func (a *analysed) vpEconomics(v *analysis.VPEconomics) *ValuePropositionEconomics {
	out := &ValuePropositionEconomics{
		ValueProposition: a.elem(v.Key).(*ValueProposition),
		RevenueStreams:   typed[*RevenueStream](a, v.RevenueStreams), Costs: typed[*Cost](a, v.Costs),
		AllocatedRevenue: v.AllocatedRevenue, AllocatedCost: v.AllocatedCost, Margin: v.Margin, UnknownAmounts: v.UnknownAmounts,
	}
	if r := v.Rollup; r != nil {
		out.Rollup = &Rollup{Parts: typed[*ValueProposition](a, r.Parts), AllocatedRevenue: r.AllocatedRevenue, AllocatedCost: r.AllocatedCost, Margin: r.Margin, UnknownAmounts: r.UnknownAmounts}
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
