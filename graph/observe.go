package graph

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Observer hears about the store's work as it happens, for metrics. Its methods are called on
// the caller's goroutine, so they must be quick and safe for concurrent use.
type Observer interface {
	// RoundTrip is one Cypher query: sent, and its records read, in d; err is its failure.
	RoundTrip(d time.Duration, err error)
	// ImportWritten is one committed import, which wrote this many elements and relationships.
	ImportWritten(elements, relationships int)
}

var (
	observersMu sync.Mutex
	observers   atomic.Pointer[[]Observer]
)

// Observe makes o hear about the work of every store in the process, until stop is called.
func Observe(o Observer) (stop func()) {
	observersMu.Lock()
	defer observersMu.Unlock()
	var list []Observer
	if old := observers.Load(); old != nil {
		list = append(list, *old...)
	}
	list = append(list, o)
	observers.Store(&list)
	var once sync.Once
	return func() {
		once.Do(func() {
			observersMu.Lock()
			defer observersMu.Unlock()
			var rest []Observer
			for _, x := range *observers.Load() {
				if x != o {
					rest = append(rest, x)
				}
			}
			observers.Store(&rest)
		})
	}
}

type tripsKey struct{}

// WithRoundTrips returns a context under which every Cypher round trip the store makes adds one
// to the returned counter. The request log uses it; unlike WithQueryCounter it does not hide a
// counter set further out.
func WithRoundTrips(ctx context.Context) (context.Context, *atomic.Int64) {
	n := new(atomic.Int64)
	return context.WithValue(ctx, tripsKey{}, n), n
}

// roundTrip reports one query that started at start and ended with *err. run and stream defer it.
func roundTrip(ctx context.Context, start time.Time, err *error) {
	if c, ok := ctx.Value(tripsKey{}).(*atomic.Int64); ok {
		c.Add(1)
	}
	if list := observers.Load(); list != nil && len(*list) > 0 {
		d := time.Since(start)
		for _, o := range *list {
			o.RoundTrip(d, *err)
		}
	}
}

// importWritten reports a committed import's writes.
func importWritten(rep *ImportReport) {
	if rep == nil || rep.DryRun {
		return
	}
	if list := observers.Load(); list != nil {
		for _, o := range *list {
			o.ImportWritten(rep.ElementsWritten, rep.RelationshipsWritten)
		}
	}
}

// ErrNotReady is Ready's failure when the database answers but lacks the schema Setup creates.
var ErrNotReady = fmt.Errorf("%w: schema not set up", ErrUnavailable)

// Ready checks that the database answers and holds every constraint and index Setup creates,
// online. It reads only the schema (two short queries).
func (s *Store) Ready(ctx context.Context) error {
	online, err := readTx(ctx, s, func(tx neo4j.ManagedTransaction) (map[string]bool, error) {
		recs, err := run(ctx, tx, "SHOW INDEXES YIELD name, state RETURN name, state", nil)
		if err != nil {
			return nil, err
		}
		online := map[string]bool{}
		for _, r := range recs {
			w := rowOf(r, "indexes")
			name, state := must[string](w, "name"), get[string](w, "state")
			if err := w.Err(); err != nil {
				return nil, err
			}
			online[name] = state == "ONLINE"
		}
		return online, nil
	})
	if err != nil {
		return mapErr(err)
	}
	var missing []string
	for _, name := range schemaNames() {
		if !online[name] {
			missing = append(missing, name)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: missing or not online: %s", ErrNotReady, strings.Join(missing, ", "))
	}
	return nil
}

// schemaNames are the names of the constraints and indexes in schemaStatements ("CREATE
// CONSTRAINT name IF NOT EXISTS ..."). A uniqueness constraint is backed by an index of its name.
func schemaNames() []string {
	var names []string
	for _, stmt := range schemaStatements {
		if f := strings.Fields(stmt); len(f) > 2 && f[0] == "CREATE" {
			names = append(names, f[2])
		}
	}
	return names
}
