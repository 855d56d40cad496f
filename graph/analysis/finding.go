package analysis

import (
	"cmp"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"

	"github.com/modelgraph/modelgraph/graph"
)

// Severity is how much a finding matters: ERROR, WARNING or INFO.
type Severity string

// The severities, most serious first.
const (
	Error   Severity = "ERROR"
	Warning Severity = "WARNING"
	Info    Severity = "INFO"
)

// Severities returns the severities, most serious first.
func Severities() []Severity { return []Severity{Error, Warning, Info} }

// Rank orders severities: 0 for ERROR, 1 for WARNING, 2 for INFO, -1 for anything else.
func (s Severity) Rank() int {
	switch s {
	case Error:
		return 0
	case Warning:
		return 1
	case Info:
		return 2
	}
	return -1
}

// ParseSeverity reads a severity name (case-insensitive).
func ParseSeverity(s string) (Severity, error) {
	sev := Severity(strings.ToUpper(s))
	if sev.Rank() < 0 {
		return "", fmt.Errorf("severity %q: want ERROR, WARNING or INFO: %w", s, graph.ErrInvalid)
	}
	return sev, nil
}

// Finding is one place where the model breaks a rule. A finding is identified by (Rule, Element,
// KindNamed); Element is "" for a model-level finding, which names a kind instead.
type Finding struct {
	Rule      string     `json:"rule"`
	Severity  Severity   `json:"severity"`
	Element   string     `json:"element,omitempty"`
	KindNamed graph.Kind `json:"kind"` // the element's kind, or the kind a model-level finding names
	Message   string     `json:"message"`
	Related   []string   `json:"related"`
}

// cmpFinding orders findings by severity, rule id, element key, then the kind named (table order),
// as DOMAIN.md says.
func cmpFinding(a, b Finding) int {
	if a.Severity != b.Severity {
		return cmp.Compare(a.Severity.Rank(), b.Severity.Rank())
	}
	if a.Rule != b.Rule {
		return strings.Compare(a.Rule, b.Rule)
	}
	if a.Element != b.Element {
		return strings.Compare(a.Element, b.Element)
	}
	return cmp.Compare(kindOrder(a.KindNamed), kindOrder(b.KindNamed))
}

func kindOrder(k graph.Kind) int {
	if i, ok := kindNo[k]; ok {
		return int(i)
	}
	return len(allKinds)
}

// Filter chooses which rules run: by id and by severity. Empty lists choose all.
type Filter struct {
	Rules      []string
	Severities []Severity
}

// Summary counts findings by rule and by severity.
type Summary struct {
	Total      int              `json:"total"`
	BySeverity map[Severity]int `json:"bySeverity"`
	ByRule     []RuleCount      `json:"byRule"` // ordered like findings: severity, then rule id
}

// RuleCount is the number of findings of one rule.
type RuleCount struct {
	Rule     string   `json:"rule"`
	Severity Severity `json:"severity"`
	Count    int      `json:"count"`
}

// Summarize counts sorted findings.
func Summarize(fs []Finding) Summary {
	s := Summary{Total: len(fs), BySeverity: map[Severity]int{}, ByRule: []RuleCount{}}
	for _, sev := range Severities() {
		s.BySeverity[sev] = 0
	}
	for _, f := range fs {
		s.BySeverity[f.Severity]++
		if n := len(s.ByRule); n > 0 && s.ByRule[n-1].Rule == f.Rule {
			s.ByRule[n-1].Count++
			continue
		}
		s.ByRule = append(s.ByRule, RuleCount{Rule: f.Rule, Severity: f.Severity, Count: 1})
	}
	return s
}

// Page is one page of findings.
type Page struct {
	Findings    []Finding
	EndCursor   string // the cursor of the last finding of the page ("" when the page is empty)
	HasNextPage bool
}

// Cursor is an opaque position in the ordered findings: after it come the findings that sort
// after f.
func Cursor(f Finding) string {
	s := strings.Join([]string{string(f.Severity), f.Rule, f.Element, string(f.KindNamed)}, "\x1f")
	return base64.RawURLEncoding.EncodeToString([]byte(s))
}

func parseCursor(c string) (Finding, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	parts := strings.Split(string(b), "\x1f")
	if err != nil || len(parts) != 4 || Severity(parts[0]).Rank() < 0 {
		return Finding{}, fmt.Errorf("after: %q is not a cursor of findings: %w", c, graph.ErrInvalid)
	}
	return Finding{Severity: Severity(parts[0]), Rule: parts[1], Element: parts[2], KindNamed: graph.Kind(parts[3])}, nil
}

// Paginate returns at most first findings (all when first is 0) of sorted findings, starting after
// the cursor after ("" for the start). A cursor stays meaningful when the model changes: the page
// resumes at the first finding that sorts after it.
func Paginate(fs []Finding, first int, after string) (Page, error) {
	if first < 0 {
		return Page{}, fmt.Errorf("first must not be negative, got %d: %w", first, graph.ErrInvalid)
	}
	start := 0
	if after != "" {
		c, err := parseCursor(after)
		if err != nil {
			return Page{}, err
		}
		i, found := slices.BinarySearchFunc(fs, c, cmpFinding)
		if found {
			i++
		}
		start = i
	}
	end := len(fs)
	if first > 0 {
		end = min(end, start+first)
	}
	p := Page{Findings: fs[start:end:end], HasNextPage: end < len(fs)}
	if end > start {
		p.EndCursor = Cursor(fs[end-1])
	}
	return p, nil
}

// ByElement groups sorted findings by element key, for per-element lookup; model-level findings
// are under "".
func ByElement(fs []Finding) map[string][]Finding {
	out := map[string][]Finding{}
	for _, f := range fs {
		out[f.Element] = append(out[f.Element], f)
	}
	return out
}
