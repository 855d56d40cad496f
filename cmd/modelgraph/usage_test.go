package main

import (
	"strings"
	"testing"
)

// TestNoArguments: modelgraph alone prints the usage to standard error and exits 2.
func TestNoArguments(t *testing.T) {
	code, stdout, stderr := cli(t)
	if code != exitUsage || stdout != "" || !strings.Contains(stderr, "Usage:") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// TestUnknownFlagOnce: an unknown flag is reported once (by the flag package, with the flags).
func TestUnknownFlagOnce(t *testing.T) {
	code, _, stderr := cli(t, "validate", "-nope", "x.yaml")
	if code != exitUsage {
		t.Fatalf("exit %d, want %d", code, exitUsage)
	}
	if n := strings.Count(stderr, "flag provided but not defined: -nope"); n != 1 {
		t.Errorf("the error is printed %d times:\n%s", n, stderr)
	}
}
