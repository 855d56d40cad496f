package graph

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// jsonDuplicateKeys finds object keys that appear twice in one JSON object. encoding/json keeps
// the last one silently ("kind":"Gadget","kind":"Process" reads as Process); YAML refuses them,
// and so does a model file in JSON. data must already be valid JSON.
func jsonDuplicateKeys(data []byte) []Problem {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	w := keyWalker{lines: lineCounter{data: data, line: 1}}
	for {
		tok, err := dec.Token()
		if err != nil {
			break // io.EOF, or a syntax error the decoder has already reported
		}
		w.token(tok, dec.InputOffset())
	}
	return capProblems(w.problems, w.more)
}

// jsonFrame is one open object or array.
type jsonFrame struct {
	object  bool
	path    string
	keys    map[string]bool
	wantKey bool   // the next string is a key
	key     string // the current key of an object
	index   int    // the current index of an array
}

type keyWalker struct {
	stack    []*jsonFrame
	problems []Problem
	more     int
	lines    lineCounter
}

func (w *keyWalker) top() *jsonFrame {
	if len(w.stack) == 0 {
		return nil
	}
	return w.stack[len(w.stack)-1]
}

func (w *keyWalker) token(tok json.Token, off int64) {
	top := w.top()
	if top != nil && top.object && top.wantKey {
		if k, ok := tok.(string); ok {
			if top.keys[k] {
				w.duplicate(top.path, k, off)
			}
			top.keys[k] = true
			top.key, top.wantKey = k, false
			return
		}
	}
	switch tok {
	case json.Delim('{'):
		w.stack = append(w.stack, &jsonFrame{object: true, path: w.childPath(), keys: map[string]bool{}, wantKey: true})
	case json.Delim('['):
		w.stack = append(w.stack, &jsonFrame{path: w.childPath()})
	case json.Delim('}'), json.Delim(']'):
		w.stack = w.stack[:len(w.stack)-1]
		w.valueDone()
	default:
		w.valueDone()
	}
}

// childPath is where a value that starts now sits: elements[3].properties, model, ...
func (w *keyWalker) childPath() string {
	top := w.top()
	switch {
	case top == nil:
		return ""
	case top.object && top.path == "":
		return top.key
	case top.object:
		return top.path + "." + top.key
	default:
		return top.path + "[" + strconv.Itoa(top.index) + "]"
	}
}

func (w *keyWalker) valueDone() {
	top := w.top()
	switch {
	case top == nil:
	case top.object:
		top.wantKey = true
	default:
		top.index++
	}
}

func (w *keyWalker) duplicate(path, key string, off int64) {
	if len(w.problems) >= MaxProblems {
		w.more++
		return
	}
	p := Problem{Path: "document", Field: Clip(key)}
	if path != "" {
		// elements[3].properties -> path elements[3], field properties.share
		head, rest, _ := strings.Cut(path, ".")
		p.Path = head
		if rest != "" {
			p.Field = rest + "." + Clip(key)
		}
	}
	p.Reason = fmt.Sprintf("duplicate key %s on line %d: a key may appear once in an object", quote(key), w.lines.at(off))
	w.problems = append(w.problems, p)
}

// lineCounter turns increasing byte offsets into line numbers without rescanning the input.
type lineCounter struct {
	data []byte
	off  int64
	line int
}

func (c *lineCounter) at(off int64) int {
	off = min(off, int64(len(c.data)))
	if off > c.off {
		c.line += bytes.Count(c.data[c.off:off], []byte("\n"))
		c.off = off
	}
	return c.line
}
