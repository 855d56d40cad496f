package graph

import (
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
)

// PropType is the value type of a typed property.
type PropType int

// Property value types.
const (
	PropString PropType = iota
	PropNumber
	PropInteger
	PropBool
)

func (t PropType) String() string {
	return [...]string{"string", "number", "integer", "boolean"}[t]
}

// PropertySpec describes a typed property that a kind or relationship type understands.
type PropertySpec struct {
	Name     string
	Type     PropType
	Required bool
	Enum     []string
	Min, Max *float64
}

// Limits on what one element may hold. They keep a single element from bloating the store and
// keep error messages short enough to read.
const (
	MaxNameLen        = 200
	MaxDescriptionLen = 4000
	MaxTags           = 32
	MaxTagLen         = 64
	MaxProperties     = 64
	MaxPropStringLen  = 4000
)

var (
	keyPattern      = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)
	propNamePattern = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,63}$`)
)

// reservedProps are node properties modelgraph keeps for itself; free properties may not use
// them because free properties are stored on the same Neo4j node.
var reservedProps = []string{"key", "model", "kind", "name", "description", "tags", "version", "createdAt", "updatedAt", "category"}

// ValidKey reports whether s is a valid model or element key.
func ValidKey(s string) bool { return keyPattern.MatchString(s) }

// checkKey explains why a key is invalid, or returns "".
func checkKey(s string) string {
	if s == "" {
		return "is required"
	}
	if !keyPattern.MatchString(s) {
		return fmt.Sprintf("%s is not a valid key: use 1 to 64 lower-case letters, digits and '-', starting with a letter or digit", quote(s))
	}
	return ""
}

// normalizeValue turns a decoded YAML or JSON value into one of string, int64, float64 or bool.
// It returns a reason when the value is of another type (lists, maps, null).
func normalizeValue(v any) (any, string) {
	switch x := v.(type) {
	case string:
		if len(x) > MaxPropStringLen {
			return nil, fmt.Sprintf("string value is %d bytes long; the limit is %d", len(x), MaxPropStringLen)
		}
		return x, ""
	case bool:
		return x, ""
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i, ""
		}
		if isIntegerLiteral(string(x)) {
			return nil, fmt.Sprintf("integer %s is out of range: integers must fit in 64 bits (%d to %d); write it as a string or a decimal", Clip(string(x)), math.MinInt64, math.MaxInt64)
		}
		f, err := x.Float64()
		if err != nil {
			return nil, fmt.Sprintf("number %s is out of range", Clip(string(x)))
		}
		return normalizeValue(f)
	case int:
		return int64(x), ""
	case int64:
		return x, ""
	case uint64:
		if x > math.MaxInt64 {
			return nil, fmt.Sprintf("integer %d is out of range: integers must fit in 64 bits (%d to %d); write it as a string or a decimal", x, int64(math.MinInt64), int64(math.MaxInt64))
		}
		return int64(x), ""
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return nil, "number must be finite"
		}
		// Whole numbers are kept as integers so that a value reads back with the type it was
		// written with, whatever the file format (YAML and JSON both print 2.0 as 2).
		if x == math.Trunc(x) && math.Abs(x) <= 1<<53 {
			return int64(x), ""
		}
		return x, ""
	case nil:
		return nil, "value is null; use a string, number or boolean"
	default:
		return nil, fmt.Sprintf("value of type %s is not allowed; use a string, number or boolean", typeName(v))
	}
}

// isIntegerLiteral reports whether a number as written has no fraction and no exponent.
func isIntegerLiteral(s string) bool {
	return s != "" && !strings.ContainsAny(s, ".eE")
}

func typeName(v any) string {
	switch v.(type) {
	case []any:
		return "list"
	case map[string]any, map[any]any:
		return "map"
	default:
		return fmt.Sprintf("%T", v)
	}
}

// checkProperty checks one value against its spec and returns a reason or "".
func checkProperty(spec PropertySpec, v any) string {
	switch spec.Type {
	case PropString:
		s, ok := v.(string)
		if !ok {
			return fmt.Sprintf("must be a string, got %v", v)
		}
		if len(spec.Enum) > 0 && !slices.Contains(spec.Enum, s) {
			return fmt.Sprintf("%s is not allowed; use one of %s", quote(s), strings.Join(spec.Enum, ", "))
		}
	case PropBool:
		if _, ok := v.(bool); !ok {
			return fmt.Sprintf("must be true or false, got %s", Clip(fmt.Sprint(v)))
		}
	case PropNumber, PropInteger:
		f, ok := asFloat(v)
		if !ok {
			return fmt.Sprintf("must be a number, got %s", Clip(fmt.Sprint(v)))
		}
		if spec.Type == PropInteger && f != math.Trunc(f) {
			return fmt.Sprintf("must be a whole number, got %v", v)
		}
		if spec.Min != nil && f < *spec.Min {
			return fmt.Sprintf("must be at least %v, got %v", *spec.Min, v)
		}
		if spec.Max != nil && f > *spec.Max {
			return fmt.Sprintf("must be at most %v, got %v", *spec.Max, v)
		}
	}
	return ""
}

func asFloat(v any) (float64, bool) {
	switch x := v.(type) {
	case int64:
		return float64(x), true
	case float64:
		return x, true
	}
	return 0, false
}

// checkProperties normalises a free property map in place and reports each problem through add
// with the field path "properties.NAME". specs are the typed properties of the kind or type.
func checkProperties(props map[string]any, specs []PropertySpec, reserved bool, add func(field, reason string)) {
	if len(props) > MaxProperties {
		add("properties", fmt.Sprintf("has %d entries; the limit is %d", len(props), MaxProperties))
	}
	for _, name := range sortedKeys(props) {
		field := "properties." + name
		if !propNamePattern.MatchString(name) {
			add(field, fmt.Sprintf("%s is not a valid property name: use letters, digits and '_', starting with a letter, at most 64", quote(name)))
			continue
		}
		if reserved && slices.Contains(reservedProps, name) {
			add(field, fmt.Sprintf("%q is reserved; choose another name", name))
			continue
		}
		v, why := normalizeValue(props[name])
		if why != "" {
			add(field, why)
			continue
		}
		props[name] = v
		for _, s := range specs {
			if s.Name == name {
				if why := checkProperty(s, v); why != "" {
					add(field, why)
				}
			}
		}
	}
	for _, s := range specs {
		if _, ok := props[s.Name]; s.Required && !ok {
			add("properties."+s.Name, "is required for this kind")
		}
	}
}
