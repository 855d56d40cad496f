// Package snapshots serves models from the store as in-memory engine Models, kept in a cache
// bounded by memory and fresh by revision.
//
// Per call the cache reads the model's current revision (one small query). A cached Model at
// that revision or newer is served as it is. An older one is brought forward with the changes
// recorded above its revision (engine.EditOf, Model.Apply); the model is read again in full, in
// one streaming read, when there is none cached, when the history has a gap or an unrecorded bulk
// load, when the model was deleted and created again, or when the changes are many enough that a
// full read costs less. So a read after a write, made through any server or the command line on
// the same database, sees the write.
//
// Concurrent calls for one model share one build or refresh. Models are evicted least recently
// used first when their estimated sizes exceed the budget.
package snapshots

import (
	"container/list"
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/engine"
)

// Source is what the cache reads from the store; *graph.Store implements it.
type Source interface {
	ModelRevision(ctx context.Context, model string) (graph.Revision, error)
	ModelRevisions(ctx context.Context, models []string) (map[string]graph.Revision, error)
	ChangesAfter(ctx context.Context, model string, after int64, max int) ([]graph.Change, error)
	ReadSnapshot(ctx context.Context, model string, start func(graph.Model, graph.Revision, int) graph.SnapshotSink) (graph.Revision, error)
}

// Options configure a Cache.
type Options struct {
	// MemoryBytes is the budget for cached models, by estimated size (0: DefaultMemory()).
	MemoryBytes int64
	// BuildTimeout bounds one full read or refresh, which runs apart from the request that
	// started it so that other requests waiting for it are not cut off with it (0: 10 minutes).
	BuildTimeout time.Duration
}

// Cache holds snapshots of models. It is safe for concurrent use.
type Cache struct {
	src     Source
	budget  int64
	timeout time.Duration

	mu      sync.Mutex
	entries map[string]*entry
	lru     *list.List // of *entry, most recently used first
	bytes   int64
	history past // the past states AsOf read last (asof.go)

	hits, misses, builds, applies, evictions, failures atomic.Int64
}

// entry is one cached model, or one being read.
type entry struct {
	model string
	snap  *snapshot     // nil until the first build ends
	fill  *flight       // the build or refresh under way, if any
	elem  *list.Element // in lru while snap is set
}

// snapshot is a Model with what the cache knows about it.
type snapshot struct {
	m       *engine.Model
	rev     graph.Revision // the revision it is at (Number is the Model's revision)
	strings int64          // estimated bytes of its text (keys, names, properties)
	size    int64
}

// flight is one build or refresh that callers wait for.
type flight struct {
	done chan struct{}
	snap *snapshot
	err  error
}

// New returns a cache reading from src.
func New(src Source, opt Options) *Cache {
	if opt.MemoryBytes <= 0 {
		opt.MemoryBytes = DefaultMemory()
	}
	if opt.BuildTimeout <= 0 {
		opt.BuildTimeout = 10 * time.Minute
	}
	return &Cache{src: src, budget: opt.MemoryBytes, timeout: opt.BuildTimeout, entries: map[string]*entry{}, lru: list.New()}
}

// Snapshot returns the model at its current revision or a newer one. An unknown model is
// graph.ErrNotFound.
func (c *Cache) Snapshot(ctx context.Context, model string) (*engine.Model, error) {
	cur, err := c.src.ModelRevision(ctx, model)
	if errors.Is(err, graph.ErrNotFound) {
		c.drop(model)
	}
	if err != nil {
		return nil, err
	}
	return c.at(ctx, model, cur)
}

// SnapshotsOf returns the snapshots of several models, checking their revisions in one query and
// reading those not cached at the same time. Unknown models have no entry.
func (c *Cache) SnapshotsOf(ctx context.Context, models []string) (map[string]*engine.Model, error) {
	revs, err := c.src.ModelRevisions(ctx, models)
	if err != nil {
		return nil, err
	}
	type result struct {
		model string
		m     *engine.Model
		err   error
	}
	results := make(chan result, len(revs))
	for model, cur := range revs {
		go func() {
			m, err := c.at(ctx, model, cur)
			results <- result{model, m, err}
		}()
	}
	out := make(map[string]*engine.Model, len(revs))
	for range revs {
		r := <-results
		switch {
		case errors.Is(r.err, graph.ErrNotFound): // deleted since its revision was read
		case r.err != nil && err == nil:
			err = r.err
		case r.err == nil:
			out[r.model] = r.m
		}
	}
	if err != nil {
		return nil, err
	}
	return out, nil
}

// at returns the snapshot of a model at revision cur or newer.
func (c *Cache) at(ctx context.Context, model string, cur graph.Revision) (*engine.Model, error) {
	for range maxWaits {
		f := c.lookup(model, cur)
		if f.done != nil {
			select {
			case <-f.done:
			case <-ctx.Done():
				return nil, fmt.Errorf("snapshot of %s: %w", model, ctx.Err())
			}
		}
		if f.err != nil {
			return nil, f.err
		}
		// A refresh that started before cur was read may end below it: then start another.
		if fresh(f.snap, cur) {
			return f.snap.m, nil
		}
	}
	return nil, fmt.Errorf("snapshot of %s: the model kept changing while it was read: %w", model, graph.ErrUnavailable)
}

// maxWaits bounds the refreshes one call waits for while writes keep outdating them.
const maxWaits = 4

// lookup returns a finished flight holding a fresh snapshot (a hit), or the flight to wait for.
func (c *Cache) lookup(model string, cur graph.Revision) *flight {
	c.mu.Lock()
	defer c.mu.Unlock()
	e := c.entries[model]
	if e == nil {
		e = &entry{model: model}
		c.entries[model] = e
	}
	if s := e.snap; s != nil && fresh(s, cur) {
		c.hits.Add(1)
		c.lru.MoveToFront(e.elem)
		return &flight{snap: s}
	}
	c.misses.Add(1)
	if e.fill == nil {
		e.fill = &flight{done: make(chan struct{})}
		go c.fill(e, e.fill, e.snap, cur)
	}
	return e.fill
}

func fresh(s *snapshot, cur graph.Revision) bool {
	return s.rev.Same(cur) && s.m.Revision() >= cur.Number
}

// fill builds or refreshes one entry apart from any request, then publishes the result.
func (c *Cache) fill(e *entry, f *flight, old *snapshot, cur graph.Revision) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	s, err := c.refresh(ctx, e.model, old, cur)
	if err != nil {
		c.failures.Add(1)
	}
	f.snap, f.err = s, err
	c.mu.Lock()
	e.fill = nil
	if err == nil {
		c.store(e, s)
	} else if errors.Is(err, graph.ErrNotFound) {
		c.remove(e)
	}
	c.mu.Unlock()
	close(f.done)
}

// store puts a new snapshot in e and evicts least recently used models over the budget. A model
// larger than the whole budget is served to those waiting for it but not kept.
func (c *Cache) store(e *entry, s *snapshot) {
	if e.snap != nil {
		c.bytes -= e.snap.size
	}
	e.snap = s
	c.bytes += s.size
	if e.elem == nil {
		e.elem = c.lru.PushFront(e)
	} else {
		c.lru.MoveToFront(e.elem)
	}
	for c.bytes > c.budget && c.lru.Len() > 0 {
		victim := c.lru.Back().Value.(*entry)
		c.evictions.Add(1)
		c.remove(victim)
	}
}

// remove forgets an entry's snapshot; mu must be held.
func (c *Cache) remove(e *entry) {
	if e.snap != nil {
		c.bytes -= e.snap.size
		e.snap = nil
	}
	if e.elem != nil {
		c.lru.Remove(e.elem)
		e.elem = nil
	}
	if e.fill == nil && c.entries[e.model] == e {
		delete(c.entries, e.model)
	}
}

// drop forgets a model that no longer exists.
func (c *Cache) drop(model string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.entries[model]; e != nil {
		c.remove(e)
	}
}

// refresh brings old forward to at least cur, or reads the model in full.
func (c *Cache) refresh(ctx context.Context, model string, old *snapshot, cur graph.Revision) (*snapshot, error) {
	if old != nil && old.rev.Same(cur) && cur.Unrecorded <= old.m.Revision() {
		s, err := c.apply(ctx, model, old)
		if err == nil {
			c.applies.Add(1)
			return s, nil
		}
		if !errors.Is(err, errRebuild) {
			return nil, err
		}
	}
	var err error
	for range maxBuildAttempts {
		var s *snapshot
		if s, err = c.build(ctx, model); err == nil {
			c.builds.Add(1)
			return s, nil
		}
		if !errors.Is(err, graph.ErrInvalid) {
			break
		}
		// A write that committed during the read can leave a relationship whose end was not
		// read yet: read again.
	}
	return nil, err
}

// maxBuildAttempts bounds the full reads of one refresh while writes race with them.
const maxBuildAttempts = 3

// errRebuild says that the changes cannot bring a snapshot forward: read the model in full.
var errRebuild = errors.New("read the model in full")

// apply reads the changes above old's revision and applies them. More changes than a full read
// would be worth, a gap in the revisions, or an edit that does not apply is errRebuild.
func (c *Cache) apply(ctx context.Context, model string, old *snapshot) (*snapshot, error) {
	limit := maxChanges(old.m)
	cs, err := c.src.ChangesAfter(ctx, model, old.m.Revision(), limit)
	if err != nil {
		return nil, err
	}
	if len(cs) > limit {
		return nil, errRebuild
	}
	if len(cs) == 0 {
		// The revision moved on without recorded changes: only an unrecorded write does that,
		// and one may have committed after the revision was read.
		return nil, errRebuild
	}
	edits := make([]engine.Edit, 0, len(cs))
	rev, strs := old.m.Revision(), old.strings
	for _, ch := range cs {
		if ch.Revision != rev && ch.Revision != rev+1 {
			return nil, errRebuild
		}
		rev = ch.Revision
		ed, err := engine.EditOf(ch)
		if err != nil {
			return nil, errRebuild
		}
		edits = append(edits, ed)
		strs += editBytes(ed)
	}
	m, err := old.m.Apply(edits, rev)
	if err != nil {
		return nil, errRebuild
	}
	r := old.rev
	r.Number = rev
	return &snapshot{m: m, rev: r, strings: strs, size: estimate(m, strs)}, nil
}

// maxChanges is how many changes are applied rather than reading the model again: applying an
// edit that adds or removes an element or relationship rebuilds the adjacency (linear in the
// model, in memory), which stays far cheaper than a read from the database as long as the changes
// are a fraction of the model.
func maxChanges(m *engine.Model) int {
	return max(1000, (m.Len()+m.RelLen())/4)
}

// build reads the model in full.
func (c *Cache) build(ctx context.Context, model string) (*snapshot, error) {
	var sink *counting
	rev, err := c.src.ReadSnapshot(ctx, model, func(info graph.Model, rev graph.Revision, n int) graph.SnapshotSink {
		sink = &counting{b: engine.NewBuilder(info, n)}
		sink.b.SetRevision(rev.Number)
		return sink
	})
	if err != nil {
		return nil, err
	}
	m, err := sink.b.Build()
	if err != nil {
		return nil, fmt.Errorf("snapshot of %s: %w", model, err)
	}
	return &snapshot{m: m, rev: rev, strings: sink.strings, size: estimate(m, sink.strings)}, nil
}

// counting passes elements and relationships to a builder, adding up their text.
type counting struct {
	b       *engine.Builder
	strings int64
}

func (s *counting) AddElement(e graph.Element) error {
	s.strings += elementBytes(e)
	return s.b.AddElement(e)
}

func (s *counting) AddRelationship(r graph.Relationship) error {
	s.strings += propsBytes(r.Properties)
	return s.b.AddRelationship(r)
}

// Stats are the cache's counters since it started, and what it holds now.
type Stats struct {
	Hits      int64 `json:"hits"`      // calls served from a fresh snapshot
	Misses    int64 `json:"misses"`    // calls that waited for a build or refresh
	Builds    int64 `json:"builds"`    // full reads of a model
	Applies   int64 `json:"applies"`   // refreshes by applying recorded changes
	Evictions int64 `json:"evictions"` // models dropped to stay within the budget
	Failures  int64 `json:"failures"`  // builds or refreshes that failed
	Models    int   `json:"models"`    // models held now
	Bytes     int64 `json:"bytes"`     // their estimated size
	Budget    int64 `json:"budget"`    // the memory budget
}

// Stats returns the counters and the current holdings.
func (c *Cache) Stats() Stats {
	c.mu.Lock()
	models, bytes := c.lru.Len(), c.bytes
	c.mu.Unlock()
	return Stats{
		Hits: c.hits.Load(), Misses: c.misses.Load(), Builds: c.builds.Load(), Applies: c.applies.Load(),
		Evictions: c.evictions.Load(), Failures: c.failures.Load(), Models: models, Bytes: bytes, Budget: c.budget,
	}
}
