package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/modelgraph/modelgraph/graph/lint"
)

// TestValidateJSON: validate -format json gives every problem with its line and column, and a
// valid file with its counts, for editors and CI.
func TestValidateJSON(t *testing.T) {
	code, stdout, stderr := cli(t, "validate", "-format", "json", "../../graph/lint/testdata/all-problems.yaml", "../../seed/lemonade-stand.yaml")
	if code != exitFail {
		t.Fatalf("exit %d, want %d: %s", code, exitFail, stderr)
	}
	var out struct {
		Files []struct {
			File     string
			Valid    bool
			Model    string
			Elements int
			Problems []lint.Problem
		}
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatalf("%v:\n%s", err, stdout)
	}
	if len(out.Files) != 2 {
		t.Fatalf("%d files reported", len(out.Files))
	}
	bad, good := out.Files[0], out.Files[1]
	if bad.Valid || len(bad.Problems) != 16 {
		t.Errorf("broken file: valid %v, %d problems; want 16", bad.Valid, len(bad.Problems))
	}
	for _, p := range bad.Problems {
		if p.Line == 0 || p.Col == 0 || !strings.HasSuffix(p.File, "all-problems.yaml") {
			t.Errorf("problem without its place: %+v", p)
		}
	}
	// Line 15 of the file is "    nmae: Street stand".
	if p := bad.Problems[4]; p.Line != 15 || p.Col != 5 || p.Field != "nmae" || !strings.Contains(p.Message, `did you mean "name"?`) {
		t.Errorf("fifth problem %+v", p)
	}
	if !good.Valid || good.Model != "lemonade-stand" || good.Elements == 0 || len(good.Problems) != 0 {
		t.Errorf("demo model reported as %+v", good)
	}
}

func TestValidateTextPlaces(t *testing.T) {
	_, _, stderr := cli(t, "validate", "testdata/broken.yaml")
	// broken.yaml: the unknown kind is on line 16, the missing key ("to: vp-missing") on line 27.
	for _, want := range []string{"testdata/broken.yaml:16:11: elements[3] (x-gadget) kind", "testdata/broken.yaml:27:9: relationships[1]"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
}
