package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

const usage = `modelgraph: business model and operating model as one graph, queried through GraphQL.

Usage:
  modelgraph serve [flags]            GraphQL API at /graphql and playground at /
  modelgraph import [flags] FILE...   import model files (YAML, JSON or ArchiMate exchange), all or nothing per file
  modelgraph export [flags] MODEL     write a model as a model file (or -format archimate) to standard output
  modelgraph validate FILE...         check model files without a database
  modelgraph models [flags]           list the models with their element counts
  modelgraph backup [-o FILE]         write every model with its history to a backup file (see docs/backup.md)
  modelgraph restore [-force] FILE    restore a backup into an empty store, all or nothing
  modelgraph neo4j [flags]            run the embedded Neo4j until interrupted
  modelgraph token create|list|revoke manage API tokens (see docs/security.md)
  modelgraph scenario create|list|diff|merge|drop   what-if scenarios of a model (see docs/scenarios.md)
  modelgraph diff A B                 compare two model files, or models and scenarios (KEY or KEY@REVISION)

Without NEO4J_URI, modelgraph starts (or reuses) the embedded Neo4j on 127.0.0.1.
Run "modelgraph COMMAND -h" for a command's flags.
`

// exitUsage is the exit code for bad flags or arguments; exitFail for everything else.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

type command func(ctx context.Context, env *env, args []string) error

// env is what every subcommand gets: where to write, how to read configuration, how to log.
type env struct {
	getenv func(string) string
	stdout io.Writer
	stderr io.Writer
	log    *slog.Logger
}

// errUsage marks an error whose message is about how the command was called.
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	if args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		fmt.Fprint(stdout, usage)
		return exitOK
	}
	cmds := map[string]command{
		"serve":    serveCmd,
		"import":   importCmd,
		"export":   exportCmd,
		"validate": validateCmd,
		"check":    checkCmd,
		"models":   modelsCmd,
		"neo4j":    neo4jCmd,
		"token":    tokenCmd,
		"backup":   backupCmd,
		"restore":  restoreCmd,
		"scenario": scenarioCmd,
		"diff":     diffCmd,
	}
	cmd, ok := cmds[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "modelgraph: unknown command %q\n\n%s", args[0], usage)
		return exitUsage
	}
	log, err := newLogger(stderr, getenv("LOG_FORMAT"), getenv("LOG_LEVEL"))
	if err != nil {
		fmt.Fprintf(stderr, "modelgraph %s: %v\n", args[0], err)
		return exitUsage
	}
	e := &env{getenv: getenv, stdout: stdout, stderr: stderr, log: log}
	err = cmd(ctx, e, args[1:])
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, new(*flagError)):
		return exitUsage // the flag package has printed the error and the flags
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "modelgraph %s: %v\n", args[0], err)
		return exitUsage
	default:
		fmt.Fprintf(stderr, "modelgraph %s: %v\n", args[0], err)
		return exitFail
	}
}

func logLevel(s string) slog.Level {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// usageErr wraps a message as a usage error.
func usageErr(format string, a ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errUsage}, a...)...)
}
