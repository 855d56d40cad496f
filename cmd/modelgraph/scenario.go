package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/engine"
	"github.com/modelgraph/modelgraph/graph/scenario"
	"github.com/modelgraph/modelgraph/graph/snapshots"
)

const scenarioUsage = `usage:
  modelgraph scenario create [-name NAME] BASE KEY   make a scenario of model BASE at its current revision
  modelgraph scenario list [BASE]                    list the scenarios (of BASE)
  modelgraph scenario diff [-format text|json] KEY   what the scenario changes in its base, and its effect
  modelgraph scenario merge [-dry-run] KEY           apply the scenario to its base and delete it
  modelgraph scenario drop KEY                       delete the scenario; the base is untouched`

// scenarioCmd runs the scenario subcommands.
func scenarioCmd(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return usageErr("name a subcommand\n%s", scenarioUsage)
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("scenario "+sub, flag.ContinueOnError)
	db := dbFlags(fs, e)
	var name, format *string
	var dry *bool
	want := 1
	switch sub {
	case "create":
		name = fs.String("name", "", "display name (default: the key)")
		want = 2
	case "list":
		want = -1
	case "diff":
		format = fs.String("format", "text", "text or json")
	case "merge":
		dry = fs.Bool("dry-run", false, "report what would change; write nothing")
	case "drop":
	default:
		return usageErr("unknown subcommand %q\n%s", sub, scenarioUsage)
	}
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	if want > 0 && fs.NArg() != want || want < 0 && fs.NArg() > 1 {
		return usageErr("wrong number of arguments\n%s", scenarioUsage)
	}
	if format != nil && *format != "text" && *format != "json" {
		return usageErr("-format must be text or json, got %q", *format)
	}
	store, closeDB, err := db.connect(ctx, e)
	if err != nil {
		return err
	}
	defer closeDB()
	ctx = graph.WithActor(ctx, cliActor(e))
	svc := scenario.New(store, snapshots.New(store, snapshots.Options{}))
	switch sub {
	case "create":
		n := *name
		if n == "" {
			n = fs.Arg(1)
		}
		sc, err := store.CreateScenario(ctx, fs.Arg(0), fs.Arg(1), n)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "scenario %s of %s at revision %d created\n", sc.Key, sc.Base, sc.BaseRevision)
	case "list":
		ss, err := store.Scenarios(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		for _, sc := range ss {
			fmt.Fprintf(e.stdout, "%-28s base %s at revision %d, %d changes, by %s  %s\n", sc.Key, sc.Base, sc.BaseRevision, sc.Items, sc.Actor, sc.Name)
		}
	case "diff":
		sc, err := store.Scenario(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		c, err := svc.Compare(ctx, scenario.Side{Model: sc.Base}, scenario.Side{Model: sc.Key}, nil)
		if err != nil {
			return err
		}
		return writeComparison(e.stdout, c, *format)
	case "merge":
		r, err := svc.Merge(ctx, fs.Arg(0), *dry)
		var ce *scenario.ConflictError
		if errors.As(err, &ce) {
			for _, c := range ce.Conflicts {
				fmt.Fprintf(e.stderr, "CONFLICT %s %s %s", c.Kind, strings.ToLower(c.Target), c.Key)
				if c.Field != "" {
					fmt.Fprintf(e.stderr, " %s: was %s, model %s, scenario %s", c.Field, show(c.Original), show(c.Base), show(c.Scenario))
				}
				fmt.Fprintf(e.stderr, ": %s\n", c.Reason)
			}
			return err
		}
		if err != nil {
			return err
		}
		verb := "merged into"
		if r.DryRun {
			verb = "would merge into"
		}
		fmt.Fprintf(e.stdout, "scenario %s %s %s (revision %d): elements %d created, %d updated, %d deleted; relationships %d created, %d updated, %d deleted\n",
			r.Scenario, verb, r.Base, r.Revision, r.Created, r.Updated, r.Deleted, r.RelationshipsCreated, r.RelationshipsUpdated, r.RelationshipsDeleted)
	case "drop":
		sc, err := store.DropScenario(ctx, fs.Arg(0))
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "scenario %s of %s dropped (%d changes)\n", sc.Key, sc.Base, sc.Items)
	}
	return nil
}

// diffCmd compares two model files, or two models or scenarios in the store (KEY or KEY@REVISION).
func diffCmd(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("diff", flag.ContinueOnError)
	db := dbFlags(fs, e)
	format := fs.String("format", "text", "text or json")
	if err := parseFlags(fs, e, args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return usageErr("name two model files, or two models or scenarios (KEY or KEY@REVISION)")
	}
	if *format != "text" && *format != "json" {
		return usageErr("-format must be text or json, got %q", *format)
	}
	var sides [2]*engine.Model
	var svc *scenario.Service
	for i, arg := range fs.Args() {
		if isFile(arg) {
			data, err := os.ReadFile(arg)
			if err != nil {
				return err
			}
			m, ps := engine.ParseFile(arg, data, graph.Limits{})
			if len(ps) > 0 {
				for _, p := range ps {
					fmt.Fprintln(e.stderr, p)
				}
				return fmt.Errorf("%s: %d problems: %w", arg, len(ps), graph.ErrInvalid)
			}
			sides[i] = m
			continue
		}
		side := scenario.Side{Model: arg}
		if k, rev, ok := strings.Cut(arg, "@"); ok {
			n, err := strconv.ParseInt(rev, 10, 64)
			if err != nil || n < 0 {
				return usageErr("%q: the revision after @ must be a number of 0 or more", arg)
			}
			side = scenario.Side{Model: k, Revision: &n}
		}
		if svc == nil {
			store, closeDB, err := db.connect(ctx, e)
			if err != nil {
				return err
			}
			defer closeDB()
			svc = scenario.New(store, snapshots.New(store, snapshots.Options{}))
		}
		m, err := svc.Resolve(ctx, side)
		if err != nil {
			return err
		}
		sides[i] = m
	}
	c, err := scenario.CompareModels(sides[0], sides[1], nil)
	if err != nil {
		return err
	}
	return writeComparison(e.stdout, c, *format)
}

// isFile says whether an argument names a model file rather than a model key: a key has no dot
// or slash.
func isFile(arg string) bool {
	if strings.ContainsAny(arg, "./\\") {
		return true
	}
	_, err := os.Stat(arg)
	return err == nil
}

func show(v any) string {
	if v == nil {
		return "(none)"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// money prints an amount plainly, to the cent: 39600000, 11476666.67.
func money(f float64) string { return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64) }

func moneyChange(c scenario.Change) string {
	d := money(c.Delta())
	if !strings.HasPrefix(d, "-") {
		d = "+" + d
	}
	return fmt.Sprintf("%s -> %s (%s)", money(c.Before), money(c.After), d)
}

// writeComparison prints a comparison as text or JSON.
func writeComparison(w io.Writer, c *scenario.Comparison, format string) error {
	if format == "json" {
		return writeComparisonJSON(w, c)
	}
	d := c.Delta
	fmt.Fprintf(w, "from %s (revision %d) to %s (revision %d)\n", c.From.Info().Key, c.From.Revision(), c.To.Info().Key, c.To.Revision())
	for _, f := range d.Model {
		fmt.Fprintf(w, "~ model %s: %s -> %s\n", f.Field, show(f.Before), show(f.After))
	}
	for _, k := range d.Added {
		id, _ := c.To.ID(k)
		fmt.Fprintf(w, "+ %s (%s) %s\n", k, c.To.Kind(id), c.To.Element(id).Name)
	}
	for _, k := range d.Removed {
		id, _ := c.From.ID(k)
		fmt.Fprintf(w, "- %s (%s) %s\n", k, c.From.Kind(id), c.From.Element(id).Name)
	}
	for _, ch := range d.Changed {
		for _, f := range ch.Fields {
			fmt.Fprintf(w, "~ %s %s: %s -> %s\n", ch.Key, f.Field, show(f.Before), show(f.After))
		}
	}
	for _, r := range d.RelAdded {
		fmt.Fprintf(w, "+ %s\n", r.ID())
	}
	for _, r := range d.RelRemoved {
		fmt.Fprintf(w, "- %s\n", r.ID())
	}
	for _, r := range d.RelChanged {
		for _, f := range r.Fields {
			fmt.Fprintf(w, "~ %s %s: %s -> %s\n", r.ID(), f.Field, show(f.Before), show(f.After))
		}
	}
	if d.Empty() {
		fmt.Fprintln(w, "no differences")
	}
	keys := make([]string, len(c.Impacted))
	for i, im := range c.Impacted {
		keys[i] = im.Element.Key
	}
	fmt.Fprintf(w, "impacted (%d): %s\n", len(keys), strings.Join(keys, ", "))
	for _, f := range c.Appeared {
		fmt.Fprintf(w, "finding appears: %s %s %s %s\n", f.Severity, f.Rule, orKind(f.Element, f.KindNamed), f.Message)
	}
	for _, f := range c.Resolved {
		fmt.Fprintf(w, "finding resolved: %s %s %s %s\n", f.Severity, f.Rule, orKind(f.Element, f.KindNamed), f.Message)
	}
	fmt.Fprintf(w, "revenue at risk from single sources: %s\n", moneyChange(c.RevenueAtRisk))
	for _, p := range c.Exposure {
		fmt.Fprintf(w, "  %s: %s\n", p.Partner, moneyChange(p.Revenue))
	}
	for _, v := range c.Economics {
		fmt.Fprintf(w, "economics %s:", v.Key)
		switch {
		case v.Before == nil:
			fmt.Fprintf(w, " new, revenue %s, cost %s, margin %s\n", money(v.After.AllocatedRevenue), money(v.After.AllocatedCost), money(v.After.Margin))
		case v.After == nil:
			fmt.Fprintf(w, " removed, was revenue %s, cost %s, margin %s\n", money(v.Before.AllocatedRevenue), money(v.Before.AllocatedCost), money(v.Before.Margin))
		default:
			fmt.Fprintf(w, " revenue %s, cost %s, margin %s\n", moneyChange(scenario.Change{Before: v.Before.AllocatedRevenue, After: v.After.AllocatedRevenue}),
				moneyChange(scenario.Change{Before: v.Before.AllocatedCost, After: v.After.AllocatedCost}), moneyChange(scenario.Change{Before: v.Before.Margin, After: v.After.Margin}))
		}
	}
	t := c.EconomicsTotals
	fmt.Fprintf(w, "economics totals: revenue %s, cost %s, margin %s\n", moneyChange(t[0]), moneyChange(t[1]), moneyChange(t[2]))
	return nil
}

func orKind(key string, k graph.Kind) string {
	if key == "" {
		return string(k)
	}
	return key
}

func writeComparisonJSON(w io.Writer, c *scenario.Comparison) error {
	type side struct {
		Model    string `json:"model"`
		Revision int64  `json:"revision"`
	}
	impacted := make([]map[string]any, len(c.Impacted))
	for i, im := range c.Impacted {
		s := "to"
		if !im.InTo {
			s = "from"
		}
		impacted[i] = map[string]any{"key": im.Element.Key, "kind": im.Element.Kind, "side": s}
	}
	change := func(x scenario.Change) map[string]float64 {
		return map[string]float64{"before": x.Before, "after": x.After, "delta": x.Delta()}
	}
	exposure := []map[string]any{}
	for _, p := range c.Exposure {
		exposure = append(exposure, map[string]any{"partner": p.Partner, "revenueAtRisk": change(p.Revenue), "streamsBefore": p.StreamsB, "streamsAfter": p.StreamsA})
	}
	econ := []map[string]any{}
	for _, v := range c.Economics {
		econ = append(econ, map[string]any{"valueProposition": v.Key, "before": v.Before, "after": v.After})
	}
	out := map[string]any{
		"from": side{c.From.Info().Key, c.From.Revision()}, "to": side{c.To.Info().Key, c.To.Revision()},
		"diff": c.Delta,
		"effect": map[string]any{
			"impacted": impacted, "findingsAppeared": c.Appeared, "findingsResolved": c.Resolved,
			"revenueAtRisk": change(c.RevenueAtRisk), "exposure": exposure, "economics": econ,
			"revenue": change(c.EconomicsTotals[0]), "cost": change(c.EconomicsTotals[1]), "margin": change(c.EconomicsTotals[2]),
		},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
