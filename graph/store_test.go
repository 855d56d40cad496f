package graph_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/graphtest"
	"github.com/modelgraph/modelgraph/seed"
)

func TestMain(m *testing.M) { os.Exit(graphtest.Main(m)) }

// pairFile builds a model with two elements of every kind and one relationship for every allowed
// (type, source kind, target kind) of the metamodel.
func pairFile(key string) *graph.File {
	f := &graph.File{Model: graph.Model{Key: key, Name: "Every allowed pair"}}
	for _, k := range graph.Kinds() {
		for _, suffix := range []string{"a", "b"} {
			e := graph.Element{Key: strings.ToLower(string(k)) + "-" + suffix, Kind: k, Name: string(k) + " " + suffix}
			switch k {
			case graph.BusinessFunction:
				e.Properties = map[string]any{"group": "ENTERPRISE_SUPPORT"}
			case graph.Stakeholder:
				e.Properties = map[string]any{"type": "INVESTOR"}
			}
			f.Elements = append(f.Elements, e)
		}
	}
	for _, p := range graph.Pairs() {
		f.Relationships = append(f.Relationships, graph.Relationship{
			From: strings.ToLower(string(p.From)) + "-a", Type: p.Type, To: strings.ToLower(string(p.To)) + "-b"})
	}
	return f
}

func TestEveryAllowedPairIsAccepted(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := graphtest.Store(t)
	f := pairFile(graphtest.ModelKey(t))
	rep, err := s.Import(ctx, f, graph.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if rep.RelCreated != len(graph.Pairs()) || rep.Created != 36 {
		t.Fatalf("created %d elements, %d relationships; want 36, %d", rep.Created, rep.RelCreated, len(graph.Pairs()))
	}
	m, err := s.ModelByKey(ctx, f.Model.Key)
	if err != nil {
		t.Fatal(err)
	}
	if m.Relationships != len(graph.Pairs()) || m.Elements != 36 {
		t.Fatalf("stored %d elements, %d relationships", m.Elements, m.Relationships)
	}
}

func TestDisallowedPairsAreRejected(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := graphtest.Store(t)
	base := pairFile(graphtest.ModelKey(t))
	n := 0
	for _, rt := range graph.RelTypes() {
		for _, from := range graph.Kinds() {
			for _, to := range graph.Kinds() {
				if graph.Allowed(rt, from, to) {
					continue
				}
				n++
				if n%9 != 0 { // a spread-out sample of the disallowed combinations
					continue
				}
				f := *base
				r := graph.Relationship{From: strings.ToLower(string(from)) + "-a", Type: rt, To: strings.ToLower(string(to)) + "-b"}
				f.Relationships = []graph.Relationship{r}
				_, err := s.Import(ctx, &f, graph.ImportOptions{})
				var ve *graph.ValidationError
				if !errors.As(err, &ve) || len(ve.Problems) != 1 || !strings.Contains(ve.Problems[0].Reason, "is not allowed") {
					t.Errorf("%s: got %v, want one 'is not allowed' problem", r.ID(), err)
				}
			}
		}
	}
	if _, err := s.ModelByKey(ctx, base.Model.Key); !errors.Is(err, graph.ErrNotFound) {
		t.Fatalf("rejected imports wrote the model: %v", err)
	}
}

func loadSeed(t *testing.T, name string) *graph.File {
	t.Helper()
	f, err := seed.File(name)
	if err != nil {
		t.Fatal(err)
	}
	f.Model.Key = graphtest.ModelKey(t)
	return f
}

func TestImportTwiceChangesNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := graphtest.Store(t)
	f := loadSeed(t, "lemonade-stand.yaml")
	first, err := s.Import(ctx, f, graph.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	before, _ := s.ModelByKey(ctx, f.Model.Key)
	second, err := s.Import(ctx, f, graph.ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	after, _ := s.ModelByKey(ctx, f.Model.Key)
	if first.Created != len(f.Elements) || first.RelCreated != len(f.Relationships) {
		t.Errorf("first import created %d/%d, want %d/%d", first.Created, first.RelCreated, len(f.Elements), len(f.Relationships))
	}
	if second.Changed() || second.Unchanged != len(f.Elements) || second.RelUnchanged != len(f.Relationships) {
		t.Errorf("second import report %+v, want everything unchanged", second)
	}
	if !reflect.DeepEqual(before, after) {
		t.Errorf("counts changed: %+v -> %+v", before, after)
	}
	e, err := s.Element(ctx, f.Model.Key, f.Elements[0].Key)
	if err != nil || e.Version != 1 {
		t.Errorf("element version after two imports = %d (%v), want 1", e.Version, err)
	}
}

func TestExportImportRoundTrip(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := graphtest.Store(t)
	for _, name := range seed.Names() {
		for _, format := range []graph.Format{graph.YAML, graph.JSON} {
			t.Run(name+"/"+string(format), func(t *testing.T) {
				f := loadSeed(t, name)
				if _, err := s.Import(ctx, f, graph.ImportOptions{}); err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				if err := s.Export(ctx, &buf, f.Model.Key, format); err != nil {
					t.Fatal(err)
				}
				back, err := graph.ParseFile(buf.Bytes(), format)
				if err != nil {
					t.Fatal(err)
				}
				back.Model.Key = graphtest.ModelKey(t)
				if _, err := s.Import(ctx, back, graph.ImportOptions{}); err != nil {
					t.Fatal(err)
				}
				a, err := s.ExportFile(ctx, f.Model.Key)
				if err != nil {
					t.Fatal(err)
				}
				b, err := s.ExportFile(ctx, back.Model.Key)
				if err != nil {
					t.Fatal(err)
				}
				a.Model.Key, b.Model.Key = "", ""
				for i := range a.Elements {
					a.Elements[i].Model = ""
				}
				for i := range b.Elements {
					b.Elements[i].Model = ""
				}
				if !reflect.DeepEqual(a, b) {
					t.Fatalf("graphs differ after export and import:\n%s", diffFiles(a, b))
				}
				if len(a.Elements) != len(f.Elements) || len(a.Relationships) != len(f.Relationships) {
					t.Fatalf("export has %d/%d, file had %d/%d", len(a.Elements), len(a.Relationships), len(f.Elements), len(f.Relationships))
				}
			})
		}
	}
}

func diffFiles(a, b *graph.File) string {
	var out strings.Builder
	shown := 0
	for i := range min(len(a.Elements), len(b.Elements)) {
		if !reflect.DeepEqual(a.Elements[i], b.Elements[i]) && shown < 5 {
			shown++
			fmt.Fprintf(&out, "element %d: %+v\n         vs %+v\n", i, a.Elements[i], b.Elements[i])
		}
	}
	fmt.Fprintf(&out, "elements %d vs %d, relationships %d vs %d", len(a.Elements), len(b.Elements), len(a.Relationships), len(b.Relationships))
	return out.String()
}

// Not parallel: it switches a package-wide fault on.
func TestFailedImportLeavesDatabaseAsItWas(t *testing.T) {
	ctx := context.Background()
	s := graphtest.Store(t)
	f := loadSeed(t, "lemonade-stand.yaml")
	keep := len(f.Elements) / 2
	full := *f
	f.Elements = f.Elements[:keep]
	f.Relationships = relsWithin(f.Relationships, f.Elements)
	if _, err := s.Import(ctx, f, graph.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	before, err := s.ExportFile(ctx, f.Model.Key)
	if err != nil {
		t.Fatal(err)
	}

	graph.SetFailAfterElements(true)
	_, err = s.Import(ctx, &full, graph.ImportOptions{})
	graph.SetFailAfterElements(false)
	if err == nil {
		t.Fatal("import with an injected failure succeeded")
	}
	after, err := s.ExportFile(ctx, f.Model.Key)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(before, after) {
		t.Fatalf("a failed import changed the model:\n%s", diffFiles(before, after))
	}

	// An invalid file is refused before anything is written, with every problem listed.
	bad := full
	bad.Elements = append([]graph.Element{{Key: "x-odd", Kind: "Widget", Name: "Odd"}}, full.Elements...)
	_, err = s.Import(ctx, &bad, graph.ImportOptions{})
	if !errors.Is(err, graph.ErrInvalid) {
		t.Fatalf("invalid import: err = %v, want ErrInvalid", err)
	}
	after, _ = s.ExportFile(ctx, f.Model.Key)
	if !reflect.DeepEqual(before, after) {
		t.Fatal("an invalid import changed the model")
	}
}

func relsWithin(rels []graph.Relationship, elems []graph.Element) []graph.Relationship {
	in := map[string]bool{}
	for _, e := range elems {
		in[e.Key] = true
	}
	var out []graph.Relationship
	for _, r := range rels {
		if in[r.From] && in[r.To] {
			out = append(out, r)
		}
	}
	return out
}

func TestReplaceRemovesWhatTheFileLacks(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := graphtest.Store(t)
	f := loadSeed(t, "lemonade-stand.yaml")
	if _, err := s.Import(ctx, f, graph.ImportOptions{}); err != nil {
		t.Fatal(err)
	}
	smaller := *f
	smaller.Elements = f.Elements[1:]
	smaller.Relationships = relsWithin(f.Relationships, smaller.Elements)
	dry, err := s.Import(ctx, &smaller, graph.ImportOptions{Mode: graph.Replace, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	rep, err := s.Import(ctx, &smaller, graph.ImportOptions{Mode: graph.Replace})
	if err != nil {
		t.Fatal(err)
	}
	rep.DryRun = true
	rep.ElementsWritten, rep.RelationshipsWritten = dry.ElementsWritten, dry.RelationshipsWritten
	if !reflect.DeepEqual(dry, rep) {
		t.Errorf("dry run %+v differs from the import %+v", dry, rep)
	}
	if rep.Deleted != 1 || rep.RelDeleted != len(f.Relationships)-len(smaller.Relationships) {
		t.Errorf("replace deleted %d elements, %d relationships", rep.Deleted, rep.RelDeleted)
	}
	if _, err := s.Element(ctx, f.Model.Key, f.Elements[0].Key); !errors.Is(err, graph.ErrNotFound) {
		t.Errorf("element the file lacks is still there: %v", err)
	}
}
