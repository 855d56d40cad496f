// Command bench loads synthetic enterprise models of several sizes into one Neo4j and measures
// the canonical queries four ways in the same run: modelgraph's GraphQL over HTTP, the engine
// called in process on a warm snapshot (the in-memory floor), the store's traversal Cypher frozen
// in bench/ and sent straight through the Go driver (the Cypher floor, cypher.go), and the Neo4j
// GraphQL Library (@neo4j/graphql on Node) over the same database. It also measures import
// throughput, snapshot builds and the modelgraph server's memory.
//
//	go run ./bench -sizes 10000,100000
//
// `go run ./bench abuse` is the load test with abusive requests: attackers send requests at the
// server's limits and beyond while a bystander measures ordinary queries (abuse.go).
//
// See docs/BENCHMARKS.md for what each number means.
package main

import (
	"cmp"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
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
	// Zero in the abuse bench, which runs the server at its default limits.
	reqTimeout time.Duration
	bulkMax    int
	check      bool
	maxConc    int
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
	flag.DurationVar(&c.reqTimeout, "request-timeout", time.Minute, "longest one request may take; a cell where none completes within it is reported as timed out")
	flag.IntVar(&c.bulkMax, "bulk-max", 100000, "largest size at which the bulk load without history is measured too (it is skipped above)")
	flag.BoolVar(&c.check, "check", true, "before measuring each size, ask every target a few questions and compare the sizes of the answers")
	flag.Parse()
	var err error
	if c.sizes, err = ints(sizes); err != nil {
		return err
	}
	if c.conc, err = ints(conc); err != nil {
		return err
	}
	c.maxConc = slices.Max(c.conc)
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))

	env, err := startEnvironment(ctx, c, log)
	if err != nil {
		return err
	}
	defer env.stop()

	res := &results{Machine: machine(), Started: time.Now().UTC(), Command: "go run ./bench " + strings.Join(os.Args[1:], " "),
		Duration: c.duration.String(), Warmup: c.warmup.String(), RequestTimeout: c.reqTimeout.String(), Concurrency: c.conc, ServerArgs: serverArgs(c)}
	fmt.Fprintf(os.Stdout, "modelgraph server flags: %s\n", strings.Join(res.ServerArgs, " "))
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
	// store.Import has no element cap of its own: the cap (100,000 by default) is the server's
	// and the command line's -max-import-elements. The bench imports through the store with
	// Limits{} (no MaxElements, no MaxRelationships) so that a 1M model is not refused.
	noLimits := graph.ImportOptions{Limits: graph.Limits{}}
	progress := func(what string) func(graph.ImportProgress) {
		last := time.Now()
		return func(p graph.ImportProgress) {
			if time.Since(last) > 30*time.Second || p.Committed {
				last = time.Now()
				log.Info(what, "done", p.Done(), "of", p.Total(), "switching", p.Switching, "committed", p.Committed)
			}
		}
	}
	// A bulk load without history into a copy (up to -bulk-max), then the default import (with
	// history) that the queries run against.
	if n <= c.bulkMax {
		bulk := *f
		bulk.Model.Key = key + "-bulk"
		opt := noLimits
		opt.NoHistory, opt.OnProgress = true, progress("bulk import")
		start := time.Now()
		if _, err := env.store.Import(ctx, &bulk, opt); err != nil {
			return nil, err
		}
		sr.BulkImportSeconds = time.Since(start).Seconds()
		sr.BulkImportItemsPerSecond = items / sr.BulkImportSeconds
		log.Info("bulk imported", "seconds", sr.BulkImportSeconds, "items/s", int(sr.BulkImportItemsPerSecond))
	} else {
		sr.BulkSkipped = true
		log.Info("bulk load without history skipped above -bulk-max", "size", n, "bulk-max", c.bulkMax)
	}
	start := time.Now()
	opt := noLimits
	opt.OnProgress = progress("import")
	if _, err := env.store.Import(ctx, f, opt); err != nil {
		return nil, err
	}
	sr.ImportSeconds = time.Since(start).Seconds()
	sr.ImportItemsPerSecond = items / sr.ImportSeconds
	log.Info("imported", "seconds", sr.ImportSeconds, "items/s", int(sr.ImportItemsPerSecond))

	snap, build, err := buildSnapshot(ctx, env.store, key)
	if err != nil {
		return nil, err
	}
	sr.Snapshot = build
	log.Info("snapshot built", "seconds", build.Seconds, "go_heap_mib", int(build.HeapMiB), "estimate_mib", int(build.EstimateMiB))
	in, err := pickInputsWith(f, func(from, to string) (bool, error) {
		a, _ := snap.m.ID(from)
		b, _ := snap.m.ID(to)
		_, found, err := snap.m.Path(a, b, 6)
		return found, err
	})
	if err != nil {
		return nil, err
	}
	f = nil // only the snapshot and the inputs are needed from here on

	env.server.resetPeak()
	sr.ServerSnapshot = env.server.firstTraversal(ctx, env.targets[0], queryNamed("supporters").args(in, 0), c.reqTimeout, 30*time.Minute)
	log.Info("modelgraph server snapshot", "first_request_seconds", sr.ServerSnapshot.FirstRequestSeconds, "builds", sr.ServerSnapshot.Builds, "error", sr.ServerSnapshot.Error)

	targets := []target{env.targets[0], snap}
	targets = append(targets, env.targets[1:]...)
	if c.check {
		sr.Check = runCheck(ctx, targets, in, c.reqTimeout)
		printCheck(os.Stdout, sr.Check, targetNames(targets))
		terminateStragglers(ctx, env.raw, c.reqTimeout, log)
	}
	for _, q := range queries {
		for _, t := range targets {
			for _, cc := range c.conc {
				m := measure(ctx, t, q, in, cell{conc: cc, warmup: c.warmup, dur: c.duration, timeout: c.reqTimeout})
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				m.Query, m.Target, m.Concurrency = q.name, t.name(), cc
				sr.Runs = append(sr.Runs, m)
				log.Info("measured", "size", n, "query", q.name, "target", t.name(), "concurrency", cc, "p50_ms", m.P50, "p95_ms", m.P95, "rps", int(m.Throughput),
					"errors", m.Errors, "timeouts", m.Timeouts, "timed_out", m.TimedOut, "wall_s", m.WallSecond)
				if m.Timeouts > 0 {
					terminateStragglers(ctx, env.raw, c.reqTimeout, log)
				}
			}
		}
	}
	sr.Server = env.server.memory()
	return sr, nil
}

// serverArgs are the flags the modelgraph server gets beyond its defaults, so that no
// canonical query is refused by a limit meant for abuse: the request timeout is the bench's,
// and a client may have every concurrent request in flight (the bench is one client standing for
// many). The other limits stay at their defaults, the complexity limit and the heavy-request gate
// among them: the page (100 elements with up to 100 relationships each way) is estimated at about
// 60,000, under the default 100,000.
func serverArgs(c config) []string {
	if c.reqTimeout == 0 {
		return nil
	}
	return []string{
		"-request-timeout", c.reqTimeout.String(),
		"-max-client-requests", strconv.Itoa(max(c.maxConc, 8)),
	}
}

// terminateStragglers ends the database transactions still running from requests the bench
// gave up on (a client that stops waiting does not stop @neo4j/graphql's query, nor always the
// database's): every transaction older than a few seconds, since nothing else runs between
// cells.
func terminateStragglers(ctx context.Context, raw *rawTarget, timeout time.Duration, log *slog.Logger) {
	age := min(timeout, 5*time.Second)
	recs, err := raw.admin(ctx, `SHOW TRANSACTIONS YIELD transactionId, elapsedTime, currentQuery
WHERE elapsedTime.milliseconds > $ms AND NOT currentQuery STARTS WITH 'SHOW TRANSACTIONS'
RETURN collect(transactionId) AS ids`, map[string]any{"ms": age.Milliseconds()})
	if err != nil {
		log.Warn("list transactions", "err", err)
		return
	}
	ids, _ := recs[0].Values[0].([]any)
	if len(ids) == 0 {
		return
	}
	if _, err := raw.admin(ctx, `TERMINATE TRANSACTIONS $ids`, map[string]any{"ids": ids}); err != nil {
		log.Warn("terminate transactions", "err", err)
		return
	}
	log.Info("terminated transactions left by timed-out requests", "count", len(ids))
}

// environment is the database and the three ways of querying it.
type environment struct {
	db     *launcher.DB
	store  *graph.Store
	server *mgServer
	node   *nodeServer
	raw    *rawTarget
	// targets are modelgraph, raw Cypher and, unless skipped, @neo4j/graphql; the snapshot
	// target is made per size.
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
	env.server, err = startServer(ctx, env.db, serverArgs(c), log)
	if err != nil {
		env.stop()
		return nil, err
	}
	env.raw, err = openRaw(ctx, env.db.URI, env.db.Username, env.db.Password, cmp.Or(c.reqTimeout, time.Minute))
	if err != nil {
		env.stop()
		return nil, err
	}
	env.targets = []target{&httpTarget{label: "modelgraph", url: env.server.url, ops: modelgraphOps, shapeOf: modelgraphShape}, env.raw}
	if !c.skipNode {
		env.node, err = startNode(ctx, env.db, log)
		if err != nil {
			env.stop()
			return nil, err
		}
		env.targets = append(env.targets, &httpTarget{label: "neo4j-graphql", url: env.node.url, ops: env.node.ops, shapeOf: neo4jGraphQLShape})
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
	if e.raw != nil {
		e.raw.close()
	}
	if e.store != nil {
		e.store.Close(context.Background())
	}
	if e.db != nil {
		e.db.Stop()
	}
}
