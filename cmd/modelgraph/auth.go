package main

import (
	"context"
	"flag"
	"strings"
	"time"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/resolvers"
	"github.com/modelgraph/modelgraph/resolvers/auth"
)

// authConfig is how serve authenticates callers and which browsers and host names it answers.
type authConfig struct {
	mode         string
	insecure     bool
	cacheTTL     time.Duration
	oidc         auth.OIDCConfig
	allowedHosts string
	corsOrigins  string
}

func authFlags(fs *flag.FlagSet, e *env) *authConfig {
	c := &authConfig{}
	fs.StringVar(&c.mode, "auth", envOr(e, "MODELGRAPH_AUTH", "off"), "authentication: off (loopback only), token (API tokens) or oidc (OIDC tokens and API tokens) (env MODELGRAPH_AUTH)")
	fs.BoolVar(&c.insecure, "insecure-no-auth", e.getenv("MODELGRAPH_INSECURE_NO_AUTH") == "true", "allow -auth off on a non-loopback address: anyone who reaches the port can do everything (env MODELGRAPH_INSECURE_NO_AUTH=true)")
	fs.DurationVar(&c.cacheTTL, "token-cache-ttl", envDuration(e, "MODELGRAPH_TOKEN_CACHE_TTL", auth.DefaultTokenCacheTTL), "how long an API token check is reused, and so the longest a revoked token keeps working; 0s to 10s (env MODELGRAPH_TOKEN_CACHE_TTL)")
	fs.StringVar(&c.oidc.Issuer, "oidc-issuer", e.getenv("MODELGRAPH_OIDC_ISSUER"), "OIDC issuer URL, for -auth oidc (env MODELGRAPH_OIDC_ISSUER)")
	fs.StringVar(&c.oidc.Audience, "oidc-audience", e.getenv("MODELGRAPH_OIDC_AUDIENCE"), "audience (client id) OIDC tokens must carry (env MODELGRAPH_OIDC_AUDIENCE)")
	fs.StringVar(&c.oidc.Claim, "oidc-claim", envOr(e, "MODELGRAPH_OIDC_CLAIM", "modelgraph"), "OIDC claim holding grants such as editor:MODEL or viewer:* (env MODELGRAPH_OIDC_CLAIM)")
	fs.StringVar(&c.allowedHosts, "allowed-hosts", e.getenv("MODELGRAPH_ALLOWED_HOSTS"), "comma-separated host names the Host header may carry besides the listen address; * for any (env MODELGRAPH_ALLOWED_HOSTS)")
	fs.StringVar(&c.corsOrigins, "cors-origins", e.getenv("MODELGRAPH_CORS_ORIGINS"), "comma-separated origins (https://host[:port]) whose web pages may call the API; none by default (env MODELGRAPH_CORS_ORIGINS)")
	return c
}

// envDuration reads a duration default; a bad value is reported when flags are checked.
func envDuration(e *env, name string, def time.Duration) time.Duration {
	v := e.getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return -1
	}
	return d
}

func commaList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// check validates the settings for serving on addr before anything starts; it refuses to serve a
// non-loopback address without authentication unless told to, and then warns.
func (c *authConfig) check(e *env, addr, debugAddr string) error {
	switch c.mode {
	case "off", "token", "oidc":
	default:
		return usageErr("auth must be off, token or oidc, not %q (MODELGRAPH_AUTH / -auth)", c.mode)
	}
	if c.cacheTTL < 0 || c.cacheTTL > auth.MaxTokenCacheTTL {
		return usageErr("token cache TTL must be a duration from 0s to %s (MODELGRAPH_TOKEN_CACHE_TTL / -token-cache-ttl)", auth.MaxTokenCacheTTL)
	}
	if c.mode == "oidc" && (c.oidc.Issuer == "" || c.oidc.Audience == "" || c.oidc.Claim == "") {
		return usageErr("auth oidc needs an issuer, an audience and a claim (MODELGRAPH_OIDC_ISSUER, MODELGRAPH_OIDC_AUDIENCE, MODELGRAPH_OIDC_CLAIM)")
	}
	if debugAddr != "" && !auth.IsLoopback(debugAddr) {
		return usageErr("the debug address %s must be a loopback address such as 127.0.0.1:6060: it serves profiles and metrics without authentication (MODELGRAPH_DEBUG_ADDR / -debug-addr)", debugAddr)
	}
	if err := (resolvers.Options{Addr: addr, AllowedHosts: commaList(c.allowedHosts), CORSOrigins: commaList(c.corsOrigins)}).Check(); err != nil {
		return usageErr("%v (MODELGRAPH_ALLOWED_HOSTS, MODELGRAPH_CORS_ORIGINS, ADDR)", err)
	}
	if c.mode != "off" || auth.IsLoopback(addr) {
		return nil
	}
	if !c.insecure {
		return usageErr("refusing to serve %s without authentication: anyone who reaches it could read, change and delete every model. Turn authentication on (MODELGRAPH_AUTH=token, see docs/security.md), listen on 127.0.0.1, or pass -insecure-no-auth", addr)
	}
	e.log.Warn("serving without authentication on a non-loopback address (-insecure-no-auth): anyone who reaches it can read, change and delete every model", "addr", addr)
	return nil
}

// options fills the authentication fields of the handler's options; OIDC reads the issuer's
// discovery document here.
func (c *authConfig) options(ctx context.Context, e *env, store *graph.Store, addr string, opts *resolvers.Options) error {
	opts.Addr = addr
	opts.AllowedHosts = commaList(c.allowedHosts)
	opts.CORSOrigins = commaList(c.corsOrigins)
	if c.mode == "off" {
		return nil
	}
	tokens, err := auth.NewTokens(store, c.cacheTTL)
	if err != nil {
		return err
	}
	if c.mode == "token" {
		if err := warnNoTokens(ctx, store, e); err != nil {
			return err
		}
	}
	var oidc *auth.OIDC
	if c.mode == "oidc" {
		if oidc, err = auth.NewOIDC(ctx, c.oidc); err != nil {
			return err
		}
	}
	opts.Auth = auth.Either(tokens, oidc)
	return nil
}

// warnNoTokens says how to get in when authentication is on and no token would let anyone.
func warnNoTokens(ctx context.Context, store *graph.Store, e *env) error {
	ts, err := store.Tokens(ctx)
	if err != nil {
		return err
	}
	for _, t := range ts {
		if t.Revoked == nil {
			return nil
		}
	}
	e.log.Warn("authentication is on and there is no API token: every request will be refused; create one with: modelgraph token create -role admin -model '*'")
	return nil
}
