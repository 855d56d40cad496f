package archimate

import (
	"bytes"
	"os"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
)

// Import never panics, and whatever it accepts exports and imports back to the same graph.
func FuzzImport(f *testing.F) {
	for _, name := range []string{"Sample1.xml", "bakery.xml", "refused.xml"} {
		data, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data, false)
		f.Add(data, true)
	}
	f.Fuzz(func(t *testing.T, data []byte, lenient bool) {
		file, rep, err := Import(data, Options{Lenient: lenient})
		if err != nil {
			return
		}
		if rep == nil || rep.Elements != len(file.Elements) || rep.Relationships != len(file.Relationships) {
			t.Fatalf("report %+v does not count the file", rep)
		}
		var b bytes.Buffer
		if err := Export(&b, file); err != nil {
			t.Fatalf("an imported file does not export: %v", err)
		}
		back, _, err := Import(b.Bytes(), Options{})
		if err != nil {
			t.Fatalf("an exported file does not import: %v\n%s", err, b.Bytes())
		}
		if ps := graph.Validate(back, graph.Limits{}); len(ps) > 0 {
			t.Fatal(ps)
		}
		sameFile(t, file, back)
	})
}
