package archimate

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/engine"
)

// Options tune Import.
type Options struct {
	// Name is the file name put in front of every problem ("" for none).
	Name string
	// Lenient skips relationships our metamodel refuses, and lists them in the report, instead of
	// failing the import.
	Lenient bool
}

// Import reads an ArchiMate exchange file as a model file. Elements and relationships whose
// types the mapping knows become ours: an element's modelgraph:kind property (or a
// relationship's modelgraph:type) wins, otherwise Mapping decides. What has no mapping is counted
// in the report by type, views and folders are ignored, and the report says so. The result is
// validated: every problem comes back at once in an *Error, each with its line and column.
func Import(data []byte, opt Options) (*graph.File, *Report, error) {
	if len(data) > graph.MaxDocumentBytes {
		return nil, nil, withFile(located(engine.Pos{}, "document", "", "", fmt.Sprintf("is %d bytes; the limit is %d", len(data), graph.MaxDocumentBytes)), opt.Name)
	}
	doc, err := read(data)
	if err != nil {
		return nil, nil, withFile(err, opt.Name)
	}
	im := newImporter(doc, opt)
	f := im.build()
	if err := im.validate(f); err != nil {
		return nil, nil, withFile(err, opt.Name)
	}
	return f, im.report, nil
}

// importer maps a raw document to a model file, keeping where each part came from.
type importer struct {
	doc     *rawDoc
	opt     Options
	report  *Report
	ps      []engine.Problem
	keyOf   map[string]string     // element identifier -> key, for imported elements
	kindOf  map[string]graph.Kind // key -> kind
	notHere map[string]bool       // identifiers of elements not imported
	relIDs  map[string]bool       // identifiers of the file's relationships
	elemPos []engine.Pos          // per element of the file
	elemID  []string
	relPos  []engine.Pos // per relationship of the file
	relID   []string
}

func newImporter(doc *rawDoc, opt Options) *importer {
	return &importer{doc: doc, opt: opt, report: newReport(doc), keyOf: map[string]string{},
		kindOf: map[string]graph.Kind{}, notHere: map[string]bool{}}
}

func (im *importer) problem(pos engine.Pos, path, key, field, reason string) {
	im.ps = append(im.ps, engine.Problem{Problem: graph.Problem{Path: path, Key: graph.Clip(key), Field: field, Reason: reason}, Pos: pos})
}

func (im *importer) build() *graph.File {
	f := &graph.File{Model: im.model()}
	im.assignKeys()
	for _, c := range im.doc.elements {
		if e, ok := im.element(c); ok {
			f.Elements = append(f.Elements, e)
			im.elemPos = append(im.elemPos, c.pos)
			im.elemID = append(im.elemID, c.ID)
		}
	}
	seen := map[string]string{}
	for _, c := range im.doc.relationships {
		r, ok := im.relationship(c)
		if !ok {
			continue
		}
		if first, dup := seen[r.ID()]; dup {
			im.report.Duplicates = append(im.report.Duplicates, Skipped{ID: c.ID, Pos: c.pos,
				Reason: fmt.Sprintf("reads as %s, like relationship %s; one is kept", r.ID(), first)})
			continue
		}
		seen[r.ID()] = c.ID
		im.report.Relationships++
		f.Relationships = append(f.Relationships, r)
		im.relPos = append(im.relPos, c.pos)
		im.relID = append(im.relID, c.ID)
	}
	return f
}

func (im *importer) model() graph.Model {
	c := im.doc.model
	m := graph.Model{Name: text(c.Names), Description: text(c.Docs)}
	ks := newKeys()
	if k, ok := ks.own(c.ID, modelPrefix); ok {
		m.Key = k
	} else if m.Name != "" {
		m.Key = ks.fresh(m.Name)
	} else {
		m.Key = ks.derived(c.ID, modelPrefix)
	}
	im.report.Model = m.Key
	return m
}

// assignKeys gives every element its key: identifiers that spell a key keep it, the others get
// one derived from them, so that a file written by Export gets exactly its keys back.
func (im *importer) assignKeys() {
	ks := newKeys()
	for _, c := range im.doc.elements {
		if k, ok := ks.own(c.ID, elementPrefix); ok {
			im.keyOf[c.ID] = k
		}
	}
	for _, c := range im.doc.elements {
		if _, ok := im.keyOf[c.ID]; !ok {
			im.keyOf[c.ID] = ks.derived(c.ID, elementPrefix)
		}
	}
}

func (im *importer) element(c xConcept) (graph.Element, bool) {
	props, ours := im.properties(c, "element "+c.ID, true)
	kind := graph.Kind(ours[kindProperty])
	if kind == "" {
		k, ok := foreignKind(c.Type)
		if !ok {
			im.report.UnmappedElements[typeName(c.Type)]++
			im.notHere[c.ID] = true
			return graph.Element{}, false
		}
		kind = k
	}
	e := graph.Element{Key: im.keyOf[c.ID], Kind: kind, Name: text(c.Names), Description: text(c.Docs), Properties: props}
	if t, ok := ours[tagsProperty]; ok {
		if err := json.Unmarshal([]byte(t), &e.Tags); err != nil {
			im.problem(c.pos, "element "+c.ID, e.Key, "tags", fmt.Sprintf("property %s must be a JSON list of strings: %v", tagsProperty, err))
		}
	}
	im.kindOf[e.Key] = kind
	im.report.Elements++
	return e, true
}

func (im *importer) relationship(c xConcept) (graph.Relationship, bool) {
	path := "relationship " + c.ID
	props, ours := im.properties(c, path, false)
	if im.notHere[c.Source] || im.notHere[c.Target] || im.isRelationship(c.Source) || im.isRelationship(c.Target) {
		im.report.Unattached[typeName(c.Type)]++
		return graph.Relationship{}, false
	}
	from, okS := im.keyOf[c.Source]
	to, okT := im.keyOf[c.Target]
	if !okS || !okT {
		im.problem(c.pos, path, "", "source", fmt.Sprintf("source %q or target %q is no element of the file", c.Source, c.Target))
		return graph.Relationship{}, false
	}
	r := graph.Relationship{Properties: props}
	if t := ours[typeProperty]; t != "" {
		r.Type = graph.RelType(t)
		r.From, r.To = oriented(c.Type, r.Type, from, to, im.kindOf)
	} else {
		if !knownRel(c.Type) {
			im.report.UnmappedRelationships[typeName(c.Type)]++
			return graph.Relationship{}, false
		}
		rule, ok := importRule(c.Type, im.kindOf[from], im.kindOf[to])
		if !ok {
			im.refuse(c, fmt.Sprintf("%s from %s (%s) to %s (%s) has no modelgraph relationship: %s", c.Type, from, im.kindOf[from], to, im.kindOf[to], readsAs(c.Type, im.kindOf[from])))
			return graph.Relationship{}, false
		}
		r.Type, r.From, r.To = rule.Type, from, to
		if rule.Reverse {
			r.From, r.To = to, from
		}
		if len(rule.Raci) > 0 {
			if r.Properties == nil {
				r.Properties = map[string]any{}
			}
			if _, set := r.Properties["raci"]; !set {
				r.Properties["raci"] = rule.Raci[0]
			}
		}
	}
	im.relText(c, &r)
	return r, true
}

// relText keeps a relationship's name and documentation as properties: ours have neither.
func (im *importer) relText(c xConcept, r *graph.Relationship) {
	for name, v := range map[string]string{"name": text(c.Names), "documentation": text(c.Docs)} {
		if v == "" {
			continue
		}
		if r.Properties == nil {
			r.Properties = map[string]any{}
		}
		if _, set := r.Properties[name]; !set {
			r.Properties[name] = v
		}
	}
}

// typeName names a type in the report; an element without xsi:type has none.
func typeName(t string) string {
	if t == "" {
		return "(no type)"
	}
	return t
}

func (im *importer) isRelationship(id string) bool {
	if im.relIDs == nil {
		im.relIDs = make(map[string]bool, len(im.doc.relationships))
		for _, r := range im.doc.relationships {
			im.relIDs[r.ID] = true
		}
	}
	return im.relIDs[id]
}

// oriented puts the ends of a relationship that carries our type in our direction: the rule for
// that type and ArchiMate relationship says whether Export turned it round.
func oriented(rel string, t graph.RelType, source, target string, kindOf map[string]graph.Kind) (string, string) {
	for _, rule := range Mapping.Relationships {
		if rule.Type != t || rule.Rel != rel {
			continue
		}
		from, to := source, target
		if rule.Reverse {
			from, to = target, source
		}
		if slices.Contains(rule.From, kindOf[from]) && slices.Contains(rule.To, kindOf[to]) {
			return from, to
		}
	}
	return source, target
}

// readsAs says what an ArchiMate relationship type from a source kind can become, for a refusal
// message: the targets it reads to from that kind, or else the kinds it is read from at all.
func readsAs(rel string, source graph.Kind) string {
	for _, a := range Mapping.Aliases {
		if a.Rel == rel {
			rel = a.As
		}
	}
	var to, from []string
	for _, rule := range Mapping.Relationships {
		if rule.Rel != rel {
			continue
		}
		src, tgt := rule.From, rule.To
		if rule.Reverse {
			src, tgt = tgt, src
		}
		for _, k := range src {
			if !slices.Contains(from, string(k)) {
				from = append(from, string(k))
			}
		}
		if slices.Contains(src, source) {
			to = append(to, fmt.Sprintf("%s (as %s)", kindList(tgt), rule.Type))
		}
	}
	if len(to) > 0 {
		return fmt.Sprintf("from %s, %s goes to %s", source, rel, strings.Join(to, "; "))
	}
	return fmt.Sprintf("%s is read only from %s", rel, strings.Join(from, ", "))
}

func kindList(ks []graph.Kind) string {
	if len(ks) == len(graph.Kinds())-1 {
		return "any kind but " + string(missingKind(ks))
	}
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, "|")
}

func missingKind(ks []graph.Kind) graph.Kind {
	for _, k := range graph.Kinds() {
		if !slices.Contains(ks, k) {
			return k
		}
	}
	return ""
}

// refuse records a relationship our metamodel refuses: a problem, or with Lenient a skip.
func (im *importer) refuse(c xConcept, reason string) {
	if im.opt.Lenient {
		im.report.Skipped = append(im.report.Skipped, Skipped{ID: c.ID, Pos: c.pos, Reason: reason})
		return
	}
	im.problem(c.pos, "relationship "+c.ID, "", "type", reason)
}

// properties reads a concept's properties: ours (kind, type, tags) apart, the others by their
// definition's name (made a valid property name) with values of its data type.
func (im *importer) properties(c xConcept, path string, element bool) (map[string]any, map[string]string) {
	var props map[string]any
	ours := map[string]string{}
	for _, p := range c.Properties {
		d, ok := im.doc.defs[p.Ref]
		if !ok {
			im.problem(c.pos, path, "", "properties", fmt.Sprintf("property refers to definition %q, which the file does not define", p.Ref))
			continue
		}
		name, value := text(d.Names), text(p.Values)
		switch name {
		case kindProperty, typeProperty, tagsProperty:
			ours[name] = value
			continue
		}
		n := im.propName(name, element, props)
		if props == nil {
			props = map[string]any{}
		}
		props[n] = parseValue(d.Type, value)
	}
	return props, ours
}

// propName fits a property name to our rules and reports a change.
func (im *importer) propName(name string, element bool, taken map[string]any) string {
	n := propertyName(name, element)
	base := n
	for i := 2; ; i++ {
		if _, dup := taken[n]; !dup {
			break
		}
		n = fmt.Sprintf("%s_%d", base, i)
	}
	if n != name {
		im.report.Renamed[name] = n
	}
	return n
}

// parseValue reads a property value by its exchange data type: numbers as integers when they
// are whole and fit, booleans as true or false; anything else, and a value that does not parse,
// as text.
func parseValue(dataType, s string) any {
	switch dataType {
	case "number":
		t := strings.TrimSpace(s)
		if i, err := strconv.ParseInt(t, 10, 64); err == nil {
			return i
		}
		if f, err := strconv.ParseFloat(t, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			return f
		}
	case "boolean":
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "true", "1":
			return true
		case "false", "0":
			return false
		}
	}
	return s
}

// validate checks the file against our metamodel and places every problem in the XML. With
// Lenient, relationships with problems are dropped and listed instead.
func (im *importer) validate(f *graph.File) error {
	ps := graph.Validate(f, graph.Limits{})
	if im.opt.Lenient {
		ps = im.dropRefused(f, ps)
	}
	for _, p := range ps {
		im.ps = append(im.ps, im.place(p))
	}
	// In the order of the file, as an editor lists them.
	sort.SliceStable(im.ps, func(i, j int) bool {
		a, b := im.ps[i].Pos, im.ps[j].Pos
		return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
	})
	if len(im.ps) > 0 {
		return &Error{Problems: im.ps}
	}
	return nil
}

// dropRefused removes the relationships that have problems and returns the other problems.
func (im *importer) dropRefused(f *graph.File, ps []graph.Problem) []graph.Problem {
	drop := map[int]string{}
	var rest []graph.Problem
	for _, p := range ps {
		var i int
		if _, err := fmt.Sscanf(p.Path, "relationships[%d]", &i); err == nil && i < len(f.Relationships) {
			if _, seen := drop[i]; !seen {
				drop[i] = p.Reason
			}
			continue
		}
		rest = append(rest, p)
	}
	if len(drop) == 0 {
		return ps
	}
	var keep []graph.Relationship
	var pos []engine.Pos
	var ids []string
	for i, r := range f.Relationships {
		if why, ok := drop[i]; ok {
			im.report.Skipped = append(im.report.Skipped, Skipped{ID: im.relID[i], Pos: im.relPos[i], Reason: r.ID() + ": " + why})
			im.report.Relationships--
			continue
		}
		keep, pos, ids = append(keep, r), append(pos, im.relPos[i]), append(ids, im.relID[i])
	}
	f.Relationships, im.relPos, im.relID = keep, pos, ids
	return rest
}

// place turns a problem of graph.Validate, which names parts of the model file by index, into
// one that names the exchange identifier and its line and column.
func (im *importer) place(p graph.Problem) engine.Problem {
	var i int
	switch {
	case p.Path == "model":
		return engine.Problem{Problem: p, Pos: im.doc.model.pos}
	case scan(p.Path, "elements[%d]", &i) && i < len(im.elemPos):
		p.Path = "element " + im.elemID[i]
		return engine.Problem{Problem: p, Pos: im.elemPos[i]}
	case scan(p.Path, "relationships[%d]", &i) && i < len(im.relPos):
		p.Path = "relationship " + im.relID[i]
		return engine.Problem{Problem: p, Pos: im.relPos[i]}
	}
	return engine.Problem{Problem: p}
}

func scan(s, format string, i *int) bool {
	_, err := fmt.Sscanf(s, format, i)
	return err == nil
}
