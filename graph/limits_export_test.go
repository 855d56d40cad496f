package graph

import (
	"context"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// SessionPeak is the most sessions held at once under ctx's budget.
func SessionPeak(ctx context.Context) int { return int(budgetFrom(ctx).peak.Load()) }

// ReadValues runs cypher in a read transaction of s and returns the first column of each row.
func ReadValues(ctx context.Context, s *Store, cypher string) ([]any, error) {
	res, err := s.read(ctx, func(tx neo4j.ManagedTransaction) (any, error) {
		return run(ctx, tx, cypher, nil)
	})
	if err != nil {
		return nil, err
	}
	var out []any
	for _, r := range res.([]*neo4j.Record) {
		out = append(out, r.Values[0])
	}
	return out, nil
}
