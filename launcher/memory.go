package launcher

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
)

// The embedded Neo4j is sized from the machine's memory unless Config.Heap or Config.PageCache
// is set: the JVM heap gets a quarter of it, between MinHeap and MaxHeap, and the page cache an
// eighth, between MinPageCache and MaxPageCache. Where the memory cannot be read (not Linux),
// the heap is MinHeap and the page cache FallbackPageCache.
const (
	MinHeap           = 1 << 30 // 1g: also the heap on a machine whose memory cannot be read
	MaxHeap           = 8 << 30 // 8g
	MinPageCache      = 128 << 20
	MaxPageCache      = 4 << 30
	FallbackPageCache = 256 << 20
)

// DefaultSizes returns the default JVM heap and page cache for a machine with mem bytes of
// memory (0 or less: unknown), as JVM and Neo4j sizes ("1g", "3013m"), rounded down to whole
// mebibytes.
func DefaultSizes(mem int64) (heap, pageCache string) {
	if mem <= 0 {
		return formatSize(MinHeap), formatSize(FallbackPageCache)
	}
	return formatSize(clamp(mem/4, MinHeap, MaxHeap)), formatSize(clamp(mem/8, MinPageCache, MaxPageCache))
}

func clamp(n, lo, hi int64) int64 { return max(lo, min(n, hi)) }

// formatSize writes n bytes as whole gibibytes ("4g") when it is one, else as whole mebibytes,
// rounded down ("3013m").
func formatSize(n int64) string {
	if n%(1<<30) == 0 {
		return strconv.FormatInt(n>>30, 10) + "g"
	}
	return strconv.FormatInt(n>>20, 10) + "m"
}

// MachineMemory returns the memory this process may use: MemTotal of /proc/meminfo, or the
// memory limit of its control group (v2 memory.max, v1 memory.limit_in_bytes) when that is
// lower; 0 when neither can be read.
func MachineMemory() int64 {
	var total int64
	if f, err := os.Open("/proc/meminfo"); err == nil {
		total, _ = memTotal(f)
		f.Close()
	}
	for _, p := range []string{"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"} {
		if b, err := os.ReadFile(p); err == nil {
			if lim := cgroupLimit(string(b)); lim > 0 && (total == 0 || lim < total) {
				total = lim
			}
		}
	}
	return total
}

// memTotal reads MemTotal (in kB) from the text of /proc/meminfo and returns it in bytes.
func memTotal(r io.Reader) (int64, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == "MemTotal:" {
			kb, err := strconv.ParseInt(f[1], 10, 64)
			if err != nil || kb <= 0 {
				return 0, fmt.Errorf("launcher: meminfo MemTotal %q is not a size in kB", f[1])
			}
			return kb << 10, nil
		}
	}
	if err := sc.Err(); err != nil {
		return 0, err
	}
	return 0, fmt.Errorf("launcher: meminfo has no MemTotal")
}

// cgroupLimit reads a control group's memory limit in bytes: 0 for no limit ("max" in v2, a
// number near the largest int64 in v1) or anything that is not a number.
func cgroupLimit(s string) int64 {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 || n >= 1<<62 {
		return 0
	}
	return n
}

// sizeDefaults fills an unset heap or page cache from the machine's memory (read only then) and
// says where the sizes came from, for the start log.
func (c *Config) sizeDefaults(machine func() int64) {
	if c.Heap != "" && c.PageCache != "" {
		c.sizing = "set"
		return
	}
	mem := machine()
	heap, cache := DefaultSizes(mem)
	if c.Heap == "" {
		c.Heap = heap
	}
	if c.PageCache == "" {
		c.PageCache = cache
	}
	if mem > 0 {
		c.sizing = fmt.Sprintf("unset ones from the machine's memory (%dm)", mem>>20)
	} else {
		c.sizing = "unset ones at the fallback (the machine's memory cannot be read)"
	}
}
