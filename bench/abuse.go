package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelgraph/modelgraph/bench/synth"
	"github.com/modelgraph/modelgraph/graph"
)

// abuseConfig are the settings of `go run ./bench abuse`.
type abuseConfig struct {
	size, attackers, passes int
	seed                    uint64
	baseline                time.Duration
	timeout                 time.Duration
	bystanderAddr           string
	heap, cache, dataDir    string
	out                     string
	skip                    string
	cpuProfile              string
	profileFor              time.Duration
	inProcess               bool
}

// abuseResults is what one abuse run measured.
type abuseResults struct {
	Machine       string          `json:"machine"`
	Started       time.Time       `json:"started"`
	Command       string          `json:"command"`
	Elements      int             `json:"elements"`
	Relationships int             `json:"relationships"`
	Attackers     int             `json:"attackers"`
	Passes        int             `json:"passes"`
	Calibration   []calibration   `json:"calibration"`
	Baseline      []bystanderStat `json:"bystander_alone"`
	UnderAttack   []bystanderStat `json:"bystander_under_attack"`
	Attacks       []*attackStat   `json:"attacks"`
	AttackSeconds float64         `json:"attack_seconds"`
	Server        serverMemory    `json:"modelgraph_server_memory"`
	HealthyAfter  bool            `json:"server_healthy_after"`
	// LoadAverage is the machine's 1-minute load average, sampled every 5 s during the attack:
	// the machine may be shared, and the figures mean little when it is busy with other work.
	LoadAverage loadRange `json:"load_average_during_attack"`
}

// loadRange is the lowest and highest 1-minute load average seen.
type loadRange struct {
	Min float64 `json:"min"`
	Max float64 `json:"max"`
}

// sampleLoad reads /proc/loadavg every 5 s until stop is closed.
func sampleLoad(stop <-chan struct{}) <-chan loadRange {
	out := make(chan loadRange, 1)
	go func() {
		r := loadRange{Min: -1}
		sample := func() {
			b, err := os.ReadFile("/proc/loadavg")
			if err != nil {
				return
			}
			var l float64
			if _, err := fmt.Sscan(string(b), &l); err == nil {
				if r.Min < 0 || l < r.Min {
					r.Min = l
				}
				r.Max = max(r.Max, l)
			}
		}
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		sample()
		for {
			select {
			case <-stop:
				sample()
				out <- r
				return
			case <-t.C:
				sample()
			}
		}
	}()
	return out
}

// profileCPU saves a CPU profile of the server, taken for d from the start of the attack.
func profileCPU(debugVarsURL, path string, d time.Duration, log *slog.Logger) {
	url := strings.TrimSuffix(debugVarsURL, "/debug/vars") + fmt.Sprintf("/debug/pprof/profile?seconds=%d", int(d.Seconds()))
	resp, err := (&http.Client{Timeout: d + time.Minute}).Get(url)
	if err != nil {
		log.Warn("cpu profile", "err", err)
		return
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		log.Warn("cpu profile", "err", err)
		return
	}
	defer f.Close()
	if _, err := io.Copy(f, resp.Body); err != nil {
		log.Warn("cpu profile", "err", err)
		return
	}
	log.Info("cpu profile written", "file", path, "inspect with", "go tool pprof -top "+path)
}

// runAbuse loads a synthetic model, then has attackers send abusive requests back to back while
// a bystander measures ordinary queries.
func runAbuse(ctx context.Context, args []string) error {
	if len(args) > 0 && (args[0] == "bystander" || args[0] == "attackers") {
		return runChild(ctx, args[0])
	}
	var c abuseConfig
	fs := flag.NewFlagSet("abuse", flag.ContinueOnError)
	fs.IntVar(&c.size, "size", 10000, "synthetic model size in elements")
	fs.Uint64Var(&c.seed, "seed", 1, "generator seed")
	fs.IntVar(&c.attackers, "attackers", 4, "attacker connections")
	fs.IntVar(&c.passes, "passes", 2, "times each attacker sends every case")
	fs.DurationVar(&c.baseline, "baseline", 15*time.Second, "how long the bystander is measured alone first")
	fs.DurationVar(&c.timeout, "attack-timeout", 2*time.Minute, "client timeout of one attack request")
	fs.StringVar(&c.bystanderAddr, "bystander-addr", "127.0.0.2", "local address the bystander connects from (another client for the server's per-client limit; empty: the default)")
	fs.StringVar(&c.heap, "neo4j-heap", "2g", "Neo4j JVM heap")
	fs.StringVar(&c.cache, "neo4j-page-cache", "1g", "Neo4j page cache")
	fs.StringVar(&c.dataDir, "data", ".data/bench-abuse-neo4j", "Neo4j store folder (emptied first)")
	fs.StringVar(&c.out, "out", "docs/benchmarks-abuse.json", "where to write the raw results")
	fs.StringVar(&c.skip, "skip", "", "leave out the attacks whose name contains one of these comma-separated words, to see which costs what")
	fs.StringVar(&c.cpuProfile, "cpu-profile", "", "write a CPU profile of the server (from its debug address) taken during the attack to this file")
	fs.DurationVar(&c.profileFor, "profile-for", 30*time.Second, "how long the CPU profile runs, from the start of the attack")
	fs.BoolVar(&c.inProcess, "in-process", false, "run the bystander and the attackers in this process rather than in one process each (their garbage collection and scheduling then land in the bystander's figures)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	env, err := startEnvironment(ctx, config{heap: c.heap, cache: c.cache, dataDir: c.dataDir, skipNode: true}, log)
	if err != nil {
		return err
	}
	defer env.stop()

	f := synth.Model(fmt.Sprintf("abuse-%d", c.size), c.size, c.seed)
	log.Info("importing", "model", f.Model.Key, "elements", len(f.Elements), "relationships", len(f.Relationships))
	if _, err := env.store.Import(ctx, f, graph.ImportOptions{}); err != nil {
		return err
	}
	in, err := pickInputs(ctx, env.store, f)
	if err != nil {
		return err
	}
	res := &abuseResults{Machine: machine(), Started: time.Now().UTC(), Command: "go run ./bench abuse " + strings.Join(args, " "),
		Elements: len(f.Elements), Relationships: len(f.Relationships), Attackers: c.attackers, Passes: c.passes}
	t := pickTargets(f)
	cals, err := calibrate(env.server.url, t)
	if err != nil {
		return err
	}
	res.Calibration = cals
	for _, cal := range cals {
		log.Info("largest accepted", "family", cal.Family, "n", cal.Largest, "guess", cal.Guess, "next refused with", cal.NextCode)
	}
	if c.inProcess {
		err = abuseInProcess(ctx, env, in, t, c, res, log)
	} else {
		err = abuseInChildren(ctx, env, in, t, c, res, log)
	}
	if err != nil {
		return err
	}
	res.Server = env.server.memory()
	res.HealthyAfter = healthy(env.server.url)

	if err := writeJSON(c.out, res); err != nil {
		return err
	}
	printAbuse(os.Stdout, res)
	return nil
}

// abuseInChildren measures the bystander alone, then under attack, with the bystander and the
// attackers each in a process of its own (abuse_procs.go).
func abuseInChildren(ctx context.Context, env *environment, in *inputs, t *attackTargets, c abuseConfig, res *abuseResults, log *slog.Logger) error {
	bs := bystanderSpec{URL: env.server.url, LocalAddr: c.bystanderAddr, Model: in.model, Elements: in.elements, VPs: in.vps}
	log.Info("bystander alone", "for", c.baseline)
	by, err := startChild(ctx, "bystander", bs)
	if err != nil {
		return err
	}
	time.Sleep(c.baseline)
	if err := by.wait(&res.Baseline); err != nil {
		return err
	}

	att, err := startChild(ctx, "attackers", attackSpec{URL: env.server.url, Model: t.model, Hub: t.hub, VP: t.vp, Calibration: res.Calibration,
		Attackers: c.attackers, Passes: c.passes, Timeout: c.timeout, Skip: c.skip})
	if err != nil {
		return err
	}
	if l, err := att.line(); l != "ready" {
		att.wait(nil)
		return fmt.Errorf("attackers: %q (%v)", l, err)
	}
	env.server.resetPeak()
	if by, err = startChild(ctx, "bystander", bs); err != nil {
		att.wait(nil)
		return err
	}
	stopLoad := make(chan struct{})
	load := sampleLoad(stopLoad)
	var profiled sync.WaitGroup
	if c.cpuProfile != "" {
		profiled.Go(func() { profileCPU(env.server.debugURL, c.cpuProfile, c.profileFor, log) })
	}
	start := time.Now()
	_, err = io.WriteString(att.in, "go\n")
	if err == nil {
		err = att.wait(&res.Attacks)
	}
	res.AttackSeconds = time.Since(start).Seconds()
	close(stopLoad)
	res.LoadAverage = <-load
	if berr := by.wait(&res.UnderAttack); err == nil {
		err = berr
	}
	profiled.Wait() // the profile may run past the attack; the server stays up for it
	return err
}

// abuseInProcess is the same with the bystander and the attackers in this process.
func abuseInProcess(ctx context.Context, env *environment, in *inputs, t *attackTargets, c abuseConfig, res *abuseResults, log *slog.Logger) error {
	cases := skipCases(casesFor(res.Calibration, t), c.skip)
	by := newBystander(env.server.url, c.bystanderAddr, in)
	log.Info("bystander alone", "for", c.baseline)
	res.Baseline = by.runFor(ctx, c.baseline)

	env.server.resetPeak()
	stopBy := make(chan struct{})
	byDone := make(chan []bystanderStat)
	go func() { byDone <- by.run(ctx, stopBy) }()
	load := sampleLoad(stopBy)
	var profiled sync.WaitGroup
	if c.cpuProfile != "" {
		profiled.Go(func() { profileCPU(env.server.debugURL, c.cpuProfile, c.profileFor, log) })
	}
	start := time.Now()
	res.Attacks = attack(ctx, env.server.url, cases, c, log)
	res.AttackSeconds = time.Since(start).Seconds()
	close(stopBy)
	res.UnderAttack = <-byDone
	res.LoadAverage = <-load
	profiled.Wait()
	return nil
}

func skipCases(cases []abuseCase, skip string) []abuseCase {
	if skip == "" {
		return cases
	}
	return slices.DeleteFunc(cases, func(c abuseCase) bool {
		for _, w := range strings.Split(skip, ",") {
			if w = strings.TrimSpace(w); w != "" && strings.Contains(c.Name, w) {
				return true
			}
		}
		return false
	})
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

func healthy(graphqlURL string) bool {
	resp, err := http.Get(strings.TrimSuffix(graphqlURL, "/graphql") + "/healthz")
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// attackStat is what the attackers saw for one case.
type attackStat struct {
	Name       string         `json:"name"`
	Size       string         `json:"size"`
	BodyBytes  int            `json:"body_bytes"`
	Requests   int            `json:"requests"`
	Statuses   map[string]int `json:"statuses"` // "200 QUERY_TOO_DEEP", "413 REQUEST_TOO_LARGE", "error: ..."
	MinMS      float64        `json:"min_ms"`
	MedianMS   float64        `json:"median_ms"`
	MaxMS      float64        `json:"max_ms"`
	MaxRespLen int64          `json:"max_response_bytes"`
	durations  []time.Duration
	mu         sync.Mutex
}

// attack runs the attackers: each on its own connection sends every case back to back, passes
// times, starting at a different case so that different cases overlap.
func attack(ctx context.Context, url string, cases []abuseCase, c abuseConfig, log *slog.Logger) []*attackStat {
	stats := make([]*attackStat, len(cases))
	for i, ac := range cases {
		stats[i] = &attackStat{Name: ac.Name, Size: ac.Size, BodyBytes: len(ac.body), Statuses: map[string]int{}}
	}
	var wg sync.WaitGroup
	var sent atomic.Int64
	for a := range c.attackers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl := &http.Client{Timeout: c.timeout, Transport: &http.Transport{MaxConnsPerHost: 1, MaxIdleConnsPerHost: 1}}
			offset := a * len(cases) / c.attackers
			for p := range c.passes {
				for j := range cases {
					if ctx.Err() != nil {
						return
					}
					i := (j + offset) % len(cases)
					status, d, n := send(ctx, cl, url, cases[i].body)
					stats[i].add(status, d, n)
					log.Info("attack", "attacker", a, "pass", p, "case", cases[i].Name, "size", cases[i].Size, "status", status, "ms", d.Milliseconds(), "bytes", n, "sent", sent.Add(1))
				}
			}
		}()
	}
	wg.Wait()
	for _, s := range stats {
		s.finish()
	}
	return stats
}

func (s *attackStat) add(status string, d time.Duration, n int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.Requests++
	s.Statuses[status]++
	s.durations = append(s.durations, d)
	s.MaxRespLen = max(s.MaxRespLen, n)
}

func (s *attackStat) finish() {
	slices.Sort(s.durations)
	if len(s.durations) == 0 {
		return
	}
	ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
	s.MinMS, s.MedianMS, s.MaxMS = ms(s.durations[0]), ms(s.durations[len(s.durations)/2]), ms(s.durations[len(s.durations)-1])
}

// send posts one body and returns "HTTP-status first-error-code" (or the transport error), the
// time to the end of the response and the response's size.
func send(ctx context.Context, cl *http.Client, url string, body []byte) (string, time.Duration, int64) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return "error: " + err.Error(), 0, 0
	}
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := cl.Do(req)
	if err != nil {
		return "error: " + shortErr(err), time.Since(start), 0
	}
	defer resp.Body.Close()
	var head bytes.Buffer
	n, err := io.Copy(io.MultiWriter(&limitedBuffer{buf: &head, max: 1 << 20}, io.Discard), resp.Body)
	d := time.Since(start)
	if err != nil {
		return fmt.Sprintf("%d read error: %s", resp.StatusCode, shortErr(err)), d, n
	}
	return fmt.Sprintf("%d %s", resp.StatusCode, firstCode(head.Bytes(), n)), d, n
}

func shortErr(err error) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "client timeout"
	}
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		s = s[i+2:]
	}
	return s
}

// firstCode names the answer: the first error's extensions.code, "data" for an answer without
// errors, or "large" when the response is too big to read here.
func firstCode(b []byte, n int64) string {
	if n > int64(len(b)) {
		return "large"
	}
	var out struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return "not JSON"
	}
	if len(out.Errors) == 0 {
		return "data"
	}
	code, _ := out.Errors[0].Extensions["code"].(string)
	if len(out.Data) > 0 && string(out.Data) != "null" {
		return "data+" + code
	}
	return code
}

// limitedBuffer keeps the first max bytes written to it.
type limitedBuffer struct {
	buf *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.buf.Len(); room > 0 {
		l.buf.Write(p[:min(room, len(p))])
	}
	return len(p), nil
}
