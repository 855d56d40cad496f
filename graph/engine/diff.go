package engine

import (
	"reflect"
	"slices"
	"strings"

	"github.com/modelgraph/modelgraph/graph"
)

// FieldChange is one field that differs: "kind", "name", "description", "tags" or
// "properties.NAME", with the value before and after (nil where a property is absent).
type FieldChange struct {
	Field         string
	Before, After any
}

// ElementChange is an element present in both models whose content differs.
type ElementChange struct {
	Key    string
	Fields []FieldChange
}

// RelKey identifies a relationship: (from, type, to).
type RelKey struct {
	From string
	Type graph.RelType
	To   string
}

// ID returns "from -TYPE-> to".
func (k RelKey) ID() string { return k.From + " -" + string(k.Type) + "-> " + k.To }

func (k RelKey) cmp(o RelKey) int {
	return cmpRel(k.From, string(k.Type), k.To, o.From, string(o.Type), o.To)
}

// RelChange is a relationship present in both models whose properties differ.
type RelChange struct {
	RelKey
	Fields []FieldChange
}

// Delta is what turns one model into another. Elements are named by key and ordered by key;
// relationships are ordered by (from, type, to); fields in the order of FieldChange's doc, then
// properties by name. Versions are not compared.
type Delta struct {
	Model      []FieldChange // "key", "name", "description" of the model itself
	Added      []string      // element keys only in the new model
	Removed    []string      // element keys only in the old model
	Changed    []ElementChange
	RelAdded   []RelKey
	RelRemoved []RelKey
	RelChanged []RelChange
}

// Empty reports whether the two models have the same content.
func (d *Delta) Empty() bool {
	return len(d.Model)+len(d.Added)+len(d.Removed)+len(d.Changed)+len(d.RelAdded)+len(d.RelRemoved)+len(d.RelChanged) == 0
}

// Diff returns the difference from old to new. It reads both models and changes neither.
func Diff(old, new *Model) *Delta {
	d := &Delta{}
	d.Model = modelFields(old.info, new.info)
	for i := range old.Len() {
		e := old.elems.at(i)
		j, ok := new.keys[e.key]
		if !ok {
			d.Removed = append(d.Removed, e.key)
			continue
		}
		if fs := elemFields(e, new.elems.at(int(j))); len(fs) > 0 {
			d.Changed = append(d.Changed, ElementChange{Key: e.key, Fields: fs})
		}
	}
	for i := range new.Len() {
		if k := new.elems.at(i).key; !old.has(k) {
			d.Added = append(d.Added, k)
		}
	}
	slices.Sort(d.Added)
	slices.Sort(d.Removed)
	slices.SortFunc(d.Changed, func(a, b ElementChange) int { return strings.Compare(a.Key, b.Key) })
	d.RelRemoved, d.RelChanged = relDiff(old, new, true)
	d.RelAdded, _ = relDiff(new, old, false)
	return d
}

func (m *Model) has(key string) bool { _, ok := m.keys[key]; return ok }

// relDiff lists the relationships of a missing from b and, when changes is set, those of a
// whose properties differ in b.
func relDiff(a, b *Model, changes bool) ([]RelKey, []RelChange) {
	var missing []RelKey
	var changed []RelChange
	for i := range a.rels.n {
		r := a.rels.at(i)
		k := RelKey{From: a.Key(r.from), Type: relTypes[r.typ], To: a.Key(r.to)}
		from, okf := b.keys[k.From]
		to, okt := b.keys[k.To]
		j, ok := b.FindRel(from, k.Type, to)
		if !okf || !okt || !ok {
			missing = append(missing, k)
			continue
		}
		if changes {
			if fs := propFields(nil, a.propsOf(r), b.propsOf(b.rels.at(int(j)))); len(fs) > 0 {
				changed = append(changed, RelChange{RelKey: k, Fields: fs})
			}
		}
	}
	slices.SortFunc(missing, RelKey.cmp)
	slices.SortFunc(changed, func(x, y RelChange) int { return x.cmp(y.RelKey) })
	return missing, changed
}

func modelFields(a, b graph.Model) []FieldChange {
	var fs []FieldChange
	fs = text(fs, "key", a.Key, b.Key)
	fs = text(fs, "name", a.Name, b.Name)
	return text(fs, "description", a.Description, b.Description)
}

func text(fs []FieldChange, field, a, b string) []FieldChange {
	if a != b {
		fs = append(fs, FieldChange{Field: field, Before: a, After: b})
	}
	return fs
}

func elemFields(a, b *elem) []FieldChange {
	var fs []FieldChange
	fs = text(fs, "kind", string(kinds[a.kind]), string(kinds[b.kind]))
	fs = text(fs, "name", a.name, b.name)
	fs = text(fs, "description", a.description, b.description)
	if !slices.Equal(a.tags, b.tags) {
		fs = append(fs, FieldChange{Field: "tags", Before: slices.Clone(a.tags), After: slices.Clone(b.tags)})
	}
	return propFields(fs, a.props, b.props)
}

// propFields merges two property lists sorted by name.
func propFields(fs []FieldChange, a, b []Prop) []FieldChange {
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j == len(b) || i < len(a) && a[i].Name < b[j].Name:
			fs = append(fs, FieldChange{Field: "properties." + a[i].Name, Before: a[i].Value})
			i++
		case i == len(a) || b[j].Name < a[i].Name:
			fs = append(fs, FieldChange{Field: "properties." + b[j].Name, After: b[j].Value})
			j++
		default:
			if !reflect.DeepEqual(a[i].Value, b[j].Value) {
				fs = append(fs, FieldChange{Field: "properties." + a[i].Name, Before: a[i].Value, After: b[j].Value})
			}
			i, j = i+1, j+1
		}
	}
	return fs
}
