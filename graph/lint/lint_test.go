package lint

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func check(t *testing.T, name string) []Problem {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	m, ps := Check(name, data, graph.Limits{})
	if m != nil || len(ps) == 0 {
		t.Fatalf("%s: a model and %d problems, want no model and problems", name, len(ps))
	}
	return ps
}

// TestGolden compares every message, with its file:line:col, for a YAML and a JSON file holding
// one of each problem and for a syntax error in each format.
func TestGolden(t *testing.T) {
	for _, name := range []string{"all-problems.yaml", "all-problems.json", "syntax.yaml", "syntax.json"} {
		t.Run(name, func(t *testing.T) {
			var b strings.Builder
			for _, p := range check(t, name) {
				b.WriteString(p.String() + "\n")
			}
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if b.String() != string(want) {
				t.Errorf("messages differ from %s (run go test -update after checking them):\n%s", golden, b.String())
			}
		})
	}
}

// TestPlaces checks the places against the YAML file as read by eye: each problem on the line of
// what it is about, after an unknown field too, and nothing that names a Go type.
func TestPlaces(t *testing.T) {
	ps := check(t, "all-problems.yaml")
	want := []struct {
		line int
		text string
	}{
		{3, `"Lint Demo" is not a valid key`},
		{5, `unknown field "colour"`},
		{11, `unknown kind "CustomerSegmnt"; did you mean "CustomerSegment"?`},
		{13, `elements[2] (ch-stand) name: is required`},
		{15, `unknown field "nmae"; did you mean "name"?`},
		{16, `duplicate key: elements[0] already uses "vp-fresh"`},
		{22, `tags: must be a list`},
		{26, `name: is given twice; the first is at 25:5`},
		{28, `"bad-name" is not a valid property name`},
		{31, `unknown relationship type "DELIVER"; did you mean "DELIVERS"?`},
		{35, `no element with key "vp-frsh" in this model; did you mean "vp-fresh"?`},
		{37, `Cost -REALIZES-> Channel is not allowed`},
		{40, `unknown relationship type "REACHES"; known types: PART_OF`},
		{42, `unknown field "weight"`},
		{44, `Channel -PART_OF-> Channel is not allowed`},
		{45, `an element cannot be related to itself`},
	}
	if len(ps) != len(want) {
		t.Errorf("%d problems, want %d", len(ps), len(want))
	}
	for i, w := range want {
		if i >= len(ps) {
			break
		}
		if p := ps[i]; p.Line != w.line || !strings.Contains(p.String(), w.text) {
			t.Errorf("problem %d is %s; want line %d with %q", i, p, w.line, w.text)
		}
	}
	for _, p := range ps {
		for _, goName := range []string{"graph.", "[]string", "map[string]", "struct", "unmarshal"} {
			if strings.Contains(p.Message, goName) {
				t.Errorf("message names a Go type: %s", p)
			}
		}
	}
}

func TestSyntaxErrorLine(t *testing.T) {
	for name, line := range map[string]int{"syntax.yaml": 7, "syntax.json": 5} {
		ps := check(t, name)
		if len(ps) != 1 || ps[0].Line != line {
			t.Errorf("%s: %v; want one problem on line %d", name, ps, line)
		}
	}
}

func TestValidFile(t *testing.T) {
	data, err := os.ReadFile("../../seed/lemonade-stand.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if m, ps := Check("lemonade-stand.yaml", data, graph.Limits{}); m == nil || ps != nil {
		t.Fatalf("the demo model: %v", ps)
	}
}

func TestClosest(t *testing.T) {
	cands := []string{"name", "kind", "key", "ValueProposition", "CustomerSegment"}
	for _, c := range []struct {
		in, want string
		ok       bool
	}{
		{"nmae", "name", true},                         // a swap is one edit
		{"kinds", "kind", true},                        // one letter more
		{"valueproposition", "ValueProposition", true}, // case only
		{"CustSeg", "", false},                         // too far
		{"x", "", false},
	} {
		got, ok := closest(c.in, cands)
		if ok != c.ok || ok && got != c.want {
			t.Errorf("closest(%q) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
	for _, c := range []struct {
		a, b string
		d    int
	}{{"", "abc", 3}, {"abc", "abc", 0}, {"abc", "acb", 1}, {"kitten", "sitting", 3}, {"é", "e", 1}} {
		if d := distance(c.a, c.b); d != c.d {
			t.Errorf("distance(%q, %q) = %d, want %d", c.a, c.b, d, c.d)
		}
	}
}
