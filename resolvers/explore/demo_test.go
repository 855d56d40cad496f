package explore_test

import (
	"context"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
	"github.com/modelgraph/modelgraph/seed"
)

// demo is a demo model file, read by the test on its own to work out what the explorer must show.
type demo struct {
	file  *graph.File
	byKey map[string]graph.Element
	out   map[string][]graph.Relationship // propagating relationships by source
	in    map[string][]graph.Relationship // propagating relationships by target
}

// loadDemo imports a demo model under a key of the test's own and reads its file.
func loadDemo(t *testing.T, name string) (string, demo) {
	t.Helper()
	f, err := seed.File(name)
	if err != nil {
		t.Fatal(err)
	}
	f.Model.Key = graphtest.ModelKey(t)
	if _, err := graphtest.Store(t).Import(context.Background(), f, graph.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	d := demo{file: f, byKey: map[string]graph.Element{}, out: map[string][]graph.Relationship{}, in: map[string][]graph.Relationship{}}
	prop := map[graph.RelType]bool{}
	for _, rt := range graph.PropagatingTypes() {
		prop[rt] = true
	}
	for _, e := range f.Elements {
		d.byKey[e.Key] = e
	}
	for _, r := range f.Relationships {
		if prop[r.Type] {
			d.out[r.From] = append(d.out[r.From], r)
			d.in[r.To] = append(d.in[r.To], r)
		}
	}
	return f.Model.Key, d
}

// keysOfKind lists the keys of the elements of one kind, in file order.
func (d demo) keysOfKind(k graph.Kind) []string {
	var out []string
	for _, e := range d.file.Elements {
		if e.Kind == k {
			out = append(out, e.Key)
		}
	}
	return out
}

// reach is a breadth-first search from the start keys, at most depth hops, along the
// relationships next gives (nil: not followed). It returns every reached key other than the
// starts with its distance.
func reach(starts []string, depth int, next func(key string) []string) map[string]int {
	dist := map[string]int{}
	for _, s := range starts {
		dist[s] = 0
	}
	frontier := starts
	for d := 1; d <= depth && len(frontier) > 0; d++ {
		var nxt []string
		for _, k := range frontier {
			for _, n := range next(k) {
				if _, seen := dist[n]; !seen {
					dist[n] = d
					nxt = append(nxt, n)
				}
			}
		}
		frontier = nxt
	}
	for _, s := range starts {
		delete(dist, s)
	}
	return dist
}

// supporters are the elements with a path of at most depth propagating relationships to key
// (DOMAIN.md, supporters).
func (d demo) supporters(key string, depth int) map[string]int {
	return reach([]string{key}, depth, func(k string) []string {
		var out []string
		for _, r := range d.in[k] {
			out = append(out, r.From)
		}
		return out
	})
}

// hasParts reports whether some element is PART_OF key.
func (d demo) hasParts(key string) bool {
	for _, r := range d.in[key] {
		if r.Type == graph.PartOf {
			return true
		}
	}
	return false
}

// impact is impact(key, depth).affected for an element without parts (scope = the element).
func (d demo) impact(key string, depth int) map[string]int {
	return reach([]string{key}, depth, func(k string) []string {
		var out []string
		for _, r := range d.out[k] {
			out = append(out, r.To)
		}
		return out
	})
}

// share is the share of E's supply a SUPPLIES relationship carries (DOMAIN.md, exposure).
func (d demo) share(r graph.Relationship) float64 {
	if s, ok := number(r.Properties["share"]); ok {
		return s
	}
	given, without := 0.0, 0
	for _, o := range d.in[r.To] {
		if o.Type != graph.Supplies {
			continue
		}
		if s, ok := number(o.Properties["share"]); ok {
			given += s
		} else {
			without++
		}
	}
	return max(0, 1-given) / float64(without)
}

// revenueAtRisk is exposure(partner, depth).revenueAtRisk for a partner without parts: the
// elements it cuts off fail, and failure travels along every other propagating relationship.
func (d demo) revenueAtRisk(partner string, depth int) (float64, []string) {
	lost := map[string]float64{}
	for _, r := range d.out[partner] {
		if r.Type == graph.Supplies && r.Properties["substitutable"] != true {
			lost[r.To] += d.share(r)
		}
	}
	failed := reach([]string{partner}, depth, func(k string) []string {
		var out []string
		for _, r := range d.out[k] {
			if r.Type != graph.Supplies || (k == partner && lost[r.To] >= 1) {
				out = append(out, r.To)
			}
		}
		return out
	})
	sum := 0.0
	var streams []string
	for k := range failed {
		if e := d.byKey[k]; e.Kind == graph.RevenueStream {
			streams = append(streams, k)
			if a, ok := number(e.Properties["annualAmount"]); ok {
				sum += a
			}
		}
	}
	return sum, streams
}

// number reads a numeric property value, whichever Go type the file decoder chose.
func number(v any) (float64, bool) {
	switch n := v.(type) {
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	case uint64:
		return float64(n), true
	}
	return 0, false
}
