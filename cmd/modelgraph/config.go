package main

import (
	"context"
	"flag"
	"regexp"
	"strconv"
	"time"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/launcher"
)

// dbConfig is how a subcommand reaches Neo4j: the user's own (URI set) or the embedded one.
type dbConfig struct {
	uri, username, password, database string
	maxDepth                          int
	timeout                           time.Duration // graph.Config.Timeout (0: its default)
	embedded                          launcher.Config
}

// dbFlags registers the database flags on fs with defaults from the environment.
func dbFlags(fs *flag.FlagSet, e *env) *dbConfig {
	c := &dbConfig{}
	fs.StringVar(&c.uri, "neo4j-uri", e.getenv("NEO4J_URI"), "Bolt or neo4j URI of your own Neo4j; empty starts the embedded one (env NEO4J_URI)")
	fs.StringVar(&c.username, "neo4j-username", e.getenv("NEO4J_USERNAME"), "Neo4j user (env NEO4J_USERNAME)")
	fs.StringVar(&c.password, "neo4j-password", e.getenv("NEO4J_PASSWORD"), "Neo4j password (env NEO4J_PASSWORD)")
	fs.StringVar(&c.database, "neo4j-database", e.getenv("NEO4J_DATABASE"), "Neo4j database; empty uses the server's default (env NEO4J_DATABASE)")
	fs.IntVar(&c.maxDepth, "max-depth", envInt(e, "MODELGRAPH_MAX_DEPTH", 10), "largest maxDepth a traversal accepts (env MODELGRAPH_MAX_DEPTH)")
	fs.StringVar(&c.embedded.DataDir, "data", e.getenv("MODELGRAPH_DATA"), "embedded Neo4j store folder; default .data/neo4j in the checkout (env MODELGRAPH_DATA)")
	fs.IntVar(&c.embedded.Port, "neo4j-port", envInt(e, "MODELGRAPH_NEO4J_PORT", 7687), "embedded Neo4j Bolt port on 127.0.0.1 (env MODELGRAPH_NEO4J_PORT)")
	fs.StringVar(&c.embedded.Heap, "neo4j-heap", e.getenv("MODELGRAPH_NEO4J_HEAP"), "embedded Neo4j JVM heap, e.g. 2g; empty: a quarter of the machine's memory, 1g to 8g (env MODELGRAPH_NEO4J_HEAP)")
	fs.StringVar(&c.embedded.PageCache, "neo4j-page-cache", e.getenv("MODELGRAPH_NEO4J_PAGE_CACHE"), "embedded Neo4j page cache, e.g. 512m; empty: an eighth of the machine's memory, 128m to 4g (env MODELGRAPH_NEO4J_PAGE_CACHE)")
	fs.StringVar(&c.embedded.Dir, "launcher-dir", e.getenv("MODELGRAPH_LAUNCHER_DIR"), "folder of the embedded Neo4j launcher; default the checkout's launcher/ (env MODELGRAPH_LAUNCHER_DIR)")
	return c
}

// jvmSize is a size both the JVM (-Xmx) and Neo4j's page cache setting read: a whole number with
// an optional k, m or g.
var jvmSize = regexp.MustCompile(`^[1-9][0-9]*[kKmMgG]?$`)

func envOr(e *env, name, def string) string {
	if v := e.getenv(name); v != "" {
		return v
	}
	return def
}

// envInt reads an integer default; a bad value is reported when flags are checked.
func envInt(e *env, name string, def int) int {
	v := e.getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return -1
	}
	return n
}

func (c *dbConfig) check() error {
	if c.maxDepth < 1 {
		return usageErr("max depth must be a positive whole number (MODELGRAPH_MAX_DEPTH / -max-depth)")
	}
	if c.uri == "" && (c.embedded.Port < 1 || c.embedded.Port > 65535) {
		return usageErr("embedded Neo4j port must be 1..65535 (MODELGRAPH_NEO4J_PORT / -neo4j-port)")
	}
	if c.uri == "" && c.embedded.Heap != "" && !jvmSize.MatchString(c.embedded.Heap) {
		return usageErr("embedded Neo4j heap must be a size such as 2g or 1536m (MODELGRAPH_NEO4J_HEAP / -neo4j-heap)")
	}
	if c.uri == "" && c.embedded.PageCache != "" && !jvmSize.MatchString(c.embedded.PageCache) {
		return usageErr("embedded Neo4j page cache must be a size such as 512m or 2g (MODELGRAPH_NEO4J_PAGE_CACHE / -neo4j-page-cache)")
	}
	return nil
}

// connect opens the store, starting or reusing the embedded database when no URI is set, and sets
// up the schema. The returned close function closes the driver and stops a database it started.
func (c *dbConfig) connect(ctx context.Context, e *env) (*graph.Store, func(), error) {
	if err := c.check(); err != nil {
		return nil, nil, err
	}
	uri, user, pass := c.uri, c.username, c.password
	var db *launcher.DB
	if uri == "" {
		c.embedded.Logger = e.log
		var err error
		db, err = launcher.Start(ctx, c.embedded)
		if err != nil {
			return nil, nil, err
		}
		// The embedded database's own account, from its password file.
		uri, user, pass = db.URI, db.Username, db.Password
	}
	store, err := graph.Open(ctx, graph.Config{URI: uri, Username: user, Password: pass, Database: c.database, MaxDepth: c.maxDepth, Timeout: c.timeout}, 30*time.Second)
	if err != nil {
		db.Stop()
		return nil, nil, err
	}
	if err := store.Setup(ctx); err != nil {
		store.Close(context.Background())
		db.Stop()
		return nil, nil, err
	}
	closeFn := func() {
		store.Close(context.Background())
		if err := db.Stop(); err != nil {
			e.log.Error("stop embedded Neo4j", "err", err)
		}
	}
	return store, closeFn, nil
}

func parseFlags(fs *flag.FlagSet, e *env, args []string) error {
	fs.SetOutput(e.stderr)
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return err
		}
		return &flagError{err}
	}
	return nil
}

// flagError is a bad flag; the flag package has already written it, with the command's flags.
type flagError struct{ err error }

func (e *flagError) Error() string        { return e.err.Error() }
func (e *flagError) Is(target error) bool { return target == errUsage }
