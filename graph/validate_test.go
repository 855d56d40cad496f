package graph

import (
	"strings"
	"testing"
)

func TestMetamodelCoversDomain(t *testing.T) {
	if got := len(Kinds()); got != 18 {
		t.Fatalf("kinds = %d, want 18", got)
	}
	wantCat := map[Category]int{Canvas: 9, Operating: 7, Function: 1, StakeholderCategory: 1}
	for c, n := range wantCat {
		if got := len(KindsIn(c)); got != n {
			t.Errorf("category %s has %d kinds, want %d", c, got, n)
		}
	}
	if got := len(PropagatingTypes()); got != 9 {
		t.Errorf("propagating types = %d, want 9", got)
	}
	if got := len(AttachedTypes()); got != 4 {
		t.Errorf("attached types = %d, want 4", got)
	}
}

func TestAllowedPairs(t *testing.T) {
	tests := []struct {
		t        RelType
		from, to Kind
		want     bool
	}{
		{PartOf, Process, Process, true},
		{PartOf, Process, BusinessFunction, true},
		{PartOf, Role, OrgUnit, true},
		{PartOf, BusinessFunction, Process, false},
		{PartOf, KPI, KPI, false},
		{Realizes, Process, ValueProposition, true},
		{Realizes, Cost, Channel, false},
		{Supports, KeyActivity, ValueProposition, true},
		{Supports, ValueProposition, KeyActivity, false},
		{Delivers, Channel, ValueProposition, true},
		{Targets, CustomerRelationship, CustomerSegment, true},
		{Generates, CustomerSegment, RevenueStream, true},
		{Generates, RevenueStream, CustomerSegment, false},
		{Incurs, KeyPartner, Cost, true},
		{Supplies, KeyPartner, KeyResource, true},
		{Supplies, KeyPartner, ValueProposition, false},
		{FlowsTo, BusinessFunction, BusinessFunction, true},
		{FlowsTo, Process, BusinessFunction, false},
		{InvolvedIn, Stakeholder, KPI, true},
		{InvolvedIn, Role, Stakeholder, false},
		{Measures, KPI, Stakeholder, true},
		{Measures, KPI, KPI, false},
		{ReportsTo, OrgUnit, Role, true},
		{LocatedAt, KeyPartner, Location, true},
		{LocatedAt, Location, Location, false},
	}
	for _, tc := range tests {
		if got := Allowed(tc.t, tc.from, tc.to); got != tc.want {
			t.Errorf("Allowed(%s, %s, %s) = %v, want %v", tc.t, tc.from, tc.to, got, tc.want)
		}
	}
}

func TestValidateReportsEveryProblemWithLocation(t *testing.T) {
	f, err := ParseFile([]byte(`
model: {key: broken, name: Broken}
elements:
  - {key: cost-rent, kind: Cost, name: Rent}
  - {key: ch-web, kind: Channel, name: Web shop, properties: {channelType: ONLINE}}
  - {key: x-odd, kind: Widget, name: Odd}
  - {key: ch-web, kind: Channel, name: Web shop again}
relationships:
  - {from: cost-rent, type: REALIZES, to: ch-web}
  - {from: ch-web, type: DELIVERS, to: vp-missing}
`), YAML)
	if err != nil {
		t.Fatal(err)
	}
	ps := Validate(f, Limits{})
	want := []string{
		`elements[2] (x-odd) kind: unknown kind "Widget"`,
		`elements[3] (ch-web) key: duplicate key: elements[1] already uses "ch-web"`,
		`relationships[0] (cost-rent -REALIZES-> ch-web) type: Cost -REALIZES-> Channel is not allowed: REALIZES cannot start at Cost; it starts at BusinessFunction, Capability, Process, Technology`,
		`relationships[1] (ch-web -DELIVERS-> vp-missing) to: no element with key "vp-missing" in this model`,
	}
	if len(ps) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(ps), len(want), ps)
	}
	for i, w := range want {
		if !strings.HasPrefix(ps[i].String(), w) {
			t.Errorf("problem %d = %q, want prefix %q", i, ps[i], w)
		}
	}
}

func TestValidateElementFields(t *testing.T) {
	long := strings.Repeat("x", MaxNameLen+1)
	tests := []struct {
		name string
		e    Element
		want string // substring of the one expected problem; "" means valid
	}{
		{"valid", Element{Key: "vp-a", Kind: ValueProposition, Name: "A"}, ""},
		{"bad key", Element{Key: "VP_A", Kind: ValueProposition, Name: "A"}, `key: "VP_A" is not a valid key`},
		{"missing name", Element{Key: "vp-a", Kind: ValueProposition}, "name: is required"},
		{"long name", Element{Key: "vp-a", Kind: ValueProposition, Name: long}, "the limit is 200"},
		{"function needs group", Element{Key: "fn-a", Kind: BusinessFunction, Name: "A"}, "properties.group: is required"},
		{"bad group", Element{Key: "fn-a", Kind: BusinessFunction, Name: "A", Properties: map[string]any{"group": "SALES"}}, `"SALES" is not allowed; use one of DEMAND_DRIVING`},
		{"tier range", Element{Key: "p-a", Kind: Process, Name: "A", Properties: map[string]any{"tier": 4}}, "must be at most 3"},
		{"reserved property", Element{Key: "p-a", Kind: Process, Name: "A", Properties: map[string]any{"version": 1}}, `"version" is reserved`},
		{"list property", Element{Key: "p-a", Kind: Process, Name: "A", Properties: map[string]any{"owners": []any{"a"}}}, "value of type list is not allowed"},
		{"stakeholder type", Element{Key: "sh-a", Kind: Stakeholder, Name: "A", Properties: map[string]any{"type": "INVESTOR"}}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps := ValidateElement(&tc.e)
			if tc.want == "" {
				if len(ps) != 0 {
					t.Fatalf("want valid, got %v", ps)
				}
				return
			}
			if len(ps) != 1 || !strings.Contains(ps[0].String(), tc.want) {
				t.Fatalf("got %v, want one problem containing %q", ps, tc.want)
			}
		})
	}
}

func TestValidateRelationshipProperties(t *testing.T) {
	kinds := map[string]Kind{"partner-a": KeyPartner, "res-b": KeyResource, "p-1": Process, "p-2": Process}
	kindOf := func(k string) (Kind, bool) { v, ok := kinds[k]; return v, ok }
	tests := []struct {
		r    Relationship
		want string
	}{
		{Relationship{From: "partner-a", Type: Supplies, To: "res-b", Properties: map[string]any{"share": 1.0, "substitutable": false}}, ""},
		{Relationship{From: "partner-a", Type: Supplies, To: "res-b", Properties: map[string]any{"share": 1.5}}, "must be at most 1"},
		{Relationship{From: "partner-a", Type: Supplies, To: "res-b", Properties: map[string]any{"substitutable": "no"}}, "must be true or false"},
		{Relationship{From: "p-1", Type: FlowsTo, To: "p-2", Properties: map[string]any{"kind": "TELEPATHY"}}, `"TELEPATHY" is not allowed`},
		{Relationship{From: "p-1", Type: FlowsTo, To: "p-1"}, "cannot be related to itself"},
		{Relationship{From: "p-1", Type: "DEPENDS_ON", To: "p-2"}, `unknown relationship type "DEPENDS_ON"`},
		{Relationship{From: "res-b", Type: Supplies, To: "partner-a"}, "SUPPLIES cannot start at KeyResource; it starts at KeyPartner"},
		{Relationship{From: "p-1", Type: Realizes, To: "res-b"}, ""},
		{Relationship{From: "p-1", Type: Realizes, To: "p-2"}, "from Process, REALIZES may point to Channel, CustomerRelationship, KeyActivity, KeyResource, ValueProposition"},
	}
	for _, tc := range tests {
		ps := ValidateRelationship(&tc.r, kindOf)
		if tc.want == "" && len(ps) != 0 {
			t.Errorf("%s: want valid, got %v", tc.r.ID(), ps)
		}
		if tc.want != "" && (len(ps) != 1 || !strings.Contains(ps[0].String(), tc.want)) {
			t.Errorf("%s: got %v, want one problem containing %q", tc.r.ID(), ps, tc.want)
		}
	}
}

func TestParseFileErrors(t *testing.T) {
	tests := []struct {
		name, doc string
		format    Format
		want      string
	}{
		{"empty", "", YAML, "document: is empty"},
		{"unknown field", "model: {key: a, name: A}\nelementz: []\n", YAML, "field elementz not found"},
		{"bad yaml", "model: [\n", YAML, "is not valid YAML"},
		{"json guessed", `{"model": {"key": "a", "name": "A"}, "elements": [], "relationships": [], "extra": 1}`, "", `unknown field "extra"`},
		{"json syntax", "{\"model\": {\n\"key\": }", JSON, "line 2"},
		{"two documents", "model: {key: a, name: A}\n---\nmodel: {key: b, name: B}\n", YAML, "more than one YAML document"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseFile([]byte(tc.doc), tc.format)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestWholeNumbersBecomeIntegers(t *testing.T) {
	f, err := ParseFile([]byte(`{"model": {"key": "a", "name": "A"}, "elements": [{"key": "r", "kind": "RevenueStream", "name": "R", "properties": {"annualAmount": 1200.0, "margin": 0.25}}]}`), JSON)
	if err != nil {
		t.Fatal(err)
	}
	if ps := Validate(f, Limits{}); len(ps) != 0 {
		t.Fatal(ps)
	}
	p := f.Elements[0].Properties
	if _, ok := p["annualAmount"].(int64); !ok {
		t.Errorf("annualAmount is %T, want int64", p["annualAmount"])
	}
	if _, ok := p["margin"].(float64); !ok {
		t.Errorf("margin is %T, want float64", p["margin"])
	}
}
