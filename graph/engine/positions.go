package engine

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/modelgraph/modelgraph/graph"
)

// Pos is a place in a model file: 1-based line and column (in characters). The zero Pos means
// unknown.
type Pos struct {
	Line, Col int
}

// Known reports whether p names a place.
func (p Pos) Known() bool { return p.Line > 0 }

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// Problem is one reason a model file is invalid: where it is in the file (File and Pos) and in
// the model (Path, Key, Field, as graph.Problem gives them).
type Problem struct {
	graph.Problem
	File string
	Pos  Pos
}

// String gives "file:line:col: path (key) field: reason".
func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		b.WriteByte(':')
	}
	if p.Pos.Known() {
		b.WriteString(p.Pos.String())
		b.WriteByte(':')
	}
	if b.Len() > 0 {
		b.WriteByte(' ')
	}
	b.WriteString(p.Problem.String())
	return b.String()
}

// fieldPos is where one field of an item is; field "" is the item itself. Fields are named as
// graph.Problem names them: "kind", "tags[2]", "properties.share".
type fieldPos struct {
	field string
	pos   Pos
}

type fieldPositions []fieldPos

// find returns the position of field, else of the nearest enclosing field, else of the item.
func (fs fieldPositions) find(field string) Pos {
	for {
		for _, f := range fs {
			if f.field == field {
				return f.pos
			}
		}
		if field == "" {
			return Pos{}
		}
		i := strings.LastIndexAny(field, ".[")
		field = field[:max(i, 0)]
	}
}

// positions records where everything of a parsed file is, by index in the file.
type positions struct {
	file     string
	document fieldPositions // "" is the document, then "model", "elements", "relationships"
	model    fieldPositions
	elements []fieldPositions
	rels     []fieldPositions
}

// locate finds the position of what a problem names.
func (ps *positions) locate(p graph.Problem) Pos {
	if ps == nil {
		return Pos{}
	}
	var fs fieldPositions
	switch name, i, ok := indexed(p.Path); {
	case p.Path == "model":
		fs = ps.model
	case ok && name == "elements" && i < len(ps.elements):
		fs = ps.elements[i]
	case ok && name == "relationships" && i < len(ps.rels):
		fs = ps.rels[i]
	default:
		return ps.document.find(p.Path)
	}
	if pos := fs.find(p.Field); pos.Known() {
		return pos
	}
	return ps.document.find("")
}

// indexed splits "elements[3]" into ("elements", 3).
func indexed(path string) (string, int, bool) {
	name, rest, ok := strings.Cut(path, "[")
	if !ok || !strings.HasSuffix(rest, "]") {
		return "", 0, false
	}
	i, err := strconv.Atoi(strings.TrimSuffix(rest, "]"))
	return name, i, err == nil && i >= 0
}

func (ps *positions) problem(p graph.Problem) Problem {
	out := Problem{Problem: p, Pos: ps.locate(p)}
	if ps != nil {
		out.File = ps.file
	}
	return out
}

// SourceName returns the file name a parsed model came from ("" when it was not parsed).
func (m *Model) SourceName() string {
	if m.pos == nil {
		return ""
	}
	return m.pos.file
}

// ElementPos returns where a field of an element is in the file the model was parsed from
// (field "" for the element itself; "properties.x", "tags[1]" and so on). The Pos is unknown for
// a model that was not parsed.
func (m *Model) ElementPos(id NodeID, field string) Pos {
	if m.pos == nil || int(id) >= len(m.pos.elements) {
		return Pos{}
	}
	return m.pos.elements[id].find(field)
}

// RelPos returns where a field of a relationship is in the file the model was parsed from.
func (m *Model) RelPos(id RelID, field string) Pos {
	if m.pos == nil || int(id) >= len(m.pos.rels) {
		return Pos{}
	}
	return m.pos.rels[id].find(field)
}

// ModelPos returns where a field of the model header ("key", "name", "description") is.
func (m *Model) ModelPos(field string) Pos {
	if m.pos == nil {
		return Pos{}
	}
	return m.pos.model.find(field)
}
