package graph_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelgraph/modelgraph/bench/synth"
	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
)

// view is what readers see of a model: its file, revision and history (through every read of
// it), and its residue (which counts nodes under the key directly, staged ones included).
type view struct {
	file    *graph.File
	rev     graph.Revision
	changes []graph.Change // the newest, through Changes
	log     int            // changes through ChangesAfter
	history []graph.Change // of the first element, through ElementHistory
	residue graph.Residue
	found   bool
}

func look(t *testing.T, s *graph.Store, key string) view {
	t.Helper()
	ctx := context.Background()
	var v view
	var err error
	if v.residue, err = s.ModelResidue(ctx, key); err != nil {
		t.Error(err)
	}
	v.file, err = s.ExportFile(ctx, key)
	if errors.Is(err, graph.ErrNotFound) {
		return v
	}
	if err != nil {
		t.Error(err)
		return v
	}
	v.found = true
	if v.rev, err = s.ModelRevision(ctx, key); err != nil {
		t.Error(err)
	}
	page, err := s.Changes(ctx, graph.ChangeQuery{Model: key, First: 20})
	if err != nil {
		t.Error(err)
		return v
	}
	v.changes = page.Changes
	cs, err := s.ChangesAfter(ctx, key, 0, 1000000)
	if err != nil {
		t.Error(err)
	}
	v.log = len(cs)
	if len(v.file.Elements) > 0 {
		ref := graph.Ref{Model: key, Key: v.file.Elements[0].Key}
		h, err := s.ElementHistory(ctx, []graph.Ref{ref}, 50)
		if err != nil {
			t.Error(err)
		}
		v.history = h[ref]
	}
	return v
}

// sameView says how two views differ ("" when they do not); residue compares the residues too,
// which differ while an import is staged.
func sameView(a, b view, residue bool) string {
	switch {
	case a.found != b.found:
		return fmt.Sprintf("model found %v, then %v", a.found, b.found)
	case residue && a.residue != b.residue:
		return fmt.Sprintf("residue %+v, then %+v", a.residue, b.residue)
	case a.found && !reflect.DeepEqual(a.file, b.file):
		return "file: " + diffFiles(a.file, b.file)
	case a.rev != b.rev:
		return fmt.Sprintf("revision %+v, then %+v", a.rev, b.rev)
	case !reflect.DeepEqual(a.changes, b.changes):
		return fmt.Sprintf("%d newest changes, then %d", len(a.changes), len(b.changes))
	case a.log != b.log:
		return fmt.Sprintf("%d changes after revision 0, then %d", a.log, b.log)
	case !reflect.DeepEqual(a.history, b.history):
		return fmt.Sprintf("%d changes of the first element, then %d", len(a.history), len(b.history))
	}
	return ""
}

// stagedCount counts the staged nodes of a model that no reader sees.
func stagedCount(t *testing.T, s *graph.Store, key string) int64 {
	t.Helper()
	vs, err := graph.ReadValues(context.Background(), s, fmt.Sprintf(
		`CALL () { MATCH (n:ImportElement {model: '%s'}) RETURN count(n) AS e }
CALL () { OPTIONAL MATCH (m:Model {key: '%s'}) MATCH (c:Change {model: '%s'}) WHERE c.seq > coalesce(m.changeSeq, 0) RETURN count(c) AS c }
CALL () { MATCH (s:ImportStaging {model: '%s'}) RETURN count(s) AS s }
RETURN e + c + s`, key, key, key, key))
	if err != nil {
		t.Fatal(err)
	}
	return vs[0].(int64)
}

// changeSet is the recorded changes of one revision, without their numbers and times, in order.
func changeSet(t *testing.T, s *graph.Store, key string, revision int64) []string {
	t.Helper()
	cs, err := s.ChangesAfter(context.Background(), key, revision-1, 1000000)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, c := range cs {
		if c.Revision != revision {
			t.Fatalf("change %d of revision %d among those of revision %d", c.Seq, c.Revision, revision)
		}
		line := fmt.Sprintf("%s %s %s %v %v %v %s", c.Operation, c.Target, c.Key, c.Elements, c.Before, c.After, c.Actor)
		out = append(out, strings.ReplaceAll(line, key, "KEY"))
	}
	slices.Sort(out)
	return out
}

// Not parallel: it lowers the package-wide staging threshold. A staged import and a one-transaction
// import of the same files leave the same model and the same history.
func TestStagedImportMatchesOneTransaction(t *testing.T) {
	s := graphtest.Store(t)
	ctx := graph.WithActor(context.Background(), "importer")
	staged, whole := graphtest.ModelKey(t)+"s", graphtest.ModelKey(t)+"w"
	v1, v2 := synth.Model("", 800, 1), synth.Model("", 1000, 2)
	restore := graph.SetStageThreshold(100, 700)
	defer restore()
	for _, step := range []struct {
		f    *graph.File
		mode graph.ImportMode
	}{{v1, graph.Merge}, {v2, graph.Replace}, {v1, graph.Merge}} {
		var reps [2]*graph.ImportReport
		for i, key := range []string{staged, whole} {
			if key == whole {
				graph.SetStageThreshold(1<<30, 700)
			} else {
				graph.SetStageThreshold(100, 700)
			}
			f := *step.f
			f.Model.Key = key
			rep, err := s.Import(ctx, &f, graph.ImportOptions{Mode: step.mode})
			if err != nil {
				t.Fatalf("import into %s: %v", key, err)
			}
			rep.Model = ""
			reps[i] = rep
		}
		if !reflect.DeepEqual(reps[0], reps[1]) {
			t.Fatalf("reports differ: staged %+v, one transaction %+v", reps[0], reps[1])
		}
		a, b := look(t, s, staged), look(t, s, whole)
		a.file.Model.Key = whole
		for i := range a.file.Elements {
			a.file.Elements[i].Model = whole
		}
		if d := diffFiles(a.file, b.file); !reflect.DeepEqual(a.file, b.file) {
			t.Fatalf("models differ: %s", d)
		}
		if a.rev.Number != b.rev.Number || a.residue.Changes != b.residue.Changes || a.residue.MaxSeq != a.residue.ChangeSeq || a.residue.Seqs != a.residue.Changes {
			t.Fatalf("revision %d and residue %+v, one transaction %d and %+v", a.rev.Number, a.residue, b.rev.Number, b.residue)
		}
		if x, y := changeSet(t, s, staged, a.rev.Number), changeSet(t, s, whole, b.rev.Number); !reflect.DeepEqual(x, y) {
			for i := range min(len(x), len(y)) {
				if x[i] != y[i] {
					t.Fatalf("history of revision %d differs: %d changes staged, %d in one transaction; first difference:\n%s\n%s", a.rev.Number, len(x), len(y), x[i], y[i])
				}
			}
			t.Fatalf("history of revision %d differs: %d changes staged, %d in one transaction", a.rev.Number, len(x), len(y))
		}
		if n := stagedCount(t, s, staged); n != 0 {
			t.Fatalf("%d staged nodes left after the switch", n)
		}
	}
}

// Not parallel. While a staged import writes its batches, readers see the model as it was; once
// it returns, as the file makes it.
func TestStagedImportInvisibleUntilSwitched(t *testing.T) {
	s := graphtest.Store(t)
	ctx := context.Background()
	key := graphtest.ModelKey(t)
	defer graph.SetStageThreshold(100, 700)()
	v1, v2 := synth.Model(key, 800, 1), synth.Model(key, 1000, 2)
	// A new model is invisible while it is staged: no model, no elements, no changes.
	calls := 0
	empty := look(t, s, key)
	if _, err := s.Import(ctx, v1, graph.ImportOptions{OnProgress: func(p graph.ImportProgress) {
		calls++
		if p.Committed {
			return
		}
		if d := sameView(empty, look(t, s, key), false); d != "" {
			t.Errorf("during the import of a new model after %d of %d items: %s", p.Done(), p.Total(), d)
		}
	}}); err != nil {
		t.Fatal(err)
	}
	if calls < 3 {
		t.Fatalf("%d progress reports; want one per batch", calls)
	}
	before := look(t, s, key)
	calls = 0
	var last graph.ImportProgress
	rep, err := s.Import(ctx, v2, graph.ImportOptions{Mode: graph.Replace, OnProgress: func(p graph.ImportProgress) {
		calls++
		last = p
		if p.Committed {
			return
		}
		if d := sameView(before, look(t, s, key), false); d != "" {
			t.Errorf("during the import after %d of %d items: %s", p.Done(), p.Total(), d)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !last.Committed || last.Elements != rep.Created+rep.Updated || last.Relationships != rep.RelCreated+rep.RelUpdated || last.Done() != last.Total() {
		t.Fatalf("last progress %+v for report %+v", last, rep)
	}
	after := look(t, s, key)
	if after.rev.Number != before.rev.Number+1 || len(after.file.Elements) != len(v2.Elements) || len(after.file.Relationships) != len(v2.Relationships) {
		t.Fatalf("after the import: revision %d (was %d), %d elements, %d relationships; want %d and %d",
			after.rev.Number, before.rev.Number, len(after.file.Elements), len(after.file.Relationships), len(v2.Elements), len(v2.Relationships))
	}
}

// Not parallel. A staged import that fails, is cancelled or is cut off by a kill leaves the
// model as it was and, once cleaned up, nothing staged; while one is under way, other writes to
// the model are refused.
func TestStagedImportFailureLeavesModel(t *testing.T) {
	s := graphtest.Store(t)
	key := graphtest.ModelKey(t)
	defer graph.SetStageThreshold(100, 700)()
	v1, v2 := synth.Model(key, 800, 1), synth.Model(key, 1000, 2)
	if _, err := s.Import(context.Background(), v1, graph.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	before := look(t, s, key)
	check := func(what string, err error, want error) {
		t.Helper()
		if err == nil || want != nil && !errors.Is(err, want) {
			t.Fatalf("%s: err = %v, want %v", what, err, want)
		}
		if d := sameView(before, look(t, s, key), true); d != "" {
			t.Fatalf("%s changed what readers see: %s", what, d)
		}
		if n := stagedCount(t, s, key); n != 0 {
			t.Fatalf("%s left %d staged nodes", what, n)
		}
	}

	graph.SetFailBeforeSwitch(true, false)
	_, err := s.Import(context.Background(), v2, graph.ImportOptions{Mode: graph.Replace})
	graph.SetFailBeforeSwitch(false, false)
	check("a failure before the switch", err, nil)

	ctx, cancel := context.WithCancel(context.Background())
	_, err = s.Import(ctx, v2, graph.ImportOptions{Mode: graph.Replace, OnProgress: func(graph.ImportProgress) { cancel() }})
	check("a cancelled import", err, context.Canceled)

	// A killed process leaves what it staged, which no reader sees, until a cleanup.
	graph.SetFailBeforeSwitch(true, true)
	_, err = s.Import(context.Background(), v2, graph.ImportOptions{Mode: graph.Replace})
	graph.SetFailBeforeSwitch(false, false)
	if err == nil {
		t.Fatal("the injected failure did not fail the import")
	}
	if n := stagedCount(t, s, key); n == 0 {
		t.Fatal("nothing staged; the kill is not simulated")
	}
	if d := sameView(before, look(t, s, key), false); d != "" {
		t.Fatalf("an abandoned staged import is visible: %s", d)
	}
	if _, err := s.Import(context.Background(), v2, graph.ImportOptions{Mode: graph.Replace}); !errors.Is(err, graph.ErrConflict) {
		t.Fatalf("import while a fresh staged import is registered: err = %v, want ErrConflict", err)
	}
	if n, err := s.CleanImports(context.Background(), graph.StaleImport); err != nil || n != 0 {
		t.Fatalf("cleanup of imports older than %v removed %d (%v); the fresh one must stay", graph.StaleImport, n, err)
	}
	if n, err := s.CleanImports(context.Background(), 0); err != nil || n < 1 {
		t.Fatalf("cleanup removed %d staged imports (%v); want the abandoned one", n, err)
	}
	check("an abandoned import after the cleanup", errors.New("killed"), nil)

	// While an import is staged, a write to the model is refused; the import then succeeds.
	tried := false
	e := before.file.Elements[0]
	e.Name = "Renamed during the import"
	rep, err := s.Import(context.Background(), v2, graph.ImportOptions{Mode: graph.Replace, OnProgress: func(graph.ImportProgress) {
		if tried {
			return
		}
		tried = true
		if _, err := s.UpsertElements(context.Background(), key, []graph.Element{e}, graph.Limits{}); !errors.Is(err, graph.ErrConflict) || !strings.Contains(err.Error(), "being imported") {
			t.Errorf("upsert during the import: err = %v, want ErrConflict", err)
		}
	}})
	if err != nil || !tried {
		t.Fatalf("import after a refused write: %v (progress reported: %v)", err, tried)
	}
	after := look(t, s, key)
	if after.rev.Number != before.rev.Number+1 || len(after.file.Elements) != len(v2.Elements) || rep.Created == 0 {
		t.Fatalf("after the import: revision %d (was %d), %d elements (want %d), report %+v", after.rev.Number, before.rev.Number, len(after.file.Elements), len(v2.Elements), rep)
	}
	if _, err := s.UpsertElements(context.Background(), key, []graph.Element{e}, graph.Limits{}); err != nil {
		t.Fatalf("upsert after the import: %v", err)
	}
}

// TestImport100kOnTestHeap imports a 100,000-element model with its history (about 430,000
// elements, relationships and history records) on the test database, whose heap (768 MiB) is
// smaller than the embedded default (1 GiB): staged, it fits, and the model, its revision and
// its history are complete.
func TestImport100kOnTestHeap(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 860,000 nodes and relationships")
	}
	s := graphtest.Store(t)
	ctx := context.Background()
	key := graphtest.ModelKey(t)
	f := synth.Model(key, 100000, 1)
	items := len(f.Elements) + len(f.Relationships)
	reports := 0
	start := time.Now()
	rep, err := s.Import(ctx, f, graph.ImportOptions{OnProgress: func(graph.ImportProgress) { reports++ }})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d items in %v", items, time.Since(start))
	if rep.Created != len(f.Elements) || rep.RelCreated != len(f.Relationships) || rep.ElementsWritten+rep.RelationshipsWritten != items || reports < 10 {
		t.Fatalf("report %+v, %d progress reports; want %d elements, %d relationships", rep, reports, len(f.Elements), len(f.Relationships))
	}
	r, err := s.ModelResidue(ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	// One change for the model, one per element and relationship.
	if r.Elements != len(f.Elements) || r.Changes != items+1 || r.Seqs != r.Changes || r.MaxSeq != int64(r.Changes) || r.ChangeSeq != r.MaxSeq {
		t.Fatalf("residue %+v; want %d elements and %d changes numbered 1 to %d", r, len(f.Elements), items+1, items+1)
	}
	ms, err := s.Models(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Key == key && (m.Elements != len(f.Elements) || m.Relationships != len(f.Relationships)) {
			t.Fatalf("model summary %+v", m)
		}
	}
	if n := stagedCount(t, s, key); n != 0 {
		t.Fatalf("%d staged nodes left", n)
	}
}
