package main

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

// sleeper answers after a fixed time, or fails when its context ends first.
type sleeper struct{ d time.Duration }

func (s sleeper) name() string { return "sleeper" }

func (s sleeper) do(ctx context.Context, _ string, _ map[string]any, _ bool) (shape, error) {
	select {
	case <-time.After(s.d):
		return shape{1}, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// failing answers every request with an error.
type failing struct{}

func (failing) name() string { return "failing" }

func (failing) do(context.Context, string, map[string]any, bool) (shape, error) {
	return nil, errors.New("refused")
}

var anyQuery = query{"q", func(*inputs, int) map[string]any { return nil }}

// A cell whose requests all outlast the request timeout is reported as timed out, with the
// cancelled requests counted, and not as an error.
func TestCellOfSlowRequestsTimesOut(t *testing.T) {
	r := measure(context.Background(), sleeper{time.Hour}, anyQuery, &inputs{}, cell{conc: 2, warmup: time.Millisecond, dur: time.Millisecond, timeout: 20 * time.Millisecond})
	if !r.TimedOut || r.Requests != 0 || r.Timeouts == 0 || r.Errors != 0 {
		t.Fatalf("got %+v, want timed out with timeouts counted and no requests", r)
	}
	if lat(r) != "timed out" {
		t.Errorf("table cell %q, want \"timed out\"", lat(r))
	}
}

// Requests slower than the warm-up and the measuring time together still give every worker one
// measured request, so the cell has latencies.
func TestSlowRequestsAreMeasured(t *testing.T) {
	r := measure(context.Background(), sleeper{30 * time.Millisecond}, anyQuery, &inputs{}, cell{conc: 3, warmup: time.Millisecond, dur: time.Millisecond, timeout: 10 * time.Second})
	if r.TimedOut || r.Cold || r.Requests < 3 || r.Timeouts != 0 {
		t.Fatalf("got %+v, want at least one measured request per worker", r)
	}
}

// A cell where every request fails is reported as failed, not timed out.
func TestFailingCellIsNotTimedOut(t *testing.T) {
	r := measure(context.Background(), failing{}, anyQuery, &inputs{}, cell{conc: 1, warmup: time.Millisecond, dur: time.Millisecond, timeout: time.Second})
	if r.TimedOut || r.Requests != 0 || r.Errors == 0 || r.FirstError != "refused" {
		t.Fatalf("got %+v, want failed with the first error", r)
	}
}

// Against the targets: a baseline that timed out counts as met for a modelgraph cell that
// completed; ratios are of p50.
func TestTargetsBlock(t *testing.T) {
	s := &sizeResult{Size: 100000, Runs: []*runResult{
		{Query: "dashboard", Target: "modelgraph", Concurrency: 1, Requests: 10, P50: 20},
		{Query: "dashboard", Target: "raw-cypher", Concurrency: 1, TimedOut: true},
		{Query: "dashboard", Target: "neo4j-graphql", Concurrency: 1, Requests: 1, P50: 30},
	}}
	if got := ratio(s.Runs[0], s.Runs[1]); got != "< 1 (timed out)" {
		t.Errorf("ratio over a timed-out cell %q", got)
	}
	if got := ratio(s.Runs[0], s.Runs[2]); got != "0.67" {
		t.Errorf("ratio %q, want 0.67", got)
	}
	var b strings.Builder
	printTargets(&b, s, []int{1})
	for _, want := range []string{
		"| dashboard mg/raw ≤ 0.5x | 1 | modelgraph p50 20.00 ms, raw timed out | met |",
		"| dashboard mg/ngql ≤ 0.5x | 1 | 0.67x (modelgraph p50 20.00 ms, ngql 30.00 ms) | not met |",
		"| dashboard p50 < 50 ms at 100k | 1 | p50 20.00 ms | met |",
		"| impact mg/raw ≤ 0.5x | 1 | n/a | not measured |",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("no line %q in\n%s", want, b.String())
		}
	}
}
