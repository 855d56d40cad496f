package main

import (
	"flag"
	"fmt"
	"time"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/resolvers"
)

// limitConfig holds the request limits of serve and the database timeout.
type limitConfig struct {
	lim       resolvers.Limits
	dbTimeout time.Duration
}

// limitFlags registers one flag per request limit (names from resolvers.Settings) with defaults
// from the environment, and the database timeout.
func limitFlags(fs *flag.FlagSet, e *env) *limitConfig {
	c := &limitConfig{}
	d := resolvers.DefaultLimits
	intFlag := func(p *int, field string, def int, usage string) {
		s := resolvers.Settings[field]
		fs.IntVar(p, s.Flag, envInt(e, s.Env, def), fmt.Sprintf("%s (env %s)", usage, s.Env))
	}
	intFlag(&c.lim.MaxTokens, "MaxTokens", d.MaxTokens, "most tokens in one GraphQL document, counted before validation")
	intFlag(&c.lim.MaxDepth, "MaxDepth", d.MaxDepth, "deepest nesting of selections, fragments expanded")
	intFlag(&c.lim.MaxFields, "MaxFields", d.MaxFields, "most fields one operation selects, fragments expanded")
	intFlag(&c.lim.MaxAliases, "MaxAliases", d.MaxAliases, "most aliased fields in one operation, fragments expanded")
	intFlag(&c.lim.MaxComplexity, "MaxComplexity", d.MaxComplexity, "highest estimated cost of one operation (a list costs its page size or estimate times its children)")
	intFlag(&c.lim.MaxRows, "MaxRows", d.MaxRows, "most rows one request reads from Neo4j")
	intFlag(&c.lim.MaxResponseBytes, "MaxResponseBytes", d.MaxResponseBytes, "largest response body")
	intFlag(&c.lim.MaxSessions, "MaxSessions", d.MaxSessions, "most Neo4j sessions one request holds at once")
	intFlag(&c.lim.MaxClientRequests, "MaxClientRequests", d.MaxClientRequests, "most requests one client (address, or identity with authentication) has in flight; more get HTTP 429")
	intFlag(&c.lim.MaxResolvedFields, "MaxResolvedFields", d.MaxResolvedFields, "most fields one request resolves, counted as they are resolved; more stop the request")
	intFlag(&c.lim.MaxConcurrentCost, "MaxConcurrentCost", d.MaxConcurrentCost, "summed estimated cost of the heavy requests (cost 5000 or more, bodies over 1 MiB) that run at once; the others wait")
	s := resolvers.Settings["RequestTimeout"]
	fs.DurationVar(&c.lim.RequestTimeout, s.Flag, envDuration(e, s.Env, d.RequestTimeout), fmt.Sprintf("longest one request may take; also the Neo4j transaction timeout (env %s)", s.Env))
	fs.DurationVar(&c.dbTimeout, "db-timeout", envDuration(e, "MODELGRAPH_DB_TIMEOUT", graph.DefaultTimeout), "how long a query waits for a Neo4j that does not answer before failing with UNAVAILABLE (env MODELGRAPH_DB_TIMEOUT)")
	return c
}

// check refuses limits that are not positive.
func (c *limitConfig) check() error {
	ints := map[string]int{
		"MaxTokens": c.lim.MaxTokens, "MaxDepth": c.lim.MaxDepth, "MaxFields": c.lim.MaxFields,
		"MaxAliases": c.lim.MaxAliases, "MaxComplexity": c.lim.MaxComplexity, "MaxRows": c.lim.MaxRows,
		"MaxResponseBytes": c.lim.MaxResponseBytes, "MaxSessions": c.lim.MaxSessions, "MaxClientRequests": c.lim.MaxClientRequests,
		"MaxResolvedFields": c.lim.MaxResolvedFields, "MaxConcurrentCost": c.lim.MaxConcurrentCost,
	}
	for _, field := range []string{"MaxTokens", "MaxDepth", "MaxFields", "MaxAliases", "MaxComplexity", "MaxRows", "MaxResponseBytes", "MaxSessions", "MaxClientRequests", "MaxResolvedFields", "MaxConcurrentCost"} {
		if ints[field] < 1 {
			s := resolvers.Settings[field]
			return usageErr(fmt.Sprintf("%s must be a positive whole number (%s / -%s)", s.Flag, s.Env, s.Flag))
		}
	}
	if c.lim.RequestTimeout <= 0 {
		return usageErr("request timeout must be a positive duration such as 30s (MODELGRAPH_REQUEST_TIMEOUT / -request-timeout)")
	}
	if c.dbTimeout <= 0 {
		return usageErr("database timeout must be a positive duration such as 5s (MODELGRAPH_DB_TIMEOUT / -db-timeout)")
	}
	return nil
}
