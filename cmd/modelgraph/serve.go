package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"time"

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
