package graph

// Model is one organisation's business model plus operating model: a workspace of elements.
type Model struct {
	Key         string `json:"key" yaml:"key"`
	Name        string `json:"name" yaml:"name"`
	Description string `json:"description,omitempty" yaml:"description,omitempty"`
}

// Element is one node of a model: a canvas block, operating component, business function or
// stakeholder. Model and Version are kept by the store and are not part of model files.
type Element struct {
	Key         string         `json:"key" yaml:"key"`
	Kind        Kind           `json:"kind" yaml:"kind"`
	Name        string         `json:"name" yaml:"name"`
	Description string         `json:"description,omitempty" yaml:"description,omitempty"`
	Tags        []string       `json:"tags,omitempty" yaml:"tags,omitempty,flow"`
	Properties  map[string]any `json:"properties,omitempty" yaml:"properties,omitempty"`
	Model       string         `json:"-" yaml:"-"`
	Version     int64          `json:"-" yaml:"-"`

	// nodeID is the Neo4j element id of a stored element, set when read inside a write
	// transaction so that writes can find the node without an index lookup.
	nodeID string
}

// Relationship is a directed edge from the element depended upon to the element that depends on
// it. At most one relationship exists per (From, Type, To).
type Relationship struct {
	From       string         `json:"from" yaml:"from"`
	Type       RelType        `json:"type" yaml:"type"`
	To         string         `json:"to" yaml:"to"`
	Properties map[string]any `json:"properties,omitempty" yaml:"properties,omitempty,flow"`
}

// ID returns "from -TYPE-> to", the relationship's identity as shown in messages.
func (r Relationship) ID() string {
	return r.From + " -" + string(r.Type) + "-> " + r.To
}
