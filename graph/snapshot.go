package graph

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Revision says which state of a model the store holds, for caches of snapshots.
type Revision struct {
	// Number counts the model's committed writes: every write that changes anything adds one.
	Number int64
	// Created is when the model node was created. A model deleted and created again under the
	// same key starts counting again, so a cache compares Created before Number.
	Created time.Time
	// Unrecorded is the newest revision written without per-item changes in the history (a bulk
	// load without history), 0 if none. A snapshot older than it must be read again in full.
	Unrecorded int64
}

// Same reports whether r and o are revisions of one life of the model (not deleted and created
// again in between).
func (r Revision) Same(o Revision) bool { return r.Created.Equal(o.Created) }

// ModelRevision reads a model's current revision in one small query; an unknown model is
// ErrNotFound.
func (s *Store) ModelRevision(ctx context.Context, model string) (Revision, error) {
	rev, err := readTx(ctx, s, func(tx neo4j.ManagedTransaction) (Revision, error) {
		return readRevision(ctx, tx, model)
	})
	if errors.Is(err, ErrNotFound) {
		return Revision{}, err // says which model, as the other reads do
	}
	if err != nil {
		return Revision{}, fmt.Errorf("revision of %s: %w", model, err)
	}
	return rev, nil
}

// ModelRevisions reads the current revisions of several models in one query; unknown models have
// no entry.
func (s *Store) ModelRevisions(ctx context.Context, models []string) (map[string]Revision, error) {
	recs, err := readTx(ctx, s, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		return run(ctx, tx, `UNWIND $models AS key
MATCH (m:Model {key: key})
RETURN m.key AS key, coalesce(m.revision, 0) AS revision, m.createdAt AS created, coalesce(m.unrecordedRevision, 0) AS unrecorded`, map[string]any{"models": models})
	})
	if err != nil {
		return nil, fmt.Errorf("revisions: %w", err)
	}
	out := map[string]Revision{}
	for _, r := range recs {
		w := rowOf(r, "revisions")
		k, rev := must[string](w, "key"), revisionFrom(w)
		if err := w.Err(); err != nil {
			return nil, err
		}
		out[k] = rev
	}
	return out, nil
}

const revisionCypher = `MATCH (m:Model {key: $model})
RETURN coalesce(m.revision, 0) AS revision, m.createdAt AS created, coalesce(m.unrecordedRevision, 0) AS unrecorded`

func readRevision(ctx context.Context, tx neo4j.ManagedTransaction, model string) (Revision, error) {
	recs, err := run(ctx, tx, revisionCypher, map[string]any{"model": model})
	if err != nil {
		return Revision{}, err
	}
	if len(recs) == 0 {
		return Revision{}, fmt.Errorf("model %q: %w", model, ErrNotFound)
	}
	w := rowOf(recs[0], "revision")
	rev := revisionFrom(w)
	return rev, w.Err()
}

// revisionFrom reads a model's revision from the columns revision, created and unrecorded.
func revisionFrom(w *row) Revision {
	return Revision{Number: get[int64](w, "revision"), Created: get[time.Time](w, "created"), Unrecorded: get[int64](w, "unrecorded")}
}

// bumpUnrecorded gives a write that records no changes (a bulk load without history) its own
// revision, marked as unrecorded so that caches read the model again in full. The model node must
// exist and be locked by the caller.
func bumpUnrecorded(ctx context.Context, tx neo4j.ManagedTransaction, model string) error {
	recs, err := run(ctx, tx, `MATCH (m:Model {key: $model})
SET m.revision = coalesce(m.revision, 0) + 1, m.unrecordedRevision = coalesce(m.revision, 0) + 1
RETURN m.revision`, map[string]any{"model": model})
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		return fmt.Errorf("bump revision: model %q: %w", model, ErrNotFound)
	}
	return nil
}

// ChangesAfter returns a model's changes with a revision above after, oldest first, at most max
// of them (max+1 are read, so a caller can tell "more than max" from "exactly max"). It is what
// keeps a snapshot fresh.
func (s *Store) ChangesAfter(ctx context.Context, model string, after int64, max int) ([]Change, error) {
	cs, err := readTx(unbudgeted(ctx), s, func(tx neo4j.ManagedTransaction) ([]Change, error) {
		// The model's changeSeq bounds the log: records above it belong to a staged import
		// not yet switched in.
		return streamChanges(ctx, tx, `MATCH (m:Model {key: $model})
MATCH (c:Change {model: $model})
WHERE c.seq >= 0 AND c.seq <= coalesce(m.changeSeq, 0) AND c.revision > $after
RETURN c {.*} AS c ORDER BY c.seq LIMIT $limit`, map[string]any{"model": model, "after": after, "limit": max + 1},
			func(map[string]any) bool { return true }, max+1)
	})
	if err != nil {
		return nil, fmt.Errorf("changes of %s after revision %d: %w", model, after, err)
	}
	return cs, nil
}

// SnapshotSink receives a model's elements, then its relationships, as ReadSnapshot streams them.
type SnapshotSink interface {
	AddElement(Element) error
	AddRelationship(Relationship) error
}

// ReadSnapshot streams a whole model in one read transaction: start is called with the model,
// its revision and its number of elements, and the sink it returns gets every element and then
// every relationship. Neo4j reads committed data, so a write that commits during the read may be
// partly seen; the revision returned is the one read before the elements, and replaying the
// changes above it (whose states are whole items) brings the snapshot to a later revision. The
// read is shared by every request that waits for the snapshot, so it is not charged to the
// budget of the one that starts it.
func (s *Store) ReadSnapshot(ctx context.Context, model string, start func(m Model, rev Revision, elements int) SnapshotSink) (Revision, error) {
	rev, err := readTx(unbudgeted(ctx), s, func(tx neo4j.ManagedTransaction) (Revision, error) {
		return readSnapshotTx(ctx, tx, model, start)
	})
	if err != nil {
		return Revision{}, fmt.Errorf("snapshot of %s: %w", model, err)
	}
	return rev, nil
}

func readSnapshotTx(ctx context.Context, tx neo4j.ManagedTransaction, model string, start func(Model, Revision, int) SnapshotSink) (Revision, error) {
	recs, err := run(ctx, tx, `MATCH (m:Model {key: $model})
CALL (m) { MATCH (e:Element {model: m.key}) RETURN count(e) AS elements }
RETURN m.key AS key, m.name AS name, m.description AS description, elements,
  coalesce(m.revision, 0) AS revision, m.createdAt AS created, coalesce(m.unrecordedRevision, 0) AS unrecorded`, map[string]any{"model": model})
	if err != nil {
		return Revision{}, err
	}
	if len(recs) == 0 {
		return Revision{}, fmt.Errorf("model %q: %w", model, ErrNotFound)
	}
	w := rowOf(recs[0], "snapshot model")
	m := Model{Key: get[string](w, "key"), Name: get[string](w, "name"), Description: get[string](w, "description")}
	n, rev := get[int64](w, "elements"), revisionFrom(w)
	if err := w.Err(); err != nil {
		return Revision{}, err
	}
	sink := start(m, rev, int(n))
	p := map[string]any{"model": model}
	if err := stream(ctx, tx, `MATCH (e:Element {model: $model}) RETURN properties(e) AS p`, p, func(r *neo4j.Record) error {
		w := rowOf(r, "snapshot elements")
		p := must[map[string]any](w, "p")
		if err := w.Err(); err != nil {
			return err
		}
		return sink.AddElement(elementFromProps(p))
	}); err != nil {
		return Revision{}, err
	}
	// Expanding from each source in turn keeps a source's relationships together, which the
	// engine's builder reads fastest; no ORDER BY, so the database streams without sorting.
	err = stream(ctx, tx, `MATCH (a:Element {model: $model})-[r]->(b:Element {model: $model})
RETURN a.key AS from, type(r) AS type, b.key AS to, properties(r) AS p`, p, func(r *neo4j.Record) error {
		w := rowOf(r, "snapshot relationships")
		rel := Relationship{From: must[string](w, "from"), Type: RelType(must[string](w, "type")), To: must[string](w, "to"), Properties: props(get[map[string]any](w, "p"))}
		if err := w.Err(); err != nil {
			return err
		}
		return sink.AddRelationship(rel)
	})
	return rev, err
}

// stream sends one query and hands each record to fn as it arrives, without collecting them. Like
// run it counts the round trip; it spends no row budget (callers strip it for shared reads).
func stream(ctx context.Context, tx neo4j.ManagedTransaction, cypher string, params map[string]any, fn func(*neo4j.Record) error) (err error) {
	defer roundTrip(ctx, time.Now(), &err)
	if c, ok := ctx.Value(counterKey{}).(*atomic.Int64); ok {
		c.Add(1)
	}
	res, err := tx.Run(ctx, cypher, params)
	if err != nil {
		return err
	}
	for res.Next(ctx) {
		if err := fn(res.Record()); err != nil {
			return err
		}
	}
	return res.Err()
}

// unbudgeted returns ctx without the request's budget: for reads whose result is shared by many
// requests (snapshots), which no one request should pay for or be refused over.
func unbudgeted(ctx context.Context) context.Context {
	return context.WithValue(ctx, budgetKey{}, (*budget)(nil))
}

// CheckDepth validates a requested traversal depth (nil means the default) against the server's
// cap, as the store's own traversals do, for callers that traverse a snapshot.
func (s *Store) CheckDepth(d *int) (int, error) { return s.checkDepth(d) }

// CheckTypes validates an impact's relationship type filter (only propagating types), as the
// store's own Impact does; none means every propagating type.
func CheckTypes(ts []RelType) ([]RelType, error) { return checkTypes(ts) }
