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
	Machine        string        `json:"machine"`
	Started        time.Time     `json:"started"`
	Command        string        `json:"command"`
	Duration       string        `json:"duration_per_run"`
	Warmup         string        `json:"warmup_per_run"`
	RequestTimeout string        `json:"request_timeout"`
	Concurrency    []int         `json:"concurrency"`
	ServerArgs     []string      `json:"modelgraph_server_args"`
	Sizes          []*sizeResult `json:"sizes"`
}

type sizeResult struct {
	Size                 int     `json:"size"`
	Elements             int     `json:"elements"`
	Relationships        int     `json:"relationships"`
	ImportSeconds        float64 `json:"import_seconds"`
	ImportItemsPerSecond float64 `json:"import_items_per_second"`
	// Bulk import: the same model without recording history; skipped above -bulk-max.
	BulkSkipped              bool    `json:"bulk_import_skipped,omitempty"`
	BulkImportSeconds        float64 `json:"bulk_import_seconds"`
	BulkImportItemsPerSecond float64 `json:"bulk_import_items_per_second"`
	// Snapshot is the bench process's own build of the model's snapshot (the snapshot target).
	Snapshot snapshotBuild `json:"snapshot_build"`
	// ServerSnapshot is the modelgraph server's first traversal request on the model, which
	// builds its snapshot.
	ServerSnapshot serverSnapshot `json:"modelgraph_server_snapshot"`
	Check          []checkResult  `json:"check,omitempty"`
	Runs           []*runResult   `json:"runs"`
	Server         serverMemory   `json:"modelgraph_server_memory"`
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
	fmt.Fprintf(w, "Import, staged: %.1f s, %.0f items (elements + relationships) per second with change history", s.ImportSeconds, s.ImportItemsPerSecond)
	if s.BulkSkipped {
		fmt.Fprintf(w, "; the bulk load without history was skipped at this size (-bulk-max).\n\n")
	} else {
		fmt.Fprintf(w, "; %.1f s, %.0f items per second as a bulk load without history.\n\n", s.BulkImportSeconds, s.BulkImportItemsPerSecond)
	}
	sb, ss := s.Snapshot, s.ServerSnapshot
	fmt.Fprintf(w, "Snapshot build seconds: %.2f in the bench process (Go heap %.0f MiB, cache estimate %.0f MiB); modelgraph server, first traversal request %.2f s (%d build, cache estimate %.0f MiB).\n\n",
		sb.Seconds, sb.HeapMiB, sb.EstimateMiB, ss.FirstRequestSeconds, ss.Builds, ss.EstimateMiB)
	fmt.Fprintln(w, "| query | conc | modelgraph p50 / p95 / p99 ms | req/s | snapshot p50 / p95 / p99 ms | req/s | raw Cypher p50 / p95 / p99 ms | req/s | @neo4j/graphql p50 / p95 / p99 ms | req/s | mg/raw p50 | mg/ngql p50 |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, q := range queries {
		for _, c := range conc {
			mg, sn, raw, ng := s.find(q.name, "modelgraph", c), s.find(q.name, "snapshot", c), s.find(q.name, "raw-cypher", c), s.find(q.name, "neo4j-graphql", c)
			fmt.Fprintf(w, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", q.name, c,
				lat(mg), rps(mg), lat(sn), rps(sn), lat(raw), rps(raw), lat(ng), rps(ng), ratio(mg, raw), ratio(mg, ng))
		}
	}
	m := s.Server
	fmt.Fprintf(w, "\nmodelgraph server during this size: peak RSS %.0f MiB (now %.0f MiB), peak Go heap in use %.0f MiB, Go heap reserved %.0f MiB, %d GCs so far.\n",
		m.PeakRSSMiB, m.RSSMiB, m.PeakHeapInUseMB, m.HeapSysMiB, m.NumGC)
	printTargets(w, s, conc)
}

func lat(r *runResult) string {
	switch {
	case r == nil:
		return "n/a"
	case r.Requests == 0 && r.TimedOut:
		return "timed out"
	case r.Requests == 0:
		return fmt.Sprintf("failed (%d errors: %.80s)", r.Errors, r.FirstError)
	}
	s := ms(r.P50) + " / " + ms(r.P95) + " / " + ms(r.P99)
	var notes []string
	if r.Cold {
		notes = append(notes, "warm-up requests only")
	}
	if r.Errors > 0 {
		notes = append(notes, fmt.Sprintf("%d errors", r.Errors))
	}
	if r.Timeouts > 0 {
		notes = append(notes, fmt.Sprintf("%d timed out", r.Timeouts))
	}
	if len(notes) > 0 {
		s += " (" + strings.Join(notes, ", ") + ")"
	}
	return s
}

// ms writes a latency in milliseconds, to the microsecond below 1 ms.
func ms(v float64) string {
	if v < 1 {
		return fmt.Sprintf("%.3f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func rps(r *runResult) string {
	if r == nil || r.Requests == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f", r.Throughput)
}

func completed(r *runResult) bool { return r != nil && r.Requests > 0 }

func ratio(a, b *runResult) string {
	switch {
	case !completed(a) || b == nil:
		return "n/a"
	case b.TimedOut && b.Requests == 0:
		return "< 1 (timed out)"
	case !completed(b) || b.P50 == 0:
		return "n/a"
	}
	return fmt.Sprintf("%.2f", a.P50/b.P50)
}

// printTargets writes the "against the targets" block of one size: ratios of p50 at
// concurrency 1 and 8, and the dashboard's p50 at 100k.
func printTargets(w io.Writer, s *sizeResult, conc []int) {
	type goal struct {
		query string
		over  string // "raw-cypher" or "neo4j-graphql"
		max   float64
	}
	goals := []goal{
		{"impact", "raw-cypher", 0.5}, {"impact", "neo4j-graphql", 0.5},
		{"dashboard", "raw-cypher", 0.5}, {"dashboard", "neo4j-graphql", 0.5},
		{"supporters", "neo4j-graphql", 0.5}, {"path", "neo4j-graphql", 0.5}, {"elementByKey", "neo4j-graphql", 0.5},
		{"page", "neo4j-graphql", 1.0},
	}
	label := map[string]string{"raw-cypher": "raw", "neo4j-graphql": "ngql"}
	fmt.Fprintf(w, "\nAgainst the targets at %d elements:\n\n| target | conc | figures | |\n|---|---|---|---|\n", s.Size)
	for _, g := range goals {
		for _, c := range conc {
			if c != 1 && c != 8 {
				continue
			}
			mg, base := s.find(g.query, "modelgraph", c), s.find(g.query, g.over, c)
			name := fmt.Sprintf("%s mg/%s ≤ %.1fx", g.query, label[g.over], g.max)
			verdict, figures := "not measured", "n/a"
			switch {
			case base == nil || mg == nil:
			case !completed(mg):
				verdict, figures = "not met", "modelgraph: "+lat(mg)
			case !completed(base) && base.TimedOut:
				verdict, figures = "met", fmt.Sprintf("modelgraph p50 %.2f ms, %s timed out", mg.P50, label[g.over])
			case !completed(base):
				figures = fmt.Sprintf("modelgraph p50 %.2f ms, %s %s", mg.P50, label[g.over], lat(base))
			default:
				r := mg.P50 / base.P50
				verdict = "not met"
				if r <= g.max {
					verdict = "met"
				}
				figures = fmt.Sprintf("%.2fx (modelgraph p50 %.2f ms, %s %.2f ms)", r, mg.P50, label[g.over], base.P50)
			}
			fmt.Fprintf(w, "| %s | %d | %s | %s |\n", name, c, figures, verdict)
		}
	}
	if s.Size == 100000 {
		for _, c := range conc {
			if c != 1 && c != 8 {
				continue
			}
			mg := s.find("dashboard", "modelgraph", c)
			verdict, figures := "not met", "modelgraph: "+lat(mg)
			if completed(mg) {
				figures = fmt.Sprintf("p50 %.2f ms", mg.P50)
				if mg.P50 < 50 {
					verdict = "met"
				}
			}
			fmt.Fprintf(w, "| dashboard p50 < 50 ms at 100k | %d | %s | %s |\n", c, figures, verdict)
		}
	}
}
