package graph

import (
	"context"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// SessionPeak is the most sessions held at once under ctx's budget.
func SessionPeak(ctx context.Context) int { return int(budgetFrom(ctx).peak.Load()) }

// ReadValues runs cypher in a read transaction of s and returns the first column of each row.
func ReadValues(ctx context.Context, s *Store, cypher string) ([]any, error) {
	recs, err := readTx(ctx, s, func(tx neo4j.ManagedTransaction) ([]*neo4j.Record, error) {
		return run(ctx, tx, cypher, nil)
	})
	if err != nil {
		return nil, err
	}
	var out []any
	for _, r := range recs {
		if len(r.Keys) == 0 {
			return nil, fmt.Errorf("read values: a row without columns")
		}
		v, _ := rowOf(r, "values").raw(r.Keys[0])
		out = append(out, v)
	}
	return out, nil
}
