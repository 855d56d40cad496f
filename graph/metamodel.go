// Package graph holds modelgraph's domain (the metamodel, elements, relationships, model files)
// and its Neo4j layer (the Store). It imports the Neo4j driver and never the GraphQL layer.
package graph

import (
	"slices"
	"sort"
)

// Kind is an element kind. It is also the element's Neo4j label and its GraphQL type name.
type Kind string

// Category groups kinds: the nine canvas blocks, operating-model components, business functions
// and stakeholders.
type Category string

// RelType is a relationship type as used in model files, in Neo4j and in GraphQL.
type RelType string

// The element kinds of DOMAIN.md.
const (
	ValueProposition     Kind = "ValueProposition"
	CustomerSegment      Kind = "CustomerSegment"
	Channel              Kind = "Channel"
	CustomerRelationship Kind = "CustomerRelationship"
	RevenueStream        Kind = "RevenueStream"
	KeyResource          Kind = "KeyResource"
	KeyActivity          Kind = "KeyActivity"
	KeyPartner           Kind = "KeyPartner"
	Cost                 Kind = "Cost"
	Process              Kind = "Process"
	Capability           Kind = "Capability"
	Technology           Kind = "Technology"
	OrgUnit              Kind = "OrgUnit"
	Role                 Kind = "Role"
	KPI                  Kind = "KPI"
	Location             Kind = "Location"
	BusinessFunction     Kind = "BusinessFunction"
	Stakeholder          Kind = "Stakeholder"
)

// The categories of DOMAIN.md.
const (
	Canvas              Category = "CANVAS"
	Operating           Category = "OPERATING"
	Function            Category = "FUNCTION"
	StakeholderCategory Category = "STAKEHOLDER"
)

// The relationship types of DOMAIN.md.
const (
	PartOf     RelType = "PART_OF"
	Realizes   RelType = "REALIZES"
	Supports   RelType = "SUPPORTS"
	Delivers   RelType = "DELIVERS"
	Targets    RelType = "TARGETS"
	Generates  RelType = "GENERATES"
	Incurs     RelType = "INCURS"
	Supplies   RelType = "SUPPLIES"
	FlowsTo    RelType = "FLOWS_TO"
	InvolvedIn RelType = "INVOLVED_IN"
	Measures   RelType = "MEASURES"
	ReportsTo  RelType = "REPORTS_TO"
	LocatedAt  RelType = "LOCATED_AT"
)

// KindSpec describes one element kind: its category, what it means, the typed properties it
// understands (free properties beyond these are allowed) and the GraphQL fields that are its own.
type KindSpec struct {
	Kind       Kind
	Category   Category
	Meaning    string
	Properties []PropertySpec
	// Block is the kind's field on the GraphQL Canvas type; only the nine canvas kinds have one.
	Block Field
	// Shortcuts are extra fields of the kind's GraphQL type, each giving the elements of one kind
	// across one relationship type.
	Shortcuts []Shortcut
}

// Field is a GraphQL field the metamodel names: its name and the sentence that describes it.
type Field struct {
	Name string
	Doc  string
}

// Shortcut is a convenience field: the elements of kind Kind across relationships of type Rel in
// direction Dir.
type Shortcut struct {
	Field
	Dir  Direction
	Rel  RelType
	Kind Kind
}

// CategorySpec describes one category.
type CategorySpec struct {
	Category Category
	Meaning  string
}

// Rule allows every pair (f, t) with f in From and t in To.
type Rule struct {
	From []Kind
	To   []Kind
}

// RelSpec describes one relationship type: whether a change travels along it (propagating) or it
// only records who or what watches an element (attached), its meaning, its allowed pairs and the
// typed properties it understands, and the GraphQL fields it gives the kinds at its ends.
type RelSpec struct {
	Type        RelType
	Propagating bool
	Meaning     string
	Rules       []Rule
	Properties  []PropertySpec
	// Out and In are the GraphQL fields of the type: at the source (outgoing) and at the target
	// (incoming).
	Out, In Field
	// Link names the GraphQL type that its fields return, the relationship with its typed
	// properties; "" when they return the elements at the other end.
	Link string
}

// Metamodel is the whole contract of DOMAIN.md as one table: kinds with their categories and
// relationship types with their allowed (source kind, target kind) pairs, and the names and
// descriptions of the GraphQL fields that follow from them. Validation, the GraphQL schema (enums,
// one object type per kind, the Canvas type) and the documentation's tables all come from it.
var Metamodel = struct {
	Categories    []CategorySpec
	Kinds         []KindSpec
	Relationships []RelSpec
}{
	Categories: []CategorySpec{
		{Canvas, "The nine Business Model Canvas blocks."},
		{Operating, "Operating-model components: processes, capabilities, technology, organisation, KPIs, locations."},
		{Function, "Business functions."},
		{StakeholderCategory, "Stakeholders."},
	},
	Kinds: []KindSpec{
		{Kind: ValueProposition, Category: Canvas, Meaning: "What the company offers a customer segment: the reason customers choose it.", Block: Field{"valuePropositions", "What the company offers."}},
		{Kind: CustomerSegment, Category: Canvas, Meaning: "A group of people or organisations the company serves.", Block: Field{"customerSegments", "Whom it serves."}},
		{Kind: Channel, Category: Canvas, Meaning: "How a value proposition reaches a customer segment.", Block: Field{"channels", "How offers reach customers."}, Properties: []PropertySpec{
			{Name: "channelType", Type: PropString, Enum: []string{"ONLINE", "BRICK_AND_MORTAR", "THIRD_PARTY_RETAIL", "DIRECT_SALES", "FIELD_SERVICE", "INTEGRATOR", "OEM"}},
		}},
		{Kind: CustomerRelationship, Category: Canvas, Meaning: "The kind of relationship kept with a customer segment.", Block: Field{"customerRelationships", "Relationships kept with customers."}},
		{Kind: RevenueStream, Category: Canvas, Meaning: "Money earned from a customer segment.", Block: Field{"revenueStreams", "Money earned."}, Properties: []PropertySpec{
			{Name: "revenueType", Type: PropString},
			{Name: "annualAmount", Type: PropNumber, Min: ptr(0)},
		}},
		{Kind: KeyResource, Category: Canvas, Meaning: "An asset the business model cannot work without.", Block: Field{"keyResources", "Assets the model depends on."}},
		{Kind: KeyActivity, Category: Canvas, Meaning: "Something the company must do well for the business model to work.", Block: Field{"keyActivities", "What the company must do well."}},
		{Kind: KeyPartner, Category: Canvas, Meaning: "An outside party the business model relies on.", Block: Field{"keyPartners", "Outside parties relied on."}},
		{Kind: Cost, Category: Canvas, Meaning: "A cost the business model incurs.", Block: Field{"costs", "Costs incurred."}, Properties: []PropertySpec{
			{Name: "costType", Type: PropString, Enum: []string{"FIXED", "VARIABLE"}},
			{Name: "annualAmount", Type: PropNumber, Min: ptr(0)},
		}},
		{Kind: Process, Category: Operating, Meaning: "A repeatable sequence of work.", Properties: []PropertySpec{
			{Name: "tier", Type: PropInteger, Min: ptr(0), Max: ptr(3)},
		}},
		{Kind: Capability, Category: Operating, Meaning: "An ability the organisation has, independent of how it is organised."},
		{Kind: Technology, Category: Operating, Meaning: "A system, application or platform."},
		{Kind: OrgUnit, Category: Operating, Meaning: "A unit of the organisation: team, department, division.", Shortcuts: []Shortcut{
			{Field{"roles", "Roles that belong to this unit (incoming PART_OF from Role)."}, Incoming, PartOf, Role},
		}},
		{Kind: Role, Category: Operating, Meaning: "A position people hold."},
		{Kind: KPI, Category: Operating, Meaning: "A measure of performance.", Properties: []PropertySpec{
			{Name: "unit", Type: PropString},
			{Name: "target", Type: PropNumber},
			{Name: "actual", Type: PropNumber},
		}},
		{Kind: Location, Category: Operating, Meaning: "A place: site, city, country or region."},
		{Kind: BusinessFunction, Category: Function, Meaning: "A business function, grouped by what it does for demand.", Properties: []PropertySpec{
			{Name: "group", Type: PropString, Required: true, Enum: []string{"DEMAND_DRIVING", "DEMAND_FULFILMENT", "OFFERING_DEVELOPMENT", "ENTERPRISE_SUPPORT"}},
		}, Shortcuts: []Shortcut{
			{Field{"processes", "Processes that are part of this function (incoming PART_OF from Process)."}, Incoming, PartOf, Process},
			{Field{"subFunctions", "Functions that are part of this one (incoming PART_OF from BusinessFunction)."}, Incoming, PartOf, BusinessFunction},
		}},
		{Kind: Stakeholder, Category: StakeholderCategory, Meaning: "A party with a stake in the company.", Properties: []PropertySpec{
			{Name: "type", Type: PropString, Required: true, Enum: []string{"CUSTOMER", "EMPLOYEE", "INVESTOR", "REGULATOR", "PARTNER", "SUPPLIER", "COMMUNITY", "MANAGEMENT"}},
		}},
	},
	Relationships: []RelSpec{
		{Type: PartOf, Propagating: true, Meaning: "The source is part of the target (a whole).", Rules: partOfRules(),
			Out: Field{"partOf", "Wholes this element is part of (PART_OF)."},
			In:  Field{"parts", "Parts of this element (incoming PART_OF)."},
		},
		{Type: Realizes, Propagating: true, Meaning: "Operating model implements a canvas element.", Rules: []Rule{
			{From: []Kind{Process, BusinessFunction, Capability, Technology}, To: []Kind{ValueProposition, KeyActivity, KeyResource, Channel, CustomerRelationship}},
		},
			Out: Field{"realizes", "Canvas elements this element implements (REALIZES)."},
			In:  Field{"realizedBy", "Operating-model elements that implement this one (incoming REALIZES)."},
		},
		{Type: Supports, Propagating: true, Meaning: "The source provides what the target needs.", Rules: []Rule{
			{From: []Kind{Technology}, To: []Kind{Technology, Process, Capability, BusinessFunction, Channel}},
			{From: []Kind{Capability}, To: []Kind{Process, BusinessFunction, KeyActivity}},
			{From: []Kind{KeyResource}, To: []Kind{KeyActivity, ValueProposition, Process, Capability}},
			{From: []Kind{KeyActivity}, To: []Kind{ValueProposition}},
			{From: []Kind{Process}, To: []Kind{Process}},
		},
			Out: Field{"supports", "Elements this element supports (SUPPORTS)."},
			In:  Field{"supportedBy", "Elements that support this one directly (incoming SUPPORTS)."},
		},
		{Type: Delivers, Propagating: true, Meaning: "A channel delivers a value proposition.", Rules: []Rule{
			{From: []Kind{Channel}, To: []Kind{ValueProposition}},
		},
			Out: Field{"delivers", "Value propositions this channel delivers (DELIVERS)."},
			In:  Field{"deliveredBy", "Channels that deliver this value proposition (incoming DELIVERS)."},
		},
		{Type: Targets, Propagating: true, Meaning: "Aimed at a customer segment.", Rules: []Rule{
			{From: []Kind{ValueProposition, Channel, CustomerRelationship}, To: []Kind{CustomerSegment}},
		},
			Out: Field{"targets", "Customer segments this element is aimed at (TARGETS)."},
			In:  Field{"targetedBy", "Elements aimed at this segment (incoming TARGETS)."},
		},
		{Type: Generates, Propagating: true, Meaning: "Earns revenue.", Rules: []Rule{
			{From: []Kind{ValueProposition, CustomerSegment, Channel}, To: []Kind{RevenueStream}},
		},
			Out: Field{"generates", "Revenue streams this element earns (GENERATES)."},
			In:  Field{"generatedBy", "Elements that earn this revenue (incoming GENERATES)."},
		},
		{Type: Incurs, Propagating: true, Meaning: "Drives a cost.", Rules: []Rule{
			{From: []Kind{Process, BusinessFunction, KeyActivity, KeyResource, Technology, Capability, Channel, CustomerRelationship, KeyPartner, OrgUnit}, To: []Kind{Cost}},
		},
			Out: Field{"incurs", "Costs this element drives (INCURS)."},
			In:  Field{"incurredBy", "Elements that drive this cost (incoming INCURS)."},
		},
		{Type: Supplies, Propagating: true, Meaning: "An outside party provides it.", Rules: []Rule{
			{From: []Kind{KeyPartner}, To: []Kind{KeyResource, Technology, Capability, Process, Channel, KeyActivity}},
		}, Properties: []PropertySpec{
			{Name: "share", Type: PropNumber, Min: ptr(0), Max: ptr(1)},
			{Name: "substitutable", Type: PropBool},
		},
			Out:  Field{"supplies", "What this partner supplies, with share and substitutability (SUPPLIES)."},
			In:   Field{"suppliedBy", "Partners that supply this element, with share and substitutability (incoming SUPPLIES)."},
			Link: "Supply",
		},
		{Type: FlowsTo, Propagating: true, Meaning: "Sequence or hand-off.", Rules: []Rule{
			{From: []Kind{Process}, To: []Kind{Process}},
			{From: []Kind{BusinessFunction}, To: []Kind{BusinessFunction}},
		}, Properties: []PropertySpec{
			{Name: "kind", Type: PropString, Enum: []string{"MATERIAL", "INFORMATION", "HANDOFF", "ESCALATION", "MONEY"}},
		},
			Out:  Field{"flowsTo", "Where work or material goes next (FLOWS_TO)."},
			In:   Field{"flowsFrom", "Where work or material comes from (incoming FLOWS_TO)."},
			Link: "Flow",
		},
		{Type: InvolvedIn, Meaning: "Responsibility (RACI) for the target.", Rules: []Rule{
			{From: []Kind{Role, OrgUnit, Stakeholder, KeyPartner}, To: allKindsExcept(Stakeholder)},
		}, Properties: []PropertySpec{
			{Name: "raci", Type: PropString, Enum: []string{"R", "A", "C", "I"}},
		},
			Out:  Field{"involvedIn", "Elements this party is responsible for, with RACI (INVOLVED_IN)."},
			In:   Field{"involved", "Roles, units, stakeholders and partners involved in this element, with RACI (incoming INVOLVED_IN)."},
			Link: "Involvement",
		},
		{Type: Measures, Meaning: "A KPI measures the target.", Rules: []Rule{
			{From: []Kind{KPI}, To: allKindsExcept(KPI)},
		},
			Out: Field{"measures", "Elements this KPI measures (MEASURES)."},
			In:  Field{"measuredBy", "KPIs that measure this element (incoming MEASURES)."},
		},
		{Type: ReportsTo, Meaning: "Reporting line.", Rules: []Rule{
			{From: []Kind{Role, OrgUnit}, To: []Kind{Role, OrgUnit}},
		},
			Out: Field{"reportsTo", "Whom this role or unit reports to (REPORTS_TO)."},
			In:  Field{"reports", "Roles and units that report to this one (incoming REPORTS_TO)."},
		},
		{Type: LocatedAt, Meaning: "Where the source is.", Rules: []Rule{
			{From: []Kind{OrgUnit, KeyPartner, Process, BusinessFunction, KeyResource, Technology, Channel}, To: []Kind{Location}},
		},
			Out: Field{"locatedAt", "Where this element is (LOCATED_AT)."},
			In:  Field{"locatedHere", "Elements located here (incoming LOCATED_AT)."},
		},
	},
}

// allKinds lists every kind in table order. It is spelled out rather than read from Metamodel
// because the table itself uses it while being initialised.
var allKinds = []Kind{
	ValueProposition, CustomerSegment, Channel, CustomerRelationship, RevenueStream, KeyResource,
	KeyActivity, KeyPartner, Cost, Process, Capability, Technology, OrgUnit, Role, KPI, Location,
	BusinessFunction, Stakeholder,
}

func partOfRules() []Rule {
	rules := []Rule{}
	for _, k := range []Kind{Process, BusinessFunction, Capability, OrgUnit, Technology, Location, ValueProposition, CustomerSegment} {
		rules = append(rules, Rule{From: []Kind{k}, To: []Kind{k}})
	}
	return append(rules,
		Rule{From: []Kind{Process}, To: []Kind{BusinessFunction}},
		Rule{From: []Kind{Role}, To: []Kind{OrgUnit}},
	)
}

func allKindsExcept(k Kind) []Kind {
	out := make([]Kind, 0, len(allKinds)-1)
	for _, x := range allKinds {
		if x != k {
			out = append(out, x)
		}
	}
	return out
}

func ptr(f float64) *float64 { return &f }

// index built once from the table.
var (
	kindIndex = map[Kind]*KindSpec{}
	relIndex  = map[RelType]*RelSpec{}
	pairIndex = map[RelType]map[Kind]map[Kind]bool{}
)

func init() {
	for i := range Metamodel.Kinds {
		kindIndex[Metamodel.Kinds[i].Kind] = &Metamodel.Kinds[i]
	}
	for i := range Metamodel.Relationships {
		r := &Metamodel.Relationships[i]
		relIndex[r.Type] = r
		pairs := map[Kind]map[Kind]bool{}
		for _, rule := range r.Rules {
			for _, f := range rule.From {
				if pairs[f] == nil {
					pairs[f] = map[Kind]bool{}
				}
				for _, t := range rule.To {
					pairs[f][t] = true
				}
			}
		}
		pairIndex[r.Type] = pairs
	}
}

// Kinds returns every kind in table order.
func Kinds() []Kind { return slices.Clone(allKinds) }

// LookupKind returns the spec of a kind, or false when the name is not a kind.
func LookupKind(name string) (KindSpec, bool) {
	s, ok := kindIndex[Kind(name)]
	if !ok {
		return KindSpec{}, false
	}
	return *s, true
}

// LookupRel returns the spec of a relationship type, or false when the name is not a type.
func LookupRel(name string) (RelSpec, bool) {
	s, ok := relIndex[RelType(name)]
	if !ok {
		return RelSpec{}, false
	}
	return *s, true
}

// CategoryOf returns the category of a known kind ("" for an unknown one).
func CategoryOf(k Kind) Category {
	if s, ok := kindIndex[k]; ok {
		return s.Category
	}
	return ""
}

// Categories returns the categories in table order.
func Categories() []Category {
	out := make([]Category, len(Metamodel.Categories))
	for i, c := range Metamodel.Categories {
		out[i] = c.Category
	}
	return out
}

// KindsIn returns the kinds of one category in table order.
func KindsIn(c Category) []Kind {
	var out []Kind
	for _, s := range Metamodel.Kinds {
		if s.Category == c {
			out = append(out, s.Kind)
		}
	}
	return out
}

// RelTypes returns every relationship type in table order.
func RelTypes() []RelType {
	out := make([]RelType, len(Metamodel.Relationships))
	for i, r := range Metamodel.Relationships {
		out[i] = r.Type
	}
	return out
}

// PropagatingTypes returns the relationship types along which a change travels, in table order.
func PropagatingTypes() []RelType {
	var out []RelType
	for _, r := range Metamodel.Relationships {
		if r.Propagating {
			out = append(out, r.Type)
		}
	}
	return out
}

// AttachedTypes returns the relationship types that only attach watchers, in table order.
func AttachedTypes() []RelType {
	var out []RelType
	for _, r := range Metamodel.Relationships {
		if !r.Propagating {
			out = append(out, r.Type)
		}
	}
	return out
}

// Allowed reports whether a relationship of type t may go from a from-kind element to a to-kind
// element.
func Allowed(t RelType, from, to Kind) bool {
	return pairIndex[t][from][to]
}

// AllowedTargets returns the kinds a relationship of type t may point to from a from-kind
// element, in table order (empty when the type does not start at that kind).
func AllowedTargets(t RelType, from Kind) []Kind {
	var out []Kind
	for _, k := range allKinds {
		if pairIndex[t][from][k] {
			out = append(out, k)
		}
	}
	return out
}

// AllowedSources returns the kinds a relationship of type t may start from, in table order.
func AllowedSources(t RelType) []Kind {
	var out []Kind
	for _, k := range allKinds {
		if len(pairIndex[t][k]) > 0 {
			out = append(out, k)
		}
	}
	return out
}

// Pairs returns every allowed (type, source, target) triple, sorted by type order, then source and
// target in kind order. Tests and documentation enumerate the contract with it.
func Pairs() []Triple {
	var out []Triple
	for _, r := range Metamodel.Relationships {
		for _, f := range allKinds {
			for _, t := range allKinds {
				if pairIndex[r.Type][f][t] {
					out = append(out, Triple{Type: r.Type, From: f, To: t})
				}
			}
		}
	}
	return out
}

// Triple is one allowed (source kind, relationship type, target kind) combination.
type Triple struct {
	Type RelType
	From Kind
	To   Kind
}

// kindNames returns kind names sorted, for error messages.
func kindNames(ks []Kind) []string {
	out := make([]string, len(ks))
	for i, k := range ks {
		out[i] = string(k)
	}
	sort.Strings(out)
	return out
}
