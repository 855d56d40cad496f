package graph

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Codes of a BackupError.
const (
	// BackupNotABackup: the file is not gzip, or does not start with a modelgraph backup header.
	BackupNotABackup = "NOT_A_BACKUP"
	// BackupUnsupportedVersion: the header names a format version this build cannot read.
	BackupUnsupportedVersion = "UNSUPPORTED_VERSION"
	// BackupCorrupt: a line does not parse, breaks the record order, or disagrees with the counts.
	BackupCorrupt = "CORRUPT"
	// BackupTruncated: the file ends before its final line.
	BackupTruncated = "TRUNCATED"
)

// MaxBackupLine bounds one line of a backup (one element, relationship or change).
const MaxBackupLine = 64 << 20

// BackupError is a backup file that cannot be restored: what (Code, Reason) and where (File,
// Line, the record). It matches ErrInvalid.
type BackupError struct {
	File   string
	Line   int
	Code   string
	Reason string
}

func (e *BackupError) Error() string {
	name := e.File
	if name == "" {
		name = "backup"
	}
	return fmt.Sprintf("%s:%d: %s: %s", name, e.Line, e.Code, e.Reason)
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *BackupError) Is(target error) bool { return target == ErrInvalid }

// StoreNotEmptyError is a restore refused because the store already holds models. It matches
// ErrConflict.
type StoreNotEmptyError struct {
	Models  int
	Example string // one of the models' keys
}

func (e *StoreNotEmptyError) Error() string {
	return fmt.Sprintf("%v: the store already holds %d models (%s among them); a restore goes into an empty store unless told to replace what is there", ErrConflict, e.Models, e.Example)
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *StoreNotEmptyError) Is(target error) bool { return target == ErrConflict }

// RestoreOptions tune a restore.
type RestoreOptions struct {
	// Name is the file's name in error messages.
	Name string
	// Force replaces what the store holds: every model with its elements, relationships, history
	// and scenarios is deleted, in the same transaction that writes the backup. API tokens are
	// kept.
	Force bool
}

// RestoreReport says what a restore wrote.
type RestoreReport struct {
	BackupCounts
	// Replaced counts the models Force deleted.
	Replaced int
}

// Restore writes a backup made by Backup into the store in one transaction: all or nothing. A
// corrupt or truncated file is a *BackupError naming the line, and leaves the store as it was;
// so does a store that already holds models, unless opt.Force (a *StoreNotEmptyError). The file
// is read as a stream; only the element keys of the model being restored are held in memory.
// The database holds the whole restore in its transaction state until it commits, so a store
// too large for the database's memory fails whole, as a large import does.
func (s *Store) Restore(ctx context.Context, r io.Reader, opt RestoreOptions) (*RestoreReport, error) {
	rd := &backupReader{name: opt.Name}
	if err := rd.open(r); err != nil {
		return nil, err
	}
	sess := s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(ctx)
	tx, err := sess.BeginTransaction(ctx, txTimeout(ctx)...)
	if err != nil {
		return nil, fmt.Errorf("restore: %w", mapCtxErr(ctx, err))
	}
	defer tx.Close(ctx)
	rep := &RestoreReport{}
	if rep.Replaced, err = emptyStore(ctx, tx, opt.Force); err != nil {
		return nil, fmt.Errorf("restore: %w", mapCtxErr(ctx, err))
	}
	w := &restorer{ctx: ctx, tx: tx, rd: rd, rep: rep}
	if err := w.run(); err != nil {
		var be *BackupError
		if errors.As(err, &be) {
			return nil, err
		}
		return nil, fmt.Errorf("restore: %w", mapCtxErr(ctx, err))
	}
	if err := tx.Commit(ctx); err != nil {
		return nil, fmt.Errorf("restore: commit: %w", mapCtxErr(ctx, err))
	}
	return rep, nil
}

// emptyStore refuses a store that holds models (or strays of them), or with force deletes them,
// returning how many models it deleted.
func emptyStore(ctx context.Context, tx neo4j.ManagedTransaction, force bool) (int, error) {
	recs, err := run(ctx, tx, `CALL () { MATCH (m:Model) RETURN count(m) AS models, min(m.key) AS example }
CALL () { MATCH (e:Element) WITH e LIMIT 1 RETURN count(e) AS elements }
CALL () { MATCH (c:Change) WITH c LIMIT 1 RETURN count(c) AS changes }
CALL () { MATCH (s:Scenario) WITH s LIMIT 1 RETURN count(s) AS scenarios }
CALL () { MATCH (i:ScenarioItem) WITH i LIMIT 1 RETURN count(i) AS items }
RETURN models, example, elements, changes, scenarios, items`, nil)
	if err != nil {
		return 0, err
	}
	w := firstRow(recs, "store contents")
	models, example := get[int64](w, "models"), get[string](w, "example")
	others := get[int64](w, "elements") + get[int64](w, "changes") + get[int64](w, "scenarios") + get[int64](w, "items")
	if err := w.Err(); err != nil {
		return 0, err
	}
	if models+others == 0 {
		return 0, nil
	}
	if !force {
		return 0, &StoreNotEmptyError{Models: int(models), Example: example}
	}
	for _, q := range []string{"MATCH (e:Element) DETACH DELETE e", "MATCH (c:Change) DELETE c", "MATCH (i:ScenarioItem) DELETE i",
		"MATCH (s:Scenario) DETACH DELETE s", "MATCH (m:Model) DETACH DELETE m"} {
		if _, err := run(ctx, tx, q, nil); err != nil {
			return 0, err
		}
	}
	return int(models), nil
}

// backupReader reads a backup line by line, knowing the line number.
type backupReader struct {
	name string
	gz   *gzip.Reader
	br   *bufio.Reader
	line int
}

func (r *backupReader) fail(code, format string, a ...any) error {
	return &BackupError{File: r.name, Line: r.line, Code: code, Reason: fmt.Sprintf(format, a...)}
}

// open checks the gzip stream and the header line.
func (r *backupReader) open(in io.Reader) error {
	gz, err := gzip.NewReader(in)
	if err != nil {
		return r.fail(BackupNotABackup, "not a modelgraph backup (not a gzip stream: %v)", err)
	}
	r.gz, r.br = gz, bufio.NewReaderSize(gz, 1<<16)
	l, err := r.next()
	if err != nil {
		var be *BackupError
		if errors.As(err, &be) && be.Code == BackupTruncated && r.line <= 1 {
			be.Code = BackupNotABackup
		}
		return err
	}
	if l.T != recHeader || l.Format != BackupFormat {
		return r.fail(BackupNotABackup, "not a modelgraph backup: the first line is not a %s header", BackupFormat)
	}
	if l.Version != BackupVersion {
		return r.fail(BackupUnsupportedVersion, "format version %d; this modelgraph reads version %d", l.Version, BackupVersion)
	}
	return nil
}

// next reads and parses the next line; the end of the stream is a truncation.
func (r *backupReader) next() (backupLine, error) {
	var l backupLine
	b, err := r.readLine()
	if err != nil {
		return l, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return l, r.fail(BackupCorrupt, "not a backup record: %v", err)
	}
	if dec.More() {
		return l, r.fail(BackupCorrupt, "more than one record on the line")
	}
	return l, nil
}

func (r *backupReader) readLine() ([]byte, error) {
	r.line++
	var buf []byte
	for {
		chunk, err := r.br.ReadSlice('\n')
		buf = append(buf, chunk...)
		if len(buf) > MaxBackupLine {
			return nil, r.fail(BackupCorrupt, "line longer than %d bytes", MaxBackupLine)
		}
		switch {
		case err == nil:
			return buf, nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			return nil, r.fail(BackupTruncated, "the file ends before its final line; it was cut off or its backup failed")
		case errors.Is(err, io.ErrUnexpectedEOF):
			return nil, r.fail(BackupTruncated, "the compressed stream is cut off")
		default:
			return nil, r.fail(BackupCorrupt, "the compressed stream is damaged: %v", err)
		}
	}
}

// finish checks that nothing follows the final line, and reads the stream to its end, which is
// where gzip verifies its checksum.
func (r *backupReader) finish() error {
	rest, err := io.ReadAll(r.br)
	if err != nil {
		return r.fail(BackupCorrupt, "after the final line: the compressed stream is damaged: %v", err)
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return r.fail(BackupCorrupt, "data after the final line")
	}
	return nil
}

// restorer writes the records of a backup as they are read, in batches.
type restorer struct {
	ctx context.Context
	tx  neo4j.ManagedTransaction
	rd  *backupReader
	rep *RestoreReport

	seen  map[string]bool // model and scenario keys, which share one name space
	model *restoreModel
}

// restoreModel is the state of the model being restored.
type restoreModel struct {
	key    string
	phase  int               // index in phases of the last record type seen
	kinds  map[string]Kind   // element key to kind
	ids    map[string]string // element key to node id, once written
	elems  map[Kind][]map[string]any
	nElems int
	rels   map[RelType][]map[string]any
	nRels  int
	chs    []map[string]any
	seqs   map[int64]bool
	scen   string // the scenario whose items follow
	counts BackupCounts
}

// phases is the order of a model's records.
var phases = []string{recModel, recElement, recRel, recChange, recScenario}

func (w *restorer) run() error {
	w.seen = map[string]bool{}
	for {
		l, err := w.rd.next()
		if err != nil {
			return err
		}
		if l.T == recEnd {
			return w.end(l)
		}
		if err := w.record(l); err != nil {
			return err
		}
	}
}

func (w *restorer) record(l backupLine) error {
	if l.T == recModel {
		return w.startModel(l)
	}
	m := w.model
	if m == nil {
		return w.rd.fail(BackupCorrupt, "a %q record outside a model", l.T)
	}
	if l.T == recModelEnd {
		return w.endModel(l)
	}
	i := slices.Index(phases, l.T)
	if l.T == recItem {
		i = phaseOf(recScenario) // items follow their scenario
	}
	if i < 0 {
		return w.rd.fail(BackupCorrupt, "unknown record type %q", l.T)
	}
	if i < m.phase {
		return w.rd.fail(BackupCorrupt, "model %s: a %s record after its %s records", m.key, l.T, phases[m.phase])
	}
	if i > phaseOf(recElement) && m.phase <= phaseOf(recElement) {
		if err := w.flushElements(); err != nil {
			return err
		}
	}
	m.phase = i
	props, err := w.props(l)
	if err != nil {
		return err
	}
	switch l.T {
	case recElement:
		return w.element(props)
	case recRel:
		return w.relationship(l, props)
	case recScenario:
		return w.scenario(props)
	case recItem:
		return w.item(props)
	}
	return w.change(props)
}

func phaseOf(t string) int { return slices.Index(phases, t) }

// props decodes a record's properties.
func (w *restorer) props(l backupLine) (map[string]any, error) {
	out := make(map[string]any, len(l.P))
	for k, v := range l.P {
		dv, err := decodeValue(v)
		if err != nil {
			return nil, w.rd.fail(BackupCorrupt, "%s record, property %s: %v", l.T, k, err)
		}
		out[k] = dv
	}
	return out, nil
}

func (w *restorer) startModel(l backupLine) error {
	if w.model != nil {
		return w.rd.fail(BackupCorrupt, "model %s starts before model %s ends", l.Key, w.model.key)
	}
	p, err := w.props(l)
	if err != nil {
		return err
	}
	if !ValidKey(l.Key) || p["key"] != l.Key {
		return w.rd.fail(BackupCorrupt, "a model record whose key %q is not a model key or not its properties' key", Clip(l.Key))
	}
	if w.seen[l.Key] {
		return w.rd.fail(BackupCorrupt, "model %s appears twice", l.Key)
	}
	w.seen[l.Key] = true
	w.model = &restoreModel{key: l.Key, kinds: map[string]Kind{}, ids: map[string]string{},
		elems: map[Kind][]map[string]any{}, rels: map[RelType][]map[string]any{}, seqs: map[int64]bool{}}
	_, err = run(w.ctx, w.tx, "CREATE (m:Model) SET m = $p", map[string]any{"p": p})
	return err
}

func (w *restorer) element(p map[string]any) error {
	m := w.model
	key, _ := p["key"].(string)
	kind, _ := p["kind"].(string)
	switch {
	case !ValidKey(key):
		return w.rd.fail(BackupCorrupt, "model %s: an element whose key %q is not an element key", m.key, Clip(key))
	case p["model"] != m.key:
		return w.rd.fail(BackupCorrupt, "model %s: element %s belongs to model %q", m.key, key, Clip(str(p["model"])))
	case m.kinds[key] != "":
		return w.rd.fail(BackupCorrupt, "model %s: element %s appears twice", m.key, key)
	}
	if _, ok := LookupKind(kind); !ok {
		return w.rd.fail(BackupCorrupt, "model %s: element %s has kind %q, which is not a kind", m.key, key, Clip(kind))
	}
	m.kinds[key] = Kind(kind)
	m.elems[Kind(kind)] = append(m.elems[Kind(kind)], map[string]any{"k": key, "p": p})
	m.counts.Elements++
	if m.nElems++; m.nElems >= batchSize {
		return w.flushElements()
	}
	return nil
}

// flushElements writes the buffered elements kind by kind (a label comes from the metamodel
// table, never from the file) and keeps their node ids for the relationships.
func (w *restorer) flushElements() error {
	m := w.model
	for _, k := range allKinds {
		rows := m.elems[k]
		if len(rows) == 0 {
			continue
		}
		recs, err := run(w.ctx, w.tx, fmt.Sprintf(`UNWIND $rows AS row
CREATE (e:Element:%s) SET e = row.p
RETURN row.k AS k, elementId(e) AS id`, k), map[string]any{"rows": rows})
		if err != nil {
			return err
		}
		for _, r := range recs {
			rw := rowOf(r, "restored elements")
			key, id := must[string](rw, "k"), must[string](rw, "id")
			if err := rw.Err(); err != nil {
				return err
			}
			m.ids[key] = id
		}
	}
	clear(m.elems)
	m.nElems = 0
	return nil
}

func (w *restorer) relationship(l backupLine, p map[string]any) error {
	m := w.model
	id := l.From + " -" + l.Type + "-> " + l.To
	if _, ok := LookupRel(l.Type); !ok {
		return w.rd.fail(BackupCorrupt, "model %s: relationship %s: %q is not a relationship type", m.key, Clip(id), Clip(l.Type))
	}
	a, b := m.ids[l.From], m.ids[l.To]
	if a == "" || b == "" {
		return w.rd.fail(BackupCorrupt, "model %s: relationship %s: an end is not an element of the model", m.key, Clip(id))
	}
	t := RelType(l.Type)
	if !Allowed(t, m.kinds[l.From], m.kinds[l.To]) {
		return w.rd.fail(BackupCorrupt, "model %s: relationship %s: %s", m.key, id, disallowedReason(t, m.kinds[l.From], m.kinds[l.To]))
	}
	m.rels[t] = append(m.rels[t], map[string]any{"a": a, "b": b, "p": p})
	m.counts.Relationships++
	if m.nRels++; m.nRels >= batchSize {
		return w.flushRels()
	}
	return nil
}

func (w *restorer) flushRels() error {
	m := w.model
	for _, t := range RelTypes() {
		rows := m.rels[t]
		if len(rows) == 0 {
			continue
		}
		if _, err := run(w.ctx, w.tx, fmt.Sprintf(`UNWIND $rows AS row
MATCH (a) WHERE elementId(a) = row.a
MATCH (b) WHERE elementId(b) = row.b
CREATE (a)-[r:%s]->(b) SET r = row.p`, t), map[string]any{"rows": rows}); err != nil {
			return err
		}
	}
	clear(m.rels)
	m.nRels = 0
	return nil
}

func (w *restorer) change(p map[string]any) error {
	m := w.model
	seq, ok := p["seq"].(int64)
	switch {
	case !ok:
		return w.rd.fail(BackupCorrupt, "model %s: a change without a whole-number seq", m.key)
	case p["model"] != m.key:
		return w.rd.fail(BackupCorrupt, "model %s: change %d belongs to model %q", m.key, seq, Clip(str(p["model"])))
	case m.seqs[seq]:
		return w.rd.fail(BackupCorrupt, "model %s: change %d appears twice", m.key, seq)
	}
	m.seqs[seq] = true
	m.chs = append(m.chs, p)
	m.counts.Changes++
	if len(m.chs) >= batchSize {
		return w.flushChanges()
	}
	return nil
}

func (w *restorer) flushChanges() error {
	m := w.model
	if len(m.chs) == 0 {
		return nil
	}
	if _, err := run(w.ctx, w.tx, "UNWIND $rows AS row CREATE (c:Change) SET c = row", map[string]any{"rows": m.chs}); err != nil {
		return err
	}
	m.chs = m.chs[:0]
	return nil
}

func (w *restorer) scenario(p map[string]any) error {
	m := w.model
	key, _ := p["key"].(string)
	switch {
	case !ValidKey(key):
		return w.rd.fail(BackupCorrupt, "model %s: a scenario whose key %q is not a key", m.key, Clip(key))
	case p["base"] != m.key:
		return w.rd.fail(BackupCorrupt, "model %s: scenario %s is of model %q", m.key, key, Clip(str(p["base"])))
	case w.seen[key]:
		return w.rd.fail(BackupCorrupt, "model %s: scenario %s: its key is already a model's or a scenario's", m.key, key)
	}
	flush := w.flushChanges
	if m.scen != "" {
		flush = w.flushItems
	}
	if err := flush(); err != nil {
		return err
	}
	w.seen[key] = true
	m.scen = key
	m.counts.Scenarios++
	_, err := run(w.ctx, w.tx, "CREATE (s:Scenario) SET s = $p", map[string]any{"p": p})
	return err
}

func (w *restorer) item(p map[string]any) error {
	m := w.model
	if m.scen == "" || p["scenario"] != m.scen {
		return w.rd.fail(BackupCorrupt, "model %s: a scenario item of %q after scenario %q", m.key, Clip(str(p["scenario"])), m.scen)
	}
	m.chs = append(m.chs, p)
	m.counts.ScenarioItems++
	if len(m.chs) >= batchSize {
		return w.flushItems()
	}
	return nil
}

// flushItems writes buffered scenario items; they share the change buffer, which the first
// scenario line empties.
func (w *restorer) flushItems() error {
	m := w.model
	if len(m.chs) == 0 {
		return nil
	}
	if _, err := run(w.ctx, w.tx, "UNWIND $rows AS row CREATE (i:ScenarioItem) SET i = row", map[string]any{"rows": m.chs}); err != nil {
		return err
	}
	m.chs = m.chs[:0]
	return nil
}

func (w *restorer) endModel(l backupLine) error {
	m := w.model
	if l.Key != m.key {
		return w.rd.fail(BackupCorrupt, "the end of model %q inside model %s", Clip(l.Key), m.key)
	}
	if l.Counts == nil || *l.Counts != m.counts {
		return w.rd.fail(BackupCorrupt, "model %s: the end line counts %s, the file holds %s", m.key, countsText(l.Counts), countsText(&m.counts))
	}
	flushLast := w.flushChanges
	if m.scen != "" {
		flushLast = w.flushItems
	}
	for _, f := range []func() error{w.flushElements, w.flushRels, flushLast} {
		if err := f(); err != nil {
			return err
		}
	}
	w.rep.add(m.counts)
	w.rep.Models++
	w.model = nil
	return nil
}

func (w *restorer) end(l backupLine) error {
	if w.model != nil {
		return w.rd.fail(BackupCorrupt, "the final line inside model %s", w.model.key)
	}
	if l.Counts == nil || *l.Counts != w.rep.BackupCounts {
		return w.rd.fail(BackupCorrupt, "the final line counts %s, the file holds %s", countsText(l.Counts), countsText(&w.rep.BackupCounts))
	}
	return w.rd.finish()
}

func countsText(c *BackupCounts) string {
	if c == nil {
		return "nothing"
	}
	s := fmt.Sprintf("%d elements, %d relationships, %d changes, %d scenarios with %d items", c.Elements, c.Relationships, c.Changes, c.Scenarios, c.ScenarioItems)
	if c.Models > 0 {
		s = fmt.Sprintf("%d models, ", c.Models) + s
	}
	return s
}
