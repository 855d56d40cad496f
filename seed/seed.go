// Package seed holds the demo models as model files and loads them through the same import code
// users run.
package seed

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"

	"github.com/modelgraph/modelgraph/graph"
)

//go:embed *.yaml
var files embed.FS

// Names returns the demo model file names in order.
func Names() []string {
	ents, _ := fs.Glob(files, "*.yaml")
	sort.Strings(ents)
	return ents
}

// File parses one demo model file by name.
func File(name string) (*graph.File, error) {
	data, err := files.ReadFile(name)
	if err != nil {
		return nil, err
	}
	f, err := graph.ParseFile(data, graph.YAML)
	if err != nil {
		return nil, fmt.Errorf("demo model %s: %w", name, err)
	}
	return f, nil
}

// Files parses every demo model.
func Files() ([]*graph.File, error) {
	var out []*graph.File
	for _, n := range Names() {
		f, err := File(n)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}

// LoadMissing imports each demo model that the database does not hold yet. A demo model that is
// already there is left as it is, so an analyst's edits survive a restart.
func LoadMissing(ctx context.Context, s *graph.Store) ([]*graph.ImportReport, error) {
	fs, err := Files()
	if err != nil {
		return nil, err
	}
	var reps []*graph.ImportReport
	for _, f := range fs {
		_, err := s.ModelByKey(ctx, f.Model.Key)
		if err == nil {
			continue
		}
		if !errors.Is(err, graph.ErrNotFound) {
			return reps, err
		}
		rep, err := s.Import(ctx, f, graph.ImportOptions{})
		if err != nil {
			return reps, fmt.Errorf("load demo model %s: %w", f.Model.Key, err)
		}
		reps = append(reps, rep)
	}
	return reps, nil
}
