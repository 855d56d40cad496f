package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"
)

// bystander is an ordinary client: element-by-key and supporters queries one after the other,
// from its own local address.
type bystander struct {
	url string
	cl  *http.Client
	in  *inputs
}

// bystanderStat is the bystander's latency for one query, in milliseconds.
type bystanderStat struct {
	Query      string  `json:"query"`
	Requests   int     `json:"requests"`
	Errors     int     `json:"errors"`
	P50        float64 `json:"p50_ms"`
	P95        float64 `json:"p95_ms"`
	P99        float64 `json:"p99_ms"`
	Max        float64 `json:"max_ms"`
	FirstError string  `json:"first_error,omitempty"`
}

var bystanderQueries = []string{"elementByKey", "supporters"}

func newBystander(url, localAddr string, in *inputs) *bystander {
	d := &net.Dialer{Timeout: 5 * time.Second}
	if localAddr != "" {
		d.LocalAddr = &net.TCPAddr{IP: net.ParseIP(localAddr)}
	}
	return &bystander{url: url, in: in, cl: &http.Client{Timeout: time.Minute, Transport: &http.Transport{DialContext: d.DialContext}}}
}

func (b *bystander) runFor(ctx context.Context, d time.Duration) []bystanderStat {
	stop := make(chan struct{})
	time.AfterFunc(d, func() { close(stop) })
	return b.run(ctx, stop)
}

// run sends the queries in turn until stop is closed.
func (b *bystander) run(ctx context.Context, stop <-chan struct{}) []bystanderStat {
	lat := map[string][]time.Duration{}
	stats := map[string]*bystanderStat{}
	for _, q := range bystanderQueries {
		stats[q] = &bystanderStat{Query: q}
	}
	for i := 0; ctx.Err() == nil; i++ {
		select {
		case <-stop:
			return summarise(stats, lat)
		default:
		}
		name := bystanderQueries[i%len(bystanderQueries)]
		args := queryArgs(name, b.in, i/len(bystanderQueries))
		start := time.Now()
		err := b.do(ctx, name, args)
		d := time.Since(start)
		st := stats[name]
		st.Requests++
		if err != nil {
			st.Errors++
			if st.FirstError == "" {
				st.FirstError = err.Error()
			}
			continue
		}
		lat[name] = append(lat[name], d)
	}
	return summarise(stats, lat)
}

func queryArgs(name string, in *inputs, i int) map[string]any {
	for _, q := range queries {
		if q.name == name {
			return q.args(in, i)
		}
	}
	panic("no query " + name)
}

func (b *bystander) do(ctx context.Context, name string, args map[string]any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.url, bytes.NewReader(gqlBody(modelgraphOps[name], args)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := b.cl.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var out struct {
		Errors []json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(body, &out); err != nil {
		return fmt.Errorf("HTTP %d, no JSON: %.200s", resp.StatusCode, body)
	}
	if len(out.Errors) > 0 {
		return fmt.Errorf("HTTP %d: %.300s", resp.StatusCode, out.Errors[0])
	}
	return nil
}

func summarise(stats map[string]*bystanderStat, lat map[string][]time.Duration) []bystanderStat {
	var out []bystanderStat
	for _, q := range bystanderQueries {
		st, l := stats[q], lat[q]
		slices.Sort(l)
		if n := len(l); n > 0 {
			pct := func(p float64) float64 { return float64(l[int(p*float64(n-1))].Microseconds()) / 1000 }
			st.P50, st.P95, st.P99, st.Max = pct(0.50), pct(0.95), pct(0.99), pct(1)
		}
		out = append(out, *st)
	}
	return out
}

// printAbuse writes the results as the Markdown tables of docs/BENCHMARKS.md.
func printAbuse(w io.Writer, r *abuseResults) {
	fmt.Fprintf(w, "%s\n%s: %d elements, %d relationships; %d attackers x %d passes in %.0f s\n\n",
		r.Command, r.Machine, r.Elements, r.Relationships, r.Attackers, r.Passes, r.AttackSeconds)
	fmt.Fprintln(w, "| family | largest accepted | next size refused with |\n|---|---|---|")
	for _, c := range r.Calibration {
		fmt.Fprintf(w, "| %s | %d %s | %s |\n", c.Family, c.Largest, c.Unit, c.NextCode)
	}
	fmt.Fprintln(w, "\n| bystander query | alone p50 / p95 / p99 ms | under attack p50 / p95 / p99 / max ms | requests (errors) under attack |\n|---|---|---|---|")
	for i, u := range r.UnderAttack {
		b := r.Baseline[i]
		fmt.Fprintf(w, "| %s | %.1f / %.1f / %.1f | %.1f / %.1f / %.1f / %.0f | %d (%d) |\n", u.Query, b.P50, b.P95, b.P99, u.P50, u.P95, u.P99, u.Max, u.Requests, u.Errors)
		if u.FirstError != "" {
			fmt.Fprintf(w, "|  | first error: %.200s | | |\n", u.FirstError)
		}
	}
	fmt.Fprintln(w, "\n| attack | size | body | answers | min / median / max ms | largest response |\n|---|---|---|---|---|---|")
	for _, a := range r.Attacks {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %.0f / %.0f / %.0f | %s |\n", a.Name, a.Size, bytesLabel(int64(a.BodyBytes)), statuses(a.Statuses), a.MinMS, a.MedianMS, a.MaxMS, bytesLabel(a.MaxRespLen))
	}
	fmt.Fprintf(w, "\nserver peak RSS %.0f MiB (peak Go heap in use %.0f MiB); healthy after the attack: %v\n", r.Server.PeakRSSMiB, r.Server.PeakHeapInUseMB, r.HealthyAfter)
	fmt.Fprintf(w, "load average (1 min) during the attack: %.1f to %.1f\n", r.LoadAverage.Min, r.LoadAverage.Max)
}

func statuses(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%d x %s", m[k], k)
	}
	return strings.Join(parts, ", ")
}

func bytesLabel(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
