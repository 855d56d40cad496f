package graph_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
)

func TestJSONDuplicateKeysRefused(t *testing.T) {
	t.Parallel()
	const head = `{"model": {"key": "m", "name": "M"}, "elements": [`
	tests := []struct {
		name, doc        string
		path, field, why string // the one problem expected; empty path: none
	}{
		{"kind twice", head + `{"key": "vp-a", "kind": "ValueProposition", "name": "A"},
{"key": "p", "kind": "Gadget", "kind": "Process", "name": "P"}]}`, "elements[1]", "kind", `duplicate key "kind" on line 2`},
		{"property twice", head + `{"key": "p", "kind": "Process", "name": "P", "properties": {"tier": 1, "tier": 2}}]}`, "elements[0]", "properties.tier", `duplicate key "tier" on line 1`},
		{"model key twice", `{"model": {"key": "m", "key": "n", "name": "M"}, "elements": []}`, "model", "key", `duplicate key "key"`},
		{"top-level twice", `{"model": {"key": "m", "name": "M"}, "elements": [], "elements": []}`, "document", "elements", `duplicate key "elements"`},
		{"escaped key twice", head + `{"key": "p", "kind": "Process", "\u006bind": "Cost", "name": "P"}]}`, "elements[0]", "kind", `duplicate key "kind"`},
		{"quote inside a string", head + `{"key": "p", "kind": "Process", "name": "say \"kind\": x", "description": "kind"}]}`, "", "", ""},
		{"same key in two objects is fine", head + `{"key": "a", "kind": "Process", "name": "A"}, {"key": "b", "kind": "Process", "name": "B"}]}`, "", "", ""},
		{"same name at two depths is fine", `{"model": {"key": "m", "name": "M"}, "elements": [{"key": "a", "kind": "Process", "name": "A", "properties": {"key2": "x", "name2": "y"}}]}`, "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := graph.ParseFile([]byte(tc.doc), graph.JSON)
			if tc.path == "" {
				if err != nil {
					t.Fatalf("err = %v, want none", err)
				}
				return
			}
			var ve *graph.ValidationError
			if !errors.As(err, &ve) || len(ve.Problems) != 1 {
				t.Fatalf("err = %v, want one problem", err)
			}
			p := ve.Problems[0]
			if p.Path != tc.path || p.Field != tc.field || !strings.Contains(p.Reason, tc.why) {
				t.Fatalf("problem = %+v, want path %s field %s reason containing %q", p, tc.path, tc.field, tc.why)
			}
		})
	}
}

func TestIntegersBeyond64BitsRefused(t *testing.T) {
	t.Parallel()
	el := func(v string) string {
		return `{"model": {"key": "m", "name": "M"}, "elements": [{"key": "p", "kind": "Process", "name": "P", "properties": {"n": ` + v + `}}]}`
	}
	yel := func(v string) string {
		return "model: {key: m, name: M}\nelements:\n  - {key: p, kind: Process, name: P, properties: {n: " + v + "}}\n"
	}
	tests := []struct {
		name, doc string
		format    graph.Format
		want      any // the value read, or nil when it must be refused
	}{
		{"json 2^63", el("9223372036854775808"), graph.JSON, nil},
		{"json 20 digits", el("99999999999999999999"), graph.JSON, nil},
		{"json below -2^63", el("-9223372036854775809"), graph.JSON, nil},
		{"json max int64", el("9223372036854775807"), graph.JSON, int64(9223372036854775807)},
		{"json big decimal stays a number", el("1e30"), graph.JSON, 1e30},
		{"yaml 20 digits", yel("99999999999999999999"), graph.YAML, nil},
		{"yaml below -2^63", yel("-9223372036854775809"), graph.YAML, nil},
		{"yaml max int64", yel("9223372036854775807"), graph.YAML, int64(9223372036854775807)},
		{"yaml quoted digits stay a string", yel(`"99999999999999999999"`), graph.YAML, "99999999999999999999"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := graph.ParseFile([]byte(tc.doc), tc.format)
			var ps []graph.Problem
			if err == nil {
				ps = graph.Validate(f, graph.Limits{})
			} else if ve := (*graph.ValidationError)(nil); errors.As(err, &ve) {
				ps = ve.Problems
			} else {
				t.Fatal(err)
			}
			if tc.want == nil {
				if len(ps) != 1 || !strings.Contains(ps[0].Reason, "out of range: integers must fit in 64 bits") {
					t.Fatalf("problems = %+v, want one out-of-range integer", ps)
				}
				return
			}
			if len(ps) != 0 {
				t.Fatalf("problems = %+v, want none", ps)
			}
			if got := f.Elements[0].Properties["n"]; got != tc.want {
				t.Fatalf("n = %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestProblemsAreCappedAndCounted(t *testing.T) {
	t.Parallel()
	f := &graph.File{Model: graph.Model{Key: "m", Name: "M"}}
	for i := range 20000 {
		f.Elements = append(f.Elements, graph.Element{Key: fmt.Sprintf("BAD-%d", i), Kind: graph.Process, Name: "P"})
	}
	ps := graph.Validate(f, graph.Limits{})
	ve := &graph.ValidationError{Problems: ps}
	listed, more := ve.Listed()
	if len(listed) != graph.MaxProblems || more != 20000-graph.MaxProblems {
		t.Fatalf("listed %d, more %d; want %d and %d", len(listed), more, graph.MaxProblems, 20000-graph.MaxProblems)
	}
	if listed[99].Path != "elements[99]" {
		t.Fatalf("last listed problem is %+v, want elements[99]", listed[99])
	}
	if msg := ve.Error(); !strings.HasPrefix(msg, "invalid input: 20000 problems:") || !strings.HasSuffix(msg, "and 19900 more") || len(msg) > 30000 {
		t.Fatalf("message of %d bytes: %.200s ... %s", len(msg), msg, msg[max(0, len(msg)-50):])
	}
}

func TestHugeValuesAreNotEchoed(t *testing.T) {
	t.Parallel()
	huge := strings.Repeat("X", 10<<20)
	f := &graph.File{Model: graph.Model{Key: "m", Name: "M"}, Elements: []graph.Element{
		{Key: huge, Kind: graph.Process, Name: "P"},
		{Key: "p", Kind: graph.Kind(huge), Name: "P", Properties: map[string]any{huge: 1}},
	}}
	ps := graph.Validate(f, graph.Limits{})
	msg := (&graph.ValidationError{Problems: ps}).Error()
	if len(ps) != 3 || len(msg) > 4000 {
		t.Fatalf("%d problems, message of %d bytes; want 3 problems in under 4000 bytes", len(ps), len(msg))
	}
	if !strings.Contains(msg, "(10485760 bytes)") {
		t.Fatalf("message does not say how long the value was: %s", msg)
	}
}

func TestTransactionTimeoutFollowsDeadline(t *testing.T) {
	t.Parallel()
	s := graphtest.Store(t)
	// A query that runs for minutes: Neo4j itself must end it when the deadline comes, because
	// the store passes the deadline as the transaction timeout.
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_, err := graph.ReadValues(ctx, s, `UNWIND range(1, 5000000000) AS x WITH x WHERE x < 0 RETURN count(x)`)
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "TransactionTimedOut") {
		t.Fatalf("err = %v, want a deadline error from Neo4j's transaction timeout", err)
	}
}

func TestBudgetCapsSessionsAndRows(t *testing.T) {
	t.Parallel()
	s := graphtest.Store(t)
	key := graphtest.ModelKey(t)
	f := &graph.File{Model: graph.Model{Key: key, Name: "Budget"}}
	for i := range 5 {
		f.Elements = append(f.Elements, graph.Element{Key: fmt.Sprintf("p-%d", i), Kind: graph.Process, Name: "P"})
	}
	if _, err := s.Import(context.Background(), f, graph.ImportOptions{}); err != nil {
		t.Fatal(err)
	}

	ctx := graph.WithBudget(context.Background(), graph.Budget{MaxSessions: 2})
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() {
			_, err := s.ModelByKey(ctx, key)
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if p := graph.SessionPeak(ctx); p < 1 || p > 2 {
		t.Fatalf("at most %d sessions were held at once, want 1 or 2", p)
	}

	// One page of 5 elements is one row holding a list of 5: 6 rows.
	page := graph.ElementQuery{Model: key, First: 10}
	if _, err := s.ListElements(graph.WithBudget(context.Background(), graph.Budget{MaxRows: 6}), page); err != nil {
		t.Fatalf("6 rows within a budget of 6: %v", err)
	}
	_, err := s.ListElements(graph.WithBudget(context.Background(), graph.Budget{MaxRows: 5}), page)
	if !errors.Is(err, graph.ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
}

func TestOutageFailsFast(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	s, err := graph.Open(context.Background(), graph.Config{URI: "bolt://" + addr, Timeout: 2 * time.Second}, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close(context.Background())
	if s.Timeout() != 2*time.Second {
		t.Fatalf("timeout = %s, want the configured 2s", s.Timeout())
	}
	if _, err := s.ModelByKey(context.Background(), "m"); !errors.Is(err, graph.ErrUnavailable) {
		t.Fatalf("err = %v, want ErrUnavailable", err)
	}
	d, err := graph.Open(context.Background(), graph.Config{URI: "bolt://" + addr}, -1)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close(context.Background())
	if d.Timeout() != graph.DefaultTimeout || graph.DefaultTimeout > 10*time.Second {
		t.Fatalf("default timeout = %s, want DefaultTimeout (%s), a few seconds", d.Timeout(), graph.DefaultTimeout)
	}
}
