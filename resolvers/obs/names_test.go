package obs

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// TestOperationLabels: names as sent while fewer than MaxOperationNames are taken, then OtherName;
// names taken before stay; missing, malformed and overlong names get their own fixed labels.
func TestOperationLabels(t *testing.T) {
	n := names{seen: map[string]bool{}}
	for i := range MaxOperationNames {
		name := fmt.Sprintf("Op%d", i)
		if got := n.label(name); got != name {
			t.Fatalf("label(%q) = %q", name, got)
		}
	}
	for name, want := range map[string]string{
		"OneTooMany": OtherName,
		"Op0":        "Op0",
		"Op99":       "Op99",
		"":           Anonymous,
		"has space":  InvalidName,
		"9starts":    InvalidName,
		"(other)":    InvalidName,
		strings.Repeat("a", MaxOperationNameLen+1): InvalidName,
	} {
		if got := n.label(name); got != want {
			t.Errorf("label(%q) = %q, want %q", name, got, want)
		}
	}
	if len(n.seen) != MaxOperationNames {
		t.Errorf("%d names held, want %d", len(n.seen), MaxOperationNames)
	}
}

// TestOutcome: OK without errors, the first error's code, ERROR for a missing or odd code.
func TestOutcome(t *testing.T) {
	withCode := func(c any) *gqlerror.Error {
		return &gqlerror.Error{Message: "x", Extensions: map[string]any{"code": c}}
	}
	for _, tc := range []struct {
		errs gqlerror.List
		want string
	}{
		{nil, CodeOK},
		{gqlerror.List{withCode("NOT_FOUND"), withCode("FORBIDDEN")}, "NOT_FOUND"},
		{gqlerror.List{{Message: "no code"}}, "ERROR"},
		{gqlerror.List{withCode("lower case")}, "ERROR"},
		{gqlerror.List{withCode(7)}, "ERROR"},
		{gqlerror.List{withCode(strings.Repeat("A", 41))}, "ERROR"},
	} {
		if got := outcome(&graphql.Response{Errors: tc.errs}); got != tc.want {
			t.Errorf("outcome(%v) = %q, want %q", tc.errs, got, tc.want)
		}
	}
}

// TestContextOutcome: an operation that ends without an answer is counted as what ended it,
// never as OK.
func TestContextOutcome(t *testing.T) {
	expired, cancel := context.WithDeadline(context.Background(), time.Unix(1, 0))
	defer cancel()
	gone, leave := context.WithCancel(context.Background())
	leave()
	for name, c := range map[string]struct {
		ctx  context.Context
		want string
	}{
		"deadline passed": {expired, "REQUEST_TIMEOUT"},
		"client gone":     {gone, "CANCELLED"},
		"still running":   {context.Background(), ""},
	} {
		if got := contextOutcome(c.ctx); got != c.want {
			t.Errorf("%s: %q, want %q", name, got, c.want)
		}
	}
}
