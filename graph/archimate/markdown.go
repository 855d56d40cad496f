package archimate

import (
	"fmt"
	"strings"

	"github.com/modelgraph/modelgraph/graph"
)

// MappingMarkdown renders Mapping as the tables of docs/archimate.md.
func MappingMarkdown() string {
	var b strings.Builder
	b.WriteString("### Elements\n\n| our kind | ArchiMate element | why |\n|---|---|---|\n")
	for _, r := range Mapping.Elements {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", r.Kind, r.Type, r.Why)
	}
	b.WriteString("\n### Elements of other tools\n\nAn element without our `modelgraph:kind` property is read by its ArchiMate type:\n\n| ArchiMate element | read as | why |\n|---|---|---|\n")
	for _, r := range Mapping.ForeignElements {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", r.Type, r.Kind, r.Why)
	}
	b.WriteString("\nEvery other element type (events, business objects, data objects, artifacts, junctions, groupings, goals, ...) is not imported; the import report counts it by type.\n")
	b.WriteString("\n### Relationships\n\nRules are tried from the top; the first whose type, source kind and target kind (and raci, where given) match is used. " +
		"\"reversed\" means the ArchiMate relationship runs from our target to our source. Associations are written with `isDirected=\"true\"`.\n\n" +
		"| our type | from | to | raci | ArchiMate | direction | why |\n|---|---|---|---|---|---|---|\n")
	for _, r := range Mapping.Relationships {
		dir := "same"
		if r.Reverse {
			dir = "reversed"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", r.Type, kindCell(r.From), kindCell(r.To), strings.Join(r.Raci, ", "), r.Rel, dir, r.Why)
	}
	b.WriteString("\n### Relationships of other tools\n\nA relationship without our `modelgraph:type` property is read by the first rule above with its ArchiMate type whose kinds (after turning a reversed rule round) fit and which our metamodel allows. Besides:\n\n| ArchiMate | read as | why |\n|---|---|---|\n")
	for _, a := range Mapping.Aliases {
		fmt.Fprintf(&b, "| %s | %s | %s |\n", a.Rel, a.As, a.Why)
	}
	b.WriteString("\nAccess and Specialization are not imported; the report counts them by type.\n")
	return b.String()
}

func kindCell(ks []graph.Kind) string {
	if len(ks) == len(graph.Kinds())-1 {
		return "any but " + string(missingKind(ks))
	}
	s := make([]string, len(ks))
	for i, k := range ks {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}
