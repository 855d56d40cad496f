package main

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// runResult is one measurement (a cell): latency percentiles in milliseconds and completed
// requests per second. A cell where no request completed within the request timeout is
// TimedOut, with no latencies.
type runResult struct {
	Query       string  `json:"query"`
	Target      string  `json:"target"`
	Concurrency int     `json:"concurrency"`
	Requests    int     `json:"requests"`
	Errors      int     `json:"errors"`
	Timeouts    int     `json:"timeouts"`
	TimedOut    bool    `json:"timed_out"`
	P50         float64 `json:"p50_ms"`
	P95         float64 `json:"p95_ms"`
	P99         float64 `json:"p99_ms"`
	Throughput  float64 `json:"requests_per_second"`
	// Cold says that no request started after the warm-up completed within the cell's time, so
	// the latencies are those of the warm-up requests.
	Cold       bool    `json:"cold,omitempty"`
	WallSecond float64 `json:"wall_seconds"`
	FirstError string  `json:"first_error,omitempty"`
}

// cell bounds one measurement: conc workers send requests for warmup (not recorded), then for
// dur; each request is cancelled after timeout, and the whole cell after warmup + dur + timeout.
type cell struct {
	conc                 int
	warmup, dur, timeout time.Duration
}

// measure runs one cell. Requests cycle through the inputs; each worker's requests are
// sequential, and each worker sends at least one measured request unless the cell's time is up.
func measure(ctx context.Context, t target, q query, in *inputs, c cell) *runResult {
	begin := time.Now()
	deadline := begin.Add(c.warmup + c.dur + c.timeout)
	cctx, cancel := context.WithDeadline(ctx, deadline)
	defer cancel()
	warmEnd := begin.Add(c.warmup)
	var next atomic.Int64
	var mu sync.Mutex
	var measured, warm []time.Duration
	var measureStart, lastEnd time.Time
	res := &runResult{}
	one := func() (time.Duration, bool) {
		rctx, rcancel := context.WithTimeout(cctx, c.timeout)
		defer rcancel()
		i := int(next.Add(1))
		start := time.Now()
		_, err := t.do(rctx, q.name, q.args(in, i), false)
		d := time.Since(start)
		if err == nil {
			return d, true
		}
		mu.Lock()
		defer mu.Unlock()
		if rctx.Err() != nil || errors.Is(err, context.DeadlineExceeded) {
			res.Timeouts++
		} else {
			res.Errors++
			if res.FirstError == "" {
				res.FirstError = err.Error()
			}
		}
		return d, false
	}
	var warmWG, wg sync.WaitGroup
	warmWG.Add(c.conc)
	var startOnce sync.Once
	measureEnd := func() time.Time { return measureStart.Add(c.dur) }
	for range c.conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(warmEnd) && cctx.Err() == nil {
				if d, ok := one(); ok {
					mu.Lock()
					warm = append(warm, d)
					mu.Unlock()
				}
			}
			// The measurement starts when every worker's warm-up requests have ended.
			warmWG.Done()
			warmWG.Wait()
			startOnce.Do(func() { measureStart = time.Now() })
			for first := true; cctx.Err() == nil && (first || time.Now().Before(measureEnd())); first = false {
				d, ok := one()
				mu.Lock()
				if ok {
					measured = append(measured, d)
				}
				lastEnd = time.Now()
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	res.WallSecond = time.Since(begin).Seconds()
	lat := measured
	elapsed := lastEnd.Sub(measureStart)
	if len(lat) == 0 && len(warm) > 0 {
		lat, res.Cold = warm, true
		elapsed = time.Duration(res.WallSecond * float64(time.Second))
	}
	if len(lat) == 0 {
		res.TimedOut = res.Errors == 0 || res.Timeouts > 0
		return res
	}
	slices.Sort(lat)
	pct := func(p float64) float64 {
		i := int(p * float64(len(lat)-1))
		return float64(lat[i].Nanoseconds()) / 1e6
	}
	res.Requests, res.P50, res.P95, res.P99 = len(lat), pct(0.50), pct(0.95), pct(0.99)
	if elapsed > 0 {
		res.Throughput = float64(len(lat)) / elapsed.Seconds()
	}
	return res
}
