package engine

import (
	"os"
	"strings"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
)

// FuzzParseFileAgreesWithStoreReader feeds documents to the engine's reader and to the store's
// (graph.ParseFile, then graph.Validate). Neither may panic; what the store accepts the engine
// accepts with the same content, except that the engine refuses a field given twice (the store's
// JSON reader keeps the last); every problem of the engine has a reason and a path.
func FuzzParseFileAgreesWithStoreReader(f *testing.F) {
	if b, err := os.ReadFile("testdata/toy.yaml"); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"model": {"key": "a", "name": "A"}, "elements": [{"key": "p", "kind": "Process", "name": "P", "properties": {"tier": 1.0}}]}`))
	f.Add([]byte("model: {key: a, name: A}\nelements:\n  - {key: x, kind: Cost, name: X, tags: [a, 1]}\nrelationships: []\n"))
	f.Add([]byte("model: {key: a, name: 7}\nelements:\n  - &e {key: x, kind: Cost, name: X}\n"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		m, ps := ParseFile("f", doc, graph.Limits{MaxElements: 1000})
		for _, p := range ps {
			if p.Path == "" || p.Reason == "" {
				t.Fatalf("problem without path or reason: %+v", p)
			}
		}
		gf, err := graph.ParseFile(doc, "")
		if err != nil {
			return
		}
		if gps := graph.Validate(gf, graph.Limits{MaxElements: 1000}); len(gps) > 0 {
			return
		}
		for _, p := range ps {
			if strings.HasPrefix(p.Reason, "is given twice") {
				return
			}
		}
		if m == nil {
			t.Fatalf("the store's reader accepts the document, the engine does not: %v", ps)
		}
		want, err := FromFile(gf)
		if err != nil {
			t.Fatal(err)
		}
		if d := Diff(want, m); !d.Empty() {
			t.Fatalf("the readers differ: %+v", d)
		}
	})
}
