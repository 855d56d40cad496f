package archimate

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/modelgraph/modelgraph/graph/engine"
)

// IsExchange reports whether data is an ArchiMate exchange file: its root element is model in
// the exchange namespace. Only the start of the document is read.
func IsExchange(data []byte) bool {
	dec := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t.Name.Space == Namespace && t.Name.Local == "model"
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return false
			}
		}
	}
}

// The parts of an exchange file that import reads, as encoding/xml decodes them.
type (
	xLang struct {
		Lang string `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
		Text string `xml:",chardata"`
	}
	xProperty struct {
		Ref    string  `xml:"propertyDefinitionRef,attr"`
		Values []xLang `xml:"value"`
	}
	xConcept struct {
		ID         string      `xml:"identifier,attr"`
		Type       string      `xml:"http://www.w3.org/2001/XMLSchema-instance type,attr"`
		Source     string      `xml:"source,attr"`
		Target     string      `xml:"target,attr"`
		Names      []xLang     `xml:"name"`
		Docs       []xLang     `xml:"documentation"`
		Properties []xProperty `xml:"properties>property"`
		pos        engine.Pos
	}
	xPropertyDef struct {
		ID    string  `xml:"identifier,attr"`
		Type  string  `xml:"type,attr"`
		Names []xLang `xml:"name"`
	}
)

// rawDoc is an exchange file as read, before mapping.
type rawDoc struct {
	model         xConcept
	elements      []xConcept
	relationships []xConcept
	defs          map[string]xPropertyDef
	views         int
	organizations bool
	modelProps    int
}

// reader walks an exchange file with positions.
type reader struct {
	data  []byte
	dec   *xml.Decoder
	lines []int // offset of the start of each line
}

func newReader(data []byte) *reader {
	r := &reader{data: data, dec: xml.NewDecoder(bytes.NewReader(data)), lines: []int{0}}
	for i, c := range data {
		if c == '\n' {
			r.lines = append(r.lines, i+1)
		}
	}
	return r
}

// pos turns a byte offset into a line and a column in characters, both 1-based, moving past
// white space to the '<' of the tag that starts there.
func (r *reader) pos(off int64) engine.Pos {
	o := int(off)
	for o < len(r.data) && (r.data[o] == ' ' || r.data[o] == '\t' || r.data[o] == '\r' || r.data[o] == '\n') {
		o++
	}
	line := sort.Search(len(r.lines), func(i int) bool { return r.lines[i] > o }) - 1
	return engine.Pos{Line: line + 1, Col: utf8.RuneCount(r.data[r.lines[line]:o]) + 1}
}

// syntaxProblem places a decoder error.
func (r *reader) syntaxProblem(err error) error {
	line, col := r.dec.InputPos()
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		line = se.Line
	}
	return located(engine.Pos{Line: line, Col: col}, "document", "", "", "is not well-formed XML: "+strings.TrimPrefix(err.Error(), "XML syntax error on line "+fmt.Sprint(line)+": "))
}

// next returns the next start element at the current level (nil at its end), with its position.
func (r *reader) next() (*xml.StartElement, engine.Pos, error) {
	for {
		off := r.dec.InputOffset()
		tok, err := r.dec.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, engine.Pos{}, r.syntaxProblem(err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return &t, r.pos(off), nil
		case xml.EndElement:
			return nil, engine.Pos{}, nil
		}
	}
}

// read decodes the whole file.
func read(data []byte) (*rawDoc, error) {
	r := newReader(data)
	root, pos, err := r.next()
	if err != nil {
		return nil, err
	}
	if root == nil || root.Name.Space != Namespace || root.Name.Local != "model" {
		return nil, located(pos, "document", "", "", "is not an ArchiMate exchange file: the root element must be model in namespace "+Namespace)
	}
	doc := &rawDoc{defs: map[string]xPropertyDef{}}
	doc.model.pos = pos
	for _, a := range root.Attr {
		if a.Name.Local == "identifier" && a.Name.Space == "" {
			doc.model.ID = a.Value
		}
	}
	for {
		start, pos, err := r.next()
		if err != nil {
			return nil, err
		}
		if start == nil {
			return doc, nil
		}
		if err := r.part(doc, start, pos); err != nil {
			return nil, err
		}
	}
}

// part reads one child of model.
func (r *reader) part(doc *rawDoc, start *xml.StartElement, pos engine.Pos) error {
	var err error
	switch start.Name.Local {
	case "name":
		var l xLang
		err = r.dec.DecodeElement(&l, start)
		doc.model.Names = append(doc.model.Names, l)
	case "documentation":
		var l xLang
		err = r.dec.DecodeElement(&l, start)
		doc.model.Docs = append(doc.model.Docs, l)
	case "properties":
		var ps struct {
			P []xProperty `xml:"property"`
		}
		err = r.dec.DecodeElement(&ps, start)
		doc.modelProps += len(ps.P)
	case "elements":
		doc.elements, err = r.concepts("element")
	case "relationships":
		doc.relationships, err = r.concepts("relationship")
	case "propertyDefinitions":
		err = r.propertyDefs(doc)
	case "views":
		doc.views, err = r.countViews()
	case "organizations":
		doc.organizations = true
		err = r.dec.Skip()
	default:
		err = r.dec.Skip()
	}
	if err != nil {
		var p *Error
		if errors.As(err, &p) {
			return err
		}
		return r.syntaxProblem(err)
	}
	return nil
}

// concepts reads the element or relationship children of a container.
func (r *reader) concepts(tag string) ([]xConcept, error) {
	var out []xConcept
	for {
		start, pos, err := r.next()
		if err != nil || start == nil {
			return out, err
		}
		if start.Name.Local != tag {
			if err := r.dec.Skip(); err != nil {
				return nil, err
			}
			continue
		}
		var c xConcept
		if err := r.dec.DecodeElement(&c, start); err != nil {
			return nil, err
		}
		c.pos = pos
		c.Type = localName(c.Type)
		out = append(out, c)
	}
}

func (r *reader) propertyDefs(doc *rawDoc) error {
	for {
		start, _, err := r.next()
		if err != nil || start == nil {
			return err
		}
		var d xPropertyDef
		if err := r.dec.DecodeElement(&d, start); err != nil {
			return err
		}
		doc.defs[d.ID] = d
	}
}

// countViews skips the views and counts the diagrams in them.
func (r *reader) countViews() (int, error) {
	n, depth := 0, 1
	for depth > 0 {
		tok, err := r.dec.Token()
		if err != nil {
			return n, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if t.Name.Local == "view" {
				n++
			}
		case xml.EndElement:
			depth--
		}
	}
	return n, nil
}

// localName drops a namespace prefix from an xsi:type value ("archimate:BusinessRole").
func localName(s string) string {
	if i := strings.LastIndexByte(s, ':'); i >= 0 {
		return s[i+1:]
	}
	return s
}

// text picks one of several language variants: the one without a language or in English, else
// the first.
func text(ls []xLang) string {
	for _, l := range ls {
		if l.Lang == "" || strings.EqualFold(l.Lang, "en") || strings.HasPrefix(strings.ToLower(l.Lang), "en-") {
			return l.Text
		}
	}
	if len(ls) > 0 {
		return ls[0].Text
	}
	return ""
}
