package engine

import (
	"bytes"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/modelgraph/modelgraph/graph"
)

// ParseFile reads a model file (YAML or JSON: by the name's extension, else JSON when the first
// non-blank byte is '{'), validates it against the metamodel and the limits, and builds its Model.
// Every element, relationship and field keeps its place in the file. When the file is invalid the
// Model is nil and the problems say what is wrong and where, in file order of discovery (the
// order graph.Validate reports them).
func ParseFile(name string, data []byte, lim graph.Limits) (*Model, []Problem) {
	f, ps, probs := decode(name, data)
	if len(probs) > 0 {
		return nil, probs
	}
	if gps := graph.Validate(f, lim); len(gps) > 0 {
		return nil, ps.problems(gps)
	}
	m, err := FromFile(f)
	if err != nil {
		// Validation rules out everything FromFile refuses; reaching here is a bug, said plainly.
		return nil, []Problem{ps.problem(graph.Problem{Path: "document", Reason: err.Error()})}
	}
	m.pos = ps
	return m, nil
}

func (ps *positions) problems(gps []graph.Problem) []Problem {
	out := make([]Problem, len(gps))
	for i, p := range gps {
		out[i] = ps.problem(p)
	}
	return out
}

// decode reads a model file into a graph.File without validating it, with the places of its
// parts. Problems are the ones that stop the file being read: syntax, unknown or repeated fields,
// values of the wrong shape.
func decode(name string, data []byte) (*graph.File, *positions, []Problem) {
	ps := &positions{file: name, document: fieldPositions{{"", Pos{1, 1}}}}
	if len(data) > graph.MaxDocumentBytes {
		return nil, ps, []Problem{ps.problem(graph.Problem{Path: "document", Reason: fmt.Sprintf("is %d bytes; the limit is %d", len(data), graph.MaxDocumentBytes)})}
	}
	var root *node
	var err error
	if formatOf(name, data) == graph.JSON {
		root, err = jsonTree(data)
	} else {
		root, err = yamlTree(data)
	}
	if err != nil {
		var te *errTree
		if !errors.As(err, &te) {
			te = &errTree{reason: err.Error()}
		}
		return nil, ps, []Problem{{Problem: graph.Problem{Path: "document", Reason: te.reason}, File: name, Pos: te.pos}}
	}
	d := &decoder{ps: ps}
	f := d.file(root)
	return f, ps, d.problems
}

func formatOf(name string, data []byte) graph.Format {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		return graph.JSON
	case ".yaml", ".yml":
		return graph.YAML
	}
	if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] == '{' {
		return graph.JSON
	}
	return graph.YAML
}

// decoder walks a node tree into a graph.File, noting positions and problems.
type decoder struct {
	ps       *positions
	problems []Problem
}

func (d *decoder) add(pos Pos, path, key, field, reason string) {
	d.problems = append(d.problems, Problem{Problem: graph.Problem{Path: path, Key: key, Field: field, Reason: reason}, File: d.ps.file, Pos: pos})
}

// fields walks a mapping, calling set for each known field; unknown and repeated fields are
// problems. A null stands for an empty mapping.
func (d *decoder) fields(n *node, path, what string, known []string, set func(field string, v *node)) bool {
	switch n.kind {
	case nullNode:
		return true
	case mapNode:
	default:
		d.add(n.pos, path, "", "", what+" must be a mapping of fields")
		return false
	}
	seen := map[string]Pos{}
	for i := 0; i+1 < len(n.items); i += 2 {
		k, v := n.items[i], n.items[i+1]
		name, ok := fieldName(known, k)
		switch at, dup := seen[name]; {
		case k.kind == nullNode:
			// The store's YAML reader skips a null key; so does this one.
		case !ok:
			d.add(k.pos, path, "", k.text, fmt.Sprintf("unknown field %q; %s has %s", k.text, what, strings.Join(known, ", ")))
		case dup:
			// Stricter than encoding/json, which keeps the last silently.
			d.add(k.pos, path, "", name, fmt.Sprintf("is given twice; the first is at %s", at))
		default:
			seen[name] = k.pos
			set(name, v)
		}
	}
	return true
}

// fieldName finds the known field a key names: exactly in YAML; in JSON, as encoding/json does,
// ignoring case when no field matches exactly.
func fieldName(known []string, k *node) (string, bool) {
	for _, f := range known {
		if f == k.text {
			return f, true
		}
	}
	if k.yaml == nil {
		for _, f := range known {
			if strings.EqualFold(f, k.text) {
				return f, true
			}
		}
	}
	return "", false
}

func (d *decoder) file(root *node) *graph.File {
	f := &graph.File{}
	d.fields(root, "document", "a model file", []string{"model", "elements", "relationships"}, func(field string, v *node) {
		d.ps.document = append(d.ps.document, fieldPos{field, v.pos})
		switch field {
		case "model":
			d.ps.model = fieldPositions{{"", v.pos}}
			d.fields(v, "model", "model", []string{"key", "name", "description"}, func(field string, v *node) {
				d.ps.model = append(d.ps.model, fieldPos{field, v.pos})
				s := d.str(v, "model", "", field)
				switch field {
				case "key":
					f.Model.Key = s
				case "name":
					f.Model.Name = s
				case "description":
					f.Model.Description = s
				}
			})
		case "elements":
			for i, item := range d.seq(v, "elements") {
				f.Elements = append(f.Elements, d.element(item, i))
			}
		case "relationships":
			for i, item := range d.seq(v, "relationships") {
				f.Relationships = append(f.Relationships, d.relationship(item, i))
			}
		}
	})
	return f
}

func (d *decoder) seq(n *node, path string) []*node {
	switch n.kind {
	case nullNode:
		return nil
	case seqNode:
		return n.items
	}
	d.add(n.pos, path, "", "", "must be a list")
	return nil
}

// str reads a string field. YAML takes any scalar as text, as the YAML reader does; JSON wants a
// string. Null is the empty string.
func (d *decoder) str(v *node, path, key, field string) string {
	switch {
	case v.kind == nullNode:
		return ""
	case v.kind == scalarNode && (v.isString || v.yaml != nil):
		return v.text
	}
	d.add(v.pos, path, key, field, "must be a string")
	return ""
}

func (d *decoder) element(n *node, i int) graph.Element {
	path := fmt.Sprintf("elements[%d]", i)
	fp := fieldPositions{{"", n.pos}}
	var e graph.Element
	d.fields(n, path, "an element", []string{"key", "kind", "name", "description", "tags", "properties"}, func(field string, v *node) {
		fp = append(fp, fieldPos{field, v.pos})
		switch field {
		case "key":
			e.Key = d.str(v, path, "", field)
		case "kind":
			e.Kind = graph.Kind(d.str(v, path, e.Key, field))
		case "name":
			e.Name = d.str(v, path, e.Key, field)
		case "description":
			e.Description = d.str(v, path, e.Key, field)
		case "tags":
			for j, t := range d.seq(v, path+".tags") {
				f := fmt.Sprintf("tags[%d]", j)
				fp = append(fp, fieldPos{f, t.pos})
				e.Tags = append(e.Tags, d.str(t, path, e.Key, f))
			}
		case "properties":
			e.Properties = d.props(v, path, e.Key, &fp)
		}
	})
	d.ps.elements = append(d.ps.elements, fp)
	return e
}

func (d *decoder) relationship(n *node, i int) graph.Relationship {
	path := fmt.Sprintf("relationships[%d]", i)
	fp := fieldPositions{{"", n.pos}}
	var r graph.Relationship
	d.fields(n, path, "a relationship", []string{"from", "type", "to", "properties"}, func(field string, v *node) {
		fp = append(fp, fieldPos{field, v.pos})
		switch field {
		case "from":
			r.From = d.str(v, path, "", field)
		case "type":
			r.Type = graph.RelType(d.str(v, path, "", field))
		case "to":
			r.To = d.str(v, path, "", field)
		case "properties":
			r.Properties = d.props(v, path, "", &fp)
		}
	})
	d.ps.rels = append(d.ps.rels, fp)
	return r
}

// props reads a free property map. Values are kept as decoded; validation checks and normalises
// them.
func (d *decoder) props(v *node, path, key string, fp *fieldPositions) map[string]any {
	switch v.kind {
	case nullNode:
		return nil
	case mapNode:
	default:
		d.add(v.pos, path, key, "properties", "must be a mapping of names to values")
		return nil
	}
	out := make(map[string]any, len(v.items)/2)
	seen := make(map[string]Pos, len(v.items)/2)
	for i := 0; i+1 < len(v.items); i += 2 {
		k, val := v.items[i], v.items[i+1]
		field := "properties." + k.text
		if at, dup := seen[k.text]; dup {
			d.add(k.pos, path, key, field, fmt.Sprintf("is given twice; the first is at %s", at))
			continue
		}
		seen[k.text] = k.pos
		*fp = append(*fp, fieldPos{field, val.pos})
		out[k.text] = val.scalarValue()
	}
	return out
}
