package launcher

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// TestStoreWithoutAuthenticationIsMigrated makes a store the way launchers without
// authentication did (world-readable folder, no password file, anyone may connect, someone adds
// a user of their own) and starts it normally twice: the first normal start takes it over, the
// second finds it as it left it.
func TestStoreWithoutAuthenticationIsMigrated(t *testing.T) {
	ctx := context.Background()
	cfg, err := testConfig(filepath.Join(t.TempDir(), "neo4j"))
	if err != nil {
		t.Fatal(err)
	}

	open := cfg
	open.insecureNoAuth = true
	old := startOrFail(t, open)
	if old.Password != "" {
		t.Fatalf("the open start has a password %q", old.Password)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, PasswordFile)); !os.IsNotExist(err) {
		t.Fatalf("the open start wrote a password file (stat: %v)", err)
	}
	for _, q := range []string{
		"UNWIND range(1, 3) AS n CREATE (:Probe {n: n})",
		"CREATE USER intruder SET PASSWORD 'intruder-password' CHANGE NOT REQUIRED",
	} {
		if err := write(ctx, old.URI, neo4j.NoAuth(), q); err != nil {
			t.Fatalf("%s on the open store: %v", q, err)
		}
	}
	webPageRunsCypherWhenOpen(t, cfg.DataDir)
	refusedByFilter(t, cfg.Port) // the filter does not depend on authentication
	stopOrFail(t, old)
	if err := os.Chmod(cfg.DataDir, 0o755); err != nil { // as older launchers left it
		t.Fatal(err)
	}

	first := startOrFail(t, cfg)
	checkMigrated(t, first, cfg)
	stopOrFail(t, first)

	again := startOrFail(t, cfg)
	defer again.Stop()
	if again.Password != first.Password {
		t.Fatal("the password changed between two normal starts")
	}
	checkMigrated(t, again, cfg)
	// Only the first normal start found no password file, and set the password before opening Bolt.
	b, _ := os.ReadFile(filepath.Join(cfg.DataDir, "launcher.log"))
	if n := strings.Count(string(b), "with Bolt closed"); n != 1 {
		t.Errorf("launcher.log records %d password settings with Bolt closed, want 1", n)
	}
}

func checkMigrated(t *testing.T, db *DB, cfg Config) {
	t.Helper()
	ctx := context.Background()
	if _, err := query(ctx, db.URI, neo4j.NoAuth(), "RETURN 1"); neo4jCode(err) != unauthorized {
		t.Errorf("without credentials after migration: err %v, want %s", err, unauthorized)
	}
	if _, err := query(ctx, db.URI, neo4j.BasicAuth("intruder", "intruder-password", ""), "RETURN 1"); neo4jCode(err) != unauthorized {
		t.Errorf("as the user added while open: err %v, want %s", err, unauthorized)
	}
	got, err := query(ctx, db.URI, basic(db), "MATCH (p:Probe) RETURN p.n ORDER BY p.n")
	if err != nil || len(got) != 3 || got[0] != int64(1) || got[2] != int64(3) {
		t.Errorf("probe nodes after migration: %v, %v; want [1 2 3]", got, err)
	}
	st, err := os.Stat(cfg.DataDir)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Errorf("data folder after migration: %v, %v; want mode 0700", st.Mode().Perm(), err)
	}
	st, err = os.Stat(filepath.Join(cfg.DataDir, PasswordFile))
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Errorf("password file after migration: %v; want mode 0600", err)
	}
}

// webPageRunsCypherWhenOpen is the counterpart of TestWebSocketFromAWebPageRunsNoCypher: the
// same page, on a connector without authentication, does run Cypher, so that test can fail.
func webPageRunsCypherWhenOpen(t *testing.T, dataDir string) {
	t.Helper()
	conn, err := dial(innerPort(t, dataDir))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	status, br, err := wsUpgrade(conn, "https://evil.example")
	if err != nil || !strings.HasPrefix(status, "101") {
		t.Fatalf("upgrade at Neo4j's own connector: %q, %v", status, err)
	}
	msgs, err := runAnonymously(&wsConn{conn: conn, br: br}, "RETURN 1")
	// SUCCESS (HELLO), SUCCESS (RUN), RECORD [1], SUCCESS (PULL)
	if err != nil || len(msgs) != 4 || string(msgs[2]) != "\xB1\x71\x91\x01" {
		t.Fatalf("RETURN 1 over a WebSocket without authentication: %s (err %v); want a record [1]", describe(msgs), err)
	}
}

func write(ctx context.Context, uri string, auth neo4j.AuthToken, cypher string) error {
	driver, err := neo4j.NewDriverWithContext(uri, auth)
	if err != nil {
		return err
	}
	defer driver.Close(ctx)
	db := ""
	if strings.Contains(cypher, " USER ") {
		db = "system"
	}
	_, err = neo4j.ExecuteQuery(ctx, driver, cypher, nil, neo4j.EagerResultTransformer, neo4j.ExecuteQueryWithDatabase(db))
	return err
}

func startOrFail(t *testing.T, cfg Config) *DB {
	t.Helper()
	db, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func stopOrFail(t *testing.T, db *DB) {
	t.Helper()
	port, err := strconv.Atoi(db.URI[strings.LastIndex(db.URI, ":")+1:])
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Stop(); err != nil {
		t.Fatal(err)
	}
	if BoltAnswers(port, time.Second) {
		t.Fatalf("Bolt still answers on %d after Stop", port)
	}
}
