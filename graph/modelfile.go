package graph

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Format is a model-file encoding.
type Format string

// Model-file formats.
const (
	YAML Format = "yaml"
	JSON Format = "json"
)

// ParseFormat turns "yaml", "yml" or "json" (any case) into a Format.
func ParseFormat(s string) (Format, error) {
	switch strings.ToLower(s) {
	case "yaml", "yml":
		return YAML, nil
	case "json":
		return JSON, nil
	}
	return "", fmt.Errorf("%w: unknown format %q: use yaml or json", ErrInvalid, s)
}

// File is the content of a model file: the model, its elements and its relationships.
type File struct {
	Model         Model          `json:"model" yaml:"model"`
	Elements      []Element      `json:"elements" yaml:"elements"`
	Relationships []Relationship `json:"relationships" yaml:"relationships"`
}

// MaxDocumentBytes bounds the size of a model file read by ParseFile.
const MaxDocumentBytes = 512 << 20

// ParseFile decodes a model file. An empty format guesses from the first non-blank byte ('{' is
// JSON). Unknown fields are errors. The result is not yet validated: call Validate.
func ParseFile(data []byte, format Format) (*File, error) {
	if len(data) > MaxDocumentBytes {
		return nil, invalid("document", "", "", fmt.Sprintf("is %d bytes; the limit is %d", len(data), MaxDocumentBytes))
	}
	if format == "" {
		format = YAML
		if t := bytes.TrimLeft(data, " \t\r\n"); len(t) > 0 && t[0] == '{' {
			format = JSON
		}
	}
	var f File
	var err error
	if format == JSON {
		err = decodeJSON(data, &f)
	} else {
		err = decodeYAML(data, &f)
	}
	if err != nil {
		return nil, err
	}
	return &f, nil
}

func decodeYAML(data []byte, f *File) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(f); err != nil {
		if errors.Is(err, io.EOF) {
			return invalid("document", "", "", "is empty")
		}
		var te *yaml.TypeError
		if errors.As(err, &te) {
			ps := make([]Problem, 0, min(len(te.Errors), MaxProblems))
			for _, m := range te.Errors[:min(len(te.Errors), MaxProblems)] {
				ps = append(ps, Problem{Path: "document", Reason: clipMessage(strings.TrimPrefix(m, "yaml: "))})
			}
			return &ValidationError{Problems: capProblems(ps, len(te.Errors)-len(ps))}
		}
		return invalid("document", "", "", "is not valid YAML: "+clipMessage(strings.TrimPrefix(err.Error(), "yaml: ")))
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return invalid("document", "", "", "holds more than one YAML document; put one model in a file")
	}
	if hasLongDigitRun(data) {
		if ps := yamlBigIntegers(data); len(ps) > 0 {
			return &ValidationError{Problems: ps}
		}
	}
	return nil
}

// clipMessage bounds a decoder's message, which may quote the offending input.
func clipMessage(s string) string {
	if len(s) <= 4*MaxEcho {
		return s
	}
	return Clip(s[:4*MaxEcho]) + " (message shortened)"
}

// hasLongDigitRun reports whether data holds 19 digits in a row, the shortest integer that may not
// fit in 64 bits. Only then is the YAML read a second time to look for such integers.
func hasLongDigitRun(data []byte) bool {
	run := 0
	for _, c := range data {
		if c >= '0' && c <= '9' {
			run++
			if run >= 19 {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

var yamlDecimalInteger = regexp.MustCompile(`^[-+]?[0-9][0-9_]*$`)

// yamlBigIntegers finds plain integers too large for 64 bits. The YAML decoder turns them into
// floats, losing digits; they are refused instead, as in JSON.
func yamlBigIntegers(data []byte) []Problem {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil
	}
	var ps []Problem
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.ScalarNode && n.Style == 0 && n.Tag == "!!float" && yamlDecimalInteger.MatchString(n.Value) {
			ps = append(ps, Problem{Path: "document", Field: fmt.Sprintf("line %d", n.Line),
				Reason: fmt.Sprintf("integer %s is out of range: integers must fit in 64 bits (%d to %d); write it as a string or a decimal", Clip(n.Value), math.MinInt64, math.MaxInt64)})
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(&root)
	return capProblems(ps, 0)
}

func decodeJSON(data []byte, f *File) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	dec.UseNumber()
	if err := dec.Decode(f); err != nil {
		if errors.Is(err, io.EOF) {
			return invalid("document", "", "", "is empty")
		}
		return invalid("document", "", "", "is not valid model JSON: "+clipMessage(jsonErrorWhere(data, err)))
	}
	if dec.More() {
		return invalid("document", "", "", "has data after the model object")
	}
	if ps := jsonDuplicateKeys(data); len(ps) > 0 {
		return &ValidationError{Problems: ps}
	}
	return nil
}

// jsonErrorWhere adds a line number to a JSON error when the decoder reports an offset.
func jsonErrorWhere(data []byte, err error) string {
	var off int64 = -1
	var se *json.SyntaxError
	var ue *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &ue):
		off = ue.Offset
	}
	if off < 0 || off > int64(len(data)) {
		return err.Error()
	}
	line := 1 + bytes.Count(data[:off], []byte("\n"))
	return fmt.Sprintf("line %d: %v", line, err)
}

// Encode writes f in the given format. Elements and relationships are written in the order they
// are in f; Export sorts them so output is stable.
func Encode(w io.Writer, f *File, format Format) error {
	if format == JSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(f)
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(f); err != nil {
		return err
	}
	return enc.Close()
}

// sortedKeys returns the keys of m in order.
func sortedKeys(m map[string]any) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
