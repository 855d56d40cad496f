// Package analysis holds the analyses of the domain contract (DOMAIN.md, "Analysis semantics")
// as pure functions over one in-memory model (engine.Model): alignment findings from rules,
// exposure and single-source exposure, and economics per value proposition. The same functions
// serve the API, the command line and model files without a database.
//
// # Rules
//
// Alignment rules are data: a YAML rules format with named building blocks (rel, selfOrWhole,
// supporter, affected, scope, property, all, any, not; see docs/analysis.md). The twelve built-in
// rules the format can express are the embedded file rules/builtin.yaml; SINGLE_SOURCE and
// BLOCK_EMPTY are code (coded.go). Users' rules files are parsed with ParseRules or LoadRules and
// refused as a whole, with the line and column of every problem.
//
// # Whole-model searches
//
// A rule is asked of every element of its kinds. Conditions that search (supporter, affected)
// fill a table for the whole model with one multi-source breadth-first search the first time an
// element asks, and answer every other element from it. The analyses read a derived index of the
// model (kinds, amounts, adjacency by type, supply shares), built once per Model and dropped when
// the Model is collected.
package analysis
