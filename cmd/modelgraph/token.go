package main

import (
	"context"
	"flag"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/resolvers/auth"
)

const tokenUsage = `usage:
  modelgraph token create -role viewer|editor|admin -model KEY|* [-name NAME]
  modelgraph token list
  modelgraph token revoke ID`

// tokenCmd manages API tokens; whoever can run it against the database is an administrator.
func tokenCmd(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usageErr("a token subcommand is needed\n%s", tokenUsage)
	}
	sub := map[string]command{"create": tokenCreate, "list": tokenList, "revoke": tokenRevoke}[args[0]]
	if sub == nil {
		return usageErr("unknown token subcommand %q\n%s", args[0], tokenUsage)
	}
	return sub(ctx, e, args[1:])
}

func tokenCreate(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("token create", flag.ContinueOnError)
	db := dbFlags(fs, e)
	role := fs.String("role", "", "viewer (reads), editor (also writes and imports) or admin (also creates and deletes models)")
	model := fs.String("model", "", "the model key the token is for, or * for every model")
	name := fs.String("name", "", "a name for the token, recorded as the actor of its changes (default its id)")
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErr("unexpected arguments %v\n%s", fs.Args(), tokenUsage)
	}
	if *role == "" || *model == "" {
		return usageErr("-role and -model are required\n%s", tokenUsage)
	}
	if _, err := auth.ParseRole(*role); err != nil {
		return usageErr("%v", err)
	}
	store, closeDB, err := db.connect(ctx, e)
	if err != nil {
		return err
	}
	defer closeDB()
	tok, secret, err := store.CreateToken(ctx, *name, *role, *model)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, secret)
	fmt.Fprintf(e.stderr, "created token %s (%s): %s on %s. The secret above is shown only this once; send it as Authorization: Bearer.\n",
		tok.ID, tok.Name, tok.Role, modelName(tok.Model))
	return nil
}

func modelName(m string) string {
	if m == graph.AllModels {
		return "every model"
	}
	return "model " + m
}

func tokenList(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("token list", flag.ContinueOnError)
	db := dbFlags(fs, e)
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	store, closeDB, err := db.connect(ctx, e)
	if err != nil {
		return err
	}
	defer closeDB()
	ts, err := store.Tokens(ctx)
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tNAME\tROLE\tMODEL\tCREATED\tREVOKED")
	for _, t := range ts {
		revoked := "-"
		if t.Revoked != nil {
			revoked = t.Revoked.Format(time.RFC3339)
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Name, t.Role, t.Model, t.Created.Format(time.RFC3339), revoked)
	}
	return w.Flush()
}

func tokenRevoke(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("token revoke", flag.ContinueOnError)
	db := dbFlags(fs, e)
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("name one token id to revoke\n%s", tokenUsage)
	}
	store, closeDB, err := db.connect(ctx, e)
	if err != nil {
		return err
	}
	defer closeDB()
	t, err := store.RevokeToken(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "revoked %s (%s); servers stop accepting it within %s (their token cache lifetime, at most %s)\n",
		t.ID, t.Name, auth.DefaultTokenCacheTTL, auth.MaxTokenCacheTTL)
	return nil
}
