package launcher

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// These tests start the real launcher: one database for the test binary (shared), plus the
// databases the migration test starts and stops itself.

var shared *DB
var sharedCfg Config

func TestMain(m *testing.M) { os.Exit(testMain(m)) }

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "modelgraph-launcher-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	sharedCfg, err = testConfig(filepath.Join(dir, "neo4j"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	shared, err = Start(context.Background(), sharedCfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "start embedded Neo4j:", err)
		return 1
	}
	defer shared.Stop()
	return m.Run()
}

func testConfig(dataDir string) (Config, error) {
	port, err := freePort()
	if err != nil {
		return Config{}, err
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return Config{DataDir: dataDir, Port: port, Heap: "512m", PageCache: "64m", Logger: logger}, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// query runs one read query and returns the first column of each row.
func query(ctx context.Context, uri string, auth neo4j.AuthToken, cypher string) ([]any, error) {
	driver, err := neo4j.NewDriverWithContext(uri, auth)
	if err != nil {
		return nil, err
	}
	defer driver.Close(ctx)
	res, err := neo4j.ExecuteQuery(ctx, driver, cypher, nil, neo4j.EagerResultTransformer)
	if err != nil {
		return nil, err
	}
	var out []any
	for _, r := range res.Records {
		out = append(out, r.Values[0])
	}
	return out, nil
}

func basic(db *DB) neo4j.AuthToken { return neo4j.BasicAuth(db.Username, db.Password, "") }

// neo4jCode returns the Neo4j status code of err, or "" when err is not a server error.
func neo4jCode(err error) string {
	var ne *neo4j.Neo4jError
	if errors.As(err, &ne) {
		return ne.Code
	}
	return ""
}

const unauthorized = "Neo.ClientError.Security.Unauthorized"

// innerPort reads the port of Neo4j's own Bolt connector, behind the filter, from the last start
// recorded in the launcher log.
func innerPort(t testing.TB, dataDir string) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dataDir, "launcher.log"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`Neo4j Bolt on 127\.0\.0\.1:(\d+) behind`).FindAllSubmatch(b, -1)
	if len(m) == 0 {
		t.Fatalf("launcher.log names no inner Bolt port:\n%s", b)
	}
	port, _ := strconv.Atoi(string(m[len(m)-1][1]))
	return port
}

func TestBoltWithoutCredentialsIsRefused(t *testing.T) {
	ctx := context.Background()
	_, err := query(ctx, shared.URI, neo4j.NoAuth(), "RETURN 1")
	if neo4jCode(err) != unauthorized {
		t.Fatalf("RETURN 1 without credentials: err %v, want %s", err, unauthorized)
	}
	_, err = query(ctx, shared.URI, neo4j.BasicAuth(Username, shared.Password+"x", ""), "RETURN 1")
	if neo4jCode(err) != unauthorized {
		t.Fatalf("RETURN 1 with a wrong password: err %v, want %s", err, unauthorized)
	}
	got, err := query(ctx, shared.URI, basic(shared), "RETURN 1")
	if err != nil || len(got) != 1 || got[0] != int64(1) {
		t.Fatalf("RETURN 1 with the file's password: %v, %v", got, err)
	}
}

func TestPasswordFileAndDataFolderArePrivate(t *testing.T) {
	st, err := os.Stat(sharedCfg.DataDir)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o700 {
		t.Errorf("data folder mode %v, want 0700", st.Mode().Perm())
	}
	path := filepath.Join(sharedCfg.DataDir, PasswordFile)
	st, err = os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("password file mode %v, want 0600", st.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	pw := strings.TrimSpace(string(b))
	// 128 bits or more in the URL-safe base64 alphabet: at least 22 characters.
	if pw != shared.Password || !regexp.MustCompile(`^[A-Za-z0-9_-]{22,}$`).MatchString(pw) {
		t.Errorf("password file holds %d characters %q..., DB.Password %d characters; want the same URL-safe secret of at least 22", len(pw), pw[:min(4, len(pw))], len(shared.Password))
	}
	if shared.Username != "neo4j" {
		t.Errorf("DB.Username %q, want neo4j", shared.Username)
	}
}

func TestSecondProcessGetsThePassword(t *testing.T) {
	ctx := context.Background()
	db, err := Start(ctx, sharedCfg)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Stop()
	if db.Owned() || db.URI != shared.URI || db.Password != shared.Password {
		t.Fatalf("second Start: owned %v, URI %s (want %s), same password %v", db.Owned(), db.URI, shared.URI, db.Password == shared.Password)
	}
	if _, err := query(ctx, db.URI, basic(db), "RETURN 1"); err != nil {
		t.Fatal(err)
	}
}

func TestLoadCSVOfAFileURLIsRefused(t *testing.T) {
	if _, err := os.Stat("/etc/hostname"); err != nil {
		t.Skip("this machine has no /etc/hostname to try to read")
	}
	_, err := query(context.Background(), shared.URI, basic(shared), "LOAD CSV FROM 'file:///etc/hostname' AS row RETURN row")
	if err == nil || !strings.Contains(err.Error(), "allow_csv_import_from_file_urls") {
		t.Fatalf("LOAD CSV of file:///etc/hostname: err %v, want a refusal naming dbms.security.allow_csv_import_from_file_urls", err)
	}
}

// TestWebSocketFromAWebPageRunsNoCypher plays a web page on https://evil.example that opens
// ws://127.0.0.1:PORT: the filter drops the connection before any HTTP answer. Neo4j's own
// connector behind it would upgrade, but refuses a session without the password.
func TestWebSocketFromAWebPageRunsNoCypher(t *testing.T) {
	refusedByFilter(t, sharedCfg.Port)
	conn, err := dial(innerPort(t, sharedCfg.DataDir))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	status, br, err := wsUpgrade(conn, "https://evil.example")
	if err != nil || !strings.HasPrefix(status, "101") {
		t.Fatalf("upgrade at Neo4j's own connector: %q, %v; want 101 (else this test proves nothing)", status, err)
	}
	msgs, err := runAnonymously(&wsConn{conn: conn, br: br}, "RETURN 1")
	if len(msgs) == 0 || msgs[0][1] != tagFailure || !bytes.Contains(msgs[0], []byte(unauthorized)) {
		t.Fatalf("HELLO without credentials over the WebSocket: %s (err %v); want a FAILURE %s", describe(msgs), err, unauthorized)
	}
	for _, m := range msgs[1:] {
		if m[1] == tagRecord {
			t.Fatalf("a record came back after the refused HELLO: %s", describe(msgs))
		}
	}
}

// refusedByFilter checks that an upgrade request on the public port gets no byte back.
func refusedByFilter(t *testing.T, port int) {
	t.Helper()
	conn, err := dial(port)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	status, _, err := wsUpgrade(conn, "https://evil.example")
	if status != "" || !(errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || isReset(err)) {
		t.Fatalf("WebSocket upgrade on the public port: status %q, err %v; want the connection closed without an answer", status, err)
	}
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && strings.Contains(op.Err.Error(), "connection reset")
}
