// Package resolvers is modelgraph's GraphQL layer: gqlgen's generated executor plus thin
// resolvers that parse arguments, call package graph and map its errors.
package resolvers

//go:generate go run ./internal/kindgen -root ..
//go:generate go -C .. tool gqlgen generate

import (
	"log/slog"

	"github.com/modelgraph/modelgraph/graph/feed"
	"github.com/modelgraph/modelgraph/graph/scenario"
)

// Resolver is the root resolver; it holds what every request shares.
type Resolver struct {
	Store Store
	Log   *slog.Logger
	// MaxImportElements bounds the elements of one import or upsertElements (0: no limit).
	MaxImportElements int
	// MaxDocumentBytes bounds the document of one importModel (0: no limit).
	MaxDocumentBytes int
	// Snapshots hands out models held in memory; traversals and analyses read them
	// (snapshots.go).
	Snapshots SnapshotSource
	// Past reads models as of past revisions (history.go); nil: none can be read.
	Past PastSource
	// Feed serves Subscription.changes (subscription.go).
	Feed *feed.Hub
	// ScenarioService reads, edits, compares and merges scenarios (scenario.go).
	ScenarioService *scenario.Service
}
