// Package engine holds one model in memory and answers questions on it without a database:
// parsing model files with the place of every part, validation, diffs, and the traversals of the
// domain contract (scope, supporters, impact with attached elements, path, supporter counts).
//
// # The model
//
// A Model holds elements and relationships, a key-to-id map, and the adjacency in both
// directions in compressed sparse row form: for each element, a run of int32 neighbour ids with
// the relationship type as a small number and the relationship's id beside it. A Model is
// immutable once built and safe to share between goroutines; traversal buffers come from a pool
// per Model, with generation-stamped visited marks, so a search costs what it visits rather than
// the size of the model.
//
// Models come from three places:
//
//   - ParseFile reads a YAML or JSON model file, validates it with graph's rules (graph.Validate,
//     so the file, the store and the engine agree) and keeps line and column of every element,
//     relationship and field; each Problem carries them.
//   - A Builder takes elements and then relationships one at a time, the shape of a streaming
//     read from Neo4j (all elements, then all relationships, in one read transaction).
//   - Apply derives a new Model from an old one and a batch of Edits.
//
// # Snapshots (intended use by the store)
//
// The store keeps a cache of Models, one per model key, each tagged with the revision it was read
// at (Builder.SetRevision). Per request it reads the model's current revision (one cheap round
// trip); when the cached Model is older it reads the Change records above the cached revision,
// turns each into an Edit with EditOf, and calls Apply with the new revision. Apply shares every
// page of elements and relationships it does not touch, and when no element or relationship is
// added or removed it shares the adjacency too; otherwise it rebuilds the adjacency in time linear
// in the model's size, in memory. When Apply fails (a gap in the history) or the batch is larger
// than a rebuild would cost, the store builds the Model again from one streaming read. Old Models
// stay valid for readers that hold them: nothing in them is ever written.
//
// NodeIDs and RelIDs number elements and relationships inside one Model; a Model derived by Apply
// may number them differently, so keep keys, not ids, across revisions.
//
// Traversals take depths as given (0 means DefaultMaxDepth): the server's cap on depth is the
// caller's to enforce. Results are ordered by distance, then kind name, then key, like the Cypher
// traversals of graph.Store, and paths are built only when the options ask for them.
package engine
