package feed_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/feed"
	"github.com/modelgraph/modelgraph/graph/graphtest"
)

func TestMain(m *testing.M) { os.Exit(graphtest.Main(m)) }

func rename(t *testing.T, store *graph.Store, model, name string) {
	t.Helper()
	if _, err := store.UpsertElements(context.Background(), model, []graph.Element{{Key: "p", Kind: graph.Process, Name: name}}, graph.Limits{}); err != nil {
		t.Fatal(err)
	}
}

func receive(t *testing.T, s *feed.Subscription, n int) []feed.Revision {
	t.Helper()
	var out []feed.Revision
	for range n {
		select {
		case r, ok := <-s.C:
			if !ok {
				t.Fatalf("the feed ended after %d revisions: %v", len(out), s.Err())
			}
			out = append(out, r)
		case <-time.After(time.Minute):
			t.Fatalf("no revision after %d", len(out))
		}
	}
	return out
}

func numbers(rs []feed.Revision) string {
	var s []string
	for _, r := range rs {
		s = append(s, fmt.Sprint(r.Number))
	}
	return strings.Join(s, " ")
}

// TestSlowSubscriberEndsAndResumes: a subscriber that takes nothing is ended with ErrSlow once
// its buffer is full, after what the buffer held; subscribing again from its last revision
// gives the rest, including revisions older than the ring, read from the store.
func TestSlowSubscriberEndsAndResumes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store := graphtest.Store(t)
	key := graphtest.ModelKey(t)
	if _, err := store.CreateModel(ctx, graph.Model{Key: key, Name: "Feed"}); err != nil {
		t.Fatal(err)
	}
	h := feed.New(store, feed.Options{Poll: 10 * time.Millisecond, Buffer: 1, SlowTimeout: 50 * time.Millisecond, Ring: 2})
	defer func() { cancel(); h.Wait() }() // the pollers stop before the store closes
	zero := int64(0)
	s, err := h.Subscribe(ctx, key, &zero)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		rename(t, store, key, fmt.Sprint("step ", i)) // revisions 2 to 6
	}
	var got []feed.Revision
	for r := range s.C {
		got = append(got, r)
	}
	if !errors.Is(s.Err(), feed.ErrSlow) || len(got) == 0 || len(got) > 2 ||
		!strings.Contains(s.Err().Error(), fmt.Sprintf("subscribe again with sinceRevision %d", got[len(got)-1].Number)) {
		t.Fatalf("got %s, then %v; want one or two revisions and ErrSlow naming the last", numbers(got), s.Err())
	}
	last := got[len(got)-1].Number
	s2, err := h.Subscribe(ctx, key, &last)
	if err != nil {
		t.Fatal(err)
	}
	rest := receive(t, s2, int(6-last))
	if all := numbers(append(got, rest...)); all != "1 2 3 4 5 6" {
		t.Errorf("received %s across the resume, want 1 2 3 4 5 6", all)
	}
	if r := rest[len(rest)-1]; r.Actor != "anonymous" || !r.Recorded || r.Count != 1 || r.Changes[0].Operation != graph.OpUpdate || r.Changes[0].After["name"] != "step 4" {
		t.Errorf("revision 6: %+v", r)
	}
	if h.Subscribers() != 1 {
		t.Errorf("%d subscribers open, want 1", h.Subscribers())
	}
}

// TestLargeRevisionIsTruncated: an import of more than MaxChanges items comes as one revision
// with its first MaxChanges changes and the whole count.
func TestLargeRevisionIsTruncated(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store := graphtest.Store(t)
	key := graphtest.ModelKey(t)
	if _, err := store.CreateModel(ctx, graph.Model{Key: key, Name: "Big"}); err != nil {
		t.Fatal(err)
	}
	h := feed.New(store, feed.Options{Poll: 10 * time.Millisecond})
	defer func() { cancel(); h.Wait() }()
	s, err := h.Subscribe(ctx, key, nil)
	if err != nil {
		t.Fatal(err)
	}
	f := &graph.File{Model: graph.Model{Key: key, Name: "Big"}}
	for i := range 1200 {
		f.Elements = append(f.Elements, graph.Element{Key: fmt.Sprintf("p%04d", i), Kind: graph.Process, Name: "P"})
	}
	if _, err := store.Import(ctx, f, graph.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	rename(t, store, key, "after")
	rs := receive(t, s, 2)
	if r := rs[0]; r.Number != 2 || r.Count != 1200 || len(r.Changes) != feed.MaxChanges || !r.Truncated() || r.Changes[0].Key != "p0000" {
		t.Errorf("the import: revision %d (recorded %v), %d changes of %d", r.Number, r.Recorded, len(r.Changes), r.Count)
	}
	if r := rs[1]; r.Number != 3 || r.Count != 1 || r.Truncated() {
		t.Errorf("the next write: %+v", r)
	}
}
