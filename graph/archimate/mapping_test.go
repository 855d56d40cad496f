package archimate

import (
	"bytes"
	"encoding/xml"
	"os"
	"slices"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
)

// sharedDir is the project's shared test material, beside the repository.
const sharedDir = "../../../shared/archimate/"

// testMatrix parses the relationship matrix from the shared material, independently of the copy
// the package embeds (the two are compared in TestEmbeddedMatrixIsTheShippedOne).
func testMatrix(t *testing.T) *Matrix {
	t.Helper()
	data, err := os.ReadFile(sharedDir + "relationships-3.2.xml")
	if err != nil {
		t.Fatalf("the tests check relationships against %srelationships-3.2.xml: %v", sharedDir, err)
	}
	m, err := ParseMatrix(data)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestEmbeddedMatrixIsTheShippedOne(t *testing.T) {
	shared, err := os.ReadFile(sharedDir + "relationships-3.2.xml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(shared, relationshipsXML) {
		t.Fatal("graph/archimate/relationships-3.2.xml differs from the shared matrix")
	}
	m := BuiltinMatrix()
	// Spot checks read by hand from the file.
	for _, c := range []struct {
		src, rel, tgt string
		want          bool
	}{
		{"BusinessProcess", "Realization", "BusinessService", true},
		{"BusinessProcess", "Realization", "Product", false},
		{"BusinessProcess", "Realization", "Value", false},
		{"BusinessService", "Influence", "Value", true},
		{"Resource", "Assignment", "Capability", true},
		{"Capability", "Serving", "BusinessProcess", false},
		{"Location", "Aggregation", "Resource", true},
		{"BusinessRole", "Assignment", "BusinessProcess", true},
		{"BusinessRole", "Frobnication", "BusinessProcess", false},
	} {
		if got := m.Allows(c.src, c.rel, c.tgt); got != c.want {
			t.Errorf("Allows(%s, %s, %s) = %v, want %v", c.src, c.rel, c.tgt, got, c.want)
		}
	}
}

// schemaElementTypes reads the element types the exchange schema lists.
func schemaElementTypes(t *testing.T) map[string]bool {
	t.Helper()
	data, err := os.ReadFile("testdata/archimate3_Model.xsd")
	if err != nil {
		t.Fatal(err)
	}
	var s struct {
		Types []struct {
			Name   string `xml:"name,attr"`
			Values []struct {
				Value string `xml:"value,attr"`
			} `xml:"restriction>enumeration"`
		} `xml:"simpleType"`
	}
	if err := xml.Unmarshal(data, &s); err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, st := range s.Types {
		if st.Name == "ElementTypeEnum" {
			for _, v := range st.Values {
				out[v.Value] = true
			}
		}
	}
	if len(out) < 50 {
		t.Fatalf("read %d element types from the schema", len(out))
	}
	return out
}

func TestEveryKindHasOneElementType(t *testing.T) {
	types := schemaElementTypes(t)
	seen := map[graph.Kind]int{}
	for _, r := range Mapping.Elements {
		seen[r.Kind]++
		if !types[r.Type] {
			t.Errorf("%s maps to %q, which the exchange schema does not list", r.Kind, r.Type)
		}
	}
	for _, k := range graph.Kinds() {
		if seen[k] != 1 {
			t.Errorf("kind %s has %d element rules, want 1", k, seen[k])
		}
	}
	if len(Mapping.Elements) != 18 {
		t.Errorf("%d element rules, want 18", len(Mapping.Elements))
	}
}

// Every ArchiMate type we write is read back as exactly one kind, and a foreign type is listed
// once.
func TestForeignElementsAreUnambiguous(t *testing.T) {
	types := schemaElementTypes(t)
	count := map[string]int{}
	for _, f := range Mapping.ForeignElements {
		count[f.Type]++
		if !types[f.Type] {
			t.Errorf("foreign type %q is not in the exchange schema", f.Type)
		}
		if _, ok := graph.LookupKind(string(f.Kind)); !ok {
			t.Errorf("foreign type %q reads as unknown kind %q", f.Type, f.Kind)
		}
	}
	for typ, n := range count {
		if n != 1 {
			t.Errorf("foreign type %q is listed %d times", typ, n)
		}
	}
	for _, r := range Mapping.Elements {
		if count[r.Type] != 1 {
			t.Errorf("exported type %q (of %s) has no foreign reading", r.Type, r.Kind)
		}
	}
}

// Every relationship our metamodel allows, with every raci value, has a rule, and the matrix
// allows what the rule writes.
func TestEveryAllowedRelationshipHasAnArchiMateRelationship(t *testing.T) {
	m := testMatrix(t)
	n := 0
	for _, tr := range graph.Pairs() {
		racis := []string{""}
		if tr.Type == graph.InvolvedIn {
			racis = []string{"", "R", "A", "C", "I"}
		}
		for _, raci := range racis {
			r := graph.Relationship{From: "a", Type: tr.Type, To: "b"}
			if raci != "" {
				r.Properties = map[string]any{"raci": raci}
			}
			rule, ok := exportRule(r, tr.From, tr.To)
			if !ok {
				t.Errorf("%s -%s-> %s (raci %q): no rule", tr.From, tr.Type, tr.To, raci)
				continue
			}
			src, _ := elementType(tr.From)
			tgt, _ := elementType(tr.To)
			if rule.Reverse {
				src, tgt = tgt, src
			}
			if !m.Allows(src, rule.Rel, tgt) {
				t.Errorf("%s -%s-> %s: ArchiMate does not allow %s from %s to %s", tr.From, tr.Type, tr.To, rule.Rel, src, tgt)
			}
			n++
		}
	}
	if n < 200 {
		t.Errorf("checked %d pairs; the metamodel has more", n)
	}
}

// A rule that can never apply is a mistake in the table.
func TestEveryRuleIsUsed(t *testing.T) {
	used := make([]bool, len(Mapping.Relationships))
	for _, tr := range graph.Pairs() {
		for _, raci := range []string{"", "R", "A", "C", "I"} {
			r := graph.Relationship{Type: tr.Type, Properties: map[string]any{"raci": raci}}
			for i, rule := range Mapping.Relationships {
				if rule.Type == r.Type && slices.Contains(rule.From, tr.From) && slices.Contains(rule.To, tr.To) &&
					(rule.Raci == nil || slices.Contains(rule.Raci, raci)) {
					used[i] = true
					break
				}
			}
		}
	}
	for i, u := range used {
		if !u {
			r := Mapping.Relationships[i]
			t.Errorf("rule %d (%s as %s) never applies", i, r.Type, r.Rel)
		}
	}
}

// Association says nothing the matrix would not allow anyway: the table uses it only for the
// pairs listed here, worked out by hand from the matrix (no other relationship fits).
func TestAssociationOnlyWhereNothingElseFits(t *testing.T) {
	want := map[graph.RelType]int{
		graph.Realizes:   2*1 + 1*3, // {Process, BusinessFunction} -> KeyResource; Capability -> {ValueProposition, Channel, CustomerRelationship}
		graph.Supports:   2 + 2 + 1, // Capability -> {Process, BusinessFunction}; KeyResource -> {ValueProposition, Process}; KeyActivity -> ValueProposition
		graph.InvolvedIn: 4 * 17,    // with raci C: every pair (4 sources, 17 targets)
		graph.Measures:   17,
		graph.ReportsTo:  4,
	}
	got := map[graph.RelType]int{}
	for _, tr := range graph.Pairs() {
		raci := ""
		if tr.Type == graph.InvolvedIn {
			raci = "C"
		}
		rule, _ := exportRule(graph.Relationship{Type: tr.Type, Properties: map[string]any{"raci": raci}}, tr.From, tr.To)
		if rule.Rel == "Association" {
			got[tr.Type]++
		}
	}
	for typ, n := range want {
		if got[typ] != n {
			t.Errorf("%s: %d pairs exported as Association, want %d", typ, got[typ], n)
		}
	}
	for typ, n := range got {
		if _, ok := want[typ]; !ok {
			t.Errorf("%s: %d pairs exported as Association, want none", typ, n)
		}
	}
	// With raci R, Role, OrgUnit and KeyPartner are assigned to the 4 behaviour kinds.
	assoc := 0
	for _, tr := range graph.Pairs() {
		if tr.Type != graph.InvolvedIn {
			continue
		}
		rule, _ := exportRule(graph.Relationship{Type: tr.Type, Properties: map[string]any{"raci": "R"}}, tr.From, tr.To)
		if rule.Rel == "Association" {
			assoc++
		}
	}
	if assoc != 4*17-3*4 {
		t.Errorf("INVOLVED_IN with raci R: %d pairs as Association, want %d", assoc, 4*17-3*4)
	}
}
