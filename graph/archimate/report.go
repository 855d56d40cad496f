package archimate

import (
	"fmt"
	"sort"
	"strings"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/engine"
)

// Report says what an import took and what it left out. Nothing in the file is left out without
// being counted here.
type Report struct {
	// Model is the model key the file was read as.
	Model string
	// Elements and Relationships count what was imported.
	Elements, Relationships int
	// UnmappedElements counts, by ArchiMate type, the elements of a type the mapping does not
	// read (events, data objects, junctions, ...).
	UnmappedElements map[string]int
	// UnmappedRelationships counts, by ArchiMate type, relationships of a type the mapping does
	// not read (access, specialization).
	UnmappedRelationships map[string]int
	// Unattached counts, by ArchiMate type, relationships left out because one of their ends is
	// left out (or is itself a relationship).
	Unattached map[string]int
	// Skipped lists the relationships our metamodel refuses, left out under Options.Lenient.
	Skipped []Skipped
	// Duplicates lists relationships that read as one already imported (same from, type, to).
	Duplicates []Skipped
	// Renamed maps property names changed to fit ours to their new names.
	Renamed map[string]string
	// Views counts the diagrams, which are not imported.
	Views int
	// Organizations says the file has folders, which are not imported.
	Organizations bool
	// ModelProperties counts the properties of the model itself, which are not imported (a
	// model has none).
	ModelProperties int
}

// Skipped is a relationship of the file that was not imported, with where it is and why.
type Skipped struct {
	ID     string
	Pos    engine.Pos
	Reason string
}

func newReport(doc *rawDoc) *Report {
	return &Report{UnmappedElements: map[string]int{}, UnmappedRelationships: map[string]int{},
		Unattached: map[string]int{}, Renamed: map[string]string{}, Views: doc.views,
		Organizations: doc.organizations, ModelProperties: doc.modelProps}
}

// Lines describes the report in plain sentences, one per line, for the command line.
func (r *Report) Lines() []string {
	out := []string{fmt.Sprintf("read as model %s: %d elements, %d relationships", r.Model, r.Elements, r.Relationships)}
	if s := counts(r.UnmappedElements); s != "" {
		out = append(out, "elements of types without a mapping, not imported: "+s)
	}
	if s := counts(r.UnmappedRelationships); s != "" {
		out = append(out, "relationships of types without a mapping, not imported: "+s)
	}
	if s := counts(r.Unattached); s != "" {
		out = append(out, "relationships with an end not imported, not imported: "+s)
	}
	for _, s := range r.Skipped {
		out = append(out, fmt.Sprintf("%s: relationship %s skipped: %s", s.Pos, s.ID, s.Reason))
	}
	for _, s := range r.Duplicates {
		out = append(out, fmt.Sprintf("%s: relationship %s skipped: %s", s.Pos, s.ID, s.Reason))
	}
	for _, from := range sortedKeys(r.Renamed) {
		out = append(out, fmt.Sprintf("property %q renamed %q", from, r.Renamed[from]))
	}
	if r.Views > 0 {
		out = append(out, fmt.Sprintf("%d views ignored: modelgraph imports elements and relationships only", r.Views))
	}
	if r.Organizations {
		out = append(out, "folders (organizations) ignored")
	}
	if r.ModelProperties > 0 {
		out = append(out, fmt.Sprintf("%d properties of the model itself ignored", r.ModelProperties))
	}
	return out
}

// counts writes "BusinessEvent 2, DataObject 1" in type order.
func counts(m map[string]int) string {
	var parts []string
	for _, k := range sortedKeys(m) {
		parts = append(parts, fmt.Sprintf("%s %d", k, m[k]))
	}
	return strings.Join(parts, ", ")
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

// Error is an exchange file that cannot be imported, with every problem placed in the file. It
// matches graph.ErrInvalid.
type Error struct {
	Problems []engine.Problem
}

func (e *Error) Error() string {
	if len(e.Problems) == 1 {
		return "invalid input: " + e.Problems[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "invalid input: %d problems:", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Is makes errors.Is(err, graph.ErrInvalid) true.
func (e *Error) Is(target error) bool { return target == graph.ErrInvalid }

func located(pos engine.Pos, path, key, field, reason string) error {
	return &Error{Problems: []engine.Problem{{Problem: graph.Problem{Path: path, Key: key, Field: field, Reason: reason}, Pos: pos}}}
}

// withFile puts the file name on every problem of an *Error.
func withFile(err error, name string) error {
	if e, ok := err.(*Error); ok && name != "" {
		for i := range e.Problems {
			e.Problems[i].File = name
		}
	}
	return err
}
