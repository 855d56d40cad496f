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
	res, err := s.read(unbudgeted(ctx), func(tx neo4j.ManagedTransaction) (any, error) {
		recs, err := run(ctx, tx, `MATCH (m:Model {key: $model})
RETURN coalesce(m.revision, 0) AS revision, m.createdAt AS created, coalesce(m.unrecordedRevision, 0) AS unrecorded,
  coalesce(m.changeSeq, 0) AS seq`, map[string]any{"model": model})
		if err != nil {
			return nil, err
		}
		if len(recs) == 0 {
			return nil, fmt.Errorf("model %q: %w", model, ErrNotFound)
		}
		seq, _ := col[int64](recs[0], "seq")
		return LogEnd{Revision: revisionOf(recs[0]), Seq: seq}, nil
	})
	if errors.Is(err, ErrNotFound) {
		return LogEnd{}, err
	}
	if err != nil {
		return LogEnd{}, fmt.Errorf("log end of %s: %w", model, err)
	}
	return res.(LogEnd), nil
}

// ChangesBySeq returns a model's changes with a seq above after and at most upTo, oldest first,
// at most max of them.
func (s *Store) ChangesBySeq(ctx context.Context, model string, after, upTo int64, max int) ([]Change, error) {
	res, err := s.read(unbudgeted(ctx), func(tx neo4j.ManagedTransaction) (any, error) {
		return streamChanges(ctx, tx, `MATCH (c:Change {model: $model})
WHERE c.seq > $after AND c.seq <= $upTo
RETURN c {.*} AS c ORDER BY c.seq LIMIT $limit`, map[string]any{"model": model, "after": max64(after, 0), "upTo": upTo, "limit": max})
	})
	if err != nil {
		return nil, fmt.Errorf("changes of %s after seq %d: %w", model, after, err)
	}
	cs, _ := res.([]Change)
	return cs, nil
}

// SeqAtRevision returns the seq of the newest change recorded at or below a revision (0 when
// there is none): where the changes after that revision start.
func (s *Store) SeqAtRevision(ctx context.Context, model string, revision int64) (int64, error) {
	res, err := s.read(unbudgeted(ctx), func(tx neo4j.ManagedTransaction) (any, error) {
		recs, err := run(ctx, tx, `MATCH (c:Change {model: $model})
WHERE c.seq >= 0 AND c.revision <= $revision
RETURN coalesce(max(c.seq), 0) AS seq`, map[string]any{"model": model, "revision": revision})
		if err != nil {
			return nil, err
		}
		seq, err := col[int64](recs[0], "seq")
		return seq, err
	})
	if err != nil {
		return 0, fmt.Errorf("seq of %s at revision %d: %w", model, revision, err)
	}
	return res.(int64), nil
}

func max64(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}
