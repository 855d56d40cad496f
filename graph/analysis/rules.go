package analysis

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/engine"
)

// Rule is one alignment rule: for every element of its kinds that meets When (when given) and
// does not meet Require, a finding. A code rule (SINGLE_SOURCE, BLOCK_EMPTY) finds its own.
type Rule struct {
	ID          string
	Severity    Severity
	Description string
	Kinds       []graph.Kind
	Message     string
	Source      string // the rules file it comes from, "builtin" for the built-in rules
	Line, Col   int    // where it starts in that file

	when, require cond
	code          func(ev *evaluator) []Finding
}

// Code reports whether the rule is written in Go rather than in the rules format.
func (r *Rule) Code() bool { return r.code != nil }

// Rules is a set of rules with distinct ids, ordered by id.
type Rules struct {
	list []*Rule
}

// List returns the rules ordered by id.
func (rs *Rules) List() []*Rule { return slices.Clone(rs.list) }

// Lookup returns the rule with an id.
func (rs *Rules) Lookup(id string) (*Rule, bool) {
	i, ok := slices.BinarySearchFunc(rs.list, id, func(r *Rule, id string) int { return strings.Compare(r.ID, id) })
	if !ok {
		return nil, false
	}
	return rs.list[i], true
}

// With returns the rules of rs and of more together. An id in both is an error located at the
// rule of more.
func (rs *Rules) With(more *Rules) (*Rules, error) {
	out := &Rules{list: slices.Clone(rs.list)}
	var probs []RuleProblem
	for _, r := range more.list {
		if old, dup := rs.Lookup(r.ID); dup {
			probs = append(probs, RuleProblem{File: r.Source, Line: r.Line, Col: r.Col,
				Reason: fmt.Sprintf("rule id %s is taken by a rule of %s; choose another id", r.ID, old.Source)})
			continue
		}
		out.list = append(out.list, r)
	}
	if len(probs) > 0 {
		return nil, &RulesError{Problems: probs}
	}
	slices.SortFunc(out.list, func(a, b *Rule) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// RuleProblem is one reason a rules file is refused, with its place.
type RuleProblem struct {
	File      string
	Line, Col int
	Reason    string
}

func (p RuleProblem) String() string {
	return fmt.Sprintf("%s:%d:%d: %s", p.File, p.Line, p.Col, p.Reason)
}

// RulesError refuses a rules file with every problem found in it. It matches graph.ErrInvalid.
type RulesError struct {
	Problems []RuleProblem
}

func (e *RulesError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return "invalid rules file: " + strings.Join(lines, "; ")
}

// Is makes errors.Is(err, graph.ErrInvalid) true.
func (e *RulesError) Is(target error) bool { return target == graph.ErrInvalid }

//go:embed rules/builtin.yaml
var builtinYAML []byte

// The built-in rules, parsed once. A failure is a bug in the embedded file, caught by every test.
var builtin = func() *Rules {
	rs, err := ParseRules("builtin", builtinYAML)
	if err != nil {
		panic(err)
	}
	for _, c := range codeRules() {
		rs.list = append(rs.list, c)
	}
	slices.SortFunc(rs.list, func(a, b *Rule) int { return strings.Compare(a.ID, b.ID) })
	return rs
}()

// Builtin returns the 14 rules of DOMAIN.md: 12 written in the rules format (rules/builtin.yaml)
// and two in code.
func Builtin() *Rules { return builtin }

// LoadRules reads a user rules file and returns the built-in rules together with its rules.
func LoadRules(name string, data []byte) (*Rules, error) {
	user, err := ParseRules(name, data)
	if err != nil {
		return nil, err
	}
	return builtin.With(user)
}

// selection returns the rules a filter chooses, or an error naming an unknown rule or severity.
func (rs *Rules) selection(f Filter) ([]*Rule, error) {
	for _, id := range f.Rules {
		if _, ok := rs.Lookup(id); !ok {
			ids := make([]string, len(rs.list))
			for i, r := range rs.list {
				ids[i] = r.ID
			}
			return nil, fmt.Errorf("rules: unknown rule %q; the rules are %s: %w", id, strings.Join(ids, ", "), graph.ErrInvalid)
		}
	}
	for _, s := range f.Severities {
		if s.Rank() < 0 {
			return nil, fmt.Errorf("severities: unknown severity %q: %w", s, graph.ErrInvalid)
		}
	}
	var out []*Rule
	for _, r := range rs.list {
		if (len(f.Rules) == 0 || slices.Contains(f.Rules, r.ID)) && (len(f.Severities) == 0 || slices.Contains(f.Severities, r.Severity)) {
			out = append(out, r)
		}
	}
	return out, nil
}

// messages fills a rule's message template for the elements of one kind: {kind} once, {key}
// and {name} per element.
func (r *Rule) messages(m *engine.Model, k graph.Kind) func(v engine.NodeID) string {
	base := strings.ReplaceAll(r.Message, "{kind}", string(k))
	if !strings.Contains(base, "{key}") && !strings.Contains(base, "{name}") {
		return func(engine.NodeID) string { return base }
	}
	return func(v engine.NodeID) string {
		s := strings.ReplaceAll(base, "{key}", m.Key(v))
		if strings.Contains(s, "{name}") {
			s = strings.ReplaceAll(s, "{name}", m.Element(v).Name)
		}
		return s
	}
}
