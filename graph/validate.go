package graph

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Limits bound what one import may hold. Zero means no limit.
type Limits struct {
	MaxElements      int
	MaxRelationships int
	// Setting names what raises the limits, for the problem a file over them gets.
	Setting string
}

func (l Limits) raise() string {
	if l.Setting == "" {
		return ""
	}
	return " (raise it with " + l.Setting + ")"
}

// Validate checks a parsed model file against the metamodel and the limits and returns every
// problem at once (nil when the file is valid). It normalises property values in place (integers
// to int64) so the file can be written as it was checked.
func Validate(f *File, lim Limits) []Problem {
	v := &validator{}
	v.model(f.Model)
	if lim.MaxElements > 0 && len(f.Elements) > lim.MaxElements {
		v.add("elements", "", "", fmt.Sprintf("has %d elements; the limit per import is %d%s", len(f.Elements), lim.MaxElements, lim.raise()))
	}
	if lim.MaxRelationships > 0 && len(f.Relationships) > lim.MaxRelationships {
		v.add("relationships", "", "", fmt.Sprintf("has %d relationships; the limit per import is %d%s", len(f.Relationships), lim.MaxRelationships, lim.raise()))
	}
	kinds := map[string]Kind{}
	firstAt := map[string]int{}
	for i := range f.Elements {
		e := &f.Elements[i]
		path := fmt.Sprintf("elements[%d]", i)
		v.element(path, e)
		if e.Key == "" {
			continue
		}
		if j, dup := firstAt[e.Key]; dup {
			v.add(path, e.Key, "key", fmt.Sprintf("duplicate key: elements[%d] already uses %s", j, quote(e.Key)))
			continue
		}
		firstAt[e.Key] = i
		kinds[e.Key] = e.Kind
	}
	seen := map[string]int{}
	for i := range f.Relationships {
		r := &f.Relationships[i]
		path := fmt.Sprintf("relationships[%d]", i)
		v.relationship(path, r, func(key string) (Kind, bool) { k, ok := kinds[key]; return k, ok })
		id := r.ID()
		if j, dup := seen[id]; dup {
			v.add(path, id, "", fmt.Sprintf("duplicate relationship: relationships[%d] is the same (from, type, to)", j))
			continue
		}
		seen[id] = i
	}
	return v.result()
}

// ValidateElement checks one element on its own (no relationships), as a mutation would.
func ValidateElement(e *Element) []Problem {
	v := &validator{}
	v.element("element", e)
	return v.result()
}

// ValidateRelationship checks one relationship whose endpoint kinds are looked up by kindOf.
func ValidateRelationship(r *Relationship, kindOf func(key string) (Kind, bool)) []Problem {
	v := &validator{}
	v.relationship("relationship", r, kindOf)
	return v.result()
}

type validator struct {
	problems []Problem
	more     int // problems found after the first MaxProblems
}

// maxReason bounds one problem's reason; reasons quote user values through quote, so this only
// guards against a reason built from something unexpected.
const maxReason = 1000

func (v *validator) add(path, key, field, reason string) {
	if len(v.problems) >= MaxProblems {
		v.more++
		return
	}
	if len(reason) > maxReason {
		reason = reason[:maxReason] + "..."
	}
	v.problems = append(v.problems, Problem{Path: path, Key: Clip(key), Field: Clip(field), Reason: reason})
}

// result is the problems found, capped, with a count of the rest.
func (v *validator) result() []Problem { return capProblems(v.problems, v.more) }

func (v *validator) model(m Model) {
	if why := checkKey(m.Key); why != "" {
		v.add("model", m.Key, "key", why)
	}
	v.text("model", m.Key, "name", m.Name, MaxNameLen, true)
	v.text("model", m.Key, "description", m.Description, MaxDescriptionLen, false)
}

func (v *validator) text(path, key, field, s string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		v.add(path, key, field, "is required")
	case !utf8.ValidString(s):
		v.add(path, key, field, "is not valid UTF-8")
	case len(s) > max:
		v.add(path, key, field, fmt.Sprintf("is %d bytes long; the limit is %d", len(s), max))
	}
}

func (v *validator) element(path string, e *Element) {
	if why := checkKey(e.Key); why != "" {
		v.add(path, e.Key, "key", why)
	}
	spec, known := LookupKind(string(e.Kind))
	switch {
	case e.Kind == "":
		v.add(path, e.Key, "kind", "is required")
	case !known:
		v.add(path, e.Key, "kind", fmt.Sprintf("unknown kind %s; known kinds: %s", quote(string(e.Kind)), strings.Join(kindNames(allKinds), ", ")))
	}
	v.text(path, e.Key, "name", e.Name, MaxNameLen, true)
	v.text(path, e.Key, "description", e.Description, MaxDescriptionLen, false)
	if len(e.Tags) > MaxTags {
		v.add(path, e.Key, "tags", fmt.Sprintf("has %d tags; the limit is %d", len(e.Tags), MaxTags))
	}
	for i, t := range e.Tags {
		if strings.TrimSpace(t) == "" || len(t) > MaxTagLen {
			v.add(path, e.Key, fmt.Sprintf("tags[%d]", i), fmt.Sprintf("must be 1 to %d bytes", MaxTagLen))
		}
	}
	if e.Properties == nil && known && hasRequired(spec.Properties) {
		e.Properties = map[string]any{}
	}
	checkProperties(e.Properties, spec.Properties, true, func(field, reason string) { v.add(path, e.Key, field, reason) })
}

func hasRequired(specs []PropertySpec) bool {
	for _, s := range specs {
		if s.Required {
			return true
		}
	}
	return false
}

func (v *validator) relationship(path string, r *Relationship, kindOf func(string) (Kind, bool)) {
	id := r.ID()
	fromKind, fromOK := v.endpoint(path, id, "from", r.From, kindOf)
	toKind, toOK := v.endpoint(path, id, "to", r.To, kindOf)
	spec, known := LookupRel(string(r.Type))
	switch {
	case r.Type == "":
		v.add(path, id, "type", "is required")
		return
	case !known:
		v.add(path, id, "type", fmt.Sprintf("unknown relationship type %s; known types: %s", quote(string(r.Type)), relTypeList()))
		return
	}
	if r.From != "" && r.From == r.To {
		v.add(path, id, "to", "an element cannot be related to itself")
	}
	if fromOK && toOK && !Allowed(r.Type, fromKind, toKind) {
		v.add(path, id, "type", disallowedReason(r.Type, fromKind, toKind))
	}
	checkProperties(r.Properties, spec.Properties, false, func(field, reason string) { v.add(path, id, field, reason) })
}

func (v *validator) endpoint(path, id, field, key string, kindOf func(string) (Kind, bool)) (Kind, bool) {
	if key == "" {
		v.add(path, id, field, "is required")
		return "", false
	}
	k, ok := kindOf(key)
	if !ok {
		v.add(path, id, field, fmt.Sprintf("%s %s in this model", noElementReason, quote(key)))
		return "", false
	}
	return k, LookupKindOK(k)
}

// noElementReason starts the problem reported for a relationship end that does not exist.
const noElementReason = "no element with key"

// LookupKindOK reports whether k is a known kind.
func LookupKindOK(k Kind) bool { _, ok := kindIndex[k]; return ok }

// disallowedReason explains a disallowed pair and names what is allowed instead.
func disallowedReason(t RelType, from, to Kind) string {
	targets := AllowedTargets(t, from)
	if len(targets) == 0 {
		return fmt.Sprintf("%s -%s-> %s is not allowed: %s cannot start at %s; it starts at %s",
			from, t, to, t, from, strings.Join(kindNames(AllowedSources(t)), ", "))
	}
	return fmt.Sprintf("%s -%s-> %s is not allowed; from %s, %s may point to %s",
		from, t, to, from, t, strings.Join(kindNames(targets), ", "))
}

func relTypeList() string {
	ts := RelTypes()
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}
