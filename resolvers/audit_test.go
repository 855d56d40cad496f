package resolvers_test

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
	"github.com/modelgraph/modelgraph/resolvers"
)

// TestGraphQLOverHTTPAudit runs the graphql-http server audits (npm graphql-http, serverAudits)
// against the real handler served on a loopback port, with authentication off and on, and fails
// on any MUST failure. It needs node and the packages of .ci/audit (npm ci there); without them
// it fails, it never skips.
func TestGraphQLOverHTTPAudit(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("the GraphQL over HTTP audit needs node on PATH (Node.js 18 or later)")
	}
	dir, _ := filepath.Abs(filepath.Join("..", ".ci", "audit"))
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "graphql-http", "package.json")); err != nil {
		t.Fatalf("the GraphQL over HTTP audit needs its npm packages: run npm ci in %s", dir)
	}

	for _, on := range []bool{false, true} {
		name := map[bool]string{false: "auth off", true: "auth on"}[on]
		t.Run(name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			opts := resolvers.Options{Addr: ln.Addr().String()}
			var secret string
			if on {
				secret = token(t, "viewer", graph.AllModels)
				opts.Auth = newAuthed(t, resolvers.Options{}).verifier
			}
			srv := &http.Server{Handler: resolvers.NewHandler(graphtest.Store(t), opts)}
			go srv.Serve(ln)
			t.Cleanup(func() { srv.Close() })

			args := []string{filepath.Join(dir, "audit.mjs"), "http://" + ln.Addr().String() + "/graphql"}
			if on {
				args = append(args, secret)
			}
			cmd := exec.Command(node, args...)
			cmd.Dir = dir
			out, err := cmd.CombinedOutput()
			t.Logf("graphql-http audit, %s:\n%s", name, out)
			if err != nil {
				t.Fatalf("audit failed (%v): MUST failures are the lines starting with error above", err)
			}
			if !strings.Contains(string(out), " 0 MUST failures") {
				t.Fatal("audit printed no summary")
			}
		})
	}
}
