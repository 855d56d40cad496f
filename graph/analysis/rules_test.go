package analysis

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
)

// The user rules of testdata/rules-user.yaml on the coffee cart, by hand:
//
//   - SOLE_SUPPLY checks KeyResources and Technologies with a SUPPLIES into them: res-beans and
//     tech-ledger have partner-sole alone, not substitutable -> both; tech-pos has two suppliers,
//     res-cups a substitutable one -> neither.
//   - VP_NO_TECH: tech-pos -SUPPORTS-> proc-make -REALIZES-> vp-good is 2 hops; vp-part and vp-bare
//     have no supporter at all (no inheritance in this rule) -> both.
//   - FUNCTION_ONE_PROCESS looks only at functions holding a process (when): fn-top and fn-ops
//     hold exactly proc-make -> both; fn-empty is not looked at.
//   - REVENUE_NO_AMOUNT: rev-sales has 40000, rev-orphan none -> rev-orphan, named in the message.
func TestUserRules(t *testing.T) {
	data, err := os.ReadFile("testdata/rules-user.yaml")
	if err != nil {
		t.Fatal(err)
	}
	rules, err := LoadRules("rules-user.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(rules.List()); n != 18 {
		t.Errorf("%d rules, want 14 built-in + 4", n)
	}
	m := load(t, "testdata/alignment.yaml")
	fs, err := Alignment(m, rules, Filter{Rules: []string{"SOLE_SUPPLY", "VP_NO_TECH", "FUNCTION_ONE_PROCESS", "REVENUE_NO_AMOUNT"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"WARNING SOLE_SUPPLY res-beans",
		"WARNING SOLE_SUPPLY tech-ledger",
		"WARNING VP_NO_TECH vp-bare",
		"WARNING VP_NO_TECH vp-part",
		"INFO FUNCTION_ONE_PROCESS fn-ops",
		"INFO FUNCTION_ONE_PROCESS fn-top",
		"INFO REVENUE_NO_AMOUNT rev-orphan",
	}
	if got := lines(fs); !slices.Equal(got, want) {
		t.Errorf("user findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	msgs := map[string]string{"res-beans": "Beans (res-beans) has one supplier and it cannot be replaced", "rev-orphan": "Catering has no annual amount"}
	for _, f := range fs {
		if w, ok := msgs[f.Element]; ok && f.Message != w {
			t.Errorf("%s: message %q, want %q", f.Element, f.Message, w)
		}
	}
	all, _ := Alignment(m, rules, Filter{})
	if len(all) != len(coffeeCartFindings)+len(want) {
		t.Errorf("with the built-in rules: %d findings, want %d", len(all), len(coffeeCartFindings)+len(want))
	}
}

func TestBadRulesFileIsRefusedWithPlaces(t *testing.T) {
	data, err := os.ReadFile("testdata/rules-bad.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = LoadRules("rules-bad.yaml", data)
	var re *RulesError
	if !errors.As(err, &re) || !errors.Is(err, graph.ErrInvalid) {
		t.Fatalf("error %v, want a RulesError", err)
	}
	// Columns counted by hand in testdata/rules-bad.yaml.
	want := []string{
		`rules-bad.yaml:4:13: unknown kind "Proces"`,
		`rules-bad.yaml:6:18: dir must be in or out, not "up"`,
		`rules-bad.yaml:6:28: unknown relationship type "OWNS"`,
		`rules-bad.yaml:7:14: message: unknown placeholder {who}; use {key}, {kind} or {name}`,
		`rules-bad.yaml:9:15: severity must be ERROR, WARNING or INFO, not "FATAL"`,
		`rules-bad.yaml:12:7: unknown condition "reachable"; a condition is one of rel, selfOrWhole, supporter, affected, scope, property, all, any, not`,
	}
	var got []string
	for _, p := range re.Problems {
		got = append(got, p.String())
	}
	if !slices.Equal(got, want) {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestRulesFileProblems(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"taken id", "rules:\n  - id: VP_NO_SEGMENT\n    severity: INFO\n    kinds: [Cost]\n    require: {rel: {dir: in, type: INCURS}}\n    message: x\n",
			"f.yaml:2:5: rule id VP_NO_SEGMENT is taken by a rule of builtin; choose another id"},
		{"not YAML", "rules:\n\t- id: X\n", "f.yaml:2:1: is not valid YAML: line 2: found character that cannot start any token"}, // a tab indents line 2
		{"empty", "", "f.yaml:1:1: is empty"},
		{"missing fields", "rules:\n  - id: X\n    severity: INFO\n", "f.yaml:2:5: rule X has no kinds"},
		{"unknown field", "rules:\n  - id: X\n    severity: INFO\n    kind: [Cost]\n", `f.yaml:4:5: unknown field "kind"`},
		{"two ids", "rules:\n" + strings.Repeat("  - {id: X, severity: INFO, kinds: [Cost], require: {rel: {dir: in, type: INCURS}}, message: x}\n", 2),
			"f.yaml:3:5: rule id X is used twice; the first is at 2:5"},
		{"exactly with min", "rules:\n  - {id: X, severity: INFO, kinds: [Cost], require: {rel: {dir: in, type: INCURS, exactly: 1, min: 1}}, message: x}\n",
			"exactly cannot be given with min or max"},
		{"within too far", "rules:\n  - {id: X, severity: INFO, kinds: [Cost], require: {supporter: {within: 11}}, message: x}\n",
			"must be a whole number from 1 to 10"},
		{"bad category", "rules:\n  - {id: X, severity: INFO, kinds: [Cost], require: {affected: {categories: [MONEY]}}, message: x}\n",
			`unknown category "MONEY"`},
		{"lower-case id", "rules:\n  - {id: x, severity: INFO, kinds: [Cost], require: {rel: {dir: in, type: INCURS}}, message: x}\n",
			`rule id "x" must be upper case`},
	} {
		_, err := LoadRules("f.yaml", []byte(tc.text))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", tc.name, err, tc.want)
		}
	}
}

func TestBuiltinRulesFileIsTheFormat(t *testing.T) {
	// The embedded file parses on its own as a user file would, with the 12 rules it can express.
	rs, err := ParseRules("builtin.yaml", builtinYAML)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range rs.List() {
		ids = append(ids, r.ID)
	}
	want := []string{"ACTIVITY_UNREALIZED", "COST_UNDRIVEN", "FUNCTION_EMPTY", "PROCESS_NO_OWNER", "PROCESS_ORPHANED", "REVENUE_UNSOURCED",
		"SEGMENT_UNSERVED", "UNMEASURED", "VP_NO_CHANNEL", "VP_NO_REVENUE", "VP_NO_SEGMENT", "VP_UNREALIZED"}
	if !slices.Equal(ids, want) {
		t.Errorf("rules in builtin.yaml: %v", ids)
	}
	sev := map[string]Severity{"VP_UNREALIZED": Error, "VP_NO_SEGMENT": Error, "VP_NO_CHANNEL": Warning, "VP_NO_REVENUE": Warning,
		"SEGMENT_UNSERVED": Warning, "REVENUE_UNSOURCED": Error, "ACTIVITY_UNREALIZED": Warning, "PROCESS_ORPHANED": Warning,
		"PROCESS_NO_OWNER": Warning, "FUNCTION_EMPTY": Info, "COST_UNDRIVEN": Info, "UNMEASURED": Info, "SINGLE_SOURCE": Warning, "BLOCK_EMPTY": Warning}
	for _, r := range Builtin().List() {
		if sev[r.ID] != r.Severity {
			t.Errorf("%s has severity %s, DOMAIN.md says %s", r.ID, r.Severity, sev[r.ID])
		}
		if r.Code() != (r.ID == "SINGLE_SOURCE" || r.ID == "BLOCK_EMPTY") {
			t.Errorf("%s: code %v", r.ID, r.Code())
		}
	}
}

// The rules-file examples of docs/analysis.md parse.
func TestDocsRulesExamples(t *testing.T) {
	doc, err := os.ReadFile("../../docs/analysis.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := strings.Split(string(doc), "```yaml\n")[1:]
	if len(blocks) == 0 {
		t.Fatal("docs/analysis.md has no yaml example")
	}
	for i, b := range blocks {
		text, _, _ := strings.Cut(b, "```")
		if _, err := LoadRules("docs example", []byte(text)); err != nil {
			t.Errorf("example %d: %v", i+1, err)
		}
	}
}
