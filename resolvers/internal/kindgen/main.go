// Command kindgen writes what follows from the metamodel table in package graph: the GraphQL enums,
// one object type per kind and the Canvas type (schema/metamodel.graphqls), their Go types
// (resolvers/kinds_gen.go) and the metamodel tables of the documentation (docs/metamodel.md). Run
// it with go generate in package resolvers; a test fails when its output is stale.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/modelgraph/modelgraph/resolvers/internal/kindgen/gen"
)

func main() {
	root := flag.String("root", "..", "top folder of the checkout")
	flag.Parse()
	for path, text := range gen.Files() {
		full := filepath.Join(*root, path)
		if err := os.WriteFile(full, []byte(text), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "kindgen:", err)
			os.Exit(1)
		}
	}
}
