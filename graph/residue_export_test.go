package graph

import (
	"context"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Residue is what the database holds under one model key, counted straight from the nodes (not
// through the Model node), so that orphans left behind by a deleted model show up.
type Residue struct {
	Model    bool  // a Model node with the key exists
	Elements int   // Element nodes with the key
	Changes  int   // changes the Change nodes with the key hold (a block holds several)
	Seqs     int   // distinct seq values among those changes
	MaxSeq   int64 // the largest seq, 0 when there is none
	// ChangeSeq is the Model node's change counter (0 without a model or without history).
	ChangeSeq int64
	// Older counts Element and Change nodes stamped before the Model node was created: nodes a
	// re-created model inherited from its deleted predecessor.
	Older int
}

// ModelResidue counts what the database holds under key.
func (s *Store) ModelResidue(ctx context.Context, key string) (Residue, error) {
	return readTx(ctx, s, func(tx neo4j.ManagedTransaction) (Residue, error) {
		recs, err := run(ctx, tx, `OPTIONAL MATCH (m:Model {key: $key})
CALL () { MATCH (e:Element {model: $key}) RETURN count(e) AS elements, collect(e.createdAt) AS created }
CALL () { MATCH (c:Change {model: $key}) WHERE c.seq >= 0
  RETURN sum(coalesce(c.last, c.seq) - c.seq + 1) AS changes, count(DISTINCT c.seq) + sum(coalesce(c.last, c.seq) - c.seq) AS seqs,
    coalesce(max(coalesce(c.last, c.seq)), 0) AS maxSeq, collect(c.at) AS at }
RETURN m IS NOT NULL AS model, elements, changes, seqs, maxSeq, coalesce(m.changeSeq, 0) AS changeSeq,
  CASE WHEN m IS NULL THEN 0 ELSE size([t IN created + at WHERE t < m.createdAt]) END AS older`,
			map[string]any{"key": key})
		if err != nil {
			return Residue{}, err
		}
		w := firstRow(recs, "residue")
		n := func(name string) int64 { return get[int64](w, name) }
		res := Residue{Model: must[bool](w, "model"), Elements: int(n("elements")), Changes: int(n("changes")), Seqs: int(n("seqs")),
			MaxSeq: n("maxSeq"), ChangeSeq: n("changeSeq"), Older: int(n("older"))}
		return res, w.Err()
	})
}
