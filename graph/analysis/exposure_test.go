package analysis

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/engine"
)

// show gives a reached element as "distance key (shareLost) via a>b>c", the path as its keys.
func show(r Reached) string {
	s := fmt.Sprintf("%d %s", r.Distance, r.Key)
	if r.ShareLost != nil {
		s += fmt.Sprintf(" (%.2f)", *r.ShareLost)
	}
	if r.Path != nil {
		keys := []string{}
		for i, st := range r.Path {
			if i == 0 {
				keys = append(keys, st.From)
			}
			keys = append(keys, st.To)
		}
		s += " via " + strings.Join(keys, ">")
	}
	return s
}

func shows(rs []Reached) []string {
	out := []string{}
	for _, r := range rs {
		out = append(out, show(r))
	}
	return out
}

// Exposure of p-steel in the bike maker (testdata/exposure.yaml), from DOMAIN.md:
//
// Shares of the SUPPLIES from p-steel:
//   - res-steel: its only supply, no share -> max(0, 1-0)/1 = 1; lost 1 -> cut off.
//   - res-alloy: share 0.6 (p-other has 0.4) -> lost 0.6 -> weakened, shareLost 0.6.
//   - res-bolts: substitutable -> replaceable, lost 0: neither cut off nor weakened.
//   - tech-mill: no share; p-other gives 0.5, p-third gives none -> the two without a share take
//     (1 - 0.5) / 2 = 0.25 each -> lost 0.25 -> weakened, shareLost 0.25 (the missing share).
//
// failed (SUPPLIES followed only into res-steel), by distance, kind name, key:
//
//	1 cost-contract (p-steel INCURS), 1 res-steel; 2 act-forge; 3 vp-frames;
//	4 seg-builders (CustomerSegment), 4 rev-frames (RevenueStream); 5 rev-service.
//
// revenueAtRisk: rev-frames 1000 + rev-service (no amount: 0, one unknown) = 1000.
//
// weakened: res-alloy and tech-mill at 1; from them vp-wheels (res-alloy SUPPORTS) and proc-mill
// (tech-mill SUPPORTS) at 2; rev-wheels at 3; seg-builders (3) and rev-service (4) are reached too
// but they have failed, so they are not weakened. revenueWeakened: rev-wheels 500.
func TestExposureOfPartner(t *testing.T) {
	m := load(t, "testdata/exposure.yaml")
	x, err := Exposure(m, "p-steel", 0)
	if err != nil {
		t.Fatal(err)
	}
	wantFailed := []string{
		"1 cost-contract via p-steel>cost-contract",
		"1 res-steel via p-steel>res-steel",
		"2 act-forge via p-steel>res-steel>act-forge",
		"3 vp-frames via p-steel>res-steel>act-forge>vp-frames",
		"4 seg-builders via p-steel>res-steel>act-forge>vp-frames>seg-builders",
		"4 rev-frames via p-steel>res-steel>act-forge>vp-frames>rev-frames",
		"5 rev-service via p-steel>res-steel>act-forge>vp-frames>seg-builders>rev-service",
	}
	wantWeakened := []string{
		"1 res-alloy (0.60) via p-steel>res-alloy",
		"1 tech-mill (0.25) via p-steel>tech-mill",
		"2 proc-mill via p-steel>tech-mill>proc-mill",
		"2 vp-wheels via p-steel>res-alloy>vp-wheels",
		"3 rev-wheels via p-steel>res-alloy>vp-wheels>rev-wheels",
	}
	if got := shows(x.Failed); !slices.Equal(got, wantFailed) {
		t.Errorf("failed:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantFailed, "\n"))
	}
	if got := shows(x.Weakened); !slices.Equal(got, wantWeakened) {
		t.Errorf("weakened:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantWeakened, "\n"))
	}
	if !slices.Equal(x.CutOff, []string{"res-steel"}) || !slices.Equal(x.Scope, []string{"p-steel"}) || x.MaxDepth != 6 {
		t.Errorf("cut off %v, scope %v, depth %d", x.CutOff, x.Scope, x.MaxDepth)
	}
	if r := x.RevenueAtRisk; r.Amount != 1000 || !slices.Equal(r.Streams, []string{"rev-frames", "rev-service"}) || r.UnknownAmounts != 1 {
		t.Errorf("revenue at risk %+v, want 1000 from rev-frames and rev-service, 1 unknown", r)
	}
	if r := x.RevenueWeakened; r.Amount != 500 || !slices.Equal(r.Streams, []string{"rev-wheels"}) || r.UnknownAmounts != 0 {
		t.Errorf("revenue weakened %+v, want 500 from rev-wheels", r)
	}
}

// Within 3 hops of p-steel: failed stops at vp-frames (no stream at risk). seg-builders, failed
// at 4 above, is now out of failed's reach, so weakened keeps it: vp-wheels -TARGETS-> it at 3,
// next to rev-wheels (CustomerSegment before RevenueStream).
func TestExposureDepth(t *testing.T) {
	m := load(t, "testdata/exposure.yaml")
	x, err := Exposure(m, "p-steel", 3)
	if err != nil {
		t.Fatal(err)
	}
	var failed, weak []string
	for _, r := range x.Failed {
		failed = append(failed, r.Key)
	}
	for _, r := range x.Weakened {
		weak = append(weak, r.Key)
	}
	if !slices.Equal(failed, []string{"cost-contract", "res-steel", "act-forge", "vp-frames"}) || x.RevenueAtRisk.Amount != 0 || len(x.RevenueAtRisk.Streams) != 0 {
		t.Errorf("failed within 3: %v, revenue %+v", failed, x.RevenueAtRisk)
	}
	if !slices.Equal(weak, []string{"res-alloy", "tech-mill", "proc-mill", "vp-wheels", "seg-builders", "rev-wheels"}) {
		t.Errorf("weakened within 3: %v", weak)
	}
	if _, err := Exposure(m, "p-steel", -1); !errors.Is(err, graph.ErrInvalid) {
		t.Errorf("negative depth: %v", err)
	}
	if _, err := Exposure(m, "p-nobody", 0); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("unknown element: %v", err)
	}
}

// Without SUPPLIES in play, failed is impact's affected set, with the same distances and paths.
func TestExposureWithoutSuppliesIsImpact(t *testing.T) {
	for _, path := range []string{"testdata/exposure.yaml", "testdata/alignment.yaml", "../../seed/sportswear-retailer.yaml"} {
		m := load(t, path)
		for _, id := range m.Elements() {
			if m.Kind(id) == graph.KeyPartner {
				continue
			}
			x, err := Exposure(m, m.Key(id), 0)
			if err != nil {
				t.Fatal(err)
			}
			im, _ := m.Impact(id, engine.ImpactOptions{Paths: true})
			var want []string
			for _, r := range im.Affected {
				want = append(want, fmt.Sprintf("%d %s", r.Distance, m.Key(r.ID)))
			}
			var got []string
			for _, r := range x.Failed {
				got = append(got, fmt.Sprintf("%d %s", r.Distance, r.Key))
				if len(r.Path) != r.Distance {
					t.Errorf("%s: path to %s has %d steps for distance %d", m.Key(id), r.Key, len(r.Path), r.Distance)
				}
			}
			if !slices.Equal(got, want) || len(x.Weakened) != 0 {
				t.Errorf("%s in %s: failed %v, impact %v; weakened %v", m.Key(id), path, got, want, x.Weakened)
			}
		}
	}
}

// Single-source exposure of the bike maker: p-steel cuts off res-steel (1000 at risk, above);
// p-paint cuts off res-paint -> vp-wheels (2) -> rev-wheels (3, 500) and seg-builders (3) ->
// rev-service (4, no amount): 500; p-glue and p-acme (share 1) cut off a resource that supports
// nothing: 0, ordered by key. p-other (0.4 of res-alloy, 0.5 of tech-mill) and p-third (0.25 of
// tech-mill) cut nothing off and are not listed.
func TestSingleSourceExposure(t *testing.T) {
	m := load(t, "testdata/exposure.yaml")
	ss := SingleSourceExposure(m)
	var got []string
	for _, s := range ss {
		got = append(got, fmt.Sprintf("%s %v %.0f %v %d", s.Partner, s.CutOff, s.RevenueAtRisk.Amount, s.RevenueAtRisk.Streams, s.RevenueAtRisk.UnknownAmounts))
	}
	want := []string{
		"p-steel [res-steel] 1000 [rev-frames rev-service] 1",
		"p-paint [res-paint] 500 [rev-service rev-wheels] 1",
		"p-acme [res-acme] 0 [] 0",
		"p-glue [res-glue] 0 [] 0",
	}
	if !slices.Equal(got, want) {
		t.Errorf("single-source exposure:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got := shows(ss[1].Streams); !slices.Equal(got, []string{"3 rev-wheels via p-paint>res-paint>vp-wheels>rev-wheels", "4 rev-service via p-paint>res-paint>vp-wheels>seg-builders>rev-service"}) {
		t.Errorf("p-paint's streams at risk: %v", got)
	}
}

// t1 is half supplied by p (weakened on its own), but t2, which p alone supplies, SUPPORTS it: t1
// fails at 2 through t2, so it is failed (without shareLost), not weakened.
func TestWeakenedElementThatFails(t *testing.T) {
	f := &graph.File{Model: graph.Model{Key: "w", Name: "w"}, Elements: []graph.Element{
		{Key: "p", Kind: graph.KeyPartner, Name: "p"}, {Key: "q", Kind: graph.KeyPartner, Name: "q"},
		{Key: "t1", Kind: graph.Technology, Name: "t1"}, {Key: "t2", Kind: graph.Technology, Name: "t2"},
	}, Relationships: []graph.Relationship{
		{From: "p", Type: graph.Supplies, To: "t1", Properties: map[string]any{"share": 0.5}},
		{From: "q", Type: graph.Supplies, To: "t1", Properties: map[string]any{"share": 0.5}},
		{From: "p", Type: graph.Supplies, To: "t2"},
		{From: "t2", Type: graph.Supports, To: "t1"},
	}}
	m, err := engine.FromFile(f)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := Exposure(m, "p", 0)
	if got := shows(x.Failed); !slices.Equal(got, []string{"1 t2 via p>t2", "2 t1 via p>t2>t1"}) || len(x.Weakened) != 0 {
		t.Errorf("failed %v, weakened %v", got, shows(x.Weakened))
	}
}
