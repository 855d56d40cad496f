package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/modelgraph/modelgraph/graph/graphtest"
)

// cypher runs one query against the test database with a driver of its own and returns the
// first column of the first row (nil when there is none).
func cypher(t *testing.T, query string, params map[string]any) any {
	t.Helper()
	ctx := context.Background()
	user, pass := graphtest.Credentials()
	d, err := neo4j.NewDriverWithContext(graphtest.URI(), neo4j.BasicAuth(user, pass, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close(ctx)
	res, err := neo4j.ExecuteQuery(ctx, d, query, params, neo4j.EagerResultTransformer)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Records) == 0 {
		return nil
	}
	return res.Records[0].Values[0]
}

// abandonImport leaves in the database what an import of model cut off by a kill an hour ago
// leaves: its registration with an hour-old heartbeat, two staged elements with a relationship
// between them, and a history record above the model's changeSeq (the model does not exist).
func abandonImport(t *testing.T, model string) {
	t.Helper()
	hourAgo := time.Now().UTC().Add(-time.Hour)
	cypher(t, `CREATE (:ImportStaging {id: $id, model: $model, startedAt: $at, heartbeat: $at})
CREATE (a:ImportElement {model: $model, key: 'a'})-[:SUPPORTS]->(:ImportElement {model: $model, key: 'b'})
CREATE (:Change {model: $model, seq: 1, revision: 1})`, map[string]any{"id": "abandoned-" + model, "model": model, "at": hourAgo})
	if n := staged(t, model); n != 4 {
		t.Fatalf("%d staged nodes written, want 4", n)
	}
}

// staged counts what is staged for model: registrations, staged elements and history records.
func staged(t *testing.T, model string) int64 {
	t.Helper()
	return cypher(t, `RETURN COUNT { MATCH (s:ImportStaging {model: $model}) } + COUNT { MATCH (n:ImportElement {model: $model}) } +
COUNT { MATCH (c:Change {model: $model}) } AS n`, map[string]any{"model": model}).(int64)
}

// TestServeCleansAbandonedImports: serve removes an import abandoned before it started, at
// start, logging how many it removed, and one abandoned while it runs at its next cleanup.
func TestServeCleansAbandonedImports(t *testing.T) {
	before, during := graphtest.ModelKey(t), graphtest.ModelKey(t)
	abandonImport(t, before)
	_, stderr := serve(t, "-addr", "127.0.0.1:0", "-import-cleanup-interval", "1s")
	removed := regexp.MustCompile(`msg="abandoned staged imports removed" removed=(\d+)`)
	var at time.Time
	for at = time.Now(); time.Since(at) < time.Minute && removed.FindStringSubmatch(stderr.String()) == nil; {
		time.Sleep(50 * time.Millisecond)
	}
	m := removed.FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no cleanup logged at start:\n%s", stderr)
	}
	// Other tests' imports may have been abandoned too (none in this package); this one is one.
	if n, _ := strconv.Atoi(m[1]); n < 1 {
		t.Fatalf("cleanup at start removed %d, want at least the abandoned import:\n%s", n, stderr)
	}
	if n := staged(t, before); n != 0 {
		t.Fatalf("%d staged nodes of the abandoned import left after the cleanup at start", n)
	}

	abandonImport(t, during)
	for at = time.Now(); time.Since(at) < time.Minute && staged(t, during) != 0; {
		time.Sleep(200 * time.Millisecond)
	}
	if n := staged(t, during); n != 0 {
		t.Fatalf("%d staged nodes of an import abandoned while serving left after a minute of 1s cleanups:\n%s", n, stderr)
	}
	if c := len(removed.FindAllString(stderr.String(), -1)); c < 2 {
		t.Errorf("the background cleanup's removal was not logged (%d cleanup lines):\n%s", c, stderr)
	}
}

// fakeCleaner answers CleanImports from a list of answers, the last one repeated, and reports
// each call.
type fakeCleaner struct {
	mu      sync.Mutex
	answers []fakeAnswer
	n       int // calls so far
	calls   chan struct{}
}

type fakeAnswer struct {
	n   int
	err error
}

func (f *fakeCleaner) CleanImports(ctx context.Context, olderThan time.Duration) (int, error) {
	f.mu.Lock()
	a := f.answers[0]
	f.n++
	if len(f.answers) > 1 {
		f.answers = f.answers[1:]
	}
	f.mu.Unlock()
	select {
	case f.calls <- struct{}{}:
	case <-ctx.Done():
	}
	return a.n, a.err
}

// TestCleanImportsLogsAndKeepsGoing: a failed cleanup is logged as a warning and the next one
// still runs; the start's count is logged even when 0, later ones only when something was
// removed; stop ends the loop.
func TestCleanImportsLogsAndKeepsGoing(t *testing.T) {
	var buf syncBuffer
	e := &env{log: slog.New(slog.NewTextHandler(&buf, nil)), stderr: io.Discard}
	f := &fakeCleaner{answers: []fakeAnswer{{0, nil}, {0, errors.New("clean staged imports: database unavailable")}, {0, nil}, {3, nil}, {0, nil}}, calls: make(chan struct{})}
	stop := cleanImports(context.Background(), e, f, time.Millisecond)
	for range 6 {
		<-f.calls
	}
	stop()
	log := buf.String()
	lines := strings.Split(strings.TrimSpace(log), "\n")
	if len(lines) != 3 ||
		!strings.Contains(lines[0], `level=INFO msg="abandoned staged imports removed" removed=0`) ||
		!strings.Contains(lines[1], `level=WARN`) || !strings.Contains(lines[1], "database unavailable") ||
		!strings.Contains(lines[2], `level=INFO msg="abandoned staged imports removed" removed=3`) {
		t.Errorf("log of start (0), a failure, nothing, 3, nothing, nothing:\n%s", log)
	}

	// Interval 0: only the cleanup at start.
	f = &fakeCleaner{answers: []fakeAnswer{{1, nil}}, calls: make(chan struct{})}
	stop = cleanImports(context.Background(), e, f, 0)
	<-f.calls
	stop()
	if n := f.n; n != 1 {
		t.Errorf("interval 0 cleaned %d times, want once (at start)", n)
	}
}

// TestServeFlagsCleanupAndHeap: a negative or unreadable cleanup interval and a heap or page
// cache that is not a size are usage errors, found before any database is started.
func TestServeFlagsCleanupAndHeap(t *testing.T) {
	for _, c := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"serve", "-import-cleanup-interval", "-1s"}, "import cleanup interval must be a duration of 0 or more"},
		{map[string]string{"MODELGRAPH_IMPORT_CLEANUP_INTERVAL": "often"}, []string{"serve"}, "import cleanup interval must be"},
		{nil, []string{"models", "-neo4j-heap", "lots"}, "embedded Neo4j heap must be a size such as 2g or 1536m (MODELGRAPH_NEO4J_HEAP / -neo4j-heap)"},
		{map[string]string{"MODELGRAPH_NEO4J_HEAP": "2 GB"}, []string{"models"}, "embedded Neo4j heap must be a size"},
		{map[string]string{"MODELGRAPH_NEO4J_PAGE_CACHE": "-1m"}, []string{"models"}, "embedded Neo4j page cache must be a size"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), c.args, func(k string) string { return c.env[k] }, &out, &errOut)
		if code != exitUsage || !strings.Contains(errOut.String(), c.want) {
			t.Errorf("%v %v: exit %d, stderr:\n%s\nwant %d and %q", c.env, c.args, code, errOut.String(), exitUsage, c.want)
		}
	}
}
