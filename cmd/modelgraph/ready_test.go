package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
	"github.com/modelgraph/modelgraph/resolvers"
	"github.com/modelgraph/modelgraph/resolvers/obs"
)

func get(t *testing.T, h http.Handler, path string) (int, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	b, _ := io.ReadAll(rec.Body)
	return rec.Code, string(b)
}

// openStore opens a store on the test database without checking it answers (wait < 0).
func openStore(t *testing.T, uri, database string) *graph.Store {
	t.Helper()
	user, pass := graphtest.Credentials()
	s, err := graph.Open(context.Background(), graph.Config{URI: uri, Username: user, Password: pass, Database: database, Timeout: time.Second}, -1)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestReadyz: /readyz is 200 with the database, 503 with a reason when the store is closed, the
// database cannot be reached or its schema is not set up; /healthz is 200 throughout.
func TestReadyz(t *testing.T) {
	closed := openStore(t, graphtest.URI(), "")
	closed.Close(context.Background())
	unreachable := openStore(t, "bolt://127.0.0.1:1", "")
	defer unreachable.Close(context.Background())

	for _, tc := range []struct {
		name   string
		store  *graph.Store
		status int
		body   []string
	}{
		{"database", graphtest.Store(t), http.StatusOK, []string{"ready\n"}},
		{"closed store", closed, http.StatusServiceUnavailable, []string{"not ready: database unavailable\n"}},
		{"unreachable", unreachable, http.StatusServiceUnavailable, []string{"not ready: database "}}, // refused, or given up on

		{"index missing", nil, http.StatusServiceUnavailable, []string{"not ready: database schema not set up: missing or not online: element_model_kind\n"}},
	} {
		if tc.store == nil {
			// Without one of the indexes Setup creates, the database answers but is not ready.
			// The index only speeds reads up, and Setup puts it back: the tests sharing the
			// database still pass.
			dropIndex(t, "element_model_kind")
			defer func() {
				if err := graphtest.Store(t).Setup(context.Background()); err != nil {
					t.Fatal(err)
				}
			}()
			tc.store = graphtest.Store(t)
		}
		h := resolvers.NewHandler(tc.store, resolvers.Options{})
		status, body := get(t, h, "/readyz")
		if status != tc.status {
			t.Errorf("%s: /readyz %d %q, want %d", tc.name, status, body, tc.status)
		}
		for _, want := range tc.body {
			if !strings.Contains(body, want) {
				t.Errorf("%s: /readyz body %q lacks %q", tc.name, body, want)
			}
		}
		if status, body := get(t, h, "/healthz"); status != http.StatusOK || body != "ok\n" {
			t.Errorf("%s: /healthz %d %q, want 200 ok", tc.name, status, body)
		}
	}
}

// dropIndex drops an index of the test database, with a driver of its own.
func dropIndex(t *testing.T, name string) {
	t.Helper()
	ctx := context.Background()
	user, pass := graphtest.Credentials()
	d, err := neo4j.NewDriverWithContext(graphtest.URI(), neo4j.BasicAuth(user, pass, ""))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close(ctx)
	if _, err := neo4j.ExecuteQuery(ctx, d, "DROP INDEX "+name, nil, neo4j.EagerResultTransformer); err != nil {
		t.Fatal(err)
	}
}

// TestReadyKeepsAnswer: within the TTL the answer is reused, so the database is not asked again:
// a store closed after the first answer still reads as ready, and a fresh Ready sees it closed.
func TestReadyKeepsAnswer(t *testing.T) {
	s := openStore(t, graphtest.URI(), "")
	h := obs.Ready(s.Ready, time.Hour, nil)
	if status, body := get(t, h, "/readyz"); status != http.StatusOK {
		t.Fatalf("first probe: %d %q", status, body)
	}
	s.Close(context.Background())
	for range 3 {
		if status, body := get(t, h, "/readyz"); status != http.StatusOK {
			t.Fatalf("probe within the TTL: %d %q, want the kept 200", status, body)
		}
	}
	if status, _ := get(t, obs.Ready(s.Ready, 0, nil), "/readyz"); status != http.StatusServiceUnavailable {
		t.Errorf("probe of the closed store without a TTL: %d, want 503", status)
	}
}
