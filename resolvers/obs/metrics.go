// Package obs is what an operator sees of a running server: Prometheus metrics, one log line per
// GraphQL operation, and the readiness check.
package obs

import (
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/snapshots"
)

// MaxOperationNames bounds the operation names that get series of their own. Names are chosen by
// clients, so without a bound one client could make the metrics grow without end.
const MaxOperationNames = 100

// MaxOperationNameLen is the longest operation name that gets a series of its own.
const MaxOperationNameLen = 64

// Label values for operations that do not have a usable name of their own. They hold
// parentheses, which a GraphQL name cannot, so no client can pose as them.
const (
	Anonymous   = "(anonymous)" // an operation without a name
	OtherName   = "(other)"     // a valid name after MaxOperationNames names were taken
	InvalidName = "(invalid)"   // not a GraphQL name, or longer than MaxOperationNameLen
)

// durationBuckets are the latency buckets in seconds: from half a millisecond (a snapshot hit)
// to the longest request deadline.
var durationBuckets = []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// Metrics holds a server's metrics in a registry of its own.
type Metrics struct {
	reg *prometheus.Registry

	requests     *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	opTrips      *prometheus.CounterVec
	trips        *prometheus.CounterVec
	tripDuration prometheus.Histogram
	written      *prometheus.CounterVec

	names       names
	stopObserve func()
	closeOnce   sync.Once
}

// New makes the metrics and starts counting the round trips and imports of every store in the
// process (graph.Observe). Close stops that.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "modelgraph_graphql_requests_total",
			Help: "GraphQL operations answered, by operation name and outcome code (OK, or the first error's extensions.code).",
		}, []string{"operation", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "modelgraph_graphql_request_duration_seconds",
			Help:    "Time from reading a GraphQL request to its answer, by operation name.",
			Buckets: durationBuckets,
		}, []string{"operation"}),
		opTrips: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "modelgraph_graphql_neo4j_round_trips_total",
			Help: "Neo4j round trips made by GraphQL operations, by operation name.",
		}, []string{"operation"}),
		trips: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "modelgraph_neo4j_round_trips_total",
			Help: "Cypher queries sent to Neo4j, by outcome (ok, error).",
		}, []string{"outcome"}),
		tripDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "modelgraph_neo4j_round_trip_duration_seconds",
			Help:    "Time from sending a Cypher query to reading its last record.",
			Buckets: durationBuckets,
		}),
		written: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "modelgraph_import_items_written_total",
			Help: "Elements and relationships written by committed imports (item: element, relationship).",
		}, []string{"item"}),
		names: names{seen: map[string]bool{}},
	}
	m.reg.MustRegister(m.requests, m.duration, m.opTrips, m.trips, m.tripDuration, m.written,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// Series that exist from the start, so that rates work from the first scrape.
	for _, o := range []string{"ok", "error"} {
		m.trips.WithLabelValues(o)
	}
	for _, i := range []string{"element", "relationship"} {
		m.written.WithLabelValues(i)
	}
	m.stopObserve = graph.Observe(storeObserver{m})
	return m
}

// Close stops counting the stores' work.
func (m *Metrics) Close() { m.closeOnce.Do(m.stopObserve) }

// Registry is where the metrics are registered, for more collectors.
func (m *Metrics) Registry() *prometheus.Registry { return m.reg }

// Handler serves the metrics in the Prometheus text format (or OpenMetrics, when asked).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg, EnableOpenMetrics: true})
}

// WatchSnapshots adds the snapshot cache's figures, read from stats at each scrape.
func (m *Metrics) WatchSnapshots(stats func() snapshots.Stats) {
	m.reg.MustRegister(snapshotCollector{stats})
}

// observe records one GraphQL operation under its label (names.label).
func (m *Metrics) observe(op, code string, d time.Duration, trips int64) {
	m.requests.WithLabelValues(op, code).Inc()
	m.duration.WithLabelValues(op).Observe(d.Seconds())
	m.opTrips.WithLabelValues(op).Add(float64(trips))
}

type storeObserver struct{ m *Metrics }

func (o storeObserver) RoundTrip(d time.Duration, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	o.m.trips.WithLabelValues(outcome).Inc()
	o.m.tripDuration.Observe(d.Seconds())
}

func (o storeObserver) ImportWritten(elements, relationships int) {
	o.m.written.WithLabelValues("element").Add(float64(elements))
	o.m.written.WithLabelValues("relationship").Add(float64(relationships))
}

// names hands out operation label values: the first MaxOperationNames valid names as they are,
// later ones as OtherName.
type names struct {
	mu   sync.Mutex
	seen map[string]bool
}

func (n *names) label(name string) string {
	switch {
	case name == "":
		return Anonymous
	case len(name) > MaxOperationNameLen || !isName(name):
		return InvalidName
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.seen[name] {
		return name
	}
	if len(n.seen) >= MaxOperationNames {
		return OtherName
	}
	n.seen[name] = true
	return name
}

// isName reports whether s is a GraphQL name: /[_A-Za-z][_0-9A-Za-z]*/.
func isName(s string) bool {
	for i, c := range []byte(s) {
		switch {
		case c == '_', c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return s != ""
}

// snapshotCollector reads the snapshot cache's Stats when scraped.
type snapshotCollector struct{ stats func() snapshots.Stats }

var (
	snapHits      = snapDesc("hits_total", "Snapshot requests served from a fresh snapshot.")
	snapMisses    = snapDesc("misses_total", "Snapshot requests that waited for a build or refresh.")
	snapBuilds    = snapDesc("builds_total", "Full reads of a model into memory.")
	snapApplies   = snapDesc("applies_total", "Refreshes by applying recorded changes to a held snapshot.")
	snapEvictions = snapDesc("evictions_total", "Models dropped to stay within the memory budget.")
	snapFailures  = snapDesc("failures_total", "Builds or refreshes that failed.")
	snapModels    = snapDesc("models", "Models held in memory now.")
	snapBytes     = snapDesc("bytes", "Estimated size of the models held in memory.")
	snapBudget    = snapDesc("budget_bytes", "Memory budget of the snapshot cache (MODELGRAPH_SNAPSHOT_MEMORY).")
)

func snapDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc("modelgraph_snapshot_cache_"+name, help, nil, nil)
}

func (snapshotCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{snapHits, snapMisses, snapBuilds, snapApplies, snapEvictions, snapFailures, snapModels, snapBytes, snapBudget} {
		ch <- d
	}
}

func (c snapshotCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	counter := func(d *prometheus.Desc, v int64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v))
	}
	gauge := func(d *prometheus.Desc, v int64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v))
	}
	counter(snapHits, s.Hits)
	counter(snapMisses, s.Misses)
	counter(snapBuilds, s.Builds)
	counter(snapApplies, s.Applies)
	counter(snapEvictions, s.Evictions)
	counter(snapFailures, s.Failures)
	gauge(snapModels, int64(s.Models))
	gauge(snapBytes, s.Bytes)
	gauge(snapBudget, s.Budget)
}
