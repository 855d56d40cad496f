package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/modelgraph/modelgraph/bench/synth"
	"github.com/modelgraph/modelgraph/graph"
)

// TestImport100kDefaultSettings runs `modelgraph import -progress on FILE` of a 100,000-element
// model with the embedded Neo4j at its smallest default settings (1 GiB heap and 128 MiB page
// cache, what a machine of 1 GiB gets; larger machines get more): the command starts the
// database itself, as a user's first import does. It imports the whole model with its history,
// shows its progress on stderr (no terminal here, hence -progress on), and a second import of the
// file finds everything in place.
func TestImport100kDefaultSettings(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an embedded Neo4j and imports 430,000 items")
	}
	dir := t.TempDir()
	f := synth.Model("big", 100000, 1)
	path := filepath.Join(dir, "big.json")
	var buf bytes.Buffer
	if err := graph.Encode(&buf, f, graph.JSON); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	env := map[string]string{"MODELGRAPH_DATA": filepath.Join(dir, "neo4j"), "MODELGRAPH_NEO4J_PORT": strconv.Itoa(port), "LOG_LEVEL": "warn",
		"MODELGRAPH_NEO4J_HEAP": "1g", "MODELGRAPH_NEO4J_PAGE_CACHE": "128m"} // launcher.DefaultSizes at 1 GiB
	cmd := func(args ...string) (int, string, string) {
		var out, errOut bytes.Buffer
		code := run(context.Background(), args, func(k string) string { return env[k] }, &out, &errOut)
		return code, out.String(), errOut.String()
	}
	start := time.Now()
	code, stdout, stderr := cmd("import", "-progress", "on", path)
	t.Logf("import took %v:\n%s%s", time.Since(start), stdout, stderr)
	if code != 0 || !strings.Contains(stdout, "elements 100000 created") || !strings.Contains(stdout, "relationships "+strconv.Itoa(len(f.Relationships))+" created") {
		t.Fatalf("import exited %d:\n%s\n%s", code, stdout, stderr)
	}
	items := strconv.Itoa(len(f.Relationships))
	all := "elements 100000/100000, relationships " + items + "/" + items + ", history " + strconv.Itoa(100000+len(f.Relationships)+1)
	for _, want := range []string{path + ": elements ", "items/s, about", "s left", "switching the model", all, "done in"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("progress on stderr lacks %q:\n%s", want, stderr)
		}
	}
	code, stdout, stderr = cmd("import", "-progress", "on", path)
	if code != 0 || !strings.Contains(stdout, "elements 0 created, 0 updated, 100000 unchanged") || strings.Contains(stderr, "items/s") {
		t.Fatalf("second import exited %d:\n%s\n%s", code, stdout, stderr)
	}
}
