package resolvers

import (
	"context"
	"errors"
	"fmt"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/resolvers/auth"
)

// Error codes of refused requests.
const (
	CodeForbidden       = "FORBIDDEN"
	CodeUnauthenticated = auth.CodeUnauthenticated
)

// rule says what one root field needs. Every other field only reaches inside the model its root
// field named, so checking root fields checks everything.
type rule struct {
	// need is the role required on the model; auth.None means any authenticated caller.
	need auth.Role
	// arg names the argument holding the model key ("input" for a ModelInput's key); "" when
	// the field names no model.
	arg string
	// list marks a field returning models: the caller sees those it has a viewer grant for.
	list bool
	// creates marks a field that makes a new model: a caller with no grant on the key is told
	// FORBIDDEN (the key need not exist, so saying so leaks nothing).
	creates bool
	// document marks importModel: the model is the model argument or else the document's key,
	// and an import that would create the model needs the admin role.
	document bool
}

// rules is the authorization table: root field ("Type.field") to its rule. A field that is not
// here is refused, and the role matrix test fails for it.
var rules = map[string]rule{
	"Query.__schema":    {need: auth.None},
	"Query.__type":      {need: auth.None},
	"Query.metamodel":   {need: auth.None},
	"Query.models":      {need: auth.None, list: true},
	"Query.model":       {need: auth.Viewer, arg: "key"},
	"Query.element":     {need: auth.Viewer, arg: "model"},
	"Query.elements":    {need: auth.Viewer, arg: "model"},
	"Query.supporters":  {need: auth.Viewer, arg: "model"},
	"Query.impact":      {need: auth.Viewer, arg: "model"},
	"Query.path":        {need: auth.Viewer, arg: "model"},
	"Query.exportModel": {need: auth.Viewer, arg: "model"},
	"Query.changes":     {need: auth.Viewer, arg: "model"},

	"Subscription.changes": {need: auth.Viewer, arg: "model"},

	"Query.alignment":            {need: auth.Viewer, arg: "model"},
	"Query.exposure":             {need: auth.Viewer, arg: "model"},
	"Query.singleSourceExposure": {need: auth.Viewer, arg: "model"},
	"Query.economics":            {need: auth.Viewer, arg: "model"},

	"Mutation.upsertElement":  {need: auth.Editor, arg: "model"},
	"Mutation.upsertElements": {need: auth.Editor, arg: "model"},
	"Mutation.updateElement":  {need: auth.Editor, arg: "model"},
	"Mutation.deleteElement":  {need: auth.Editor, arg: "model"},
	"Mutation.link":           {need: auth.Editor, arg: "model"},
	"Mutation.unlink":         {need: auth.Editor, arg: "model"},
	"Mutation.importModel":    {need: auth.Editor, arg: "model", document: true},
	"Mutation.createModel":    {need: auth.Admin, arg: "input", creates: true},
	"Mutation.deleteModel":    {need: auth.Admin, arg: "key"},

	"Query.scenarios":         {need: auth.Viewer, arg: "model"},
	"Query.scenario":          {need: auth.Viewer, arg: "key"},
	"Query.compare":           {need: auth.Viewer}, // each side checked by the resolver
	"Mutation.createScenario": {need: auth.Editor, arg: "base"},
	"Mutation.mergeScenario":  {need: auth.Editor, arg: "key"},
	"Mutation.dropScenario":   {need: auth.Editor, arg: "key"},
}

// guard enforces the rules on every root field of queries, mutations and subscriptions.
type guard struct {
	store Store
	// open: a request without an identity gets the open identity (authentication off).
	open bool
}

var _ interface {
	graphql.HandlerExtension
	graphql.FieldInterceptor
} = guard{}

// ExtensionName names the guard among the handler's extensions.
func (guard) ExtensionName() string { return "Authorization" }

// Validate has nothing to check: the role matrix test checks the rules against the schema.
func (guard) Validate(graphql.ExecutableSchema) error { return nil }

func isRoot(object string) bool {
	return object == "Query" || object == "Mutation" || object == "Subscription"
}

func forbidden(format string, a ...any) error { return coded(CodeForbidden, format, a...) }

func coded(code, format string, a ...any) *gqlerror.Error {
	return &gqlerror.Error{Message: fmt.Sprintf(format, a...), Extensions: map[string]any{"code": code}}
}

// notFound is the answer for a model the caller has no grant for: the store's words for a model
// that does not exist.
func notFound(model string) error { return fmt.Errorf("model %q: %w", model, graph.ErrNotFound) }

// InterceptField checks root fields before they run and filters model lists after.
func (g guard) InterceptField(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || !isRoot(fc.Object) {
		return next(ctx)
	}
	id := auth.FromContext(ctx)
	if id == nil {
		if !g.open {
			return nil, coded(CodeUnauthenticated, "authentication required")
		}
		id = auth.Open()
	}
	name := fc.Object + "." + fc.Field.Name
	r, ok := rules[name]
	if !ok {
		return nil, forbidden("%s has no authorization rule", name)
	}
	if err := g.check(ctx, id, name, r, fc.Args); err != nil {
		return nil, err
	}
	res, err := next(ctx)
	if err != nil || !r.list {
		return res, err
	}
	return g.visible(id, res)
}

// check decides one root field for one caller.
func (g guard) check(ctx context.Context, id *auth.Identity, name string, r rule, args map[string]any) error {
	if r.arg == "" {
		if id.Best() < r.need {
			return forbidden("%s needs the %s role", name, r.need)
		}
		return nil
	}
	model := stringArg(args, r.arg)
	if r.document && model == "" {
		return g.checkDocument(ctx, id, name, args)
	}
	return g.checkModel(ctx, id, name, r, model)
}

func (g guard) checkModel(ctx context.Context, id *auth.Identity, name string, r rule, model string) error {
	have := id.On(model)
	if have < r.need && !r.creates && !r.document {
		if base := g.scenarioBase(ctx, model); base != "" {
			have = id.On(base) // a scenario: the caller's role on its base
		}
	}
	switch {
	case have == auth.None && r.creates:
		return forbidden("%s needs the %s role on model %q", name, r.need, model)
	case have == auth.None:
		return notFound(model)
	case have < r.need:
		return forbidden("%s needs the %s role on model %q; the caller is %s there", name, r.need, model, have)
	case r.document && have < auth.Admin:
		// An editor may import into an existing model, not create one.
		if _, err := g.store.Model(ctx, model); errors.Is(err, graph.ErrNotFound) {
			return forbidden("%s would create model %q, which needs the admin role", name, model)
		} else if err != nil {
			return err
		}
	}
	return nil
}

// checkDocument finds the model an importModel without a model argument writes to: the
// document's. A document that does not parse reaches the resolver, which reports its problems
// without touching the database, if the caller may import anywhere.
func (g guard) checkDocument(ctx context.Context, id *auth.Identity, name string, args map[string]any) error {
	format, _ := args["format"].(*DocumentFormat)
	doc, _ := args["document"].(string)
	file, err := parseDocument(doc, format)
	if err != nil || file.Model.Key == "" {
		if id.Best() < auth.Editor {
			return forbidden("%s needs the editor role", name)
		}
		return nil
	}
	return g.checkModel(ctx, id, name, rules[name], file.Model.Key)
}

// stringArg reads a model key argument: a key, an optional key or a ModelInput's key.
func stringArg(args map[string]any, name string) string {
	switch v := args[name].(type) {
	case string:
		return v
	case *string:
		if v != nil {
			return *v
		}
	case ModelInput:
		return v.Key
	case *ModelInput:
		if v != nil {
			return v.Key
		}
	}
	return ""
}

// visible keeps the models the caller may read, in a new batch so that counts and canvases are
// loaded for those alone.
func (g guard) visible(id *auth.Identity, res any) (any, error) {
	list, ok := res.([]*Model)
	if !ok {
		return nil, fmt.Errorf("authorization: cannot filter a %T by model", res)
	}
	var keep []graph.Model
	for _, m := range list {
		if id.On(m.m.Key) >= auth.Viewer {
			keep = append(keep, m.m)
		}
	}
	return newModels(g.store, keep), nil
}
