package resolvers_test

import (
	"reflect"
	"testing"

	"github.com/modelgraph/modelgraph/graph/graphtest"
)

func TestTypedFieldsAndPaging(t *testing.T) {
	t.Parallel()
	a := newAPI(t, graphtest.Store(t))
	model := loadDemo(t, "lemonade-stand.yaml")

	var out struct {
		Partner struct {
			Key      string
			Supplies []struct {
				To            struct{ Key string }
				Share         float64
				Substitutable bool
			}
		}
		Fn struct {
			Group     string
			Processes []struct{ Key string }
		}
		Vp struct {
			DeliveredBy []struct{ Key string }
			Outgoing    []struct {
				Type string
				To   struct{ Key string }
			}
		}
	}
	a.ok(t, `query($m: ID!) {
  partner: element(model: $m, key: "partner-corner-greengrocer") {
    key ... on KeyPartner { supplies { to { key } share substitutable } }
  }
  fn: element(model: $m, key: "fn-sales") {
    ... on BusinessFunction { group processes { key } }
  }
  vp: element(model: $m, key: "vp-iced-tea") {
    ... on ValueProposition { deliveredBy { key } }
    outgoing(types: [GENERATES]) { type to { key } }
  }
}`, map[string]any{"m": model}, &out)
	if len(out.Partner.Supplies) != 1 || out.Partner.Supplies[0].To.Key != "res-fresh-lemons" || out.Partner.Supplies[0].Share != 1 || out.Partner.Supplies[0].Substitutable {
		t.Errorf("supplies = %+v, want res-fresh-lemons with share 1, not substitutable", out.Partner.Supplies)
	}
	if out.Fn.Group != "DEMAND_DRIVING" || !reflect.DeepEqual(keys(out.Fn.Processes), []string{"proc-jug-orders", "proc-serve-customers", "proc-set-up-stand"}) {
		t.Errorf("fn-sales = %+v", out.Fn)
	}
	if !reflect.DeepEqual(keys(out.Vp.DeliveredBy), []string{"ch-jug-preorder", "ch-sidewalk-stand"}) {
		t.Errorf("deliveredBy = %+v", out.Vp.DeliveredBy)
	}
	for _, r := range out.Vp.Outgoing {
		if r.Type != "GENERATES" {
			t.Errorf("outgoing(types: [GENERATES]) returned %s", r.Type)
		}
	}

	// The count agrees with the hand-worked supporters of iced tea in testdata/traversals.json.
	var counted struct {
		Element struct{ Near, Direct int }
	}
	a.ok(t, `query($m: ID!) { element(model: $m, key: "vp-iced-tea") {
  near: supporterCount(kinds: [Process], maxDepth: 2)
  direct: supporterCount(kinds: [Process], maxDepth: 1)
} }`, map[string]any{"m": model}, &counted)
	if counted.Element.Near != 9 || counted.Element.Direct != 3 {
		t.Errorf("supporterCount = %+v, want 9 within 2 hops and 3 within 1", counted.Element)
	}

	// Paging walks every element exactly once.
	seen := map[string]bool{}
	var after any
	total := -1
	for pages := 0; ; pages++ {
		var page struct {
			Elements struct {
				TotalCount int
				Nodes      []struct{ Key string }
				PageInfo   struct {
					HasNextPage bool
					EndCursor   *string
				}
			}
		}
		a.ok(t, `query($m: ID!, $after: String) { elements(model: $m, first: 20, after: $after) { totalCount nodes { key } pageInfo { hasNextPage endCursor } } }`,
			map[string]any{"m": model, "after": after}, &page)
		total = page.Elements.TotalCount
		for _, n := range page.Elements.Nodes {
			if seen[n.Key] {
				t.Fatalf("%s on two pages", n.Key)
			}
			seen[n.Key] = true
		}
		if !page.Elements.PageInfo.HasNextPage {
			break
		}
		after = *page.Elements.PageInfo.EndCursor
	}
	if len(seen) != total || total != 77 {
		t.Errorf("paged %d elements, totalCount %d, want 77", len(seen), total)
	}

	var filtered struct {
		Elements struct {
			TotalCount int
			Nodes      []struct{ Key string }
		}
	}
	a.ok(t, `query($m: ID!) { elements(model: $m, category: FUNCTION, search: "DRINK") { totalCount nodes { key } } }`, map[string]any{"m": model}, &filtered)
	// fn-sales matches on its description ("Getting the drinks in front of ...").
	if !reflect.DeepEqual(keys(filtered.Elements.Nodes), []string{"fn-drink-production", "fn-new-drinks", "fn-sales"}) || filtered.Elements.TotalCount != 3 {
		t.Errorf("functions matching 'drink' = %+v", filtered.Elements)
	}
}

func keys(xs []struct{ Key string }) []string {
	out := []string{}
	for _, x := range xs {
		out = append(out, x.Key)
	}
	return out
}
