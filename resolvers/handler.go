package resolvers

import (
	"log/slog"
	"net/http"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/resolvers/playground"
)

// NewHandler serves the GraphQL API at /graphql and the playground at /.
func NewHandler(store *graph.Store, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", playground.Handler())
	return mux
}
