package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/lint"
	"github.com/modelgraph/modelgraph/graph/snapshots"
)

func validateCmd(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	lenient := fs.Bool("lenient", false, "ArchiMate files: skip and list relationships our metamodel refuses")
	format := fs.String("format", "text", "output: text (file:line:col: problem, one a line) or json (for editors and CI)")
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return usageErr("-format %q: want text or json", *format)
	}
	if fs.NArg() == 0 {
		return usageErr("name at least one model file")
	}
	failed := 0
	reports := []validateReport{}
	for _, path := range fs.Args() {
		f, err := readAnyModelFile(e, path, *lenient)
		if err == nil {
			if ps := graph.Validate(f, graph.Limits{}); len(ps) > 0 {
				err = &graph.ValidationError{Problems: ps}
			}
		}
		r := validateReport{File: path, Problems: []lint.Problem{}}
		if err != nil {
			failed++
			r.Problems = located(path, err)
		} else {
			r.Valid, r.Model, r.Elements, r.Relationships = true, f.Model.Key, len(f.Elements), len(f.Relationships)
		}
		reports = append(reports, r)
		switch {
		case *format == "json":
		case err != nil:
			printProblems(e, path, err)
		default:
			fmt.Fprintf(e.stdout, "%s: ok, model %s, %d elements, %d relationships\n", path, f.Model.Key, len(f.Elements), len(f.Relationships))
		}
	}
	if *format == "json" {
		if err := writeValidateJSON(e, reports); err != nil {
			return err
		}
	}
	if failed > 0 {
		return fmt.Errorf("%d of %d files invalid", failed, fs.NArg())
	}
	return nil
}

// printProblems writes one line per problem, each prefixed by the file name.
func printProblems(e *env, path string, err error) {
	if printExchangeProblems(e, path, err) {
		return
	}
	var le *lintError
	if errors.As(err, &le) {
		fmt.Fprintf(e.stderr, "%s: %d problems\n", path, len(le.problems))
		for _, p := range le.problems {
			fmt.Fprintln(e.stderr, p)
		}
		return
	}
	var ve *graph.ValidationError
	if errors.As(err, &ve) {
		fmt.Fprintf(e.stderr, "%s: %d problems\n", path, len(ve.Problems))
		for _, p := range ve.Problems {
			fmt.Fprintf(e.stderr, "%s: %s\n", path, p)
		}
		return
	}
	fmt.Fprintf(e.stderr, "%s: %v\n", path, err)
}

func importCmd(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	db := dbFlags(fs, e)
	modelKey := fs.String("model", "", "import under this model key instead of the file's (one file only)")
	mode := fs.String("mode", "MERGE", "MERGE upserts by key; REPLACE makes the model exactly the file")
	dryRun := fs.Bool("dry-run", false, "report what would change and write nothing")
	noHistory := fs.Bool("no-history", false, "do not record the changes in the history (bulk loads)")
	lenient := fs.Bool("lenient", false, "ArchiMate files: skip and list relationships our metamodel refuses")
	progress := fs.String("progress", "auto", "show the progress of large imports on stderr: auto (when stderr is a terminal), on, off")
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageErr("name at least one model file")
	}
	showProgress, redraw, err := progressMode(*progress, e.stderr)
	if err != nil {
		return err
	}
	if *modelKey != "" && fs.NArg() > 1 {
		return usageErr("-model takes one file")
	}
	m := graph.ImportMode(strings.ToUpper(*mode))
	if m != graph.Merge && m != graph.Replace {
		return usageErr("-mode must be MERGE or REPLACE, got %q", *mode)
	}
	files := make([]*graph.File, fs.NArg())
	bad := 0
	for i, path := range fs.Args() {
		f, err := readAnyModelFile(e, path, *lenient)
		if err == nil {
			if *modelKey != "" {
				f.Model.Key = *modelKey
			}
			if ps := graph.Validate(f, graph.Limits{}); len(ps) > 0 {
				err = &graph.ValidationError{Problems: ps}
			}
		}
		if err != nil {
			bad++
			printProblems(e, path, err)
		}
		files[i] = f
	}
	if bad > 0 {
		return fmt.Errorf("%d of %d files invalid; nothing was imported", bad, len(files))
	}
	store, closeDB, err := db.connect(ctx, e)
	if err != nil {
		return err
	}
	defer closeDB()
	ctx = graph.WithActor(ctx, cliActor(e))
	for i, f := range files {
		opt := graph.ImportOptions{Mode: m, DryRun: *dryRun, NoHistory: *noHistory}
		var line *progressLine
		if showProgress {
			line = newProgressLine(e.stderr, fs.Arg(i), redraw)
			opt.OnProgress = line.report
		}
		rep, err := store.Import(ctx, f, opt)
		if line != nil {
			line.done()
		}
		if err != nil {
			printProblems(e, fs.Arg(i), err)
			return fmt.Errorf("import of %s failed; it wrote nothing", fs.Arg(i))
		}
		printReport(e, fs.Arg(i), rep)
	}
	return nil
}

func printReport(e *env, path string, r *graph.ImportReport) {
	verb := "imported"
	if r.DryRun {
		verb = "would import (dry run)"
	}
	fmt.Fprintf(e.stdout, "%s: %s model %s: elements %d created, %d updated, %d unchanged, %d deleted; relationships %d created, %d updated, %d unchanged, %d deleted\n",
		path, verb, r.Model, r.Created, r.Updated, r.Unchanged, r.Deleted, r.RelCreated, r.RelUpdated, r.RelUnchanged, r.RelDeleted)
}

func exportCmd(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	db := dbFlags(fs, e)
	format := fs.String("format", "yaml", "yaml, json or archimate (ArchiMate exchange file)")
	revision := fs.Int64("revision", 0, "write the model as it was after this revision, rebuilt from the change history (0: as it is now)")
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("name one model key")
	}
	if *revision < 0 {
		return usageErr("-revision must be a revision of the model (1 or more), got %d", *revision)
	}
	if *revision > 0 && strings.EqualFold(*format, "archimate") {
		return usageErr("-revision writes a model file (yaml or json), not -format archimate")
	}
	if strings.EqualFold(*format, "archimate") {
		store, closeDB, err := db.connect(ctx, e)
		if err != nil {
			return err
		}
		defer closeDB()
		return exportArchimate(ctx, e.stdout, store, fs.Arg(0))
	}
	f, err := graph.ParseFormat(*format)
	if err != nil {
		return usageErr("%v", err)
	}
	store, closeDB, err := db.connect(ctx, e)
	if err != nil {
		return err
	}
	defer closeDB()
	if *revision > 0 {
		m, err := snapshots.New(store, snapshots.Options{}).AsOf(ctx, fs.Arg(0), *revision)
		if err != nil {
			return err
		}
		return graph.Encode(e.stdout, m.File(), f)
	}
	return store.Export(ctx, e.stdout, fs.Arg(0), f)
}

func modelsCmd(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("models", flag.ContinueOnError)
	db := dbFlags(fs, e)
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	store, closeDB, err := db.connect(ctx, e)
	if err != nil {
		return err
	}
	defer closeDB()
	ms, err := store.Models(ctx)
	if err != nil {
		return err
	}
	for _, m := range ms {
		fmt.Fprintf(e.stdout, "%-28s %5d elements %5d relationships  %s\n", m.Key, m.Elements, m.Relationships, m.Name)
	}
	return nil
}

func neo4jCmd(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("neo4j", flag.ContinueOnError)
	db := dbFlags(fs, e)
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	if db.uri != "" {
		return usageErr("NEO4J_URI is set; the embedded Neo4j is only for when it is not")
	}
	_, closeDB, err := db.connect(ctx, e)
	if err != nil {
		return err
	}
	defer closeDB()
	fmt.Fprintln(e.stdout, "embedded Neo4j running; press Ctrl-C to stop it")
	<-ctx.Done()
	return nil
}

// cliActor names the person behind a command-line import in the change history.
func cliActor(e *env) string {
	if u := e.getenv("USER"); u != "" {
		return "cli:" + u
	}
	return "cli"
}
