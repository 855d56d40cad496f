// Package graphtest gives integration tests a real Neo4j: the one NEO4J_TEST_URI points at (with
// NEO4J_TEST_USERNAME and NEO4J_TEST_PASSWORD), or an embedded one started for the test binary in
// a temporary folder on a free loopback port, reached with the password the launcher generated.
//
// Use it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(graphtest.Main(m)) }
//
// and get the shared store with graphtest.Store(t). Each test should work in its own model
// (graphtest.ModelKey) so tests can run in parallel.
package graphtest

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/launcher"
)

var (
	store              *graph.Store
	uri                string
	username, password string
	seq                atomic.Int64
)

// Main starts or connects to the test database, runs the tests and stops what it started. It
// fails (never skips) when no database can be had.
func Main(m *testing.M) int {
	if fuzzing() {
		// A fuzz run executes no integration test; its worker processes must not each start a
		// database.
		return m.Run()
	}
	ctx := context.Background()
	uri = os.Getenv("NEO4J_TEST_URI")
	username, password = os.Getenv("NEO4J_TEST_USERNAME"), os.Getenv("NEO4J_TEST_PASSWORD")
	var db *launcher.DB
	if uri == "" {
		dir, err := os.MkdirTemp("", "modelgraph-test-neo4j-")
		if err != nil {
			fmt.Fprintln(os.Stderr, "graphtest:", err)
			return 1
		}
		defer os.RemoveAll(dir)
		port, err := freePort()
		if err != nil {
			fmt.Fprintln(os.Stderr, "graphtest:", err)
			return 1
		}
		logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
		db, err = launcher.Start(ctx, launcher.Config{DataDir: dir, Port: port, Heap: "768m", PageCache: "128m", Logger: logger})
		if err != nil {
			fmt.Fprintln(os.Stderr, "graphtest: start embedded Neo4j:", err)
			return 1
		}
		defer db.Stop()
		uri, username, password = db.URI, db.Username, db.Password
	}
	s, err := graph.Open(ctx, graph.Config{
		URI:      uri,
		Username: username,
		Password: password,
		Database: os.Getenv("NEO4J_TEST_DATABASE"),
		MaxDepth: 10,
	}, time.Minute)
	if err != nil {
		fmt.Fprintln(os.Stderr, "graphtest:", err)
		return 1
	}
	defer s.Close(ctx)
	if err := s.Setup(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "graphtest:", err)
		return 1
	}
	store = s
	return m.Run()
}

// Store returns the shared store; Main must have run.
func Store(t testing.TB) *graph.Store {
	t.Helper()
	if store == nil {
		t.Fatal("graphtest: no store; call graphtest.Main from TestMain")
	}
	return store
}

func fuzzing() bool {
	for _, a := range os.Args[1:] {
		if strings.HasPrefix(a, "-test.fuzz") {
			return true
		}
	}
	return false
}

// URI returns the Bolt URI of the test database; Main must have run.
func URI() string { return uri }

// Credentials returns the user and password of the test database (both empty when a database
// given by NEO4J_TEST_URI needs none); Main must have run.
func Credentials() (user, pass string) { return username, password }

// ModelKey returns a model key unique to this test run, derived from the test name.
func ModelKey(t testing.TB) string {
	t.Helper()
	name := strings.ToLower(t.Name())
	var b strings.Builder
	for _, r := range name {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
		} else {
			b.WriteRune('-')
		}
	}
	base := strings.Trim(b.String(), "-")
	if len(base) > 40 {
		base = base[len(base)-40:]
	}
	return fmt.Sprintf("t%d-%s-%d", os.Getpid()%100000, strings.Trim(base, "-"), seq.Add(1))
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
