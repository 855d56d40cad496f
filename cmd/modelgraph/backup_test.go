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

// cliAt runs the command in process against the database at uri.
func cliAt(uri, user, pass string, args ...string) (code int, stdout, stderr string) {
	env := map[string]string{"NEO4J_URI": uri, "NEO4J_USERNAME": user, "NEO4J_PASSWORD": pass, "LOG_LEVEL": "warn"}
	var out, errOut bytes.Buffer
	code = run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
	return code, out.String(), errOut.String()
}

// TestBackupAndRestoreCommands backs up a model of the shared database and restores it into a
// database of its own, empty at first.
func TestBackupAndRestoreCommands(t *testing.T) {
	key := graphtest.ModelKey(t)
	if code, _, stderr := cli(t, "import", "-model", key, "../../seed/lemonade-stand.yaml"); code != 0 {
		t.Fatalf("import: %s", stderr)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "lemonade.mgb")
	code, stdout, stderr := cli(t, "backup", "-model", key, "-o", file)
	if code != 0 || stdout != "" || !strings.Contains(stderr, "backed up 1 models") {
		t.Fatalf("backup exited %d: %q %q", code, stdout, stderr)
	}
	if leftovers, _ := filepath.Glob(file + ".partial-*"); len(leftovers) > 0 {
		t.Errorf("backup left %v", leftovers)
	}
	_, want, _ := cli(t, "export", "-format", "json", key)

	fresh := graphtest.StartFresh(t)
	at := func(args ...string) (int, string, string) {
		return cliAt(fresh.URI, fresh.Username, fresh.Password, args...)
	}
	code, stdout, stderr = at("restore", file)
	if code != 0 || !strings.Contains(stdout, "restored 1 models") || !strings.Contains(stdout, "from "+file) {
		t.Fatalf("restore exited %d: %q %q", code, stdout, stderr)
	}
	if _, got, _ := at("export", "-format", "json", key); got != want {
		t.Errorf("restored model exports as\n%s\nwant\n%s", got, want)
	}

	code, _, stderr = at("restore", file)
	if code != exitFail || !strings.Contains(stderr, "already holds 1 models") || !strings.Contains(stderr, "-force") {
		t.Errorf("second restore exited %d: %s", code, stderr)
	}
	code, stdout, stderr = at("restore", "-force", file)
	if code != 0 || !strings.Contains(stdout, "replaced 1 models") {
		t.Errorf("forced restore exited %d: %q %q", code, stdout, stderr)
	}

	broken := filepath.Join(dir, "broken.mgb")
	data, _ := os.ReadFile(file)
	os.WriteFile(broken, data[:len(data)/2], 0o600)
	code, _, stderr = at("restore", "-force", broken)
	if code != exitFail || !strings.Contains(stderr, broken+":") || !strings.Contains(stderr, "TRUNCATED") || !strings.Contains(stderr, "nothing was restored") {
		t.Errorf("restore of a cut-off file exited %d: %s", code, stderr)
	}
	if _, got, _ := at("export", "-format", "json", key); got != want {
		t.Errorf("after a refused restore the model exports as\n%s", got)
	}

	if code, _, stderr := at("restore"); code != exitUsage || !strings.Contains(stderr, "name one backup file") {
		t.Errorf("restore without a file exited %d: %s", code, stderr)
	}
}
