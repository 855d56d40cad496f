package graph

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"golang.org/x/sync/errgroup"
)

// A large import is staged: it writes in batches of their own transactions, and a last
// transaction switches it in. Nothing staged is visible until that switch commits, so readers
// see the model before or after the import, never in between, and a failure or a kill part-way
// leaves the model as it was.
//
// What is staged:
//   - (:ImportStaging {id, model, startedAt, heartbeat}): the registration, one per model at a
//     time (a uniqueness constraint); heartbeat is refreshed while batches are written. While it
//     exists, other writes to the model are refused as conflicts (record).
//   - (:ImportElement {...element properties}): an element the import creates, without the
//     Element and kind labels, so that no read finds it; relationships between two created
//     elements are written between these nodes, where no read reaches them.
//   - (:Change) history blocks (changelog.go) with their final revision and seqs, above the
//     model's changeSeq. Every read of the history stops at the model's changeSeq, which only the
//     switch moves past them.
//
// The switch locks the model, checks that its revision is still the one the import planned
// against and that the staged history is whole (else ErrConflict: nothing is written), deletes
// and updates what the plan says, labels the staged elements, writes the relationships that touch
// elements the model already held, and moves the revision and changeSeq. Its size is the
// relabelling (by node id) plus the updates and deletions, not the creations or the history.

// stageThreshold is the number of elements and relationships in a file from which an import is
// staged; smaller imports are written in one transaction.
var stageThreshold = 20000

// stageBatch bounds the rows one staging transaction writes.
var stageBatch = 10000

// stageWorkers is how many element batches are written at once. Relationship batches are
// written one at a time: a relationship locks both its ends, and concurrent batches over the
// same elements would deadlock.
const stageWorkers = 2

// StaleImport is how long a staged import may go without committing a batch before the next
// import (or CleanImports) treats it as abandoned, by a killed process, and removes what it
// staged.
const StaleImport = 5 * time.Minute

// heartbeatEvery is how often a staged import refreshes its registration.
const heartbeatEvery = 10 * time.Second

// ImportProgress says how far an import has come; totals are what the plan writes.
type ImportProgress struct {
	Elements, ElementsTotal           int
	Relationships, RelationshipsTotal int
	Changes, ChangesTotal             int // changes recorded in the history (0 without history)
	// Switching is set once everything is staged and the last transaction, which makes the
	// import visible and writes the updates and deletions, has started. Its report counts
	// only what is staged; one more report, once it has committed, counts everything.
	Switching bool
	// Committed is set in the last report: the import is done and visible.
	Committed bool
}

// Done is the items written so far, of Total.
func (p ImportProgress) Done() int { return p.Elements + p.Relationships + p.Changes }

// Total is the items the import writes.
func (p ImportProgress) Total() int { return p.ElementsTotal + p.RelationshipsTotal + p.ChangesTotal }

var (
	// errAbandoned: the staged import was removed by a cleanup that took it for abandoned.
	errAbandoned = fmt.Errorf("%w: the staged import was removed as abandoned before it could be switched in; import again", ErrConflict)
	// failBeforeSwitch, when set, makes a staged import fail after staging everything, before the
	// switch; keepStaged leaves what it staged in place, as a killed process would.
	failBeforeSwitch bool
	keepStaged       bool
)

// errImporting refuses a write to a model while a staged import of it is registered: the
// import's history records sit above the model's changeSeq, where the write's would go.
func errImporting(model string) error {
	return fmt.Errorf("%w: model %s is being imported; write again when the import is done (an import cut off by a kill is removed by the next import after %v)", ErrConflict, model, StaleImport)
}

// refuseWhileStaged returns errImporting when a staged import of model is registered.
func refuseWhileStaged(ctx context.Context, tx neo4j.ManagedTransaction, model string) error {
	recs, err := run(ctx, tx, `RETURN EXISTS { MATCH (:ImportStaging {model: $model}) } AS staged`, map[string]any{"model": model})
	if err != nil {
		return err
	}
	w := firstRow(recs, "staged import")
	if staged := get[bool](w, "staged"); w.Err() != nil {
		return w.Err()
	} else if staged {
		return errImporting(model)
	}
	return nil
}

// base is the model state an import planned against.
type base struct {
	exists              bool
	revision, changeSeq int64
	created             time.Time
}

func readBase(ctx context.Context, tx neo4j.ManagedTransaction, key string) (base, error) {
	recs, err := run(ctx, tx, `MATCH (m:Model {key: $key})
RETURN coalesce(m.revision, 0) AS revision, coalesce(m.changeSeq, 0) AS changeSeq, m.createdAt AS created`, map[string]any{"key": key})
	if err != nil || len(recs) == 0 {
		return base{}, err
	}
	w := rowOf(recs[0], "import base")
	b := base{exists: true, revision: get[int64](w, "revision"), changeSeq: get[int64](w, "changeSeq"), created: get[time.Time](w, "created")}
	if err := w.Err(); err != nil {
		return base{}, err
	}
	return b, nil
}

// importStaged plans against the committed model, stages the creations and switches them in.
func (s *Store) importStaged(ctx context.Context, f *File, opt ImportOptions) (*ImportReport, error) {
	key := f.Model.Key
	// Best effort: a failure to clean up after someone else must not fail this import.
	_, _ = s.CleanImports(ctx, StaleImport)
	var b base
	p, err := readTx(ctx, s, func(tx neo4j.ManagedTransaction) (*plan, error) {
		var err error
		if b, err = readBase(ctx, tx, key); err != nil {
			return nil, err
		}
		return s.plan(ctx, tx, f, opt, false)
	})
	if err != nil {
		return nil, err
	}
	if len(p.rep.Problems) > 0 {
		return p.rep, &ValidationError{Problems: p.rep.Problems}
	}
	if !p.rep.Changed() && !p.modelWrite {
		return p.rep, nil
	}
	st := &stage{s: s, id: newStageID(), model: key, file: f.Model, now: time.Now().UTC(), opt: opt, base: b, plan: p}
	st.split()
	wctx := unbudgeted(ctx)
	if err := st.begin(wctx); err != nil {
		return nil, err
	}
	switched := false
	defer func() {
		if !switched && !keepStaged {
			// The import's own context may be cancelled: clean up under one of its own.
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
			defer cancel()
			_ = s.dropStage(cctx, st.id, st.model)
		}
	}()
	if err := st.writeAll(wctx); err != nil {
		return nil, err
	}
	if failBeforeSwitch {
		return nil, errInjected
	}
	st.progress(func(pr *ImportProgress) { pr.Switching = true })
	if _, err := writeTx(wctx, s, func(tx neo4j.ManagedTransaction) (struct{}, error) {
		return struct{}{}, st.switchIn(wctx, tx)
	}); err != nil {
		return nil, err
	}
	switched = true
	st.progress(func(pr *ImportProgress) {
		pr.Elements, pr.Relationships, pr.Changes = pr.ElementsTotal, pr.RelationshipsTotal, pr.ChangesTotal
		pr.Committed = true
	})
	p.rep.ElementsWritten = len(p.writeElems)
	p.rep.RelationshipsWritten = len(p.writeRels)
	return p.rep, nil
}

func newStageID() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// stage is one staged import under way.
type stage struct {
	s     *Store
	id    string
	model string
	file  Model
	now   time.Time
	opt   ImportOptions
	base  base
	plan  *plan

	created      []Element      // elements the model lacks: staged
	updated      []Element      // elements the model holds with other content: switched
	stagedRels   []Relationship // new relationships between two created elements: staged
	switchedRels []Relationship // relationships touching held elements, or updated: switched

	mu       sync.Mutex
	ids      map[string]string // node ids of staged elements, by key
	pr       ImportProgress
	lastBeat atomic.Int64 // unix nanoseconds of the last heartbeat
}

func (st *stage) split() {
	p := st.plan
	for _, e := range p.writeElems {
		if _, ok := p.oldElems[e.Key]; ok {
			st.updated = append(st.updated, e)
		} else {
			st.created = append(st.created, e)
		}
	}
	for _, r := range p.writeRels {
		_, a := p.oldElems[r.From]
		_, b := p.oldElems[r.To]
		if !a && !b && !p.existingRels[r.ID()] {
			st.stagedRels = append(st.stagedRels, r)
		} else {
			st.switchedRels = append(st.switchedRels, r)
		}
	}
	st.ids = make(map[string]string, len(st.created))
	st.pr = ImportProgress{ElementsTotal: len(p.writeElems), RelationshipsTotal: len(p.writeRels)}
	if !st.opt.NoHistory {
		st.pr.ChangesTotal = len(p.changes)
	}
}

// progress updates the counts under the lock and reports them.
func (st *stage) progress(f func(*ImportProgress)) {
	st.mu.Lock()
	defer st.mu.Unlock()
	f(&st.pr)
	if st.opt.OnProgress != nil {
		st.opt.OnProgress(st.pr)
	}
}

// stagingSchema is idempotent; a staged import runs it before it registers.
const stagingSchema = "CREATE CONSTRAINT import_staging_model IF NOT EXISTS FOR (s:ImportStaging) REQUIRE s.model IS UNIQUE"

func (st *stage) begin(ctx context.Context) error {
	sess := st.s.session(ctx, neo4j.AccessModeWrite)
	_, err := sess.Run(ctx, stagingSchema, nil)
	sess.Close(ctx)
	if err != nil {
		return fmt.Errorf("stage import of %s: schema: %w", st.model, mapErr(err))
	}
	_, err = writeTx(ctx, st.s, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		return run(ctx, tx, `CREATE (:ImportStaging {id: $id, model: $model, startedAt: $now, heartbeat: $now})`,
			map[string]any{"id": st.id, "model": st.model, "now": st.now})
	})
	if errors.Is(err, ErrConflict) {
		return fmt.Errorf("%w: another import of model %s is under way; import again when it is done", ErrConflict, st.model)
	}
	if err != nil {
		return fmt.Errorf("stage import of %s: %w", st.model, err)
	}
	st.lastBeat.Store(time.Now().UnixNano())
	return nil
}

// batch writes one batch in a transaction of its own, refreshing the registration now and then
// so that a cleanup does not take a live import for abandoned.
func (st *stage) batch(ctx context.Context, cypher string, params map[string]any) ([]*neo4j.Record, error) {
	beat := time.Since(time.Unix(0, st.lastBeat.Load())) > heartbeatEvery
	recs, err := writeTx(ctx, st.s, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		if beat {
			recs, err := run(ctx, tx, `MATCH (s:ImportStaging {id: $id}) WHERE s.abandoned IS NULL SET s.heartbeat = datetime() RETURN s.id`, map[string]any{"id": st.id})
			if err != nil {
				return nil, err
			}
			if len(recs) == 0 {
				return nil, errAbandoned
			}
		}
		return run(ctx, tx, cypher, params)
	})
	if err != nil {
		return nil, err
	}
	if beat {
		st.lastBeat.Store(time.Now().UnixNano())
	}
	return recs, nil
}

// writeAll stages the created elements and then the relationships between them, and at the same
// time the history records, which depend on nothing staged.
func (st *stage) writeAll(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		if err := st.writeElements(gctx); err != nil {
			return err
		}
		return st.writeRels(gctx)
	})
	if !st.opt.NoHistory {
		g.Go(func() error { return st.writeChanges(gctx) })
	}
	if err := g.Wait(); err != nil {
		// A cancelled context is the cause, not the errors of the batches it cut short.
		if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
			return fmt.Errorf("%w: %v", cerr, err)
		}
		return err
	}
	return nil
}

func (st *stage) writeElements(ctx context.Context) error {
	const cypher = `UNWIND $rows AS row
CREATE (e:ImportElement)
SET e = row.props, e.createdAt = $now, e.updatedAt = $now
RETURN row.props.key AS key, elementId(e) AS id`
	// New nodes without a constrained label take no locks that another batch waits for, so
	// batches are written stageWorkers at a time.
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(stageWorkers)
	for start := 0; start < len(st.created); start += stageBatch {
		part := st.created[start:min(start+stageBatch, len(st.created))]
		g.Go(func() error {
			rows := make([]map[string]any, len(part))
			for i := range part {
				rows[i] = map[string]any{"props": elementProps(st.model, &part[i], 1)}
			}
			recs, err := st.batch(gctx, cypher, map[string]any{"rows": rows, "now": st.now})
			if err != nil {
				return err
			}
			st.mu.Lock()
			for _, r := range recs {
				w := rowOf(r, "staged elements")
				k, id := must[string](w, "key"), must[string](w, "id")
				if err := w.Err(); err != nil {
					st.mu.Unlock()
					return err
				}
				st.ids[k] = id
			}
			st.mu.Unlock()
			st.progress(func(p *ImportProgress) { p.Elements += len(part) })
			return nil
		})
	}
	return g.Wait()
}

func (st *stage) writeRels(ctx context.Context) error {
	byType := map[RelType][]map[string]any{}
	for _, r := range st.stagedRels {
		a, b := st.ids[r.From], st.ids[r.To]
		if a == "" || b == "" {
			return fmt.Errorf("stage %s: an end has no node id", r.ID())
		}
		byType[r.Type] = append(byType[r.Type], map[string]any{"a": a, "b": b, "props": relProps(r)})
	}
	for _, t := range RelTypes() {
		rows := byType[t]
		cypher := fmt.Sprintf(`UNWIND $rows AS row
MATCH (a) WHERE elementId(a) = row.a
MATCH (b) WHERE elementId(b) = row.b
CREATE (a)-[r:%s]->(b)
SET r = row.props`, t)
		for start := 0; start < len(rows); start += stageBatch {
			part := rows[start:min(start+stageBatch, len(rows))]
			if _, err := st.batch(ctx, cypher, map[string]any{"rows": part}); err != nil {
				return err
			}
			st.progress(func(p *ImportProgress) { p.Relationships += len(part) })
		}
	}
	return nil
}

func relProps(r Relationship) map[string]any {
	if r.Properties == nil {
		return map[string]any{}
	}
	return r.Properties
}

// writeChanges writes the history records with their final revision and seq numbers, above the
// model's changeSeq; the switch confirms them by checking that the model has not moved since
// the plan.
func (st *stage) writeChanges(ctx context.Context) error {
	const cypher = `UNWIND $rows AS b
CREATE (:Change {model: $model, revision: $revision, seq: b.seq, last: b.last, at: $now, actor: $actor,
  elements: b.elements, items: b.items})`
	changes := st.plan.changes
	actor := ActorFrom(ctx)
	revision := st.base.revision + 1
	// Batches are whole blocks, so that the blocks are those one write of the changes makes.
	batch := max(stageBatch/changeBlock, 1) * changeBlock
	for start := 0; start < len(changes); start += batch {
		part := changes[start:min(start+batch, len(changes))]
		rows, err := blockRows(part, st.base.changeSeq+1+int64(start))
		if err != nil {
			return err
		}
		if _, err := st.batch(ctx, cypher, map[string]any{"rows": rows, "model": st.model,
			"revision": revision, "now": st.now, "actor": actor}); err != nil {
			return err
		}
		st.progress(func(p *ImportProgress) { p.Changes += len(part) })
	}
	return nil
}

// switchIn makes the staged import the model's new state, in the caller's transaction.
func (st *stage) switchIn(ctx context.Context, tx neo4j.ManagedTransaction) error {
	p := st.plan
	recs, err := run(ctx, tx, `MATCH (s:ImportStaging {id: $id}) WHERE s.abandoned IS NULL SET s.heartbeat = datetime() RETURN s.id`, map[string]any{"id": st.id})
	if err != nil {
		return err
	}
	if len(recs) == 0 {
		return errAbandoned
	}
	created, err := lockOrCreateModel(ctx, tx, st.model)
	if err != nil {
		return err
	}
	now, err := readBase(ctx, tx, st.model)
	if err != nil {
		return err
	}
	if created == st.base.exists || st.base.exists && (now.revision != st.base.revision || now.changeSeq != st.base.changeSeq || !now.created.Equal(st.base.created)) {
		return fmt.Errorf("%w: model %s changed while the import was written (revision %d, now %d); nothing was imported, import again",
			ErrConflict, st.model, st.base.revision, now.revision)
	}
	n := int64(len(p.changes))
	if st.opt.NoHistory {
		n = 0
	}
	// The staged blocks hold the n changes from changeSeq+1 on when they are the blocks this
	// import wrote (as many, with distinct firsts), start at changeSeq+1, end at changeSeq+n and
	// cover n seqs between them: with no overlap, then, there is no gap either.
	recs, err = run(ctx, tx, `MATCH (c:Change {model: $model}) WHERE c.seq > $seq
RETURN sum(coalesce(c.last, c.seq) - c.seq + 1) AS n, count(DISTINCT c.seq) AS firsts, count(c) AS blocks,
  coalesce(min(c.seq), 0) AS bottom, coalesce(max(coalesce(c.last, c.seq)), 0) AS top`, map[string]any{"model": st.model, "seq": st.base.changeSeq})
	if err != nil {
		return err
	}
	w := firstRow(recs, "staged history")
	got, firsts, blocks := get[int64](w, "n"), get[int64](w, "firsts"), get[int64](w, "blocks")
	bottom, top := get[int64](w, "bottom"), get[int64](w, "top")
	if err := w.Err(); err != nil {
		return err
	}
	wantBlocks := (n + changeBlock - 1) / changeBlock
	if got != n || firsts != blocks || blocks != wantBlocks || n > 0 && (bottom != st.base.changeSeq+1 || top != st.base.changeSeq+n) {
		return fmt.Errorf("%w: the staged history of model %s is incomplete (%d of %d records); nothing was imported, import again", ErrConflict, st.model, got, n)
	}
	if err := writeModel(ctx, tx, st.file, st.now); err != nil {
		return err
	}
	if err := deleteRels(ctx, tx, st.model, p.deleteRels); err != nil {
		return err
	}
	if err := deleteElements(ctx, tx, st.model, p.deleteElems); err != nil {
		return err
	}
	ids, err := writeElements(ctx, tx, st.model, st.updated, p.oldElems, st.now)
	if err != nil {
		return err
	}
	// The staged elements are relabelled by node id, kind by kind, rather than found again.
	byKind := map[Kind][]string{}
	for _, e := range st.created {
		byKind[e.Kind] = append(byKind[e.Kind], st.ids[e.Key])
	}
	for _, k := range allKinds {
		ids := byKind[k]
		for start := 0; start < len(ids); start += stageBatch {
			if _, err := run(ctx, tx, fmt.Sprintf(`UNWIND $ids AS id
MATCH (e:ImportElement) WHERE elementId(e) = id
SET e:Element:%s
REMOVE e:ImportElement`, k), map[string]any{"ids": ids[start:min(start+stageBatch, len(ids))]}); err != nil {
				return err
			}
		}
	}
	for k, id := range st.ids {
		ids[k] = id
	}
	for k, o := range p.oldElems {
		if _, ok := ids[k]; !ok {
			ids[k] = o.nodeID
		}
	}
	if err := writeRels(ctx, tx, st.switchedRels, p.existingRels, ids); err != nil {
		return err
	}
	if st.opt.NoHistory {
		if err := bumpUnrecorded(ctx, tx, st.model); err != nil {
			return err
		}
	} else {
		if _, err := run(ctx, tx, `MATCH (m:Model {key: $model}) SET m.revision = $revision, m.changeSeq = $seq`,
			map[string]any{"model": st.model, "revision": st.base.revision + 1, "seq": st.base.changeSeq + int64(len(p.changes))}); err != nil {
			return err
		}
	}
	_, err = run(ctx, tx, `MATCH (s:ImportStaging {id: $id}) DELETE s`, map[string]any{"id": st.id})
	return err
}

// dropStage removes what a staged import of model wrote, in batches, and then its
// registration: its elements, and the history records above the model's changeSeq (or all of
// them when the model does not exist), which only a staged import writes while it is
// registered.
func (s *Store) dropStage(ctx context.Context, id, model string) error {
	for _, q := range []string{
		`MATCH (n:ImportElement) WHERE n.model = $model WITH n LIMIT 5000 DETACH DELETE n RETURN count(*) AS n`,
		`OPTIONAL MATCH (m:Model {key: $model})
WITH coalesce(m.changeSeq, 0) AS seq
MATCH (c:Change {model: $model}) WHERE c.seq > seq
WITH c LIMIT 10000 DELETE c RETURN count(*) AS n`,
	} {
		for {
			recs, err := writeTx(ctx, s, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
				return run(ctx, tx, q, map[string]any{"model": model})
			})
			if err != nil {
				return err
			}
			w := firstRow(recs, "drop staged import")
			if n := get[int64](w, "n"); w.Err() != nil {
				return w.Err()
			} else if n == 0 {
				break
			}
		}
	}
	_, err := writeTx(ctx, s, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		return run(ctx, tx, `MATCH (s:ImportStaging {id: $id}) DELETE s`, map[string]any{"id": id})
	})
	return err
}

// CleanImports removes staged imports that wrote nothing for longer than olderThan: those of a
// process killed during an import. It returns how many it removed. Imports call it before they
// stage (with StaleImport); it is safe to call at any time, since a live import refreshes its
// registration and one taken for abandoned fails without making anything visible.
func (s *Store) CleanImports(ctx context.Context, olderThan time.Duration) (int, error) {
	recs, err := writeTx(ctx, s, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		return run(ctx, tx, `MATCH (s:ImportStaging) WHERE s.abandoned IS NOT NULL OR s.heartbeat < $cutoff
SET s.abandoned = true RETURN s.id AS id, s.model AS model`, map[string]any{"cutoff": time.Now().UTC().Add(-olderThan)})
	})
	if err != nil {
		return 0, fmt.Errorf("clean staged imports: %w", err)
	}
	n := 0
	for _, r := range recs {
		w := rowOf(r, "abandoned imports")
		id, model := must[string](w, "id"), must[string](w, "model")
		if err := w.Err(); err != nil {
			return n, fmt.Errorf("clean staged imports: %w", err)
		}
		if err := s.dropStage(ctx, id, model); err != nil {
			return n, fmt.Errorf("clean staged import %s: %w", id, err)
		}
		n++
	}
	return n, nil
}
