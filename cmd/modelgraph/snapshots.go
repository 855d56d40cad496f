package main

import (
	"expvar"
	"flag"
	"sync"
	"sync/atomic"

	"github.com/modelgraph/modelgraph/graph/snapshots"
)

// snapshotMemoryFlag registers -snapshot-memory: the budget of the models held in memory for
// traversals and analyses.
func snapshotMemoryFlag(fs *flag.FlagSet, e *env) *string {
	return fs.String("snapshot-memory", e.getenv("MODELGRAPH_SNAPSHOT_MEMORY"), "memory for the models held in memory for traversals, e.g. 512M or 4G; empty: a quarter of the machine's memory (env MODELGRAPH_SNAPSHOT_MEMORY)")
}

// snapshotMemory reads the budget; "" is the default for the machine.
func snapshotMemory(v string) (int64, error) {
	if v == "" {
		return snapshots.DefaultMemory(), nil
	}
	n, err := snapshots.ParseSize(v)
	if err != nil || n < 1<<20 {
		return 0, usageErr("snapshot memory must be a size of at least 1M, e.g. 512M or 4G (MODELGRAPH_SNAPSHOT_MEMORY / -snapshot-memory)")
	}
	return n, nil
}

var (
	servedCache atomic.Pointer[snapshots.Cache]
	publishOnce sync.Once
)

// publishSnapshots shows the cache's counters as the expvar "snapshots" on the debug endpoint.
// expvar names are process-wide, so the variable is published once and reads the cache of the
// server running now.
func publishSnapshots(c *snapshots.Cache) {
	servedCache.Store(c)
	publishOnce.Do(func() {
		expvar.Publish("snapshots", expvar.Func(func() any {
			if c := servedCache.Load(); c != nil {
				return c.Stats()
			}
			return snapshots.Stats{}
		}))
	})
}
