package launcher

import (
	"strings"
	"testing"
)

// TestHeapDefaultSizes: a quarter of the memory for the heap within [1g, 8g], an eighth for the
// page cache within [128m, 4g], rounded down to whole MiB; unknown memory gives 1g and 256m.
func TestHeapDefaultSizes(t *testing.T) {
	const mib, gib = int64(1) << 20, int64(1) << 30
	for _, c := range []struct {
		mem         int64
		heap, cache string
	}{
		{0, "1g", "256m"},                  // not Linux: the fallback
		{-1, "1g", "256m"},                 // unreadable
		{512 * mib, "1g", "128m"},          // 128m and 64m, both raised to their minimum
		{2 * gib, "1g", "256m"},            // 512m raised to 1g; 256m
		{4 * gib, "1g", "512m"},            // exactly the minimum heap
		{3*gib + 1, "1g", "384m"},          // 768m raised; 402653184 bytes = 384m
		{6 * gib, "1536m", "768m"},         // not whole GiB: written in MiB
		{16 * gib, "4g", "2g"},             //
		{24683584 << 10, "6026m", "3013m"}, // MemTotal 24683584 kB: 6170896 kB = 6026.3 MiB, 3085448 kB = 3013.1 MiB
		{32 * gib, "8g", "4g"},             // both exactly at their maximum
		{40 * gib, "8g", "4g"},             // 10g and 5g, both lowered to their maximum
		{256 * gib, "8g", "4g"},            //
	} {
		heap, cache := DefaultSizes(c.mem)
		if heap != c.heap || cache != c.cache {
			t.Errorf("DefaultSizes(%d) = %s, %s; want %s, %s", c.mem, heap, cache, c.heap, c.cache)
		}
	}
}

// TestHeapSetOverridesMachine: a heap or page cache that is set is kept; only an unset one is
// sized, and the machine's memory is not read when both are set.
func TestHeapSetOverridesMachine(t *testing.T) {
	sixteen := func() int64 { return 16 << 30 }
	for _, c := range []struct {
		set, want Config
		machine   func() int64
		sizing    string
	}{
		{Config{}, Config{Heap: "4g", PageCache: "2g"}, sixteen, "machine's memory (16384m)"},
		{Config{Heap: "3g"}, Config{Heap: "3g", PageCache: "2g"}, sixteen, "machine's memory"},
		{Config{PageCache: "64m"}, Config{Heap: "4g", PageCache: "64m"}, sixteen, "machine's memory"},
		{Config{}, Config{Heap: "1g", PageCache: "256m"}, func() int64 { return 0 }, "fallback"},
		{Config{Heap: "512m", PageCache: "64m"}, Config{Heap: "512m", PageCache: "64m"}, func() int64 {
			t.Error("machine memory read although heap and page cache are set")
			return 0
		}, "set"},
	} {
		got := c.set
		got.sizeDefaults(c.machine)
		if got.Heap != c.want.Heap || got.PageCache != c.want.PageCache || !strings.Contains(got.sizing, c.sizing) {
			t.Errorf("set %q/%q: got %q/%q (%s), want %q/%q (%s)", c.set.Heap, c.set.PageCache, got.Heap, got.PageCache, got.sizing, c.want.Heap, c.want.PageCache, c.sizing)
		}
	}
}

func TestHeapMemTotal(t *testing.T) {
	n, err := memTotal(strings.NewReader("MemTotal:       24683584 kB\nMemFree:        20478220 kB\n"))
	if err != nil || n != 24683584*1024 {
		t.Errorf("memTotal = %d, %v; want %d", n, err, 24683584*1024)
	}
	for _, text := range []string{"", "MemFree: 1 kB\n", "MemTotal: lots kB\n", "MemTotal: 0 kB\n"} {
		if n, err := memTotal(strings.NewReader(text)); err == nil {
			t.Errorf("memTotal(%q) = %d, want an error", text, n)
		}
	}
	for _, c := range []struct {
		text string
		want int64
	}{
		{"max\n", 0},                 // v2: no limit
		{"9223372036854771712\n", 0}, // v1: no limit
		{"2147483648\n", 2147483648}, // a 2 GiB container
		{"", 0},
	} {
		if got := cgroupLimit(c.text); got != c.want {
			t.Errorf("cgroupLimit(%q) = %d, want %d", c.text, got, c.want)
		}
	}
}
