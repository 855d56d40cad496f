package graph

import (
	"errors"
	"strings"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// LimitError is a request refused because it needs more than a configured limit allows. It
// names the limit and the setting that raises it, and matches ErrInvalid: the caller can make
// the request smaller or raise the setting.
type LimitError struct {
	Limit   string // what ran out, e.g. "Neo4j transaction memory"
	Setting string // what raises it
	Detail  string // the database's own words, shortened
}

func (e *LimitError) Error() string {
	msg := e.Limit + " exceeded; raise " + e.Setting
	if e.Detail != "" {
		msg += " (" + e.Detail + ")"
	}
	return msg
}

// Is makes errors.Is(err, ErrInvalid) true.
func (e *LimitError) Is(target error) bool { return target == ErrInvalid }

// MemorySetting names what raises Neo4j's transaction memory: the embedded database's heap
// (its transaction pool is 70% of it), or the pool settings of a Neo4j run by the user.
const MemorySetting = "MODELGRAPH_NEO4J_HEAP (-neo4j-heap) for the embedded Neo4j, or dbms.memory.transaction.total.max and the heap of your own Neo4j"

// memoryError returns a LimitError when err, or the last attempt of a retried transaction, is
// Neo4j refusing memory.
func memoryError(err error) error {
	var limit *neo4j.TransactionExecutionLimit
	if errors.As(err, &limit) && len(limit.Errors) > 0 {
		err = limit.Errors[len(limit.Errors)-1]
	}
	var ne *neo4j.Neo4jError
	if !errors.As(err, &ne) {
		return nil
	}
	if !strings.Contains(ne.Code, "MemoryPoolOutOfMemoryError") && !strings.Contains(ne.Code, "TransactionOutOfMemoryError") &&
		!strings.Contains(ne.Code, "General.OutOfMemoryError") && !strings.Contains(ne.Code, "TransactionMemoryLimit") {
		return nil
	}
	return &LimitError{Limit: "Neo4j transaction memory", Setting: MemorySetting, Detail: Clip(ne.Msg)}
}
