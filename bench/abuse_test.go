package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestLargestAcceptedFindsTheEdge runs the probe search against servers that refuse a query
// above a known size with a limit's code: it must find exactly that size, whether it lies below
// or above the guess, and name the code that refuses the next size.
func TestLargestAcceptedFindsTheEdge(t *testing.T) {
	code := ""
	for c := range upFrontCodes() {
		code = c
		break
	}
	for _, tc := range []struct{ guess, edge int }{{9, 4}, {8, 8}, {50, 50}, {10, 37}, {1, 0}, {999, 1000}} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var req struct{ Query string }
			json.NewDecoder(r.Body).Decode(&req)
			if strings.Count(req.Query, "key ")-1 > tc.edge {
				fmt.Fprintf(w, `{"errors":[{"message":"too big","extensions":{"code":%q}}]}`, code)
				return
			}
			fmt.Fprint(w, `{"data":{"element":null}}`)
		}))
		f := family{name: "dup", guess: tc.guess, query: func(n int) string { return op("element(model: $m, key: $k) { key " + strings.Repeat("key ", n) + "}") }}
		n, next, err := largestAccepted(srv.URL, f, &attackTargets{model: "m"})
		srv.Close()
		if err != nil || n != tc.edge || next != code {
			t.Errorf("guess %d, edge %d: found %d, next refused with %q (%v)", tc.guess, tc.edge, n, next, err)
		}
	}
}

// TestAbuseQueriesHaveTheirShape checks the sizes the families are named by, counted by hand on
// the query text.
func TestAbuseQueriesHaveTheirShape(t *testing.T) {
	fs := families()
	if q := fs[0].query(3); strings.Count(q, "outgoing { to {") != 3 || strings.Count(q, "{")-strings.Count(q, "}") != 0 {
		t.Errorf("nested 3: %s", q)
	}
	if q := fs[1].query(2); strings.Count(q, "outgoing { to { incoming { from {") != 2 {
		t.Errorf("in/out 2: %s", q)
	}
	if q := fs[2].query(7); strings.Count(q, "outgoing(first: 7) { to { incoming(first: 7) { from {") != 2 || strings.Count(q, "{")-strings.Count(q, "}") != 0 {
		t.Errorf("paged in/out 7: %s", q)
	}
	if q := fragmentDoubling(3); !strings.Contains(q, "fragment F3 on Element { ...F2 ...F2 }") || !strings.Contains(q, "{ ...F3 }") {
		t.Errorf("fragments 3: %s", q)
	}
	if q := fs[5].query(3); strings.Count(q, "supporters(") != 3 || !strings.Contains(q, "a2: supporters") {
		t.Errorf("aliases 3: %s", q)
	}
	for _, c := range bodyCases("m") {
		want := map[string]int{"10 MiB": 10 << 20, "64 MiB (largest accepted body)": maxBodyBytes, "64 MiB + 1 byte (one beyond)": maxBodyBytes + 1, "65 MiB": 65 << 20}[c.Size]
		if len(c.body) != want {
			t.Errorf("%s %s: %d bytes, want %d", c.Name, c.Size, len(c.body), want)
		}
	}
}
