package resolvers

import (
	"context"
	"io"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/feed"
	"github.com/modelgraph/modelgraph/graph/snapshots"
)

// Store is what the GraphQL layer needs of the system of record: the methods of Store it
// calls, grouped by concern. Store implements it.
type Store interface {
	ModelStore
	ElementReader
	Traverser
	Writer
	HistoryReader
	ScenarioStore
	// Ready reports whether the database can serve (/readyz).
	Ready(ctx context.Context) error
}

// ModelStore lists, reads, counts, creates and deletes models.
type ModelStore interface {
	ListModels(ctx context.Context) ([]graph.Model, error)
	Model(ctx context.Context, key string) (graph.Model, error)
	ModelByKey(ctx context.Context, key string) (graph.ModelSummary, error)
	ModelCounts(ctx context.Context, keys []string) (map[string]graph.ModelSummary, error)
	CreateModel(ctx context.Context, m graph.Model) (graph.ModelSummary, error)
	DeleteModel(ctx context.Context, key string) error
}

// ElementReader reads elements and the relationships around them.
type ElementReader interface {
	Element(ctx context.Context, model, key string) (graph.Element, error)
	ListElements(ctx context.Context, q graph.ElementQuery) (*graph.ElementPage, error)
	ElementsOfKinds(ctx context.Context, models []string, kinds []graph.Kind) (map[string][]graph.Element, error)
	Neighbours(ctx context.Context, refs []graph.Ref, dir graph.Direction) (map[graph.Ref][]graph.Link, error)
}

// Traverser runs the traversals in Cypher (when snapshots are off, and for what snapshots do not
// answer) and bounds their depth.
type Traverser interface {
	MaxDepth() int
	CheckDepth(d *int) (int, error)
	Supporters(ctx context.Context, roots []graph.Ref, kinds []graph.Kind, maxDepth *int) (map[graph.Ref][]graph.Reached, error)
	SupportersOf(ctx context.Context, ref graph.Ref, kinds []graph.Kind, maxDepth *int) ([]graph.Reached, error)
	SupporterCounts(ctx context.Context, roots []graph.Ref, kinds []graph.Kind, maxDepth *int) (map[graph.Ref]int, error)
	Impact(ctx context.Context, ref graph.Ref, maxDepth *int, types []graph.RelType) (*graph.Impact, error)
	Attachments(ctx context.Context, im *graph.Impact) ([]graph.Attachment, error)
	Path(ctx context.Context, model, from, to string, maxDepth *int) ([]graph.Step, bool, error)
}

// Writer changes models: imports and exports of whole files, and edits of elements and
// relationships.
type Writer interface {
	Import(ctx context.Context, f *graph.File, opt graph.ImportOptions) (*graph.ImportReport, error)
	Export(ctx context.Context, w io.Writer, key string, format graph.Format) error
	ExportFile(ctx context.Context, key string) (*graph.File, error)
	UpsertElements(ctx context.Context, model string, elems []graph.Element, lim graph.Limits) ([]graph.Element, error)
	UpdateElement(ctx context.Context, model, key string, patch graph.ElementPatch, expectedVersion *int64) (graph.Element, error)
	DeleteElement(ctx context.Context, model, key string, detach bool, expectedVersion *int64) (int, error)
	Link(ctx context.Context, model string, r graph.Relationship) (from, to graph.Element, err error)
	Unlink(ctx context.Context, model string, r graph.Relationship) error
}

// HistoryReader reads the change log: pages of changes, an element's history, and what the
// snapshot cache and the change feed read.
type HistoryReader interface {
	Changes(ctx context.Context, q graph.ChangeQuery) (*graph.ChangePage, error)
	ElementHistory(ctx context.Context, refs []graph.Ref, first int) (map[graph.Ref][]graph.Change, error)
	snapshots.Source
	feed.Source
}

// ScenarioStore reads, creates and drops scenarios. Their edits, comparisons and merges go
// through package scenario, which works on a Store (see withScenarios).
type ScenarioStore interface {
	Scenario(ctx context.Context, key string) (graph.Scenario, error)
	Scenarios(ctx context.Context, base string) ([]graph.Scenario, error)
	CreateScenario(ctx context.Context, base, key, name string) (graph.Scenario, error)
	DropScenario(ctx context.Context, key string) (graph.Scenario, error)
}

var _ Store = (*graph.Store)(nil)
