package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/analysis"
	"github.com/modelgraph/modelgraph/graph/lint"
)

// invalidInput ends a command with exit code 2 (like bad usage) for input that cannot be read: an
// invalid model file or rules file. Its message does not say "usage".
type invalidInput struct{ msg string }

func (e *invalidInput) Error() string        { return e.msg }
func (e *invalidInput) Is(target error) bool { return target == errUsage }

// checkCmd is validate plus the alignment rules, on model files, without a database. Exit 0 when
// clean, 1 when a finding is at or above -fail-on, 2 for an invalid file or bad usage.
func checkCmd(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	rulesFile := fs.String("rules", e.getenv("MODELGRAPH_RULES"), "rules file with rules of your own, run with the built-in ones (env MODELGRAPH_RULES)")
	failOn := fs.String("fail-on", "ERROR", "exit 1 when a finding is at or above this severity: ERROR, WARNING or INFO")
	format := fs.String("format", "text", "output: text (one finding per line) or json")
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	threshold, err := analysis.ParseSeverity(*failOn)
	if err != nil {
		return usageErr("-fail-on %q: want ERROR, WARNING or INFO", *failOn)
	}
	if *format != "text" && *format != "json" {
		return usageErr("-format %q: want text or json", *format)
	}
	if fs.NArg() == 0 {
		return usageErr("name at least one model file")
	}
	rules, err := loadRules(*rulesFile)
	if err != nil {
		return err
	}
	var reports []checkReport
	invalid, failing := 0, 0
	for _, path := range fs.Args() {
		r := checkFile(path, rules)
		if !r.Valid {
			invalid++
		}
		for _, f := range r.Findings {
			if f.Severity.Rank() <= threshold.Rank() {
				failing++
			}
		}
		if *format == "text" {
			r.print(e)
		}
		reports = append(reports, r)
	}
	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(map[string]any{"files": reports}); err != nil {
			return err
		}
	}
	switch {
	case invalid > 0:
		return &invalidInput{fmt.Sprintf("%d of %d files invalid", invalid, fs.NArg())}
	case failing > 0:
		return fmt.Errorf("%d findings at or above %s", failing, threshold)
	}
	return nil
}

func loadRules(path string) (*analysis.Rules, error) {
	if path == "" {
		return analysis.Builtin(), nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &invalidInput{fmt.Sprintf("rules file: %v", err)}
	}
	rules, err := analysis.LoadRules(path, data)
	if err != nil {
		var re *analysis.RulesError
		if errors.As(err, &re) {
			return nil, &invalidInput{fmt.Sprintf("rules file %s refused:\n%s", path, problemLines(re))}
		}
		return nil, &invalidInput{err.Error()}
	}
	return rules, nil
}

func problemLines(re *analysis.RulesError) string {
	s := ""
	for i, p := range re.Problems {
		if i > 0 {
			s += "\n"
		}
		s += p.String()
	}
	return s
}

// checkReport is what check says about one file.
type checkReport struct {
	File     string            `json:"file"`
	Model    string            `json:"model,omitempty"`
	Valid    bool              `json:"valid"`
	Problems []checkProblem    `json:"problems"`
	Findings []checkFinding    `json:"findings"`
	Summary  *analysis.Summary `json:"summary,omitempty"`
}

type checkProblem struct {
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	Message string `json:"message"`
}

type checkFinding struct {
	Line int `json:"line"`
	Col  int `json:"col"`
	analysis.Finding
}

func checkFile(path string, rules *analysis.Rules) checkReport {
	r := checkReport{File: path, Problems: []checkProblem{}, Findings: []checkFinding{}}
	data, err := os.ReadFile(path)
	if err != nil {
		r.Problems = append(r.Problems, checkProblem{Message: err.Error()})
		return r
	}
	m, probs := lint.Check(path, data, graph.Limits{})
	for _, p := range probs {
		r.Problems = append(r.Problems, checkProblem{Line: p.Line, Col: p.Col, Message: p.Detail()})
	}
	if m == nil {
		return r
	}
	r.Valid, r.Model = true, m.Info().Key
	fs, err := analysis.Alignment(m, rules, analysis.Filter{})
	if err != nil { // the rules were checked when loaded; nothing else can fail
		r.Valid = false
		r.Problems = append(r.Problems, checkProblem{Message: err.Error()})
		return r
	}
	for _, f := range fs {
		pos := m.ModelPos("")
		if id, ok := m.ID(f.Element); ok && f.Element != "" {
			pos = m.ElementPos(id, "")
		}
		r.Findings = append(r.Findings, checkFinding{Line: pos.Line, Col: pos.Col, Finding: f})
	}
	s := analysis.Summarize(fs)
	r.Summary = &s
	return r
}

// print writes findings to stdout, one per line, and problems and a summary to stderr.
func (r checkReport) print(e *env) {
	for _, p := range r.Problems {
		if p.Line > 0 {
			fmt.Fprintf(e.stderr, "%s:%d:%d: %s\n", r.File, p.Line, p.Col, p.Message)
		} else {
			fmt.Fprintf(e.stderr, "%s: %s\n", r.File, p.Message)
		}
	}
	if !r.Valid {
		fmt.Fprintf(e.stderr, "%s: invalid, %d problems\n", r.File, len(r.Problems))
		return
	}
	for _, f := range r.Findings {
		subject := f.Element
		if subject == "" {
			subject = string(f.KindNamed) // a model-level finding names a kind
		}
		fmt.Fprintf(e.stdout, "%s:%d:%d: %s %s %s: %s\n", r.File, f.Line, f.Col, f.Severity, f.Rule, subject, f.Message)
	}
	s := r.Summary
	fmt.Fprintf(e.stderr, "%s: model %s, %d findings (%d ERROR, %d WARNING, %d INFO)\n", r.File, r.Model, s.Total,
		s.BySeverity[analysis.Error], s.BySeverity[analysis.Warning], s.BySeverity[analysis.Info])
}
