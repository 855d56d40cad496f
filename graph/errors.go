package graph

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The closed set of error kinds the graph package returns. Callers test them with errors.Is; the
// GraphQL layer maps each one to an extensions.code.
var (
	// ErrNotFound: the named model, element or relationship does not exist.
	ErrNotFound = errors.New("not found")
	// ErrInvalid: the input breaks the metamodel, a limit or the file format.
	ErrInvalid = errors.New("invalid input")
	// ErrConflict: the write lost a race or would break an existing relationship.
	ErrConflict = errors.New("conflict")
	// ErrUnavailable: the database cannot be reached.
	ErrUnavailable = errors.New("database unavailable")
	// ErrTooLarge: the request would read more rows than its budget allows (see WithBudget).
	ErrTooLarge = errors.New("result too large")
)

// MaxProblems bounds how many problems one error lists; the rest are only counted.
const MaxProblems = 100

// MaxEcho bounds how much of a user's value an error message repeats.
const MaxEcho = 100

// Clip shortens s to at most MaxEcho bytes (on a character boundary) for an error message, and
// says how long it was: a 10 MB key must not come back as a 10 MB error.
func Clip(s string) string {
	if len(s) <= MaxEcho {
		return s
	}
	cut := MaxEcho
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%s... (%d bytes)", s[:cut], len(s))
}

// quote is %q of a clipped user value.
func quote(s string) string { return strconv.Quote(Clip(s)) }

// Problem is one reason an input is invalid, with where it is: Path is "elements[3]",
// "relationships[7]", "model" or "document"; Key names the element (or "from -TYPE-> to" for a
// relationship); Field is the offending field ("kind", "properties.share", ...).
type Problem struct {
	Path   string `json:"path"`
	Key    string `json:"key,omitempty"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
	// more, on the summary problem a validator adds last, counts the problems it left out.
	more int
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.Path)
	if p.Key != "" {
		fmt.Fprintf(&b, " (%s)", p.Key)
	}
	if p.Field != "" {
		fmt.Fprintf(&b, " %s", p.Field)
	}
	b.WriteString(": ")
	b.WriteString(p.Reason)
	return b.String()
}

// ValidationError carries every problem found in one input. It matches ErrInvalid.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	ps, more := e.Listed()
	if len(ps) == 1 && more == 0 {
		return "invalid input: " + ps[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "invalid input: %d problems:", len(ps)+more)
	for _, p := range ps {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	if more > 0 {
		fmt.Fprintf(&b, "\n  and %d more", more)
	}
	return b.String()
}

// Listed returns at most MaxProblems of the problems and how many more there are.
func (e *ValidationError) Listed() ([]Problem, int) {
	ps := make([]Problem, 0, min(len(e.Problems), MaxProblems))
	more := 0
	for _, p := range e.Problems {
		switch {
		case p.more > 0:
			more += p.more
		case len(ps) < MaxProblems:
			ps = append(ps, p)
		default:
			more++
		}
	}
	return ps, more
}

// capProblems keeps the first MaxProblems of ps and puts a count of the rest in a last summary
// problem, so that a file with 20,000 bad elements does not give a 20,000-problem report.
func capProblems(ps []Problem, extra int) []Problem {
	if len(ps) > MaxProblems {
		extra += len(ps) - MaxProblems
		ps = ps[:MaxProblems]
	}
	if extra > 0 {
		ps = append(ps, Problem{Path: "problems", Reason: fmt.Sprintf("%d more problems not listed", extra), more: extra})
	}
	return ps
}

// Is makes errors.Is(err, ErrInvalid) true for a ValidationError.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// invalid returns a ValidationError with one problem.
func invalid(path, key, field, reason string) error {
	return &ValidationError{Problems: []Problem{{Path: path, Key: Clip(key), Field: field, Reason: reason}}}
}
