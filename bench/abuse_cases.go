package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/resolvers"
)

// An abusive request family grows with one number n: nesting levels, fragments, fields or
// aliases. Each is sent at the largest n the server's limits accept, at the next n, and at the
// size the issue measured on a server without limits.
type family struct {
	name  string
	unit  string
	query func(n int) string
	// guess is the largest n the shape limits accept, worked out from resolvers.DefaultLimits;
	// the probe then finds the largest n every limit (the cost limit too) accepts.
	guess  int
	issued []int // the sizes the issue measured
	// key picks the element the request is about: a hub for the traversals, a value
	// proposition for supporters.
	key func(t *attackTargets) string
}

// attackTargets are the elements of the loaded model the attacks ask about.
type attackTargets struct {
	model string
	hub   string // the element with the most relationships
	vp    string // a value proposition with many supporters
}

func families() []family {
	lim := resolvers.DefaultLimits
	hub := func(t *attackTargets) string { return t.hub }
	return []family{
		{
			// element(1) + outgoing,to per level (2) + key(1)
			name: "nested outgoing{to{...}}", unit: "levels", guess: (lim.MaxDepth - 2) / 2, issued: []int{35, 40}, key: hub,
			query: func(n int) string {
				return op("element(model: $m, key: $k) { key " + strings.Repeat("outgoing { to { key ", n) + strings.Repeat("} } ", n) + "}")
			},
		},
		{
			name: "outgoing{to{incoming{from{...}}}}", unit: "levels", guess: (lim.MaxDepth - 2) / 4, issued: []int{4}, key: hub,
			query: func(n int) string {
				return op("element(model: $m, key: $k) { key " + strings.Repeat("outgoing { to { incoming { from { key ", n) +
					strings.Repeat("} } } } ", n) + "}")
			},
		},
		{
			// The same two levels with every list paged: each level costs about n^2 times the one
			// below (cost.go), so the cost limit accepts only small pages.
			name: "outgoing(first: n){to{incoming(first: n){from{...}}}} 2 levels", unit: "per page", guess: 10, issued: []int{100, 500}, key: hub,
			query: func(n int) string {
				page := fmt.Sprintf("(first: %d)", n)
				return op("element(model: $m, key: $k) { key " + strings.Repeat("outgoing"+page+" { to { incoming"+page+" { from { ", 2) + "key " +
					strings.Repeat("} } } } ", 2) + "}")
			},
		},
		{
			// 2^n * 2 fields + element
			name: "fragments spreading the previous twice", unit: "fragments", guess: log2((lim.MaxFields - 1) / 2), issued: []int{30}, key: hub,
			query: fragmentDoubling,
		},
		{
			name: "duplicate fields", unit: "fields", guess: lim.MaxFields - 1, issued: []int{10000, 20000}, key: hub,
			query: func(n int) string {
				return op("element(model: $m, key: $k) { " + strings.Repeat("key ", n) + "}")
			},
		},
		{
			name: "aliases of supporters(maxDepth: 10)", unit: "aliases", guess: lim.MaxAliases, issued: []int{500, 2000},
			key: func(t *attackTargets) string { return t.vp },
			query: func(n int) string {
				var b strings.Builder
				for i := range n {
					fmt.Fprintf(&b, "a%d: supporters(model: $m, key: $k, maxDepth: 10) { distance element { key } } ", i)
				}
				return op(b.String())
			},
		},
	}
}

func op(selection string) string { return "query($m: ID!, $k: ID!) { " + selection + " }" }

func fragmentDoubling(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "query($m: ID!, $k: ID!) { element(model: $m, key: $k) { ...F%d } }\nfragment F0 on Element { key name }\n", n)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "fragment F%d on Element { ...F%d ...F%d }\n", i, i-1, i-1)
	}
	return b.String()
}

func log2(n int) int {
	k := 0
	for n > 1 {
		n /= 2
		k++
	}
	return k
}

// upFrontCodes are the codes of the limits that refuse a request before it runs: what "the
// limits accept" means for the probe.
func upFrontCodes() map[string]bool {
	out := map[string]bool{}
	for _, f := range []string{"MaxTokens", "MaxDepth", "MaxFields", "MaxAliases", "MaxComplexity"} {
		out[resolvers.Settings[f].Code] = true
	}
	return out
}

// gqlBody is a GraphQL request body.
func gqlBody(query string, vars map[string]any) []byte {
	b, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return b
}

// abuseCase is one request an attacker sends.
type abuseCase struct {
	Name string `json:"name"`
	Size string `json:"size"`
	body []byte
}

// maxBodyBytes is the server's default -max-body-bytes.
const maxBodyBytes = 64 << 20

// probe reports whether the server accepts the query at size n (runs it on an element that does
// not exist, so an accepted query costs nothing) and the code it refused it with.
func probe(url string, f family, t *attackTargets, n int, refusing map[string]bool) (bool, string, error) {
	resp, err := client.Post(url, "application/json", bytes.NewReader(gqlBody(f.query(n), map[string]any{"m": t.model, "k": "no-such-element"})))
	if err != nil {
		return false, "", err
	}
	defer resp.Body.Close()
	var out struct {
		Errors []struct {
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return false, "", fmt.Errorf("%s at %d: HTTP %d, no JSON: %v", f.name, n, resp.StatusCode, err)
	}
	for _, e := range out.Errors {
		if c, _ := e.Extensions["code"].(string); refusing[c] {
			return false, c, nil
		}
	}
	return resp.StatusCode == http.StatusOK, "", nil
}

// largestAccepted finds the largest n the server accepts, starting from the family's guess, and
// the code that refuses n+1.
func largestAccepted(url string, f family, t *attackTargets) (int, string, error) {
	refusing := upFrontCodes()
	ok := func(n int) (bool, string, error) { return probe(url, f, t, n, refusing) }
	const ceiling = 1 << 16
	lo, hi := 0, max(f.guess, 1) // lo accepted (0: nothing), hi to test
	for {
		yes, _, err := ok(hi)
		if err != nil {
			return 0, "", err
		}
		if !yes {
			break
		}
		lo = hi
		if hi >= ceiling {
			return lo, "none up to the ceiling", nil
		}
		hi *= 2
	}
	for hi-lo > 1 { // lo accepted, hi refused
		mid := (lo + hi) / 2
		yes, _, err := ok(mid)
		if err != nil {
			return 0, "", err
		}
		if yes {
			lo = mid
		} else {
			hi = mid
		}
	}
	_, code, err := ok(lo + 1)
	return lo, code, err
}

// calibration is what the probe found for one family.
type calibration struct {
	Family   string `json:"family"`
	Unit     string `json:"unit"`
	Guess    int    `json:"shape_limit_guess"`
	Largest  int    `json:"largest_accepted"`
	NextCode string `json:"next_refused_with"`
}

// calibrate probes every family for the largest size the server's limits accept.
func calibrate(url string, t *attackTargets) ([]calibration, error) {
	var cals []calibration
	for _, f := range families() {
		n, code, err := largestAccepted(url, f, t)
		if err != nil {
			return nil, fmt.Errorf("probe %s: %w", f.name, err)
		}
		cals = append(cals, calibration{Family: f.name, Unit: f.unit, Guess: f.guess, Largest: n, NextCode: code})
	}
	return cals, nil
}

// casesFor returns the requests to send, in the order: each family at the largest size
// the probe found, the next size and the sizes the issue measured, then the oversized bodies.
func casesFor(cals []calibration, t *attackTargets) []abuseCase {
	var cases []abuseCase
	for i, f := range families() {
		n := cals[i].Largest
		sizes := append([]int{n, n + 1}, f.issued...)
		slices.Sort(sizes)
		for _, s := range slices.Compact(sizes) {
			if s == 0 {
				continue
			}
			label := fmt.Sprintf("%d %s", s, f.unit)
			switch s {
			case n:
				label += " (largest accepted)"
			case n + 1:
				label += " (one beyond)"
			}
			cases = append(cases, abuseCase{Name: f.name, Size: label, body: gqlBody(f.query(s), map[string]any{"m": t.model, "k": f.key(t)})})
		}
	}
	return append(cases, bodyCases(t.model)...)
}

// bodyCases are the oversized bodies: a bad key, malformed JSON and a body beyond the limit,
// each at 10 MiB or the size and at the largest body the server accepts.
func bodyCases(model string) []abuseCase {
	keyQuery := "query($m: ID!, $k: ID!) { element(model: $m, key: $k) { key } }"
	badKey := func(total int) []byte {
		empty := gqlBody(keyQuery, map[string]any{"m": model, "k": ""})
		return gqlBody(keyQuery, map[string]any{"m": model, "k": strings.Repeat("x", total-len(empty))})
	}
	malformed := func(total int) []byte {
		prefix := `{"query": "`
		return []byte(prefix + strings.Repeat("a", total-len(prefix)-3) + `\q"`) // bad escape, no closing brace
	}
	padded := func(total int) []byte {
		empty := gqlBody("{ __typename }", map[string]any{"pad": ""})
		return gqlBody("{ __typename }", map[string]any{"pad": strings.Repeat(" ", total-len(empty))})
	}
	return []abuseCase{
		{"bad element key", "10 MiB", badKey(10 << 20)},
		{"bad element key", "64 MiB (largest accepted body)", badKey(maxBodyBytes)},
		{"malformed JSON body", "10 MiB", malformed(10 << 20)},
		{"malformed JSON body", "64 MiB (largest accepted body)", malformed(maxBodyBytes)},
		{"oversized body", "64 MiB (largest accepted body)", padded(maxBodyBytes)},
		{"oversized body", "64 MiB + 1 byte (one beyond)", padded(maxBodyBytes + 1)},
		{"oversized body", "65 MiB", padded(65 << 20)},
	}
}

// pickTargets chooses the hub (most relationships) and the value proposition with the most
// incoming relationships.
func pickTargets(f *graph.File) *attackTargets {
	degree := map[string]int{}
	in := map[string]int{}
	for _, r := range f.Relationships {
		degree[r.From]++
		degree[r.To]++
		in[r.To]++
	}
	t := &attackTargets{model: f.Model.Key}
	for _, e := range f.Elements {
		if t.hub == "" || degree[e.Key] > degree[t.hub] {
			t.hub = e.Key
		}
		if e.Kind == graph.ValueProposition && (t.vp == "" || in[e.Key] > in[t.vp]) {
			t.vp = e.Key
		}
	}
	return t
}
