package archimate

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/engine"
)

// Namespace is the namespace of the ArchiMate Open Exchange Format.
const Namespace = "http://www.opengroup.org/xsd/archimate/3.0/"

const xsiNamespace = "http://www.w3.org/2001/XMLSchema-instance"

// schemaLocation names the model schema: the file holds no views.
const schemaLocation = Namespace + " http://www.opengroup.org/xsd/archimate/3.1/archimate3_Model.xsd"

// Export writes f as an ArchiMate exchange file (elements and relationships, no views). Every
// kind and relationship is mapped by Mapping; our kind, relationship type, tags and properties
// travel as properties, so Import gives f back. f should be valid (graph.Validate); an element or
// relationship the table cannot map is an error.
func Export(w io.Writer, f *graph.File) error {
	x, err := prepare(f)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	x.write(bw)
	return bw.Flush()
}

// ExportModel writes an in-memory model as an exchange file, elements by key and relationships by
// (from, type, to), as Export writes the file the store exports.
func ExportModel(w io.Writer, m *engine.Model) error {
	return Export(w, m.File())
}

// exportDoc is f with everything the writer needs worked out.
type exportDoc struct {
	f     *graph.File
	types []string       // ArchiMate type per element
	rels  []exportRel    // per relationship
	defs  []propertyDef  // property definitions in use, in order
	defOf map[string]int // "name\x00type" -> index in defs
}

type exportRel struct {
	rule             RelRule
	source, target   string // identifiers
	directed         bool
	sourceT, targetT string // ArchiMate element types
}

type propertyDef struct {
	id, name, dataType string
}

// property is one property value as written.
type property struct {
	def   string // identifier of its definition
	value string
}

func prepare(f *graph.File) (*exportDoc, error) {
	x := &exportDoc{f: f, defOf: map[string]int{}}
	kinds := make(map[string]graph.Kind, len(f.Elements))
	x.def(kindProperty, "string")
	x.def(typeProperty, "string")
	for _, e := range f.Elements {
		t, ok := elementType(e.Kind)
		if !ok {
			return nil, fmt.Errorf("%w: element %q: kind %q has no ArchiMate type", graph.ErrInvalid, e.Key, e.Kind)
		}
		x.types = append(x.types, t)
		kinds[e.Key] = e.Kind
		if len(e.Tags) > 0 {
			x.def(tagsProperty, "string")
		}
	}
	m := BuiltinMatrix()
	for _, r := range f.Relationships {
		from, to := kinds[r.From], kinds[r.To]
		rule, ok := exportRule(r, from, to)
		if !ok {
			return nil, fmt.Errorf("%w: relationship %s: no ArchiMate relationship for %s -%s-> %s", graph.ErrInvalid, r.ID(), from, r.Type, to)
		}
		er := exportRel{rule: rule, source: ElementID(r.From), target: ElementID(r.To), directed: rule.Rel == "Association"}
		er.sourceT, _ = elementType(from)
		er.targetT, _ = elementType(to)
		if rule.Reverse {
			er.source, er.target = er.target, er.source
			er.sourceT, er.targetT = er.targetT, er.sourceT
		}
		if !m.Allows(er.sourceT, rule.Rel, er.targetT) {
			// The mapping tests check every rule against the matrix; this guards the file anyway.
			return nil, fmt.Errorf("relationship %s: ArchiMate does not allow %s from %s to %s", r.ID(), rule.Rel, er.sourceT, er.targetT)
		}
		x.rels = append(x.rels, er)
	}
	for _, e := range f.Elements {
		if err := x.userDefs(e.Properties); err != nil {
			return nil, fmt.Errorf("%w: element %q: %v", graph.ErrInvalid, e.Key, err)
		}
	}
	for _, r := range f.Relationships {
		if err := x.userDefs(r.Properties); err != nil {
			return nil, fmt.Errorf("%w: relationship %s: %v", graph.ErrInvalid, r.ID(), err)
		}
	}
	return x, nil
}

// def registers a property definition and returns its identifier.
func (x *exportDoc) def(name, dataType string) string {
	k := name + "\x00" + dataType
	if i, ok := x.defOf[k]; ok {
		return x.defs[i].id
	}
	x.defOf[k] = len(x.defs)
	x.defs = append(x.defs, propertyDef{id: propertyDefID(name, dataType), name: name, dataType: dataType})
	return x.defs[len(x.defs)-1].id
}

func (x *exportDoc) userDefs(props map[string]any) error {
	for _, name := range sortedNames(props) {
		t, _, err := formatValue(props[name])
		if err != nil {
			return fmt.Errorf("property %q: %v", name, err)
		}
		x.def(name, t)
	}
	return nil
}

// formatValue gives the exchange data type and text of a property value.
func formatValue(v any) (dataType, text string, err error) {
	switch x := v.(type) {
	case string:
		return "string", x, nil
	case bool:
		return "boolean", strconv.FormatBool(x), nil
	case int:
		return "number", strconv.Itoa(x), nil
	case int64:
		return "number", strconv.FormatInt(x, 10), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return "", "", fmt.Errorf("number must be finite")
		}
		return "number", strconv.FormatFloat(x, 'g', -1, 64), nil
	case json.Number:
		return "number", x.String(), nil
	}
	return "", "", fmt.Errorf("value of type %T cannot be exported; use a string, number or boolean", v)
}

func (x *exportDoc) properties(kindOrType string, ourProp string, tags []string, props map[string]any) []property {
	out := []property{{def: x.def(ourProp, "string"), value: kindOrType}}
	if len(tags) > 0 {
		b, _ := json.Marshal(tags)
		out = append(out, property{def: x.def(tagsProperty, "string"), value: string(b)})
	}
	for _, name := range sortedNames(props) {
		t, text, _ := formatValue(props[name]) // checked in prepare
		out = append(out, property{def: x.def(name, t), value: text})
	}
	return out
}

func (x *exportDoc) write(w *bufio.Writer) {
	m := x.f.Model
	w.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	fmt.Fprintf(w, `<model xmlns="%s" xmlns:xsi="%s" xsi:schemaLocation="%s" identifier="%s">`+"\n", Namespace, xsiNamespace, schemaLocation, attr(ModelID(m.Key)))
	writeText(w, 1, "name", m.Name)
	if m.Description != "" {
		writeText(w, 1, "documentation", m.Description)
	}
	if len(x.f.Elements) > 0 {
		w.WriteString("  <elements>\n")
		for i, e := range x.f.Elements {
			fmt.Fprintf(w, `    <element identifier="%s" xsi:type="%s">`+"\n", attr(ElementID(e.Key)), x.types[i])
			writeText(w, 3, "name", e.Name)
			if e.Description != "" {
				writeText(w, 3, "documentation", e.Description)
			}
			writeProperties(w, 3, x.properties(string(e.Kind), kindProperty, e.Tags, e.Properties))
			w.WriteString("    </element>\n")
		}
		w.WriteString("  </elements>\n")
	}
	if len(x.f.Relationships) > 0 {
		w.WriteString("  <relationships>\n")
		for i, r := range x.f.Relationships {
			er := x.rels[i]
			directed := ""
			if er.directed {
				directed = ` isDirected="true"`
			}
			fmt.Fprintf(w, `    <relationship identifier="%s" source="%s" target="%s" xsi:type="%s"%s>`+"\n",
				attr(relationshipID(r)), attr(er.source), attr(er.target), er.rule.Rel, directed)
			writeProperties(w, 3, x.properties(string(r.Type), typeProperty, nil, r.Properties))
			w.WriteString("    </relationship>\n")
		}
		w.WriteString("  </relationships>\n")
	}
	w.WriteString("  <propertyDefinitions>\n")
	for _, d := range x.defs {
		fmt.Fprintf(w, `    <propertyDefinition identifier="%s" type="%s">`+"\n", attr(d.id), d.dataType)
		writeText(w, 3, "name", d.name)
		w.WriteString("    </propertyDefinition>\n")
	}
	w.WriteString("  </propertyDefinitions>\n")
	w.WriteString("</model>\n")
}

func writeProperties(w *bufio.Writer, depth int, ps []property) {
	in := strings.Repeat("  ", depth)
	w.WriteString(in + "<properties>\n")
	for _, p := range ps {
		fmt.Fprintf(w, `%s  <property propertyDefinitionRef="%s">`+"\n", in, attr(p.def))
		writeText(w, depth+2, "value", p.value)
		w.WriteString(in + "  </property>\n")
	}
	w.WriteString(in + "</properties>\n")
}

func writeText(w *bufio.Writer, depth int, tag, text string) {
	fmt.Fprintf(w, "%s<%s>%s</%s>\n", strings.Repeat("  ", depth), tag, escape(text), tag)
}

// escape makes text safe as XML character data or an attribute value (attribute values are
// identifiers, which hold no white space). A carriage return is written as a reference because an
// XML reader turns a raw one into a line feed.
func escape(s string) string { return escapeXML(s, false) }

func attr(s string) string { return escapeXML(s, true) }

func escapeXML(s string, inAttr bool) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			if inAttr {
				b.WriteString("&quot;")
			} else {
				b.WriteByte('"')
			}
		case '\r':
			b.WriteString("&#xD;")
		default:
			if isXMLChar(r) {
				b.WriteRune(r)
			} else {
				b.WriteRune('\uFFFD') // XML 1.0 cannot hold this character at all
			}
		}
	}
	return b.String()
}

// isXMLChar reports whether XML 1.0 allows r in a document.
func isXMLChar(r rune) bool {
	return r == 0x09 || r == 0x0A || r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}

func sortedNames(m map[string]any) []string { return sortedKeys(m) }
