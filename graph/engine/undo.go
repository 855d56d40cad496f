package engine

import (
	"fmt"
	"slices"

	"github.com/modelgraph/modelgraph/graph"
)

// Undo returns the model as it was at an earlier revision: m with the recorded changes above that
// revision taken back, each item (the model, an element, a relationship) set to the before state
// of its first change above the revision. changes must hold every change of the model with a
// revision above revision and at most m's, in any order; m is not changed.
//
// A change that creates the model itself means the revision is older than the model: that is an
// error matching graph.ErrInvalid. An edit that cannot apply (the history does not match m) is
// an error from Apply.
func (m *Model) Undo(changes []graph.Change, revision int64) (*Model, error) {
	cs := slices.Clone(changes)
	slices.SortFunc(cs, func(a, b graph.Change) int { return int(a.Seq - b.Seq) })
	seen := map[string]bool{}
	var firsts []graph.Change
	for _, c := range cs {
		if c.Revision <= revision || c.Revision > m.revision {
			return nil, fmt.Errorf("change %d is at revision %d, outside (%d, %d]: %w", c.Seq, c.Revision, revision, m.revision, graph.ErrInvalid)
		}
		id := c.Target + "\x00" + c.Key
		if seen[id] {
			continue
		}
		seen[id] = true
		firsts = append(firsts, c)
	}
	// Relationships that did not exist go first, while both ends are there; then elements and
	// the model take their old states; then the old relationships come back, their ends being
	// there again; last the elements that did not exist go, with what is left of their
	// relationships.
	var relDel, elemSet, relSet, elemDel []Edit
	for _, c := range firsts {
		switch c.Target {
		case graph.TargetModel:
			if c.Before == nil {
				return nil, fmt.Errorf("model %q was created at revision %d, after revision %d: %w", m.info.Key, c.Revision, revision, graph.ErrInvalid)
			}
			elemSet = append(elemSet, Edit{Op: SetModel, Model: graph.Model{Key: str(c.Before["key"]), Name: str(c.Before["name"]), Description: str(c.Before["description"])}})
		case graph.TargetElement:
			if c.Before != nil {
				elemSet = append(elemSet, Edit{Op: UpsertElement, Element: elementOfState(c.Before)})
			} else if _, ok := m.ID(c.Key); ok {
				elemDel = append(elemDel, Edit{Op: DeleteElement, Element: graph.Element{Key: c.Key}})
			}
		case graph.TargetRelationship:
			if c.Before != nil {
				relSet = append(relSet, Edit{Op: UpsertRelationship, Relationship: relOfState(c.Before)})
				continue
			}
			r := relOfState(c.After)
			from, okf := m.ID(r.From)
			to, okt := m.ID(r.To)
			if !okf || !okt {
				continue // gone with an end that was deleted later
			}
			if _, ok := m.FindRel(from, r.Type, to); ok {
				relDel = append(relDel, Edit{Op: DeleteRelationship, Relationship: r})
			}
		default:
			return nil, fmt.Errorf("change %d: unknown target %q: %w", c.Seq, c.Target, graph.ErrInvalid)
		}
	}
	return m.Apply(slices.Concat(relDel, elemSet, relSet, elemDel), revision)
}
