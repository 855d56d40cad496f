package resolvers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/analysis"
	"github.com/modelgraph/modelgraph/graph/engine"
)

// Explaining paths are most of an analysis answer: all of singleSourceExposure on a large model
// returns tens of thousands of paths and their steps. Marshalled field by field, each step and
// each of its two elements costs a goroutine, a field context per field and several allocations;
// so a path whose selection asks only for plain fields of the steps and their elements (key,
// kind, name, type, properties, ...) is written straight to JSON, exactly as the generated code
// would write it, and a step already written is written again from its bytes. Any other
// selection (a relationship or a search under a step's element) takes the generated code.

// RenderedList is a list already written as JSON when its field was resolved.
type RenderedList struct{ b []byte }

// MarshalGQL writes the list.
func (r *RenderedList) MarshalGQL(w io.Writer) { w.Write(r.b) }

// UnmarshalGQL refuses: a rendered list is an answer, never an argument.
func (r *RenderedList) UnmarshalGQL(any) error {
	return errors.New("a rendered list is output only")
}

// renderFast turns the direct writer on; tests turn it off to compare it with the generated code.
var renderFast = true

// elemField is a plain field of an element, as the direct writer writes it.
type elemField int

const (
	efTypename elemField = iota
	efKey
	efKind
	efCategory
	efName
	efDescription
	efTags
	efProperties
	efModel
	efVersion
)

var elemFields = map[string]elemField{
	"__typename": efTypename, "key": efKey, "kind": efKind, "category": efCategory, "name": efName,
	"description": efDescription, "tags": efTags, "properties": efProperties, "model": efModel, "version": efVersion,
}

type planField[T any] struct {
	alias string
	what  T
}

// elemPlan is how to write the elements of one selection, per kind (fragments may differ by
// kind); ok false for a kind means the selection needs the generated code.
type elemPlan struct {
	sel    ast.SelectionSet
	mu     sync.Mutex
	byKind map[graph.Kind]*kindPlan
	// written is each element of the model as written with this selection, by id, for the
	// steps of explaining paths: most elements are in many steps.
	written []writtenElem
}

// writtenElem is an element as written, with the number of fields it resolved.
type writtenElem struct {
	b      []byte
	fields int
}

type kindPlan struct {
	ok     bool
	fields []planField[elemField]
}

// stepField is a field of Step.
type stepField int

const (
	sfTypename stepField = iota
	sfFrom
	sfType
	sfTo
	sfProperties
)

// stepPlan is how to write the steps of one selection. A step is written straight from the
// analysis' step (no Step object is made); the elements of steps are written once per operation
// and selection and copied from their bytes after.
type stepPlan struct {
	ok       bool
	fields   []planField[stepField]
	props    bool // properties is asked for
	from, to *elemPlan
}

// plain reports whether a field takes no arguments and carries no directive: the direct writer
// answers only such fields (a directive such as @skip is already applied by CollectFields, but
// @defer is left to the generated code).
func plain(f graphql.CollectedField) bool {
	return len(f.Arguments) == 0 && !f.IsDeferred() && len(f.Selections) == 0
}

func (p *elemPlan) forKind(oc *graphql.OperationContext, k graph.Kind) *kindPlan {
	p.mu.Lock()
	defer p.mu.Unlock()
	if kp, ok := p.byKind[k]; ok {
		return kp
	}
	kp := &kindPlan{ok: true}
	for _, f := range graphql.CollectFields(oc, p.sel, []string{string(k), "Element"}) {
		w, known := elemFields[f.Name]
		if !known || !plain(f) {
			kp = &kindPlan{}
			break
		}
		kp.fields = append(kp.fields, planField[elemField]{alias: f.Alias, what: w})
	}
	p.byKind[k] = kp
	return kp
}

func newStepPlan(oc *graphql.OperationContext, sel ast.SelectionSet) *stepPlan {
	p := &stepPlan{ok: true}
	for _, f := range graphql.CollectFields(oc, sel, stepImplementors) {
		if len(f.Arguments) != 0 || f.IsDeferred() {
			return &stepPlan{}
		}
		switch f.Name {
		case "__typename":
			p.fields = append(p.fields, planField[stepField]{f.Alias, sfTypename})
		case "type":
			p.fields = append(p.fields, planField[stepField]{f.Alias, sfType})
		case "properties":
			p.fields = append(p.fields, planField[stepField]{f.Alias, sfProperties})
			p.props = true
		case "from":
			p.fields = append(p.fields, planField[stepField]{f.Alias, sfFrom})
			p.from = &elemPlan{sel: f.Selections, byKind: map[graph.Kind]*kindPlan{}}
		case "to":
			p.fields = append(p.fields, planField[stepField]{f.Alias, sfTo})
			p.to = &elemPlan{sel: f.Selections, byKind: map[graph.Kind]*kindPlan{}}
		default:
			return &stepPlan{}
		}
	}
	return p
}

// stepPlanFor returns the operation's plan for a selection of steps, made once per selection.
func (o *memo) stepPlanFor(oc *graphql.OperationContext, sel ast.SelectionSet) *stepPlan {
	return plan(o, sel, func() *stepPlan { return newStepPlan(oc, sel) })
}

func writeString(buf *bytes.Buffer, s string) { graphql.MarshalString(s).MarshalGQL(buf) }

// write writes one step and returns the number of fields it resolved (__typename is not
// resolved, as in the generated code); ok is false when an element of the step needs the
// generated code.
func (p *stepPlan) write(a *analysed, oc *graphql.OperationContext, buf *bytes.Buffer, s analysis.Step) (fields int, ok bool) {
	from, ok1 := a.snap.ID(s.From)
	to, ok2 := a.snap.ID(s.To)
	if !ok1 || !ok2 {
		panic(fmt.Sprintf("resolvers: analysis returned step %s -%s-> %s, not in model %q", s.From, s.Type, s.To, a.snap.Info().Key))
	}
	n := 0
	buf.WriteByte('{')
	for i, f := range p.fields {
		if i > 0 {
			buf.WriteByte(',')
		}
		writeString(buf, f.alias)
		buf.WriteByte(':')
		if f.what != sfTypename {
			n++
		}
		switch f.what {
		case sfTypename:
			writeString(buf, "Step")
		case sfType:
			writeString(buf, string(s.Type))
		case sfProperties:
			props := map[string]any{}
			if id, ok := a.snap.FindRel(from, s.Type, to); ok {
				props = jsonMap(a.snap.Relationship(id).Properties)
			}
			graphql.MarshalMap(props).MarshalGQL(buf)
		case sfFrom, sfTo:
			ep, id := p.from, from
			if f.what == sfTo {
				ep, id = p.to, to
			}
			m, ok := ep.writeID(a, oc, buf, id)
			if !ok {
				return 0, false
			}
			n += m
		}
	}
	buf.WriteByte('}')
	return n, true
}

// writeID writes an element of the model by id, from its bytes once it was written.
func (p *elemPlan) writeID(a *analysed, oc *graphql.OperationContext, buf *bytes.Buffer, id engine.NodeID) (fields int, ok bool) {
	p.mu.Lock()
	if p.written == nil {
		p.written = make([]writtenElem, a.snap.Len())
	}
	w := p.written[id]
	p.mu.Unlock()
	if w.b != nil {
		buf.Write(w.b)
		return w.fields, true
	}
	kp := p.forKind(oc, a.snap.Kind(id))
	if !kp.ok {
		return 0, false
	}
	e := a.snap.Element(id)
	start := buf.Len()
	n := writeElem(buf, kp, &e)
	p.mu.Lock()
	p.written[id] = writtenElem{b: bytes.Clone(buf.Bytes()[start:]), fields: n}
	p.mu.Unlock()
	return n, true
}

// writeElem writes one element and returns the number of fields it resolved.
func writeElem(buf *bytes.Buffer, kp *kindPlan, e *graph.Element) int {
	buf.WriteByte('{')
	count := 0
	for i, f := range kp.fields {
		if i > 0 {
			buf.WriteByte(',')
		}
		writeString(buf, f.alias)
		buf.WriteByte(':')
		if f.what != efTypename {
			count++
		}
		switch f.what {
		case efTypename, efKind:
			writeString(buf, string(e.Kind))
		case efKey:
			writeString(buf, e.Key)
		case efCategory:
			writeString(buf, string(graph.CategoryOf(e.Kind)))
		case efName:
			writeString(buf, e.Name)
		case efDescription:
			if e.Description == "" {
				buf.WriteString("null")
			} else {
				writeString(buf, e.Description)
			}
		case efTags:
			buf.WriteByte('[')
			for j, t := range e.Tags {
				if j > 0 {
					buf.WriteByte(',')
				}
				writeString(buf, t)
			}
			buf.WriteByte(']')
		case efProperties:
			graphql.MarshalMap(jsonMap(e.Properties)).MarshalGQL(buf)
		case efModel:
			writeString(buf, e.Model)
		case efVersion:
			graphql.MarshalInt(int(e.Version)).MarshalGQL(buf)
		}
	}
	buf.WriteByte('}')
	return count
}

// writeSteps writes a path and returns the number of fields it resolved; ok is false when a
// step needs the generated code (what was written is then to be thrown away).
func (p *stepPlan) writeSteps(a *analysed, oc *graphql.OperationContext, buf *bytes.Buffer, steps []analysis.Step) (fields int, ok bool) {
	if !p.ok {
		return 0, false
	}
	buf.WriteByte('[')
	n := 0
	for i, s := range steps {
		if i > 0 {
			buf.WriteByte(',')
		}
		m, ok := p.write(a, oc, buf, s)
		if !ok {
			return 0, false
		}
		n += m
	}
	buf.WriteByte(']')
	return n, true
}

// counted answers a list the direct writer wrote, after counting its fields in the request's
// budget of resolved fields as the field interceptor counts those of the generated code.
func counted(ctx context.Context, buf *bytes.Buffer, fields int) (*RenderedList, error) {
	if m := meterFrom(ctx); m != nil && m.active.Load() && fields > 0 {
		switch {
		case m.over.Load():
			return nil, m.budgetError()
		case ctx.Err() != nil:
			m.late.Store(true)
			return nil, m.timeoutError()
		case m.fields.Add(int64(fields)) > int64(m.lim.MaxResolvedFields):
			m.over.Store(true)
			return nil, m.budgetError()
		}
	}
	return &RenderedList{b: buf.Bytes()}, nil
}

// generated returns an execution context of the generated code for the operation, to write what
// the direct writer does not.
func (a *analysed) generated(oc *graphql.OperationContext) *executionContext {
	return newExecutionContext(oc, NewExecutableSchema(Config{Resolvers: a.o.resolvers()}).(*executableSchema), make(chan graphql.DeferredResult))
}

// eachGenerated writes a list through the generated code, one item after the other, as the
// generated list marshallers do (without a goroutine per item). An item that is null makes the
// list null: its error is already reported.
func eachGenerated[T any](ctx context.Context, items []T, marshal func(ctx context.Context, item T) graphql.Marshaler) *RenderedList {
	out := make(graphql.Array, len(items))
	for i := range items {
		cctx := graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i, Result: &items[i]})
		if out[i] = marshal(cctx, items[i]); out[i] == graphql.Null {
			return nil
		}
	}
	var buf bytes.Buffer
	out.MarshalGQL(&buf)
	return &RenderedList{b: buf.Bytes()}
}

// renderPath answers an ExposedElement's path field: directly when the selection allows it, else
// through the generated code.
func (a *analysed) renderPath(ctx context.Context, path []analysis.Step) (*RenderedList, error) {
	oc := graphql.GetOperationContext(ctx)
	sel := graphql.GetFieldContext(ctx).Field.Selections
	if p := a.o.stepPlanFor(oc, sel); renderFast {
		var buf bytes.Buffer
		if n, ok := p.writeSteps(a, oc, &buf, path); ok {
			return counted(ctx, &buf, n)
		}
	}
	ec := a.generated(oc)
	return eachGenerated(ctx, a.steps(path), func(ctx context.Context, s *Step) graphql.Marshaler { return ec._Step(ctx, sel, s) }), nil
}

// exposedField is a field of ExposedElement.
type exposedField int

const (
	xfTypename exposedField = iota
	xfElement
	xfDistance
	xfPath
	xfShareLost
)

// exposedPlan is how to write a list of exposed elements.
type exposedPlan struct {
	ok     bool
	fields []planField[exposedField]
	elem   *elemPlan
	path   *stepPlan
}

func newExposedPlan(oc *graphql.OperationContext, sel ast.SelectionSet) *exposedPlan {
	p := &exposedPlan{ok: true}
	for _, f := range graphql.CollectFields(oc, sel, exposedElementImplementors) {
		if len(f.Arguments) != 0 || f.IsDeferred() {
			return &exposedPlan{}
		}
		switch f.Name {
		case "__typename":
			p.fields = append(p.fields, planField[exposedField]{f.Alias, xfTypename})
		case "distance":
			p.fields = append(p.fields, planField[exposedField]{f.Alias, xfDistance})
		case "shareLost":
			p.fields = append(p.fields, planField[exposedField]{f.Alias, xfShareLost})
		case "element":
			p.fields = append(p.fields, planField[exposedField]{f.Alias, xfElement})
			p.elem = &elemPlan{sel: f.Selections, byKind: map[graph.Kind]*kindPlan{}}
		case "path":
			p.fields = append(p.fields, planField[exposedField]{f.Alias, xfPath})
			p.path = newStepPlan(oc, f.Selections)
		default:
			return &exposedPlan{}
		}
	}
	return p
}

// plan returns the operation's plan for a selection, made once per selection.
func plan[P any](o *memo, sel ast.SelectionSet, make func() *P) *P {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.plans == nil {
		o.plans = map[*ast.Selection]any{}
	}
	key := &sel[0]
	p, ok := o.plans[key].(*P)
	if !ok {
		p = make()
		o.plans[key] = p
	}
	return p
}

// renderExposed answers a list of exposed elements (failed, weakened, streams at risk).
func (a *analysed) renderExposed(ctx context.Context, xs []*ExposedElement) (*RenderedList, error) {
	oc := graphql.GetOperationContext(ctx)
	sel := graphql.GetFieldContext(ctx).Field.Selections
	p := plan(a.o, sel, func() *exposedPlan { return newExposedPlan(oc, sel) })
	if renderFast && p.ok && p.canWrite(oc, xs) {
		var buf bytes.Buffer
		buf.WriteByte('[')
		n, ok := 0, true
		for i, x := range xs {
			if i > 0 {
				buf.WriteByte(',')
			}
			var m int
			if m, ok = p.write(a, oc, &buf, x); !ok {
				break
			}
			n += m
		}
		if ok {
			buf.WriteByte(']')
			return counted(ctx, &buf, n)
		}
	}
	ec := a.generated(oc)
	return eachGenerated(ctx, xs, func(ctx context.Context, x *ExposedElement) graphql.Marshaler {
		return ec._ExposedElement(ctx, sel, x)
	}), nil
}

// canWrite reports whether the direct writer can write the exposed elements themselves (their
// paths are checked as they are written).
func (p *exposedPlan) canWrite(oc *graphql.OperationContext, xs []*ExposedElement) bool {
	if p.path != nil && !p.path.ok {
		return false
	}
	for _, x := range xs {
		if p.elem != nil && !p.elem.forKind(oc, x.Element.node().e.Kind).ok {
			return false
		}
		if x.ShareLost != nil && (math.IsNaN(*x.ShareLost) || math.IsInf(*x.ShareLost, 0)) {
			return false
		}
	}
	return true
}

func (p *exposedPlan) write(a *analysed, oc *graphql.OperationContext, buf *bytes.Buffer, x *ExposedElement) (fields int, ok bool) {
	buf.WriteByte('{')
	n := 0
	for i, f := range p.fields {
		if i > 0 {
			buf.WriteByte(',')
		}
		writeString(buf, f.alias)
		buf.WriteByte(':')
		if f.what != xfTypename {
			n++
		}
		switch f.what {
		case xfTypename:
			writeString(buf, "ExposedElement")
		case xfElement:
			n += writeElem(buf, p.elem.forKind(oc, x.Element.node().e.Kind), &x.Element.node().e)
		case xfDistance:
			buf.WriteString(strconv.Itoa(x.Distance))
		case xfShareLost:
			if x.ShareLost == nil {
				buf.WriteString("null")
			} else {
				fmt.Fprintf(buf, "%g", *x.ShareLost)
			}
		case xfPath:
			m, ok := p.path.writeSteps(a, oc, buf, x.path)
			if !ok {
				return 0, false
			}
			n += m
		}
	}
	buf.WriteByte('}')
	return n, true
}

// renderElems answers a list of elements of one kind (the streams of a Revenue).
func renderElems[T Element](ctx context.Context, a *analysed, objs []T, generated func(ec *executionContext, ctx context.Context, sel ast.SelectionSet, obj T) graphql.Marshaler) (*RenderedList, error) {
	oc := graphql.GetOperationContext(ctx)
	sel := graphql.GetFieldContext(ctx).Field.Selections
	p := plan(a.o, sel, func() *elemPlan { return &elemPlan{sel: sel, byKind: map[graph.Kind]*kindPlan{}} })
	fast := renderFast
	for _, o := range objs {
		fast = fast && p.forKind(oc, o.node().e.Kind).ok
	}
	if fast {
		var buf bytes.Buffer
		buf.WriteByte('[')
		n := 0
		for i, o := range objs {
			if i > 0 {
				buf.WriteByte(',')
			}
			n += writeElem(&buf, p.forKind(oc, o.node().e.Kind), &o.node().e)
		}
		buf.WriteByte(']')
		return counted(ctx, &buf, n)
	}
	ec := a.generated(oc)
	return eachGenerated(ctx, objs, func(ctx context.Context, o T) graphql.Marshaler { return generated(ec, ctx, sel, o) }), nil
}
