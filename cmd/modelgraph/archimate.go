package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/archimate"
)

// sniffBytes is how much of a file is read to tell an ArchiMate exchange file from a model file.
const sniffBytes = 64 << 10

// readAnyModelFile reads a model file (YAML or JSON) or, told apart by its content, an ArchiMate
// exchange file. The exchange import's report goes to standard output, a line per finding.
func readAnyModelFile(e *env, path string, lenient bool) (*graph.File, error) {
	head, err := readHead(path, sniffBytes)
	if err != nil {
		return nil, err
	}
	if !archimate.IsExchange(head) {
		return readModelFile(path)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, rep, err := archimate.Import(data, archimate.Options{Name: path, Lenient: lenient})
	if err != nil {
		return nil, err
	}
	for _, line := range rep.Lines() {
		fmt.Fprintf(e.stdout, "%s: archimate: %s\n", path, line)
	}
	return f, nil
}

func readHead(path string, n int64) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	return io.ReadAll(io.LimitReader(fh, n))
}

// printExchangeProblems writes the located problems of an exchange file, one a line; it reports
// whether err was such a problem list.
func printExchangeProblems(e *env, path string, err error) bool {
	var ae *archimate.Error
	if !errors.As(err, &ae) {
		return false
	}
	fmt.Fprintf(e.stderr, "%s: %d problems\n", path, len(ae.Problems))
	for _, p := range ae.Problems {
		fmt.Fprintln(e.stderr, p.String())
	}
	return true
}

// exportArchimate writes a stored model as an ArchiMate exchange file.
func exportArchimate(ctx context.Context, w io.Writer, store *graph.Store, key string) error {
	f, err := store.ExportFile(ctx, key)
	if err != nil {
		return err
	}
	return archimate.Export(w, f)
}
