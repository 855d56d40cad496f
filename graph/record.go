package graph

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"time"
)

// elementFromProps maps a node's properties to an Element: the reserved properties become fields,
// the rest are the element's free properties.
func elementFromProps(p map[string]any) Element {
	e := Element{
		Key:         str(p["key"]),
		Kind:        Kind(str(p["kind"])),
		Name:        str(p["name"]),
		Description: str(p["description"]),
		Model:       str(p["model"]),
	}
	if v, ok := p["version"].(int64); ok {
		e.Version = v
	}
	if tags, ok := p["tags"].([]any); ok {
		for _, t := range tags {
			e.Tags = append(e.Tags, str(t))
		}
	}
	for k, v := range p {
		if slices.Contains(reservedProps, k) {
			continue
		}
		if e.Properties == nil {
			e.Properties = map[string]any{}
		}
		e.Properties[k] = v
	}
	return e
}

// elementProps is the inverse of elementFromProps for the fields a write sets (timestamps are set
// by the query).
func elementProps(model string, e *Element, version int64) map[string]any {
	p := make(map[string]any, len(e.Properties)+8)
	maps.Copy(p, e.Properties)
	p["model"] = model
	p["key"] = e.Key
	p["kind"] = string(e.Kind)
	p["name"] = e.Name
	if e.Description != "" {
		p["description"] = e.Description
	}
	if len(e.Tags) > 0 {
		p["tags"] = slices.Clone(e.Tags)
	}
	p["version"] = version
	return p
}

// sameElement reports whether two elements have the same content (ignoring model and version).
func sameElement(a, b *Element) bool {
	return a.Kind == b.Kind && a.Name == b.Name && a.Description == b.Description &&
		slices.Equal(a.Tags, b.Tags) && sameProps(a.Properties, b.Properties)
}

func sameProps(a, b map[string]any) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || !reflect.DeepEqual(v, w) {
			return false
		}
	}
	return true
}

func str(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	default:
		return fmt.Sprint(x)
	}
}

// props returns nil for an empty map so that "no properties" has one form.
func props(m map[string]any) map[string]any {
	if len(m) == 0 {
		return nil
	}
	return m
}

func asTime(v any) time.Time {
	t, _ := v.(time.Time)
	return t
}
