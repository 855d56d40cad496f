package graph

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// ImportMode says what happens to what a model already holds and a file lacks.
type ImportMode string

// Import modes.
const (
	// Merge upserts the file's elements and relationships and keeps everything else.
	Merge ImportMode = "MERGE"
	// Replace makes the model exactly the file: what the file lacks is deleted.
	Replace ImportMode = "REPLACE"
)

// ImportOptions tune one import.
type ImportOptions struct {
	Mode   ImportMode // default Merge
	DryRun bool       // report what would change, write nothing
	Limits Limits
	// NoHistory skips recording the changes, for bulk loads. The import is still all or
	// nothing, and still gives the model a new revision.
	NoHistory bool
	// OnProgress, when set, is called after each batch a large (staged) import writes, with the
	// counts so far; calls never overlap. Small imports, written in one transaction, report
	// nothing before they are done.
	OnProgress func(ImportProgress)
}

// ImportReport counts what an import changed (or, for a dry run, would change).
type ImportReport struct {
	Model                string
	DryRun               bool
	ModelCreated         bool
	Created, Updated     int
	Unchanged, Deleted   int
	RelCreated           int
	RelUpdated           int
	RelUnchanged         int
	RelDeleted           int
	Problems             []Problem
	ElementsWritten      int
	RelationshipsWritten int
}

// Changed reports whether the import changed anything.
func (r *ImportReport) Changed() bool {
	return r.ModelCreated || r.Created+r.Updated+r.Deleted+r.RelCreated+r.RelUpdated+r.RelDeleted > 0
}

// batchSize bounds the rows sent in one UNWIND so a large import does not build one huge query.
const batchSize = 5000

// Import validates f and writes it, all or nothing: readers see the model as it was until the
// import commits, and as the file makes it afterwards. A file of fewer than stageThreshold
// elements and relationships is written in one transaction; a larger one is staged (stage.go):
// written in batches that no reader sees, then switched in by one small transaction. An invalid
// file returns a *ValidationError (matching ErrInvalid) with every problem and writes nothing.
// Importing the same file twice changes nothing the second time.
func (s *Store) Import(ctx context.Context, f *File, opt ImportOptions) (*ImportReport, error) {
	if opt.Mode == "" {
		opt.Mode = Merge
	}
	if opt.Mode != Merge && opt.Mode != Replace {
		return nil, invalid("options", "", "mode", fmt.Sprintf("unknown import mode %q; use MERGE or REPLACE", opt.Mode))
	}
	if ps := Validate(f, opt.Limits); len(ps) > 0 {
		return &ImportReport{Model: f.Model.Key, DryRun: opt.DryRun, Problems: ps}, &ValidationError{Problems: ps}
	}
	if !opt.DryRun && len(f.Elements)+len(f.Relationships) >= stageThreshold {
		rep, err := s.importStaged(ctx, f, opt)
		if err != nil {
			return rep, fmt.Errorf("import %s: %w", f.Model.Key, err)
		}
		importWritten(rep)
		return rep, nil
	}
	work := func(tx neo4j.ManagedTransaction) (*ImportReport, error) {
		return s.importTx(ctx, tx, f, opt)
	}
	tx := writeTx[*ImportReport]
	if opt.DryRun {
		tx = readTx[*ImportReport]
	}
	rep, err := tx(ctx, s, work)
	if err != nil {
		return rep, fmt.Errorf("import %s: %w", f.Model.Key, err)
	}
	importWritten(rep)
	return rep, nil
}

// plan is the difference between a file and what the model holds.
type plan struct {
	rep         *ImportReport
	writeElems  []Element
	oldElems    map[string]Element
	deleteElems []string
	writeRels   []Relationship
	deleteRels  []Relationship
	modelWrite  bool
	changes     []Change
	// existingRels are the IDs of the relationships the model holds before the import.
	existingRels map[string]bool
}

func (s *Store) importTx(ctx context.Context, tx neo4j.ManagedTransaction, f *File, opt ImportOptions) (*ImportReport, error) {
	// A dry run reads without locking; an import locks the model, creating its node when it is
	// missing so that a concurrent import or createModel of the same key waits for this one.
	created := false
	if !opt.DryRun {
		var err error
		if created, err = lockOrCreateModel(ctx, tx, f.Model.Key); err != nil {
			return nil, err
		}
	}
	p, err := s.plan(ctx, tx, f, opt, created)
	if err != nil {
		return nil, err
	}
	if len(p.rep.Problems) > 0 {
		return p.rep, &ValidationError{Problems: p.rep.Problems}
	}
	if opt.DryRun || !p.rep.Changed() && !p.modelWrite {
		return p.rep, nil
	}
	now := time.Now().UTC()
	if err := writeModel(ctx, tx, f.Model, now); err != nil {
		return nil, err
	}
	if err := deleteRels(ctx, tx, f.Model.Key, p.deleteRels); err != nil {
		return nil, err
	}
	if err := deleteElements(ctx, tx, f.Model.Key, p.deleteElems); err != nil {
		return nil, err
	}
	ids, err := writeElements(ctx, tx, f.Model.Key, p.writeElems, p.oldElems, now)
	if err != nil {
		return nil, err
	}
	if failAfterElements {
		return nil, errInjected
	}
	// A new relationship may join elements the file leaves unchanged: find those by node id too.
	for k, o := range p.oldElems {
		if _, ok := ids[k]; !ok {
			ids[k] = o.nodeID
		}
	}
	if err := writeRels(ctx, tx, p.writeRels, p.existingRels, ids); err != nil {
		return nil, err
	}
	if !opt.NoHistory {
		if err := record(ctx, tx, f.Model.Key, now, p.changes); err != nil {
			return nil, err
		}
	} else {
		if err := refuseWhileStaged(ctx, tx, f.Model.Key); err != nil {
			return nil, err
		}
		if err := bumpUnrecorded(ctx, tx, f.Model.Key); err != nil {
			return nil, err
		}
	}
	p.rep.ElementsWritten = len(p.writeElems)
	p.rep.RelationshipsWritten = len(p.writeRels)
	return p.rep, nil
}

// plan compares the file with the model; created says the model node was just made by this
// transaction (it holds nothing yet).
func (s *Store) plan(ctx context.Context, tx neo4j.ManagedTransaction, f *File, opt ImportOptions, created bool) (*plan, error) {
	key := f.Model.Key
	p := &plan{rep: &ImportReport{Model: key, DryRun: opt.DryRun}, oldElems: map[string]Element{}}
	old, found, err := readModel(ctx, tx, key)
	if err != nil {
		return nil, err
	}
	found = found && !created
	p.rep.ModelCreated = !found
	p.modelWrite = !found || old.Name != f.Model.Name || old.Description != f.Model.Description
	switch {
	case !found:
		p.changes = append(p.changes, modelChange(OpCreate, nil, &f.Model))
	case p.modelWrite:
		p.changes = append(p.changes, modelChange(OpUpdate, &old, &f.Model))
	}
	elems, err := readElements(ctx, tx, key)
	if err != nil {
		return nil, err
	}
	for _, e := range elems {
		p.oldElems[e.Key] = e
	}
	inFile := make(map[string]Kind, len(f.Elements))
	for i := range f.Elements {
		e := &f.Elements[i]
		inFile[e.Key] = e.Kind
		o, ok := p.oldElems[e.Key]
		switch {
		case !ok:
			p.rep.Created++
			p.writeElems = append(p.writeElems, *e)
			after := *e
			after.Version = 1
			p.changes = append(p.changes, elementChange(OpCreate, nil, &after))
		case !sameElement(&o, e):
			p.rep.Updated++
			p.writeElems = append(p.writeElems, *e)
			after := *e
			after.Version = o.Version + 1
			p.changes = append(p.changes, elementChange(OpUpdate, &o, &after))
		default:
			p.rep.Unchanged++
		}
	}
	if opt.Mode == Replace {
		for i := range elems {
			if _, ok := inFile[elems[i].Key]; !ok {
				p.deleteElems = append(p.deleteElems, elems[i].Key)
				p.changes = append(p.changes, elementChange(OpDelete, &elems[i], nil))
			}
		}
		p.rep.Deleted = len(p.deleteElems)
	}
	rels, err := readRelationships(ctx, tx, key)
	if err != nil {
		return nil, err
	}
	p.planRels(f, rels, inFile, opt.Mode)
	return p, nil
}

func (p *plan) planRels(f *File, existing []Relationship, inFile map[string]Kind, mode ImportMode) {
	old := make(map[string]Relationship, len(existing))
	p.existingRels = make(map[string]bool, len(existing))
	for _, r := range existing {
		old[r.ID()] = r
		p.existingRels[r.ID()] = true
	}
	fileIDs := make(map[string]bool, len(f.Relationships))
	for i := range f.Relationships {
		r := f.Relationships[i]
		fileIDs[r.ID()] = true
		o, ok := old[r.ID()]
		switch {
		case !ok:
			p.rep.RelCreated++
			p.writeRels = append(p.writeRels, r)
			p.changes = append(p.changes, relChange(OpCreate, nil, &r))
		case !sameProps(props(o.Properties), props(r.Properties)):
			p.rep.RelUpdated++
			p.writeRels = append(p.writeRels, r)
			p.changes = append(p.changes, relChange(OpUpdate, &o, &r))
		default:
			p.rep.RelUnchanged++
		}
	}
	for i := range existing {
		r := existing[i]
		if fileIDs[r.ID()] {
			continue
		}
		if mode == Replace {
			p.deleteRels = append(p.deleteRels, r)
			p.rep.RelDeleted++
			p.changes = append(p.changes, relChange(OpDelete, &r, nil))
			continue
		}
		// Merge keeps relationships the file does not mention; a kind changed by the file must
		// still allow them.
		fk, fok := kindAfter(r.From, inFile, p.oldElems)
		tk, tok := kindAfter(r.To, inFile, p.oldElems)
		if fok && tok && !Allowed(r.Type, fk, tk) {
			p.rep.Problems = append(p.rep.Problems, Problem{Path: "model", Key: r.ID(), Field: "type",
				Reason: "existing relationship would become invalid: " + disallowedReason(r.Type, fk, tk) + "; add it to the file as it should be, or import with mode REPLACE"})
		}
	}
}

func kindAfter(key string, inFile map[string]Kind, old map[string]Element) (Kind, bool) {
	if k, ok := inFile[key]; ok {
		return k, true
	}
	e, ok := old[key]
	return e.Kind, ok
}

func readModel(ctx context.Context, tx neo4j.ManagedTransaction, key string) (Model, bool, error) {
	recs, err := run(ctx, tx, "MATCH (m:Model {key: $key}) RETURN m.key AS key, m.name AS name, m.description AS description", map[string]any{"key": key})
	if err != nil || len(recs) == 0 {
		return Model{}, false, err
	}
	w := rowOf(recs[0], "model")
	m := modelFrom(w)
	return m, w.Err() == nil, w.Err()
}

// readElements reads a model's elements ordered by key, with their node ids.
func readElements(ctx context.Context, tx neo4j.ManagedTransaction, model string) ([]Element, error) {
	recs, err := run(ctx, tx, "MATCH (e:Element {model: $model}) RETURN properties(e) AS p, elementId(e) AS id ORDER BY e.key", map[string]any{"model": model})
	if err != nil {
		return nil, err
	}
	return rows(recs, "elements", storedElementFrom)
}

func readRelationships(ctx context.Context, tx neo4j.ManagedTransaction, model string) ([]Relationship, error) {
	recs, err := run(ctx, tx, `MATCH (a:Element {model: $model})-[r]->(b:Element)
RETURN a.key AS from, type(r) AS type, b.key AS to, properties(r) AS p
ORDER BY from, type, to`, map[string]any{"model": model})
	if err != nil {
		return nil, err
	}
	return rows(recs, "relationships", relationshipFrom)
}

func writeModel(ctx context.Context, tx neo4j.ManagedTransaction, m Model, now time.Time) error {
	_, err := run(ctx, tx, `MERGE (m:Model {key: $key})
SET m.createdAt = coalesce(m.createdAt, $now)
SET m.name = $name, m.description = $description, m.updatedAt = $now`,
		map[string]any{"key": m.Key, "name": m.Name, "description": nullIfEmpty(m.Description), "now": now})
	return err
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// writeElements writes elements kind by kind, because a label cannot be a parameter: the label
// comes from the metamodel table, never from user text. Elements not in old are created outright
// (no MERGE: the plan knows they are new, and a uniqueness check per row against the
// transaction's own new nodes grows with the import); the others are found by node id. It
// returns the node id of every element written.
func writeElements(ctx context.Context, tx neo4j.ManagedTransaction, model string, elems []Element, old map[string]Element, now time.Time) (map[string]string, error) {
	type group struct{ create, update []map[string]any }
	byKind := map[Kind]*group{}
	ids := make(map[string]string, len(elems))
	for i := range elems {
		e := &elems[i]
		g := byKind[e.Kind]
		if g == nil {
			g = &group{}
			byKind[e.Kind] = g
		}
		if o, ok := old[e.Key]; ok {
			g.update = append(g.update, map[string]any{"id": o.nodeID, "props": elementProps(model, e, o.Version+1)})
			ids[e.Key] = o.nodeID
		} else {
			g.create = append(g.create, map[string]any{"key": e.Key, "props": elementProps(model, e, 1)})
		}
	}
	for _, k := range allKinds {
		g := byKind[k]
		if g == nil {
			continue
		}
		create := fmt.Sprintf(`UNWIND $rows AS row
CREATE (e:Element:%s)
SET e = row.props, e.createdAt = $now, e.updatedAt = $now
RETURN row.key AS key, elementId(e) AS id`, k)
		update := fmt.Sprintf(`UNWIND $rows AS row
MATCH (e) WHERE elementId(e) = row.id
WITH e, row, e.createdAt AS created
SET e = row.props, e.createdAt = created, e.updatedAt = $now
SET e:%s
REMOVE e%s`, k, otherKindLabels(k))
		for start := 0; start < len(g.create); start += batchSize {
			end := min(start+batchSize, len(g.create))
			recs, err := run(ctx, tx, create, map[string]any{"rows": g.create[start:end], "now": now})
			if err != nil {
				return nil, err
			}
			for _, r := range recs {
				w := rowOf(r, "created elements")
				k, id := must[string](w, "key"), must[string](w, "id")
				if err := w.Err(); err != nil {
					return nil, err
				}
				ids[k] = id
			}
		}
		for start := 0; start < len(g.update); start += batchSize {
			end := min(start+batchSize, len(g.update))
			if _, err := run(ctx, tx, update, map[string]any{"rows": g.update[start:end], "now": now}); err != nil {
				return nil, err
			}
		}
	}
	return ids, nil
}

func otherKindLabels(k Kind) string {
	var b strings.Builder
	for _, o := range allKinds {
		if o != k {
			b.WriteString(":")
			b.WriteString(string(o))
		}
	}
	return b.String()
}

// writeRels writes relationships grouped by type (a type cannot be a parameter; it comes from
// the metamodel table). Both ends are found by node id (ids maps keys to them). New
// relationships are created outright, since a MERGE would scan the relationships of hub elements
// for every row; existing ones get their properties replaced.
func writeRels(ctx context.Context, tx neo4j.ManagedTransaction, rels []Relationship, existing map[string]bool, ids map[string]string) error {
	type group struct{ create, update []map[string]any }
	byType := map[RelType]*group{}
	for _, r := range rels {
		p := r.Properties
		if p == nil {
			p = map[string]any{}
		}
		g := byType[r.Type]
		if g == nil {
			g = &group{}
			byType[r.Type] = g
		}
		a, b := ids[r.From], ids[r.To]
		if a == "" || b == "" {
			return fmt.Errorf("write %s: an end has no node id", r.ID())
		}
		row := map[string]any{"a": a, "b": b, "props": p}
		if existing[r.ID()] {
			g.update = append(g.update, row)
		} else {
			g.create = append(g.create, row)
		}
	}
	for _, t := range RelTypes() {
		g := byType[t]
		if g == nil {
			continue
		}
		create := fmt.Sprintf(`UNWIND $rows AS row
MATCH (a) WHERE elementId(a) = row.a
MATCH (b) WHERE elementId(b) = row.b
CREATE (a)-[r:%s]->(b)
SET r = row.props`, t)
		update := fmt.Sprintf(`UNWIND $rows AS row
MATCH (a) WHERE elementId(a) = row.a
MATCH (a)-[r:%s]->(b) WHERE elementId(b) = row.b
SET r = row.props`, t)
		for _, q := range []struct {
			cypher string
			rows   []map[string]any
		}{{create, g.create}, {update, g.update}} {
			for start := 0; start < len(q.rows); start += batchSize {
				end := min(start+batchSize, len(q.rows))
				if _, err := run(ctx, tx, q.cypher, map[string]any{"rows": q.rows[start:end]}); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func deleteElements(ctx context.Context, tx neo4j.ManagedTransaction, model string, keys []string) error {
	for start := 0; start < len(keys); start += batchSize {
		end := min(start+batchSize, len(keys))
		if _, err := run(ctx, tx, `UNWIND $keys AS k MATCH (e:Element {model: $model, key: k}) DETACH DELETE e`,
			map[string]any{"keys": keys[start:end], "model": model}); err != nil {
			return err
		}
	}
	return nil
}

func deleteRels(ctx context.Context, tx neo4j.ManagedTransaction, model string, rels []Relationship) error {
	byType := map[RelType][]map[string]any{}
	for _, r := range rels {
		byType[r.Type] = append(byType[r.Type], map[string]any{"from": r.From, "to": r.To})
	}
	for _, t := range RelTypes() {
		if rows := byType[t]; len(rows) > 0 {
			cypher := fmt.Sprintf(`UNWIND $rows AS row
MATCH (:Element {model: $model, key: row.from})-[r:%s]->(:Element {model: $model, key: row.to})
DELETE r`, t)
			if _, err := run(ctx, tx, cypher, map[string]any{"rows": rows, "model": model}); err != nil {
				return err
			}
		}
	}
	return nil
}
