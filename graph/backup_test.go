package graph_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
	"github.com/modelgraph/modelgraph/seed"
)

// editedModels builds three models in the shared store and returns their keys:
//   - a demo model, imported, then edited through every kind of write, with a scenario;
//   - a model imported without history (its revision is unrecorded), with typed properties;
//   - an empty model.
func editedModels(t *testing.T) []string {
	t.Helper()
	ctx := graph.WithActor(context.Background(), "tester")
	s := graphtest.Store(t)
	a, b, c := graphtest.ModelKey(t), graphtest.ModelKey(t), graphtest.ModelKey(t)
	f, err := seed.File("marketplace.yaml")
	if err != nil {
		t.Fatal(err)
	}
	f.Model.Key = a
	if _, err := s.Import(ctx, f, graph.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	e := f.Elements[0]
	name := e.Name + " (renamed)"
	if _, err := s.UpdateElement(graph.WithActor(ctx, "editor-2"), a, e.Key, graph.ElementPatch{Name: &name}, nil); err != nil {
		t.Fatal(err)
	}
	r := f.Relationships[0]
	if err := s.Unlink(ctx, a, r); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Link(ctx, a, r); err != nil {
		t.Fatal(err)
	}
	last := f.Elements[len(f.Elements)-1]
	if _, err := s.DeleteElement(ctx, a, last.Key, true, nil); err != nil {
		t.Fatal(err)
	}
	sk := graphtest.ModelKey(t)
	if _, err := s.CreateScenario(ctx, a, sk, "What if"); err != nil {
		t.Fatal(err)
	}
	after := e
	after.Name = "Scenario name"
	if _, err := s.WriteScenarioItems(ctx, sk, 0, []graph.ScenarioItem{{Target: graph.TargetElement, Key: e.Key,
		State: graph.ElementState(&after), Base: graph.ElementState(&e)}}); err != nil {
		t.Fatal(err)
	}
	typed := &graph.File{Model: graph.Model{Key: b, Name: "Typed values", Description: "floats, integers, lists"},
		Elements: []graph.Element{
			{Key: "c1", Kind: graph.CustomerSegment, Name: "Segment", Tags: []string{"x", "y"},
				Properties: map[string]any{"weight": 3.0, "share": 0.25, "count": int64(7), "active": true}},
			{Key: "v1", Kind: graph.ValueProposition, Name: "Offer"},
		},
		Relationships: []graph.Relationship{{From: "v1", Type: graph.Targets, To: "c1"}},
	}
	if _, err := s.Import(ctx, typed, graph.ImportOptions{NoHistory: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateModel(ctx, graph.Model{Key: c, Name: "Empty"}); err != nil {
		t.Fatal(err)
	}
	return []string{a, b, c}
}

func backup(t *testing.T, keys []string) ([]byte, *graph.BackupReport) {
	t.Helper()
	var buf bytes.Buffer
	rep, err := graphtest.Store(t).Backup(context.Background(), &buf, graph.BackupOptions{Models: keys})
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), rep
}

// TestBackupRestore backs up models with edits and history from the shared store and restores
// them into a database of its own, which starts empty.
func TestBackupRestore(t *testing.T) {
	keys := editedModels(t)
	data, brep := backup(t, keys)
	dst := graphtest.StartFresh(t).Store
	t.Run("round trip", func(t *testing.T) { roundTrip(t, dst, keys, data, brep) })
	t.Run("refuses a store with models", func(t *testing.T) { refusesNonEmpty(t, dst, keys, data) })
	t.Run("broken files write nothing", func(t *testing.T) { brokenFiles(t, dst, keys, data) })
}

func roundTrip(t *testing.T, dst *graph.Store, keys []string, data []byte, brep *graph.BackupReport) {
	ctx := context.Background()
	src := graphtest.Store(t)
	// Worked out from the writes: the demo model's revisions are the import, the rename, the
	// unlink, the link and the delete; the typed model has one unrecorded revision (its bulk
	// import); the empty model one (its creation).
	want := map[string]int64{keys[0]: 5, keys[1]: 1, keys[2]: 1}
	if !reflect.DeepEqual(brep.Revisions, want) {
		t.Errorf("backup revisions %v, want %v", brep.Revisions, want)
	}
	if brep.Models != 3 {
		t.Errorf("backup of %d models, want 3", brep.Models)
	}
	rep, err := dst.Restore(ctx, bytes.NewReader(data), graph.RestoreOptions{Name: "round.mgb"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.BackupCounts != brep.BackupCounts || rep.Replaced != 0 {
		t.Errorf("restored %+v, backed up %+v", rep, brep.BackupCounts)
	}
	sameStores(t, src, dst, keys)
	// The history as the API gives it: every change with seq, operation, actor, time and states.
	for _, k := range keys {
		if a, b := allChanges(t, src, k), allChanges(t, dst, k); !reflect.DeepEqual(canon(a), canon(b)) {
			t.Errorf("model %s: history differs after restore:\nsource   %v\nrestored %v", k, a, b)
		}
		ra, err1 := src.ModelRevision(ctx, k)
		rb, err2 := dst.ModelRevision(ctx, k)
		if err1 != nil || err2 != nil || ra.Number != rb.Number || !ra.Created.Equal(rb.Created) || ra.Unrecorded != rb.Unrecorded {
			t.Errorf("model %s: revision %+v (%v) restored as %+v (%v)", k, ra, err1, rb, err2)
		}
	}
	// 155 element and 358 relationship creations and the model's, the rename, the unlink, the
	// link, then the deletion of the last element with its relationships.
	hist := allChanges(t, dst, keys[0])
	if len(hist) < 1+155+358+3+1 || hist[0].Operation != graph.OpDelete || hist[0].Actor != "tester" || hist[len(hist)-1].Target != graph.TargetModel {
		t.Errorf("restored history of %s: %d changes, newest %+v", keys[0], len(hist), hist[0])
	}
	if rb, _ := dst.ModelRevision(ctx, keys[1]); rb.Unrecorded != 1 {
		t.Errorf("typed model restored with unrecorded revision %d, want 1", rb.Unrecorded)
	}
}

func refusesNonEmpty(t *testing.T, dst *graph.Store, keys []string, data []byte) {
	ctx := context.Background()
	_, err := dst.Restore(ctx, bytes.NewReader(data), graph.RestoreOptions{})
	var ne *graph.StoreNotEmptyError
	if !errors.As(err, &ne) || !errors.Is(err, graph.ErrConflict) || ne.Models != 3 {
		t.Fatalf("restore into a store with 3 models: %v", err)
	}
	sameStores(t, graphtest.Store(t), dst, keys)
	// Force replaces them: after an edit in the restored store, a forced restore undoes it.
	if _, err := dst.DeleteElement(ctx, keys[1], "v1", true, nil); err != nil {
		t.Fatal(err)
	}
	ra, _ := graph.RawModel(ctx, graphtest.Store(t), keys[1])
	rb, _ := graph.RawModel(ctx, dst, keys[1])
	if reflect.DeepEqual(canon(ra), canon(rb)) {
		t.Fatal("the comparison does not see a deleted element")
	}
	rep, err := dst.Restore(ctx, bytes.NewReader(data), graph.RestoreOptions{Force: true})
	if err != nil || rep.Replaced != 3 {
		t.Fatalf("forced restore: %+v, %v", rep, err)
	}
	sameStores(t, graphtest.Store(t), dst, keys)
}

// brokenFiles feeds broken backups to a forced restore over a store holding the models: each is
// refused with its line and code, and the store keeps its models (the forced deletion is undone
// with the rest).
func brokenFiles(t *testing.T, dst *graph.Store, keys []string, data []byte) {
	ctx := context.Background()
	lines := gunzipLines(t, data)
	// Line numbers are 1-based.
	firstRel := indexOf(lines, `"t":"relationship"`) + 1
	lastElem := lastIndexOf(lines, `"t":"element"`) + 1
	firstEnd := indexOf(lines, `"t":"modelEnd"`) + 1
	cases := []struct {
		name string
		file []byte
		code string
		line int // -1: any
	}{
		{"not gzip", []byte("model: {key: x}\n"), graph.BackupNotABackup, 0},
		{"not a backup", gzipLines(`{"t":"model","key":"x"}`), graph.BackupNotABackup, 1},
		{"newer version", gzipLines(strings.Replace(lines[0], `"version":1`, `"version":2`, 1)), graph.BackupUnsupportedVersion, 1},
		{"cut off", data[:len(data)*2/3], graph.BackupTruncated, -1},
		{"without its final line", gzipLines(lines[:len(lines)-1]...), graph.BackupTruncated, len(lines)},
		{"unknown relationship type", gzipLines(replaceLine(lines, firstRel, func(s string) string {
			return regexpType.ReplaceAllString(s, `"type":"OWNS"`)
		})...), graph.BackupCorrupt, firstRel},
		{"a line that is not JSON", gzipLines(replaceLine(lines, lastElem, func(s string) string { return s[:len(s)/2] })...), graph.BackupCorrupt, lastElem},
		{"a change left out", gzipLines(slices.Delete(slices.Clone(lines), firstEnd-2, firstEnd-1)...), graph.BackupCorrupt, firstEnd - 1},
		{"data after the final line", gzipLines(append(slices.Clone(lines), lines[1])...), graph.BackupCorrupt, len(lines)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := dst.Restore(ctx, bytes.NewReader(c.file), graph.RestoreOptions{Name: "broken.mgb", Force: true})
			var be *graph.BackupError
			if !errors.As(err, &be) || !errors.Is(err, graph.ErrInvalid) {
				t.Fatalf("restore: %v, want a BackupError", err)
			}
			if be.Code != c.code || (c.line >= 0 && be.Line != c.line) || be.File != "broken.mgb" {
				t.Errorf("error %q: code %s line %d, want %s line %d", err, be.Code, be.Line, c.code, c.line)
			}
			if !strings.HasPrefix(err.Error(), fmt.Sprintf("broken.mgb:%d: %s: ", be.Line, be.Code)) {
				t.Errorf("error text %q does not start with file:line: code", err)
			}
			sameStores(t, graphtest.Store(t), dst, keys)
		})
	}
}

func TestBackupValuesKeepTheirTypes(t *testing.T) {
	utc := time.Date(2026, 3, 4, 5, 6, 7, 890123000, time.UTC)
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Skip("no time zone database")
	}
	for _, v := range []any{"3", int64(3), 3.0, 0.1, 1e300, -0.0, math.Inf(1), true, utc, utc.In(paris),
		utc.In(time.FixedZone("Offset", 3600)), []any{int64(1), int64(2)}, []any{2.0, 2.5}, []any{}} {
		enc, err := graph.EncodeValue(v)
		if err != nil {
			t.Fatalf("encode %#v: %v", v, err)
		}
		text, _ := jsonRoundTrip(enc)
		got, err := graph.DecodeValue(text)
		if err != nil {
			t.Fatalf("decode %#v: %v", v, err)
		}
		if fmt.Sprintf("%T %v", got, canon(got)) != fmt.Sprintf("%T %v", v, canon(v)) {
			t.Errorf("%T %v came back as %T %v", v, v, got, got)
		}
	}
	if _, err := graph.EncodeValue(map[string]any{"a": 1}); err == nil {
		t.Error("a map was encoded")
	}
}

// sameStores compares what two stores hold for the models, property for property.
func sameStores(t *testing.T, a, b *graph.Store, keys []string) {
	t.Helper()
	ctx := context.Background()
	for _, k := range keys {
		ra, err1 := graph.RawModel(ctx, a, k)
		rb, err2 := graph.RawModel(ctx, b, k)
		if err1 != nil || err2 != nil {
			t.Fatalf("read %s: %v %v", k, err1, err2)
		}
		if ra == nil || rb == nil {
			t.Errorf("model %s: source has it %v, restored store has it %v", k, ra != nil, rb != nil)
			continue
		}
		if ca, cb := canon(ra), canon(rb); !reflect.DeepEqual(ca, cb) {
			t.Errorf("model %s differs:\nsource   %v\nrestored %v", k, ca, cb)
		}
	}
}

func allChanges(t *testing.T, s *graph.Store, key string) []graph.Change {
	t.Helper()
	var out []graph.Change
	q := graph.ChangeQuery{Model: key, First: graph.MaxPageSize}
	for {
		p, err := s.Changes(context.Background(), q)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p.Changes...)
		if !p.HasNextPage {
			return out
		}
		q.After = p.EndCursor
	}
}

// canon gives values a form reflect.DeepEqual compares by content: a time as its instant and
// zone name (two reads of one zone give two *time.Location), labels in order (their order is the
// database's own).
func canon(v any) any {
	switch x := v.(type) {
	case time.Time:
		zone, _ := x.Zone()
		return x.UTC().Format(time.RFC3339Nano) + " " + zone
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, y := range x {
			out[k] = canon(y)
		}
		if ls, ok := x["labels"].([]any); ok {
			s := make([]string, len(ls))
			for i, l := range ls {
				s[i] = fmt.Sprint(l)
			}
			slices.Sort(s)
			out["labels"] = s
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, y := range x {
			out[i] = canon(y)
		}
		return out
	case []graph.Change:
		out := make([]any, len(x))
		for i, c := range x {
			at := canon(c.At)
			c.At = time.Time{}
			out[i] = []any{at, fmt.Sprintf("%+v", c)}
		}
		return out
	}
	return v
}

var regexpType = regexp.MustCompile(`"type":"[A-Z_]+"`)

func gunzipLines(t *testing.T, data []byte) []string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	sc := bufio.NewScanner(zr)
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func gzipLines(lines ...string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	for _, l := range lines {
		zw.Write([]byte(l + "\n"))
	}
	zw.Close()
	return buf.Bytes()
}

func indexOf(lines []string, sub string) int {
	return slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, sub) })
}

func lastIndexOf(lines []string, sub string) int {
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.Contains(lines[i], sub) {
			return i
		}
	}
	return -1
}

// replaceLine returns a copy of lines with the 1-based line n changed by f.
func replaceLine(lines []string, n int, f func(string) string) []string {
	out := slices.Clone(lines)
	out[n-1] = f(out[n-1])
	return out
}

func jsonRoundTrip(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	err = dec.Decode(&out)
	return out, err
}
