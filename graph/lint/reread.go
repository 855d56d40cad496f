package lint

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/engine"
)

// The fields of each part of a model file, as the engine's reader knows them.
var (
	fileFields  = []string{"model", "elements", "relationships"}
	modelFields = []string{"key", "name", "description"}
	elemFields  = []string{"key", "kind", "name", "description", "tags", "properties"}
	relFields   = []string{"from", "type", "to", "properties"}
)

func isJSON(name string, data []byte) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".json":
		return true
	case ".yaml", ".yml":
		return false
	}
	t := bytes.TrimLeft(data, " \t\r\n")
	return len(t) > 0 && t[0] == '{'
}

// reread reads a model file that the engine's reader refused for its fields, leaving out the
// fields it does not know, and notes where every part is. The YAML reader takes JSON too (JSON is
// YAML's flow style), which gives JSON files the same places. ok is false when the file cannot be
// read at all (a syntax error, which the engine has reported).
func reread(data []byte, json bool) (*graph.File, *locator, bool) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil || len(doc.Content) != 1 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil, false
	}
	root := doc.Content[0]
	firstOnly(root)
	loc := &locator{places: map[string]engine.Pos{"document": at(root)}}
	f := &graph.File{}
	keep(root, fileFields, json)
	for i := 0; i+1 < len(root.Content); i += 2 {
		v := root.Content[i+1]
		switch root.Content[i].Value {
		case "model":
			loc.item("model", v, modelFields, json)
			_ = v.Decode(&f.Model) // a value of the wrong shape is the engine's problem
		case "elements":
			f.Elements = items(v, "elements", elemFields, json, loc, func(n *yaml.Node) (e graph.Element) { _ = n.Decode(&e); return e })
		case "relationships":
			f.Relationships = items(v, "relationships", relFields, json, loc, func(n *yaml.Node) (r graph.Relationship) { _ = n.Decode(&r); return r })
		}
	}
	return f, loc, true
}

func items[T any](list *yaml.Node, path string, fields []string, json bool, loc *locator, decode func(*yaml.Node) T) []T {
	if list.Kind != yaml.SequenceNode {
		return nil
	}
	out := make([]T, 0, len(list.Content))
	for i, n := range list.Content {
		loc.item(fmt.Sprintf("%s[%d]", path, i), n, fields, json)
		out = append(out, decode(n))
	}
	return out
}

// firstOnly drops repeated keys of every mapping under n, keeping the first (the engine reports
// the repeats), so that the rest of the mapping can still be read.
func firstOnly(n *yaml.Node) {
	if n.Kind == yaml.MappingNode {
		seen := map[string]bool{}
		out := n.Content[:0]
		for i := 0; i+1 < len(n.Content); i += 2 {
			if k := n.Content[i]; !seen[k.Value] {
				seen[k.Value] = true
				out = append(out, k, n.Content[i+1])
			}
		}
		n.Content = out
	}
	for _, c := range n.Content {
		firstOnly(c)
	}
}

// keep drops the fields of a mapping that are not in fields. In JSON, a field name matches
// ignoring case, as the engine's reader (and encoding/json) match it.
func keep(n *yaml.Node, fields []string, json bool) {
	if n.Kind != yaml.MappingNode {
		return
	}
	out := n.Content[:0]
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i]
		if name, ok := known(fields, k.Value, json); ok {
			k.Value = name
			out = append(out, k, n.Content[i+1])
		}
	}
	n.Content = out
}

func known(fields []string, s string, json bool) (string, bool) {
	for _, f := range fields {
		if f == s || json && strings.EqualFold(f, s) {
			return f, true
		}
	}
	return "", false
}

// locator finds the place of what a graph.Problem names: the field, else the nearest enclosing
// field, else the item.
type locator struct {
	places map[string]engine.Pos // "elements[2]", "elements[2].kind", "elements[2].tags[1]", ...
}

func at(n *yaml.Node) engine.Pos { return engine.Pos{Line: n.Line, Col: n.Column} }

// item notes the place of an item and of its fields (values), tags and properties.
func (l *locator) item(path string, n *yaml.Node, fields []string, json bool) {
	l.places[path] = at(n)
	keep(n, fields, json)
	if n.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		field, v := n.Content[i].Value, n.Content[i+1]
		l.places[path+"."+field] = at(v)
		for j, c := range v.Content {
			switch {
			case field == "tags":
				l.places[fmt.Sprintf("%s.tags[%d]", path, j)] = at(c)
			case field == "properties" && j%2 == 1:
				l.places[path+".properties."+v.Content[j-1].Value] = at(c)
			}
		}
	}
}

func (l *locator) find(path, field string) engine.Pos {
	for f := field; ; {
		name := path
		if f != "" {
			name += "." + f
		}
		if p, ok := l.places[name]; ok {
			return p
		}
		if f == "" {
			return l.places["document"]
		}
		f = f[:max(strings.LastIndexAny(f, ".["), 0)]
	}
}
