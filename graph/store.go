package graph

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Config says how to reach Neo4j.
type Config struct {
	URI      string
	Username string
	Password string
	Database string // "" means the server's default database
	// MaxDepth caps maxDepth on traversals (default 10).
	MaxDepth int
	// Timeout bounds how long a query waits for a database that does not answer: opening a
	// connection, waiting for a free one in the pool (default 5s). During an outage requests fail
	// with ErrUnavailable after about this long instead of hanging.
	Timeout time.Duration
	// RetryTime bounds how long a transaction is retried on transient errors (default Timeout).
	RetryTime time.Duration
}

// DefaultTimeout is Config.Timeout when it is not set.
const DefaultTimeout = 5 * time.Second

// Store is modelgraph's access to Neo4j. It is safe for concurrent use.
type Store struct {
	driver   neo4j.DriverWithContext
	database string
	maxDepth int
	timeout  time.Duration // Config.Timeout as applied
}

// Open connects to Neo4j and checks that it answers, retrying for up to wait. A negative wait
// skips the check: the store is returned at once and queries fail with ErrUnavailable until the
// database answers.
func Open(ctx context.Context, cfg Config, wait time.Duration) (*Store, error) {
	auth := neo4j.NoAuth()
	if cfg.Username != "" {
		auth = neo4j.BasicAuth(cfg.Username, cfg.Password, "")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.RetryTime <= 0 {
		cfg.RetryTime = cfg.Timeout
	}
	driver, err := neo4j.NewDriverWithContext(cfg.URI, auth, func(c *neo4j.Config) {
		c.MaxConnectionPoolSize = 100
		c.ConnectionAcquisitionTimeout = cfg.Timeout
		c.SocketConnectTimeout = cfg.Timeout
		c.MaxTransactionRetryTime = cfg.RetryTime
	})
	if err != nil {
		return nil, fmt.Errorf("open neo4j %s: %w", cfg.URI, err)
	}
	if cfg.MaxDepth <= 0 {
		cfg.MaxDepth = 10
	}
	if wait < 0 {
		return &Store{driver: driver, database: cfg.Database, maxDepth: cfg.MaxDepth, timeout: cfg.Timeout}, nil
	}
	deadline := time.Now().Add(wait)
	for {
		err = driver.VerifyConnectivity(ctx)
		if err == nil || time.Now().After(deadline) || ctx.Err() != nil {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	if err != nil {
		driver.Close(ctx)
		return nil, fmt.Errorf("%w: connect to %s: %v", ErrUnavailable, cfg.URI, err)
	}
	return &Store{driver: driver, database: cfg.Database, maxDepth: cfg.MaxDepth, timeout: cfg.Timeout}, nil
}

// Timeout is how long a query waits for a database that does not answer (Config.Timeout).
func (s *Store) Timeout() time.Duration { return s.timeout }

// Close releases the driver's connections.
func (s *Store) Close(ctx context.Context) error { return s.driver.Close(ctx) }

// MaxDepth is the largest maxDepth a traversal accepts.
func (s *Store) MaxDepth() int { return s.maxDepth }

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	_, err := readTx(ctx, s, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		return run(ctx, tx, "RETURN 1", nil)
	})
	return err
}

// schemaStatements are idempotent: running them at every start is safe.
var schemaStatements = []string{
	"CREATE CONSTRAINT model_key IF NOT EXISTS FOR (m:Model) REQUIRE m.key IS UNIQUE",
	"CREATE CONSTRAINT element_model_key IF NOT EXISTS FOR (e:Element) REQUIRE (e.model, e.key) IS UNIQUE",
	"CREATE INDEX element_model IF NOT EXISTS FOR (e:Element) ON (e.model)",
	"CREATE INDEX element_model_kind IF NOT EXISTS FOR (e:Element) ON (e.model, e.kind)",
	"CREATE INDEX change_model_seq IF NOT EXISTS FOR (c:Change) ON (c.model, c.seq)",
	"CREATE CONSTRAINT scenario_key IF NOT EXISTS FOR (s:Scenario) REQUIRE s.key IS UNIQUE",
	"CREATE INDEX scenario_item IF NOT EXISTS FOR (i:ScenarioItem) ON (i.scenario, i.target, i.key)",
	"CREATE INDEX scenario_items IF NOT EXISTS FOR (i:ScenarioItem) ON (i.scenario)",
}

// Setup creates the constraints and indexes modelgraph relies on. It is idempotent.
func (s *Store) Setup(ctx context.Context) error {
	for _, stmt := range schemaStatements {
		sess := s.session(ctx, neo4j.AccessModeWrite)
		_, err := sess.Run(ctx, stmt, nil)
		sess.Close(ctx)
		if err != nil {
			return fmt.Errorf("schema set-up %q: %w", stmt, mapErr(err))
		}
	}
	sess := s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(ctx)
	if _, err := sess.Run(ctx, "CALL db.awaitIndexes(300)", nil); err != nil {
		return fmt.Errorf("schema set-up: wait for indexes: %w", mapErr(err))
	}
	return nil
}

func (s *Store) session(ctx context.Context, mode neo4j.AccessMode) neo4j.SessionWithContext {
	return s.driver.NewSession(ctx, neo4j.SessionConfig{AccessMode: mode, DatabaseName: s.database})
}

// readTx runs fn in a read transaction, retried by the driver on transient errors, and returns
// what the last, successful, run of fn returned.
func readTx[T any](ctx context.Context, s *Store, fn func(tx neo4j.ManagedTransaction) (T, error)) (T, error) {
	return inTx(ctx, s, neo4j.AccessModeRead, fn)
}

// writeTx runs fn in one write transaction: everything fn does is committed together or not at
// all.
func writeTx[T any](ctx context.Context, s *Store, fn func(tx neo4j.ManagedTransaction) (T, error)) (T, error) {
	return inTx(ctx, s, neo4j.AccessModeWrite, fn)
}

// inTx runs fn in a transaction of the given mode, in a session taken from the request's slots,
// bounded by what is left of the request's deadline. fn's result is kept in a variable of its own
// type rather than passed through the driver's any, so no assertion is needed to get it back.
func inTx[T any](ctx context.Context, s *Store, mode neo4j.AccessMode, fn func(tx neo4j.ManagedTransaction) (T, error)) (T, error) {
	var out, zero T
	release, err := acquireSession(ctx)
	if err != nil {
		return zero, err
	}
	defer release()
	sess := s.session(ctx, mode)
	defer sess.Close(ctx)
	work := func(tx neo4j.ManagedTransaction) (any, error) {
		v, err := fn(tx)
		if err != nil {
			return nil, err
		}
		out = v
		return nil, nil
	}
	if mode == neo4j.AccessModeWrite {
		_, err = sess.ExecuteWrite(ctx, work, txTimeout(ctx)...)
	} else {
		_, err = sess.ExecuteRead(ctx, work, txTimeout(ctx)...)
	}
	if err != nil {
		return zero, mapCtxErr(ctx, err)
	}
	return out, nil
}

// run sends one query and collects its records; it is the only place queries go out, so it is
// where round trips are counted and where a request's row budget is spent.
func run(ctx context.Context, tx neo4j.ManagedTransaction, cypher string, params map[string]any) (recs []*neo4j.Record, err error) {
	defer roundTrip(ctx, time.Now(), &err)
	if c, ok := ctx.Value(counterKey{}).(*atomic.Int64); ok {
		c.Add(1)
	}
	res, err := tx.Run(ctx, cypher, params)
	if err != nil {
		return nil, err
	}
	b := budgetFrom(ctx)
	if b == nil || b.maxRows <= 0 {
		return res.Collect(ctx)
	}
	var out []*neo4j.Record
	for res.Next(ctx) {
		r := res.Record()
		if err := b.spend(rowWeight(r)); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, res.Err()
}

type counterKey struct{}

// WithQueryCounter returns a context under which every Cypher round trip the store makes adds one
// to n. Tests use it to check that a GraphQL operation's round trips do not grow with its results.
func WithQueryCounter(ctx context.Context, n *atomic.Int64) context.Context {
	return context.WithValue(ctx, counterKey{}, n)
}

// mapErr turns driver errors into the package's error kinds, keeping the original in the chain.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var ve *ValidationError
	var le *LimitError
	if errors.As(err, &ve) || errors.As(err, &le) || errors.Is(err, ErrNotFound) || errors.Is(err, ErrConflict) || errors.Is(err, ErrInvalid) || errors.Is(err, ErrUnavailable) || errors.Is(err, ErrTooLarge) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return err
	}
	if neo4j.IsConnectivityError(err) {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	if le := memoryError(err); le != nil {
		return le
	}
	var ue *neo4j.UsageError
	if errors.As(err, &ue) && (strings.Contains(ue.Message, "closed driver") || strings.Contains(ue.Message, "Pool closed")) {
		// The server is shutting down and has closed its connections (an import cut off).
		return fmt.Errorf("%w: shutting down: %v", ErrUnavailable, err)
	}
	// Retries ran out; if the last attempt could not reach the database, it is unavailable.
	var limit *neo4j.TransactionExecutionLimit
	if errors.As(err, &limit) && len(limit.Errors) > 0 && neo4j.IsConnectivityError(limit.Errors[len(limit.Errors)-1]) {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	var ne *neo4j.Neo4jError
	if errors.As(err, &ne) && ne.Code == "Neo.ClientError.Schema.ConstraintValidationFailed" {
		return fmt.Errorf("%w: %v", ErrConflict, err)
	}
	if errors.As(err, &ne) && strings.Contains(ne.Code, "TransactionTimedOut") {
		return fmt.Errorf("%w: %v", context.DeadlineExceeded, err)
	}
	return err
}

// mapCtxErr is mapErr, except that a failure after the request's context ended is reported as
// that ending (deadline or cancellation): the driver then returns assorted errors.
func mapCtxErr(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w: %v", cerr, err)
	}
	return mapErr(err)
}
