package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/modelgraph/modelgraph/graph/graphtest"
)

// serveWith runs serve in process like serve, with more environment, and returns the API and
// debug base URLs (http://host:port) found in its start-up log, text or JSON.
func serveWith(t *testing.T, extra map[string]string, args ...string) (api, debug string, stderr *syncBuffer) {
	t.Helper()
	user, pass := graphtest.Credentials()
	env := map[string]string{"NEO4J_URI": graphtest.URI(), "NEO4J_USERNAME": user, "NEO4J_PASSWORD": pass, "LOG_LEVEL": "info"}
	for k, v := range extra {
		env[k] = v
	}
	ctx, cancel := context.WithCancel(context.Background())
	stderr = &syncBuffer{}
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, append([]string{"serve"}, args...), func(k string) string { return env[k] }, io.Discard, stderr)
	}()
	t.Cleanup(func() {
		cancel()
		if code := <-done; code != exitOK {
			t.Errorf("serve exited %d:\n%s", code, stderr)
		}
	})
	apiRE := regexp.MustCompile(`"?api"?[=:]"?(http://[^\s"]+)/graphql`)
	debugRE := regexp.MustCompile(`"?metrics"?[=:]"?(http://[^\s"]+)/metrics`)
	for i := 0; i < 600; i++ {
		a, d := apiRE.FindStringSubmatch(stderr.String()), debugRE.FindStringSubmatch(stderr.String())
		if a != nil && d != nil {
			return a[1], d[1], stderr
		}
		select {
		case code := <-done:
			done <- code
			t.Fatalf("serve exited %d before listening:\n%s", code, stderr)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("serve did not start:\n%s", stderr)
	return "", "", nil
}

// gql posts one operation and returns the response's error codes.
func gql(t *testing.T, api, operation, query string, vars map[string]any, header http.Header) []string {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "operationName": operation, "variables": vars})
	req, _ := http.NewRequest(http.MethodPost, api+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var res struct {
		Errors []struct {
			Message    string
			Extensions struct{ Code string }
		}
	}
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		t.Fatalf("%s: %v", operation, err)
	}
	var codes []string
	for _, e := range res.Errors {
		codes = append(codes, e.Extensions.Code+": "+e.Message)
	}
	return codes
}

// smallModel has one function with two processes: 3 elements, 2 relationships.
func smallModel(key string) string {
	return fmt.Sprintf(`model: {key: %s, name: Metrics}
elements:
  - {key: fn, kind: BusinessFunction, name: Fulfilment, properties: {group: ENTERPRISE_SUPPORT}}
  - {key: pick, kind: Process, name: Pick}
  - {key: pack, kind: Process, name: Pack}
relationships:
  - {from: pick, type: PART_OF, to: fn}
  - {from: pack, type: PART_OF, to: fn}
`, key)
}

const (
	importMutation = `mutation MetricsImport($doc: String!) { importModel(document: $doc) { created relationshipsCreated } }`
	modelQuery     = `query MetricsModel($m: ID!) { elements(model: $m) { totalCount } }`
	supportQuery   = `query MetricsSupporters($m: ID!) { supporters(model: $m, key: "fn") { distance element { key } } }`
	badQuery       = `query MetricsBad { nosuchfield }`
)

// scrape reads the debug address's /metrics as Prometheus text.
func scrape(t *testing.T, debug string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(debug + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("/metrics: %s, Content-Type %q", resp.Status, resp.Header.Get("Content-Type"))
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("/metrics is not the Prometheus text format: %v", err)
	}
	return fams
}

// value is the series of family name whose labels include want: a counter's or gauge's value, a
// histogram's count. ok is false when there is no such series.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) (v float64, ok bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.Metric {
		labels := map[string]string{}
		for _, l := range m.Label {
			labels[l.GetName()] = l.GetValue()
		}
		for k, w := range want {
			if labels[k] != w {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		case m.Untyped != nil:
			return m.Untyped.GetValue(), true
		}
	}
	return 0, false
}

// TestMetricsAfterQueries runs a few operations through serve and finds each series on the debug
// address: operations by name and code, their latency and round trips, Neo4j round trips and
// their latency, import items, snapshot cache figures, Go runtime and process.
func TestMetricsAfterQueries(t *testing.T) {
	key := graphtest.ModelKey(t)
	api, debug, stderr := serveWith(t, nil, "-addr", "127.0.0.1:0", "-debug-addr", "127.0.0.1:0", "-snapshot-memory", "64M")

	if errs := gql(t, api, "MetricsImport", importMutation, map[string]any{"doc": smallModel(key)}, nil); errs != nil {
		t.Fatalf("import: %v", errs)
	}
	for range 3 {
		if errs := gql(t, api, "MetricsModel", modelQuery, map[string]any{"m": key}, nil); errs != nil {
			t.Fatalf("model: %v", errs)
		}
	}
	for range 2 {
		if errs := gql(t, api, "MetricsSupporters", supportQuery, map[string]any{"m": key}, nil); errs != nil {
			t.Fatalf("supporters: %v", errs)
		}
	}
	if errs := gql(t, api, "MetricsBad", badQuery, nil, nil); len(errs) != 1 || !strings.HasPrefix(errs[0], "GRAPHQL_VALIDATION_FAILED") {
		t.Fatalf("bad query: %v", errs)
	}
	if errs := gql(t, api, "MetricsModel", modelQuery, map[string]any{"m": key + "-missing"}, nil); len(errs) != 1 || !strings.HasPrefix(errs[0], "NOT_FOUND") {
		t.Fatalf("missing model: %v", errs)
	}

	fams := scrape(t, debug)
	must := func(name string, labels map[string]string) float64 {
		t.Helper()
		v, ok := value(fams, name, labels)
		if !ok {
			t.Errorf("no series %s%v", name, labels)
		}
		return v
	}
	exactly := func(name string, labels map[string]string, want float64) {
		t.Helper()
		if v := must(name, labels); v != want {
			t.Errorf("%s%v = %v, want %v", name, labels, v, want)
		}
	}
	atLeast := func(name string, labels map[string]string, least float64) float64 {
		t.Helper()
		v := must(name, labels)
		if v < least {
			t.Errorf("%s%v = %v, want at least %v", name, labels, v, least)
		}
		return v
	}

	// Operations by name and outcome: as many as were sent.
	exactly("modelgraph_graphql_requests_total", map[string]string{"operation": "MetricsImport", "code": "OK"}, 1)
	exactly("modelgraph_graphql_requests_total", map[string]string{"operation": "MetricsModel", "code": "OK"}, 3)
	exactly("modelgraph_graphql_requests_total", map[string]string{"operation": "MetricsModel", "code": "NOT_FOUND"}, 1)
	exactly("modelgraph_graphql_requests_total", map[string]string{"operation": "MetricsSupporters", "code": "OK"}, 2)
	exactly("modelgraph_graphql_requests_total", map[string]string{"operation": "MetricsBad", "code": "GRAPHQL_VALIDATION_FAILED"}, 1)
	// Latency: one observation per operation.
	exactly("modelgraph_graphql_request_duration_seconds", map[string]string{"operation": "MetricsModel"}, 4)
	exactly("modelgraph_graphql_request_duration_seconds", map[string]string{"operation": "MetricsSupporters"}, 2)
	exactly("modelgraph_graphql_request_duration_seconds", map[string]string{"operation": "MetricsBad"}, 1)
	if f := fams["modelgraph_graphql_request_duration_seconds"]; f != nil {
		for _, m := range f.Metric {
			if h := m.Histogram; h.GetSampleCount() > 0 && h.GetSampleSum() <= 0 {
				t.Errorf("request durations %v sum to %v", m.Label, h.GetSampleSum())
			}
		}
	}
	// Round trips: every model lookup reads the database; the refused query never ran.
	opTrips := atLeast("modelgraph_graphql_neo4j_round_trips_total", map[string]string{"operation": "MetricsModel"}, 4)
	atLeast("modelgraph_graphql_neo4j_round_trips_total", map[string]string{"operation": "MetricsImport"}, 1)
	exactly("modelgraph_graphql_neo4j_round_trips_total", map[string]string{"operation": "MetricsBad"}, 0)
	trips := atLeast("modelgraph_neo4j_round_trips_total", map[string]string{"outcome": "ok"}, opTrips)
	must("modelgraph_neo4j_round_trips_total", map[string]string{"outcome": "error"})
	failed, _ := value(fams, "modelgraph_neo4j_round_trips_total", map[string]string{"outcome": "error"})
	exactly("modelgraph_neo4j_round_trip_duration_seconds", nil, trips+failed)
	// The import wrote 3 elements and 2 relationships.
	exactly("modelgraph_import_items_written_total", map[string]string{"item": "element"}, 3)
	exactly("modelgraph_import_items_written_total", map[string]string{"item": "relationship"}, 2)
	// Snapshot cache: the supporters read the model into memory once, then from memory.
	atLeast("modelgraph_snapshot_cache_builds_total", nil, 1)
	atLeast("modelgraph_snapshot_cache_hits_total", nil, 1)
	atLeast("modelgraph_snapshot_cache_models", nil, 1)
	atLeast("modelgraph_snapshot_cache_bytes", nil, 1)
	exactly("modelgraph_snapshot_cache_budget_bytes", nil, 64<<20)
	for _, name := range []string{"modelgraph_snapshot_cache_misses_total", "modelgraph_snapshot_cache_applies_total", "modelgraph_snapshot_cache_evictions_total", "modelgraph_snapshot_cache_failures_total"} {
		must(name, nil)
	}
	// Go runtime and process.
	atLeast("go_goroutines", nil, 1)
	atLeast("go_memstats_heap_alloc_bytes", nil, 1)
	atLeast("process_resident_memory_bytes", nil, 1)

	// The API port serves no metrics.
	resp, err := http.Get(api + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if bytes.Contains(b, []byte("modelgraph_graphql_requests_total")) {
		t.Errorf("the API port serves metrics at /metrics")
	}

	// One log line per operation: 4 of MetricsModel (one NOT_FOUND).
	if n := strings.Count(stderr.String(), "msg=graphql operation=MetricsModel "); n != 4 {
		t.Errorf("%d log lines of MetricsModel, want 4:\n%s", n, stderr)
	}
}

// TestRequestLogText: LOG_FORMAT unset is text; the line names the operation, its type, outcome
// code, duration, round trips and actor (here the X-Actor header, authentication being off).
func TestRequestLogText(t *testing.T) {
	key := graphtest.ModelKey(t)
	api, _, stderr := serveWith(t, nil, "-addr", "127.0.0.1:0", "-debug-addr", "127.0.0.1:0")
	if errs := gql(t, api, "LogImport", strings.Replace(importMutation, "MetricsImport", "LogImport", 1), map[string]any{"doc": smallModel(key)}, http.Header{"X-Actor": {"ana lyst"}}); errs != nil {
		t.Fatal(errs)
	}
	gql(t, api, "LogMissing", `query LogMissing { elements(model: "`+key+`-missing") { totalCount } }`, nil, nil)
	line := regexp.MustCompile(`(?m)^time=\S+ level=INFO msg=graphql operation=LogImport type=mutation code=OK duration_ms=\d+(\.\d+)? round_trips=([1-9]\d*) actor="ana lyst"$`)
	if !line.MatchString(stderr.String()) {
		t.Errorf("no request log line for LogImport:\n%s", stderr)
	}
	missing := regexp.MustCompile(`(?m)^time=\S+ level=INFO msg=graphql operation=LogMissing type=query code=NOT_FOUND duration_ms=\S+ round_trips=\d+ actor=anonymous$`)
	if !missing.MatchString(stderr.String()) {
		t.Errorf("no request log line for LogMissing:\n%s", stderr)
	}
}

// TestRequestLogJSON: LOG_FORMAT=json writes one JSON object a line, the request lines with
// typed fields; with authentication on, the actor is the token's identity.
func TestRequestLogJSON(t *testing.T) {
	key := graphtest.ModelKey(t)
	code, secret, errOut := cli(t, "token", "create", "-role", "admin", "-model", key, "-name", "log test")
	if code != exitOK {
		t.Fatalf("token create: %d %s", code, errOut)
	}
	secret = strings.TrimSpace(secret)
	api, _, stderr := serveWith(t, map[string]string{"LOG_FORMAT": "json", "MODELGRAPH_AUTH": "token", "MODELGRAPH_TOKEN_CACHE_TTL": "0s"}, "-addr", "127.0.0.1:0", "-debug-addr", "127.0.0.1:0")
	auth := http.Header{"Authorization": {"Bearer " + secret}}
	if errs := gql(t, api, "JSONImport", strings.Replace(importMutation, "MetricsImport", "JSONImport", 1), map[string]any{"doc": smallModel(key)}, auth); errs != nil {
		t.Fatal(errs)
	}
	var found map[string]any
	sc := bufio.NewScanner(strings.NewReader(stderr.String()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("a log line is not JSON: %q: %v", sc.Text(), err)
		}
		if m["msg"] == "graphql" && m["operation"] == "JSONImport" {
			found = m
		}
	}
	if found == nil {
		t.Fatalf("no request log line for JSONImport:\n%s", stderr)
	}
	if found["level"] != "INFO" || found["type"] != "mutation" || found["code"] != "OK" {
		t.Errorf("request line %v", found)
	}
	if d, ok := found["duration_ms"].(float64); !ok || d <= 0 {
		t.Errorf("duration_ms %v (%T), want a positive number", found["duration_ms"], found["duration_ms"])
	}
	if n, ok := found["round_trips"].(float64); !ok || n < 1 || n != float64(int(n)) {
		t.Errorf("round_trips %v, want a whole number of at least 1", found["round_trips"])
	}
	if a, _ := found["actor"].(string); !strings.HasPrefix(a, "token:log test (tok_") {
		t.Errorf("actor %q, want the token's identity", found["actor"])
	}
}

// TestLogFormatRefused: a LOG_FORMAT that is neither json nor text is a usage error, said once.
func TestLogFormatRefused(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run(context.Background(), []string{"validate", "x.yaml"}, func(k string) string {
		return map[string]string{"LOG_FORMAT": "xml"}[k]
	}, &out, &errOut)
	if code != exitUsage || strings.Count(errOut.String(), `LOG_FORMAT must be json or text, not "xml"`) != 1 {
		t.Errorf("exit %d, stderr %q", code, errOut.String())
	}
}

// TestReadyAndHealthThroughServe: both probes answer 200 on the API port without a token.
func TestReadyAndHealthThroughServe(t *testing.T) {
	api, _, _ := serveWith(t, map[string]string{"MODELGRAPH_AUTH": "token"}, "-addr", "127.0.0.1:0", "-debug-addr", "127.0.0.1:0")
	for path, want := range map[string]string{"/healthz": "ok\n", "/readyz": "ready\n"} {
		resp, err := http.Get(api + path)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || string(b) != want {
			t.Errorf("%s: %s %q, want 200 %q", path, resp.Status, b, want)
		}
	}
}
