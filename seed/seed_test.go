package seed_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/analysis"
	"github.com/modelgraph/modelgraph/graph/engine"
	"github.com/modelgraph/modelgraph/seed"
)

func model(t *testing.T, name string) (*engine.Model, *graph.File) {
	t.Helper()
	f, err := seed.File(name)
	if err != nil {
		t.Fatal(err)
	}
	m, err := engine.FromFile(f)
	if err != nil {
		t.Fatal(err)
	}
	return m, f
}

// demoFindings are the findings docs/demo-models.md explains, worked out from the files: per rule
// the elements it fires on (for UNMEASURED only the count), and SINGLE_SOURCE's related elements.
var demoFindings = map[string]struct {
	elements map[string][]string
	related  []string // of the one SINGLE_SOURCE finding
	total    int
}{
	"lemonade-stand.yaml": {
		elements: map[string][]string{
			"SINGLE_SOURCE": {"res-fresh-lemons"},
			// 12 processes; the founder is A for mixing and the tea trials, the bookkeeper for
			// cashing up, and no function has an A to inherit.
			"PROCESS_NO_OWNER": {"proc-brew-tea", "proc-buy-supplies", "proc-chill-and-carry", "proc-jug-orders", "proc-make-syrup", "proc-serve-customers", "proc-set-up-stand", "proc-squeeze-lemons", "proc-take-payment"},
		},
		related: []string{"partner-corner-greengrocer", "vp-fresh-lemonade", "vp-iced-tea"},
		total:   1 + 9 + 11, // UNMEASURED: 11 of 12 processes (serving is measured), both drinks are
	},
	"sportswear-retailer.yaml": {
		elements: map[string][]string{
			"SINGLE_SOURCE":    {"res-coolweave-fabric"},
			"VP_NO_REVENUE":    {"vp-european-quality-fair-price"},
			"PROCESS_NO_OWNER": {"proc-fabric-cutting", "proc-footwear-assembly", "proc-garment-making", "proc-help-centre-content", "proc-sewing-assembly", "proc-specialist-resolution", "proc-wear-testing"},
			"FUNCTION_EMPTY":   {"fn-human-resources", "fn-information-technology"},
		},
		// The fabric supports only the heat range and its modest line.
		related: []string{"partner-coolweave-mill", "vp-hot-climate-apparel", "vp-modest-activewear"},
		total:   1 + 1 + 7 + 2 + 30, // UNMEASURED: 26 processes and 4 value propositions
	},
	"subscription-software.yaml": {
		elements: map[string][]string{
			"SINGLE_SOURCE":    {"tech-cloud-infrastructure"},
			"PROCESS_ORPHANED": {"proc-collect-payment", "proc-invoice-customers"},
			"PROCESS_NO_OWNER": {"proc-design-feature", "proc-expand-account", "proc-maintain-knowledge-base", "proc-monitor-service", "proc-onboard-customer", "proc-provision-workspace", "proc-run-discovery-demo"},
		},
		related: []string{"partner-cloud-host", "vp-connected-tools", "vp-expert-help", "vp-no-code-automation", "vp-reliable-hosted-service"},
		total:   1 + 2 + 7 + 20, // UNMEASURED: 16 processes and 4 value propositions
	},
	"marketplace.yaml": {
		elements: map[string][]string{
			"SINGLE_SOURCE":    {"tech-payments-platform"},
			"PROCESS_ORPHANED": {"proc-reconcile-payments", "proc-report-seller-income"},
			"PROCESS_NO_OWNER": {"proc-checkout-order", "proc-create-listing", "proc-generate-shipping-label", "proc-help-centre-self-service", "proc-search-browse", "proc-set-up-ad-campaign", "proc-ship-order"},
			"FUNCTION_EMPTY":   {"fn-people"},
		},
		related: []string{"partner-payments-processor", "vp-easy-selling-tools", "vp-fast-payouts", "vp-personalised-discovery", "vp-promoted-visibility", "vp-safe-checkout", "vp-unique-finds"},
		total:   1 + 2 + 7 + 1 + 19, // UNMEASURED: 13 processes and 6 value propositions
	},
}

// Every demo model shows at least three rules firing, none of them an ERROR, and exactly the
// findings its page explains.
func TestDemoFindings(t *testing.T) {
	if got := len(seed.Names()); got != len(demoFindings) {
		t.Fatalf("%d demo models, %d described here", got, len(demoFindings))
	}
	for _, name := range seed.Names() {
		want := demoFindings[name]
		m, _ := model(t, name)
		fs, err := analysis.Alignment(m, analysis.Builtin(), analysis.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string][]string{}
		for _, f := range fs {
			if f.Severity == analysis.Error {
				t.Errorf("%s: ERROR %s on %s", name, f.Rule, f.Element)
			}
			if f.Rule == "SINGLE_SOURCE" && !slices.Equal(f.Related, want.related) {
				t.Errorf("%s: SINGLE_SOURCE related %v, want %v", name, f.Related, want.related)
			}
			if f.Rule != "UNMEASURED" {
				got[f.Rule] = append(got[f.Rule], f.Element)
			}
		}
		for rule, keys := range want.elements {
			if !slices.Equal(got[rule], keys) {
				t.Errorf("%s: %s on %v, want %v", name, rule, got[rule], keys)
			}
		}
		for rule := range got {
			if _, ok := want.elements[rule]; !ok {
				t.Errorf("%s: unexpected %s on %v", name, rule, got[rule])
			}
		}
		if rules := len(got) + 1; rules < 3 || len(fs) != want.total { // + UNMEASURED
			t.Errorf("%s: %d findings of %d rules, want %d of at least 3", name, len(fs), rules, want.total)
		}
	}
}

// Exposure of the CoolWeave mill, by hand from DOMAIN.md: its only non-substitutable supply (share
// 1.0) cuts the fabric off; the fabric supports the heat range and its modest line, which target
// three segments (in two regions) and generate apparel sales; the Gulf runners generate the Plus
// fees. Footwear and team kits are made from recycled polyester and are not reached.
func TestSportswearMillExposure(t *testing.T) {
	m, _ := model(t, "sportswear-retailer.yaml")
	x, err := analysis.Exposure(m, "partner-coolweave-mill", 6)
	if err != nil {
		t.Fatal(err)
	}
	var failed []string
	for _, r := range x.Failed {
		failed = append(failed, fmt.Sprintf("%d %s", r.Distance, r.Key))
	}
	slices.Sort(failed)
	want := []string{
		"1 cost-fabric-and-materials", "1 res-coolweave-fabric",
		"2 vp-hot-climate-apparel", "2 vp-modest-activewear",
		"3 rev-apparel-sales", "3 seg-african-student-athletes", "3 seg-gulf-urban-runners", "3 seg-modest-active-women",
		"4 rev-club-plus-membership", "4 seg-african-consumers", "4 seg-middle-east-consumers",
	}
	if !slices.Equal(failed, want) {
		t.Errorf("failed %v\nwant %v", failed, want)
	}
	if !slices.Equal(x.CutOff, []string{"res-coolweave-fabric"}) || len(x.Weakened) != 0 {
		t.Errorf("cut off %v, weakened %v; want the fabric and nothing", x.CutOff, x.Weakened)
	}
	r := x.RevenueAtRisk
	if r.Amount != 38_500_000+1_100_000 || !slices.Equal(r.Streams, []string{"rev-apparel-sales", "rev-club-plus-membership"}) || r.UnknownAmounts != 0 {
		t.Errorf("revenue at risk %+v, want 39600000 from apparel sales and the Plus fees", r)
	}
	for _, f := range x.Failed {
		if f.Key == "rev-club-plus-membership" {
			if got := pathString(f.Path); got != "partner-coolweave-mill SUPPLIES res-coolweave-fabric SUPPORTS vp-hot-climate-apparel TARGETS seg-gulf-urban-runners GENERATES rev-club-plus-membership" {
				t.Errorf("path to the Plus fees: %s", got)
			}
		}
	}
}

func pathString(p []analysis.Step) string {
	var b strings.Builder
	for i, s := range p {
		if i == 0 {
			b.WriteString(s.From)
		}
		fmt.Fprintf(&b, " %s %s", s.Type, s.To)
	}
	return b.String()
}

// Each demo model has one single-source partner. The lemonade stand, the SaaS and the marketplace
// lose every stream with theirs (the amount is the sum of all streams in the file); the sportswear
// retailer loses apparel sales and the Plus fees. No other partner cuts anything off.
func TestDemoSingleSources(t *testing.T) {
	want := map[string]struct {
		partner, cutOff string
		all             bool
		amount          float64
	}{
		"lemonade-stand.yaml":        {"partner-corner-greengrocer", "res-fresh-lemons", true, 1500 + 600 + 450},
		"sportswear-retailer.yaml":   {"partner-coolweave-mill", "res-coolweave-fabric", false, 39_600_000},
		"subscription-software.yaml": {"partner-cloud-host", "tech-cloud-infrastructure", true, 0},
		"marketplace.yaml":           {"partner-payments-processor", "tech-payments-platform", true, 0},
	}
	for _, name := range seed.Names() {
		w := want[name]
		m, f := model(t, name)
		if w.all {
			w.amount = 0
			for _, e := range f.Elements {
				if e.Kind == graph.RevenueStream {
					w.amount += amount(t, e.Properties["annualAmount"])
				}
			}
		}
		ss := analysis.SingleSourceExposure(m)
		if len(ss) != 1 || ss[0].Partner != w.partner || !slices.Equal(ss[0].CutOff, []string{w.cutOff}) || ss[0].RevenueAtRisk.Amount != w.amount {
			t.Errorf("%s: single sources %+v, want %s cutting off %s with %v at risk", name, ss, w.partner, w.cutOff, w.amount)
		}
	}
}

// Every other sportswear partner's supply is substitutable: its exposure cuts nothing off,
// weakens nothing and puts no revenue at risk.
func TestSportswearOtherPartnersReplaceable(t *testing.T) {
	m, f := model(t, "sportswear-retailer.yaml")
	n := 0
	for _, e := range f.Elements {
		if e.Kind != graph.KeyPartner || e.Key == "partner-coolweave-mill" {
			continue
		}
		n++
		x, err := analysis.Exposure(m, e.Key, 6)
		if err != nil {
			t.Fatal(err)
		}
		if len(x.CutOff) != 0 || len(x.Weakened) != 0 || x.RevenueAtRisk.Amount != 0 {
			t.Errorf("%s: cut off %v, weakened %d, revenue at risk %v", e.Key, x.CutOff, len(x.Weakened), x.RevenueAtRisk.Amount)
		}
	}
	if n != 10 {
		t.Errorf("%d other partners, want 10", n)
	}
}

func amount(t *testing.T, v any) float64 {
	t.Helper()
	switch n := v.(type) {
	case int:
		return float64(n)
	case int64:
		return float64(n)
	case uint64:
		return float64(n)
	case float64:
		return n
	}
	t.Fatalf("annualAmount %#v is not a number", v)
	return 0
}

// The edits docs/analysis.md names to wake the rules that are quiet on the demo models: deleting
// one relationship adds exactly the findings it says, worked out from the rules' definitions.
func TestDocumentedEditsWakeQuietRules(t *testing.T) {
	for _, c := range []struct {
		file     string
		drop     graph.Relationship
		appeared []string
	}{
		// seg-schools-and-clubs keeps TARGETS from a channel and a customer relationship, which
		// SEGMENT_UNSERVED does not count; vp-team-kits is part of no whole.
		{"sportswear-retailer.yaml", graph.Relationship{From: "vp-team-kits", Type: graph.Targets, To: "seg-schools-and-clubs"},
			[]string{"SEGMENT_UNSERVED seg-schools-and-clubs", "VP_NO_SEGMENT vp-team-kits"}},
		{"lemonade-stand.yaml", graph.Relationship{From: "ch-sidewalk-stand", Type: graph.Incurs, To: "cost-street-permit"},
			[]string{"COST_UNDRIVEN cost-street-permit"}},
	} {
		_, f := model(t, c.file)
		before := findingSet(t, f)
		n := len(f.Relationships)
		f.Relationships = slices.DeleteFunc(f.Relationships, func(r graph.Relationship) bool {
			return r.From == c.drop.From && r.Type == c.drop.Type && r.To == c.drop.To
		})
		if len(f.Relationships) != n-1 {
			t.Fatalf("%s: %v is not in the file", c.file, c.drop)
		}
		var appeared []string
		for k := range findingSet(t, f) {
			if !before[k] {
				appeared = append(appeared, k)
			}
		}
		slices.Sort(appeared)
		if !slices.Equal(appeared, c.appeared) {
			t.Errorf("%s without %v: new findings %v, want %v", c.file, c.drop, appeared, c.appeared)
		}
	}
}

func findingSet(t *testing.T, f *graph.File) map[string]bool {
	t.Helper()
	m, err := engine.FromFile(f)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := analysis.Alignment(m, analysis.Builtin(), analysis.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, x := range fs {
		out[x.Rule+" "+x.Element] = true
	}
	return out
}
