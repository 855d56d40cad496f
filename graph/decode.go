package graph

import (
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// shapeError says that a query's answer does not have the shape the code reading it expects: a
// column is missing or holds a value of another type. It is a mismatch between a query and its
// reader, reported as an error instead of a panic.
type shapeError struct {
	query  string // what the query is for, as the reader names it
	column string
	reason string
}

func (e *shapeError) Error() string {
	return fmt.Sprintf("read %s: column %q: %s", e.query, e.column, e.reason)
}

// row reads one record's columns by name, for the query named by what. The first column that is
// missing or of another type is kept as the row's error, and later reads from the row give zero
// values, so a reader reads every column it needs and checks Err once.
type row struct {
	rec  *neo4j.Record
	what string
	err  error
}

func rowOf(r *neo4j.Record, what string) *row { return &row{rec: r, what: what} }

// firstRow is the first of a query's records, for a query that answers one row; with no records
// at all, the row fails at its first read.
func firstRow(recs []*neo4j.Record, what string) *row { return rowOf(firstRecord(recs), what) }

// firstRecord is the first of a query's records, nil when there is none (a row of it then fails
// at its first read).
func firstRecord(recs []*neo4j.Record) *neo4j.Record {
	if len(recs) == 0 {
		return nil
	}
	return recs[0]
}

// Err is why a column could not be read, or nil.
func (w *row) Err() error { return w.err }

func (w *row) fail(column, format string, args ...any) {
	if w.err == nil {
		w.err = &shapeError{query: w.what, column: column, reason: fmt.Sprintf(format, args...)}
	}
}

// raw is column name's value as the driver gives it; ok is false when the column is missing (the
// row's error is then set) or an earlier column failed.
func (w *row) raw(name string) (v any, ok bool) {
	if w.err != nil {
		return nil, false
	}
	if w.rec == nil {
		w.fail(name, "no record")
		return nil, false
	}
	v, ok = w.rec.Get(name)
	if !ok {
		w.fail(name, "missing (the answer has %v)", w.rec.Keys)
	}
	return v, ok
}

// get reads column name as a T; a null is the zero value.
func get[T neo4j.RecordValue](w *row, name string) T {
	v, _ := w.raw(name)
	return as[T](w, name, v)
}

// must reads column name as a T that must not be null.
func must[T neo4j.RecordValue](w *row, name string) T {
	v, ok := w.raw(name)
	if ok && v == nil {
		w.fail(name, "null, want %s", goType[T]())
	}
	return as[T](w, name, v)
}

// opt reads column name as a T, nil when it is null.
func opt[T neo4j.RecordValue](w *row, name string) *T {
	v, _ := w.raw(name)
	if v == nil {
		return nil
	}
	t := as[T](w, name, v)
	return &t
}

// as reads v, a column's value or a part of it (an item of a list, a field of a tuple), as a T;
// a null is the zero value. A value of another type fails the row, naming column.
func as[T neo4j.RecordValue](w *row, column string, v any) T {
	var zero T
	if w.err != nil || v == nil {
		return zero
	}
	t, ok := v.(T)
	if !ok {
		w.fail(column, "%T, want %s", v, goType[T]())
	}
	return t
}

// tuple reads v, a part of column (an item of a list), as a list of at least n values. When it
// cannot, the row fails and the list has n nulls, so that reading its fields is safe.
func tuple(w *row, column string, v any, n int) []any {
	t := as[[]any](w, column, v)
	if w.err == nil && len(t) < n {
		w.fail(column, "a list of %d values, want at least %d", len(t), n)
	}
	if w.err != nil {
		return make([]any, n)
	}
	return t
}

func goType[T any]() string { return fmt.Sprintf("%T", *new(T)) }

// rows reads every record with fn, in order; the first record fn cannot read is the error. No
// records give an empty slice, not nil (a model file's lists encode as [], not null).
func rows[T any](recs []*neo4j.Record, what string, fn func(*row) T) ([]T, error) {
	out := make([]T, 0, len(recs))
	for _, r := range recs {
		w := rowOf(r, what)
		v := fn(w)
		if w.err != nil {
			return nil, w.err
		}
		out = append(out, v)
	}
	return out, nil
}

// relationshipFrom reads a relationship from the columns from, type, to and p (its properties).
func relationshipFrom(w *row) Relationship {
	return Relationship{From: must[string](w, "from"), Type: RelType(must[string](w, "type")), To: must[string](w, "to"), Properties: props(get[map[string]any](w, "p"))}
}

// storedElementFrom reads an element from the columns p (its node's properties) and id (its
// node's element id).
func storedElementFrom(w *row) Element {
	e := elementFromProps(must[map[string]any](w, "p"))
	e.nodeID = must[string](w, "id")
	return e
}
