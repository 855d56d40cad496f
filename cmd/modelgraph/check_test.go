package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const coffeeCart = "../../graph/analysis/testdata/alignment.yaml"

// The coffee cart's findings are worked out in graph/analysis/alignment_test.go; here they come
// out as lines "file:line:col: SEVERITY RULE key: message", at the element's place in the file
// (rev-orphan is on line 14, vp-bare on line 9, both flow mappings at column 5), and the
// model-level BLOCK_EMPTY at the model header (line 4, column 3). It has ERROR findings: exit 1.
func TestCheckFindingsAndExitCodes(t *testing.T) {
	code, stdout, stderr := cli(t, "check", coffeeCart)
	if code != 1 {
		t.Fatalf("exit %d, want 1 (ERROR findings):\n%s", code, stderr)
	}
	for _, want := range []string{
		coffeeCart + ":14:5: ERROR REVENUE_UNSOURCED rev-orphan: nothing generates this revenue stream\n",
		coffeeCart + ":9:5: ERROR VP_NO_SEGMENT vp-bare: neither this value proposition nor a whole it belongs to targets a customer segment\n",
		coffeeCart + ":4:3: WARNING BLOCK_EMPTY CustomerRelationship: the canvas block CustomerRelationship is empty: the model has no element of that kind\n",
		coffeeCart + ":9:5: INFO UNMEASURED vp-bare: no KPI measures this ValueProposition\n",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	if n := strings.Count(stdout, "\n"); n != 16 {
		t.Errorf("%d lines, want the 16 findings", n)
	}
	if !strings.Contains(stderr, "16 findings (3 ERROR, 8 WARNING, 5 INFO)") || !strings.Contains(stderr, "3 findings at or above ERROR") {
		t.Errorf("stderr:\n%s", stderr)
	}
	if code, _, _ := cli(t, "check", "-fail-on", "WARNING", coffeeCart); code != 1 {
		t.Errorf("-fail-on WARNING: exit %d, want 1", code)
	}
}

// The lemonade stand demo: partner-corner-greengrocer supplies res-fresh-lemons (line 86) with
// share 1.0, not substitutable, and res-fresh-lemons SUPPORTS vp-fresh-lemonade: SINGLE_SOURCE, a
// WARNING. No finding is an ERROR, so the default threshold passes and WARNING fails.
func TestCheckDemoModel(t *testing.T) {
	const demo = "../../seed/lemonade-stand.yaml"
	code, stdout, stderr := cli(t, "check", demo)
	if code != 0 {
		t.Fatalf("exit %d, want 0:\n%s", code, stderr)
	}
	want := demo + ":86:5: WARNING SINGLE_SOURCE res-fresh-lemons: only partner-corner-greengrocer supplies this KeyResource and cannot be replaced; value propositions depending on it: vp-fresh-lemonade"
	if !strings.Contains(stdout, want) {
		t.Errorf("stdout lacks %q:\n%s", want, stdout)
	}
	if code, _, _ := cli(t, "check", "-fail-on", "warning", demo); code != 1 {
		t.Errorf("-fail-on warning: exit %d, want 1", code)
	}
}

// A broken model file is exit 2, with every problem at its place; a good file beside it is still
// checked.
func TestCheckBrokenFile(t *testing.T) {
	code, stdout, stderr := cli(t, "check", "testdata/broken.yaml", "../../seed/lemonade-stand.yaml")
	if code != 2 {
		t.Fatalf("exit %d, want 2:\n%s", code, stderr)
	}
	for _, want := range []string{
		`testdata/broken.yaml:16:11: elements[3] (x-gadget) kind: unknown kind "Gadget"`,
		`testdata/broken.yaml:27:9: relationships[1] (ch-stand -DELIVERS-> vp-missing) to: no element with key "vp-missing" in this model`,
		"testdata/broken.yaml: invalid, 4 problems",
		"1 of 2 files invalid",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if strings.Contains(stderr, "usage") {
		t.Errorf("an invalid file is not a usage error:\n%s", stderr)
	}
	if !strings.Contains(stdout, "SINGLE_SOURCE res-fresh-lemons") {
		t.Errorf("the valid file was not checked:\n%s", stdout)
	}
}

func TestCheckRulesFile(t *testing.T) {
	code, stdout, _ := cli(t, "check", "-rules", "../../graph/analysis/testdata/rules-user.yaml", "-fail-on", "INFO", coffeeCart)
	if code != 1 || !strings.Contains(stdout, coffeeCart+":14:5: INFO REVENUE_NO_AMOUNT rev-orphan: Catering has no annual amount\n") {
		t.Errorf("user rules: exit %d\n%s", code, stdout)
	}
	code, _, stderr := cli(t, "check", "-rules", "../../graph/analysis/testdata/rules-bad.yaml", coffeeCart)
	if code != 2 || !strings.Contains(stderr, `rules-bad.yaml:4:13: unknown kind "Proces"`) {
		t.Errorf("bad rules file: exit %d\n%s", code, stderr)
	}
	env := map[string]string{"MODELGRAPH_RULES": "../../graph/analysis/testdata/rules-user.yaml"}
	var out, errOut strings.Builder
	code = run(t.Context(), []string{"check", "-fail-on", "INFO", coffeeCart}, func(k string) string { return env[k] }, &out, &errOut)
	if code != 1 || !strings.Contains(out.String(), "SOLE_SUPPLY res-beans") {
		t.Errorf("MODELGRAPH_RULES: exit %d\n%s%s", code, out.String(), errOut.String())
	}
}

func TestCheckJSON(t *testing.T) {
	code, stdout, stderr := cli(t, "check", "-format", "json", coffeeCart, "testdata/broken.yaml")
	if code != 2 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	var doc struct {
		Files []struct {
			File     string
			Valid    bool
			Problems []struct{ Line, Col int }
			Findings []struct {
				Line, Col      int
				Rule, Severity string
				Element, Kind  string
				Related        []string
			}
		}
	}
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Fatalf("%v:\n%s", err, stdout)
	}
	if len(doc.Files) != 2 || !doc.Files[0].Valid || doc.Files[1].Valid || len(doc.Files[0].Findings) != 16 || len(doc.Files[1].Problems) != 4 {
		t.Fatalf("json: %+v", doc)
	}
	f := doc.Files[0].Findings[8] // the ninth finding: SINGLE_SOURCE res-beans
	if f.Rule != "SINGLE_SOURCE" || f.Element != "res-beans" || f.Kind != "KeyResource" || strings.Join(f.Related, " ") != "partner-sole vp-good" || f.Line != 17 {
		t.Errorf("ninth finding: %+v", f)
	}
}

func TestCheckUsage(t *testing.T) {
	empty := filepath.Join(t.TempDir(), "empty.yaml")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"check"},
		{"check", "-fail-on", "FATAL", coffeeCart},
		{"check", "-format", "xml", coffeeCart},
		{"check", "-rules", "no-such-file.yaml", coffeeCart},
		{"check", "no-such-model.yaml"},
		{"check", empty},
	} {
		if code, _, stderr := cli(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, stderr)
		}
	}
}
