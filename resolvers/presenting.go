package resolvers

import (
	"context"
	"unicode/utf8"

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
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "... (shortened)"
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
