package snapshots_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
	"github.com/modelgraph/modelgraph/graph/snapshots"
)

func ptr[T any](v T) *T { return &v }

// TestAsOfEqualsExportAtThatRevision makes a sequence of writes of every kind, exports the model
// after each, then reads every revision back as of it and compares the exports byte for byte.
func TestAsOfEqualsExportAtThatRevision(t *testing.T) {
	ctx := context.Background()
	store := graphtest.Store(t)
	key := graphtest.ModelKey(t)
	exports := map[int64]string{}
	snapshot := func() {
		t.Helper()
		rev, err := store.ModelRevision(ctx, key)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if err := store.Export(ctx, &b, key, graph.YAML); err != nil {
			t.Fatal(err)
		}
		exports[rev.Number] = b.String()
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	_, err := store.Import(ctx, small(key), graph.ImportOptions{})
	must(err)
	snapshot()
	_, err = store.UpsertElements(ctx, key, []graph.Element{
		{Key: "kp", Kind: graph.KeyPartner, Name: "Mill", Tags: []string{"fabric"}, Properties: map[string]any{"country": "PT"}},
		{Key: "kr", Kind: graph.KeyResource, Name: "Fabric", Description: "Knitted"},
	}, graph.Limits{})
	must(err)
	snapshot()
	_, _, err = store.Link(ctx, key, graph.Relationship{From: "kp", Type: graph.Supplies, To: "kr", Properties: map[string]any{"share": 0.6, "substitutable": false}})
	must(err)
	snapshot()
	_, err = store.UpdateElement(ctx, key, "proc", graph.ElementPatch{Name: ptr("Make"), Description: ptr("Cut and sew"), Properties: map[string]any{"tier": nil, "site": "Porto"}}, nil)
	must(err)
	snapshot()
	_, _, err = store.Link(ctx, key, graph.Relationship{From: "kp", Type: graph.Supplies, To: "kr", Properties: map[string]any{"share": 1.0}})
	must(err)
	snapshot()
	_, err = store.DeleteElement(ctx, key, "cap", true, nil)
	must(err)
	snapshot()
	must(store.Unlink(ctx, key, graph.Relationship{From: "proc", Type: graph.Realizes, To: "vp"}))
	snapshot()
	// An import that replaces: renames the model, drops kr (and its supply), brings cap back
	// with another kind of content.
	f := small(key)
	f.Model.Name = "Small, replaced"
	f.Elements[2].Name = "Cap again"
	f.Elements = append(f.Elements, graph.Element{Key: "kp", Kind: graph.KeyPartner, Name: "Mill"})
	_, err = store.Import(ctx, f, graph.ImportOptions{Mode: graph.Replace})
	must(err)
	snapshot()

	cache := snapshots.New(store, snapshots.Options{})
	cur, err := store.ModelRevision(ctx, key)
	must(err)
	if len(exports) != 8 || cur.Number != 8 {
		t.Fatalf("%d exports, revision %d; want 8 and 8", len(exports), cur.Number)
	}
	// Newest first and then oldest first, so that both cold and cached reads are compared.
	for _, order := range [][]int64{{8, 7, 6, 5, 4, 3, 2, 1}, {1, 2, 3, 4, 5, 6, 7, 8}} {
		for _, rev := range order {
			m, err := cache.AsOf(ctx, key, rev)
			if err != nil {
				t.Fatalf("as of %d: %v", rev, err)
			}
			if m.Revision() != rev {
				t.Errorf("as of %d: model at %d", rev, m.Revision())
			}
			var b bytes.Buffer
			must(graph.Encode(&b, m.File(), graph.YAML))
			if b.String() != exports[rev] {
				t.Errorf("as of %d:\n%s\nexport then:\n%s", rev, b.String(), exports[rev])
			}
		}
	}
	// By hand: at revision 3 the supply is there with share 0.6, and proc has its old name.
	at3, err := cache.AsOf(ctx, key, 3)
	must(err)
	if !strings.Contains(exports[3], "share: 0.6") || strings.Contains(exports[3], "Porto") {
		t.Errorf("export at 3 is not what the writes made:\n%s", exports[3])
	}
	if id, _ := at3.ID("proc"); at3.Element(id).Name != "Proc" {
		t.Errorf("proc at 3 is %q", at3.Element(id).Name)
	}

	for _, tc := range []struct {
		rev  int64
		want string
	}{
		{0, "revision 0 is before the model's first write; revisions 1 to 8 can be read"},
		{9, "revision 9 is ahead of the model, which is at revision 8"},
	} {
		_, err := cache.AsOf(ctx, key, tc.rev)
		var re *snapshots.RevisionError
		var ve *graph.ValidationError
		if !errors.As(err, &re) || !errors.Is(err, graph.ErrInvalid) || !errors.As(err, &ve) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("as of %d: %v, want a RevisionError saying %q", tc.rev, err, tc.want)
		}
	}
}

// TestAsOfStopsAtABulkLoad: a load without history cannot be taken back; the error names the
// oldest revision that can be read, and that one and later ones read.
func TestAsOfStopsAtABulkLoad(t *testing.T) {
	ctx := context.Background()
	store := graphtest.Store(t)
	key := graphtest.ModelKey(t)
	if _, err := store.Import(ctx, small(key), graph.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	f := small(key)
	f.Elements[0].Name = "Bulk"
	if _, err := store.Import(ctx, f, graph.ImportOptions{NoHistory: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.UpdateElement(ctx, key, "vp", graph.ElementPatch{Name: ptr("After")}, nil); err != nil {
		t.Fatal(err)
	}
	cache := snapshots.New(store, snapshots.Options{})
	_, err := cache.AsOf(ctx, key, 1)
	var re *snapshots.RevisionError
	if !errors.As(err, &re) || re.Oldest != 2 || re.Newest != 3 ||
		!strings.Contains(err.Error(), "revision 1 is before revision 2, a bulk load that recorded no history; revisions 2 to 3 can be read") {
		t.Fatalf("as of 1: %v", err)
	}
	m, err := cache.AsOf(ctx, key, 2)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := m.ID("vp"); m.Element(id).Name != "Bulk" {
		t.Errorf("vp as of 2: %q, want Bulk", m.Element(id).Name)
	}
}
