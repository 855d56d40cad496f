package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/modelgraph/modelgraph/launcher"
)

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// mgServer is a modelgraph server process, built from this checkout, with its memory watched.
type mgServer struct {
	cmd      *exec.Cmd
	url      string
	debugURL string

	mu       sync.Mutex
	peakHeap uint64
	done     chan struct{}
}

// serverMemory is what the modelgraph server process used while it was measured.
type serverMemory struct {
	PeakRSSMiB      float64 `json:"peak_rss_mib"`
	RSSMiB          float64 `json:"rss_mib"`
	PeakHeapInUseMB float64 `json:"peak_go_heap_inuse_mib"`
	HeapSysMiB      float64 `json:"go_heap_sys_mib"`
	NumGC           uint32  `json:"num_gc"`
}

// neo4jEnv is the environment that points a server at the database, credentials included (in
// the environment rather than on the command line, where any local user could read them).
func neo4jEnv(db *launcher.DB) []string {
	return append(os.Environ(), "NEO4J_URI="+db.URI, "NEO4J_USERNAME="+db.Username, "NEO4J_PASSWORD="+db.Password)
}

// startServer builds and starts a modelgraph server; args are flags added to serve's.
func startServer(ctx context.Context, db *launcher.DB, args []string, log *slog.Logger) (*mgServer, error) {
	bin := filepath.Join(os.TempDir(), "modelgraph-bench")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "./cmd/modelgraph")
	if out, err := build.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("build modelgraph: %v\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dport, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &mgServer{url: fmt.Sprintf("http://127.0.0.1:%d/graphql", port), debugURL: fmt.Sprintf("http://127.0.0.1:%d/debug/vars", dport), done: make(chan struct{})}
	s.cmd = exec.Command(bin, append([]string{"serve", "-addr", fmt.Sprintf("127.0.0.1:%d", port), "-debug-addr", fmt.Sprintf("127.0.0.1:%d", dport)}, args...)...)
	s.cmd.Env = append(neo4jEnv(db), "LOG_LEVEL=warn")
	s.cmd.Stderr = os.Stderr
	if err := s.cmd.Start(); err != nil {
		return nil, err
	}
	health := fmt.Sprintf("http://127.0.0.1:%d/healthz", port)
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		if resp, err := http.Get(health); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("modelgraph server not healthy after a minute")
		}
	}
	go s.watch()
	log.Info("modelgraph server up", "url", s.url, "pid", s.cmd.Process.Pid)
	return s, nil
}

type memstats struct {
	Memstats struct {
		HeapInuse uint64
		HeapSys   uint64
		NumGC     uint32
	}
	// Snapshots is the server's snapshot cache (snapshots.Stats, published as an expvar).
	Snapshots struct {
		Builds int64 `json:"builds"`
		Bytes  int64 `json:"bytes"`
	} `json:"snapshots"`
}

// serverSnapshot is the server's build of a model's snapshot, seen from outside: the time of
// the first traversal request on the model (which waits for the build), and the cache's figures.
type serverSnapshot struct {
	FirstRequestSeconds float64 `json:"first_request_seconds"`
	Builds              int64   `json:"builds"` // builds during that request (1 when it built)
	EstimateMiB         float64 `json:"cache_estimate_mib"`
	Error               string  `json:"error,omitempty"`
}

// firstTraversal times the first traversal request on a model, which builds the server's
// snapshot of it; it retries a request cut by the server's request timeout (the build goes on
// apart from the request) for up to limit.
func (s *mgServer) firstTraversal(ctx context.Context, t target, args map[string]any, timeout, limit time.Duration) serverSnapshot {
	var out serverSnapshot
	before, _ := s.readStats()
	start := time.Now()
	for {
		rctx, cancel := context.WithTimeout(ctx, timeout)
		_, err := t.do(rctx, "supporters", args, false)
		cancel()
		if err == nil {
			out.Error = ""
			break
		}
		out.Error = err.Error()
		if ctx.Err() != nil || time.Since(start) > limit {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	out.FirstRequestSeconds = time.Since(start).Seconds()
	if after, err := s.readStats(); err == nil {
		out.Builds = after.Snapshots.Builds - before.Snapshots.Builds
		out.EstimateMiB = float64(after.Snapshots.Bytes-before.Snapshots.Bytes) / (1 << 20)
	}
	return out
}

func (s *mgServer) readStats() (memstats, error) {
	var m memstats
	resp, err := http.Get(s.debugURL)
	if err != nil {
		return m, err
	}
	defer resp.Body.Close()
	err = json.NewDecoder(resp.Body).Decode(&m)
	return m, err
}

// watch samples the Go heap four times a second for its peak.
func (s *mgServer) watch() {
	t := time.NewTicker(250 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
			if m, err := s.readStats(); err == nil {
				s.mu.Lock()
				s.peakHeap = max(s.peakHeap, m.Memstats.HeapInuse)
				s.mu.Unlock()
			}
		}
	}
}

// resetPeak starts a new peak for RSS (Linux clear_refs) and heap.
func (s *mgServer) resetPeak() {
	_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", s.cmd.Process.Pid), []byte("5"), 0)
	s.mu.Lock()
	s.peakHeap = 0
	s.mu.Unlock()
}

func (s *mgServer) memory() serverMemory {
	var m serverMemory
	status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	for _, line := range strings.Split(string(status), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmHWM:":
			m.PeakRSSMiB = kb / 1024
		case "VmRSS:":
			m.RSSMiB = kb / 1024
		}
	}
	if st, err := s.readStats(); err == nil {
		m.HeapSysMiB = float64(st.Memstats.HeapSys) / (1 << 20)
		m.NumGC = st.Memstats.NumGC
	}
	s.mu.Lock()
	m.PeakHeapInUseMB = float64(s.peakHeap) / (1 << 20)
	s.mu.Unlock()
	return m
}

func (s *mgServer) stop() {
	select {
	case <-s.done:
	default:
		close(s.done)
	}
	if s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		_ = s.cmd.Wait()
	}
}

// nodeServer is the @neo4j/graphql server of bench/neo4j-graphql.
type nodeServer struct {
	cmd *exec.Cmd
	url string
	ops map[string]string
}

func startNode(ctx context.Context, db *launcher.DB, log *slog.Logger) (*nodeServer, error) {
	dir := filepath.Join("bench", "neo4j-graphql")
	if _, err := os.Stat(filepath.Join(dir, "node_modules")); err != nil {
		log.Info("installing @neo4j/graphql with npm ci")
		install := exec.CommandContext(ctx, "npm", "ci", "--no-audit", "--no-fund")
		install.Dir = dir
		if out, err := install.CombinedOutput(); err != nil {
			return nil, fmt.Errorf("npm ci: %v\n%s", err, out)
		}
	}
	raw, err := os.ReadFile(filepath.Join(dir, "queries.json"))
	if err != nil {
		return nil, err
	}
	var qs map[string]struct {
		Query string `json:"query"`
	}
	if err := json.Unmarshal(raw, &qs); err != nil {
		return nil, fmt.Errorf("queries.json: %w", err)
	}
	n := &nodeServer{ops: map[string]string{}}
	for k, v := range qs {
		n.ops[k] = v.Query
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	n.cmd = exec.Command("node", "server.mjs")
	n.cmd.Dir = dir
	n.cmd.Env = append(neo4jEnv(db), "PORT="+strconv.Itoa(port), "NODE_ENV=production")
	n.cmd.Stderr = os.Stderr
	out, err := n.cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := n.cmd.Start(); err != nil {
		return nil, err
	}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "READY "); ok {
				ready <- u
			}
		}
	}()
	select {
	case n.url = <-ready:
	case <-time.After(time.Minute):
		n.stop()
		return nil, fmt.Errorf("@neo4j/graphql server not ready after a minute")
	}
	log.Info("@neo4j/graphql server up", "url", n.url)
	return n, nil
}

func (n *nodeServer) stop() {
	if n.cmd.Process != nil {
		_ = n.cmd.Process.Signal(syscall.SIGTERM)
		_ = n.cmd.Wait()
	}
}
