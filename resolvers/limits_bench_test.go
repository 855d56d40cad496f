package resolvers_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/modelgraph/modelgraph/graph/graphtest"
	"github.com/modelgraph/modelgraph/resolvers"
)

// BenchmarkAbusiveRequests measures how long the handler takes to refuse each abusive request of
// issue 8 with the default limits, and how large the answer is.
func BenchmarkAbusiveRequests(b *testing.B) {
	h := limitedHandler(b, graphtest.Store(b), resolvers.Options{})
	model := loadDemo(b, "lemonade-stand.yaml")
	supporters := `supporters(model: "$m", key: "vp-iced-tea", maxDepth: 10) { distance element { key } }`
	badKey := fmt.Sprintf("model: {key: %s, name: Big}\nelements: [{key: %s, kind: Process, name: P}]\n", graphtest.ModelKey(b), strings.Repeat("K", 10<<20))
	cases := []struct {
		name, query string
		vars        map[string]any
		raw         string
	}{
		{name: "nested-40", query: nested(model, 40)},
		{name: "fragments-doubling-40", query: doubling(40)},
		{name: "duplicate-fields-10000", query: "{ metamodel { kinds {" + strings.Repeat(" kind", 10000) + " } } }"},
		{name: "duplicate-fields-20000", query: "{ metamodel { kinds {" + strings.Repeat(" kind", 20000) + " } } }"},
		{name: "aliases-500-supporters", query: aliases(model, 500, supporters)},
		{name: "aliases-2000-supporters", query: aliases(model, 2000, supporters)},
		{name: "bad-key-10MB", query: `mutation($d: String!) { importModel(document: $d, dryRun: true) { created } }`, vars: map[string]any{"d": badKey}},
		{name: "malformed-body-10MB", raw: `{"query": "{ models { key } }", ` + strings.Repeat("x", 10<<20)},
	}
	for _, c := range cases {
		body := []byte(c.raw)
		if c.raw == "" {
			body, _ = json.Marshal(map[string]any{"query": c.query, "variables": c.vars})
		}
		b.Run(c.name, func(b *testing.B) {
			var r rawResponse
			for b.Loop() {
				r = post(b, h, bytes.NewReader(body), "")
			}
			if len(r.gql.Errors) == 0 {
				b.Fatalf("not refused: %.200s", r.body)
			}
			b.ReportMetric(float64(len(r.body)), "response-bytes")
			b.Logf("%d %v: %.150s", r.status, r.gql.Errors[0].Extensions["code"], r.gql.Errors[0].Message)
		})
	}
}
