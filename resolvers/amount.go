package resolvers

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/99designs/gqlgen/graphql"
)

// MarshalAmount writes an amount of money as a plain JSON number: 38500000, not the 3.85e+07
// that the Float scalar's %g would give for large values.
func MarshalAmount(v float64) graphql.Marshaler {
	return graphql.WriterFunc(func(w io.Writer) {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			io.WriteString(w, "null")
			return
		}
		io.WriteString(w, strconv.FormatFloat(v, 'f', -1, 64))
	})
}

// UnmarshalAmount reads an amount given as a number.
func UnmarshalAmount(v any) (float64, error) {
	switch v := v.(type) {
	case float64:
		return v, nil
	case int:
		return float64(v), nil
	case int64:
		return float64(v), nil
	case json.Number:
		return v.Float64()
	}
	return 0, fmt.Errorf("an amount must be a number, got %T", v)
}
