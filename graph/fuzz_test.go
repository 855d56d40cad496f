package graph

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseAndValidate feeds arbitrary documents to the model-file parser and the validator. They
// must never panic, and a document they accept must survive encoding and parsing again unchanged
// in validity (the export path).
func FuzzParseAndValidate(f *testing.F) {
	// One demo model as a realistic seed; the larger ones only slow the mutator down.
	if b, err := os.ReadFile(filepath.Join("..", "seed", "lemonade-stand.yaml")); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"model": {"key": "a", "name": "A"}, "elements": [{"key": "p", "kind": "Process", "name": "P", "properties": {"tier": 1.5}}]}`))
	f.Add([]byte("model: {key: a, name: A}\nelements:\n  - {key: x, kind: Cost, name: X}\nrelationships:\n  - {from: x, type: REALIZES, to: x}\n"))
	f.Add([]byte("model: {key: A_B, name: ''}\nelements: [{key: k, kind: KPI, name: n, tags: [''], properties: {a: [1], b: {c: 1}, c: null}}]\n"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		file, err := ParseFile(doc, "")
		if err != nil {
			return
		}
		if ps := Validate(file, Limits{MaxElements: 10000}); len(ps) > 0 {
			for _, p := range ps {
				if p.Path == "" || p.Reason == "" {
					t.Fatalf("problem without location or reason: %+v", p)
				}
			}
			return
		}
		for _, format := range []Format{YAML, JSON} {
			var buf bytes.Buffer
			if err := Encode(&buf, file, format); err != nil {
				t.Fatalf("encode %s of a valid file: %v", format, err)
			}
			back, err := ParseFile(buf.Bytes(), format)
			if err != nil {
				t.Fatalf("%s written from a valid file does not parse: %v\n%s", format, err, buf.String())
			}
			if ps := Validate(back, Limits{}); len(ps) > 0 {
				t.Fatalf("%s written from a valid file is invalid: %v\n%s", format, ps, buf.String())
			}
		}
	})
}
