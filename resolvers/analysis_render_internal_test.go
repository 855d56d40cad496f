package resolvers

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
	"github.com/modelgraph/modelgraph/seed"
)

// The direct writer of analysis lists must write what the generated code writes, byte for byte,
// for every selection it accepts, and hand every other selection to the generated code.
func TestRenderedListsMatchGenerated(t *testing.T) {
	store := graphtest.Store(t)
	f, err := seed.File("sportswear-retailer.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f.Model.Key = graphtest.ModelKey(t)
	if _, err := store.Import(context.Background(), f, graph.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	h := NewHandler(store, Options{Log: slog.New(slog.NewTextHandler(io.Discard, nil)), MaxImportElements: 1000})
	run := func(query string, vars map[string]any) []byte {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Body.Bytes()
	}
	vars := map[string]any{"m": f.Model.Key}
	var partner struct {
		Data struct {
			SingleSourceExposure []struct{ Partner struct{ Key string } }
		}
	}
	if err := json.Unmarshal(run(`query($m: ID!) { singleSourceExposure(model: $m) { partner { key } } }`, vars), &partner); err != nil || len(partner.Data.SingleSourceExposure) == 0 {
		t.Fatalf("no single-source partner in the demo model (%v)", err)
	}
	vars["p"] = partner.Data.SingleSourceExposure[0].Partner.Key

	const elem = `__typename key kind category name description tags properties model version`
	queries := map[string]string{
		"single-source, every plain field": `query($m: ID!) { singleSourceExposure(model: $m) { partner { key }
			revenueAtRisk { amount streams { ` + elem + ` } }
			streams { __typename element { ` + elem + ` } distance shareLost path { __typename from { ` + elem + ` } type to { ` + elem + ` } properties } } } }`,
		"exposure, aliases, fragments and @skip": `query($m: ID!, $p: ID!) { exposure(model: $m, key: $p) {
			failed { d: distance e: element { k: key ... on RevenueStream { n: name } ...F } p: path { t: type from { key } to { key name @skip(if: true) } } }
			weakened { element { key } shareLost distance path { type from { key kind } to { key } } }
			revenueAtRisk { amount s: streams { key key } } revenueWeakened { streams { name } } } }
			fragment F on Element { category }`,
		"a field the writer leaves to the generated code": `query($m: ID!, $p: ID!) { exposure(model: $m, key: $p) {
			failed { element { key supporterCount } path { from { key outgoing { type } } to { key } } }
			revenueAtRisk { streams { key supporterCount } } } }`,
	}
	defer func() { renderFast = true }()
	for name, q := range queries {
		renderFast = true
		fast := run(q, vars)
		renderFast = false
		generated := run(q, vars)
		if !bytes.Equal(fast, generated) {
			t.Errorf("%s: the direct writer answers\n%s\nthe generated code\n%s", name, fast, generated)
		}
		if bytes.Contains(fast, []byte(`"errors"`)) || !bytes.Contains(fast, []byte(`"path"`)) && !strings.Contains(q, " p: path") {
			t.Errorf("%s: %s", name, fast)
		}
	}
}
