package graph

import (
	"errors"
	"fmt"
	"strings"
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
)

// Problem is one reason an input is invalid, with where it is: Path is "elements[3]",
// "relationships[7]", "model" or "document"; Key names the element (or "from -TYPE-> to" for a
// relationship); Field is the offending field ("kind", "properties.share", ...).
type Problem struct {
	Path   string `json:"path"`
	Key    string `json:"key,omitempty"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
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
	if len(e.Problems) == 1 {
		return "invalid input: " + e.Problems[0].String()
	}
	var b strings.Builder
	fmt.Fprintf(&b, "invalid input: %d problems:", len(e.Problems))
	for _, p := range e.Problems {
		b.WriteString("\n  ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Is makes errors.Is(err, ErrInvalid) true for a ValidationError.
func (e *ValidationError) Is(target error) bool { return target == ErrInvalid }

// invalid returns a ValidationError with one problem.
func invalid(path, key, field, reason string) error {
	return &ValidationError{Problems: []Problem{{Path: path, Key: key, Field: field, Reason: reason}}}
}
