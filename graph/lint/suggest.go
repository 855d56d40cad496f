package lint

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/modelgraph/modelgraph/graph"
)

// suggest rewrites the problems about an unknown kind, relationship type, element key or field
// to name the closest known one, when one is close enough to be a slip of the keyboard. It also
// drops the line number from a YAML syntax error: the problem's place already gives it.
func suggest(ps []Problem, keys []string) {
	for i := range ps {
		p := &ps[i]
		switch {
		case strings.HasPrefix(p.Message, "unknown kind "):
			p.Message = didYouMean(p.Message, "unknown kind", names(graph.Kinds()))
		case strings.HasPrefix(p.Message, "unknown relationship type "):
			p.Message = didYouMean(p.Message, "unknown relationship type", names(graph.RelTypes()))
		case strings.HasPrefix(p.Message, "no element with key "):
			p.Message = didYouMean(p.Message, "no element with key", keys)
		case strings.HasPrefix(p.Message, "is not valid YAML: line "):
			// The place is already in front of the message.
			if _, rest, ok := strings.Cut(strings.TrimPrefix(p.Message, "is not valid YAML: line "), ": "); ok {
				p.Message = "is not valid YAML: " + rest
			}
		case strings.HasPrefix(p.Message, "unknown field "):
			p.Message = didYouMean(p.Message, "unknown field", fieldsListed(p.Message))
		}
	}
}

// didYouMean turns `what "x"; ...` into `what "x": did you mean "y"?` when a candidate is close.
// The rest of the message (the list of what is known) is kept when nothing is close.
func didYouMean(msg, what string, candidates []string) string {
	rest := strings.TrimPrefix(msg, what+" ")
	q, err := strconv.QuotedPrefix(rest)
	if err != nil {
		return msg
	}
	given, _ := strconv.Unquote(q)
	best, ok := closest(given, candidates)
	if !ok {
		return msg
	}
	tail := strings.TrimPrefix(rest, q)
	if strings.HasPrefix(tail, " in this model") { // keep "in this model" for keys
		return fmt.Sprintf("%s %s in this model; did you mean %q?", what, q, best)
	}
	return fmt.Sprintf("%s %s; did you mean %q?", what, q, best)
}

// fieldsListed reads the known fields from the engine's `unknown field "x"; an element has a, b`.
func fieldsListed(msg string) []string {
	_, list, ok := strings.Cut(msg, " has ")
	if !ok {
		return nil
	}
	return strings.Split(list, ", ")
}

func names[T ~string](ts []T) []string {
	out := make([]string, len(ts))
	for i, t := range ts {
		out[i] = string(t)
	}
	return out
}

// closest is the candidate nearest to s in edit distance, ignoring case, if it is near enough:
// at most a third of the name's letters changed (and at least one allowed).
func closest(s string, candidates []string) (string, bool) {
	best, bestD := "", -1
	ls := strings.ToLower(s)
	for _, c := range candidates {
		if c == s || c == "" {
			continue
		}
		d := distance(ls, strings.ToLower(c))
		if bestD < 0 || d < bestD {
			best, bestD = c, d
		}
	}
	limit := max(1, utf8.RuneCountInString(s)/3)
	return best, bestD >= 0 && bestD <= limit
}

// distance is the edit distance between a and b in characters, counting a swap of two
// neighbours as one edit (optimal string alignment): "nmae" is one edit from "name".
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j-1]+cost, d[i-1][j]+1, d[i][j-1]+1)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
}
