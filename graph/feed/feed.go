// Package feed streams the committed revisions of models to subscribers, by tailing the change
// log in the store. Writes made through any server or the command line on the same database are
// seen, since the log is in the database.
//
// One poller per model, shared by all of its subscribers, reads the model's revision (one small
// query) every poll interval while the model has subscribers; when it moved, the poller reads the
// new changes once, by seq, and keeps the newest revisions in a ring that every subscriber reads.
// A subscriber behind the ring (one that starts from an old revision, or a slow one) reads from
// the store at its own pace. Each subscriber has a bounded buffer; one that takes no revision for
// the slow timeout is ended with ErrSlow and resumes by subscribing again from its last revision.
package feed

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/modelgraph/modelgraph/graph"
)

// Source is what the feed reads from the store; *graph.Store implements it.
type Source interface {
	ModelLogEnd(ctx context.Context, model string) (graph.LogEnd, error)
	ChangesBySeq(ctx context.Context, model string, after, upTo int64, max int) ([]graph.Change, error)
	SeqAtRevision(ctx context.Context, model string, revision int64) (int64, error)
}

// MaxChanges is how many changes of one revision a subscriber is sent; Revision.Count says how
// many there are.
const MaxChanges = 1000

// Revision is one committed revision of a model.
type Revision struct {
	Model  string
	Number int64
	At     time.Time // zero for an unrecorded write
	Actor  string    // "" for an unrecorded write
	// Recorded is false for a write that recorded no history (a bulk load).
	Recorded bool
	// Count is the number of changes the revision recorded; Changes holds the first MaxChanges.
	Count   int
	Changes []graph.Change
}

// Truncated reports whether Changes holds only part of the revision's changes.
func (r Revision) Truncated() bool { return len(r.Changes) < r.Count }

// Options configure a Hub.
type Options struct {
	// MaxSubscribers bounds the subscriptions open at once, over all models (0: 1000).
	MaxSubscribers int
	// Poll is how often a model with subscribers is checked for new revisions (0: 500 ms).
	Poll time.Duration
	// Buffer is how many revisions wait for one subscriber (0: 64).
	Buffer int
	// SlowTimeout ends a subscriber whose buffer stays full this long (0: 30 s).
	SlowTimeout time.Duration
	// Ring is how many recent revisions a model's poller keeps for its subscribers (0: 256).
	Ring int
}

// Errors a subscription can end with, or be refused with.
var (
	// ErrTooManySubscribers refuses a subscription beyond Options.MaxSubscribers.
	ErrTooManySubscribers = errors.New("too many subscribers")
	// ErrSlow ends a subscriber that did not keep up.
	ErrSlow = errors.New("the subscriber did not keep up")
	// ErrGone ends the subscribers of a model that was deleted (or deleted and made again).
	ErrGone = errors.New("the model was deleted")
)

// Hub serves subscriptions. It is safe for concurrent use.
type Hub struct {
	src Source
	opt Options

	mu      sync.Mutex
	models  map[string]*modelFeed
	open    int
	pollers sync.WaitGroup // one per model with subscribers
}

// New returns a hub reading from src.
func New(src Source, opt Options) *Hub {
	if opt.MaxSubscribers <= 0 {
		opt.MaxSubscribers = 1000
	}
	if opt.Poll <= 0 {
		opt.Poll = 500 * time.Millisecond
	}
	if opt.Buffer <= 0 {
		opt.Buffer = 64
	}
	if opt.SlowTimeout <= 0 {
		opt.SlowTimeout = 30 * time.Second
	}
	if opt.Ring <= 0 {
		opt.Ring = 256
	}
	return &Hub{src: src, opt: opt, models: map[string]*modelFeed{}}
}

// Wait returns once every model's poller has stopped, which each does when its last subscriber
// has left. Call it after ending the subscriptions and before closing the store the hub reads.
func (h *Hub) Wait() { h.pollers.Wait() }

// Subscribers returns how many subscriptions are open.
func (h *Hub) Subscribers() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.open
}

// Max returns the bound on open subscriptions.
func (h *Hub) Max() int { return h.opt.MaxSubscribers }

// pos is a place in a model's log: after revision rev, whose newest change has seq.
type pos struct{ rev, seq int64 }

// modelFeed is the shared state of one model's subscribers.
type modelFeed struct {
	key     string
	created time.Time
	subs    int
	stop    chan struct{}

	mu     sync.Mutex
	latest pos
	ring   []Revision // the newest revisions, ending at latest.rev
	wake   chan struct{}
	gone   bool
}

// Subscription is one subscriber's stream: C delivers revisions in order and is closed at the end;
// Err then says why (nil when the subscriber's context ended).
type Subscription struct {
	C   <-chan Revision
	err error
	mu  sync.Mutex
}

// Err returns why the subscription ended; call it after C is closed.
func (s *Subscription) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// Subscribe streams the revisions of a model after since (nil: after the current one) until ctx
// ends. A since ahead of the model is graph.ErrInvalid, an unknown model graph.ErrNotFound, and a
// subscription beyond the bound ErrTooManySubscribers.
func (h *Hub) Subscribe(ctx context.Context, model string, since *int64) (*Subscription, error) {
	end, err := h.src.ModelLogEnd(ctx, model)
	if err != nil {
		return nil, err
	}
	start := pos{rev: end.Revision.Number, seq: end.Seq}
	if since != nil {
		switch {
		case *since < 0 || *since > end.Revision.Number:
			return nil, &graph.ValidationError{Problems: []graph.Problem{{Path: "arguments", Key: model, Field: "sinceRevision",
				Reason: fmt.Sprintf("must be between 0 and %d, the model's revision, got %d", end.Revision.Number, *since)}}}
		case *since < end.Revision.Number:
			seq, err := h.src.SeqAtRevision(ctx, model, *since)
			if err != nil {
				return nil, err
			}
			start = pos{rev: *since, seq: seq}
		}
	}
	f, err := h.join(model, end)
	if err != nil {
		return nil, err
	}
	c := make(chan Revision, h.opt.Buffer)
	s := &Subscription{C: c}
	go h.serve(ctx, f, start, c, s)
	return s, nil
}

// join counts a subscriber in, starting the model's poller for the first one.
func (h *Hub) join(model string, end graph.LogEnd) (*modelFeed, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.open >= h.opt.MaxSubscribers {
		return nil, fmt.Errorf("%w: the server has %d subscriptions open, its limit", ErrTooManySubscribers, h.open)
	}
	f := h.models[model]
	if f == nil || !f.created.Equal(end.Revision.Created) {
		if f != nil {
			// The model was made again since its poller started: that one ends its subscribers.
			f.mu.Lock()
			f.setGone()
			f.mu.Unlock()
		}
		f = &modelFeed{key: model, created: end.Revision.Created, stop: make(chan struct{}), latest: pos{end.Revision.Number, end.Seq}, wake: make(chan struct{})}
		h.models[model] = f
		h.pollers.Add(1)
		go h.poll(f)
	}
	f.subs++
	h.open++
	return f, nil
}

func (h *Hub) leave(f *modelFeed) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.open--
	if f.subs--; f.subs == 0 {
		close(f.stop)
		if h.models[f.key] == f {
			delete(h.models, f.key)
		}
	}
}

// setGone ends the feed; f.mu must be held.
func (f *modelFeed) setGone() {
	if !f.gone {
		f.gone = true
		close(f.wake)
	}
}

// poll follows one model's log while it has subscribers.
func (h *Hub) poll(f *modelFeed) {
	defer h.pollers.Done()
	t := time.NewTicker(h.opt.Poll)
	defer t.Stop()
	for {
		select {
		case <-f.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*h.opt.Poll+10*time.Second)
		done := h.advance(ctx, f)
		cancel()
		if done {
			return
		}
	}
}

// advance reads what was committed since the last poll into the ring; it reports whether the
// feed has ended (the model is gone). A failed read is tried again at the next poll.
func (h *Hub) advance(ctx context.Context, f *modelFeed) bool {
	end, err := h.src.ModelLogEnd(ctx, f.key)
	f.mu.Lock()
	from := f.latest
	f.mu.Unlock()
	switch {
	case errors.Is(err, graph.ErrNotFound) || err == nil && !end.Revision.Created.Equal(f.created):
		f.mu.Lock()
		f.setGone()
		f.mu.Unlock()
		return true
	case err != nil || end.Revision.Number <= from.rev:
		return false
	}
	to := pos{end.Revision.Number, end.Seq}
	for from.rev < to.rev {
		revs, next, err := readRange(ctx, h.src, f.key, from, to, h.opt.Ring)
		if err != nil || next.rev <= from.rev {
			return false
		}
		f.mu.Lock()
		f.ring = append(f.ring, revs...)
		if over := len(f.ring) - h.opt.Ring; over > 0 {
			f.ring = append([]Revision(nil), f.ring[over:]...)
		}
		f.latest = next
		close(f.wake)
		f.wake = make(chan struct{})
		f.mu.Unlock()
		from = next
	}
	return false
}

// pageSize is how many changes one read of the log takes.
const pageSize = 5000

// readRange reads the revisions after from up to to, at most max of them, and returns where it
// stopped. Changes are read in seq order, which is revision order; a revision in the range without
// changes is a write that recorded none.
func readRange(ctx context.Context, src Source, model string, from, to pos, max int) ([]Revision, pos, error) {
	var out []Revision
	at := from // everything up to at is in out
	var cur *Revision
	var curLast int64 // the seq of cur's last change read
	gaps := func(before int64) bool {
		for at.rev+1 < before {
			if len(out) >= max {
				return false
			}
			at.rev++
			out = append(out, Revision{Model: model, Number: at.rev})
		}
		return len(out) < max
	}
	flush := func() bool {
		if cur != nil {
			out = append(out, *cur)
			at = pos{cur.Number, curLast}
			cur = nil
		}
		return len(out) < max
	}
	seq := from.seq
	for {
		cs, err := src.ChangesBySeq(ctx, model, seq, to.seq, pageSize)
		if err != nil {
			return nil, from, err
		}
		for _, c := range cs {
			seq = c.Seq
			if cur != nil && c.Revision != cur.Number && !flush() {
				return out, at, nil
			}
			if cur == nil {
				if !gaps(c.Revision) {
					return out, at, nil
				}
				cur = &Revision{Model: model, Number: c.Revision, At: c.At, Actor: c.Actor, Recorded: true}
			}
			cur.Count++
			curLast = c.Seq
			if len(cur.Changes) < MaxChanges {
				cur.Changes = append(cur.Changes, c)
			}
		}
		if len(cs) < pageSize {
			break
		}
	}
	if seq < to.seq {
		// The log's end was read past changes this read did not see yet: take them (and any
		// unrecorded write after them) at the next read rather than mistake them for a gap.
		return out, at, nil
	}
	if flush() {
		gaps(to.rev + 1)
	}
	return out, at, nil
}

// next returns the revisions after at that a subscriber can have now and where they end; with
// none, the channel that closes when there may be more, or gone when the feed has ended.
func (h *Hub) next(ctx context.Context, f *modelFeed, at pos) (revs []Revision, end pos, wake <-chan struct{}, gone bool, err error) {
	f.mu.Lock()
	latest := f.latest
	switch {
	case at.rev >= latest.rev:
		wake, gone = f.wake, f.gone
		f.mu.Unlock()
		return nil, at, wake, gone, nil
	case len(f.ring) > 0 && f.ring[0].Number <= at.rev+1:
		revs = append([]Revision(nil), f.ring[at.rev+1-f.ring[0].Number:]...)
		f.mu.Unlock()
		return revs, latest, nil, false, nil
	}
	f.mu.Unlock()
	// Behind the ring: read from the store, a bounded batch at a time.
	revs, end, err = readRange(ctx, h.src, f.key, at, latest, h.opt.Ring)
	return revs, end, nil, false, err
}

// serve feeds one subscriber until its context ends, it falls behind, or the model goes.
func (h *Hub) serve(ctx context.Context, f *modelFeed, at pos, c chan<- Revision, s *Subscription) {
	defer close(c)
	defer h.leave(f)
	end := func(err error) {
		s.mu.Lock()
		s.err = err
		s.mu.Unlock()
	}
	for ctx.Err() == nil {
		revs, next, wake, gone, err := h.next(ctx, f, at)
		if err != nil {
			f.mu.Lock()
			gone = f.gone
			f.mu.Unlock()
			if gone {
				end(fmt.Errorf("model %q: %w", f.key, ErrGone))
				return
			}
			// The store failed: try again after a poll interval.
			select {
			case <-time.After(h.opt.Poll):
			case <-ctx.Done():
			}
			continue
		}
		if len(revs) == 0 {
			if gone {
				end(fmt.Errorf("model %q: %w", f.key, ErrGone))
				return
			}
			select {
			case <-wake:
			case <-ctx.Done():
			}
			continue
		}
		for _, r := range revs {
			select {
			case c <- r:
				continue
			default:
			}
			t := time.NewTimer(h.opt.SlowTimeout)
			select {
			case c <- r:
				t.Stop()
			case <-t.C:
				end(fmt.Errorf("%w: revision %d of %q waited %s behind %d others; subscribe again with sinceRevision %d",
					ErrSlow, r.Number, f.key, h.opt.SlowTimeout, cap(c), r.Number-1))
				return
			case <-ctx.Done():
				t.Stop()
				return
			}
		}
		at = next
	}
}
