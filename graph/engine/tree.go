package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// node is a parsed YAML or JSON value with its position: the one shape the model-file reader
// walks, whichever the format.
type node struct {
	kind     nodeKind
	pos      Pos
	text     string // a scalar's text
	isString bool   // a scalar that is a string (quoted, or plain text in YAML)
	val      any    // a scalar's value: string, bool, nil, json.Number (JSON) or what YAML decodes
	yaml     *yaml.Node
	items    []*node // a sequence's items; a mapping's keys and values, alternating
}

type nodeKind int

const (
	scalarNode nodeKind = iota
	nullNode
	seqNode
	mapNode
)

// errTree is a document that cannot be read at all, with the place it breaks.
type errTree struct {
	pos    Pos
	reason string
}

func (e *errTree) Error() string { return e.reason }

// yamlTree reads one YAML document.
func yamlTree(data []byte) (*node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &errTree{reason: "is empty"}
		}
		return nil, &errTree{pos: yamlErrorPos(err), reason: "is not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, &errTree{pos: Pos{Line: extra.Line, Col: extra.Column}, reason: "holds more than one YAML document; put one model in a file"}
	}
	budget := 8*len(data) + 64 // bounds alias expansion
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	return fromYAML(root, &budget, 0)
}

// yamlErrorPos reads "line N" from a yaml.v3 error message, the only place it gives one.
func yamlErrorPos(err error) Pos {
	var line int
	msg := err.Error()
	if i := strings.Index(msg, "line "); i >= 0 {
		fmt.Sscanf(msg[i:], "line %d", &line)
	}
	return Pos{Line: line, Col: min(line, 1)}
}

const maxNesting = 64

func fromYAML(y *yaml.Node, budget *int, depth int) (*node, error) {
	*budget--
	if *budget < 0 || depth > maxNesting {
		return nil, &errTree{pos: Pos{y.Line, y.Column}, reason: "nests or repeats aliases too deeply"}
	}
	if y.Kind == yaml.AliasNode {
		return fromYAML(y.Alias, budget, depth+1)
	}
	n := &node{pos: Pos{Line: y.Line, Col: y.Column}, yaml: y}
	switch y.Kind {
	case yaml.ScalarNode:
		n.kind, n.text = scalarNode, y.Value
		switch y.ShortTag() {
		case "!!null":
			n.kind = nullNode
		case "!!str":
			n.isString = true
		}
	case yaml.SequenceNode, yaml.MappingNode:
		n.kind = seqNode
		if y.Kind == yaml.MappingNode {
			n.kind = mapNode
		}
		for _, c := range y.Content {
			cn, err := fromYAML(c, budget, depth+1)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, cn)
		}
	default:
		n.kind = nullNode
	}
	return n, nil
}

// scalarValue decodes a scalar property value.
func (n *node) scalarValue() any {
	switch {
	case n.kind == nullNode:
		return nil
	case n.kind == seqNode:
		return []any{}
	case n.kind == mapNode:
		return map[string]any{}
	case n.yaml != nil:
		if n.yaml.Style == 0 && yamlInteger.MatchString(n.text) {
			// A plain integer beyond 64 bits, which YAML would read as a float and lose digits
			// of: hand validation the number as written, so it is refused as in JSON.
			if _, err := strconv.ParseInt(strings.ReplaceAll(n.text, "_", ""), 10, 64); err != nil && errors.Is(err, strconv.ErrRange) {
				return json.Number(strings.TrimPrefix(strings.ReplaceAll(n.text, "_", ""), "+"))
			}
		}
		var v any
		if err := n.yaml.Decode(&v); err != nil {
			return n.text
		}
		return v
	}
	return n.val
}

var yamlInteger = regexp.MustCompile(`^[-+]?[0-9][0-9_]*$`)

// jsonTree reads one JSON value with encoding/json, keeping the offset of every value so that
// JSON strings, numbers and duplicate keys behave exactly as in the store's JSON reader.
func jsonTree(data []byte) (*node, error) {
	r := &jsonReader{data: data, dec: json.NewDecoder(bytes.NewReader(data)), lines: lineStarts(data)}
	r.dec.UseNumber()
	n, err := r.value(0)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &errTree{reason: "is empty"}
		}
		return nil, err
	}
	if r.dec.More() {
		return nil, &errTree{pos: r.at(r.start()), reason: "has data after the model object"}
	}
	if _, err := r.dec.Token(); err != nil && !errors.Is(err, io.EOF) {
		return nil, r.syntax(err)
	}
	return n, nil
}

type jsonReader struct {
	data  []byte
	dec   *json.Decoder
	lines []int
}

// start is the offset where the next token begins: after the previous one, blanks, ',' and ':'.
func (r *jsonReader) start() int {
	off := int(r.dec.InputOffset())
	for off < len(r.data) && strings.IndexByte(" \t\r\n,:", r.data[off]) >= 0 {
		off++
	}
	return off
}

func (r *jsonReader) at(off int) Pos {
	line := sort.Search(len(r.lines), func(i int) bool { return r.lines[i] > off })
	return Pos{Line: line, Col: 1 + utf8.RuneCount(r.data[r.lines[line-1]:min(off, len(r.data))])}
}

func lineStarts(data []byte) []int {
	starts := []int{0}
	for i, c := range data {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

func (r *jsonReader) syntax(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &errTree{pos: r.at(int(se.Offset)), reason: "is not valid JSON: " + se.Error()}
	}
	return &errTree{pos: r.at(r.start()), reason: "is not valid JSON: " + err.Error()}
}

func (r *jsonReader) value(depth int) (*node, error) {
	if depth > maxNesting {
		return nil, &errTree{pos: r.at(r.start()), reason: "nests too deeply"}
	}
	pos := r.at(r.start())
	tok, err := r.dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) && depth == 0 {
			return nil, err
		}
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return nil, r.syntax(err)
	}
	n := &node{pos: pos, kind: scalarNode, val: tok}
	switch t := tok.(type) {
	case nil:
		n.kind = nullNode
	case string:
		n.text, n.isString = t, true
	case json.Number:
		n.text = string(t)
	case bool:
		n.text = fmt.Sprint(t)
	case json.Delim:
		return r.container(n, t, depth)
	}
	return n, nil
}

func (r *jsonReader) container(n *node, open json.Delim, depth int) (*node, error) {
	n.kind, n.val = seqNode, nil
	if open == '{' {
		n.kind = mapNode
	}
	for r.dec.More() {
		if n.kind == mapNode {
			k, err := r.value(depth + 1)
			if err != nil {
				return nil, err
			}
			n.items = append(n.items, k)
		}
		v, err := r.value(depth + 1)
		if err != nil {
			return nil, err
		}
		n.items = append(n.items, v)
	}
	if _, err := r.dec.Token(); err != nil { // the closing delimiter
		return nil, r.syntax(err)
	}
	return n, nil
}
