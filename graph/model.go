package graph

import (
	"context"
	"fmt"
	"io"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// ModelSummary is a model with its element counts by kind.
type ModelSummary struct {
	Model
	Elements      int
	Relationships int
	ByKind        map[Kind]int
}

// Models lists every model with its counts, ordered by key.
func (s *Store) Models(ctx context.Context) ([]ModelSummary, error) {
	return s.modelSummaries(ctx, nil)
}

// ModelByKey returns one model with its counts, or ErrNotFound.
func (s *Store) ModelByKey(ctx context.Context, key string) (ModelSummary, error) {
	ms, err := s.modelSummaries(ctx, []string{key})
	if err != nil {
		return ModelSummary{}, err
	}
	if len(ms) == 0 {
		return ModelSummary{}, fmt.Errorf("model %q: %w", key, ErrNotFound)
	}
	return ms[0], nil
}

// modelSummaries reads models (all when keys is nil) with their counts in one round trip.
func (s *Store) modelSummaries(ctx context.Context, keys []string) ([]ModelSummary, error) {
	var keyParam any // nil means every model; a nil slice would be sent as an empty list
	if keys != nil {
		keyParam = keys
	}
	recs, err := readTx(ctx, s, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		return run(ctx, tx, `MATCH (m:Model)
WHERE $keys IS NULL OR m.key IN $keys
CALL (m) {
  MATCH (e:Element {model: m.key})
  WITH e.kind AS kind, count(*) AS n
  RETURN collect([kind, n]) AS byKind
}
CALL (m) {
  MATCH (a:Element {model: m.key})-[r]->()
  RETURN count(r) AS rels
}
RETURN m.key AS key, m.name AS name, m.description AS description, byKind, rels
ORDER BY key`, map[string]any{"keys": keyParam})
	})
	if err != nil {
		return nil, fmt.Errorf("read models: %w", err)
	}
	return rows(recs, "model summaries", func(w *row) ModelSummary {
		m := ModelSummary{Model: modelFrom(w), ByKind: map[Kind]int{}}
		for _, pair := range get[[]any](w, "byKind") {
			kv := tuple(w, "byKind", pair, 2)
			n := int(as[int64](w, "byKind", kv[1]))
			m.ByKind[Kind(as[string](w, "byKind", kv[0]))] = n
			m.Elements += n
		}
		m.Relationships = int(must[int64](w, "rels"))
		return m
	})
}

// modelFrom reads a model from the columns key, name and description.
func modelFrom(w *row) Model {
	return Model{Key: must[string](w, "key"), Name: get[string](w, "name"), Description: get[string](w, "description")}
}

// ExportFile reads a whole model as a model file, elements ordered by key and relationships by
// (from, type, to), so the same graph always exports to the same text.
func (s *Store) ExportFile(ctx context.Context, key string) (*File, error) {
	f, err := readTx(ctx, s, func(tx neo4j.ManagedTransaction) (*File, error) {
		m, found, err := readModel(ctx, tx, key)
		if err != nil {
			return nil, err
		}
		if !found {
			return nil, fmt.Errorf("model %q: %w", key, ErrNotFound)
		}
		f := &File{Model: m}
		if f.Elements, err = readElements(ctx, tx, key); err != nil {
			return nil, err
		}
		for i := range f.Elements {
			f.Elements[i].nodeID = ""
		}
		if f.Relationships, err = readRelationships(ctx, tx, key); err != nil {
			return nil, err
		}
		return f, nil
	})
	if err != nil {
		return nil, fmt.Errorf("export %s: %w", key, err)
	}
	return f, nil
}

// Export writes a model as a model file in the given format.
func (s *Store) Export(ctx context.Context, w io.Writer, key string, format Format) error {
	f, err := s.ExportFile(ctx, key)
	if err != nil {
		return err
	}
	return Encode(w, f, format)
}

// DeleteModel removes a model and all its elements, relationships and history in one
// transaction, holding the model's write lock.
func (s *Store) DeleteModel(ctx context.Context, key string) error {
	_, err := writeTx(ctx, s, func(tx neo4j.ManagedTransaction) (struct{}, error) {
		// The lock first, like every other write: a write that commits after it finds no model,
		// and none committed before it is missed by the deletes below.
		if err := requireModelLocked(ctx, tx, key); err != nil {
			return struct{}{}, err
		}
		if _, err := run(ctx, tx, "MATCH (e:Element {model: $key}) DETACH DELETE e", map[string]any{"key": key}); err != nil {
			return struct{}{}, err
		}
		if _, err := run(ctx, tx, "MATCH (c:Change {model: $key}) WHERE c.seq >= 0 DELETE c", map[string]any{"key": key}); err != nil {
			return struct{}{}, err
		}
		_, err := run(ctx, tx, "MATCH (m:Model {key: $key}) DETACH DELETE m", map[string]any{"key": key})
		return struct{}{}, err
	})
	if err != nil {
		return fmt.Errorf("delete model %s: %w", key, err)
	}
	return nil
}

// ListModels lists every model without counting its contents (cheap), ordered by key.
func (s *Store) ListModels(ctx context.Context) ([]Model, error) {
	return s.models(ctx, nil)
}

// Model returns one model without its counts, or ErrNotFound.
func (s *Store) Model(ctx context.Context, key string) (Model, error) {
	ms, err := s.models(ctx, []string{key})
	if err != nil {
		return Model{}, err
	}
	if len(ms) == 0 {
		return Model{}, fmt.Errorf("model %q: %w", key, ErrNotFound)
	}
	return ms[0], nil
}

func (s *Store) models(ctx context.Context, keys []string) ([]Model, error) {
	var keyParam any
	if keys != nil {
		keyParam = keys
	}
	recs, err := readTx(ctx, s, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		return run(ctx, tx, `MATCH (m:Model) WHERE $keys IS NULL OR m.key IN $keys
RETURN m.key AS key, m.name AS name, m.description AS description ORDER BY key`, map[string]any{"keys": keyParam})
	})
	if err != nil {
		return nil, fmt.Errorf("read models: %w", err)
	}
	return rows(recs, "models", modelFrom)
}

// ModelCounts counts the elements (by kind) and relationships of several models in one round
// trip.
func (s *Store) ModelCounts(ctx context.Context, keys []string) (map[string]ModelSummary, error) {
	ms, err := s.modelSummaries(ctx, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[string]ModelSummary, len(ms))
	for _, m := range ms {
		out[m.Key] = m
	}
	return out, nil
}
