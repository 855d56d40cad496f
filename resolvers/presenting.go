package resolvers

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// maxMessage bounds an error message; maxLogged bounds an error written to the log.
const (
	maxMessage = 4000
	maxLogged  = 2000
)

// clipText shortens s to at most n bytes on a character boundary.
func clipText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return truncate(s, n) + "... (shortened)"
}

func clipLog(err error) string { return clipText(err.Error(), maxLogged) }

// refuse turns gerr into the limit error lim, keeping where it happened.
func refuse(gerr, lim *gqlerror.Error) {
	gerr.Message = lim.Message
	gerr.Extensions = lim.Extensions
}

// isArgumentError reports whether gerr was raised while gqlgen read a field's arguments (a value
// of the wrong shape for a scalar, such as properties given as a string or a date that is not
// RFC 3339): then the field has no arguments yet and the error's path goes below the field.
func isArgumentError(ctx context.Context, gerr *gqlerror.Error) bool {
	fc := graphql.GetFieldContext(ctx)
	return fc != nil && fc.Args == nil && len(gerr.Path) > len(fc.Path())
}

// argumentPath names the argument of an argument error: "since", "elements[0].properties".
func argumentPath(ctx context.Context, gerr *gqlerror.Error) string {
	fc := graphql.GetFieldContext(ctx)
	return gerr.Path[len(fc.Path()):].String()
}

// goTypeWords name, for an analyst, the Go types gqlgen reports for a JSON value.
var goTypeWords = map[string]string{"string": "a string", "[]interface {}": "a list", "json.Number": "a number", "bool": "true or false"}

// argumentMessage rewords gqlgen's message for a value of the wrong shape, such as "string is not
// a map" for properties given as a string, or a date that is not RFC 3339.
func argumentMessage(msg string) string {
	if t, ok := strings.CutSuffix(msg, " is not a map"); ok {
		if w, ok := goTypeWords[t]; ok {
			t = w
		}
		return "must be an object of names to string, number or boolean values, got " + t
	}
	if strings.HasPrefix(msg, "parsing time ") || strings.HasPrefix(msg, "time should be RFC3339") {
		return "must be a date and time in RFC 3339 format, such as 2026-01-31T09:00:00Z"
	}
	return msg
}
