package analysis

import (
	"slices"

	"github.com/modelgraph/modelgraph/graph/engine"
)

// Alignment checks a model against rules (the built-in ones when rules is nil) and returns the
// findings of the rules the filter chooses, ordered by severity, rule id, element key, then the
// kind a model-level finding names. Rules that need a search over the model (supporter, affected)
// run it once for all elements they check.
func Alignment(m *engine.Model, rules *Rules, f Filter) ([]Finding, error) {
	if rules == nil {
		rules = Builtin()
	}
	sel, err := rules.selection(f)
	if err != nil {
		return nil, err
	}
	ev := newEvaluator(m)
	byKind := make([][]engine.NodeID, len(allKinds))
	for v, k := range ev.ix.kind {
		byKind[k] = append(byKind[k], engine.NodeID(v))
	}
	out := []Finding{}
	for _, r := range sel {
		if r.code != nil {
			out = append(out, r.code(ev)...)
			continue
		}
		for _, k := range r.Kinds {
			for _, v := range byKind[kindNo[k]] {
				if (r.when == nil || r.when.holds(ev, v)) && !r.require.holds(ev, v) {
					out = append(out, Finding{Rule: r.ID, Severity: r.Severity, Element: m.Key(v), KindNamed: k, Message: r.message(m, v), Related: []string{}})
				}
			}
		}
	}
	slices.SortFunc(out, cmpFinding)
	return out, nil
}

// ElementFindings returns the findings about one element, in finding order.
func ElementFindings(fs []Finding, key string) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Element == key {
			out = append(out, f)
		}
	}
	return out
}
