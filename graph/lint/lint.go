// Package lint checks model files the way an editor or a CI job wants them checked: every problem
// at once, each at its file:line:col, with "did you mean" for misspelt kinds, relationship types,
// element keys and field names.
//
// It builds on graph/engine's reader, which keeps the place of every element, relationship and
// field. The engine stops before the metamodel checks when a file has fields it does not know;
// lint then reads the file a second time without those fields, so that the metamodel's problems
// are reported too, in the same run.
package lint

import (
	"cmp"
	"slices"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/engine"
)

// Problem is one reason a model file is invalid, with its place in the file.
type Problem struct {
	File    string `json:"file"`
	Line    int    `json:"line"` // 0: the place is unknown
	Col     int    `json:"col"`
	Path    string `json:"path"`
	Key     string `json:"key,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// String gives "file:line:col: path (key) field: reason", as compilers and linters do.
func (p Problem) String() string {
	return engine.Problem{File: p.File, Pos: engine.Pos{Line: p.Line, Col: p.Col},
		Problem: graph.Problem{Path: p.Path, Key: p.Key, Field: p.Field, Reason: p.Message}}.String()
}

// Check reads and validates a model file (YAML or JSON, by the name's extension or the content).
// It returns the model when the file is valid, else every problem found, in file order.
func Check(name string, data []byte, lim graph.Limits) (*engine.Model, []Problem) {
	m, eps := engine.ParseFile(name, data, lim)
	if m != nil {
		return m, nil
	}
	ps := make([]Problem, 0, len(eps))
	for _, p := range eps {
		ps = append(ps, FromEngine(p))
	}
	// Problems the engine's reader found (unknown fields, values of the wrong shape) hide the
	// metamodel's: read again without what it could not read.
	var keys []string
	if f, loc, ok := reread(data, isJSON(name, data)); ok {
		ps = merge(ps, located(name, loc, graph.Validate(f, lim)))
		for _, e := range f.Elements {
			keys = append(keys, e.Key)
		}
	}
	suggest(ps, keys)
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Col, b.Col))
	})
	return nil, ps
}

// Detail is the problem without its place: "path (key) field: reason".
func (p Problem) Detail() string {
	return graph.Problem{Path: p.Path, Key: p.Key, Field: p.Field, Reason: p.Message}.String()
}

// FromEngine converts a located problem of the engine (or of a reader built on it).
func FromEngine(p engine.Problem) Problem {
	return Problem{File: p.File, Line: p.Pos.Line, Col: p.Pos.Col, Path: p.Path, Key: p.Key, Field: p.Field, Message: p.Reason}
}

func located(name string, loc *locator, gps []graph.Problem) []Problem {
	out := make([]Problem, len(gps))
	for i, p := range gps {
		pos := loc.find(p.Path, p.Field)
		out[i] = Problem{File: name, Line: pos.Line, Col: pos.Col, Path: p.Path, Key: p.Key, Field: p.Field, Message: p.Reason}
	}
	return out
}

// merge adds the second reading's problems to the engine's. One the engine already reports is
// left out, and so is one about a field the engine could not read (it follows from that).
func merge(ps, more []Problem) []Problem {
	type id struct{ path, field string }
	seen := map[id]bool{}
	for _, p := range ps {
		seen[id{p.Path, p.Field}] = true
	}
	for _, p := range more {
		if seen[id{p.Path, p.Field}] {
			continue
		}
		ps = append(ps, p)
	}
	return ps
}
