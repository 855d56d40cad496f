package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestServeRefusesBadLimits(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{nil, []string{"serve", "-max-query-depth", "0"}, "max-query-depth must be a positive whole number (MODELGRAPH_MAX_QUERY_DEPTH / -max-query-depth)"},
		{map[string]string{"MODELGRAPH_MAX_COMPLEXITY": "lots"}, []string{"serve"}, "max-complexity must be a positive whole number"},
		{map[string]string{"MODELGRAPH_REQUEST_TIMEOUT": "soon"}, []string{"serve"}, "request timeout must be a positive duration"},
		{nil, []string{"serve", "-db-timeout", "0s"}, "database timeout must be a positive duration"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), tc.args, func(k string) string { return tc.env[k] }, &out, &errOut)
		if code == 0 || !strings.Contains(errOut.String(), tc.want) {
			t.Errorf("%v %v: exit %d, stderr %s; want a usage error containing %q", tc.env, tc.args, code, errOut.String(), tc.want)
		}
	}
}
