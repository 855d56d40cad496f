package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/archimate"
	"github.com/modelgraph/modelgraph/graph/lint"
)

// lintError carries the located problems of a model file.
type lintError struct{ problems []lint.Problem }

func (e *lintError) Error() string {
	return fmt.Sprintf("%v: %d problems", graph.ErrInvalid, len(e.problems))
}

func (e *lintError) Unwrap() error { return graph.ErrInvalid }

// readModelFile reads a model file (YAML or JSON, by extension or content). An invalid file gives
// a *lintError listing every problem with its place.
func readModelFile(path string) (*graph.File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if _, ps := lint.Check(path, data, graph.Limits{}); len(ps) > 0 {
		return nil, &lintError{ps}
	}
	var format graph.Format
	switch strings.ToLower(filepath.Ext(path)) {
	case ".json":
		format = graph.JSON
	case ".yaml", ".yml":
		format = graph.YAML
	}
	return graph.ParseFile(data, format)
}

// located turns any error of reading a file into located problems, for -format json.
func located(path string, err error) []lint.Problem {
	var le *lintError
	var ae *archimate.Error
	var ve *graph.ValidationError
	switch {
	case errors.As(err, &le):
		return le.problems
	case errors.As(err, &ae):
		out := make([]lint.Problem, len(ae.Problems))
		for i, p := range ae.Problems {
			out[i] = lint.FromEngine(p)
		}
		return out
	case errors.As(err, &ve):
		out := make([]lint.Problem, len(ve.Problems))
		for i, p := range ve.Problems {
			out[i] = lint.Problem{File: path, Path: p.Path, Key: p.Key, Field: p.Field, Message: p.Reason}
		}
		return out
	}
	return []lint.Problem{{File: path, Path: "document", Message: err.Error()}}
}

// validateReport is what validate -format json says about one file.
type validateReport struct {
	File          string         `json:"file"`
	Valid         bool           `json:"valid"`
	Model         string         `json:"model,omitempty"`
	Elements      int            `json:"elements"`
	Relationships int            `json:"relationships"`
	Problems      []lint.Problem `json:"problems"`
}

func writeValidateJSON(e *env, reports []validateReport) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]any{"files": reports})
}
