package resolvers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
)

func TestErrorCodes(t *testing.T) {
	t.Parallel()
	a := newAPI(t, graphtest.Store(t))
	model := loadDemo(t, "lemonade-stand.yaml")
	tests := []struct {
		name, query string
		vars        map[string]any
		code, msg   string
	}{
		{"unknown model", `query($m: ID!) { model(key: $m) { key } }`, map[string]any{"m": "no-such-model"}, "NOT_FOUND", `model "no-such-model"`},
		{"unknown element", `query($m: ID!) { element(model: $m, key: "vp-nothing") { key } }`, map[string]any{"m": model}, "NOT_FOUND", `element "vp-nothing"`},
		{"element in unknown model", `{ element(model: "no-such-model", key: "vp-iced-tea") { key } }`, nil, "NOT_FOUND", `model "no-such-model"`},
		{"supporters of unknown element", `query($m: ID!) { supporters(model: $m, key: "nope") { distance } }`, map[string]any{"m": model}, "NOT_FOUND", `element "nope"`},
		{"impact of unknown element", `query($m: ID!) { impact(model: $m, key: "nope") { counts { kind } } }`, map[string]any{"m": model}, "NOT_FOUND", `element "nope"`},
		{"path from unknown element", `query($m: ID!) { path(model: $m, from: "nope", to: "vp-iced-tea") { type } }`, map[string]any{"m": model}, "NOT_FOUND", `element "nope"`},
		{"maxDepth above cap", `query($m: ID!) { impact(model: $m, key: "fn-sales", maxDepth: 11) { counts { kind } } }`, map[string]any{"m": model}, "BAD_USER_INPUT", "between 1 and 10 (the server's cap)"},
		{"maxDepth zero", `query($m: ID!) { supporters(model: $m, key: "vp-iced-tea", maxDepth: 0) { distance } }`, map[string]any{"m": model}, "BAD_USER_INPUT", "got 0"},
		{"attached type in impact filter", `query($m: ID!) { impact(model: $m, key: "fn-sales", relationshipTypes: [MEASURES]) { counts { kind } } }`, map[string]any{"m": model}, "BAD_USER_INPUT", "MEASURES does not propagate"},
		{"page too large", `query($m: ID!) { elements(model: $m, first: 501) { totalCount } }`, map[string]any{"m": model}, "BAD_USER_INPUT", "between 0 and 500"},
		{"bad cursor", `query($m: ID!) { elements(model: $m, after: "zzz") { totalCount } }`, map[string]any{"m": model}, "BAD_USER_INPUT", "not a cursor"},
		{"unknown enum value", `{ supporters(model: "x", key: "y", kinds: [Widget]) { distance } }`, nil, "GRAPHQL_VALIDATION_FAILED", "Widget"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := a.do(t, context.Background(), tc.query, tc.vars)
			if len(res.Errors) != 1 {
				t.Fatalf("errors = %+v, want one", res.Errors)
			}
			e := res.Errors[0]
			if e.Extensions["code"] != tc.code || !strings.Contains(e.Message, tc.msg) {
				t.Fatalf("error %q code %v, want code %s and message containing %q", e.Message, e.Extensions["code"], tc.code, tc.msg)
			}
		})
	}
}

func TestUnavailableDatabase(t *testing.T) {
	t.Parallel()
	// A store whose database is not there: every query fails, the handler keeps answering.
	s, err := graph.Open(context.Background(), graph.Config{URI: "bolt://127.0.0.1:1", RetryTime: time.Second}, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	a := newAPI(t, s)
	for range 2 {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		res := a.do(t, ctx, `{ models { key } }`, nil)
		cancel()
		if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "UNAVAILABLE" {
			t.Fatalf("errors = %+v, want one UNAVAILABLE", res.Errors)
		}
	}
}
