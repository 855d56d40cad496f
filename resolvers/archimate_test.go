package resolvers_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
	"github.com/modelgraph/modelgraph/resolvers"
)

const archimateImport = `mutation($doc: String!, $m: ID, $f: DocumentFormat, $lenient: Boolean, $dry: Boolean) {
  importModel(document: $doc, model: $m, format: $f, lenient: $lenient, dryRun: $dry) {
    model applied created relationshipsCreated
    problems { path key field reason line column }
    archimate {
      elements relationships viewsIgnored foldersIgnored modelPropertiesIgnored lines
      unmappedElements { type count }
      unmappedRelationships { type count }
      unattachedRelationships { type count }
      skipped { id line column reason }
      duplicates { id line column reason }
      renamedProperties { from to }
    }
  }
}`

type typeCount struct {
	Type  string
	Count int
}

type skippedRel struct {
	ID           string
	Line, Column int
	Reason       string
}

type archimateReport struct {
	Model                         string
	Applied                       bool
	Created, RelationshipsCreated int
	Problems                      []problemAt
	Archimate                     *struct {
		Elements, Relationships, ViewsIgnored, ModelPropertiesIgnored    int
		FoldersIgnored                                                   bool
		Lines                                                            []string
		UnmappedElements, UnmappedRelationships, UnattachedRelationships []typeCount
		Skipped, Duplicates                                              []skippedRel
		RenamedProperties                                                []struct{ From, To string }
	}
}

type problemAt struct {
	Path, Reason string
	Key, Field   *string
	Line, Column *int
}

func importArchimate(t *testing.T, a *api, vars map[string]any) (archimateReport, gqlResponse) {
	t.Helper()
	res := a.do(t, context.Background(), archimateImport, vars)
	var out struct{ ImportModel archimateReport }
	if err := json.Unmarshal(res.Data, &out); err != nil {
		t.Fatalf("%v: %s", err, res.Data)
	}
	return out.ImportModel, res
}

func exportAs(t *testing.T, a *api, model, format string) string {
	t.Helper()
	var out struct{ ExportModel string }
	a.ok(t, `query($m: ID!, $f: DocumentFormat) { exportModel(model: $m, format: $f) }`, map[string]any{"m": model, "f": format}, &out)
	return out.ExportModel
}

// TestArchimateRoundTripThroughGraphQL exports a demo model as an exchange file, checks it
// against the XSD, and imports it back under another key: the graph is the same.
func TestArchimateRoundTripThroughGraphQL(t *testing.T) {
	t.Parallel()
	a := newAPI(t, graphtest.Store(t))
	src := loadDemo(t, "lemonade-stand.yaml")
	doc := exportAs(t, a, src, "ARCHIMATE")
	if !strings.Contains(doc, `xmlns="http://www.opengroup.org/xsd/archimate/3.0/"`) {
		t.Fatalf("exportModel(format: ARCHIMATE) is not an exchange file:\n%.500s", doc)
	}
	path := filepath.Join(t.TempDir(), "lemonade.xml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	xmllintValidates(t, path)

	dst := graphtest.ModelKey(t)
	// No format: the document is told apart by its content.
	rep, res := importArchimate(t, a, map[string]any{"doc": doc, "m": dst})
	if len(res.Errors) > 0 || !rep.Applied || rep.Archimate == nil {
		t.Fatalf("import of the export: %+v %+v", rep, res.Errors)
	}
	// The lemonade stand has 77 elements (docs/demo-models.md); all of them come back, none is
	// left out, and the export has no views.
	if rep.Created != 77 || rep.Archimate.Elements != 77 || rep.Archimate.Relationships != rep.RelationshipsCreated ||
		len(rep.Archimate.UnmappedElements)+len(rep.Archimate.Skipped)+rep.Archimate.ViewsIgnored != 0 {
		t.Errorf("report %+v", rep)
	}
	want, got := parseExport(t, exportAs(t, a, src, "JSON")), parseExport(t, exportAs(t, a, dst, "JSON"))
	got.Model.Key = want.Model.Key
	if !reflect.DeepEqual(want, got) {
		t.Errorf("the model imported from its exchange file differs:\n%+v\nwant\n%+v", got, want)
	}
}

// TestArchimateImportOfTheArchiSample imports the Archi project's sample through GraphQL: a
// business role assigned to a business process, which are our Role INVOLVED_IN a Process, with
// the assignment's RACI letter R (docs/archimate.md).
func TestArchimateImportOfTheArchiSample(t *testing.T) {
	t.Parallel()
	a := newAPI(t, graphtest.Store(t))
	data, err := os.ReadFile("../../shared/archimate/Sample1.xml")
	if err != nil {
		t.Fatal(err)
	}
	key := graphtest.ModelKey(t)
	rep, res := importArchimate(t, a, map[string]any{"doc": string(data), "m": key, "f": "ARCHIMATE"})
	if len(res.Errors) > 0 || !rep.Applied || rep.Created != 2 || rep.RelationshipsCreated != 1 || rep.Archimate == nil ||
		rep.Archimate.Elements != 2 || rep.Archimate.Relationships != 1 {
		t.Fatalf("import of Sample1.xml: %+v %+v", rep, res.Errors)
	}
	f := parseExport(t, exportAs(t, a, key, "JSON"))
	wantElems := []graph.Element{
		{Key: "37d5bc4b", Kind: graph.Role, Name: "Sales Person", Description: "A description of a sales person"},
		{Key: "89c22226", Kind: graph.Process, Name: "Sell Product", Description: "A description of the sell product process"},
	}
	wantRels := []graph.Relationship{{From: "37d5bc4b", Type: graph.InvolvedIn, To: "89c22226", Properties: map[string]any{"raci": "R"}}}
	if f.Model.Name != "Test" || !reflect.DeepEqual(f.Elements, wantElems) || !reflect.DeepEqual(f.Relationships, wantRels) {
		t.Errorf("imported sample: %+v", f)
	}
}

// TestArchimateImportReportsWhatItLeavesOut imports an exchange file with types we do not map,
// views, folders and a duplicate relationship: each is counted by type in the report.
func TestArchimateImportReportsWhatItLeavesOut(t *testing.T) {
	t.Parallel()
	a := newAPI(t, graphtest.Store(t))
	data, err := os.ReadFile("../graph/archimate/testdata/bakery.xml")
	if err != nil {
		t.Fatal(err)
	}
	rep, res := importArchimate(t, a, map[string]any{"doc": string(data), "m": graphtest.ModelKey(t), "f": "ARCHIMATE"})
	if len(res.Errors) > 0 || rep.Archimate == nil {
		t.Fatalf("import: %+v %+v", rep, res.Errors)
	}
	r := rep.Archimate
	check := func(what string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %+v, want %+v", what, got, want)
		}
	}
	// Counted by hand from bakery.xml: 11 elements of which 5 have no mapping, 12 relationships.
	check("unmapped elements", r.UnmappedElements, []typeCount{{"AndJunction", 1}, {"BusinessEvent", 2}, {"BusinessObject", 1}, {"DataObject", 1}})
	check("unmapped relationships", r.UnmappedRelationships, []typeCount{{"Specialization", 1}})
	check("unattached", r.UnattachedRelationships, []typeCount{{"Access", 1}, {"Association", 1}, {"Flow", 2}, {"Triggering", 1}})
	check("counts", []int{r.Elements, r.Relationships, r.ViewsIgnored, r.ModelPropertiesIgnored, rep.Created, rep.RelationshipsCreated}, []int{6, 5, 2, 1, 6, 5})
	check("folders", r.FoldersIgnored, true)
	check("duplicates", len(r.Duplicates), 1)
	if len(r.Duplicates) == 1 {
		check("duplicate", []any{r.Duplicates[0].ID, r.Duplicates[0].Line, r.Duplicates[0].Column}, []any{"r12", 44, 5})
	}
	check("renamed", r.RenamedProperties, []struct{ From, To string }{{"Cost Centre", "Cost_Centre"}, {"name", "archimate_name"}})
	if !strings.Contains(strings.Join(r.Lines, "\n"), "2 views ignored") {
		t.Errorf("report lines do not say the views were ignored: %q", r.Lines)
	}
}

// TestArchimateImportRefusalsAndLenient imports a file with two relationships our metamodel
// refuses: refused with their lines and nothing written, or, lenient, skipped and listed.
func TestArchimateImportRefusalsAndLenient(t *testing.T) {
	t.Parallel()
	a := newAPI(t, graphtest.Store(t))
	data, err := os.ReadFile("../graph/archimate/testdata/refused.xml")
	if err != nil {
		t.Fatal(err)
	}
	key := graphtest.ModelKey(t)
	rep, res := importArchimate(t, a, map[string]any{"doc": string(data), "m": key, "f": "ARCHIMATE"})
	if code := codeOf(t, res); code != "BAD_USER_INPUT" || rep.Applied || len(rep.Problems) != 2 {
		t.Fatalf("refused import: code %s, %+v", code, rep)
	}
	for i, want := range []int{11, 12} {
		p := rep.Problems[i]
		if p.Line == nil || *p.Line != want || p.Column == nil || *p.Column != 5 {
			t.Errorf("problem %d at %v:%v, want %d:5: %s", i, p.Line, p.Column, want, p.Reason)
		}
	}
	if got := a.do(t, context.Background(), `query($m: ID!) { model(key: $m) { key } }`, map[string]any{"m": key}); !strings.Contains(string(got.Data), "null") {
		t.Errorf("a refused import left model %s: %s", key, got.Data)
	}

	rep, res = importArchimate(t, a, map[string]any{"doc": string(data), "m": key, "f": "ARCHIMATE", "lenient": true})
	if len(res.Errors) > 0 || !rep.Applied || rep.RelationshipsCreated != 1 || rep.Archimate == nil {
		t.Fatalf("lenient import: %+v %+v", rep, res.Errors)
	}
	var got []string
	for _, s := range rep.Archimate.Skipped {
		got = append(got, fmt.Sprintf("%s@%d:%d", s.ID, s.Line, s.Column))
	}
	if want := []string{"r-serving@11:5", "r-ours@12:5"}; !reflect.DeepEqual(got, want) {
		t.Errorf("skipped %v, want %v", got, want)
	}
}

func parseExport(t *testing.T, doc string) *graph.File {
	t.Helper()
	f, err := graph.ParseFile([]byte(doc), graph.JSON)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// xmllintValidates checks a file against the exchange format's XSD (the copy beside the
// ArchiMate package's tests) with xmllint, the W3C xml.xsd found through a catalog, offline.
func xmllintValidates(t *testing.T, path string) {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatal("xmllint is not installed: the schema validation of exported files needs it " +
			"(Debian: apt-get install libxml2-utils; .ci/run installs it)")
	}
	dir, _ := filepath.Abs("../graph/archimate/testdata")
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
	cmd := exec.Command(bin, "--nonet", "--noout", "--schema", filepath.Join(dir, "archimate3_Model.xsd"), path)
	cmd.Env = append(os.Environ(), "XML_CATALOG_FILES="+catalog)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), " validates") {
		t.Errorf("xmllint: %s does not validate (%v):\n%.3000s", filepath.Base(path), err, out)
	}
}

// TestArchimateImportNeedsARoleOnTheFilesModel: without a model argument an exchange file writes
// to the model it reads as (its model-KEY identifier), so the caller needs the editor role there,
// not on some other model.
func TestArchimateImportNeedsARoleOnTheFilesModel(t *testing.T) {
	a := newAuthed(t, resolvers.Options{})
	target, other := graphtest.ModelKey(t), graphtest.ModelKey(t)
	smallModel(t, target)
	smallModel(t, other)
	doc := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<model xmlns="http://www.opengroup.org/xsd/archimate/3.0/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" identifier="model-%s">
  <name>Drawn elsewhere</name>
  <elements><element identifier="id-proc-drawn" xsi:type="BusinessProcess"><name>Drawn process</name></element></elements>
</model>
`, target)
	const q = `mutation($doc: String!) { importModel(document: $doc, format: ARCHIMATE) { model created } }`
	_, res := a.do(t, token(t, "editor", other), q, map[string]any{"doc": doc})
	if len(res.Errors) != 1 || res.Errors[0].Extensions["code"] != "NOT_FOUND" {
		t.Errorf("an editor of another model imported into %s: %+v %s", target, res.Errors, res.Data)
	}
	_, res = a.do(t, token(t, "editor", target), q, map[string]any{"doc": doc})
	if len(res.Errors) > 0 || !strings.Contains(string(res.Data), `"created":1`) || !strings.Contains(string(res.Data), target) {
		t.Errorf("the model's editor: %+v %s", res.Errors, res.Data)
	}
}

// TestArchimateExportOfAPastRevision exports an exchange file of the model as it was before an
// edit: it equals the export taken at that revision, and the current export differs.
func TestArchimateExportOfAPastRevision(t *testing.T) {
	t.Parallel()
	a := newAPI(t, graphtest.Store(t))
	m := loadDemo(t, "lemonade-stand.yaml")
	var rev struct{ Model struct{ Revision int } }
	a.ok(t, `query($m: ID!) { model(key: $m) { revision } }`, map[string]any{"m": m}, &rev)
	before := exportAs(t, a, m, "ARCHIMATE")

	a.ok(t, `mutation($m: ID!) { deleteElement(model: $m, key: "kpi-cups-per-afternoon", detach: true) { key } }`, map[string]any{"m": m}, &struct{}{})

	var past struct{ ExportModel string }
	a.ok(t, `query($m: ID!, $r: Int) { exportModel(model: $m, format: ARCHIMATE, revision: $r) }`,
		map[string]any{"m": m, "r": rev.Model.Revision}, &past)
	if past.ExportModel != before {
		t.Errorf("exchange file at revision %d differs from the one taken then", rev.Model.Revision)
	}
	if now := exportAs(t, a, m, "ARCHIMATE"); now == before || !strings.Contains(before, "kpi-cups-per-afternoon") || strings.Contains(now, "kpi-cups-per-afternoon") {
		t.Errorf("the current export still holds the deleted KPI, or the earlier one lacks it")
	}
}
