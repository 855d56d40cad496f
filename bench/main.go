// Command bench loads synthetic enterprise models of several sizes into one Neo4j and measures
// the canonical queries three ways in the same run: modelgraph's GraphQL over HTTP, the same
// Cypher sent straight through the Go driver (the floor), and the Neo4j GraphQL Library
// (@neo4j/graphql on Node) over the same database. It also measures import throughput and the
// modelgraph server's memory.
//
//	go run ./bench -sizes 10000,100000
//
// `go run ./bench abuse` is the load test with abusive requests: attackers send requests at the
// server's limits and beyond while a bystander measures ordinary queries (abuse.go).
//
// See docs/BENCHMARKS.md for what each number means.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/modelgraph/modelgraph/bench/synth"
	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/launcher"
)

type config struct {
	sizes       []int
	conc        []int
	duration    time.Duration
	warmup      time.Duration
	seed        uint64
	heap, cache string
	dataDir     string
	out         string
	skipNode    bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	if len(os.Args) > 1 && os.Args[1] == "abuse" {
		return runAbuse(ctx, os.Args[2:])
	}
	var c config
	var sizes, conc string
	flag.StringVar(&sizes, "sizes", "10000,100000", "model sizes in elements, comma-separated")
	flag.StringVar(&conc, "concurrency", "1,8,32", "concurrency levels, comma-separated")
	flag.DurationVar(&c.duration, "duration", 3*time.Second, "measuring time per query, target and concurrency")
	flag.DurationVar(&c.warmup, "warmup", time.Second, "warm-up time before each measurement")
	flag.Uint64Var(&c.seed, "seed", 1, "generator seed")
	flag.StringVar(&c.heap, "neo4j-heap", "6g", "Neo4j JVM heap")
	flag.StringVar(&c.cache, "neo4j-page-cache", "2g", "Neo4j page cache")
	flag.StringVar(&c.dataDir, "data", ".data/bench-neo4j", "Neo4j store folder (emptied first)")
	flag.StringVar(&c.out, "out", "docs/benchmarks.json", "where to write the raw results")
	flag.BoolVar(&c.skipNode, "skip-neo4j-graphql", false, "leave out @neo4j/graphql")
	flag.Parse()
	var err error
	if c.sizes, err = ints(sizes); err != nil {
		return err
	}
	if c.conc, err = ints(conc); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	env, err := startEnvironment(ctx, c, log)
	if err != nil {
		return err
	}
	defer env.stop()

	res := &results{Machine: machine(), Started: time.Now().UTC(), Command: "go run ./bench " + strings.Join(os.Args[1:], " "),
		Duration: c.duration.String(), Concurrency: c.conc}
	for _, n := range c.sizes {
		sr, err := measureSize(ctx, env, c, n, log)
		if err != nil {
			return fmt.Errorf("size %d: %w", n, err)
		}
		res.Sizes = append(res.Sizes, sr)
		if err := save(c.out, res); err != nil {
			return err
		}
		printSize(os.Stdout, sr, c.conc)
	}
	return nil
}

func ints(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive whole number", f)
		}
		out = append(out, n)
	}
	return out, nil
}

func save(path string, r *results) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// measureSize loads one synthetic model and measures every query against every target.
func measureSize(ctx context.Context, env *environment, c config, n int, log *slog.Logger) (*sizeResult, error) {
	key := fmt.Sprintf("bench-%d", n)
	f := synth.Model(key, n, c.seed)
	sr := &sizeResult{Size: n, Elements: len(f.Elements), Relationships: len(f.Relationships)}
	log.Info("importing", "model", key, "elements", sr.Elements, "relationships", sr.Relationships)
	items := float64(sr.Elements + sr.Relationships)
	// A bulk load without history into a copy, then the default import (with history) that the
	// queries run against.
	bulk := *f
	bulk.Model.Key = key + "-bulk"
	start := time.Now()
	if _, err := env.store.Import(ctx, &bulk, graph.ImportOptions{NoHistory: true}); err != nil {
		return nil, err
	}
	sr.BulkImportSeconds = time.Since(start).Seconds()
	sr.BulkImportItemsPerSecond = items / sr.BulkImportSeconds
	log.Info("bulk imported", "seconds", sr.BulkImportSeconds, "items/s", int(sr.BulkImportItemsPerSecond))
	start = time.Now()
	if _, err := env.store.Import(ctx, f, graph.ImportOptions{}); err != nil {
		return nil, err
	}
	sr.ImportSeconds = time.Since(start).Seconds()
	sr.ImportItemsPerSecond = items / sr.ImportSeconds
	log.Info("imported", "seconds", sr.ImportSeconds, "items/s", int(sr.ImportItemsPerSecond))

	in, err := pickInputs(ctx, env.store, f)
	if err != nil {
		return nil, err
	}
	env.server.resetPeak()
	for _, q := range queries {
		for _, t := range env.targets {
			for _, cc := range c.conc {
				m, err := measure(ctx, t, q, in, cc, c.warmup, c.duration)
				if err != nil {
					return nil, fmt.Errorf("%s via %s: %w", q.name, t.name(), err)
				}
				m.Query, m.Target, m.Concurrency = q.name, t.name(), cc
				sr.Runs = append(sr.Runs, m)
				log.Info("measured", "size", n, "query", q.name, "target", t.name(), "concurrency", cc, "p50_ms", m.P50, "p95_ms", m.P95, "rps", int(m.Throughput), "errors", m.Errors)
			}
		}
	}
	sr.Server = env.server.memory()
	return sr, nil
}

// environment is the database and the three ways of querying it.
type environment struct {
	db      *launcher.DB
	store   *graph.Store
	server  *mgServer
	node    *nodeServer
	targets []target
}

func startEnvironment(ctx context.Context, c config, log *slog.Logger) (*environment, error) {
	if err := os.RemoveAll(c.dataDir); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	env := &environment{}
	env.db, err = launcher.Start(ctx, launcher.Config{DataDir: c.dataDir, Port: port, Heap: c.heap, PageCache: c.cache, Logger: log})
	if err != nil {
		return nil, err
	}
	env.store, err = graph.Open(ctx, graph.Config{URI: env.db.URI, Username: env.db.Username, Password: env.db.Password, MaxDepth: 10}, time.Minute)
	if err != nil {
		env.stop()
		return nil, err
	}
	if err := env.store.Setup(ctx); err != nil {
		env.stop()
		return nil, err
	}
	env.server, err = startServer(ctx, env.db, log)
	if err != nil {
		env.stop()
		return nil, err
	}
	env.targets = []target{&httpTarget{label: "modelgraph", url: env.server.url, ops: modelgraphOps}, &rawTarget{store: env.store}}
	if !c.skipNode {
		env.node, err = startNode(ctx, env.db, log)
		if err != nil {
			env.stop()
			return nil, err
		}
		env.targets = append(env.targets, &httpTarget{label: "neo4j-graphql", url: env.node.url, ops: env.node.ops})
	}
	return env, nil
}

func (e *environment) stop() {
	if e.node != nil {
		e.node.stop()
	}
	if e.server != nil {
		e.server.stop()
	}
	if e.store != nil {
		e.store.Close(context.Background())
	}
	if e.db != nil {
		e.db.Stop()
	}
}
