package archimate

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/seed"
)

// demoModels returns the demo models, validated (so values are normalised as the store keeps them).
func demoModels(t *testing.T) []*graph.File {
	t.Helper()
	fs, err := seed.Files()
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 4 {
		t.Fatalf("%d demo models, want 4", len(fs))
	}
	for _, f := range fs {
		if ps := graph.Validate(f, graph.Limits{}); len(ps) > 0 {
			t.Fatalf("demo model %s: %v", f.Model.Key, ps)
		}
	}
	return fs
}

func export(t *testing.T, f *graph.File) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Export(&b, f); err != nil {
		t.Fatalf("export %s: %v", f.Model.Key, err)
	}
	return b.Bytes()
}

// xmllint validates a file against the exchange model schema. The schema imports the W3C xml.xsd
// by URL; a catalog points that at the local copy, and --nonet keeps the network out of it.
func xmllint(t *testing.T, path string) {
	t.Helper()
	out, err := runXmllint(t, path)
	if err != nil || !strings.Contains(out, " validates") {
		t.Errorf("xmllint: %s does not validate (%v):\n%s", filepath.Base(path), err, clip(out))
	}
}

func runXmllint(t *testing.T, path string) (string, error) {
	t.Helper()
	return runXmllintSchema(t, path, "archimate3_Model.xsd")
}

func runXmllintSchema(t *testing.T, path, schema string) (string, error) {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatal("xmllint is not installed: the schema validation of exported files needs it " +
			"(Debian: apt-get install libxml2-utils; .ci/run installs it)")
	}
	dir, _ := filepath.Abs("testdata")
	catalog := filepath.Join(t.TempDir(), "catalog.xml")
	cat := fmt.Sprintf(`<?xml version="1.0"?>
<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">
  <system systemId="http://www.w3.org/2001/xml.xsd" uri="file://%[1]s/xml.xsd"/>
  <uri name="http://www.w3.org/2001/xml.xsd" uri="file://%[1]s/xml.xsd"/>
</catalog>
`, filepath.ToSlash(dir))
	if err := os.WriteFile(catalog, []byte(cat), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "--nonet", "--noout", "--schema", filepath.Join(dir, schema), path)
	cmd.Env = append(os.Environ(), "XML_CATALOG_FILES="+catalog)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func clip(s string) string {
	if len(s) > 3000 {
		return s[:3000] + "\n..."
	}
	return s
}

func TestExportValidatesAgainstTheSchema(t *testing.T) {
	dir := t.TempDir()
	for _, f := range demoModels(t) {
		path := filepath.Join(dir, f.Model.Key+".xml")
		if err := os.WriteFile(path, export(t, f), 0o644); err != nil {
			t.Fatal(err)
		}
		xmllint(t, path)
	}
	// A model without relationships, and one without elements, leave out the empty containers.
	for _, f := range []*graph.File{
		{Model: graph.Model{Key: "empty", Name: "Empty"}},
		{Model: graph.Model{Key: "lonely", Name: "Lonely"}, Elements: []graph.Element{{Key: "kpi", Kind: graph.KPI, Name: "Uptime"}}},
	} {
		path := filepath.Join(dir, f.Model.Key+".xml")
		if err := os.WriteFile(path, export(t, f), 0o644); err != nil {
			t.Fatal(err)
		}
		xmllint(t, path)
	}
	// The check can fail: a file with an element type the schema does not know is refused.
	bad := filepath.Join(dir, "bad.xml")
	data := bytes.Replace(export(t, demoModels(t)[0]), []byte(`xsi:type="BusinessService"`), []byte(`xsi:type="ValueProposition"`), 1)
	if err := os.WriteFile(bad, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := runXmllint(t, bad); err == nil || !strings.Contains(out, "ValueProposition") {
		t.Errorf("xmllint accepted an unknown element type (%v):\n%s", err, clip(out))
	}
}

// exchangeFile is an exported file read back with nothing but encoding/xml.
type exchangeFile struct {
	XMLName  xml.Name `xml:"http://www.opengroup.org/xsd/archimate/3.0/ model"`
	ID       string   `xml:"identifier,attr"`
	Elements []struct {
		ID   string `xml:"identifier,attr"`
		Type string `xml:"http://www.w3.org/2001/XMLSchema-instance type,attr"`
	} `xml:"elements>element"`
	Relationships []struct {
		ID     string `xml:"identifier,attr"`
		Type   string `xml:"http://www.w3.org/2001/XMLSchema-instance type,attr"`
		Source string `xml:"source,attr"`
		Target string `xml:"target,attr"`
	} `xml:"relationships>relationship"`
}

func TestExportedRelationshipsAreAllowedByTheMatrix(t *testing.T) {
	m := testMatrix(t)
	for _, f := range demoModels(t) {
		var x exchangeFile
		if err := xml.Unmarshal(export(t, f), &x); err != nil {
			t.Fatal(err)
		}
		if len(x.Elements) != len(f.Elements) || len(x.Relationships) != len(f.Relationships) {
			t.Fatalf("%s: exported %d elements and %d relationships of %d and %d", f.Model.Key,
				len(x.Elements), len(x.Relationships), len(f.Elements), len(f.Relationships))
		}
		typeOf := map[string]string{}
		ids := map[string]bool{x.ID: true}
		for _, e := range x.Elements {
			typeOf[e.ID] = e.Type
			ids[e.ID] = true
		}
		used := map[string]int{}
		for _, r := range x.Relationships {
			ids[r.ID] = true
			src, tgt := typeOf[r.Source], typeOf[r.Target]
			if !m.Allows(src, r.Type, tgt) {
				t.Errorf("%s: relationship %s: %s from %s to %s is not allowed by the matrix", f.Model.Key, r.ID, r.Type, src, tgt)
			}
			used[r.Type]++
		}
		if len(ids) != 1+len(x.Elements)+len(x.Relationships) {
			t.Errorf("%s: identifiers are not unique", f.Model.Key)
		}
		for id := range ids {
			if id == "" || unicode.IsDigit(rune(id[0])) {
				t.Errorf("%s: identifier %q starts with a digit", f.Model.Key, id)
			}
		}
		t.Logf("%s: %v", f.Model.Key, used)
	}
}

// Every element type, relationship type and direction of the table, in one model: one element
// per kind and one relationship per allowed pair, as far as keys allow.
func TestExportOfEveryAllowedPair(t *testing.T) {
	f := everyPairModel()
	var b bytes.Buffer
	if err := Export(&b, f); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "every-pair.xml")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	xmllint(t, path)
	back, _, err := Import(b.Bytes(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	sameFile(t, f, back)
}

// everyPairModel holds two elements of every kind and every relationship the metamodel allows
// between them (with raci R and C for INVOLVED_IN).
func everyPairModel() *graph.File {
	f := &graph.File{Model: graph.Model{Key: "every-pair", Name: "Every pair"}}
	key := func(k graph.Kind, i int) string { return fmt.Sprintf("%s-%d", strings.ToLower(string(k)), i) }
	for _, k := range graph.Kinds() {
		for i := 1; i <= 2; i++ {
			e := graph.Element{Key: key(k, i), Kind: k, Name: fmt.Sprintf("%s %d", k, i)}
			switch k {
			case graph.BusinessFunction:
				e.Properties = map[string]any{"group": "DEMAND_DRIVING"}
			case graph.Stakeholder:
				e.Properties = map[string]any{"type": "INVESTOR"}
			}
			f.Elements = append(f.Elements, e)
		}
	}
	for _, tr := range graph.Pairs() {
		r := graph.Relationship{From: key(tr.From, 1), Type: tr.Type, To: key(tr.To, 2)}
		if tr.Type == graph.InvolvedIn {
			r.Properties = map[string]any{"raci": "R"}
			c := graph.Relationship{From: key(tr.From, 2), Type: tr.Type, To: key(tr.To, 1), Properties: map[string]any{"raci": "C"}}
			f.Relationships = append(f.Relationships, c)
		}
		f.Relationships = append(f.Relationships, r)
	}
	return f
}
