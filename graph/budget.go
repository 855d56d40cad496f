package graph

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Budget bounds what one request may take from the database. The GraphQL layer gives each
// request its own budget (WithBudget); without one, nothing is bounded (command-line imports and
// exports).
type Budget struct {
	// MaxRows bounds the rows one request reads, counting each element of a list a row returns
	// (most queries return one row with the list of results). 0: no limit.
	MaxRows int
	// MaxSessions bounds how many database sessions one request holds at the same time, so that
	// one request with many fields cannot take the whole connection pool. 0: no limit.
	MaxSessions int
}

type budget struct {
	maxRows int64
	rows    atomic.Int64
	slots   chan struct{}
	held    atomic.Int64 // sessions held now
	peak    atomic.Int64 // most sessions held at once, for tests
}

type budgetKey struct{}

// WithBudget returns a context under which the store's queries spend from b.
func WithBudget(ctx context.Context, b Budget) context.Context {
	bb := &budget{maxRows: int64(b.MaxRows)}
	if b.MaxSessions > 0 {
		bb.slots = make(chan struct{}, b.MaxSessions)
	}
	return context.WithValue(ctx, budgetKey{}, bb)
}

func budgetFrom(ctx context.Context) *budget {
	b, _ := ctx.Value(budgetKey{}).(*budget)
	return b
}

// acquireSession waits for one of the request's session slots; release gives it back.
func acquireSession(ctx context.Context) (release func(), err error) {
	b := budgetFrom(ctx)
	if b == nil || b.slots == nil {
		return func() {}, nil
	}
	select {
	case b.slots <- struct{}{}:
		n := b.held.Add(1)
		for p := b.peak.Load(); n > p && !b.peak.CompareAndSwap(p, n); p = b.peak.Load() {
		}
		return func() { b.held.Add(-1); <-b.slots }, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for a database session: %w", ctx.Err())
	}
}

// spend takes n rows from the budget.
func (b *budget) spend(n int) error {
	if got := b.rows.Add(int64(n)); got > b.maxRows {
		return fmt.Errorf("%w: the request read more than %d rows", ErrTooLarge, b.maxRows)
	}
	return nil
}

// rowWeight counts one row and each element of the lists it holds.
func rowWeight(r *neo4j.Record) int {
	n := 1
	for _, v := range r.Values {
		if l, ok := v.([]any); ok {
			n += len(l)
		}
	}
	return n
}

// txTimeout passes what is left of the request's deadline to Neo4j as the transaction timeout,
// so the database stops work nobody waits for. Neo4j gets a little less than what is left (a
// fifth, at most 3 s, more than the 2 s between its checks for timed-out transactions): it then
// ends the transaction and says so before the client gives up, and the connection stays usable.
func txTimeout(ctx context.Context) []func(*neo4j.TransactionConfig) {
	d, ok := ctx.Deadline()
	if !ok {
		return nil
	}
	left := time.Until(d)
	left -= min(left/5, 3*time.Second)
	if left < time.Millisecond {
		left = time.Millisecond
	}
	return []func(*neo4j.TransactionConfig){neo4j.WithTxTimeout(left)}
}
