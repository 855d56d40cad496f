// Package differential checks the in-memory engine against the store's Cypher traversals on a
// real Neo4j, and against a plain breadth-first search written separately in its test. It holds
// no code of its own: the test is in differential_test.go, apart from the engine package so that
// the engine's own tests and benchmarks run without a database.
package differential
