package engine

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
)

func toy(t testing.TB) *Model {
	t.Helper()
	data, err := os.ReadFile("testdata/toy.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m, ps := ParseFile("toy.yaml", data, graph.Limits{})
	if len(ps) > 0 {
		t.Fatal(ps)
	}
	return m
}

func id(t testing.TB, m *Model, key string) NodeID {
	t.Helper()
	v, ok := m.ID(key)
	if !ok {
		t.Fatalf("no element %q", key)
	}
	return v
}

// reachedText writes results as "key@distance" in order.
func reachedText(m *Model, rs []Reached) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = fmt.Sprintf("%s@%d", m.Key(r.ID), r.Distance)
	}
	return strings.Join(s, " ")
}

// pathText writes a path as "a -T-> b -U-> c".
func pathText(m *Model, steps []Step) string {
	if len(steps) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(m.Key(steps[0].From))
	for i, s := range steps {
		if i > 0 && steps[i-1].To != s.From {
			b.WriteString(" BROKEN " + m.Key(s.From))
		}
		fmt.Fprintf(&b, " -%s-> %s", s.Type, m.Key(s.To))
	}
	return b.String()
}

func keys(m *Model, ids []NodeID) string {
	s := make([]string, len(ids))
	for i, v := range ids {
		s[i] = m.Key(v)
	}
	return strings.Join(s, " ")
}

func TestSupporters(t *testing.T) {
	m := toy(t)
	tests := []struct {
		name string
		root string
		opt  SupportersOptions
		want string
	}{
		// Incoming propagating edges only: role-rep (INVOLVED_IN) and kpi-win (MEASURES) never
		// support; the FLOWS_TO loop order -> ship -> return -> order reports each once.
		{"all kinds", "vp-fast", SupportersOptions{},
			"act-sell@1 cap-pricing@2 proc-order@2 proc-quote@3 proc-return@3 tech-erp@3 partner-cloud@4 proc-ship@4 tech-crm@4"},
		{"processes", "vp-fast", SupportersOptions{Kinds: []graph.Kind{graph.Process}},
			"proc-order@2 proc-quote@3 proc-return@3 proc-ship@4"},
		{"depth 2", "vp-fast", SupportersOptions{MaxDepth: 2}, "act-sell@1 cap-pricing@2 proc-order@2"},
		{"root in a loop is not its own supporter", "proc-order", SupportersOptions{},
			"proc-quote@1 proc-return@1 tech-erp@1 partner-cloud@2 proc-ship@2 tech-crm@2"},
		{"two kinds", "proc-order", SupportersOptions{Kinds: []graph.Kind{graph.Technology, graph.KeyPartner}},
			"tech-erp@1 partner-cloud@2 tech-crm@2"},
		{"none", "partner-cloud", SupportersOptions{}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := m.Supporters(id(t, m, tc.root), tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if s := reachedText(m, got); s != tc.want {
				t.Errorf("got  %s\nwant %s", s, tc.want)
			}
			for _, r := range got {
				if r.Path != nil {
					t.Errorf("%s has a path though none was asked for", m.Key(r.ID))
				}
			}
		})
	}
}

func TestSupporterPaths(t *testing.T) {
	m := toy(t)
	got, err := m.Supporters(id(t, m, "vp-fast"), SupportersOptions{Paths: true})
	if err != nil {
		t.Fatal(err)
	}
	// Each of these has exactly one shortest path, so the answer is fixed.
	want := map[string]string{
		"act-sell":      "act-sell -SUPPORTS-> vp-fast",
		"proc-ship":     "proc-ship -FLOWS_TO-> proc-return -FLOWS_TO-> proc-order -REALIZES-> act-sell -SUPPORTS-> vp-fast",
		"tech-crm":      "tech-crm -SUPPORTS-> proc-quote -FLOWS_TO-> proc-order -REALIZES-> act-sell -SUPPORTS-> vp-fast",
		"partner-cloud": "partner-cloud -SUPPLIES-> tech-erp -SUPPORTS-> proc-order -REALIZES-> act-sell -SUPPORTS-> vp-fast",
	}
	for _, r := range got {
		if len(r.Path) != r.Distance {
			t.Errorf("%s: path of %d steps at distance %d", m.Key(r.ID), len(r.Path), r.Distance)
		}
		if w, ok := want[m.Key(r.ID)]; ok {
			if p := pathText(m, r.Path); p != w {
				t.Errorf("%s: path %s, want %s", m.Key(r.ID), p, w)
			}
		}
	}
}

func TestSupporterCounts(t *testing.T) {
	m := toy(t)
	roots := []string{"vp-fast", "proc-order", "seg-smb", "partner-cloud", "vp-fast"}
	ids := make([]NodeID, len(roots))
	for i, k := range roots {
		ids[i] = id(t, m, k)
	}
	tests := []struct {
		opt  SupportersOptions
		want []int
	}{
		// seg-smb: vp-fast at 1, then the 9 supporters of vp-fast one hop further.
		{SupportersOptions{}, []int{9, 6, 10, 0, 9}},
		{SupportersOptions{MaxDepth: 4}, []int{9, 6, 7, 0, 9}},
		{SupportersOptions{Kinds: []graph.Kind{graph.Process}}, []int{4, 3, 4, 0, 4}},
	}
	for _, tc := range tests {
		got, err := m.SupporterCounts(ids, tc.opt)
		if err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%+v: got %v, want %v", tc.opt, got, tc.want)
		}
	}
}

func TestSupporterCountsManyRoots(t *testing.T) {
	// More roots than one batch of 64: every count must equal the single-root search.
	m := toy(t)
	var ids []NodeID
	for range 7 {
		for v := range m.Len() {
			ids = append(ids, NodeID(v))
		}
	}
	// Every depth, each asked twice: the second answer comes from what the model remembers, and
	// past maxCountTables (kinds, depth) pairs nothing more is remembered.
	for d := 1; d <= 10; d++ {
		for range 2 {
			counts, err := m.SupporterCounts(ids, SupportersOptions{MaxDepth: d})
			if err != nil {
				t.Fatal(err)
			}
			for i, v := range ids {
				rs, _ := m.Supporters(v, SupportersOptions{MaxDepth: d})
				if counts[i] != len(rs) {
					t.Fatalf("depth %d, %s: count %d, supporters %d", d, m.Key(v), counts[i], len(rs))
				}
			}
		}
	}
	if n := len(m.counts.tables); n != maxCountTables {
		t.Errorf("%d count tables remembered, want %d", n, maxCountTables)
	}
}

func TestScope(t *testing.T) {
	m := toy(t)
	if got := keys(m, m.Scope(id(t, m, "fn-sales"))); got != "fn-sales fn-sales-emea proc-quote" {
		t.Errorf("scope(fn-sales) = %s", got)
	}
	if got := keys(m, m.Scope(id(t, m, "proc-order"))); got != "proc-order" {
		t.Errorf("scope(proc-order) = %s", got)
	}
}

func TestImpact(t *testing.T) {
	m := toy(t)
	tests := []struct {
		name      string
		root      string
		opt       ImpactOptions
		wantScope string
		want      string
	}{
		{"whole with parts", "fn-sales", ImpactOptions{}, "fn-sales fn-sales-emea proc-quote",
			"proc-order@1 act-sell@2 proc-ship@2 proc-return@3 vp-fast@3 seg-smb@4 rev-subs@4"},
		{"depth 2", "fn-sales", ImpactOptions{MaxDepth: 2}, "fn-sales fn-sales-emea proc-quote",
			"proc-order@1 act-sell@2 proc-ship@2"},
		{"part of only, inside the scope", "fn-sales", ImpactOptions{Types: []graph.RelType{graph.PartOf}}, "fn-sales fn-sales-emea proc-quote", ""},
		{"a part changes its wholes", "proc-quote", ImpactOptions{Types: []graph.RelType{graph.PartOf}}, "proc-quote",
			"fn-sales-emea@1 fn-sales@2"},
		{"partner", "partner-cloud", ImpactOptions{}, "partner-cloud",
			"tech-erp@1 proc-order@2 tech-crm@2 cost-crm@3 act-sell@3 proc-quote@3 proc-ship@3 " +
				"fn-sales-emea@4 proc-return@4 vp-fast@4 fn-sales@5 seg-smb@5 rev-subs@5"},
		{"two types", "partner-cloud", ImpactOptions{Types: []graph.RelType{graph.Supplies, graph.Supports}}, "partner-cloud",
			"tech-erp@1 proc-order@2 tech-crm@2 proc-quote@3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			im, err := m.Impact(id(t, m, tc.root), tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			if s := keys(m, im.Scope); s != tc.wantScope {
				t.Errorf("scope %s, want %s", s, tc.wantScope)
			}
			if s := reachedText(m, im.Affected); s != tc.want {
				t.Errorf("affected\n got %s\nwant %s", s, tc.want)
			}
			if im.Attached != nil {
				t.Errorf("attached computed though not asked for")
			}
		})
	}
}

func TestImpactPathsAndAttached(t *testing.T) {
	m := toy(t)
	im, err := m.Impact(id(t, m, "fn-sales"), ImpactOptions{Paths: true, Attached: true})
	if err != nil {
		t.Fatal(err)
	}
	paths := map[string]string{}
	for _, r := range im.Affected {
		paths[m.Key(r.ID)] = pathText(m, r.Path)
	}
	want := map[string]string{
		"proc-order":  "proc-quote -FLOWS_TO-> proc-order",
		"vp-fast":     "proc-quote -FLOWS_TO-> proc-order -REALIZES-> act-sell -SUPPORTS-> vp-fast",
		"proc-return": "proc-quote -FLOWS_TO-> proc-order -FLOWS_TO-> proc-ship -FLOWS_TO-> proc-return",
	}
	for k, w := range want {
		if paths[k] != w {
			t.Errorf("path to %s = %s, want %s", k, paths[k], w)
		}
	}
	// kpi-win measures vp-fast and proc-order (affected); role-rep is involved in fn-sales and
	// proc-quote (scope). loc-hq is LOCATED_AT-linked, which is not watching. Watchers by kind, key.
	var got []string
	for _, a := range im.Attached {
		got = append(got, fmt.Sprintf("%s %v [%s]", m.Key(a.ID), a.Via, keys(m, a.To)))
	}
	wantAtt := "kpi-win [MEASURES] [proc-order vp-fast]; role-rep [INVOLVED_IN] [fn-sales proc-quote]"
	if s := strings.Join(got, "; "); s != wantAtt {
		t.Errorf("attached\n got %s\nwant %s", s, wantAtt)
	}
}

func TestImpactRefusesAttachedTypes(t *testing.T) {
	m := toy(t)
	for _, ts := range [][]graph.RelType{{graph.Measures}, {"DEPENDS_ON"}} {
		if _, err := m.Impact(0, ImpactOptions{Types: ts}); err == nil || !strings.Contains(err.Error(), string(ts[0])) {
			t.Errorf("types %v: err = %v, want one naming the type", ts, err)
		}
	}
}

func TestPath(t *testing.T) {
	m := toy(t)
	tests := []struct {
		from, to string
		depth    int
		want     string
		found    bool
	}{
		{"partner-cloud", "vp-fast", 0, "partner-cloud -SUPPLIES-> tech-erp -SUPPORTS-> proc-order -REALIZES-> act-sell -SUPPORTS-> vp-fast", true},
		{"partner-cloud", "vp-fast", 4, "partner-cloud -SUPPLIES-> tech-erp -SUPPORTS-> proc-order -REALIZES-> act-sell -SUPPORTS-> vp-fast", true},
		{"partner-cloud", "vp-fast", 3, "", false},
		{"vp-fast", "partner-cloud", 0, "", false},
		{"proc-ship", "proc-order", 0, "proc-ship -FLOWS_TO-> proc-return -FLOWS_TO-> proc-order", true},
		{"proc-order", "proc-order", 0, "", true},
		// LOCATED_AT does not propagate, and neither does MEASURES.
		{"proc-ship", "loc-hq", 0, "", false},
		{"kpi-win", "vp-fast", 0, "", false},
	}
	for _, tc := range tests {
		steps, found, err := m.Path(id(t, m, tc.from), id(t, m, tc.to), tc.depth)
		if err != nil {
			t.Fatal(err)
		}
		if found != tc.found || pathText(m, steps) != tc.want {
			t.Errorf("path(%s, %s, %d) = %v %q, want %v %q", tc.from, tc.to, tc.depth, found, pathText(m, steps), tc.found, tc.want)
		}
		if found && steps == nil {
			t.Errorf("path(%s, %s): found but nil steps", tc.from, tc.to)
		}
	}
}

func TestBadOptions(t *testing.T) {
	m := toy(t)
	if _, err := m.Supporters(0, SupportersOptions{MaxDepth: -1}); err == nil {
		t.Error("negative depth accepted")
	}
	if _, err := m.Supporters(0, SupportersOptions{Kinds: []graph.Kind{"Widget"}}); err == nil || !strings.Contains(err.Error(), "Widget") {
		t.Errorf("unknown kind: %v", err)
	}
	if _, _, err := m.Path(0, 1, -2); err == nil {
		t.Error("negative depth accepted by Path")
	}
}

func TestGraphReached(t *testing.T) {
	m := toy(t)
	steps, _, _ := m.Path(id(t, m, "proc-ship"), id(t, m, "proc-order"), 0)
	rs := m.GraphReached([]Reached{{ID: id(t, m, "proc-ship"), Distance: 2, Path: steps}})
	r := rs[0]
	if r.Element.Key != "proc-ship" || r.Element.Model != "toy" || r.Distance != 2 || len(r.Path) != 2 {
		t.Fatalf("got %+v", r)
	}
	// proc-ship -FLOWS_TO-> proc-return -FLOWS_TO-> proc-order; the second carries kind MATERIAL.
	if r.Path[0].To.Name != "Handle return" || r.Path[1].Properties["kind"] != "MATERIAL" || r.Path[0].Properties != nil {
		t.Errorf("steps %+v", r.Path)
	}
}
