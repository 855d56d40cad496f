package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

// TestUnknownFlagOnceEveryCommand: for every command, an unknown flag exits 2 and its error
// appears once on standard error (from the flag package, followed by the command's flags), with
// nothing on standard output. Flags are read before anything else, so no database is needed.
func TestUnknownFlagOnceEveryCommand(t *testing.T) {
	for _, cmd := range [][]string{
		{"serve"}, {"import"}, {"export"}, {"validate"}, {"check"}, {"models"}, {"neo4j"},
		{"backup"}, {"restore"}, {"diff"}, {"scenario", "create"}, {"scenario", "list"},
		{"token", "create"}, {"token", "list"}, {"token", "revoke"},
	} {
		var out, errOut bytes.Buffer
		code := run(context.Background(), append(cmd, "-no-such-flag"), func(string) string { return "" }, &out, &errOut)
		n := strings.Count(errOut.String(), "flag provided but not defined: -no-such-flag")
		if code != exitUsage || n != 1 || out.Len() != 0 {
			t.Errorf("%v -no-such-flag: exit %d, error printed %d times, stdout %q; stderr:\n%s", cmd, code, n, out.String(), errOut.String())
		}
	}
}
