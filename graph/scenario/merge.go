package scenario

import (
	"context"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/engine"
)

// The kinds of merge conflict.
const (
	// SameField: the same field (or relationship property) changed on both sides since the
	// base revision, to different values.
	SameField = "SAME_FIELD"
	// DeletedAndEdited: deleted on one side and changed on the other.
	DeletedAndEdited = "DELETED_AND_EDITED"
	// AddedBoth: the same key added on both sides with different content.
	AddedBoth = "ADDED_BOTH"
	// EndGone: a relationship whose end the other side deleted.
	EndGone = "END_GONE"
)

// Conflict is one reason a scenario cannot be merged. Base, Scenario and Original are the values
// of Field (or the whole states when Field is "") in the base now, in the scenario, and in the
// base at the scenario's base revision.
type Conflict struct {
	Kind     string `json:"kind"`
	Target   string `json:"target"`
	Key      string `json:"key"`
	Field    string `json:"field,omitempty"`
	Original any    `json:"original"`
	Base     any    `json:"base"`
	Scenario any    `json:"scenario"`
	Reason   string `json:"reason"`
}

// ConflictError refuses a merge; it matches graph.ErrConflict.
type ConflictError struct {
	Scenario, Base string
	Conflicts      []Conflict
}

func (e *ConflictError) Error() string {
	return fmt.Sprintf("scenario %q conflicts with model %q in %d places; change the scenario or the model so that they agree, then merge again", e.Scenario, e.Base, len(e.Conflicts))
}

// Is makes a ConflictError a graph.ErrConflict.
func (e *ConflictError) Is(target error) bool { return target == graph.ErrConflict }

// MergeReport is what a merge wrote, or would write.
type MergeReport struct {
	Scenario, Base string
	DryRun         bool
	Applied        bool  // written (false for a dry run)
	Revision       int64 // the base's revision after the merge (a dry run: its revision now)
	// Counts of what changes in the base.
	Created, Updated, Deleted                                        int
	RelationshipsCreated, RelationshipsUpdated, RelationshipsDeleted int
}

// Merge applies a scenario's changes to its current base in one transaction, with the base's
// changes since the scenario's base revision kept: a field only the base changed keeps the
// base's value. Conflicts (see the kinds) refuse the merge with a *ConflictError and nothing
// written; identical changes on both sides are not conflicts. The merged model is validated
// against the metamodel like any write. A merge that is not a dry run deletes the scenario.
func (s *Service) Merge(ctx context.Context, key string, dryRun bool) (*MergeReport, error) {
	v, err := s.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	sc := v.Scenario
	cur, err := s.Snapshots.Snapshot(ctx, sc.Base)
	if err != nil {
		return nil, err
	}
	rev, err := s.Store.ModelRevision(ctx, sc.Base)
	if err != nil {
		return nil, err
	}
	if !rev.Created.Equal(sc.BaseCreated) {
		return nil, fmt.Errorf("scenario %q: model %q was deleted and created again since the scenario was made; drop the scenario: %w", key, sc.Base, graph.ErrConflict)
	}
	p := &planner{v: v, b1: cur, finalElem: map[string]*graph.Element{}, decided: map[string]bool{}}
	p.plan()
	if len(p.conflicts) > 0 {
		return nil, &ConflictError{Scenario: key, Base: sc.Base, Conflicts: p.conflicts}
	}
	merged, err := cur.Apply(p.edits(), cur.Revision()+1)
	if err != nil {
		return nil, fmt.Errorf("merge scenario %q: %w", key, err)
	}
	if ps := engine.Validate(merged, s.Limits); len(ps) > 0 {
		gps := make([]graph.Problem, len(ps))
		for i, q := range ps {
			gps[i] = q.Problem
		}
		return nil, &graph.ValidationError{Problems: gps}
	}
	r := &MergeReport{Scenario: key, Base: sc.Base, DryRun: dryRun, Revision: cur.Revision()}
	for _, w := range p.m.Elements {
		if w.Before == nil {
			r.Created++
		} else {
			r.Updated++
		}
	}
	for _, w := range p.m.Relationships {
		if w.Before == nil {
			r.RelationshipsCreated++
		} else {
			r.RelationshipsUpdated++
		}
	}
	r.Deleted, r.RelationshipsDeleted = len(p.m.Deleted), len(p.m.DeletedRelationships)
	if dryRun {
		return r, nil
	}
	p.m.Scenario, p.m.ScenarioRevision, p.m.Base, p.m.BaseRevision = key, sc.Revision, sc.Base, cur.Revision()
	if r.Revision, err = s.Store.MergeScenario(ctx, p.m); err != nil {
		return nil, err
	}
	r.Applied = true
	s.mu.Lock()
	delete(s.views, key)
	s.mu.Unlock()
	return r, nil
}

// planner works out a merge, item by item.
type planner struct {
	v         *View
	b1        *engine.Model // the base now
	m         graph.ScenarioMerge
	conflicts []Conflict
	// finalElem is the merged state of each element item decided (nil: deleted).
	finalElem map[string]*graph.Element
	decided   map[string]bool
}

func (p *planner) conflict(kind string, it graph.ScenarioItem, field string, original, base, scen any, reason string) {
	p.conflicts = append(p.conflicts, Conflict{Kind: kind, Target: it.Target, Key: it.Key, Field: field, Original: original, Base: base, Scenario: scen, Reason: reason})
}

func (p *planner) items(target string) []graph.ScenarioItem {
	var out []graph.ScenarioItem
	for k, it := range p.v.Items {
		if k.Target == target {
			out = append(out, it)
		}
	}
	slices.SortFunc(out, func(a, b graph.ScenarioItem) int { return strings.Compare(a.Key, b.Key) })
	return out
}

func (p *planner) plan() {
	for _, it := range p.items(graph.TargetElement) {
		p.element(it)
	}
	for _, it := range p.items(graph.TargetRelationship) {
		p.relationship(it)
	}
	p.orphans()
}

// b1Element is an element's state in the base now.
func (p *planner) b1Element(key string) (map[string]any, *graph.Element) {
	id, ok := p.b1.ID(key)
	if !ok {
		return nil, nil
	}
	e := p.b1.Element(id)
	return graph.ElementState(&e), &e
}

// exists says whether an element is in the merged model.
func (p *planner) exists(key string) bool {
	if p.decided[key] {
		return p.finalElem[key] != nil
	}
	_, ok := p.b1.ID(key)
	return ok
}

// sides classifies an item three ways. It reports whether the item needs writing and whether it
// is a conflict already recorded.
func (p *planner) sides(it graph.ScenarioItem, b1 map[string]any) (write, conflict bool) {
	s, b0 := it.State, it.Base
	switch {
	case graph.SameState(b1, b0): // only the scenario changed it
		return true, false
	case sameContent(s, b1): // both made the same change
		return false, false
	case b0 == nil:
		p.conflict(AddedBoth, it, "", nil, b1, s, "added in the scenario and in the model with different content")
	case s == nil:
		p.conflict(DeletedAndEdited, it, "", b0, b1, nil, "deleted in the scenario and changed in the model since the scenario was made")
	case b1 == nil:
		p.conflict(DeletedAndEdited, it, "", b0, nil, s, "changed in the scenario and deleted in the model since the scenario was made")
	default:
		return true, false // both changed it: merged field by field
	}
	return false, true
}

func (p *planner) element(it graph.ScenarioItem) {
	b1, cur := p.b1Element(it.Key)
	write, bad := p.sides(it, b1)
	if bad {
		return
	}
	p.decided[it.Key] = true
	if !write {
		p.finalElem[it.Key] = cur
		return
	}
	if it.State == nil {
		p.finalElem[it.Key] = nil
		if cur != nil {
			p.m.Deleted = append(p.m.Deleted, *cur)
		}
		return
	}
	after := graph.ElementOfState(it.State)
	if b1 != nil && !graph.SameState(b1, it.Base) {
		// Changed on both sides: the scenario's changed fields over the base's state now.
		o, b := fields(graph.ElementOfState(it.Base)), fields(*cur)
		sf := fields(after)
		merged := maps.Clone(b)
		clash := false
		for _, f := range fieldNames(o, sf) {
			if reflect.DeepEqual(o[f], sf[f]) {
				continue // the scenario left it
			}
			if !reflect.DeepEqual(o[f], b[f]) && !reflect.DeepEqual(b[f], sf[f]) {
				p.conflict(SameField, it, f, o[f], b[f], sf[f], "changed in the scenario and in the model to different values")
				clash = true
				continue
			}
			merged[f] = sf[f]
		}
		if clash {
			delete(p.decided, it.Key)
			return
		}
		after = elementOfFields(it.Key, merged)
		if graph.SameElement(&after, cur) {
			p.finalElem[it.Key] = cur
			return
		}
	}
	p.finalElem[it.Key] = &after
	p.m.Elements = append(p.m.Elements, graph.ElementWrite{Before: cur, After: after})
}

func (p *planner) b1Rel(id string) (map[string]any, *graph.Relationship) {
	rs := relsOf(p.b1, id)
	if len(rs) == 0 {
		return nil, nil
	}
	return graph.RelationshipState(&rs[0]), &rs[0]
}

func (p *planner) relationship(it graph.ScenarioItem) {
	b1, cur := p.b1Rel(it.Key)
	write, bad := p.sides(it, b1)
	if bad || !write {
		return
	}
	if it.State == nil {
		if cur != nil {
			p.m.DeletedRelationships = append(p.m.DeletedRelationships, *cur)
		}
		return
	}
	after := graph.RelationshipOfState(it.State)
	for _, end := range []string{after.From, after.To} {
		if !p.exists(end) {
			p.conflict(EndGone, it, "", it.Base, b1, it.State, fmt.Sprintf("the scenario has this relationship, but the model deleted element %q, one of its ends", end))
			return
		}
	}
	if b1 != nil && !graph.SameState(b1, it.Base) {
		o, b, sf := relFields(graph.RelationshipOfState(it.Base)), relFields(*cur), relFields(after)
		merged := maps.Clone(b)
		clash := false
		for _, f := range fieldNames(o, sf) {
			if reflect.DeepEqual(o[f], sf[f]) {
				continue
			}
			if !reflect.DeepEqual(o[f], b[f]) && !reflect.DeepEqual(b[f], sf[f]) {
				p.conflict(SameField, it, f, o[f], b[f], sf[f], "changed in the scenario and in the model to different values")
				clash = true
				continue
			}
			merged[f] = sf[f]
		}
		if clash {
			return
		}
		after.Properties = nil
		for f, x := range merged {
			if x == nil {
				continue
			}
			if after.Properties == nil {
				after.Properties = map[string]any{}
			}
			after.Properties[strings.TrimPrefix(f, "properties.")] = x
		}
		if graph.SameState(graph.RelationshipState(&after), b1) {
			return
		}
	}
	p.m.Relationships = append(p.m.Relationships, graph.RelationshipWrite{Before: cur, After: after})
}

// orphans finds the relationships the model added since the base revision to elements the
// scenario deletes: merging would delete them unseen.
func (p *planner) orphans() {
	for _, e := range p.m.Deleted {
		id, _ := p.b1.ID(e.Key)
		var links []graph.Relationship
		for _, l := range p.b1.Out(id) {
			links = append(links, p.b1.Relationship(l.Rel))
		}
		for _, l := range p.b1.In(id) {
			if l.Other != id {
				links = append(links, p.b1.Relationship(l.Rel))
			}
		}
		for _, r := range links {
			it, has := p.v.Items[ItemKey{graph.TargetRelationship, r.ID()}]
			if has && it.State == nil {
				continue // the scenario deletes it too, and said so
			}
			if len(relsOf(p.v.Base, r.ID())) == 0 {
				p.conflict(EndGone, graph.ScenarioItem{Target: graph.TargetRelationship, Key: r.ID()}, "", nil, graph.RelationshipState(&r), nil,
					fmt.Sprintf("the model added this relationship since the scenario was made, but the scenario deletes element %q, one of its ends", e.Key))
				continue
			}
			// In the base at the base revision and not deleted by the scenario's item: the
			// scenario's deletion of the element took it (an item says so); keep the history
			// whole by recording its deletion.
			p.m.DeletedRelationships = append(p.m.DeletedRelationships, r)
		}
	}
	slices.SortFunc(p.m.DeletedRelationships, func(a, b graph.Relationship) int { return strings.Compare(a.ID(), b.ID()) })
	p.m.DeletedRelationships = slices.CompactFunc(p.m.DeletedRelationships, func(a, b graph.Relationship) bool { return a.ID() == b.ID() })
}

// edits are the merge as engine edits, in an order that applies.
func (p *planner) edits() []engine.Edit {
	var out []engine.Edit
	for _, w := range p.m.Elements {
		out = append(out, engine.Edit{Op: engine.UpsertElement, Element: w.After})
	}
	for _, r := range p.m.DeletedRelationships {
		out = append(out, engine.Edit{Op: engine.DeleteRelationship, Relationship: r})
	}
	for _, w := range p.m.Relationships {
		out = append(out, engine.Edit{Op: engine.UpsertRelationship, Relationship: w.After})
	}
	for _, e := range p.m.Deleted {
		out = append(out, engine.Edit{Op: engine.DeleteElement, Element: e})
	}
	return out
}

// fields flattens an element into its comparable fields (as engine.Diff names them).
func fields(e graph.Element) map[string]any {
	f := map[string]any{"kind": string(e.Kind), "name": e.Name, "description": e.Description, "tags": slices.Clone(e.Tags)}
	if len(e.Tags) == 0 {
		f["tags"] = []string(nil)
	}
	for k, v := range graph.ElementOfState(graph.ElementState(&e)).Properties {
		f["properties."+k] = v
	}
	return f
}

func relFields(r graph.Relationship) map[string]any {
	f := map[string]any{}
	for k, v := range graph.RelationshipOfState(graph.RelationshipState(&r)).Properties {
		f["properties."+k] = v
	}
	return f
}

// fieldNames lists the fields of either map, ordered.
func fieldNames(a, b map[string]any) []string {
	set := map[string]bool{}
	for k := range a {
		set[k] = true
	}
	for k := range b {
		set[k] = true
	}
	out := slices.Collect(maps.Keys(set))
	slices.Sort(out)
	return out
}

func elementOfFields(key string, f map[string]any) graph.Element {
	e := graph.Element{Key: key, Kind: graph.Kind(fmt.Sprint(f["kind"])), Name: fmt.Sprint(f["name"])}
	if d, ok := f["description"].(string); ok {
		e.Description = d
	}
	if t, ok := f["tags"].([]string); ok && len(t) > 0 {
		e.Tags = t
	}
	for k, v := range f {
		if name, ok := strings.CutPrefix(k, "properties."); ok && v != nil {
			if e.Properties == nil {
				e.Properties = map[string]any{}
			}
			e.Properties[name] = v
		}
	}
	return e
}

// sameContent compares two states without their versions: the same content reached by a
// different number of edits is the same change.
func sameContent(a, b map[string]any) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	a, b = maps.Clone(a), maps.Clone(b)
	delete(a, "version")
	delete(b, "version")
	return graph.SameState(a, b)
}
