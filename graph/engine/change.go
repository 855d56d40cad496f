package engine

import (
	"fmt"

	"github.com/modelgraph/modelgraph/graph"
)

// EditOf turns one recorded change of the store's history into an Edit, reading the before and
// after states as the store records them.
func EditOf(c graph.Change) (Edit, error) {
	switch c.Target {
	case graph.TargetModel:
		if c.Operation == graph.OpDelete {
			return Edit{}, fmt.Errorf("change %d deletes the model; there is nothing to apply it to: %w", c.Seq, graph.ErrInvalid)
		}
		return Edit{Op: SetModel, Model: graph.Model{Key: str(c.After["key"]), Name: str(c.After["name"]), Description: str(c.After["description"])}}, nil
	case graph.TargetElement:
		if c.Operation == graph.OpDelete {
			return Edit{Op: DeleteElement, Element: graph.Element{Key: c.Key}}, nil
		}
		return Edit{Op: UpsertElement, Element: elementOfState(c.After)}, nil
	case graph.TargetRelationship:
		if c.Operation == graph.OpDelete {
			return Edit{Op: DeleteRelationship, Relationship: relOfState(c.Before)}, nil
		}
		return Edit{Op: UpsertRelationship, Relationship: relOfState(c.After)}, nil
	}
	return Edit{}, fmt.Errorf("change %d: unknown target %q: %w", c.Seq, c.Target, graph.ErrInvalid)
}

func elementOfState(s map[string]any) graph.Element {
	e := graph.Element{Key: str(s["key"]), Kind: graph.Kind(str(s["kind"])), Name: str(s["name"]), Description: str(s["description"])}
	switch ts := s["tags"].(type) {
	case []string:
		e.Tags = ts
	case []any:
		for _, t := range ts {
			e.Tags = append(e.Tags, str(t))
		}
	}
	if p, ok := s["properties"].(map[string]any); ok && len(p) > 0 {
		e.Properties = p
	}
	if v, ok := s["version"].(int64); ok {
		e.Version = v
	}
	return e
}

func relOfState(s map[string]any) graph.Relationship {
	r := graph.Relationship{From: str(s["from"]), Type: graph.RelType(str(s["type"])), To: str(s["to"])}
	if p, ok := s["properties"].(map[string]any); ok && len(p) > 0 {
		r.Properties = p
	}
	return r
}

func str(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}
