package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgraph/modelgraph/graph/graphtest"
)

func TestMain(m *testing.M) { os.Exit(graphtest.Main(m)) }

// cli runs the command in process with the test database as NEO4J_URI.
func cli(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	user, pass := graphtest.Credentials()
	env := map[string]string{"NEO4J_URI": graphtest.URI(), "NEO4J_USERNAME": user, "NEO4J_PASSWORD": pass, "LOG_LEVEL": "warn"}
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestValidateReportsAllProblems(t *testing.T) {
	code, _, stderr := cli(t, "validate", "testdata/broken.yaml")
	if code == 0 {
		t.Fatal("validate of a broken file exited 0")
	}
	for _, want := range []string{
		`elements[3] (x-gadget) kind: unknown kind "Gadget"`,
		`elements[4] (vp-fresh) key: duplicate key: elements[0] already uses "vp-fresh"`,
		`relationships[0] (cost-rent -REALIZES-> ch-stand) type: Cost -REALIZES-> Channel is not allowed`,
		`relationships[1] (ch-stand -DELIVERS-> vp-missing) to: no element with key "vp-missing"`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if !strings.Contains(stderr, "4 problems") {
		t.Errorf("stderr does not count 4 problems:\n%s", stderr)
	}
}

func TestImportOfBrokenFileWritesNothing(t *testing.T) {
	code, _, stderr := cli(t, "import", "-model", "cli-broken", "testdata/broken.yaml")
	if code == 0 || !strings.Contains(stderr, "nothing was imported") {
		t.Fatalf("import exited %d:\n%s", code, stderr)
	}
	code, stdout, _ := cli(t, "models")
	if code != 0 || strings.Contains(stdout, "cli-broken") {
		t.Fatalf("models after a refused import (exit %d):\n%s", code, stdout)
	}
}

func TestImportExportRoundTrip(t *testing.T) {
	key := graphtest.ModelKey(t)
	code, stdout, stderr := cli(t, "import", "-model", key, "../../seed/marketplace.yaml")
	if code != 0 || !strings.Contains(stdout, "relationships 358 created") {
		t.Fatalf("import exited %d: %s %s", code, stdout, stderr)
	}
	code, stdout, _ = cli(t, "import", "-model", key, "../../seed/marketplace.yaml")
	if code != 0 || !strings.Contains(stdout, "elements 0 created, 0 updated, 155 unchanged") {
		t.Fatalf("second import: %s", stdout)
	}
	code, exported, stderr := cli(t, "export", "-format", "json", key)
	if code != 0 {
		t.Fatalf("export exited %d: %s", code, stderr)
	}
	path := filepath.Join(t.TempDir(), "exported.json")
	if err := os.WriteFile(path, []byte(exported), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = cli(t, "import", "-model", key, path)
	if code != 0 || !strings.Contains(stdout, "0 created, 0 updated, 155 unchanged, 0 deleted; relationships 0 created, 0 updated, 358 unchanged") {
		t.Fatalf("re-import of the export: %d %s %s", code, stdout, stderr)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, args := range [][]string{{"frobnicate"}, {"validate"}, {"export"}, {"import", "-mode", "SOMETIMES", "x.yaml"}} {
		if code, _, _ := cli(t, args...); code != exitUsage {
			t.Errorf("%v exited %d, want %d", args, code, exitUsage)
		}
	}
}
