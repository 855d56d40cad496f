package graph

import (
	"context"
	"errors"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// LogEnd is where a model's change log ends: its revision and the seq of its newest change. Every
// recorded write takes the seqs after the previous one's, so the changes above a known end are
// read by seq, along the (model, seq) index.
type LogEnd struct {
	Revision Revision
	Seq      int64
}

// ModelLogEnd reads a model's revision and newest seq in one small query; an unknown model is
// ErrNotFound.
func (s *Store) ModelLogEnd(ctx context.Context, model string) (LogEnd, error) {
	end, err := readTx(unbudgeted(ctx), s, func(tx neo4j.ManagedTransaction) (LogEnd, error) {
		recs, err := run(ctx, tx, `MATCH (m:Model {key: $model})
RETURN coalesce(m.revision, 0) AS revision, m.createdAt AS created, coalesce(m.unrecordedRevision, 0) AS unrecorded,
  coalesce(m.changeSeq, 0) AS seq`, map[string]any{"model": model})
		if err != nil {
			return LogEnd{}, err
		}
		if len(recs) == 0 {
			return LogEnd{}, fmt.Errorf("model %q: %w", model, ErrNotFound)
		}
		w := rowOf(recs[0], "log end")
		end := LogEnd{Revision: revisionFrom(w), Seq: get[int64](w, "seq")}
		return end, w.Err()
	})
	if errors.Is(err, ErrNotFound) {
		return LogEnd{}, err
	}
	if err != nil {
		return LogEnd{}, fmt.Errorf("log end of %s: %w", model, err)
	}
	return end, nil
}

// ChangesBySeq returns a model's changes with a seq above after and at most upTo, oldest first,
// at most max of them.
func (s *Store) ChangesBySeq(ctx context.Context, model string, after, upTo int64, max int) ([]Change, error) {
	cs, err := readTx(unbudgeted(ctx), s, func(tx neo4j.ManagedTransaction) ([]Change, error) {
		// A block holding a seq above after starts less than changeBlock below it.
		from := max64(after, 0)
		return streamChanges(ctx, tx, `MATCH (c:Change {model: $model})
WHERE c.seq > $from AND c.seq <= $upTo AND coalesce(c.last, c.seq) > $after
RETURN c {.*} AS c ORDER BY c.seq LIMIT $limit`, map[string]any{"model": model, "from": max64(from-changeBlock, 0), "after": from, "upTo": upTo, "limit": max},
			func(p map[string]any) bool { seq, _ := p["seq"].(int64); return seq > from && seq <= upTo }, max)
	})
	if err != nil {
		return nil, fmt.Errorf("changes of %s after seq %d: %w", model, after, err)
	}
	return cs, nil
}

// SeqAtRevision returns the seq of the newest change recorded at or below a revision (0 when
// there is none): where the changes after that revision start.
func (s *Store) SeqAtRevision(ctx context.Context, model string, revision int64) (int64, error) {
	seq, err := readTx(unbudgeted(ctx), s, func(tx neo4j.ManagedTransaction) (int64, error) {
		recs, err := run(ctx, tx, `MATCH (c:Change {model: $model})
WHERE c.seq >= 0 AND c.revision <= $revision
RETURN coalesce(max(coalesce(c.last, c.seq)), 0) AS seq`, map[string]any{"model": model, "revision": revision})
		if err != nil {
			return 0, err
		}
		w := firstRow(recs, "seq at revision")
		return get[int64](w, "seq"), w.Err()
	})
	if err != nil {
		return 0, fmt.Errorf("seq of %s at revision %d: %w", model, revision, err)
	}
	return seq, nil
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}
