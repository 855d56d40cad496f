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
// and so does a model file in JSON. data must already be valid JSON: this scans its bytes (the
// decoder's token stream is several times slower than decoding the file).
func jsonDuplicateKeys(data []byte) []Problem {
	w := keyWalker{lines: lineCounter{data: data, line: 1}}
	for i := 0; i < len(data); {
		switch c := data[i]; c {
		case '{', '[':
			w.open(c == '{')
			i++
		case '}', ']':
			w.close()
			i++
		case '"':
			end := stringEnd(data, i)
			w.str(data[i+1:end], int64(i))
			i = end + 1
		case ' ', '\t', '\r', '\n', ',', ':':
			i++
		default: // number, true, false or null
			for i < len(data) && !strings.ContainsRune(" \t\r\n,]}", rune(data[i])) {
				i++
			}
			w.valueDone()
		}
	}
	return capProblems(w.problems, w.more)
}

// stringEnd is the index of the quote that ends the string starting at data[start].
func stringEnd(data []byte, start int) int {
	for i := start + 1; i < len(data); i++ {
		switch data[i] {
		case '\\':
			i++
		case '"':
			return i
		}
	}
	return len(data) - 1
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

func (w *keyWalker) open(object bool) {
	f := &jsonFrame{object: object, path: w.childPath(), wantKey: object}
	if object {
		f.keys = map[string]bool{}
	}
	w.stack = append(w.stack, f)
}

func (w *keyWalker) close() {
	if len(w.stack) > 0 {
		w.stack = w.stack[:len(w.stack)-1]
	}
	w.valueDone()
}

// str handles a string, raw as written (without its quotes), at offset off: a key or a value.
func (w *keyWalker) str(raw []byte, off int64) {
	top := w.top()
	if top == nil || !top.object || !top.wantKey {
		w.valueDone()
		return
	}
	k := string(raw)
	if bytes.IndexByte(raw, '\\') >= 0 {
		json.Unmarshal(append(append([]byte{'"'}, raw...), '"'), &k) // "k" and "\u006b" are one key
	}
	if top.keys[k] {
		w.duplicate(top.path, k, off)
	}
	top.keys[k] = true
	top.key, top.wantKey = k, false
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
