package graphtest

import (
	"context"
	"log/slog"
	"os"
	"testing"
	"time"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/launcher"
)

// Fresh is a second database, empty when started, for tests that need a whole store of their own
// (a restore into an empty store): the shared one holds the models of every test in the package.
type Fresh struct {
	Store              *graph.Store
	URI                string
	Username, Password string
}

// StartFresh starts an embedded Neo4j of its own in a temporary folder, with the schema set up,
// and stops it when the test ends. It costs a database start (tens of seconds), so tests share
// one where they can.
func StartFresh(t testing.TB) *Fresh {
	t.Helper()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "modelgraph-test-fresh-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	db, err := launcher.Start(ctx, launcher.Config{DataDir: dir, Port: port, Heap: "1g", PageCache: "64m", // the product default heap
		StartTimeout: 10 * time.Minute, Logger: logger}) // a loaded test machine starts slowly
	if err != nil {
		t.Fatalf("graphtest: start a fresh embedded Neo4j: %v", err)
	}
	t.Cleanup(func() { db.Stop() })
	s, err := graph.Open(ctx, graph.Config{URI: db.URI, Username: db.Username, Password: db.Password, MaxDepth: 10}, time.Minute)
	if err != nil {
		t.Fatalf("graphtest: %v", err)
	}
	t.Cleanup(func() { s.Close(context.Background()) })
	if err := s.Setup(ctx); err != nil {
		t.Fatalf("graphtest: %v", err)
	}
	return &Fresh{Store: s, URI: db.URI, Username: db.Username, Password: db.Password}
}
