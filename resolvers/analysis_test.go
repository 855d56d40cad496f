package resolvers_test

import (
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
)

// analysisModel imports a model file of graph/analysis/testdata under a fresh key, after edit.
func analysisModel(t *testing.T, name string, edit func(*graph.File)) string {
	t.Helper()
	data, err := os.ReadFile("../graph/analysis/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	f, err := graph.ParseFile(data, graph.YAML)
	if err != nil {
		t.Fatal(err)
	}
	f.Model.Key = graphtest.ModelKey(t)
	if edit != nil {
		edit(f)
	}
	if _, err := graphtest.Store(t).Import(context.Background(), f, graph.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	return f.Model.Key
}

// ask runs a query on model $m and compares the data with want (JSON as the server prints it).
func ask(t *testing.T, a *api, model, query, want string) {
	t.Helper()
	res := a.do(t, context.Background(), query, map[string]any{"m": model})
	if len(res.Errors) > 0 || string(res.Data) != want {
		t.Errorf("%s\ngot  %s %+v\nwant %s", query, res.Data, res.Errors, want)
	}
}

// The bike maker (graph/analysis/testdata/exposure.yaml), worked by hand from DOMAIN.md:
//   - p-steel is the sole supplier of res-steel without a share (share 1, not replaceable): cut off.
//   - res-alloy: p-steel 0.6 of it, p-other 0.4: weakened, shareLost 0.6.
//   - tech-mill: p-other 0.5, p-steel and p-third without a share get (1-0.5)/2 = 0.25 each:
//     weakened, shareLost 0.25.
//   - res-bolts: substitutable, so replaceable: nothing at risk.
//
// failed: cost-contract (INCURS) and res-steel at 1, act-forge 2, vp-frames 3, seg-builders and
// rev-frames 4, rev-service 5 (the segment generates it). weakened: res-alloy and tech-mill 1,
// proc-mill and vp-wheels 2, rev-wheels 3 (seg-builders has failed already).
func TestExposureThroughGraphQL(t *testing.T) {
	t.Parallel()
	a := newAPI(t, graphtest.Store(t))
	m := analysisModel(t, "exposure.yaml", nil)
	ask(t, a, m, `query($m: ID!) { exposure(model: $m, key: "p-steel") {
  source { key } scope { key } cutOff { key }
  failed { element { key } distance }
  weakened { element { key } distance shareLost }
  revenueAtRisk { amount streams { key } unknownAmounts }
  revenueWeakened { amount streams { key } unknownAmounts }
} }`, `{"exposure":{"source":{"key":"p-steel"},"scope":[{"key":"p-steel"}],"cutOff":[{"key":"res-steel"}],`+
		`"failed":[{"element":{"key":"cost-contract"},"distance":1},{"element":{"key":"res-steel"},"distance":1},{"element":{"key":"act-forge"},"distance":2},{"element":{"key":"vp-frames"},"distance":3},{"element":{"key":"seg-builders"},"distance":4},{"element":{"key":"rev-frames"},"distance":4},{"element":{"key":"rev-service"},"distance":5}],`+
		`"weakened":[{"element":{"key":"res-alloy"},"distance":1,"shareLost":0.6},{"element":{"key":"tech-mill"},"distance":1,"shareLost":0.25},{"element":{"key":"proc-mill"},"distance":2,"shareLost":null},{"element":{"key":"vp-wheels"},"distance":2,"shareLost":null},{"element":{"key":"rev-wheels"},"distance":3,"shareLost":null}],`+
		`"revenueAtRisk":{"amount":1000,"streams":[{"key":"rev-frames"},{"key":"rev-service"}],"unknownAmounts":1},`+
		`"revenueWeakened":{"amount":500,"streams":[{"key":"rev-wheels"}],"unknownAmounts":0}}}`)

	// The explaining path of a failed stream, with the relationships' properties.
	ask(t, a, m, `query($m: ID!) { exposure(model: $m, key: "p-steel", maxDepth: 4) { failed { element { key } path { from { key } type to { key } } } } }`,
		`{"exposure":{"failed":[{"element":{"key":"cost-contract"},"path":[{"from":{"key":"p-steel"},"type":"INCURS","to":{"key":"cost-contract"}}]},`+
			`{"element":{"key":"res-steel"},"path":[{"from":{"key":"p-steel"},"type":"SUPPLIES","to":{"key":"res-steel"}}]},`+
			`{"element":{"key":"act-forge"},"path":[{"from":{"key":"p-steel"},"type":"SUPPLIES","to":{"key":"res-steel"}},{"from":{"key":"res-steel"},"type":"SUPPORTS","to":{"key":"act-forge"}}]},`+
			`{"element":{"key":"vp-frames"},"path":[{"from":{"key":"p-steel"},"type":"SUPPLIES","to":{"key":"res-steel"}},{"from":{"key":"res-steel"},"type":"SUPPORTS","to":{"key":"act-forge"}},{"from":{"key":"act-forge"},"type":"SUPPORTS","to":{"key":"vp-frames"}}]},`+
			`{"element":{"key":"seg-builders"},"path":[{"from":{"key":"p-steel"},"type":"SUPPLIES","to":{"key":"res-steel"}},{"from":{"key":"res-steel"},"type":"SUPPORTS","to":{"key":"act-forge"}},{"from":{"key":"act-forge"},"type":"SUPPORTS","to":{"key":"vp-frames"}},{"from":{"key":"vp-frames"},"type":"TARGETS","to":{"key":"seg-builders"}}]},`+
			`{"element":{"key":"rev-frames"},"path":[{"from":{"key":"p-steel"},"type":"SUPPLIES","to":{"key":"res-steel"}},{"from":{"key":"res-steel"},"type":"SUPPORTS","to":{"key":"act-forge"}},{"from":{"key":"act-forge"},"type":"SUPPORTS","to":{"key":"vp-frames"}},{"from":{"key":"vp-frames"},"type":"GENERATES","to":{"key":"rev-frames"}}]}]}}`)

	// A share on the step's relationship is there to read.
	ask(t, a, m, `query($m: ID!) { exposure(model: $m, key: "p-steel", maxDepth: 1) { weakened { path { properties } } } }`,
		`{"exposure":{"weakened":[{"path":[{"properties":{"share":0.6}}]},{"path":[{"properties":{}}]}]}}`)

	// Partners that cut off something on their own: p-steel puts 1000 at risk, p-paint (sole
	// supplier of res-paint, behind vp-wheels) 500 and rev-service without an amount; p-acme and
	// p-glue cut off resources that no revenue depends on, so they come last, by key.
	ask(t, a, m, `query($m: ID!) { singleSourceExposure(model: $m) { partner { key } cutOff { key } revenueAtRisk { amount unknownAmounts } streams { element { key } distance } } }`,
		`{"singleSourceExposure":[`+
			`{"partner":{"key":"p-steel"},"cutOff":[{"key":"res-steel"}],"revenueAtRisk":{"amount":1000,"unknownAmounts":1},"streams":[{"element":{"key":"rev-frames"},"distance":4},{"element":{"key":"rev-service"},"distance":5}]},`+
			`{"partner":{"key":"p-paint"},"cutOff":[{"key":"res-paint"}],"revenueAtRisk":{"amount":500,"unknownAmounts":1},"streams":[{"element":{"key":"rev-wheels"},"distance":3},{"element":{"key":"rev-service"},"distance":4}]},`+
			`{"partner":{"key":"p-acme"},"cutOff":[{"key":"res-acme"}],"revenueAtRisk":{"amount":0,"unknownAmounts":0},"streams":[]},`+
			`{"partner":{"key":"p-glue"},"cutOff":[{"key":"res-glue"}],"revenueAtRisk":{"amount":0,"unknownAmounts":0},"streams":[]}]}`)
}

// Alignment on the bike maker, worked by hand: no channel delivers vp-frames or vp-wheels
// (VP_NO_CHANNEL twice); nothing realizes act-forge (ACTIVITY_UNREALIZED); every cost has a
// driver (no COST_UNDRIVEN). SINGLE_SOURCE: p-steel cuts off res-steel, behind vp-frames.
func TestAlignmentThroughGraphQL(t *testing.T) {
	t.Parallel()
	a := newAPI(t, graphtest.Store(t))
	m := analysisModel(t, "exposure.yaml", nil)
	const rules = `rules: ["VP_NO_CHANNEL", "ACTIVITY_UNREALIZED", "COST_UNDRIVEN"]`
	ask(t, a, m, `query($m: ID!) { alignment(model: $m, `+rules+`, first: 2) { totalCount pageInfo { hasNextPage } nodes { rule severity element { key } kindNamed related { key } } } }`,
		`{"alignment":{"totalCount":3,"pageInfo":{"hasNextPage":true},"nodes":[`+
			`{"rule":"ACTIVITY_UNREALIZED","severity":"WARNING","element":{"key":"act-forge"},"kindNamed":"KeyActivity","related":[]},`+
			`{"rule":"VP_NO_CHANNEL","severity":"WARNING","element":{"key":"vp-frames"},"kindNamed":"ValueProposition","related":[]}]}}`)

	res := a.do(t, context.Background(), `query($m: ID!) { alignment(model: $m, `+rules+`, first: 2) { pageInfo { endCursor } } }`, map[string]any{"m": m})
	var page struct {
		Alignment struct{ PageInfo struct{ EndCursor string } }
	}
	decode(t, res, &page)
	res = a.do(t, context.Background(), `query($m: ID!, $after: String) { alignment(model: $m, `+rules+`, after: $after) { totalCount pageInfo { hasNextPage } nodes { element { key } } } }`,
		map[string]any{"m": m, "after": page.Alignment.PageInfo.EndCursor})
	if want := `{"alignment":{"totalCount":3,"pageInfo":{"hasNextPage":false},"nodes":[{"element":{"key":"vp-wheels"}}]}}`; len(res.Errors) > 0 || string(res.Data) != want {
		t.Errorf("second page: %s %+v, want %s", res.Data, res.Errors, want)
	}

	ask(t, a, m, `query($m: ID!) { model(key: $m) { alignmentSummary(`+rules+`) { total bySeverity { severity count } byRule { rule severity count } } } }`,
		`{"model":{"alignmentSummary":{"total":3,"bySeverity":[{"severity":"WARNING","count":3}],"byRule":[{"rule":"ACTIVITY_UNREALIZED","severity":"WARNING","count":1},{"rule":"VP_NO_CHANNEL","severity":"WARNING","count":2}]}}}`)

	// Per element, with all rules: the single-source finding names the partner, then the value
	// proposition behind the cut-off resource.
	ask(t, a, m, `query($m: ID!) { a: element(model: $m, key: "act-forge") { findings { rule } } r: element(model: $m, key: "res-steel") { findings { rule severity related { key } } } }`,
		`{"a":{"findings":[{"rule":"ACTIVITY_UNREALIZED"}]},"r":{"findings":[{"rule":"SINGLE_SOURCE","severity":"WARNING","related":[{"key":"p-steel"},{"key":"vp-frames"}]}]}}`)

	// Bad arguments are refused with a code.
	for _, q := range []string{
		`query($m: ID!) { alignment(model: $m, rules: ["NO_SUCH_RULE"]) { totalCount } }`,
		`query($m: ID!) { alignment(model: $m, after: "garbage") { totalCount } }`,
		`query($m: ID!) { alignment(model: $m, first: 501) { totalCount } }`,
		`query($m: ID!) { exposure(model: $m, key: "p-steel", maxDepth: 0) { cutOff { key } } }`,
	} {
		res := a.do(t, context.Background(), q, map[string]any{"m": m})
		if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
			t.Errorf("%s: %+v, want one BAD_USER_INPUT", q, res.Errors)
		}
	}
	res = a.do(t, context.Background(), `query($m: ID!) { exposure(model: $m, key: "nobody") { cutOff { key } } }`, map[string]any{"m": m})
	if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "NOT_FOUND" {
		t.Errorf("exposure of a missing element: %+v, want NOT_FOUND", res.Errors)
	}
}

// Economics of the box club (graph/analysis/testdata/economics.yaml), worked by hand:
//   - vp-a earns rev-a (100) and rev-shared (900, through seg-s, shared with vp-b): 100 + 450.
//   - vp-b earns rev-shared (450) and rev-shop (300, generated by ch-shop, which delivers vp-b).
//   - vp-c earns rev-c (no amount); economics does not follow its PART_OF to vp-a.
//   - proc-x realizes vp-a and vp-b: cost-shared 600 and cost-fn 120 (of fn-ops, which proc-x is
//     part of) split in two, and cost-unknown (no amount): 360 each. proc-y: cost-c 50 for vp-c.
//   - rollup of vp-a with its part vp-c: 550 - 410 = 140, two unknown amounts.
//   - rev-lost is earned by no value proposition (unallocated), set here to 38500000 to see the
//     amount printed as a plain number; payroll (1000) is an overhead.
func TestEconomicsThroughGraphQL(t *testing.T) {
	t.Parallel()
	a := newAPI(t, graphtest.Store(t))
	m := analysisModel(t, "economics.yaml", func(f *graph.File) {
		for i := range f.Elements {
			if f.Elements[i].Key == "rev-lost" {
				f.Elements[i].Properties["annualAmount"] = 38500000.0
			}
		}
	})
	ask(t, a, m, `query($m: ID!) { economics(model: $m) {
  currency maxDepth revenue cost margin unallocatedStreams { key annualAmount } unallocatedRevenue overheads { key } overheadCost unknownAmounts
  valuePropositions { valueProposition { key } revenueStreams { key } costs { key } allocatedRevenue allocatedCost margin unknownAmounts rollup { parts { key } allocatedRevenue allocatedCost margin unknownAmounts } }
} }`, `{"economics":{"currency":"EUR","maxDepth":6,"revenue":1300,"cost":770,"margin":530,"unallocatedStreams":[{"key":"rev-lost","annualAmount":38500000}],"unallocatedRevenue":38500000,"overheads":[{"key":"cost-payroll"}],"overheadCost":1000,"unknownAmounts":2,`+
		`"valuePropositions":[`+
		`{"valueProposition":{"key":"vp-a"},"revenueStreams":[{"key":"rev-a"},{"key":"rev-shared"}],"costs":[{"key":"cost-fn"},{"key":"cost-shared"},{"key":"cost-unknown"}],"allocatedRevenue":550,"allocatedCost":360,"margin":190,"unknownAmounts":1,"rollup":{"parts":[{"key":"vp-c"}],"allocatedRevenue":550,"allocatedCost":410,"margin":140,"unknownAmounts":2}},`+
		`{"valueProposition":{"key":"vp-b"},"revenueStreams":[{"key":"rev-shared"},{"key":"rev-shop"}],"costs":[{"key":"cost-fn"},{"key":"cost-shared"},{"key":"cost-unknown"}],"allocatedRevenue":750,"allocatedCost":360,"margin":390,"unknownAmounts":1,"rollup":null},`+
		`{"valueProposition":{"key":"vp-c"},"revenueStreams":[{"key":"rev-c"}],"costs":[{"key":"cost-c"}],"allocatedRevenue":0,"allocatedCost":50,"margin":-50,"unknownAmounts":1,"rollup":null}]}}`)

	ask(t, a, m, `query($m: ID!) { element(model: $m, key: "vp-b") { ... on ValueProposition { economics { allocatedRevenue allocatedCost margin } } } model(key: $m) { currency } }`,
		`{"element":{"economics":{"allocatedRevenue":750,"allocatedCost":360,"margin":390}},"model":{"currency":"EUR"}}`)
}

// Impact conveniences on the bike maker with two watchers added by hand: the buyer is
// Accountable for the steel mill, quality is Informed of it and Responsible for vp-frames.
// impact(p-steel) follows every SUPPLIES, the replaceable one too: rev-frames (1000, through
// res-bolts at 3 hops), rev-wheels (500, 3 hops) and rev-service (no amount, 4 hops) are affected,
// and the steel contract (300).
func TestImpactKindsAmountsRaci(t *testing.T) {
	t.Parallel()
	a := newAPI(t, graphtest.Store(t))
	m := analysisModel(t, "exposure.yaml", func(f *graph.File) {
		f.Elements = append(f.Elements,
			graph.Element{Key: "role-buyer", Kind: graph.Role, Name: "Buyer"},
			graph.Element{Key: "org-qa", Kind: graph.OrgUnit, Name: "Quality"})
		f.Relationships = append(f.Relationships,
			graph.Relationship{From: "role-buyer", Type: graph.InvolvedIn, To: "p-steel", Properties: map[string]any{"raci": "A"}},
			graph.Relationship{From: "org-qa", Type: graph.InvolvedIn, To: "p-steel", Properties: map[string]any{"raci": "I"}},
			graph.Relationship{From: "org-qa", Type: graph.InvolvedIn, To: "vp-frames", Properties: map[string]any{"raci": "R"}})
	})
	ask(t, a, m, `query($m: ID!) { impact(model: $m, key: "p-steel") {
  affected(kinds: [RevenueStream]) { element { key } distance }
  amounts { kind amount count unknownAmounts }
  attached { element { key } raci }
} }`, `{"impact":{"affected":[{"element":{"key":"rev-frames"},"distance":3},{"element":{"key":"rev-wheels"},"distance":3},{"element":{"key":"rev-service"},"distance":4}],`+
		`"amounts":[{"kind":"RevenueStream","amount":1500,"count":3,"unknownAmounts":1},{"kind":"Cost","amount":300,"count":1,"unknownAmounts":0}],`+
		`"attached":[{"element":{"key":"org-qa"},"raci":["R","I"]},{"element":{"key":"role-buyer"},"raci":["A"]}]}}`)
}

func decode(t *testing.T, res gqlResponse, v any) {
	t.Helper()
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %+v", res.Errors)
	}
	if err := json.Unmarshal(res.Data, v); err != nil {
		t.Fatal(err)
	}
}
