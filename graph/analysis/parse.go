package analysis

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/modelgraph/modelgraph/graph"
)

// ParseRules reads a rules file (YAML; see docs/analysis.md) and compiles its rules. Every problem
// is reported with its line and column; the file is refused as a whole.
func ParseRules(name string, data []byte) (*Rules, error) {
	p := &ruleParser{file: name}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, &RulesError{Problems: []RuleProblem{{File: name, Line: 1, Col: 1, Reason: "is empty; a rules file holds a list under rules:"}}}
		}
		return nil, &RulesError{Problems: []RuleProblem{{File: name, Line: yamlLine(err), Col: 1, Reason: "is not valid YAML: " + strings.TrimPrefix(err.Error(), "yaml: ")}}}
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	rs := &Rules{}
	p.fields(root, "a rules file", []string{"rules"}, func(key string, v *yaml.Node) {
		for _, item := range p.seq(v) {
			if r := p.rule(item); r != nil {
				rs.list = append(rs.list, r)
			}
		}
	})
	p.duplicates(rs.list)
	if len(p.probs) > 0 {
		return nil, &RulesError{Problems: p.probs}
	}
	slices.SortFunc(rs.list, func(a, b *Rule) int { return strings.Compare(a.ID, b.ID) })
	return rs, nil
}

func yamlLine(err error) int {
	var line int
	if i := strings.Index(err.Error(), "line "); i >= 0 {
		fmt.Sscanf(err.Error()[i:], "line %d", &line)
	}
	return max(line, 1)
}

type ruleParser struct {
	file  string
	probs []RuleProblem
}

func (p *ruleParser) fail(n *yaml.Node, format string, a ...any) {
	p.probs = append(p.probs, RuleProblem{File: p.file, Line: n.Line, Col: n.Column, Reason: fmt.Sprintf(format, a...)})
}

// fields walks a mapping, calling set for every known field; unknown and repeated fields are
// problems.
func (p *ruleParser) fields(n *yaml.Node, what string, known []string, set func(key string, v *yaml.Node)) {
	if n.Kind != yaml.MappingNode {
		p.fail(n, "%s must be a mapping", what)
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch {
		case seen[k.Value]:
			p.fail(k, "%s is given twice", k.Value)
		case !slices.Contains(known, k.Value):
			p.fail(k, "unknown field %q; %s has %s", k.Value, what, strings.Join(known, ", "))
		default:
			seen[k.Value] = true
			set(k.Value, v)
		}
	}
}

func (p *ruleParser) seq(n *yaml.Node) []*yaml.Node {
	if n.Kind != yaml.SequenceNode {
		p.fail(n, "must be a list")
		return nil
	}
	return n.Content
}

func (p *ruleParser) str(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode {
		p.fail(n, "must be a string")
		return ""
	}
	return n.Value
}

func (p *ruleParser) integer(n *yaml.Node, lo, hi int) int {
	i, err := strconv.Atoi(n.Value)
	if n.Kind != yaml.ScalarNode || err != nil || i < lo || i > hi {
		p.fail(n, "must be a whole number from %d to %d", lo, hi)
		return lo
	}
	return i
}

var ruleID = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,63}$`)

// MaxWithin bounds the hops a reachability condition may ask for: the server's default cap.
const MaxWithin = 10

func (p *ruleParser) rule(n *yaml.Node) *Rule {
	r := &Rule{Source: p.file, Line: n.Line, Col: n.Column}
	before := len(p.probs)
	have := map[string]bool{}
	p.fields(n, "a rule", []string{"id", "severity", "description", "kinds", "when", "require", "message"}, func(key string, v *yaml.Node) {
		have[key] = true
		switch key {
		case "id":
			if r.ID = p.str(v); !ruleID.MatchString(r.ID) {
				p.fail(v, "rule id %q must be upper case letters, digits and _ (like VP_NO_SEGMENT)", r.ID)
			}
		case "severity":
			s, err := ParseSeverity(p.str(v))
			if err != nil {
				p.fail(v, "severity must be ERROR, WARNING or INFO, not %q", v.Value)
			}
			r.Severity = s
		case "description":
			r.Description = p.str(v)
		case "kinds":
			r.Kinds = p.kinds(v)
		case "when":
			r.when = p.cond(v)
		case "require":
			r.require = p.cond(v)
		case "message":
			r.Message = p.str(v)
			p.template(v)
		}
	})
	if n.Kind == yaml.MappingNode {
		for _, f := range []string{"id", "severity", "kinds", "require", "message"} {
			if !have[f] {
				p.fail(n, "rule %s has no %s", r.ID, f)
			}
		}
	}
	if len(p.probs) > before {
		return nil
	}
	return r
}

func (p *ruleParser) duplicates(rs []*Rule) {
	at := map[string]*Rule{}
	for _, r := range rs {
		if first, dup := at[r.ID]; dup {
			p.probs = append(p.probs, RuleProblem{File: p.file, Line: r.Line, Col: r.Col, Reason: fmt.Sprintf("rule id %s is used twice; the first is at %d:%d", r.ID, first.Line, first.Col)})
			continue
		}
		at[r.ID] = r
	}
}

var placeholder = regexp.MustCompile(`\{[^}]*\}`)

func (p *ruleParser) template(n *yaml.Node) {
	for _, ph := range placeholder.FindAllString(n.Value, -1) {
		if ph != "{key}" && ph != "{kind}" && ph != "{name}" {
			p.fail(n, "message: unknown placeholder %s; use {key}, {kind} or {name}", ph)
		}
	}
}

func (p *ruleParser) kinds(n *yaml.Node) []graph.Kind {
	var out []graph.Kind
	items := p.seq(n)
	if n.Kind == yaml.SequenceNode && len(items) == 0 {
		p.fail(n, "name at least one kind")
	}
	for _, item := range items {
		k := graph.Kind(p.str(item))
		if _, ok := kindNo[k]; !ok {
			p.fail(item, "unknown kind %q", item.Value)
			continue
		}
		if slices.Contains(out, k) {
			p.fail(item, "kind %s is named twice", k)
			continue
		}
		out = append(out, k)
	}
	return out
}

func kindMask(ks []graph.Kind) uint32 {
	var m uint32
	for _, k := range ks {
		m |= kindBit(k)
	}
	return m
}

// The building blocks of conditions, each a mapping with one of these keys.
var blocks = []string{"rel", "selfOrWhole", "supporter", "affected", "scope", "property", "all", "any", "not"}

func (p *ruleParser) cond(n *yaml.Node) cond {
	if n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		p.fail(n, "a condition is a mapping with one of %s", strings.Join(blocks, ", "))
		return nil
	}
	k, v := n.Content[0], n.Content[1]
	switch k.Value {
	case "rel":
		return p.rel(v)
	case "selfOrWhole":
		return &wholeCond{inner: p.cond(v)}
	case "supporter":
		sel, within := p.reach(v, "supporter")
		return &supporterCond{kinds: sel, within: within}
	case "affected":
		sel, within := p.reach(v, "affected")
		return &affectedCond{kinds: sel, within: within}
	case "scope":
		return p.scope(v)
	case "property":
		return &propCond{m: p.match(v)}
	case "all", "any":
		var cs []cond
		for _, item := range p.seq(v) {
			cs = append(cs, p.cond(item))
		}
		if k.Value == "all" {
			return allCond(cs)
		}
		return anyCond(cs)
	case "not":
		return &notCond{inner: p.cond(v)}
	}
	p.fail(k, "unknown condition %q; a condition is one of %s", k.Value, strings.Join(blocks, ", "))
	return nil
}

// selector reads kinds, categories and exceptKinds into a kind mask: the kinds and categories
// named (every kind when none is), less the kinds excepted.
type selector struct {
	include, except uint32
	narrowed        bool
}

func (p *ruleParser) selectorField(s *selector, key string, v *yaml.Node) bool {
	switch key {
	case "kinds":
		s.include |= kindMask(p.kinds(v))
		s.narrowed = true
	case "categories":
		for _, item := range p.seq(v) {
			c := graph.Category(p.str(item))
			if !slices.Contains(graph.Categories(), c) {
				p.fail(item, "unknown category %q; the categories are CANVAS, OPERATING, FUNCTION, STAKEHOLDER", item.Value)
			}
			s.include |= kindMask(graph.KindsIn(c))
		}
		s.narrowed = true
	case "exceptKinds":
		s.except |= kindMask(p.kinds(v))
	default:
		return false
	}
	return true
}

func (s selector) value() uint32 {
	m := s.include
	if !s.narrowed {
		m = 1<<len(allKinds) - 1
	}
	return m &^ s.except
}

var selectorFields = []string{"kinds", "categories", "exceptKinds"}

func (p *ruleParser) rel(n *yaml.Node) cond {
	c := &relCond{n: count{min: 1, max: -1}}
	var sel selector
	have := map[string]*yaml.Node{}
	p.fields(n, "rel", append([]string{"dir", "type", "where", "min", "max", "exactly"}, selectorFields...), func(key string, v *yaml.Node) {
		have[key] = v
		if p.selectorField(&sel, key, v) {
			return
		}
		switch key {
		case "dir":
			switch p.str(v) {
			case "in":
			case "out":
				c.out = true
			default:
				p.fail(v, "dir must be in or out, not %q", v.Value)
			}
		case "type":
			t := graph.RelType(p.str(v))
			i, ok := relNo[t]
			if !ok {
				p.fail(v, "unknown relationship type %q", v.Value)
			}
			c.typ = i
		case "where":
			if v.Kind != yaml.MappingNode {
				p.fail(v, "where must be a mapping of property names to tests")
				return
			}
			for i := 0; i+1 < len(v.Content); i += 2 {
				c.where = append(c.where, p.propMatch(v.Content[i], v.Content[i+1]))
			}
		}
	})
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for _, f := range []string{"dir", "type"} {
		if have[f] == nil {
			p.fail(n, "rel has no %s", f)
		}
	}
	c.kinds = sel.value()
	c.n = p.count(n, have, count{min: 1, max: -1})
	return c
}

// count reads min, max and exactly; def applies when none is given.
func (p *ruleParser) count(n *yaml.Node, have map[string]*yaml.Node, def count) count {
	ex, lo, hi := have["exactly"], have["min"], have["max"]
	switch {
	case ex != nil && (lo != nil || hi != nil):
		p.fail(ex, "exactly cannot be given with min or max")
	case ex != nil:
		e := p.integer(ex, 0, math.MaxInt32)
		return count{min: e, max: e}
	case lo == nil && hi == nil:
		return def
	}
	c := count{min: 0, max: -1}
	if lo != nil {
		c.min = p.integer(lo, 0, math.MaxInt32)
	}
	if hi != nil {
		c.max = p.integer(hi, 0, math.MaxInt32)
		if c.max < c.min {
			p.fail(hi, "max %d is less than min %d", c.max, c.min)
		}
	}
	return c
}

func (p *ruleParser) reach(n *yaml.Node, what string) (uint32, int) {
	var sel selector
	within := 6
	p.fields(n, what, append([]string{"within"}, selectorFields...), func(key string, v *yaml.Node) {
		if !p.selectorField(&sel, key, v) {
			within = p.integer(v, 1, MaxWithin)
		}
	})
	return sel.value(), within
}

func (p *ruleParser) scope(n *yaml.Node) cond {
	var sel selector
	have := map[string]*yaml.Node{}
	p.fields(n, "scope", append([]string{"min", "max", "exactly"}, selectorFields...), func(key string, v *yaml.Node) {
		have[key] = v
		p.selectorField(&sel, key, v)
	})
	return &scopeCond{kinds: sel.value(), n: p.count(n, have, count{min: 1, max: -1})}
}

// match reads a property test of an element: {name: x, equals: v | notTrue: true | present: bool
// | min: n | max: n}.
func (p *ruleParser) match(n *yaml.Node) match {
	var mt match
	p.fields(n, "property", []string{"name", "equals", "notTrue", "present", "min", "max"}, func(key string, v *yaml.Node) {
		if key == "name" {
			mt.name = p.str(v)
			return
		}
		if mt.op != "" {
			p.fail(v, "a property test has one of equals, notTrue, present, min, max")
			return
		}
		mt = p.test(mt, key, v)
	})
	if n.Kind == yaml.MappingNode && (mt.name == "" || mt.op == "") {
		p.fail(n, "property needs a name and one of equals, notTrue, present, min, max")
	}
	return mt
}

// propMatch reads one entry of where: a property name with a value (equals) or a test mapping.
func (p *ruleParser) propMatch(k, v *yaml.Node) match {
	mt := match{name: k.Value}
	if v.Kind == yaml.ScalarNode {
		return p.test(mt, "equals", v)
	}
	if v.Kind != yaml.MappingNode || len(v.Content) != 2 {
		p.fail(v, "where %s: give a value, or one of equals, notTrue, present, min, max", k.Value)
		return mt
	}
	return p.test(mt, v.Content[0].Value, v.Content[1])
}

func (p *ruleParser) test(mt match, op string, v *yaml.Node) match {
	mt.op = op
	var x any
	if v.Kind != yaml.ScalarNode || v.Decode(&x) != nil {
		p.fail(v, "%s must be a string, number or boolean", op)
		return mt
	}
	switch op {
	case "equals":
		if f, ok := number(x); ok {
			x = f
		}
		if _, isList := x.([]any); isList || x == nil {
			p.fail(v, "equals needs a value")
		}
		mt.val = x
	case "notTrue", "present":
		b, ok := x.(bool)
		if !ok || (op == "notTrue" && !b) {
			p.fail(v, "%s must be true or false (notTrue: true)", op)
		}
		mt.val = b
	case "min", "max":
		f, ok := number(x)
		if !ok {
			p.fail(v, "%s must be a number", op)
		}
		mt.num = f
	default:
		p.fail(v, "unknown property test %q; use equals, notTrue, present, min or max", op)
	}
	return mt
}
