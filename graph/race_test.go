package graph_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
)

// raceFile is a small model: three elements of each end kind of one allowed relationship type,
// and one relationship between the first two.
func raceFile(key string) (*graph.File, graph.Triple) {
	var pair graph.Triple
	for _, p := range graph.Pairs() {
		if !needsProperties(p.From) && !needsProperties(p.To) {
			pair = p
			break
		}
	}
	f := &graph.File{Model: graph.Model{Key: key, Name: "Race"}}
	for i := range 3 {
		f.Elements = append(f.Elements,
			graph.Element{Key: fmt.Sprintf("a%d", i), Kind: pair.From, Name: fmt.Sprintf("A %d", i)},
			graph.Element{Key: fmt.Sprintf("b%d", i), Kind: pair.To, Name: fmt.Sprintf("B %d", i)})
	}
	f.Relationships = []graph.Relationship{{From: "a0", Type: pair.Type, To: "b0"}}
	return f, pair
}

// needsProperties reports whether a kind has required properties (left out of raceFile).
func needsProperties(k graph.Kind) bool {
	return k == graph.BusinessFunction || k == graph.Stakeholder
}

// raceWriter is one kind of write, run again and again against the model while it is deleted.
type raceWriter struct {
	name string
	// creates is set for the writes that create the model when it is missing (imports and
	// createModel); the others must fail with NOT_FOUND.
	creates bool
	op      func(ctx context.Context, s *graph.Store, key string, i int) error
}

func raceWriters(base *graph.File, pair graph.Triple) []raceWriter {
	withExtra := func(key, extra string) *graph.File {
		f := *base
		f.Model.Key = key
		f.Elements = append(append([]graph.Element(nil), base.Elements...), graph.Element{Key: extra, Kind: pair.From, Name: extra})
		return &f
	}
	return []raceWriter{
		{"upsertElement", false, func(ctx context.Context, s *graph.Store, key string, i int) error {
			_, err := s.UpsertElements(ctx, key, []graph.Element{{Key: fmt.Sprintf("up-%d", i), Kind: pair.From, Name: "Upserted"}}, graph.Limits{})
			return err
		}},
		{"upsertElements", false, func(ctx context.Context, s *graph.Store, key string, i int) error {
			es := []graph.Element{
				{Key: fmt.Sprintf("ups-%d-x", i), Kind: pair.From, Name: "X"},
				{Key: fmt.Sprintf("ups-%d-y", i), Kind: pair.To, Name: "Y"},
				{Key: "a2", Kind: pair.From, Name: fmt.Sprintf("A 2 v%d", i)},
			}
			_, err := s.UpsertElements(ctx, key, es, graph.Limits{})
			return err
		}},
		{"updateElement", false, func(ctx context.Context, s *graph.Store, key string, i int) error {
			name := fmt.Sprintf("B 2 v%d", i)
			_, err := s.UpdateElement(ctx, key, "b2", graph.ElementPatch{Name: &name}, nil)
			return err
		}},
		{"link/unlink", false, func(ctx context.Context, s *graph.Store, key string, i int) error {
			r := graph.Relationship{From: "a1", Type: pair.Type, To: "b1"}
			if i%2 == 1 {
				return s.Unlink(ctx, key, r)
			}
			_, _, err := s.Link(ctx, key, r)
			return err
		}},
		{"deleteElement", false, func(ctx context.Context, s *graph.Store, key string, i int) error {
			k := fmt.Sprintf("del-%d", i)
			if _, err := s.UpsertElements(ctx, key, []graph.Element{{Key: k, Kind: pair.To, Name: "Doomed"}}, graph.Limits{}); err != nil {
				return err
			}
			_, err := s.DeleteElement(ctx, key, k, true, nil)
			return err
		}},
		{"import MERGE", true, func(ctx context.Context, s *graph.Store, key string, i int) error {
			_, err := s.Import(ctx, withExtra(key, fmt.Sprintf("imp-%d", i)), graph.ImportOptions{Mode: graph.Merge})
			return err
		}},
		{"import REPLACE", true, func(ctx context.Context, s *graph.Store, key string, i int) error {
			_, err := s.Import(ctx, withExtra(key, fmt.Sprintf("rep-%d", i)), graph.ImportOptions{Mode: graph.Replace})
			return err
		}},
		{"bulk load", true, func(ctx context.Context, s *graph.Store, key string, i int) error {
			_, err := s.Import(ctx, withExtra(key, fmt.Sprintf("bulk-%d", i)), graph.ImportOptions{NoHistory: true})
			return err
		}},
		{"createModel", true, func(ctx context.Context, s *graph.Store, key string, i int) error {
			_, err := s.CreateModel(ctx, graph.Model{Key: key, Name: "Race again"})
			return err
		}},
	}
}

// TestDeleteModelRacesWrites deletes a model while writes keep hitting it: in even rounds the
// writes that need the model (element upserts, updates, deletes, link and unlink), in odd rounds
// those and the writes that create a missing model (imports MERGE and REPLACE, a bulk load without
// history, createModel). After each round, a model that is gone has left nothing behind (no
// Element, no Change node under its key) and re-creating it gives an empty model; a model that a
// racing import or createModel brought back holds nothing from before the delete. A write that
// lost the race may fail with NOT_FOUND (or CONFLICT for createModel), nothing else.
func TestDeleteModelRacesWrites(t *testing.T) {
	ctx := context.Background()
	s := graphtest.Store(t)
	const rounds = 10
	bad := 0
	for round := range rounds {
		key := graphtest.ModelKey(t)
		base, pair := raceFile(key)
		if _, err := s.Import(ctx, base, graph.ImportOptions{}); err != nil {
			t.Fatal(err)
		}
		var writers []raceWriter
		for _, w := range raceWriters(base, pair) {
			if round%2 == 1 || !w.creates {
				writers = append(writers, w)
			}
		}
		if problems := raceRound(ctx, t, s, key, writers); len(problems) > 0 {
			bad++
			t.Errorf("round %d (model %s):\n  %s", round, key, strings.Join(problems, "\n  "))
		}
		if err := s.DeleteModel(ctx, key); err != nil && !errors.Is(err, graph.ErrNotFound) {
			t.Fatal(err)
		}
		if r, err := s.ModelResidue(ctx, key); err != nil || r != (graph.Residue{}) {
			t.Fatalf("after a plain delete: %+v, %v; want nothing left", r, err)
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d rounds left the model inconsistent", bad, rounds)
	}
}

// raceRound runs the writers until the model has been deleted under them and returns what is
// wrong with the result.
func raceRound(ctx context.Context, t *testing.T, s *graph.Store, key string, writers []raceWriter) []string {
	var (
		deleted   atomic.Bool
		successes atomic.Int64
		wg        sync.WaitGroup
		mu        sync.Mutex
		problems  []string
	)
	report := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		if len(problems) < 12 {
			problems = append(problems, fmt.Sprintf(format, args...))
		}
	}
	start := make(chan struct{})
	for _, w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for i := 0; !deleted.Load(); i++ {
				err := w.op(ctx, s, key, i)
				switch {
				case err == nil:
					successes.Add(1)
				case errors.Is(err, graph.ErrNotFound):
				case errors.Is(err, graph.ErrConflict) && w.name == "createModel":
				default:
					report("%s: unexpected error: %v", w.name, err)
				}
			}
		}()
	}
	close(start)
	// Delete once the writers are under way, so that some are inside their transactions.
	for successes.Load() < int64(2*len(writers)) {
		time.Sleep(time.Millisecond)
	}
	err := s.DeleteModel(ctx, key)
	deleted.Store(true)
	wg.Wait()
	if err != nil {
		report("deleteModel: %v", err)
	}
	return append(problems, checkResidue(ctx, t, s, key)...)
}

// checkResidue inspects what a racing round left under key.
func checkResidue(ctx context.Context, t *testing.T, s *graph.Store, key string) []string {
	r, err := s.ModelResidue(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	var problems []string
	if r.Model {
		// Brought back by an import or createModel after the delete: its history must be its own
		// (one Change per seq, 1..changeSeq) and no node may predate it.
		if r.Changes != int(r.ChangeSeq) || r.Seqs != r.Changes || r.MaxSeq != r.ChangeSeq {
			problems = append(problems, fmt.Sprintf("re-created model has %d changes with %d distinct seqs up to %d, but counts %d", r.Changes, r.Seqs, r.MaxSeq, r.ChangeSeq))
		}
		if r.Older > 0 {
			problems = append(problems, fmt.Sprintf("re-created model inherited %d elements or changes from before the delete", r.Older))
		}
		return problems
	}
	if r.Elements > 0 || r.Changes > 0 {
		problems = append(problems, fmt.Sprintf("model deleted, but %d Element and %d Change nodes remain under its key", r.Elements, r.Changes))
	}
	if _, err := s.CreateModel(ctx, graph.Model{Key: key, Name: "Again"}); err != nil {
		t.Fatal(err)
	}
	m, err := s.ModelByKey(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	page, err := s.Changes(ctx, graph.ChangeQuery{Model: key, First: 10})
	if err != nil {
		t.Fatal(err)
	}
	if m.Elements != 0 || m.Relationships != 0 || len(page.Changes) != 1 {
		problems = append(problems, fmt.Sprintf("re-created model is not empty: %d elements, %d relationships, %d changes (want 0, 0, 1)", m.Elements, m.Relationships, len(page.Changes)))
	}
	return problems
}

// TestConcurrentCreatesOfOneModel creates one new model from several writers at once: of eight
// createModel calls exactly one succeeds and the others are conflicts, and of four identical
// imports into a missing model all succeed, the first creating everything and the others finding
// it unchanged, so the history holds each creation once.
func TestConcurrentCreatesOfOneModel(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := graphtest.Store(t)

	key := graphtest.ModelKey(t)
	errs := concurrently(8, func(int) error {
		_, err := s.CreateModel(ctx, graph.Model{Key: key, Name: "Once"})
		return err
	})
	ok, conflicts := 0, 0
	for _, err := range errs {
		switch {
		case err == nil:
			ok++
		case errors.Is(err, graph.ErrConflict):
			conflicts++
		default:
			t.Errorf("createModel: %v", err)
		}
	}
	if ok != 1 || conflicts != 7 {
		t.Errorf("createModel x8: %d succeeded, %d conflicts; want 1 and 7", ok, conflicts)
	}
	if n, err := changeCount(ctx, s, key); err != nil || n != 1 {
		t.Errorf("history after createModel x8: %d changes (%v); want 1", n, err)
	}

	key = graphtest.ModelKey(t)
	f, _ := raceFile(key)
	for i, err := range concurrently(4, func(int) error { _, err := s.Import(ctx, f, graph.ImportOptions{}); return err }) {
		if err != nil {
			t.Errorf("import %d: %v", i, err)
		}
	}
	// 1 model + 6 elements + 1 relationship, each created once.
	if n, err := changeCount(ctx, s, key); err != nil || n != 8 {
		t.Errorf("history after import x4: %d changes (%v); want 8", n, err)
	}
}

func changeCount(ctx context.Context, s *graph.Store, key string) (int, error) {
	page, err := s.Changes(ctx, graph.ChangeQuery{Model: key, First: 100})
	if err != nil {
		return 0, err
	}
	return len(page.Changes), nil
}

// concurrently runs fn(0..n-1) at the same moment and returns their errors.
func concurrently(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			errs[i] = fn(i)
		}()
	}
	close(start)
	wg.Wait()
	return errs
}
