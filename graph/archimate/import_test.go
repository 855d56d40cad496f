package archimate

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/engine"
)

func readTestdata(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// The test files written for these tests are valid exchange files (with views, so the diagram
// schema).
func TestHandWrittenFilesAreValidExchangeFiles(t *testing.T) {
	for _, name := range []string{"bakery.xml", "refused.xml"} {
		out, err := runXmllintSchema(t, "testdata/"+name, "archimate3_Diagram.xsd")
		if err != nil || !strings.Contains(out, " validates") {
			t.Errorf("%s does not validate (%v):\n%s", name, err, clip(out))
		}
	}
}

func TestImportOfTheArchiSample(t *testing.T) {
	data, err := os.ReadFile(sharedDir + "Sample1.xml")
	if err != nil {
		t.Fatal(err)
	}
	f, rep, err := Import(data, Options{Name: "Sample1.xml"})
	if err != nil {
		t.Fatal(err)
	}
	want := &graph.File{
		Model: graph.Model{Key: "test", Name: "Test"},
		Elements: []graph.Element{
			{Key: "37d5bc4b", Kind: graph.Role, Name: "Sales Person", Description: "A description of a sales person"},
			{Key: "89c22226", Kind: graph.Process, Name: "Sell Product", Description: "A description of the sell product process"},
		},
		Relationships: []graph.Relationship{
			{From: "37d5bc4b", Type: graph.InvolvedIn, To: "89c22226", Properties: map[string]any{"raci": "R"}},
		},
	}
	sameFile(t, want, f)
	if rep.Elements != 2 || rep.Relationships != 1 || len(rep.UnmappedElements) != 0 || len(rep.UnmappedRelationships) != 0 ||
		len(rep.Unattached) != 0 || rep.Views != 0 {
		t.Errorf("report: %+v", rep)
	}
	if got := rep.Lines(); !reflect.DeepEqual(got, []string{"read as model test: 2 elements, 1 relationships"}) {
		t.Errorf("report lines: %q", got)
	}
}

func TestImportCountsWhatItLeavesOut(t *testing.T) {
	f, rep, err := Import(readTestdata(t, "bakery.xml"), Options{Name: "bakery.xml"})
	if err != nil {
		t.Fatal(err)
	}
	want := &graph.File{
		Model: graph.Model{Key: "corner-bakery", Name: "Corner bakery", Description: "A neighbourhood bakery, drawn in another tool."},
		Elements: []graph.Element{
			{Key: "e-bake", Kind: graph.Process, Name: "Bake bread", Description: "Every morning at four.",
				Properties: map[string]any{"Cost_Centre": "CC-12", "batches": int64(12), "archimate_name": "shadow"}},
			{Key: "e-sell", Kind: graph.Process, Name: "Sell bread"},
			{Key: "e-baker", Kind: graph.Role, Name: "Baker"},
			{Key: "e-shop", Kind: graph.OrgUnit, Name: "Shop team"},
			{Key: "e-oven", Kind: graph.Technology, Name: "Oven controller"},
			{Key: "e-bread", Kind: graph.ValueProposition, Name: "Fresh bread"},
		},
		Relationships: []graph.Relationship{
			{From: "e-bake", Type: graph.FlowsTo, To: "e-sell"},
			{From: "e-baker", Type: graph.InvolvedIn, To: "e-bake", Properties: map[string]any{"raci": "R"}},
			{From: "e-oven", Type: graph.Supports, To: "e-bake"},
			{From: "e-bake", Type: graph.Realizes, To: "e-bread", Properties: map[string]any{"name": "makes"}},
			{From: "e-shop", Type: graph.InvolvedIn, To: "e-sell", Properties: map[string]any{"raci": "R"}},
		},
	}
	sameFile(t, want, f)
	check := func(what string, got, want any) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: got %v, want %v", what, got, want)
		}
	}
	check("unmapped elements", rep.UnmappedElements, map[string]int{"BusinessEvent": 2, "BusinessObject": 1, "DataObject": 1, "AndJunction": 1})
	check("unmapped relationships", rep.UnmappedRelationships, map[string]int{"Specialization": 1})
	check("unattached", rep.Unattached, map[string]int{"Access": 1, "Triggering": 1, "Flow": 2, "Association": 1})
	check("renamed", rep.Renamed, map[string]string{"Cost Centre": "Cost_Centre", "name": "archimate_name"})
	check("counts", []int{rep.Elements, rep.Relationships, rep.Views, rep.ModelProperties, len(rep.Duplicates)}, []int{6, 5, 2, 1, 1})
	check("folders", rep.Organizations, true)
	if len(rep.Duplicates) == 1 {
		check("duplicate", []any{rep.Duplicates[0].ID, rep.Duplicates[0].Pos}, []any{"r12", engine.Pos{Line: 44, Col: 5}})
	}
	// Every element and relationship of the file is accounted for: imported or counted.
	total := rep.Elements
	for _, n := range rep.UnmappedElements {
		total += n
	}
	if total != 11 {
		t.Errorf("elements accounted for: %d of 11", total)
	}
	total = rep.Relationships + len(rep.Duplicates) + len(rep.Skipped)
	for _, m := range []map[string]int{rep.UnmappedRelationships, rep.Unattached} {
		for _, n := range m {
			total += n
		}
	}
	if total != 12 {
		t.Errorf("relationships accounted for: %d of 12", total)
	}
	lines := strings.Join(rep.Lines(), "\n")
	for _, want := range []string{
		"elements of types without a mapping, not imported: AndJunction 1, BusinessEvent 2, BusinessObject 1, DataObject 1",
		"relationships of types without a mapping, not imported: Specialization 1",
		"relationships with an end not imported, not imported: Access 1, Association 1, Flow 2, Triggering 1",
		"44:5: relationship r12 skipped: reads as e-bake -FLOWS_TO-> e-sell, like relationship r1; one is kept",
		"2 views ignored",
		"folders (organizations) ignored",
	} {
		if !strings.Contains(lines, want) {
			t.Errorf("report lacks %q:\n%s", want, lines)
		}
	}
}

func TestImportRefusesWhatOurMetamodelRefuses(t *testing.T) {
	_, _, err := Import(readTestdata(t, "refused.xml"), Options{Name: "refused.xml"})
	var ie *Error
	if !errors.As(err, &ie) || !errors.Is(err, graph.ErrInvalid) {
		t.Fatalf("got %v, want an *Error matching ErrInvalid", err)
	}
	if len(ie.Problems) != 2 {
		t.Fatalf("got %d problems, want 2:\n%v", len(ie.Problems), err)
	}
	want := []string{
		`refused.xml:11:5: relationship r-serving type: Serving from baker (Role) to shop (OrgUnit) has no modelgraph relationship: Serving is read only from Process, BusinessFunction, Capability, Technology, ValueProposition, Channel, CustomerRelationship, KeyPartner`,
		`refused.xml:12:5: relationship r-ours (bake -DELIVERS-> shop) type: Process -DELIVERS-> OrgUnit is not allowed: DELIVERS cannot start at Process; it starts at Channel`,
	}
	for i, w := range want {
		if got := ie.Problems[i].String(); !strings.HasPrefix(got, w) {
			t.Errorf("problem %d:\n got %s\nwant %s...", i, got, w)
		}
	}

	f, rep, err := Import(readTestdata(t, "refused.xml"), Options{Name: "refused.xml", Lenient: true})
	if err != nil {
		t.Fatalf("lenient: %v", err)
	}
	if len(f.Relationships) != 1 || f.Relationships[0].ID() != "baker -INVOLVED_IN-> bake" || rep.Relationships != 1 {
		t.Errorf("lenient import kept %v (report says %d)", f.Relationships, rep.Relationships)
	}
	if len(rep.Skipped) != 2 || rep.Skipped[0].ID != "r-serving" || rep.Skipped[0].Pos != (engine.Pos{Line: 11, Col: 5}) ||
		rep.Skipped[1].ID != "r-ours" || rep.Skipped[1].Pos != (engine.Pos{Line: 12, Col: 5}) {
		t.Errorf("skipped: %+v", rep.Skipped)
	}
}

func TestImportLocatesBrokenFiles(t *testing.T) {
	good := string(readTestdata(t, "refused.xml"))
	for _, c := range []struct {
		name, data, want string
	}{
		{"truncated", good[:strings.Index(good, "<relationships>")], "x.xml:9:3: document: is not well-formed XML: unexpected EOF"},
		{"mismatched tag", strings.Replace(good, "</elements>", "</element>", 1), "x.xml:8:13: document: is not well-formed XML: element <elements> closed by </element>"},
		{"other root", `<?xml version="1.0"?><model><name>x</name></model>`, "x.xml:1:22: document: is not an ArchiMate exchange file"},
		{"unknown kind", strings.Replace(good, `<name>Bake</name>`, `<name>Bake</name><properties><property propertyDefinitionRef="pd-kind"><value>Oven</value></property></properties>`, 1) +
			"", "x.xml:7:5: element id-bake (bake) kind: unknown kind \"Oven\""},
		{"undefined property", strings.Replace(good, "pd-type\"><value>", "pd-nope\"><value>", 1), "x.xml:12:5: relationship r-ours properties: property refers to definition \"pd-nope\""},
	} {
		data := c.data
		if c.name == "unknown kind" {
			data = strings.Replace(data, "</propertyDefinitions>", `<propertyDefinition identifier="pd-kind" type="string"><name>modelgraph:kind</name></propertyDefinition></propertyDefinitions>`, 1)
		}
		_, _, err := Import([]byte(data), Options{Name: "x.xml", Lenient: true})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.name, err, c.want)
		}
	}
}

func TestIsExchange(t *testing.T) {
	for _, c := range []struct {
		data string
		want bool
	}{
		{string(readTestdata(t, "Sample1.xml")), true},
		{"\n<!-- a comment -->\n<a:model xmlns:a=\"http://www.opengroup.org/xsd/archimate/3.0/\"/>", true},
		{`<model xmlns="http://www.opengroup.org/xsd/archimate/2.1/"/>`, false},
		{`<model/>`, false},
		{`<elements xmlns="http://www.opengroup.org/xsd/archimate/3.0/"/>`, false},
		{"model:\n  key: x\n", false},
		{`{"model": {"key": "x"}}`, false},
		{"", false},
	} {
		if got := IsExchange([]byte(c.data)); got != c.want {
			t.Errorf("IsExchange(%.40q) = %v, want %v", c.data, got, c.want)
		}
	}
}

// Every problem comes at once, in the order of the file, whichever check found it.
func TestImportReportsAllProblemsInFileOrder(t *testing.T) {
	data := strings.Replace(string(readTestdata(t, "refused.xml")), "<name>Baker</name>", "<name> </name>", 1)
	_, _, err := Import([]byte(data), Options{Name: "refused.xml"})
	var ie *Error
	if !errors.As(err, &ie) {
		t.Fatalf("got %v", err)
	}
	var got []string
	for _, p := range ie.Problems {
		got = append(got, p.Pos.String()+" "+p.Path+" "+p.Field)
	}
	want := []string{"5:5 element id-baker name", "11:5 relationship r-serving type", "12:5 relationship r-ours type"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("problems:\n got %q\nwant %q", got, want)
	}
}
