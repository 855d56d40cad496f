package archimate

import (
	"slices"

	"github.com/modelgraph/modelgraph/graph"
)

// ElementRule maps one of our kinds to the ArchiMate element type it is exported as.
type ElementRule struct {
	Kind graph.Kind
	Type string
	Why  string
}

// ForeignElement says which kind an ArchiMate element type becomes on import when the element
// does not carry our kind (a file written by another tool).
type ForeignElement struct {
	Type string
	Kind graph.Kind
	Why  string
}

// RelRule maps our relationship type, for the source and target kinds listed, to an ArchiMate
// relationship type. Reverse means the ArchiMate relationship runs the other way (a whole
// aggregates its parts, a location aggregates what is located there). Raci, when set, limits the
// rule to INVOLVED_IN relationships with one of these raci values; on import of another tool's
// relationship the first one is filled in.
type RelRule struct {
	Type    graph.RelType
	From    []graph.Kind
	To      []graph.Kind
	Raci    []string
	Rel     string
	Reverse bool
	Why     string
}

// Alias reads an ArchiMate relationship type that we never write as one that we do.
type Alias struct {
	Rel, As string
	Why     string
}

// Mapping is the whole translation between our metamodel and ArchiMate, as one table. Export,
// import, the tests and docs/archimate.md all read it. Rules are tried in order; the first that
// matches wins.
var Mapping = struct {
	Elements        []ElementRule
	ForeignElements []ForeignElement
	Relationships   []RelRule
	Aliases         []Alias
}{
	Elements: []ElementRule{
		{graph.ValueProposition, "BusinessService", "What is offered, as behaviour the customer sees; processes may realize a service (not a Product), channels are assigned to it and it serves the segment."},
		{graph.CustomerSegment, "BusinessRole", "The customer role a group of people or organisations plays towards the company; served by services and interfaces."},
		{graph.Channel, "BusinessInterface", "The point of access where a service is made available; assigned to the value proposition it delivers."},
		{graph.CustomerRelationship, "BusinessService", "The kind of care given to a segment (personal help, self-service, community) is itself a service that is realized by processes and serves the segment."},
		{graph.RevenueStream, "Value", "Worth earned; ArchiMate has no money element, and Value may be influenced by what earns it."},
		{graph.KeyResource, "Resource", "The strategy element for assets the organisation owns or controls; technology realizes it, it is assigned to capabilities."},
		{graph.KeyActivity, "Capability", "What the company must be able to do well; processes, functions and technology realize it, a resource is assigned to it and a partner may realize it."},
		{graph.KeyPartner, "BusinessActor", "An outside organisation; actors may be assigned to processes and interfaces and may realize capabilities and resources (outsourcing)."},
		{graph.Cost, "Value", "Worth given up; like revenue it is influenced by what drives it. The kind property tells the two apart."},
		{graph.Process, "BusinessProcess", "Same concept."},
		{graph.Capability, "Capability", "Same concept."},
		{graph.Technology, "ApplicationComponent", "A system, application or platform the business uses; serves processes and functions, realizes capabilities and resources."},
		{graph.OrgUnit, "BusinessActor", "ArchiMate models organisation units as business actors."},
		{graph.Role, "BusinessRole", "Same concept."},
		{graph.KPI, "Outcome", "A measurable result with a target; the unit, target and actual travel as properties."},
		{graph.Location, "Location", "Same concept."},
		{graph.BusinessFunction, "BusinessFunction", "Same concept."},
		{graph.Stakeholder, "Stakeholder", "Same concept."},
	},
	ForeignElements: []ForeignElement{
		{"BusinessService", graph.ValueProposition, "A service offered to customers is what a value proposition is."},
		{"BusinessRole", graph.Role, "Most roles in architecture models are positions inside the organisation."},
		{"BusinessInterface", graph.Channel, ""},
		{"Value", graph.RevenueStream, ""},
		{"Resource", graph.KeyResource, ""},
		{"Capability", graph.Capability, ""},
		{"BusinessActor", graph.OrgUnit, "Most actors in architecture models are parts of the organisation."},
		{"BusinessProcess", graph.Process, ""},
		{"ApplicationComponent", graph.Technology, ""},
		{"Outcome", graph.KPI, ""},
		{"Location", graph.Location, ""},
		{"BusinessFunction", graph.BusinessFunction, ""},
		{"Stakeholder", graph.Stakeholder, ""},
		{"Product", graph.ValueProposition, "A product is a bundle of services offered as a whole: a value proposition."},
		{"Node", graph.Technology, "Infrastructure is technology in our sense."},
		{"Device", graph.Technology, ""},
		{"SystemSoftware", graph.Technology, ""},
	},
	Relationships: []RelRule{
		// PART_OF: ArchiMate draws a whole towards its parts.
		{Type: graph.PartOf, From: []graph.Kind{graph.Role}, To: []graph.Kind{graph.OrgUnit}, Rel: "Assignment", Reverse: true,
			Why: "ArchiMate allows no aggregation between an actor and a role; the unit is assigned to (performs) the role."},
		{Type: graph.PartOf, From: partOfKinds, To: partOfKinds, Rel: "Aggregation", Reverse: true,
			Why: "The whole aggregates the part; aggregation rather than composition because our parts may outlive a reorganisation of the whole."},
		// REALIZES
		{Type: graph.Realizes, From: []graph.Kind{graph.Process, graph.BusinessFunction, graph.Technology}, To: []graph.Kind{graph.ValueProposition, graph.CustomerRelationship, graph.KeyActivity}, Rel: "Realization",
			Why: "Behaviour and applications realize services and capabilities."},
		{Type: graph.Realizes, From: []graph.Kind{graph.Technology}, To: []graph.Kind{graph.KeyResource, graph.Channel}, Rel: "Realization",
			Why: "An application realizes a resource or an interface."},
		{Type: graph.Realizes, From: []graph.Kind{graph.Process, graph.BusinessFunction}, To: []graph.Kind{graph.Channel}, Rel: "Serving",
			Why: "Behaviour cannot realize an interface; it serves it, which keeps the direction of dependency."},
		{Type: graph.Realizes, From: []graph.Kind{graph.Capability}, To: []graph.Kind{graph.KeyActivity, graph.KeyResource}, Rel: "Serving",
			Why: "A capability cannot realize another strategy element; it serves it."},
		{Type: graph.Realizes, From: []graph.Kind{graph.Process, graph.BusinessFunction}, To: []graph.Kind{graph.KeyResource}, Rel: "Association",
			Why: "ArchiMate relates behaviour to a resource only through the structure that realizes the resource: no direct relationship but association."},
		{Type: graph.Realizes, From: []graph.Kind{graph.Capability}, To: []graph.Kind{graph.ValueProposition, graph.Channel, graph.CustomerRelationship}, Rel: "Association",
			Why: "ArchiMate relates a capability to services and interfaces only through the behaviour that realizes it."},
		// SUPPORTS
		{Type: graph.Supports, From: []graph.Kind{graph.Technology}, To: []graph.Kind{graph.Technology, graph.Process, graph.BusinessFunction, graph.Channel}, Rel: "Serving",
			Why: "Same concept: the application provides what the target needs."},
		{Type: graph.Supports, From: []graph.Kind{graph.Technology}, To: []graph.Kind{graph.Capability}, Rel: "Realization",
			Why: "Applications realize capabilities; serving is not allowed into a capability."},
		{Type: graph.Supports, From: []graph.Kind{graph.Capability}, To: []graph.Kind{graph.KeyActivity}, Rel: "Serving",
			Why: "One capability serves another."},
		{Type: graph.Supports, From: []graph.Kind{graph.KeyResource}, To: []graph.Kind{graph.KeyActivity, graph.Capability}, Rel: "Assignment",
			Why: "ArchiMate assigns resources to capabilities."},
		{Type: graph.Supports, From: []graph.Kind{graph.Process}, To: []graph.Kind{graph.Process}, Rel: "Serving",
			Why: "Same concept."},
		{Type: graph.Supports, From: []graph.Kind{graph.Capability}, To: []graph.Kind{graph.Process, graph.BusinessFunction}, Rel: "Association",
			Why: "A capability is realized by behaviour, never the other way; realization from the process would say the opposite of SUPPORTS."},
		{Type: graph.Supports, From: []graph.Kind{graph.KeyResource}, To: []graph.Kind{graph.ValueProposition, graph.Process}, Rel: "Association",
			Why: "A resource reaches behaviour only through the structure that realizes it."},
		{Type: graph.Supports, From: []graph.Kind{graph.KeyActivity}, To: []graph.Kind{graph.ValueProposition}, Rel: "Association",
			Why: "A capability reaches a service only through the behaviour that realizes both."},
		// canvas relationships
		{Type: graph.Delivers, From: []graph.Kind{graph.Channel}, To: []graph.Kind{graph.ValueProposition}, Rel: "Assignment",
			Why: "An interface is assigned to the service it makes available."},
		{Type: graph.Targets, From: []graph.Kind{graph.ValueProposition, graph.Channel, graph.CustomerRelationship}, To: []graph.Kind{graph.CustomerSegment}, Rel: "Serving",
			Why: "Services and interfaces serve the customer role."},
		{Type: graph.Generates, From: []graph.Kind{graph.ValueProposition, graph.CustomerSegment, graph.Channel}, To: []graph.Kind{graph.RevenueStream}, Rel: "Influence",
			Why: "Core elements may only influence (or associate with) a Value; influence says the source moves the amount."},
		{Type: graph.Incurs, From: incursKinds, To: []graph.Kind{graph.Cost}, Rel: "Influence",
			Why: "As for revenue: the driver moves the cost."},
		{Type: graph.Supplies, From: []graph.Kind{graph.KeyPartner}, To: []graph.Kind{graph.KeyResource, graph.Capability, graph.KeyActivity}, Rel: "Realization",
			Why: "The partner realizes the resource or capability it provides."},
		{Type: graph.Supplies, From: []graph.Kind{graph.KeyPartner}, To: []graph.Kind{graph.Process, graph.Channel}, Rel: "Assignment",
			Why: "The partner performs the outsourced process or operates the channel."},
		{Type: graph.Supplies, From: []graph.Kind{graph.KeyPartner}, To: []graph.Kind{graph.Technology}, Rel: "Serving",
			Why: "An actor cannot be assigned to or realize an application; it serves it (hosting, maintenance)."},
		{Type: graph.FlowsTo, From: []graph.Kind{graph.Process, graph.BusinessFunction}, To: []graph.Kind{graph.Process, graph.BusinessFunction}, Rel: "Flow",
			Why: "A hand-off of material, information or money is a flow; the kind travels as a property."},
		// attached relationships
		{Type: graph.InvolvedIn, From: []graph.Kind{graph.Role, graph.OrgUnit, graph.KeyPartner}, To: []graph.Kind{graph.ValueProposition, graph.CustomerRelationship, graph.Process, graph.BusinessFunction}, Raci: []string{"R", "A"}, Rel: "Assignment",
			Why: "Assignment is the allocation of responsibility for behaviour: responsible and accountable parties. An assignment from another tool is read as R."},
		{Type: graph.InvolvedIn, From: []graph.Kind{graph.Role, graph.OrgUnit, graph.Stakeholder, graph.KeyPartner}, To: involvedKinds, Rel: "Association",
			Why: "Consulted and informed parties, stakeholders, and targets that are not behaviour: ArchiMate has no RACI relationship."},
		{Type: graph.Measures, From: []graph.Kind{graph.KPI}, To: allKindsExcept(graph.KPI), Rel: "Association",
			Why: "ArchiMate relates motivation elements to core elements only by association; influence would say the KPI changes what it measures."},
		{Type: graph.ReportsTo, From: []graph.Kind{graph.Role, graph.OrgUnit}, To: []graph.Kind{graph.Role, graph.OrgUnit}, Rel: "Association",
			Why: "ArchiMate has no reporting line; aggregation would make the subordinate a part of the manager."},
		{Type: graph.LocatedAt, From: []graph.Kind{graph.OrgUnit, graph.KeyPartner, graph.Process, graph.BusinessFunction, graph.KeyResource, graph.Technology, graph.Channel}, To: []graph.Kind{graph.Location}, Rel: "Aggregation", Reverse: true,
			Why: "ArchiMate places elements at a location by aggregation from the location."},
	},
	Aliases: []Alias{
		{"Composition", "Aggregation", "A composition is a stronger part-of; we keep one."},
		{"Triggering", "Flow", "A trigger is a sequence step: FLOWS_TO."},
	},
}

var partOfKinds = []graph.Kind{graph.Process, graph.BusinessFunction, graph.Capability, graph.OrgUnit, graph.Technology, graph.Location, graph.ValueProposition, graph.CustomerSegment}

var incursKinds = []graph.Kind{graph.Process, graph.BusinessFunction, graph.KeyActivity, graph.KeyResource, graph.Technology, graph.Capability, graph.Channel, graph.CustomerRelationship, graph.KeyPartner, graph.OrgUnit}

var involvedKinds = allKindsExcept(graph.Stakeholder)

func allKindsExcept(k graph.Kind) []graph.Kind {
	return slices.DeleteFunc(graph.Kinds(), func(x graph.Kind) bool { return x == k })
}

// Names of the properties that carry what ArchiMate has no place for.
const (
	kindProperty = "modelgraph:kind"
	typeProperty = "modelgraph:type"
	tagsProperty = "modelgraph:tags"
)

// elementType returns the ArchiMate type of a kind.
func elementType(k graph.Kind) (string, bool) {
	for _, r := range Mapping.Elements {
		if r.Kind == k {
			return r.Type, true
		}
	}
	return "", false
}

// foreignKind returns the kind an ArchiMate element type is imported as.
func foreignKind(t string) (graph.Kind, bool) {
	for _, r := range Mapping.ForeignElements {
		if r.Type == t {
			return r.Kind, true
		}
	}
	return "", false
}

// exportRule returns the rule for one of our relationships.
func exportRule(r graph.Relationship, from, to graph.Kind) (RelRule, bool) {
	raci, _ := r.Properties["raci"].(string)
	for _, rule := range Mapping.Relationships {
		if rule.Type == r.Type && slices.Contains(rule.From, from) && slices.Contains(rule.To, to) &&
			(rule.Raci == nil || slices.Contains(rule.Raci, raci)) {
			return rule, true
		}
	}
	return RelRule{}, false
}

// importRule returns the rule that reads an ArchiMate relationship of type rel from an element of
// kind source to one of kind target, for a relationship that does not carry our type.
func importRule(rel string, source, target graph.Kind) (RelRule, bool) {
	for _, a := range Mapping.Aliases {
		if a.Rel == rel {
			rel = a.As
		}
	}
	for _, rule := range Mapping.Relationships {
		if rule.Rel != rel {
			continue
		}
		from, to := source, target
		if rule.Reverse {
			from, to = to, from
		}
		if slices.Contains(rule.From, from) && slices.Contains(rule.To, to) && graph.Allowed(rule.Type, from, to) {
			return rule, true
		}
	}
	return RelRule{}, false
}

// knownRel reports whether the table reads ArchiMate relationships of type rel at all.
func knownRel(rel string) bool {
	for _, a := range Mapping.Aliases {
		if a.Rel == rel {
			return true
		}
	}
	for _, rule := range Mapping.Relationships {
		if rule.Rel == rel {
			return true
		}
	}
	return false
}
