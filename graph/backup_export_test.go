package graph

import (
	"context"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// RawModel reads everything the store holds for a model, as the database holds it: the model
// node's properties, every element's labels and properties, every relationship, every change record
// and every scenario with its items, each list in a fixed order. Tests compare two stores with it.
func RawModel(ctx context.Context, s *Store, key string) (map[string]any, error) {
	recs, err := readTx(ctx, s, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		return run(ctx, tx, `MATCH (m:Model {key: $key})
CALL (m) { MATCH (e:Element {model: m.key}) WITH e ORDER BY e.key RETURN collect({labels: labels(e), p: properties(e)}) AS elements }
CALL (m) { MATCH (a:Element {model: m.key})-[r]->(b:Element {model: m.key}) WITH a, r, b ORDER BY a.key, type(r), b.key
  RETURN collect([a.key, type(r), b.key, properties(r)]) AS rels }
CALL (m) { MATCH (c:Change {model: m.key}) WITH c ORDER BY c.seq RETURN collect(properties(c)) AS changes }
CALL (m) { MATCH (s:Scenario {base: m.key}) WITH s ORDER BY s.key
  CALL (s) { MATCH (i:ScenarioItem {scenario: s.key}) WITH i ORDER BY i.target, i.key RETURN collect(properties(i)) AS items }
  RETURN collect({p: properties(s), items: items}) AS scenarios }
RETURN {model: properties(m), labels: labels(m), elements: elements, rels: rels, changes: changes, scenarios: scenarios} AS raw`, map[string]any{"key": key})
	})
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, nil
	}
	w := rowOf(recs[0], "raw model")
	raw := must[map[string]any](w, "raw")
	if err := w.Err(); err != nil {
		return nil, err
	}
	// Changes are compared one by one, whether they are stored as records or in blocks.
	var changes []any
	stored, _ := raw["changes"].([]any)
	for _, c := range stored {
		cm, _ := c.(map[string]any)
		ps, err := expandChange(cm)
		if err != nil {
			return nil, err
		}
		for _, p := range ps {
			changes = append(changes, p)
		}
	}
	raw["changes"] = changes
	return raw, nil
}

// EncodeValue and DecodeValue expose the backup's value encoding to tests.
var (
	EncodeValue = encodeValue
	DecodeValue = decodeValue
)
