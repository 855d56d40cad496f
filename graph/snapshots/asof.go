package snapshots

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/engine"
)

// MaxAsOfChanges bounds the recorded changes one as-of read takes back. Each is read from the
// store and held in memory while the past state is made; a revision further back is refused.
const MaxAsOfChanges = 200_000

// pastStates is how many past states the cache keeps, newest used first.
const pastStates = 8

// RevisionError refuses a revision that cannot be read: out of range, older than the model,
// behind a bulk load that recorded no history, or too far back. Oldest and Newest are the
// revisions that can be read now (Oldest is 0 when none can). It matches graph.ErrInvalid and
// reads as a graph.ValidationError on the revision argument.
type RevisionError struct {
	Model          string
	Revision       int64
	Oldest, Newest int64
	Reason         string
}

func (e *RevisionError) Error() string { return e.problem().String() }

func (e *RevisionError) problem() graph.Problem {
	reach := fmt.Sprintf("revisions %d to %d can be read", e.Oldest, e.Newest)
	if e.Oldest == 0 || e.Oldest > e.Newest {
		reach = "no earlier revision can be read"
	}
	return graph.Problem{Path: "arguments", Key: e.Model, Field: "revision",
		Reason: fmt.Sprintf("revision %d %s; %s", e.Revision, e.Reason, reach)}
}

// Is makes errors.Is(err, graph.ErrInvalid) true.
func (e *RevisionError) Is(target error) bool { return target == graph.ErrInvalid }

// As lets errors.As read the error as a *graph.ValidationError.
func (e *RevisionError) As(target any) bool {
	if ve, ok := target.(**graph.ValidationError); ok {
		*ve = &graph.ValidationError{Problems: []graph.Problem{e.problem()}}
		return true
	}
	return false
}

type pastKey struct {
	model    string
	created  int64 // Revision.Created in nanoseconds: a model made again is another life
	revision int64
}

// past keeps the last past states read, by (model, life, revision).
type past struct {
	mu   sync.Mutex
	keys []pastKey // most recently used last
	m    map[pastKey]*engine.Model
}

func (p *past) get(k pastKey) *engine.Model {
	p.mu.Lock()
	defer p.mu.Unlock()
	m := p.m[k]
	if m != nil {
		p.touch(k)
	}
	return m
}

func (p *past) put(k pastKey, m *engine.Model) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.m == nil {
		p.m = map[pastKey]*engine.Model{}
	}
	if _, ok := p.m[k]; !ok && len(p.keys) >= pastStates {
		delete(p.m, p.keys[0])
		p.keys = p.keys[1:]
	}
	p.m[k] = m
	p.touch(k)
}

// touch moves k to the end of keys; mu must be held.
func (p *past) touch(k pastKey) {
	for i, x := range p.keys {
		if x == k {
			p.keys = append(p.keys[:i], p.keys[i+1:]...)
			break
		}
	}
	p.keys = append(p.keys, k)
}

func (c *Cache) past() *past { return &c.history }

// AsOf returns a model as it was at an earlier revision, read-only: the current snapshot with the
// changes recorded above that revision taken back (engine.Model.Undo). It reaches back to the
// newest revision written without history (a bulk load; its own state can be read) or to the
// model's creation, and at most MaxAsOfChanges changes; anything else is a *RevisionError. The
// last few past states are kept, by model and revision. An unknown model is graph.ErrNotFound.
func (c *Cache) AsOf(ctx context.Context, model string, revision int64) (*engine.Model, error) {
	cur, err := c.src.ModelRevision(ctx, model)
	if errors.Is(err, graph.ErrNotFound) {
		c.drop(model)
	}
	if err != nil {
		return nil, err
	}
	oldest := max(cur.Unrecorded, 1)
	refuse := func(reason string) error {
		return &RevisionError{Model: model, Revision: revision, Oldest: oldest, Newest: cur.Number, Reason: reason}
	}
	switch {
	case revision > cur.Number:
		return nil, refuse(fmt.Sprintf("is ahead of the model, which is at revision %d", cur.Number))
	case revision < 1:
		return nil, refuse("is before the model's first write")
	case revision < cur.Unrecorded:
		return nil, refuse(fmt.Sprintf("is before revision %d, a bulk load that recorded no history", cur.Unrecorded))
	}
	key := pastKey{model: model, created: cur.Created.UnixNano(), revision: revision}
	if m := c.past().get(key); m != nil {
		return m, nil
	}
	now, err := c.at(ctx, model, cur)
	if err != nil {
		return nil, err
	}
	if now.Revision() == revision {
		return now, nil
	}
	cs, err := c.src.ChangesAfter(ctx, model, revision, MaxAsOfChanges)
	if err != nil {
		return nil, err
	}
	if len(cs) > MaxAsOfChanges {
		return nil, refuse(fmt.Sprintf("is more than %d recorded changes back", MaxAsOfChanges))
	}
	// Every revision up to the snapshot's must have its changes: one without is a write that
	// recorded none (committed after cur was read), and nothing before it can be rebuilt.
	have := map[int64]bool{}
	keep := cs[:0]
	for _, ch := range cs {
		if ch.Revision <= now.Revision() {
			have[ch.Revision] = true
			keep = append(keep, ch)
		}
	}
	for r := now.Revision(); r > revision; r-- {
		if !have[r] {
			oldest = r
			return nil, refuse(fmt.Sprintf("is before revision %d, a write that recorded no history", r))
		}
	}
	m, err := now.Undo(keep, revision)
	if err != nil {
		for _, ch := range keep {
			if ch.Target == graph.TargetModel && ch.Before == nil {
				oldest = ch.Revision
				return nil, refuse(fmt.Sprintf("is before the model was created, at revision %d", ch.Revision))
			}
		}
		return nil, fmt.Errorf("%s at revision %d: the history does not match the model: %w", model, revision, err)
	}
	c.past().put(key, m)
	return m, nil
}
