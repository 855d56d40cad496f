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
	// Rules in finding order, and each rule's findings in key order as they are found (candidates
	// come in key order), so the whole needs no sort. Findings of rules in the rules format are
	// first noted compactly (no pointers, cheap to grow) and made into Findings at the end.
	slices.SortStableFunc(sel, func(a, b *Rule) int { return a.Severity.Rank() - b.Severity.Rank() })
	type part struct {
		hits  []hit
		coded []Finding
	}
	parts := make([]part, len(sel))
	// Rules are independent (each condition keeps its own tables): one evaluator per core.
	parallel(len(sel), func() func(int) {
		ev := newEvaluator(m)
		return func(i int) {
			if r := sel[i]; r.code != nil {
				parts[i].coded = r.code(ev)
				slices.SortFunc(parts[i].coded, cmpFinding)
			} else {
				parts[i].hits = r.check(ev, nil)
			}
		}
	})
	total := 0
	for _, p := range parts {
		total += len(p.hits) + len(p.coded)
	}
	out := make([]Finding, 0, total)
	for i, r := range sel {
		out = append(out, parts[i].coded...)
		msgs := make([]func(engine.NodeID) string, len(r.Kinds))
		for j, k := range r.Kinds {
			msgs[j] = r.messages(m, k)
		}
		for _, h := range parts[i].hits {
			out = append(out, Finding{Rule: r.ID, Severity: r.Severity, Element: m.Key(h.v), KindNamed: r.Kinds[h.kind], Message: msgs[h.kind](h.v), Related: []string{}})
		}
	}
	return out, nil
}

// hit is a finding of a rule in the rules format: the element and which of the rule's kinds.
type hit struct {
	v    engine.NodeID
	kind int32
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

// check appends the findings of a rule written in the rules format, in key order: the candidates
// of each kind are in key order, and those of several kinds are merged.
func (r *Rule) check(ev *evaluator, out []hit) []hit {
	lists := make([][]engine.NodeID, len(r.Kinds))
	for i, k := range r.Kinds {
		lists[i] = ev.ix.byKind[kindNo[k]]
	}
	for {
		best := -1
		for i, l := range lists {
			if len(l) > 0 && (best < 0 || ev.ix.rank[l[0]] < ev.ix.rank[lists[best][0]]) {
				best = i
			}
		}
		if best < 0 {
			return out
		}
		v := lists[best][0]
		lists[best] = lists[best][1:]
		if (r.when == nil || r.when.holds(ev, v)) && !r.require.holds(ev, v) {
			out = append(out, hit{v, int32(best)})
		}
	}
}
