package graph

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// DefaultMaxDepth is the traversal depth when a query names none.
const DefaultMaxDepth = 6

// Ref names an element: its model and key.
type Ref struct {
	Model string
	Key   string
}

// Step is one relationship of a path, with both end elements.
type Step struct {
	From       Element
	Type       RelType
	To         Element
	Properties map[string]any
}

// Reached is an element found by a traversal: its fewest hops from the start and one shortest
// path, as steps in the direction of the relationships.
type Reached struct {
	Element  Element
	Distance int
	Path     []Step
}

// Impact is the answer to "what is affected if this element changes?". Attachments gives the
// elements watching it.
type Impact struct {
	Source   Element
	Scope    []Element
	Affected []Reached
}

// Attachment is an element that watches (INVOLVED_IN, MEASURES) elements of an impact's scope or
// affected set, with the elements it is attached to.
type Attachment struct {
	Element Element
	Via     []RelType
	To      []Element
}

// checkDepth validates a requested depth (nil means the default) against the configured cap.
func (s *Store) checkDepth(d *int) (int, error) {
	if d == nil {
		return min(DefaultMaxDepth, s.maxDepth), nil
	}
	if *d < 1 || *d > s.maxDepth {
		return 0, invalid("arguments", "", "maxDepth", fmt.Sprintf("must be between 1 and %d (the server's cap), got %d", s.maxDepth, *d))
	}
	return *d, nil
}

// relPattern joins relationship types for a Cypher pattern. Types come from the metamodel table
// only, so the string is safe to splice into a query.
func relPattern(ts []RelType) string {
	parts := make([]string, len(ts))
	for i, t := range ts {
		if _, ok := relIndex[t]; !ok {
			panic("relPattern: unknown relationship type " + string(t))
		}
		parts[i] = string(t)
	}
	return strings.Join(parts, "|")
}

// checkTypes validates a relationship type filter for impact: only propagating types make sense.
func checkTypes(ts []RelType) ([]RelType, error) {
	if len(ts) == 0 {
		return PropagatingTypes(), nil
	}
	var ps []Problem
	out := []RelType{}
	for _, t := range ts {
		spec, ok := relIndex[t]
		switch {
		case !ok:
			ps = append(ps, Problem{Path: "arguments", Field: "relationshipTypes", Reason: fmt.Sprintf("unknown relationship type %q", t)})
		case !spec.Propagating:
			ps = append(ps, Problem{Path: "arguments", Field: "relationshipTypes", Reason: fmt.Sprintf("%s does not propagate change; use %s", t, relTypeNames(PropagatingTypes()))})
		case !slices.Contains(out, t):
			out = append(out, t)
		}
	}
	if len(ps) > 0 {
		return nil, &ValidationError{Problems: ps}
	}
	return out, nil
}

func relTypeNames(ts []RelType) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// kindStrings returns the kinds as a query parameter: a list, or null (not an empty list) when
// there are none, since the queries read null as "any kind".
func kindStrings(ks []Kind) any {
	if len(ks) == 0 {
		return nil
	}
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	return out
}

// stepsCypher turns a path p into a list of [from props, type, to props, rel props].
const stepsCypher = `[r IN relationships(p) | [properties(startNode(r)), type(r), properties(endNode(r)), properties(r)]]`

// leanStepsCypher turns a path p into [from key, type, to key, rel props]; the elements come once
// each in a separate node list, so a node shared by many paths (the start, above all) is sent once.
const leanStepsCypher = `[r IN relationships(p) | [startNode(r).key, type(r), endNode(r).key, properties(r)]]`

// distinctNodesCypher collects the distinct nodes of the paths in a list named paths.
const distinctNodesCypher = `CALL (paths) { UNWIND paths AS q UNWIND nodes(q) AS n RETURN collect(DISTINCT properties(n)) AS nodes }`

// nodeMap reads column name, a list of node property maps, into elements by key.
func nodeMap(w *row, name string) map[string]Element {
	raw := get[[]any](w, name)
	out := make(map[string]Element, len(raw))
	for _, x := range raw {
		e := elementFromProps(as[map[string]any](w, name, x))
		out[e.Key] = e
	}
	return out
}

// leanReached reads column name, a list of [key, distance, lean steps], against a node map.
func leanReached(w *row, name string, nodes map[string]Element, reverse bool) []Reached {
	raw := get[[]any](w, name)
	out := make([]Reached, len(raw))
	for i, x := range raw {
		t := tuple(w, name, x, 3)
		steps := as[[]any](w, name, t[2])
		r := Reached{Element: nodes[as[string](w, name, t[0])], Distance: int(as[int64](w, name, t[1])), Path: make([]Step, len(steps))}
		for j, st := range steps {
			u := tuple(w, name, st, 4)
			r.Path[j] = Step{From: nodes[as[string](w, name, u[0])], Type: RelType(as[string](w, name, u[1])), To: nodes[as[string](w, name, u[2])], Properties: props(as[map[string]any](w, name, u[3]))}
		}
		if reverse {
			slices.Reverse(r.Path)
		}
		out[i] = r
	}
	return out
}

// stepsFrom reads column name, a list of [from, type, to, rel props] (stepsCypher).
func stepsFrom(w *row, name string, reverse bool) []Step {
	raw := get[[]any](w, name)
	out := make([]Step, len(raw))
	for i, x := range raw {
		t := tuple(w, name, x, 4)
		out[i] = Step{
			From:       elementFromProps(as[map[string]any](w, name, t[0])),
			Type:       RelType(as[string](w, name, t[1])),
			To:         elementFromProps(as[map[string]any](w, name, t[2])),
			Properties: props(as[map[string]any](w, name, t[3])),
		}
	}
	if reverse {
		slices.Reverse(out)
	}
	return out
}

// Supporters answers "what supports X?" for several roots at once: a breadth-first search along
// incoming propagating relationships, at most maxDepth hops. Each reached element other than the
// root whose kind is in kinds (all when empty) comes once, with its distance and one shortest path
// ending at the root. Results per root are ordered by distance, kind, key. A root that does not
// exist has no entry in the map; use Element to tell "missing" from "no supporters".
func (s *Store) Supporters(ctx context.Context, roots []Ref, kinds []Kind, maxDepth *int) (map[Ref][]Reached, error) {
	d, err := s.checkDepth(maxDepth)
	if err != nil {
		return nil, err
	}
	cypher := `UNWIND $roots AS root
MATCH (x:Element {model: root[0], key: root[1]})
` + supportersOfX(d) + `
RETURN root[0] AS model, root[1] AS key, found, nodes`
	recs, err := readTx(ctx, s, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		return run(ctx, tx, cypher, map[string]any{"roots": refParams(roots), "kinds": kindStrings(kinds)})
	})
	if err != nil {
		return nil, fmt.Errorf("supporters: %w", err)
	}
	out := map[Ref][]Reached{}
	for _, r := range recs {
		w := rowOf(r, "supporters")
		ref := Ref{Model: must[string](w, "model"), Key: must[string](w, "key")}
		// The pattern walks from the root against the arrows; reversed, the path ends at the root.
		found := leanReached(w, "found", nodeMap(w, "nodes"), true)
		if err := w.Err(); err != nil {
			return nil, err
		}
		if len(found) > 0 {
			out[ref] = found
		}
	}
	return out, nil
}

// supporterPattern is the search behind supporters: from x against the arrows of the propagating
// types, at most d hops, to elements s of the wanted kinds ($kinds, null for all).
func supporterPattern(d int) string {
	return fmt.Sprintf(`ANY SHORTEST (x)<-[:%s]-{1,%d}(s:Element WHERE s <> x AND ($kinds IS NULL OR s.kind IN $kinds))`, relPattern(PropagatingTypes()), d)
}

// supportersOfX is the subquery that finds the supporters of x: found holds [key, distance,
// lean steps] ordered by distance, kind, key; nodes holds each element on the paths once.
func supportersOfX(d int) string {
	return fmt.Sprintf(`CALL (x) {
  MATCH p = %s
  WITH s, p ORDER BY length(p), s.kind, s.key
  WITH collect([s.key, length(p), %s]) AS found, collect(p) AS paths
  %s
  RETURN found, nodes
}`, supporterPattern(d), leanStepsCypher, distinctNodesCypher)
}

func refParams(refs []Ref) [][]string {
	out := make([][]string, len(refs))
	for i, r := range refs {
		out[i] = []string{r.Model, r.Key}
	}
	return out
}

// Impact answers "what is affected if X changes?" (DOMAIN.md): the scope is X and its parts at
// any depth; affected elements are those reached from the scope along outgoing relationships of
// the given propagating types (all when empty) within maxDepth hops.
func (s *Store) Impact(ctx context.Context, ref Ref, maxDepth *int, types []RelType) (*Impact, error) {
	d, err := s.checkDepth(maxDepth)
	if err != nil {
		return nil, err
	}
	ts, err := checkTypes(types)
	if err != nil {
		return nil, err
	}
	im, err := readTx(ctx, s, func(tx neo4j.ManagedTransaction) (*Impact, error) {
		return s.impactTx(ctx, tx, ref, d, ts)
	})
	if err != nil {
		return nil, fmt.Errorf("impact of %s: %w", ref.Key, err)
	}
	return im, nil
}

func (s *Store) impactTx(ctx context.Context, tx neo4j.ManagedTransaction, ref Ref, d int, ts []RelType) (*Impact, error) {
	cypher := fmt.Sprintf(`MATCH (x:Element {model: $model, key: $key})
CALL (x) {
  MATCH (x)<-[:PART_OF]-{0,}(part:Element)
  RETURN collect(DISTINCT part) AS scope
}
CALL (scope) {
  UNWIND scope AS s
  MATCH p = ANY SHORTEST (s)-[:%s]->{1,%d}(a:Element WHERE NOT a IN scope)
  WITH a, p ORDER BY length(p), s.key
  WITH a, collect(p)[0] AS p
  WITH collect([a.key, length(p), %s]) AS affected, collect(p) AS paths
  %s
  RETURN affected, nodes
}
RETURN properties(x) AS source, [n IN scope | properties(n)] AS scope, affected, nodes`, relPattern(ts), d, leanStepsCypher, distinctNodesCypher)
	recs, err := run(ctx, tx, cypher, map[string]any{"model": ref.Model, "key": ref.Key})
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("element %q in model %q: %w", ref.Key, ref.Model, ErrNotFound)
	}
	w := rowOf(recs[0], "impact")
	im := &Impact{Source: elementFromProps(must[map[string]any](w, "source"))}
	for _, n := range get[[]any](w, "scope") {
		im.Scope = append(im.Scope, elementFromProps(as[map[string]any](w, "scope", n)))
	}
	sortElements(im.Scope)
	nodes := nodeMap(w, "nodes")
	for _, e := range im.Scope {
		nodes[e.Key] = e
	}
	im.Affected = leanReached(w, "affected", nodes, false)
	if err := w.Err(); err != nil {
		return nil, err
	}
	sortReached(im.Affected)
	return im, nil
}

// Attachments finds the elements watching (INVOLVED_IN, MEASURES) an impact's scope and affected
// elements, in one round trip. It is separate from Impact so that a caller pays for it only when
// it wants it.
func (s *Store) Attachments(ctx context.Context, im *Impact) ([]Attachment, error) {
	keys := make([]string, 0, len(im.Scope)+len(im.Affected))
	for _, e := range im.Scope {
		keys = append(keys, e.Key)
	}
	for _, a := range im.Affected {
		keys = append(keys, a.Element.Key)
	}
	atts, err := readTx(ctx, s, func(tx neo4j.ManagedTransaction) ([]Attachment, error) {
		return attachments(ctx, tx, im.Source.Model, keys)
	})
	if err != nil {
		return nil, fmt.Errorf("attachments: %w", err)
	}
	return atts, nil
}

// attachments finds the watchers of the given elements in one round trip.
func attachments(ctx context.Context, tx neo4j.ManagedTransaction, model string, keys []string) ([]Attachment, error) {
	recs, err := run(ctx, tx, `UNWIND $keys AS k
MATCH (t:Element {model: $model, key: k})<-[r:INVOLVED_IN|MEASURES]-(w:Element)
WITH w, t, type(r) AS via ORDER BY t.key
RETURN properties(w) AS w, collect(DISTINCT via) AS via, collect(DISTINCT properties(t)) AS to
ORDER BY w.kind, w.key`, map[string]any{"model": model, "keys": keys})
	if err != nil {
		return nil, err
	}
	out := make([]Attachment, len(recs))
	for i, r := range recs {
		w := rowOf(r, "attachments")
		a := Attachment{Element: elementFromProps(must[map[string]any](w, "w"))}
		for _, v := range get[[]any](w, "via") {
			a.Via = append(a.Via, RelType(as[string](w, "via", v)))
		}
		slices.Sort(a.Via)
		for _, t := range get[[]any](w, "to") {
			a.To = append(a.To, elementFromProps(as[map[string]any](w, "to", t)))
		}
		if err := w.Err(); err != nil {
			return nil, err
		}
		sortElements(a.To)
		out[i] = a
	}
	return out, nil
}

// Path returns one shortest directed path from `from` to `to` along propagating relationships
// within maxDepth hops, or nil with no error when there is none. A path from an element to itself
// is empty.
func (s *Store) Path(ctx context.Context, model, from, to string, maxDepth *int) ([]Step, bool, error) {
	d, err := s.checkDepth(maxDepth)
	if err != nil {
		return nil, false, err
	}
	// Both ends bound by a plain MATCH lets the planner search from both sides at once.
	cypher := fmt.Sprintf(`MATCH (a:Element {model: $model, key: $from}), (b:Element {model: $model, key: $to})
OPTIONAL MATCH p = ANY SHORTEST (a)-[:%s]->{1,%d}(b)
RETURN CASE WHEN p IS NULL THEN null ELSE %s END AS steps`, relPattern(PropagatingTypes()), d, stepsCypher)
	recs, err := readTx(ctx, s, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		return run(ctx, tx, cypher, map[string]any{"model": model, "from": from, "to": to})
	})
	if err != nil {
		return nil, false, fmt.Errorf("path: %w", err)
	}
	if len(recs) == 0 {
		// One of the ends is missing: say which.
		for _, key := range []string{from, to} {
			if _, err := s.Element(ctx, model, key); err != nil {
				return nil, false, err
			}
		}
		return nil, false, fmt.Errorf("element %q in model %q: %w", from, model, ErrNotFound)
	}
	if from == to {
		return []Step{}, true, nil
	}
	w := rowOf(recs[0], "path")
	if v, _ := w.raw("steps"); v == nil {
		return nil, false, w.Err()
	}
	steps := stepsFrom(w, "steps", false)
	if err := w.Err(); err != nil {
		return nil, false, err
	}
	return steps, true, nil
}

func sortElements(es []Element) {
	slices.SortFunc(es, func(a, b Element) int {
		if c := strings.Compare(string(a.Kind), string(b.Kind)); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
}

func sortReached(rs []Reached) {
	slices.SortFunc(rs, func(a, b Reached) int {
		if a.Distance != b.Distance {
			return a.Distance - b.Distance
		}
		if c := strings.Compare(string(a.Element.Kind), string(b.Element.Kind)); c != 0 {
			return c
		}
		return strings.Compare(a.Element.Key, b.Element.Key)
	})
}

// SupporterCounts counts, for several roots at once, the supporters Supporters would return.
// Dashboards use it to rank elements without pulling every supporter.
func (s *Store) SupporterCounts(ctx context.Context, roots []Ref, kinds []Kind, maxDepth *int) (map[Ref]int, error) {
	d, err := s.checkDepth(maxDepth)
	if err != nil {
		return nil, err
	}
	cypher := `UNWIND $roots AS root
MATCH (x:Element {model: root[0], key: root[1]})
CALL (x) {
  MATCH p = ` + supporterPattern(d) + `
  RETURN count(s) AS n
}
RETURN root[0] AS model, root[1] AS key, n`
	recs, err := readTx(ctx, s, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		return run(ctx, tx, cypher, map[string]any{"roots": refParams(roots), "kinds": kindStrings(kinds)})
	})
	if err != nil {
		return nil, fmt.Errorf("supporter counts: %w", err)
	}
	out := map[Ref]int{}
	for _, r := range recs {
		w := rowOf(r, "supporter counts")
		ref, n := Ref{Model: must[string](w, "model"), Key: must[string](w, "key")}, must[int64](w, "n")
		if err := w.Err(); err != nil {
			return nil, err
		}
		out[ref] = int(n)
	}
	return out, nil
}

// SupportersOf is Supporters for one element in one round trip; an unknown model or element is
// ErrNotFound.
func (s *Store) SupportersOf(ctx context.Context, ref Ref, kinds []Kind, maxDepth *int) ([]Reached, error) {
	d, err := s.checkDepth(maxDepth)
	if err != nil {
		return nil, err
	}
	cypher := `OPTIONAL MATCH (x:Element {model: $model, key: $key})
` + supportersOfX(d) + `
RETURN x IS NOT NULL AS exists, found, nodes`
	recs, err := readTx(ctx, s, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		return run(ctx, tx, cypher, map[string]any{"model": ref.Model, "key": ref.Key, "kinds": kindStrings(kinds)})
	})
	if err != nil {
		return nil, fmt.Errorf("supporters: %w", err)
	}
	w := firstRow(recs, "supporters")
	if !get[bool](w, "exists") && w.Err() == nil {
		// Say which of the two is missing.
		if _, err := s.Element(ctx, ref.Model, ref.Key); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("element %q in model %q: %w", ref.Key, ref.Model, ErrNotFound)
	}
	found := leanReached(w, "found", nodeMap(w, "nodes"), true)
	if err := w.Err(); err != nil {
		return nil, err
	}
	return found, nil
}
