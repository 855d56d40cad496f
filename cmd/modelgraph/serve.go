package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/snapshots"
	"github.com/modelgraph/modelgraph/resolvers"
	"github.com/modelgraph/modelgraph/resolvers/obs"
	"github.com/modelgraph/modelgraph/seed"
)

func serveCmd(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	db := dbFlags(fs, e)
	addr := fs.String("addr", envOr(e, "ADDR", "127.0.0.1:8080"), "HTTP listen address (env ADDR)")
	maxImport := fs.Int("max-import-elements", envInt(e, "MODELGRAPH_MAX_IMPORT_ELEMENTS", 100000), "most elements one API import or upsert may hold (env MODELGRAPH_MAX_IMPORT_ELEMENTS)")
	maxBody := fs.Int("max-body-bytes", envInt(e, "MODELGRAPH_MAX_BODY_BYTES", 64<<20), "largest HTTP request body, and so importModel document (env MODELGRAPH_MAX_BODY_BYTES)")
	debugAddr := fs.String("debug-addr", e.getenv("MODELGRAPH_DEBUG_ADDR"), "if set, serve Prometheus metrics at /metrics, pprof and expvar (memory statistics) on this loopback address, e.g. 127.0.0.1:6060 (env MODELGRAPH_DEBUG_ADDR)")
	authCfg := authFlags(fs, e)
	limits := limitFlags(fs, e)
	snapMem := snapshotMemoryFlag(fs, e)
	demo := fs.Bool("demo", e.getenv("MODELGRAPH_DEMO") == "true", "load the demo models that are not there yet (env MODELGRAPH_DEMO=true)")
	rulesFile := fs.String("rules", e.getenv("MODELGRAPH_RULES"), "rules file with alignment rules of your own, run with the built-in ones (env MODELGRAPH_RULES)")
	cleanEvery := fs.Duration("import-cleanup-interval", envDuration(e, "MODELGRAPH_IMPORT_CLEANUP_INTERVAL", 5*time.Minute), fmt.Sprintf("how often to remove what imports cut off by a killed process staged (those silent for %v); always done at start; 0: only at start (env MODELGRAPH_IMPORT_CLEANUP_INTERVAL)", graph.StaleImport))
	maxSubs := fs.Int("max-subscribers", envInt(e, "MODELGRAPH_MAX_SUBSCRIBERS", resolvers.DefaultMaxSubscribers), "most Subscription.changes feeds open at once; more are refused with TOO_MANY_SUBSCRIBERS (env MODELGRAPH_MAX_SUBSCRIBERS)")
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	if *maxImport < 1 {
		return usageErr("max import elements must be a positive whole number (MODELGRAPH_MAX_IMPORT_ELEMENTS / -max-import-elements)")
	}
	if *maxSubs < 1 {
		return usageErr("max subscribers must be a positive whole number (MODELGRAPH_MAX_SUBSCRIBERS / -max-subscribers)")
	}
	if *cleanEvery < 0 {
		return usageErr("import cleanup interval must be a duration of 0 or more, e.g. 5m (MODELGRAPH_IMPORT_CLEANUP_INTERVAL / -import-cleanup-interval)")
	}
	if *maxBody < 1024 {
		return usageErr("max body bytes must be a whole number of at least 1024 (MODELGRAPH_MAX_BODY_BYTES / -max-body-bytes)")
	}
	if err := authCfg.check(e, *addr, *debugAddr); err != nil {
		return err
	}
	if err := limits.check(); err != nil {
		return err
	}
	snapBytes, err := snapshotMemory(*snapMem)
	if err != nil {
		return err
	}
	rules, err := loadRules(*rulesFile)
	if err != nil {
		return err
	}
	db.timeout = limits.dbTimeout
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	defer ln.Close()
	store, closeDB, err := db.connect(ctx, e)
	if err != nil {
		return err
	}
	defer closeDB()
	defer cleanImports(ctx, e, store, *cleanEvery)()
	if *demo {
		loaded, err := seed.LoadMissing(ctx, store)
		if err != nil {
			return err
		}
		for _, r := range loaded {
			e.log.Info("demo model loaded", "model", r.Model, "elements", r.Created, "relationships", r.RelCreated)
		}
	}
	cache := snapshots.New(store, snapshots.Options{MemoryBytes: snapBytes})
	publishSnapshots(cache)
	opts := resolvers.Options{Log: e.log, MaxImportElements: *maxImport, MaxBodyBytes: *maxBody, Limits: limits.lim, Snapshots: cache, Rules: rules, MaxSubscribers: *maxSubs}
	if *debugAddr != "" {
		opts.Metrics = obs.New()
		defer opts.Metrics.Close()
		opts.Metrics.WatchSnapshots(cache.Stats)
	}
	if err := authCfg.options(ctx, e, store, *addr, &opts); err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           resolvers.NewHandler(store, opts),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    1 << 20,
	}
	if *debugAddr != "" {
		stopDebug, err := serveDebug(*debugAddr, e, opts.Metrics.Handler())
		if err != nil {
			return err
		}
		defer stopDebug()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	e.log.Info("modelgraph serving", "playground", "http://"+ln.Addr().String()+"/", "api", "http://"+ln.Addr().String()+"/graphql")
	select {
	case err := <-errc:
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-ctx.Done():
		e.log.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			e.log.Warn("HTTP shutdown", "err", err)
		}
	}
	return nil
}

// importCleaner is what cleanImports needs of the store.
type importCleaner interface {
	CleanImports(ctx context.Context, olderThan time.Duration) (int, error)
}

// cleanImports removes, in the background, what imports cut off by a killed process left staged
// (graph.StaleImport without a heartbeat): at once, logging how many it removed, and then every
// interval (0: only at once), logging only removals. A failure is logged and the server keeps
// serving. The returned function stops it and waits until it has.
func cleanImports(ctx context.Context, e *env, store importCleaner, every time.Duration) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	clean := func(atStart bool) {
		n, err := store.CleanImports(ctx, graph.StaleImport)
		switch {
		case err != nil && ctx.Err() != nil: // stopping
		case err != nil:
			e.log.Warn("removing abandoned staged imports failed; the next import or cleanup retries", "err", err, "removed", n)
		case atStart || n > 0:
			e.log.Info("abandoned staged imports removed", "removed", n, "stale_after", graph.StaleImport, "every", every)
		}
	}
	go func() {
		defer close(done)
		clean(true)
		if every <= 0 {
			return
		}
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				clean(false)
			}
		}
	}()
	return func() {
		cancel()
		<-done
	}
}
