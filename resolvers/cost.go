package resolvers

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// The cost model. Every field costs 1. A list field costs 1 plus its expected length times the
// cost of what is selected under each item: the page size when the field takes one (first),
// else the estimate below. A relationship list (outgoing, incoming and the typed relationship
// fields) without first costs listDefault, the most it returns without first (batch.go): an
// element's relationships are not estimated, so a hub cannot make a query cheaper than its
// answer. A traversal (a database search per start element) costs searchCost more. So
// element{outgoing{to{outgoing{to{key}}}}} costs about 100*100 times its leaves, and nesting grows
// the cost as fast as the answer can grow.

// listEstimates is the expected length of a list field without a page size, by "Type.field" or
// by field name (the same on every element kind). Fields not listed take defaultListEstimate.
var listEstimates = map[string]int{
	"Query.models":                10,
	"supporters":                  50,
	"affected":                    50,
	"scope":                       20,
	"attached":                    20,
	"path":                        10, // a path has at most the server's depth cap of steps
	"ElementConnection.edges":     1,  // the connection's page size is on elements(first)
	"ElementConnection.nodes":     1,
	"ChangeConnection.edges":      1, // and on changes(first)
	"ChangeConnection.nodes":      1,
	"Metamodel.kinds":             30,
	"Metamodel.relationshipTypes": 20,
	"RelationshipTypeInfo.pairs":  40,
}

// defaultListEstimate is the expected length of any other list without first: a canvas block.
const defaultListEstimate = 10

// searchFields start a graph search per element they are asked on.
var searchFields = map[string]bool{"supporters": true, "supporterCount": true, "impact": true, "Query.path": true}

// searchCost is what one search costs on top of its results.
const searchCost = 20

// costSchema gives the complexity calculation the cost model; execution uses the schema itself.
type costSchema struct {
	graphql.ExecutableSchema
}

func (c costSchema) Complexity(ctx context.Context, typeName, field string, child int, args map[string]any) (int, bool) {
	cost := 1
	if searchFields[field] || searchFields[typeName+"."+field] {
		cost += searchCost
	}
	n, multiplied := pageSize(args)
	if !multiplied && c.isList(typeName, field) {
		n, multiplied = estimate(typeName, field), true
		if c.isRelationshipList(typeName, field) {
			n = listDefault
		}
	}
	if !multiplied || child == 0 {
		return satAdd(cost, child), true
	}
	return satAdd(cost, satMul(max(n, 1), child)), true
}

func (c costSchema) isList(typeName, field string) bool {
	def := c.Schema().Types[typeName]
	if def == nil {
		return false
	}
	f := def.Fields.ForName(field)
	return f != nil && f.Type.Elem != nil
}

// isRelationshipList reports whether the field is one of an element's relationship lists: a
// list with a first argument on Element or a type implementing it.
func (c costSchema) isRelationshipList(typeName, field string) bool {
	def := c.Schema().Types[typeName]
	if def == nil || (typeName != "Element" && !slices.Contains(def.Interfaces, "Element")) {
		return false
	}
	f := def.Fields.ForName(field)
	return f != nil && f.Type.Elem != nil && f.Arguments.ForName("first") != nil
}

func estimate(typeName, field string) int {
	if n, ok := listEstimates[typeName+"."+field]; ok {
		return n
	}
	if n, ok := listEstimates[field]; ok {
		return n
	}
	return defaultListEstimate
}

// pageSize reads the first argument, the number of items a paged field returns.
func pageSize(args map[string]any) (int, bool) {
	switch v := args["first"].(type) {
	case int:
		return v, true
	case int64:
		return int(v), true
	case float64:
		return int(v), true
	case json.Number:
		n, err := v.Int64()
		return int(n), err == nil
	}
	return 0, false
}

const maxCost = 1 << 50

func satAdd(a, b int) int { return min(a+b, maxCost) }

func satMul(a, b int) int {
	if a > 0 && b > maxCost/a {
		return maxCost
	}
	return min(a*b, maxCost)
}

// costLimit refuses an operation whose cost is above the limit. It runs after validation, on a
// document the shape limits have already bounded.
type costLimit struct {
	es  graphql.ExecutableSchema
	max int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = &costLimit{}

func (*costLimit) ExtensionName() string { return "CostLimit" }

func (c *costLimit) Validate(schema graphql.ExecutableSchema) error {
	c.es = costSchema{schema}
	return nil
}

func (c *costLimit) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	cost := complexity.Calculate(ctx, c.es, op.Operation, op.Variables)
	if m := meterFrom(ctx); m != nil {
		m.cost.Store(int64(cost))
	}
	if cost > c.max {
		return limitError("MaxComplexity", c.max, "the query's estimated cost is %s", costString(cost))
	}
	return nil
}

func costString(n int) string {
	if n >= maxCost {
		return fmt.Sprintf("more than %d", maxCost)
	}
	return fmt.Sprint(n)
}
