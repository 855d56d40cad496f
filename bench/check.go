package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// shape is the size of an answer, the same for every target when they agree: per query,
//
//	elementByKey  [found]
//	page          [elements, outgoing relationships, incoming relationships]
//	supporters    [supporters, steps of their paths]
//	impact        [scope, affected]
//	path          [steps]
//	dashboard     [value propositions, sum of their supporter counts]
type shape []int

func (s shape) String() string {
	if s == nil {
		return "-"
	}
	p := make([]string, len(s))
	for i, n := range s {
		p[i] = fmt.Sprint(n)
	}
	return strings.Join(p, "/")
}

// checkResult is one input of one query asked of every target, with the shape of each answer
// (or its error).
type checkResult struct {
	Query  string            `json:"query"`
	Input  int               `json:"input"`
	Shapes map[string]string `json:"shapes"`
	Agree  bool              `json:"agree"`
}

// checkInputs is how many inputs of each query the check asks about (one for the page and the
// dashboard, which have none).
const checkInputs = 3

// runCheck asks every target the same few questions and compares the sizes of the answers.
func runCheck(ctx context.Context, targets []target, in *inputs, timeout time.Duration) []checkResult {
	var out []checkResult
	for _, q := range queries {
		n := checkInputs
		if q.name == "page" || q.name == "dashboard" {
			n = 1
		}
		for i := range n {
			r := checkResult{Query: q.name, Input: i, Shapes: map[string]string{}, Agree: true}
			first := ""
			for _, t := range targets {
				rctx, cancel := context.WithTimeout(ctx, timeout)
				s, err := t.do(rctx, q.name, q.args(in, i), true)
				cancel()
				got := s.String()
				switch {
				case errors.Is(err, context.DeadlineExceeded) || rctx.Err() != nil && err != nil:
					got = "timed out" // not counted as a disagreement
				case err != nil:
					got = "error: " + err.Error()
					r.Agree = false
				case first == "":
					first = got
				case got != first:
					r.Agree = false
				}
				r.Shapes[t.name()] = got
			}
			out = append(out, r)
		}
	}
	return out
}

func printCheck(w io.Writer, rs []checkResult, targets []string) {
	fmt.Fprintf(w, "\nCheck, sizes of the answers (%s):\n\n", "elementByKey found; page elements/outgoing/incoming; supporters count/steps; impact scope/affected; path steps; dashboard value propositions/sum of counts")
	fmt.Fprintf(w, "| query | input | %s | agree |\n|---|---|%s---|\n", strings.Join(targets, " | "), strings.Repeat("---|", len(targets)))
	for _, r := range rs {
		cells := make([]string, len(targets))
		for i, t := range targets {
			cells[i] = r.Shapes[t]
		}
		agree := "yes"
		if !r.Agree {
			agree = "**NO**"
		}
		fmt.Fprintf(w, "| %s | %d | %s | %s |\n", r.Query, r.Input, strings.Join(cells, " | "), agree)
	}
}

// JSON helpers for reading the shape of a GraphQL answer.
func field(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func list(v any) []any {
	l, _ := v.([]any)
	return l
}

func number(v any) int {
	f, _ := v.(float64)
	return int(f)
}

// modelgraphShape reads the shape of one of modelgraphOps' answers.
func modelgraphShape(q string, d any) shape {
	switch q {
	case "elementByKey":
		if field(d, "element") == nil {
			return shape{0}
		}
		return shape{1}
	case "page":
		nodes := list(field(d, "elements", "nodes"))
		s := shape{len(nodes), 0, 0}
		for _, n := range nodes {
			s[1] += len(list(field(n, "outgoing")))
			s[2] += len(list(field(n, "incoming")))
		}
		return s
	case "supporters":
		ss := list(field(d, "supporters"))
		s := shape{len(ss), 0}
		for _, x := range ss {
			s[1] += len(list(field(x, "path")))
		}
		return s
	case "impact":
		return shape{len(list(field(d, "impact", "scope"))), len(list(field(d, "impact", "affected")))}
	case "path":
		return shape{len(list(field(d, "path")))}
	case "dashboard":
		vps := list(field(d, "model", "canvas", "valuePropositions"))
		s := shape{len(vps), 0}
		for _, v := range vps {
			s[1] += number(field(v, "supporterCount"))
		}
		return s
	}
	return nil
}

// neo4jGraphQLShape reads the shape of one of bench/neo4j-graphql/queries.json's answers.
func neo4jGraphQLShape(q string, d any) shape {
	switch q {
	case "elementByKey":
		return shape{len(list(field(d, "elements")))}
	case "page":
		es := list(field(d, "elements"))
		s := shape{len(es), 0, 0}
		for _, e := range es {
			for k, v := range e.(map[string]any) {
				l, ok := v.([]any)
				switch {
				case !ok:
				case strings.HasSuffix(k, "Incoming"):
					s[2] += len(l)
				default:
					s[1] += len(l)
				}
			}
		}
		return s
	case "supporters":
		ss := list(field(d, "supporters"))
		s := shape{len(ss), 0}
		for _, x := range ss {
			s[1] += len(list(field(x, "steps")))
		}
		return s
	case "impact":
		return shape{len(list(field(d, "impact", "scope"))), len(list(field(d, "impact", "affected")))}
	case "path":
		return shape{len(list(field(d, "path")))}
	case "dashboard":
		es := list(field(d, "elements"))
		s := shape{len(es), 0}
		for _, e := range es {
			s[1] += number(field(e, "supportingProcessCount"))
		}
		return s
	}
	return nil
}

func targetNames(ts []target) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = t.name()
	}
	return slices.Clip(out)
}
