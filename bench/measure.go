package main

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// runResult is one measurement: latency percentiles in milliseconds and completed requests per
// second.
type runResult struct {
	Query       string  `json:"query"`
	Target      string  `json:"target"`
	Concurrency int     `json:"concurrency"`
	Requests    int     `json:"requests"`
	Errors      int     `json:"errors"`
	P50         float64 `json:"p50_ms"`
	P95         float64 `json:"p95_ms"`
	P99         float64 `json:"p99_ms"`
	Throughput  float64 `json:"requests_per_second"`
	FirstError  string  `json:"first_error,omitempty"`
}

// measure runs conc workers against a target, first for warmup (not recorded), then for dur.
// Requests cycle through the inputs; each worker's requests are sequential.
func measure(ctx context.Context, t target, q query, in *inputs, conc int, warmup, dur time.Duration) (*runResult, error) {
	var next atomic.Int64
	loop := func(until time.Time, record bool) ([]time.Duration, int, string) {
		var mu sync.Mutex
		var all []time.Duration
		errs := 0
		first := ""
		var wg sync.WaitGroup
		for range conc {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var mine []time.Duration
				myErrs, myFirst := 0, ""
				for time.Now().Before(until) && ctx.Err() == nil {
					i := int(next.Add(1))
					start := time.Now()
					err := t.do(ctx, q.name, q.args(in, i))
					d := time.Since(start)
					if err != nil {
						myErrs++
						if myFirst == "" {
							myFirst = err.Error()
						}
						continue
					}
					if record {
						mine = append(mine, d)
					}
				}
				mu.Lock()
				all = append(all, mine...)
				errs += myErrs
				if first == "" {
					first = myFirst
				}
				mu.Unlock()
			}()
		}
		wg.Wait()
		return all, errs, first
	}
	loop(time.Now().Add(warmup), false)
	start := time.Now()
	lat, errs, first := loop(start.Add(dur), true)
	elapsed := time.Since(start)
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if len(lat) == 0 {
		return nil, fmt.Errorf("no request succeeded: %s", first)
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		i := int(p * float64(len(lat)-1))
		return float64(lat[i].Microseconds()) / 1000
	}
	return &runResult{Requests: len(lat), Errors: errs, FirstError: first, P50: pct(0.50), P95: pct(0.95), P99: pct(0.99),
		Throughput: float64(len(lat)) / elapsed.Seconds()}, nil
}
