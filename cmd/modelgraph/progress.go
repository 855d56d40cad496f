package main

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/modelgraph/modelgraph/graph"
)

// progressMode says when import shows its progress on stderr: "auto" when stderr is a terminal,
// "on" always (a line every few seconds, for logs), "off" never.
func progressMode(mode string, w io.Writer) (show, redraw bool, err error) {
	tty := isTerminal(w)
	switch mode {
	case "auto":
		return tty, tty, nil
	case "on":
		return true, tty, nil
	case "off":
		return false, false, nil
	}
	return false, false, usageErr("-progress must be auto, on or off, got %q", mode)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// progressLine prints an import's progress: on a terminal one line redrawn in place, elsewhere a
// line every logEvery.
type progressLine struct {
	w       io.Writer
	path    string
	redraw  bool
	start   time.Time
	last    time.Time
	printed bool
	now     func() time.Time
}

const (
	redrawEvery = 200 * time.Millisecond
	logEvery    = 5 * time.Second
)

func newProgressLine(w io.Writer, path string, redraw bool) *progressLine {
	p := &progressLine{w: w, path: path, redraw: redraw, now: time.Now}
	p.start = p.now()
	return p
}

// report is an ImportOptions.OnProgress.
func (p *progressLine) report(pr graph.ImportProgress) {
	now := p.now()
	every := logEvery
	if p.redraw {
		every = redrawEvery
	}
	if !pr.Switching && !pr.Committed && p.printed && now.Sub(p.last) < every {
		return
	}
	p.last, p.printed = now, true
	line := formatProgress(p.path, pr, now.Sub(p.start))
	if p.redraw {
		fmt.Fprintf(p.w, "\r\033[K%s", line)
	} else {
		fmt.Fprintln(p.w, line)
	}
}

// done ends a redrawn line, so that what follows starts on a line of its own.
func (p *progressLine) done() {
	if p.redraw && p.printed {
		fmt.Fprintln(p.w)
	}
}

// formatProgress says what an import has written, how fast, and how long it should still take.
func formatProgress(path string, pr graph.ImportProgress, elapsed time.Duration) string {
	s := fmt.Sprintf("%s: elements %d/%d, relationships %d/%d", path, pr.Elements, pr.ElementsTotal, pr.Relationships, pr.RelationshipsTotal)
	if pr.ChangesTotal > 0 {
		s += fmt.Sprintf(", history %d/%d", pr.Changes, pr.ChangesTotal)
	}
	switch {
	case pr.Committed:
		return s + fmt.Sprintf("; done in %s", elapsed.Round(time.Second/10))
	case pr.Switching:
		return s + fmt.Sprintf("; %s, switching the model to its new state", elapsed.Round(time.Second/10))
	}
	if elapsed <= 0 || pr.Done() == 0 {
		return s
	}
	rate := float64(pr.Done()) / elapsed.Seconds()
	left := time.Duration(float64(pr.Total()-pr.Done()) / rate * float64(time.Second))
	return s + fmt.Sprintf("; %.0f items/s, about %s left", rate, left.Round(time.Second))
}
