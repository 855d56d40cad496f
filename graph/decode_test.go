package graph

import (
	"errors"
	"strings"
	"testing"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

func newRecord(keys []string, values ...any) *neo4j.Record {
	return &neo4j.Record{Keys: keys, Values: values}
}

// A record whose shape is not the one its reader expects gives an error naming the query and the
// column, never a panic; nulls read as zero values where the reader allows them.
func TestDecodeShapeMismatch(t *testing.T) {
	cases := []struct {
		name   string
		rec    *neo4j.Record
		read   func(w *row)
		column string // "" means no error
		reason string
	}{
		{"all there", newRecord([]string{"key", "n"}, "a", int64(2)),
			func(w *row) { must[string](w, "key"); must[int64](w, "n") }, "", ""},
		{"null is zero", newRecord([]string{"key"}, nil),
			func(w *row) {
				if v := get[string](w, "key"); v != "" {
					t.Errorf("null key read as %q", v)
				}
			}, "", ""},
		{"missing column", newRecord([]string{"key"}, "a"),
			func(w *row) { must[string](w, "key"); get[int64](w, "n") }, "n", "missing"},
		{"wrong type", newRecord([]string{"key", "n"}, "a", "2"),
			func(w *row) { must[string](w, "key"); get[int64](w, "n") }, "n", "string, want int64"},
		{"null where a value is needed", newRecord([]string{"p"}, nil),
			func(w *row) { must[map[string]any](w, "p") }, "p", "null"},
		{"first failure kept", newRecord([]string{"a", "b"}, int64(1), int64(2)),
			func(w *row) { get[string](w, "a"); get[string](w, "b"); get[bool](w, "c") }, "a", "int64, want string"},
		{"short tuple", newRecord([]string{"found"}, []any{[]any{"k"}}),
			func(w *row) {
				for _, x := range get[[]any](w, "found") {
					f := tuple(w, "found", x, 3)
					as[int64](w, "found", f[1])
				}
			}, "found", "a list of 1 values, want at least 3"},
		{"item of another type", newRecord([]string{"found"}, []any{[]any{"k", "1", []any{}}}),
			func(w *row) {
				for _, x := range get[[]any](w, "found") {
					f := tuple(w, "found", x, 3)
					as[int64](w, "found", f[1])
				}
			}, "found", "string, want int64"},
		{"no record", nil, func(w *row) { get[string](w, "key") }, "key", "no record"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := rowOf(c.rec, "test query")
			c.read(w)
			err := w.Err()
			if c.column == "" {
				if err != nil {
					t.Fatalf("error %v, want none", err)
				}
				return
			}
			var se *shapeError
			if !errors.As(err, &se) {
				t.Fatalf("error %v, want a shape error", err)
			}
			if se.column != c.column || se.query != "test query" || !strings.Contains(se.reason, c.reason) {
				t.Errorf("error %q, want column %q, query %q, reason with %q", err, c.column, "test query", c.reason)
			}
		})
	}
}

// rows stops at the first record it cannot read and says which query it was.
func TestRowsShapeMismatch(t *testing.T) {
	recs := []*neo4j.Record{
		newRecord([]string{"key"}, "a"),
		newRecord([]string{"name"}, "b"),
	}
	got, err := rows(recs, "keys", func(w *row) string { return must[string](w, "key") })
	if err == nil || got != nil {
		t.Fatalf("rows = %v, %v; want an error", got, err)
	}
	if want := `read keys: column "key": missing`; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q, want it to contain %q", err, want)
	}
	got, err = rows(recs[:1], "keys", func(w *row) string { return must[string](w, "key") })
	if err != nil || len(got) != 1 || got[0] != "a" {
		t.Errorf("rows = %v, %v; want [a]", got, err)
	}
}

// The revision columns decode by name, and a wrong type is an error.
func TestRevisionShapeMismatch(t *testing.T) {
	w := rowOf(newRecord([]string{"revision", "created", "unrecorded"}, int64(3), nil, int64(1)), "revision")
	if rev := revisionFrom(w); w.Err() != nil || rev.Number != 3 || rev.Unrecorded != 1 || !rev.Created.IsZero() {
		t.Errorf("revision = %+v, %v", rev, w.Err())
	}
	w = rowOf(newRecord([]string{"revision", "created", "unrecorded"}, "3", nil, int64(1)), "revision")
	if revisionFrom(w); w.Err() == nil {
		t.Error("a revision of type string read without error")
	}
}

// The store's readers of its own types fail on a record of another shape instead of panicking.
func TestStoreReadersShapeMismatch(t *testing.T) {
	relKeys := []string{"from", "type", "to", "p"}
	cases := []struct {
		name string
		read func() error
	}{
		{"relationship without to", func() error {
			w := rowOf(newRecord([]string{"from", "type", "p"}, "a", "SUPPORTS", map[string]any{}), "relationships")
			relationshipFrom(w)
			return w.Err()
		}},
		{"relationship type not a string", func() error {
			w := rowOf(newRecord(relKeys, "a", int64(1), "b", nil), "relationships")
			relationshipFrom(w)
			return w.Err()
		}},
		{"element properties null", func() error {
			w := rowOf(newRecord([]string{"p", "id"}, nil, "4:x:1"), "elements")
			storedElementFrom(w)
			return w.Err()
		}},
		{"scenario revision a string", func() error {
			_, err := scenarioOf(newRecord([]string{"key", "revision"}, "s", "3"))
			return err
		}},
		{"token created a string", func() error {
			_, err := tokenFromRecord(newRecord([]string{"id", "name", "role", "model", "created", "revoked"}, "t", "n", "reader", "*", "yesterday", nil))
			return err
		}},
		{"supporters path step too short", func() error {
			w := rowOf(newRecord([]string{"found", "nodes"}, []any{[]any{"k", int64(1), []any{[]any{"a", "SUPPORTS"}}}}, []any{}), "supporters")
			leanReached(w, "found", nodeMap(w, "nodes"), true)
			return w.Err()
		}},
		{"path step of another type", func() error {
			w := rowOf(newRecord([]string{"steps"}, []any{"not a step"}), "path")
			stepsFrom(w, "steps", false)
			return w.Err()
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var se *shapeError
			if err := c.read(); !errors.As(err, &se) {
				t.Errorf("error %v, want a shape error", err)
			}
		})
	}
	// A well-formed relationship reads, with null properties as none.
	w := rowOf(newRecord(relKeys, "a", "SUPPORTS", "b", nil), "relationships")
	if r := relationshipFrom(w); w.Err() != nil || r.From != "a" || r.Type != "SUPPORTS" || r.To != "b" || r.Properties != nil {
		t.Errorf("relationship = %+v, %v", r, w.Err())
	}
}
