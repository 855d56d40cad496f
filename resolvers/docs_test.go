package resolvers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"regexp"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
	"github.com/modelgraph/modelgraph/seed"
)

var graphqlBlock = regexp.MustCompile("(?s)```graphql\n(.*?)```")

// TestDocumentedQueriesRun runs every GraphQL block of the README, docs/queries.md and
// docs/analysis.md against the demo models under their real keys: each must answer without
// errors.
func TestDocumentedQueriesRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := graphtest.Store(t)
	files, err := seed.Files()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if _, err := s.Import(ctx, f, graph.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	a := newAPI(t, s)
	n, checked := 0, 0
	for _, doc := range []string{"../README.md", "../docs/queries.md", "../docs/analysis.md"} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range graphqlBlock.FindAllSubmatch(b, -1) {
			n++
			res := a.do(t, ctx, string(m[1]), nil)
			if len(res.Errors) > 0 || len(res.Data) < 20 {
				t.Errorf("%s query %d failed: %+v\n%s", doc, n, res.Errors, m[1])
			}
			if bytes.Contains(m[1], []byte(`singleSourceExposure(model: "sportswear-retailer")`)) {
				checkMillExposure(t, res.Data)
				checked++
			}
		}
	}
	if n < 8 || checked != 1 {
		t.Fatalf("found %d documented queries, want at least 8; %d of them the sportswear single sources, want 1", n, checked)
	}
}

// checkMillExposure checks the answer docs/analysis.md and docs/demo-models.md give for the
// sportswear retailer's single sources, worked out by hand: the CoolWeave mill alone, cutting off
// its fabric, with apparel sales (38,500,000, 3 hops) and the Plus fees (1,100,000, 4 hops) at
// risk, printed as plain numbers.
func checkMillExposure(t *testing.T, data json.RawMessage) {
	t.Helper()
	if !bytes.Contains(data, []byte(`"amount":39600000`)) {
		t.Errorf("revenue at risk is not printed as 39600000: %s", data)
	}
	var out struct {
		SingleSourceExposure []struct {
			Partner       struct{ Key string }
			CutOff        []struct{ Key string }
			RevenueAtRisk struct {
				Amount         float64
				UnknownAmounts int
				Streams        []struct{ Key string }
			}
			Streams []struct {
				Element  struct{ Key string }
				Distance int
			}
		}
	}
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	ss := out.SingleSourceExposure
	if len(ss) != 1 || ss[0].Partner.Key != "partner-coolweave-mill" || len(ss[0].CutOff) != 1 || ss[0].CutOff[0].Key != "res-coolweave-fabric" {
		t.Fatalf("single sources %+v, want the CoolWeave mill cutting off its fabric", ss)
	}
	r := ss[0].RevenueAtRisk
	if r.Amount != 39_600_000 || r.UnknownAmounts != 0 || len(r.Streams) != 2 || r.Streams[0].Key != "rev-apparel-sales" || r.Streams[1].Key != "rev-club-plus-membership" {
		t.Errorf("revenue at risk %+v, want apparel sales and the Plus fees", r)
	}
	dist := map[string]int{}
	for _, s := range ss[0].Streams {
		dist[s.Element.Key] = s.Distance
	}
	if dist["rev-apparel-sales"] != 3 || dist["rev-club-plus-membership"] != 4 || dist["rev-footwear-sales"] != 0 {
		t.Errorf("distances %v, want apparel sales at 3, the Plus fees at 4, footwear not reached", dist)
	}
}
