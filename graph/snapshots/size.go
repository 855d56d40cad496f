package snapshots

import (
	"bufio"
	"os"
	"strconv"
	"strings"

	"github.com/modelgraph/modelgraph/graph"
	"github.com/modelgraph/modelgraph/graph/engine"
)

// Estimated bytes of a Model beyond its text, measured on synthetic models with the engine's
// build benchmark (32.5 MiB of heap for 100k elements and 330k relationships, text included)
// and rounded up for what traversals add while it is in use: search buffers per core and
// remembered supporter counts.
const (
	bytesPerElement      = 240
	bytesPerRelationship = 40
	bytesPerString       = 16 // a string header
)

// estimate is the size the budget charges for a Model whose text is about strs bytes.
func estimate(m *engine.Model, strs int64) int64 {
	return int64(m.Len())*bytesPerElement + int64(m.RelLen())*bytesPerRelationship + strs
}

func elementBytes(e graph.Element) int64 {
	n := int64(len(e.Key) + len(e.Name) + len(e.Description))
	for _, t := range e.Tags {
		n += int64(len(t)) + bytesPerString
	}
	return n + propsBytes(e.Properties)
}

func propsBytes(p map[string]any) int64 {
	var n int64
	for k, v := range p {
		n += int64(len(k)) + 2*bytesPerString
		if s, ok := v.(string); ok {
			n += int64(len(s))
		}
	}
	return n
}

// editBytes is the text an edit may add; what it replaces is not subtracted, so an estimate
// only grows until the next full read.
func editBytes(e engine.Edit) int64 {
	switch e.Op {
	case engine.UpsertElement:
		return elementBytes(e.Element)
	case engine.UpsertRelationship:
		return propsBytes(e.Relationship.Properties)
	}
	return 0
}

// DefaultMemory is the default budget: a quarter of the machine's memory, or of the memory
// limit of the control group the process runs in when that is lower; 1 GiB when neither can be
// read.
func DefaultMemory() int64 {
	total := memTotal()
	if lim := cgroupLimit(); lim > 0 && (total == 0 || lim < total) {
		total = lim
	}
	if total <= 0 {
		return 1 << 30
	}
	return total / 4
}

// memTotal reads MemTotal from /proc/meminfo (Linux), or 0.
func memTotal() int64 {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err == nil {
				return kb << 10
			}
		}
	}
	return 0
}

// cgroupLimit reads the memory limit of a cgroup v2 (memory.max), or 0 when there is none.
func cgroupLimit() int64 {
	b, err := os.ReadFile("/sys/fs/cgroup/memory.max")
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0
	}
	return n
}

// ParseSize reads a memory size: a whole number of bytes, or one with a unit K, M, G or T (powers
// of 1024; KiB, MB, g and the like are read the same way).
func ParseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "B"), "I")
	shift := 0
	if n := len(t); n > 0 {
		switch t[n-1] {
		case 'K':
			shift = 10
		case 'M':
			shift = 20
		case 'G':
			shift = 30
		case 'T':
			shift = 40
		}
		if shift > 0 {
			t = t[:n-1]
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64)
	if err != nil || n < 0 || n > (1<<62)>>shift {
		return 0, &sizeError{s}
	}
	return n << shift, nil
}

type sizeError struct{ s string }

func (e *sizeError) Error() string {
	return strconv.Quote(e.s) + " is not a memory size; use bytes or a number with K, M, G or T, e.g. 512M or 2G"
}
