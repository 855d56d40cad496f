package scenario_test

import (
	"context"
	"errors"
	"os"
	"reflect"
	"slices"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/engine"
	"github.com/modelgraph/modelgraph/graph/graphtest"
	"github.com/modelgraph/modelgraph/graph/scenario"
	"github.com/modelgraph/modelgraph/graph/snapshots"
)

func TestMain(m *testing.M) { os.Exit(graphtest.Main(m)) }

// fabricModel is a shoe maker whose only fabric mill is a single source: Mill A supplies all the
// fabric, fabric supports making the shoes, the shoes target runners and earn the sales.
func fabricModel(key string) *graph.File {
	el := func(k string, kind graph.Kind, name string, props map[string]any) graph.Element {
		return graph.Element{Key: k, Kind: kind, Name: name, Properties: props}
	}
	rel := func(from string, t graph.RelType, to string, props map[string]any) graph.Relationship {
		return graph.Relationship{From: from, Type: t, To: to, Properties: props}
	}
	return &graph.File{
		Model: graph.Model{Key: key, Name: "Shoes"},
		Elements: []graph.Element{
			el("mill-a", graph.KeyPartner, "Mill A", nil),
			el("fabric", graph.KeyResource, "Fabric", nil),
			el("make", graph.KeyActivity, "Make shoes", nil),
			el("shoes", graph.ValueProposition, "Running shoes", nil),
			el("runners", graph.CustomerSegment, "Runners", nil),
			el("sales", graph.RevenueStream, "Shoe sales", map[string]any{"annualAmount": int64(1000)}),
			el("fabric-cost", graph.Cost, "Fabric", map[string]any{"annualAmount": int64(300)}),
			el("web", graph.Channel, "Web shop", nil),
		},
		Relationships: []graph.Relationship{
			rel("mill-a", graph.Supplies, "fabric", nil),
			rel("fabric", graph.Supports, "make", nil),
			rel("make", graph.Supports, "shoes", nil),
			rel("shoes", graph.Targets, "runners", nil),
			rel("shoes", graph.Generates, "sales", nil),
			rel("fabric", graph.Incurs, "fabric-cost", nil),
			rel("web", graph.Delivers, "shoes", nil),
		},
	}
}

type fixture struct {
	ctx   context.Context
	store *graph.Store
	svc   *scenario.Service
	base  string
}

func setup(t *testing.T) *fixture {
	t.Helper()
	store := graphtest.Store(t)
	ctx := graph.WithActor(context.Background(), "alice")
	base := graphtest.ModelKey(t)
	if _, err := store.Import(ctx, fabricModel(base), graph.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.DeleteModel(context.Background(), base) })
	return &fixture{ctx: ctx, store: store, svc: scenario.New(store, snapshots.New(store, snapshots.Options{})), base: base}
}

func (f *fixture) create(t *testing.T, key string) graph.Scenario {
	t.Helper()
	sc, err := f.store.CreateScenario(f.ctx, f.base, key, "What if")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.store.DropScenario(context.Background(), key) })
	return sc
}

// replaceSupplier is the what-if: a second mill takes half the fabric, and fabric costs more.
func (f *fixture) replaceSupplier(t *testing.T, key string) {
	t.Helper()
	if _, err := f.svc.UpsertElements(f.ctx, key, []graph.Element{{Key: "mill-b", Kind: graph.KeyPartner, Name: "Mill B"}}); err != nil {
		t.Fatal(err)
	}
	for _, from := range []string{"mill-a", "mill-b"} {
		if _, _, err := f.svc.Link(f.ctx, key, graph.Relationship{From: from, Type: graph.Supplies, To: "fabric", Properties: map[string]any{"share": 0.5}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := f.svc.UpdateElement(f.ctx, key, "fabric-cost", graph.ElementPatch{Properties: map[string]any{"annualAmount": int64(360)}}, nil); err != nil {
		t.Fatal(err)
	}
}

func TestScenarioEditedAndCompared(t *testing.T) {
	f := setup(t)
	key := graphtest.ModelKey(t) + "-s"
	sc := f.create(t, key)
	if sc.Base != f.base || sc.BaseRevision < 1 || sc.Revision != 0 || sc.Items != 0 || sc.Actor != "alice" {
		t.Fatalf("created %+v", sc)
	}
	f.replaceSupplier(t, key)

	// The base is untouched; the scenario reads as the base with its changes.
	baseFile, err := f.store.ExportFile(f.ctx, f.base)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normalised(baseFile), normalised(fabricModel(f.base))) {
		t.Fatalf("the base changed:\n%+v", baseFile)
	}
	v, err := f.svc.Open(f.ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	if v.Model.Info().Key != key || v.Model.Len() != 9 || v.Model.RelLen() != 8 {
		t.Fatalf("scenario model %v: %d elements, %d relationships", v.Model.Info(), v.Model.Len(), v.Model.RelLen())
	}
	// Mill B (new), mill-a's and mill-b's SUPPLIES, fabric-cost: four items.
	if len(v.Items) != 4 || v.Scenario.Revision != 4 {
		t.Fatalf("items %d at revision %d: %+v", len(v.Items), v.Scenario.Revision, v.Items)
	}
	if it := v.Items[scenario.ItemKey{Target: graph.TargetElement, Key: "fabric-cost"}]; it.Base["version"] != int64(1) {
		t.Fatalf("fabric-cost does not record the base version it started from: %+v", it)
	}

	c, err := f.svc.Compare(f.ctx, scenario.Side{Model: f.base}, scenario.Side{Model: key}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := &engine.Delta{
		Added:    []string{"mill-b"},
		Changed:  []engine.ElementChange{{Key: "fabric-cost", Fields: []engine.FieldChange{{Field: "properties.annualAmount", Before: int64(300), After: int64(360)}}}},
		RelAdded: []engine.RelKey{{From: "mill-b", Type: graph.Supplies, To: "fabric"}},
		RelChanged: []engine.RelChange{{RelKey: engine.RelKey{From: "mill-a", Type: graph.Supplies, To: "fabric"},
			Fields: []engine.FieldChange{{Field: "properties.share", Before: nil, After: 0.5}}}},
	}
	if !reflect.DeepEqual(c.Delta, want) {
		t.Fatalf("diff\n got %+v\nwant %+v", c.Delta, want)
	}
	// Touched: mill-b, fabric-cost, mill-a, fabric. Their scopes and what they affect: every
	// element but the web shop, which only delivers the shoes.
	var impacted []string
	for _, im := range c.Impacted {
		if !im.InTo {
			t.Errorf("%s read in from; nothing was removed", im.Element.Key)
		}
		impacted = append(impacted, im.Element.Key)
	}
	if w := []string{"fabric", "fabric-cost", "make", "mill-a", "mill-b", "runners", "sales", "shoes"}; !slices.Equal(impacted, w) {
		t.Errorf("impacted %v, want %v", impacted, w)
	}
	// With two mills at half each, neither cuts the fabric off: SINGLE_SOURCE on the fabric is
	// resolved, nothing appears.
	if len(c.Appeared) != 0 || len(c.Resolved) != 1 || c.Resolved[0].Rule != "SINGLE_SOURCE" || c.Resolved[0].Element != "fabric" || c.Resolved[0].KindNamed != graph.KeyResource {
		t.Errorf("findings appeared %+v resolved %+v", c.Appeared, c.Resolved)
	}
	// Mill A put the 1000 of shoe sales at risk; afterwards no partner does.
	if len(c.Exposure) != 1 || c.Exposure[0].Partner != "mill-a" || c.Exposure[0].Revenue != (scenario.Change{Before: 1000, After: 0}) ||
		!slices.Equal(c.Exposure[0].StreamsB, []string{"sales"}) || len(c.Exposure[0].StreamsA) != 0 {
		t.Errorf("exposure %+v", c.Exposure)
	}
	if c.RevenueAtRisk != (scenario.Change{Before: 1000, After: 0}) {
		t.Errorf("revenue at risk %+v", c.RevenueAtRisk)
	}
	// The shoes earn the 1000 of sales and carry the fabric cost of what supports them: 300,
	// then 360.
	if len(c.Economics) != 1 || c.Economics[0].Key != "shoes" || c.Economics[0].Before.AllocatedCost != 300 || c.Economics[0].After.AllocatedCost != 360 ||
		c.Economics[0].Before.Margin != 700 || c.Economics[0].After.Margin != 640 || c.Economics[0].After.AllocatedRevenue != 1000 {
		t.Errorf("economics %+v", c.Economics)
	}
	if c.EconomicsTotals != [3]scenario.Change{{1000, 1000}, {300, 360}, {700, 640}} {
		t.Errorf("totals %+v", c.EconomicsTotals)
	}

	// The model against itself at its own revision: nothing differs.
	rev := sc.BaseRevision
	same, err := f.svc.Compare(f.ctx, scenario.Side{Model: f.base, Revision: &rev}, scenario.Side{Model: f.base}, nil)
	if err != nil || !same.Delta.Empty() || len(same.Impacted) != 0 {
		t.Fatalf("self compare %+v, %v", same, err)
	}
}

func TestScenarioReadsOldBase(t *testing.T) {
	f := setup(t)
	key := graphtest.ModelKey(t) + "-s"
	f.create(t, key)
	f.replaceSupplier(t, key)
	// The base moves on: the scenario still reads the base at its base revision.
	if _, err := f.store.UpdateElement(f.ctx, f.base, "shoes", graph.ElementPatch{Name: ptr("Trail shoes")}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.DeleteElement(f.ctx, f.base, "web", true, nil); err != nil {
		t.Fatal(err)
	}
	v, err := f.svc.Open(f.ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	id, ok := v.Model.ID("shoes")
	if !ok || v.Model.Element(id).Name != "Running shoes" {
		t.Fatalf("shoes in the scenario: %v", v.Model.Element(id))
	}
	if _, ok := v.Model.ID("web"); !ok {
		t.Fatal("the web shop the base deleted since is gone from the scenario")
	}
	// Compared with the base now, the scenario also shows the base's own changes, undone.
	c, err := f.svc.Compare(f.ctx, scenario.Side{Model: f.base}, scenario.Side{Model: key}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(c.Delta.Added, []string{"mill-b", "web"}) {
		t.Fatalf("added %v", c.Delta.Added)
	}
}

func ptr[T any](v T) *T { return &v }

func TestScenarioMutationsChecked(t *testing.T) {
	f := setup(t)
	key := graphtest.ModelKey(t) + "-s"
	f.create(t, key)
	var ve *graph.ValidationError
	if _, err := f.svc.UpsertElements(f.ctx, key, []graph.Element{{Key: "Bad Key", Kind: graph.KeyPartner, Name: "x"}}); !errors.As(err, &ve) {
		t.Errorf("bad key: %v", err)
	}
	if _, _, err := f.svc.Link(f.ctx, key, graph.Relationship{From: "shoes", Type: graph.Supplies, To: "fabric"}); !errors.As(err, &ve) {
		t.Errorf("SUPPLIES from a value proposition: %v", err)
	}
	if _, _, err := f.svc.Link(f.ctx, key, graph.Relationship{From: "nobody", Type: graph.Supplies, To: "fabric"}); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("missing end: %v", err)
	}
	if _, err := f.svc.DeleteElement(f.ctx, key, "web", false, nil); !errors.Is(err, graph.ErrConflict) {
		t.Errorf("delete with relationships: %v", err)
	}
	if _, err := f.svc.UpdateElement(f.ctx, key, "web", graph.ElementPatch{Name: ptr("x")}, ptr(int64(7))); !errors.Is(err, graph.ErrConflict) {
		t.Errorf("stale version: %v", err)
	}
	if _, err := f.svc.UpsertElements(f.ctx, key, []graph.Element{{Key: "web", Kind: graph.Process, Name: "Web"}}); !errors.As(err, &ve) {
		t.Errorf("kind change breaking DELIVERS: %v", err)
	}
	if err := f.svc.Unlink(f.ctx, key, graph.Relationship{From: "web", Type: graph.Supports, To: "shoes"}); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("unlink of nothing: %v", err)
	}
	sc, err := f.store.Scenario(f.ctx, key)
	if err != nil || sc.Revision != 0 || sc.Items != 0 {
		t.Fatalf("refused edits wrote: %+v %v", sc, err)
	}
	// An edit undone by a second edit.
	if _, err := f.svc.UpdateElement(f.ctx, key, "web", graph.ElementPatch{Name: ptr("Web store")}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.UpsertElements(f.ctx, key, []graph.Element{{Key: "web", Kind: graph.Channel, Name: "Web shop"}}); err != nil {
		t.Fatal(err)
	}
	v, err := f.svc.Open(f.ctx, key)
	if err != nil {
		t.Fatal(err)
	}
	// The element came back to its base content but at version 3: its item stays, and a diff
	// against the base shows nothing.
	c, err := scenario.CompareModels(v.Base, v.Model, nil)
	if err != nil || !c.Delta.Empty() {
		t.Fatalf("diff after undo %+v %v", c.Delta, err)
	}
	// Deleting with detach removes the relationship too.
	n, err := f.svc.DeleteElement(f.ctx, key, "web", true, nil)
	if err != nil || n != 1 {
		t.Fatalf("detach delete: %d %v", n, err)
	}
	// Keys are shared with models.
	if _, err := f.store.CreateScenario(f.ctx, f.base, f.base, "x"); !errors.Is(err, graph.ErrConflict) {
		t.Errorf("scenario under a model's key: %v", err)
	}
	if _, err := f.store.CreateModel(f.ctx, graph.Model{Key: key, Name: "x"}); !errors.Is(err, graph.ErrConflict) {
		t.Errorf("model under a scenario's key: %v", err)
	}
}

func TestMergeSucceedsAndShowsInHistory(t *testing.T) {
	f := setup(t)
	key := graphtest.ModelKey(t) + "-s"
	f.create(t, key)
	f.replaceSupplier(t, key)
	// Both sides rename the activity the same way (not a conflict); the base also changes
	// the shoes' description, which the scenario left alone (kept).
	if _, err := f.svc.UpdateElement(f.ctx, key, "make", graph.ElementPatch{Name: ptr("Make running shoes")}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.UpdateElement(f.ctx, f.base, "make", graph.ElementPatch{Name: ptr("Make running shoes")}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.UpdateElement(f.ctx, f.base, "shoes", graph.ElementPatch{Description: ptr("Light, for roads")}, nil); err != nil {
		t.Fatal(err)
	}
	before, _ := f.store.ModelRevision(f.ctx, f.base)

	dry, err := f.svc.Merge(f.ctx, key, true)
	if err != nil {
		t.Fatal(err)
	}
	if dry.Applied || dry.Created != 1 || dry.Updated != 1 || dry.RelationshipsCreated != 1 || dry.RelationshipsUpdated != 1 || dry.Deleted+dry.RelationshipsDeleted != 0 {
		t.Fatalf("dry run %+v", dry)
	}
	if r, _ := f.store.ModelRevision(f.ctx, f.base); r.Number != before.Number {
		t.Fatal("a dry run wrote")
	}

	rep, err := f.svc.Merge(f.ctx, key, false)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.Applied || rep.Revision != before.Number+1 {
		t.Fatalf("merge %+v (base was at %d)", rep, before.Number)
	}
	got, err := f.store.ExportFile(f.ctx, f.base)
	if err != nil {
		t.Fatal(err)
	}
	want := fabricModel(f.base)
	for i := range want.Elements {
		switch e := &want.Elements[i]; e.Key {
		case "make":
			e.Name = "Make running shoes"
		case "shoes":
			e.Description = "Light, for roads"
		case "fabric-cost":
			e.Properties["annualAmount"] = int64(360)
		}
	}
	want.Elements = append(want.Elements, graph.Element{Key: "mill-b", Kind: graph.KeyPartner, Name: "Mill B"})
	want.Relationships[0].Properties = map[string]any{"share": 0.5}
	want.Relationships = append(want.Relationships, graph.Relationship{From: "mill-b", Type: graph.Supplies, To: "fabric", Properties: map[string]any{"share": 0.5}})
	if got := normalised(got); !reflect.DeepEqual(got, normalised(want)) {
		t.Fatalf("merged base\n got %+v\nwant %+v", got, normalised(want))
	}
	// One revision, by alice, naming the scenario: mill-b created, fabric-cost updated,
	// mill-a's SUPPLIES updated, mill-b's created.
	page, err := f.store.Changes(f.ctx, graph.ChangeQuery{Model: f.base, First: 10})
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, c := range page.Changes {
		if c.Revision == rep.Revision {
			if c.Actor != "alice" {
				t.Errorf("actor %q", c.Actor)
			}
			ops = append(ops, c.Operation+" "+c.Key)
		}
	}
	slices.Sort(ops)
	if w := []string{"CREATE mill-b", "CREATE mill-b -SUPPLIES-> fabric", "UPDATE fabric-cost", "UPDATE mill-a -SUPPLIES-> fabric"}; !slices.Equal(ops, w) {
		t.Errorf("merge changes %v, want %v", ops, w)
	}
	from, err := f.store.MergedFrom(f.ctx, f.base, []int64{rep.Revision, rep.Revision - 1})
	if err != nil || from[rep.Revision] != key || from[rep.Revision-1] != "" {
		t.Errorf("merged from %v %v", from, err)
	}
	if _, err := f.store.Scenario(f.ctx, key); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("the merged scenario is still there: %v", err)
	}
}

// normalised orders a file's elements and relationships as an export does.
func normalised(f *graph.File) *graph.File {
	m, err := engine.FromFile(f)
	if err != nil {
		panic(err)
	}
	return m.File()
}

func TestMergeConflictsRefused(t *testing.T) {
	cases := []struct {
		name       string
		scenario   func(f *fixture, key string) error
		base       func(f *fixture) error
		kind       string
		target     string
		conflict   string
		field      string
		orig, b, s any
	}{
		{
			name: "same field",
			scenario: func(f *fixture, key string) error {
				_, err := f.svc.UpdateElement(f.ctx, key, "fabric-cost", graph.ElementPatch{Properties: map[string]any{"annualAmount": int64(360)}}, nil)
				return err
			},
			base: func(f *fixture) error {
				_, err := f.store.UpdateElement(f.ctx, f.base, "fabric-cost", graph.ElementPatch{Properties: map[string]any{"annualAmount": int64(400)}}, nil)
				return err
			},
			kind: scenario.SameField, target: graph.TargetElement, conflict: "fabric-cost", field: "properties.annualAmount",
			orig: int64(300), b: int64(400), s: int64(360),
		},
		{
			name: "deleted and edited",
			scenario: func(f *fixture, key string) error {
				_, err := f.svc.DeleteElement(f.ctx, key, "web", true, nil)
				return err
			},
			base: func(f *fixture) error {
				_, err := f.store.UpdateElement(f.ctx, f.base, "web", graph.ElementPatch{Name: ptr("Web store")}, nil)
				return err
			},
			kind: scenario.DeletedAndEdited, target: graph.TargetElement, conflict: "web",
		},
		{
			name: "added both",
			scenario: func(f *fixture, key string) error {
				_, err := f.svc.UpsertElements(f.ctx, key, []graph.Element{{Key: "mill-b", Kind: graph.KeyPartner, Name: "Mill B"}})
				return err
			},
			base: func(f *fixture) error {
				_, err := f.store.UpsertElements(f.ctx, f.base, []graph.Element{{Key: "mill-b", Kind: graph.KeyPartner, Name: "Mill Bee"}}, graph.Limits{})
				return err
			},
			kind: scenario.AddedBoth, target: graph.TargetElement, conflict: "mill-b",
		},
		{
			name: "end gone",
			scenario: func(f *fixture, key string) error {
				_, _, err := f.svc.Link(f.ctx, key, graph.Relationship{From: "web", Type: graph.Targets, To: "runners"})
				return err
			},
			base: func(f *fixture) error {
				_, err := f.store.DeleteElement(f.ctx, f.base, "runners", true, nil)
				return err
			},
			kind: scenario.EndGone, target: graph.TargetRelationship, conflict: "web -TARGETS-> runners",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := setup(t)
			key := graphtest.ModelKey(t) + "-s"
			f.create(t, key)
			if err := tc.scenario(f, key); err != nil {
				t.Fatal(err)
			}
			// The same rename on both sides is never a conflict.
			if _, err := f.svc.UpdateElement(f.ctx, key, "shoes", graph.ElementPatch{Name: ptr("Trail shoes")}, nil); err != nil {
				t.Fatal(err)
			}
			if _, err := f.store.UpdateElement(f.ctx, f.base, "shoes", graph.ElementPatch{Name: ptr("Trail shoes")}, nil); err != nil {
				t.Fatal(err)
			}
			if err := tc.base(f); err != nil {
				t.Fatal(err)
			}
			before, err := f.store.ExportFile(f.ctx, f.base)
			if err != nil {
				t.Fatal(err)
			}
			rev, _ := f.store.ModelRevision(f.ctx, f.base)
			sc, _ := f.store.Scenario(f.ctx, key)
			for _, dry := range []bool{true, false} {
				_, err = f.svc.Merge(f.ctx, key, dry)
				var ce *scenario.ConflictError
				if !errors.As(err, &ce) || !errors.Is(err, graph.ErrConflict) {
					t.Fatalf("dry run %v: want a conflict, got %v", dry, err)
				}
				if len(ce.Conflicts) != 1 {
					t.Fatalf("conflicts %+v", ce.Conflicts)
				}
				c := ce.Conflicts[0]
				if c.Kind != tc.kind || c.Target != tc.target || c.Key != tc.conflict || c.Field != tc.field {
					t.Errorf("conflict %+v", c)
				}
				if tc.field != "" && (c.Original != tc.orig || c.Base != tc.b || c.Scenario != tc.s) {
					t.Errorf("values %v %v %v", c.Original, c.Base, c.Scenario)
				}
			}
			after, err := f.store.ExportFile(f.ctx, f.base)
			if err != nil {
				t.Fatal(err)
			}
			rev2, _ := f.store.ModelRevision(f.ctx, f.base)
			sc2, err := f.store.Scenario(f.ctx, key)
			if err != nil || !reflect.DeepEqual(before, after) || rev2.Number != rev.Number || sc2.Revision != sc.Revision || sc2.Items != sc.Items {
				t.Fatalf("a refused merge wrote: revision %d -> %d, scenario %+v -> %+v (%v)", rev.Number, rev2.Number, sc, sc2, err)
			}
		})
	}
}
