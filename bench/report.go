package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

type results struct {
	Machine     string        `json:"machine"`
	Started     time.Time     `json:"started"`
	Command     string        `json:"command"`
	Duration    string        `json:"duration_per_run"`
	Concurrency []int         `json:"concurrency"`
	Sizes       []*sizeResult `json:"sizes"`
}

type sizeResult struct {
	Size                 int     `json:"size"`
	Elements             int     `json:"elements"`
	Relationships        int     `json:"relationships"`
	ImportSeconds        float64 `json:"import_seconds"`
	ImportItemsPerSecond float64 `json:"import_items_per_second"`
	// Bulk import: the same model without recording history.
	BulkImportSeconds        float64      `json:"bulk_import_seconds"`
	BulkImportItemsPerSecond float64      `json:"bulk_import_items_per_second"`
	Runs                     []*runResult `json:"runs"`
	Server                   serverMemory `json:"modelgraph_server_memory"`
}

func machine() string {
	cpu := ""
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(l, "model name") {
				cpu = strings.TrimSpace(strings.SplitN(l, ":", 2)[1])
				break
			}
		}
	}
	java, _ := exec.Command("java", "-version").CombinedOutput()
	jv := strings.SplitN(string(java), "\n", 2)[0]
	return fmt.Sprintf("%d cores (%s), %s %s/%s, %s", runtime.NumCPU(), cpu, runtime.Version(), runtime.GOOS, runtime.GOARCH, jv)
}

func (s *sizeResult) find(q, t string, c int) *runResult {
	for _, r := range s.Runs {
		if r.Query == q && r.Target == t && r.Concurrency == c {
			return r
		}
	}
	return nil
}

// printSize writes one size's tables in Markdown.
func printSize(w io.Writer, s *sizeResult, conc []int) {
	fmt.Fprintf(w, "\n### %d elements (%d elements, %d relationships)\n\n", s.Size, s.Elements, s.Relationships)
	fmt.Fprintf(w, "Import, one transaction: %.1f s, %.0f items (elements + relationships) per second with change history; %.1f s, %.0f items per second as a bulk load without history.\n\n",
		s.ImportSeconds, s.ImportItemsPerSecond, s.BulkImportSeconds, s.BulkImportItemsPerSecond)
	fmt.Fprintln(w, "| query | conc | modelgraph p50 / p95 / p99 ms | req/s | raw Cypher p50 / p95 / p99 ms | req/s | @neo4j/graphql p50 / p95 / p99 ms | req/s | mg/raw p50 | mg/ngql p50 |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|")
	for _, q := range queries {
		for _, c := range conc {
			mg, raw, ng := s.find(q.name, "modelgraph", c), s.find(q.name, "raw-cypher", c), s.find(q.name, "neo4j-graphql", c)
			fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s |\n", q.name, c,
				lat(mg), rps(mg), lat(raw), rps(raw), lat(ng), rps(ng), ratio(mg, raw), ratio(mg, ng))
		}
	}
	m := s.Server
	fmt.Fprintf(w, "\nmodelgraph server during this size: peak RSS %.0f MiB (now %.0f MiB), peak Go heap in use %.0f MiB, Go heap reserved %.0f MiB, %d GCs so far.\n",
		m.PeakRSSMiB, m.RSSMiB, m.PeakHeapInUseMB, m.HeapSysMiB, m.NumGC)
}

func lat(r *runResult) string {
	if r == nil {
		return "n/a"
	}
	s := fmt.Sprintf("%.2f / %.2f / %.2f", r.P50, r.P95, r.P99)
	if r.Errors > 0 {
		s += fmt.Sprintf(" (%d errors)", r.Errors)
	}
	return s
}

func rps(r *runResult) string {
	if r == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.0f", r.Throughput)
}

func ratio(a, b *runResult) string {
	if a == nil || b == nil || b.P50 == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", a.P50/b.P50)
}
