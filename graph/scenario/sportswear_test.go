package scenario_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
	"github.com/modelgraph/modelgraph/graph/scenario"
	"github.com/modelgraph/modelgraph/graph/snapshots"
	"github.com/modelgraph/modelgraph/seed"
)

// TestSportswearSecondMill is the worked what-if of docs/scenarios.md on the sportswear demo: a
// second mill makes 40% of the CoolWeave fabric and fabric costs 300,000 more. By hand from
// DOMAIN.md: with shares 0.6 and 0.4, both not substitutable, neither mill loses the fabric 1 or
// more, so nothing is cut off: SINGLE_SOURCE on the fabric is resolved and the 39,600,000 the
// Taichung mill put at risk (apparel sales and the Plus fees, seed tests) falls to 0. The cost is
// reached by six value propositions, so each carries 50,000 more.
func TestSportswearSecondMill(t *testing.T) {
	store := graphtest.Store(t)
	ctx := graph.WithActor(context.Background(), "analyst")
	f, err := seed.File("sportswear-retailer.yaml")
	if err != nil {
		t.Fatal(err)
	}
	base := graphtest.ModelKey(t)
	f.Model.Key = base
	if _, err := store.Import(ctx, f, graph.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	svc := scenario.New(store, snapshots.New(store, snapshots.Options{}))
	s := base + "-second-mill"
	if _, err := store.CreateScenario(ctx, base, s, "License a second CoolWeave mill"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.UpsertElements(ctx, s, []graph.Element{{Key: "partner-busan-knit-mill", Kind: graph.KeyPartner, Name: "Busan knit mill", Description: "Licensed as a second producer of CoolWeave."}}); err != nil {
		t.Fatal(err)
	}
	for from, share := range map[string]float64{"partner-coolweave-mill": 0.6, "partner-busan-knit-mill": 0.4} {
		if _, _, err := svc.Link(ctx, s, graph.Relationship{From: from, Type: graph.Supplies, To: "res-coolweave-fabric", Properties: map[string]any{"share": share, "substitutable": false}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.UpdateElement(ctx, s, "cost-fabric-and-materials", graph.ElementPatch{Properties: map[string]any{"annualAmount": int64(9_800_000)}}, nil); err != nil {
		t.Fatal(err)
	}
	c, err := svc.Compare(ctx, scenario.Side{Model: base}, scenario.Side{Model: s}, nil)
	if err != nil {
		t.Fatal(err)
	}
	d := c.Delta
	if !slices.Equal(d.Added, []string{"partner-busan-knit-mill"}) || len(d.Changed) != 1 || d.Changed[0].Key != "cost-fabric-and-materials" ||
		len(d.RelAdded) != 1 || len(d.RelChanged) != 1 || len(d.Removed)+len(d.RelRemoved) != 0 || c.To.Revision() != 4 || c.From.Revision() != 1 {
		t.Fatalf("diff %+v (revisions %d, %d)", d, c.From.Revision(), c.To.Revision())
	}
	if len(c.Impacted) != 13 || len(c.Appeared) != 0 || len(c.Resolved) != 1 || c.Resolved[0].Rule != "SINGLE_SOURCE" || c.Resolved[0].Element != "res-coolweave-fabric" {
		t.Errorf("impacted %d, appeared %+v, resolved %+v", len(c.Impacted), c.Appeared, c.Resolved)
	}
	if c.RevenueAtRisk != (scenario.Change{Before: 39_600_000, After: 0}) || len(c.Exposure) != 1 || c.Exposure[0].Partner != "partner-coolweave-mill" {
		t.Errorf("revenue at risk %+v, exposure %+v", c.RevenueAtRisk, c.Exposure)
	}
	if len(c.Economics) != 6 {
		t.Errorf("economics of %d value propositions changed, want 6", len(c.Economics))
	}
	for _, v := range c.Economics {
		if got := v.After.AllocatedCost - v.Before.AllocatedCost; got < 49_999.99 || got > 50_000.01 {
			t.Errorf("%s carries %v more, want 50000", v.Key, got)
		}
	}
	if c.EconomicsTotals[1] != (scenario.Change{Before: 56_200_000, After: 56_500_000}) {
		t.Errorf("cost totals %+v", c.EconomicsTotals[1])
	}
	// The conflict of the doc: the model's fabric cost changed meanwhile to another amount.
	if _, err := store.UpdateElement(ctx, base, "cost-fabric-and-materials", graph.ElementPatch{Properties: map[string]any{"annualAmount": int64(9_700_000)}}, nil); err != nil {
		t.Fatal(err)
	}
	var ce *scenario.ConflictError
	if _, err := svc.Merge(ctx, s, false); !errors.As(err, &ce) || len(ce.Conflicts) != 1 || ce.Conflicts[0].Kind != scenario.SameField {
		t.Fatalf("merge over the cost change: %v", err)
	}
	if _, err := svc.UpdateElement(ctx, s, "cost-fabric-and-materials", graph.ElementPatch{Properties: map[string]any{"annualAmount": int64(9_700_000)}}, nil); err != nil {
		t.Fatal(err)
	}
	r, err := svc.Merge(ctx, s, false)
	if err != nil || !r.Applied || r.Created != 1 || r.Updated != 0 || r.RelationshipsCreated != 1 || r.RelationshipsUpdated != 1 {
		t.Fatalf("merge %+v %v", r, err)
	}
}
