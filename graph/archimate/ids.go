package archimate

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/modelgraph/modelgraph/graph"
)

// Identifiers in an exchange file are XML IDs: unique in the document and not starting with a
// digit. Ours are built from keys with a prefix per sort of thing, so that they never collide and
// turn back into keys:
//
//	element       id-KEY
//	model         model-KEY
//	relationship  rel-FROM.TYPE.TO (keys hold no dots)
//	property      pd-NAME.TYPE, and pd-mg-kind, pd-mg-type, pd-mg-tags for ours
const (
	elementPrefix = "id-"
	modelPrefix   = "model-"
)

// ElementID is the exchange identifier of an element key.
func ElementID(key string) string { return elementPrefix + key }

// ModelID is the exchange identifier of a model key.
func ModelID(key string) string { return modelPrefix + key }

func relationshipID(r graph.Relationship) string {
	return "rel-" + r.From + "." + string(r.Type) + "." + r.To
}

func propertyDefID(name, dataType string) string {
	switch name {
	case kindProperty:
		return "pd-mg-kind"
	case typeProperty:
		return "pd-mg-type"
	case tagsProperty:
		return "pd-mg-tags"
	}
	return "pd-" + name + "." + dataType
}

// keys hands out element keys for identifiers, each key once.
type keys struct {
	used map[string]bool
}

func newKeys() *keys { return &keys{used: map[string]bool{}} }

var notKeyChars = regexp.MustCompile(`[^a-z0-9]+`)

// own returns the key an identifier spells ("id-KEY" gives KEY), if it is free, and takes it.
func (ks *keys) own(id, prefix string) (string, bool) {
	k, ok := strings.CutPrefix(id, prefix)
	if !ok || !graph.ValidKey(k) || ks.used[k] {
		return "", false
	}
	ks.used[k] = true
	return k, true
}

// derived makes a key of any other identifier: without the prefix, lower-cased, every run of
// other characters turned into "-"; keys already taken get "-2", "-3", ...
func (ks *keys) derived(id, prefix string) string {
	return ks.fresh(strings.TrimPrefix(id, prefix))
}

// fresh derives an unused key from any text.
func (ks *keys) fresh(s string) string {
	base := strings.Trim(notKeyChars.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if base == "" {
		base = "x"
	}
	base = trimKey(base, 64)
	k := base
	for n := 2; ks.used[k]; n++ {
		suffix := fmt.Sprintf("-%d", n)
		k = trimKey(base, 64-len(suffix)) + suffix
	}
	ks.used[k] = true
	return k
}

func trimKey(s string, n int) string {
	if len(s) > n {
		s = strings.TrimRight(s[:n], "-")
	}
	return s
}

var notPropChars = regexp.MustCompile(`[^A-Za-z0-9_]+`)

// propertyName makes a valid property name of an exchange property name: every run of other
// characters becomes "_", a name not starting with a letter gets "p_" in front, and a name our
// elements reserve gets "archimate_" in front.
func propertyName(s string, reserved bool) string {
	n := strings.Trim(notPropChars.ReplaceAllString(s, "_"), "_")
	if n == "" || !(n[0] >= 'A' && n[0] <= 'Z' || n[0] >= 'a' && n[0] <= 'z') {
		n = "p_" + n
	}
	if reserved && isReserved(n) {
		n = "archimate_" + n
	}
	if len(n) > 64 {
		n = n[:64]
	}
	return n
}

// reservedElementProps are the property names an element may not use (graph keeps them for
// itself); a property of another tool by one of these names is renamed on import.
var reservedElementProps = []string{"key", "model", "kind", "name", "description", "tags", "version", "createdAt", "updatedAt", "category"}

func isReserved(n string) bool {
	for _, r := range reservedElementProps {
		if r == n {
			return true
		}
	}
	return false
}
