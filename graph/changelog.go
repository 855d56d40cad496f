package graph

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// The change log of a model is stored as Change nodes of two forms (docs/editing.md):
//   - a record of one change, with the change's own fields;
//   - a block of the consecutive changes of one write: the fields the changes share (model,
//     revision, at, actor), seq (the first change's) and last (the last change's), elements
//     (every element key the changes touch) and items, a JSON array of the changes' own fields,
//     gzip-compressed (the after-states of an import's creations repeat their field names).
//
// A write of several changes stores them as blocks of at most changeBlock changes, one node each;
// a write of one change stores a record. Every reader expands a block into the per-change
// property maps (expandChange) that records of the same changes hold, so the two forms answer
// the same. A query along the (model, seq) index reaches a block holding seq n from seq n minus
// changeBlock on.

// changeBlock is the most changes one block holds. A reader that needs one change of a block
// decompresses all of it, so blocks are kept small: a 100k import still makes 4,304 nodes instead
// of 430,398 records, and a reader of one change expands at most 100.
const changeBlock = 100

// blockItem is one change in a block's items: the fields a record of it holds besides the shared
// ones, before and after as the JSON text a record holds.
type blockItem struct {
	Operation string   `json:"o"`
	Target    string   `json:"t"`
	Key       string   `json:"k"`
	Elements  []string `json:"e,omitempty"`
	Before    *string  `json:"b,omitempty"`
	After     *string  `json:"a,omitempty"`
}

// changeStats counts what writeChangeLog stores.
type changeStats struct{ records, blocks int }

// writeChangeLog stores changes, numbered from seq first on, under one revision of model.
func writeChangeLog(ctx context.Context, tx neo4j.ManagedTransaction, model string, revision, first int64, now time.Time, actor string, changes []Change) error {
	if len(changes) == 1 {
		c := changes[0]
		_, err := run(ctx, tx, `CREATE (:Change {model: $model, revision: $revision, seq: $seq, at: $now, actor: $actor,
  operation: $op, target: $target, key: $key, elements: $elements, before: $before, after: $after})`,
			map[string]any{"model": model, "revision": revision, "seq": first, "now": now, "actor": actor,
				"op": c.Operation, "target": c.Target, "key": c.Key, "elements": c.Elements,
				"before": jsonText(c.Before), "after": jsonText(c.After)})
		return err
	}
	rows, err := blockRows(changes, first)
	if err != nil {
		return err
	}
	_, err = run(ctx, tx, `UNWIND $rows AS b
CREATE (:Change {model: $model, revision: $revision, seq: b.seq, last: b.last, at: $now, actor: $actor,
  elements: b.elements, items: b.items})`,
		map[string]any{"rows": rows, "model": model, "revision": revision, "now": now, "actor": actor})
	return err
}

// blockRows are the query rows of the blocks holding changes numbered from first on.
func blockRows(changes []Change, first int64) ([]map[string]any, error) {
	var rows []map[string]any
	for start := 0; start < len(changes); start += changeBlock {
		part := changes[start:min(start+changeBlock, len(changes))]
		items := make([]blockItem, len(part))
		var elements []string
		seen := map[string]bool{}
		for i, c := range part {
			items[i] = blockItem{Operation: c.Operation, Target: c.Target, Key: c.Key, Elements: c.Elements,
				Before: textPtr(jsonText(c.Before)), After: textPtr(jsonText(c.After))}
			for _, e := range c.Elements {
				if !seen[e] {
					seen[e] = true
					elements = append(elements, e)
				}
			}
		}
		b, err := packItems(items)
		if err != nil {
			return nil, fmt.Errorf("record changes: %w", err)
		}
		if elements == nil {
			elements = []string{}
		}
		seq := first + int64(start)
		rows = append(rows, map[string]any{"seq": seq, "last": seq + int64(len(part)) - 1, "elements": elements, "items": b})
	}
	return rows, nil
}

// packItems is a block's items as stored: JSON, gzip-compressed.
func packItems(items []blockItem) ([]byte, error) {
	var b bytes.Buffer
	z, err := gzip.NewWriterLevel(&b, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if err := json.NewEncoder(z).Encode(items); err != nil {
		return nil, err
	}
	if err := z.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// unpackItems decodes a block's stored items.
func unpackItems(packed []byte) ([]blockItem, error) {
	z, err := gzip.NewReader(bytes.NewReader(packed))
	if err != nil {
		return nil, err
	}
	defer z.Close()
	var items []blockItem
	if err := json.NewDecoder(z).Decode(&items); err != nil {
		return nil, err
	}
	return items, nil
}

func textPtr(v any) *string {
	if s, ok := v.(string); ok {
		return &s
	}
	return nil
}

// errBadBlock: a block's items do not decode.
var errBadBlock = errors.New("a change block does not decode")

// expandChange returns the per-change property maps a Change node holds: the node's own for a
// record, one per change for a block, in seq order.
func expandChange(p map[string]any) ([]map[string]any, error) {
	packed, ok := p["items"]
	if !ok || packed == nil {
		return []map[string]any{p}, nil
	}
	b, ok := packed.([]byte)
	if !ok {
		return nil, fmt.Errorf("%w: change %v of model %s: items are a %T, not bytes", errBadBlock, p["seq"], str(p["model"]), packed)
	}
	items, err := unpackItems(b)
	if err != nil {
		return nil, fmt.Errorf("%w: change %v of model %s: %v", errBadBlock, p["seq"], str(p["model"]), err)
	}
	first, _ := p["seq"].(int64)
	out := make([]map[string]any, len(items))
	for i, it := range items {
		c := make(map[string]any, len(p)+4)
		for k, v := range p {
			switch k {
			case "items", "last", "elements":
			default:
				c[k] = v
			}
		}
		c["seq"] = first + int64(i)
		c["operation"], c["target"], c["key"] = it.Operation, it.Target, it.Key
		if it.Elements != nil {
			es := make([]any, len(it.Elements))
			for j, e := range it.Elements {
				es[j] = e
			}
			c["elements"] = es
		}
		if it.Before != nil {
			c["before"] = *it.Before
		}
		if it.After != nil {
			c["after"] = *it.After
		}
		out[i] = c
	}
	return out, nil
}

// errStopStream ends a stream early; the callers that return it take it for success.
var errStopStream = errors.New("enough read")

// streamChanges runs a query returning Change nodes' properties as c, in seq order, and returns
// the changes they hold that keep admits, at most limit of them.
func streamChanges(ctx context.Context, tx neo4j.ManagedTransaction, cypher string, params map[string]any, keep func(map[string]any) bool, limit int) ([]Change, error) {
	var out []Change
	err := stream(ctx, tx, cypher, params, func(r *neo4j.Record) error {
		w := rowOf(r, "changes")
		c := must[map[string]any](w, "c")
		if err := w.Err(); err != nil {
			return err
		}
		ps, err := expandChange(c)
		if err != nil {
			return err
		}
		for _, p := range ps {
			if len(out) >= limit {
				return errStopStream
			}
			if keep(p) {
				out = append(out, changeFromProps(p))
			}
		}
		if len(out) >= limit {
			return errStopStream
		}
		return nil
	})
	if errors.Is(err, errStopStream) {
		err = nil
	}
	return out, err
}

// newestChanges expands Change nodes read newest first into their changes that keep admits,
// newest first, at most limit of them.
func newestChanges(nodes []map[string]any, keep func(map[string]any) bool, limit int) ([]Change, error) {
	return newestChangesOnce(nodes, keep, limit, nil)
}

// newestChangesOnce is newestChanges with the blocks already expanded by seq in seen, which it
// adds to: a reader that expands the same block for several keys expands it once. It stops
// expanding once it has limit changes.
func newestChangesOnce(nodes []map[string]any, keep func(map[string]any) bool, limit int, seen map[int64][]map[string]any) ([]Change, error) {
	var out []Change
	for _, v := range nodes {
		if len(out) >= limit {
			break
		}
		ps, err := expandSeen(v, seen)
		if err != nil {
			return nil, err
		}
		for i := len(ps) - 1; i >= 0 && len(out) < limit; i-- {
			if keep(ps[i]) {
				out = append(out, changeFromProps(ps[i]))
			}
		}
	}
	return out, nil
}

// expandSeen is expandChange, remembering a block's expansion in seen (when not nil) by its
// first seq.
func expandSeen(p map[string]any, seen map[int64][]map[string]any) ([]map[string]any, error) {
	if _, block := p["items"]; !block || seen == nil {
		return expandChange(p)
	}
	seq, _ := p["seq"].(int64)
	if ps, ok := seen[seq]; ok {
		return ps, nil
	}
	ps, err := expandChange(p)
	if err == nil {
		seen[seq] = ps
	}
	return ps, err
}

// touches reports whether a change's properties list element among its elements.
func touches(p map[string]any, element string) bool {
	es, _ := p["elements"].([]any)
	for _, e := range es {
		if e == element {
			return true
		}
	}
	return false
}
