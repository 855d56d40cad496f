package resolvers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
	"github.com/modelgraph/modelgraph/resolvers"
	"github.com/modelgraph/modelgraph/seed"
)

func TestMain(m *testing.M) { os.Exit(graphtest.Main(m)) }

// gqlResponse is a GraphQL response with its errors' codes.
type gqlResponse struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

// api runs GraphQL operations in process through the real handler.
type api struct {
	h http.Handler
}

func newAPI(t testing.TB, store *graph.Store) *api {
	t.Helper()
	return &api{h: resolvers.NewHandler(store, resolvers.Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxImportElements: 1000})}
}

func (a *api) do(t testing.TB, ctx context.Context, query string, vars map[string]any) gqlResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body)).WithContext(ctx)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	a.h.ServeHTTP(rec, req)
	var res gqlResponse
	if err := json.Unmarshal(rec.Body.Bytes(), &res); err != nil {
		t.Fatalf("response is not JSON (%d): %s", rec.Code, rec.Body.String())
	}
	return res
}

// ok runs an operation that must succeed and decodes its data into out.
func (a *api) ok(t testing.TB, query string, vars map[string]any, out any) {
	t.Helper()
	res := a.do(t, context.Background(), query, vars)
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %+v", res.Errors)
	}
	if err := json.Unmarshal(res.Data, out); err != nil {
		t.Fatal(err)
	}
}

// loadDemo imports a demo model under a key unique to the test and returns the key.
func loadDemo(t testing.TB, name string) string {
	t.Helper()
	f, err := seed.File(name)
	if err != nil {
		t.Fatal(err)
	}
	f.Model.Key = graphtest.ModelKey(t)
	if _, err := graphtest.Store(t).Import(context.Background(), f, graph.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	return f.Model.Key
}
