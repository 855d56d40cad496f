package graph

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// A backup is a gzip stream of JSON lines, one record a line, so that neither writing nor reading
// one holds a large model in memory:
//
//	{"t":"header","format":"modelgraph-backup","version":1,"created":"..."}
//	{"t":"model","key":"k","p":{...}}            the model node's properties
//	{"t":"element","p":{...}}                    one per element, ordered by key
//	{"t":"relationship","from":"a","type":"T","to":"b","p":{...}}
//	{"t":"change","p":{...}}                     one per history record, ordered by seq
//	{"t":"scenario","p":{...}}                   one per scenario of the model, ordered by key
//	{"t":"scenarioItem","p":{...}}               one per scenario item, by scenario, target, key
//	{"t":"modelEnd","key":"k","counts":{...}}    what the model's lines held
//	{"t":"end","counts":{...}}                   totals; a file without it is truncated
//
// Properties are copied as the store holds them (timestamps, versions, revision counters and the
// history's before and after states included), so a restore gives the same graph and the same
// revisions. A value JSON cannot tell apart is tagged: a float always has a decimal point or an
// exponent, {"$float":"NaN"} for the non-finite ones, {"$datetime":RFC 3339,"$zone":name} for a
// time.

// BackupFormat names the format in a backup's header; BackupVersion is the version written.
const (
	BackupFormat  = "modelgraph-backup"
	BackupVersion = 1
)

// Record types of a backup line.
const (
	recHeader   = "header"
	recModel    = "model"
	recElement  = "element"
	recRel      = "relationship"
	recChange   = "change"
	recScenario = "scenario"
	recItem     = "scenarioItem"
	recModelEnd = "modelEnd"
	recEnd      = "end"
)

// BackupCounts counts what a backup holds, in total or for one model.
type BackupCounts struct {
	Models        int `json:"models,omitempty"`
	Elements      int `json:"elements"`
	Relationships int `json:"relationships"`
	Changes       int `json:"changes"`
	Scenarios     int `json:"scenarios,omitempty"`
	ScenarioItems int `json:"scenarioItems,omitempty"`
}

func (c *BackupCounts) add(o BackupCounts) {
	c.Models += o.Models
	c.Elements += o.Elements
	c.Relationships += o.Relationships
	c.Changes += o.Changes
	c.Scenarios += o.Scenarios
	c.ScenarioItems += o.ScenarioItems
}

// backupLine is one line of a backup.
type backupLine struct {
	T       string         `json:"t"`
	Format  string         `json:"format,omitempty"`
	Version int            `json:"version,omitempty"`
	Created string         `json:"created,omitempty"`
	Key     string         `json:"key,omitempty"`
	From    string         `json:"from,omitempty"`
	Type    string         `json:"type,omitempty"`
	To      string         `json:"to,omitempty"`
	P       map[string]any `json:"p,omitempty"`
	Counts  *BackupCounts  `json:"counts,omitempty"`
}

// BackupOptions select what a backup holds.
type BackupOptions struct {
	// Models are the keys of the models to back up; none means every model.
	Models []string
}

// BackupReport says what a backup wrote.
type BackupReport struct {
	BackupCounts
	// Revisions is the revision each model was read at.
	Revisions map[string]int64
	// Gone are models listed at the start that were deleted before their turn.
	Gone []string
}

// Backup writes every model (or the selected ones) with its elements, relationships, whole
// history and scenarios to w. Each model is read in its own transaction that holds the write
// locks of the model and of its scenarios, so each is copied exactly as it stood at one revision:
// writes to that model wait for its read, writes to the others go on. Models are independent (no relationship crosses two), so the
// backup restores to a consistent store, each model at the revision the report gives. API tokens
// are not part of a backup. A failure leaves w without the final line, which a restore refuses.
func (s *Store) Backup(ctx context.Context, w io.Writer, opt BackupOptions) (*BackupReport, error) {
	keys := opt.Models
	if len(keys) == 0 {
		ms, err := s.ListModels(ctx)
		if err != nil {
			return nil, fmt.Errorf("backup: %w", err)
		}
		for _, m := range ms {
			keys = append(keys, m.Key)
		}
	}
	gz := gzip.NewWriter(w)
	enc := json.NewEncoder(gz)
	enc.SetEscapeHTML(false)
	rep := &BackupReport{Revisions: map[string]int64{}}
	if err := enc.Encode(backupLine{T: recHeader, Format: BackupFormat, Version: BackupVersion, Created: time.Now().UTC().Format(time.RFC3339)}); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	for _, key := range keys {
		c, rev, err := s.backupModel(ctx, enc, key)
		if errNotFoundModel(err) && len(opt.Models) == 0 {
			rep.Gone = append(rep.Gone, key)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("backup of model %s: %w", key, err)
		}
		rep.add(c)
		rep.Models++
		rep.Revisions[key] = rev
	}
	if err := enc.Encode(backupLine{T: recEnd, Counts: &rep.BackupCounts}); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	if err := gz.Close(); err != nil {
		return nil, fmt.Errorf("backup: %w", err)
	}
	return rep, nil
}

// errNotFoundModel reports a model that is not (or no longer) there.
func errNotFoundModel(err error) bool {
	_, ok := err.(notFoundModel)
	return ok
}

type notFoundModel struct{ key string }

func (e notFoundModel) Error() string        { return fmt.Sprintf("model %q: %v", e.key, ErrNotFound) }
func (e notFoundModel) Is(target error) bool { return target == ErrNotFound }

// backupModel copies one model under its write lock. The transaction writes nothing; it is rolled
// back, which releases the lock. It is not retried: lines already written cannot be taken back.
func (s *Store) backupModel(ctx context.Context, enc *json.Encoder, key string) (BackupCounts, int64, error) {
	var c BackupCounts
	sess := s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(ctx)
	tx, err := sess.BeginTransaction(ctx, txTimeout(ctx)...)
	if err != nil {
		return c, 0, mapCtxErr(ctx, err)
	}
	defer tx.Close(ctx)
	found, err := lockModel(ctx, tx, key)
	if err != nil {
		return c, 0, mapCtxErr(ctx, err)
	}
	if !found {
		return c, 0, notFoundModel{key}
	}
	recs, err := run(ctx, tx, "MATCH (m:Model {key: $key}) RETURN properties(m) AS p", map[string]any{"key": key})
	if err != nil {
		return c, 0, mapCtxErr(ctx, err)
	}
	w := firstRow(recs, "backup model")
	mp := must[map[string]any](w, "p")
	if err := w.Err(); err != nil {
		return c, 0, err
	}
	rev, _ := mp["revision"].(int64)
	if err := writeRecord(enc, backupLine{T: recModel, Key: key}, mp, "model "+key); err != nil {
		return c, 0, err
	}
	p := map[string]any{"model": key}
	err = stream(ctx, tx, "MATCH (e:Element {model: $model}) RETURN properties(e) AS p ORDER BY e.key", p, func(r *neo4j.Record) error {
		w := rowOf(r, "backup elements")
		ep := must[map[string]any](w, "p")
		if err := w.Err(); err != nil {
			return err
		}
		c.Elements++
		return writeRecord(enc, backupLine{T: recElement}, ep, "element "+str(ep["key"]))
	})
	if err != nil {
		return c, 0, mapCtxErr(ctx, err)
	}
	err = stream(ctx, tx, `MATCH (a:Element {model: $model})-[r]->(b:Element {model: $model})
RETURN a.key AS from, type(r) AS type, b.key AS to, properties(r) AS p ORDER BY from, type, to`, p, func(r *neo4j.Record) error {
		w := rowOf(r, "backup relationships")
		l := backupLine{T: recRel, From: must[string](w, "from"), Type: must[string](w, "type"), To: must[string](w, "to")}
		rp := get[map[string]any](w, "p")
		if err := w.Err(); err != nil {
			return err
		}
		c.Relationships++
		return writeRecord(enc, l, rp, "relationship "+l.From+" -"+l.Type+"-> "+l.To)
	})
	if err != nil {
		return c, 0, mapCtxErr(ctx, err)
	}
	// Records above the model's changeSeq belong to a staged import that has not switched in
	// (or never will); the history ends at changeSeq.
	err = stream(ctx, tx, `MATCH (m:Model {key: $model}) MATCH (c:Change {model: $model}) WHERE c.seq <= coalesce(m.changeSeq, 0)
RETURN properties(c) AS p ORDER BY c.seq`, p, func(r *neo4j.Record) error {
		w := rowOf(r, "backup changes")
		cp := must[map[string]any](w, "p")
		if err := w.Err(); err != nil {
			return err
		}
		cps, err := expandChange(cp)
		if err != nil {
			return err
		}
		for _, cp := range cps {
			c.Changes++
			if err := writeRecord(enc, backupLine{T: recChange}, cp, "change "+str(cp["seq"])); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return c, 0, mapCtxErr(ctx, err)
	}
	if err := backupScenarios(ctx, tx, enc, key, &c); err != nil {
		return c, 0, mapCtxErr(ctx, err)
	}
	if err := enc.Encode(backupLine{T: recModelEnd, Key: key, Counts: &c}); err != nil {
		return c, 0, err
	}
	return c, rev, tx.Rollback(ctx)
}

// backupScenarios copies the scenarios of a model and their items, locking the scenarios first as
// their writes do.
func backupScenarios(ctx context.Context, tx neo4j.ManagedTransaction, enc *json.Encoder, key string, c *BackupCounts) error {
	scs, err := run(ctx, tx, `MATCH (s:Scenario {base: $model}) SET s.lock = true REMOVE s.lock
RETURN s.key AS key, properties(s) AS p ORDER BY key`, map[string]any{"model": key})
	if err != nil {
		return err
	}
	for _, r := range scs {
		w := rowOf(r, "backup scenarios")
		sk, sp := must[string](w, "key"), must[map[string]any](w, "p")
		if err := w.Err(); err != nil {
			return err
		}
		c.Scenarios++
		if err := writeRecord(enc, backupLine{T: recScenario}, sp, "scenario "+sk); err != nil {
			return err
		}
		err := stream(ctx, tx, `MATCH (i:ScenarioItem {scenario: $key}) RETURN properties(i) AS p ORDER BY i.target, i.key`,
			map[string]any{"key": sk}, func(r *neo4j.Record) error {
				w := rowOf(r, "backup scenario items")
				ip := must[map[string]any](w, "p")
				if err := w.Err(); err != nil {
					return err
				}
				c.ScenarioItems++
				return writeRecord(enc, backupLine{T: recItem}, ip, "item of scenario "+sk)
			})
		if err != nil {
			return err
		}
	}
	return nil
}

// writeRecord encodes props (which must be of types a backup carries) into l and writes it.
func writeRecord(enc *json.Encoder, l backupLine, props map[string]any, what string) error {
	if len(props) > 0 {
		l.P = make(map[string]any, len(props))
		for k, v := range props {
			ev, err := encodeValue(v)
			if err != nil {
				return fmt.Errorf("%s, property %s: %w", what, k, err)
			}
			l.P[k] = ev
		}
	}
	return enc.Encode(l)
}

// encodeValue turns a property value into JSON that decodeValue turns back into the same value.
func encodeValue(v any) (any, error) {
	switch x := v.(type) {
	case string, bool, int64:
		return x, nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return map[string]any{"$float": strconv.FormatFloat(x, 'g', -1, 64)}, nil
		}
		s := strconv.FormatFloat(x, 'g', -1, 64)
		if !strings.ContainsAny(s, ".eE") {
			s += ".0"
		}
		return json.Number(s), nil
	case time.Time:
		zone, _ := x.Zone()
		return map[string]any{"$datetime": x.Format(time.RFC3339Nano), "$zone": zone}, nil
	case []any:
		out := make([]any, len(x))
		for i, y := range x {
			ey, err := encodeValue(y)
			if err != nil {
				return nil, err
			}
			out[i] = ey
		}
		return out, nil
	}
	return nil, fmt.Errorf("%w: a value of type %T cannot be backed up", ErrInvalid, v)
}

// decodeValue is the inverse of encodeValue for a value read with json.Decoder.UseNumber.
func decodeValue(v any) (any, error) {
	switch x := v.(type) {
	case string, bool:
		return x, nil
	case json.Number:
		if strings.ContainsAny(string(x), ".eE") {
			return strconv.ParseFloat(string(x), 64)
		}
		return strconv.ParseInt(string(x), 10, 64)
	case []any:
		out := make([]any, len(x))
		for i, y := range x {
			dy, err := decodeValue(y)
			if err != nil {
				return nil, err
			}
			out[i] = dy
		}
		return out, nil
	case map[string]any:
		return decodeTagged(x)
	}
	return nil, fmt.Errorf("a %s is not a property value", jsonTypeName(v))
}

func decodeTagged(m map[string]any) (any, error) {
	if f, ok := m["$float"].(string); ok && len(m) == 1 {
		return strconv.ParseFloat(f, 64)
	}
	dt, ok1 := m["$datetime"].(string)
	zone, ok2 := m["$zone"].(string)
	if !ok1 || !ok2 || len(m) != 2 {
		return nil, fmt.Errorf("an object is not a property value unless it is a tagged float or datetime")
	}
	t, err := time.Parse(time.RFC3339Nano, dt)
	if err != nil {
		return nil, err
	}
	_, off := t.Zone()
	// The driver reads a time with a zone name in that zone, and one with only an offset in a
	// fixed zone named "Offset": give it back the same way, so it is written back the same way.
	if zone != "Offset" {
		if loc, err := time.LoadLocation(zone); err == nil {
			return t.In(loc), nil
		}
	}
	return t.In(time.FixedZone(zone, off)), nil
}

func jsonTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case map[string]any:
		return "object"
	}
	return "value of this kind"
}
