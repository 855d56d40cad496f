package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/modelgraph/modelgraph/graph"
)

func TestFormatProgress(t *testing.T) {
	pr := graph.ImportProgress{Elements: 20000, ElementsTotal: 100000, RelationshipsTotal: 330000, Changes: 30000, ChangesTotal: 430000}
	// 50,000 of 860,000 items in 5 s: 10,000 items/s, 810,000 items left take 81 s.
	if got, want := formatProgress("big.yaml", pr, 5*time.Second), "big.yaml: elements 20000/100000, relationships 0/330000, history 30000/430000; 10000 items/s, about 1m21s left"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	pr.ChangesTotal, pr.Changes = 0, 0
	pr.Switching = true
	if got, want := formatProgress("big.yaml", pr, 1500*time.Millisecond), "big.yaml: elements 20000/100000, relationships 0/330000; 1.5s, switching the model to its new state"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// Without a terminal, a line is printed at most every logEvery, plus the switch and the end.
func TestProgressLineLogs(t *testing.T) {
	var out bytes.Buffer
	p := newProgressLine(&out, "f", false)
	now := p.start
	p.now = func() time.Time { return now }
	step := func(d time.Duration, pr graph.ImportProgress) { now = now.Add(d); p.report(pr) }
	pr := graph.ImportProgress{ElementsTotal: 4}
	for i := 1; i <= 4; i++ {
		pr.Elements = i
		step(2*time.Second, pr) // at 2, 4, 6, 8 s: printed at 2 and 8
	}
	pr.Switching = true
	step(time.Second, pr)
	pr.Committed = true
	step(time.Second, pr)
	p.done()
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "f: elements 1/4") || !strings.HasPrefix(lines[1], "f: elements 4/4") ||
		!strings.Contains(lines[2], "switching") || !strings.HasSuffix(lines[3], "done in 10s") {
		t.Fatalf("lines:\n%s", out.String())
	}
}
