package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/modelgraph/modelgraph/graph"
)

func backupCmd(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	db := dbFlags(fs, e)
	out := fs.String("o", "", "write the backup to this file (written whole or not at all); default standard output")
	var models []string
	fs.Func("model", "back up only this model (repeatable); default every model", func(k string) error {
		if !graph.ValidKey(k) {
			return fmt.Errorf("%q is not a model key", graph.Clip(k))
		}
		models = append(models, k)
		return nil
	})
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected arguments %v; name the output file with -o", fs.Args())
	}
	store, closeDB, err := db.connect(ctx, e)
	if err != nil {
		return err
	}
	defer closeDB()
	if *out == "" {
		rep, err := store.Backup(ctx, e.stdout, graph.BackupOptions{Models: models})
		if err != nil {
			return err
		}
		printBackupReport(e, "standard output", rep)
		return nil
	}
	rep, err := backupToFile(ctx, store, *out, models)
	if err != nil {
		return err
	}
	printBackupReport(e, *out, rep)
	return nil
}

// backupToFile writes the backup next to path and renames it into place once complete, so that
// path never holds a partial backup.
func backupToFile(ctx context.Context, store *graph.Store, path string, models []string) (*graph.BackupReport, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".partial-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	rep, err := store.Backup(ctx, tmp, graph.BackupOptions{Models: models})
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return nil, err
	}
	return rep, nil
}

func printBackupReport(e *env, where string, r *graph.BackupReport) {
	fmt.Fprintf(e.stderr, "backed up %d models (%d elements, %d relationships, %d changes) to %s\n",
		r.Models, r.Elements, r.Relationships, r.Changes, where)
	for _, k := range r.Gone {
		fmt.Fprintf(e.stderr, "model %s was deleted while the backup ran; it is not in the backup\n", k)
	}
}

func restoreCmd(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	db := dbFlags(fs, e)
	force := fs.Bool("force", false, "replace every model the store holds (with its history) by the backup's, in the same transaction; API tokens are kept")
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("name one backup file (made by modelgraph backup)")
	}
	path := fs.Arg(0)
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	store, closeDB, err := db.connect(ctx, e)
	if err != nil {
		return err
	}
	defer closeDB()
	rep, err := store.Restore(ctx, fh, graph.RestoreOptions{Name: path, Force: *force})
	var ne *graph.StoreNotEmptyError
	if errors.As(err, &ne) {
		return fmt.Errorf("%w; nothing was restored. Use -force to replace them, or restore into another store", err)
	}
	if err != nil {
		return fmt.Errorf("%w; nothing was restored", err)
	}
	if rep.Replaced > 0 {
		fmt.Fprintf(e.stdout, "replaced %d models\n", rep.Replaced)
	}
	fmt.Fprintf(e.stdout, "restored %d models (%d elements, %d relationships, %d changes) from %s\n",
		rep.Models, rep.Elements, rep.Relationships, rep.Changes, path)
	return nil
}
