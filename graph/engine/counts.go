package engine

import (
	"math/bits"
	"runtime"
	"sync"
	"sync/atomic"
)

// msWork holds the buffers of a multi-source search: for every node, one bit per source of the
// batch in seen, frontier and next.
type msWork struct {
	seen, frontier, next []uint64
	cur, nxt, touched    []NodeID
}

func newMSWork(n int) *msWork {
	return &msWork{seen: make([]uint64, n), frontier: make([]uint64, n), next: make([]uint64, n)}
}

// SupporterCounts counts, for every root, the supporters Supporters would return with the same
// kinds and depth. Roots are searched 64 at a time, one bit each, in one walk of the union of
// their supporters (a multi-source breadth-first search), and batches run in parallel: dashboards
// count thousands of roots whose supporters overlap. A Model never changes, so it remembers the
// counts of up to maxCountTables (kinds, depth) pairs: a dashboard asked again reads them.
func (m *Model) SupporterCounts(roots []NodeID, opt SupportersOptions) ([]int, error) {
	d, err := depth(opt.MaxDepth)
	if err != nil {
		return nil, err
	}
	want, err := kindMask(opt.Kinds)
	if err != nil {
		return nil, err
	}
	table := m.counts.table(countKey{want, d}, m.Len())
	out := make([]int, len(roots))
	var missing []NodeID
	var at []int
	for i, r := range roots {
		if c := table.get(r); c >= 0 {
			out[i] = c
		} else {
			missing = append(missing, r)
			at = append(at, i)
		}
	}
	counts := m.countAll(missing, d, want)
	for j, c := range counts {
		out[at[j]] = c
		table.put(missing[j], c)
	}
	return out, nil
}

func (m *Model) countAll(roots []NodeID, d int, want uint32) []int {
	counts := make([]int, len(roots))
	batches := (len(roots) + 63) / 64
	workers := min(batches, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	next := make(chan int, batches)
	for b := range batches {
		next <- b * 64
	}
	close(next)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := m.msbfs.Get().(*msWork)
			defer m.msbfs.Put(w)
			for start := range next {
				end := min(start+64, len(roots))
				m.countBatch(w, roots[start:end], counts[start:end], d, want)
			}
		}()
	}
	wg.Wait()
	return counts
}

// maxCountTables bounds the remembered counts of a Model: 4 bytes per element per table.
const maxCountTables = 8

type countKey struct {
	kinds uint32
	depth int
}

// countCache remembers supporter counts per (kinds, depth), one slot per element holding
// count+1 (0: not counted yet).
type countCache struct {
	mu     sync.Mutex
	tables map[countKey]countTable
}

type countTable []atomic.Int32

func (c *countCache) table(k countKey, n int) countTable {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.tables[k]
	if !ok && len(c.tables) < maxCountTables {
		if c.tables == nil {
			c.tables = map[countKey]countTable{}
		}
		t = make(countTable, n)
		c.tables[k] = t
	}
	return t
}

// get returns the remembered count of v, or -1; a nil table remembers nothing.
func (t countTable) get(v NodeID) int {
	if t == nil {
		return -1
	}
	return int(t[v].Load()) - 1
}

func (t countTable) put(v NodeID, c int) {
	if t != nil {
		t[v].Store(int32(c + 1))
	}
}

// countBatch runs one multi-source search for at most 64 roots and leaves w clean.
func (m *Model) countBatch(w *msWork, roots []NodeID, counts []int, d int, want uint32) {
	w.cur, w.touched = w.cur[:0], w.touched[:0]
	for i, r := range roots {
		if w.seen[r] == 0 {
			w.cur = append(w.cur, r)
			w.touched = append(w.touched, r)
		}
		w.seen[r] |= 1 << i
		w.frontier[r] |= 1 << i
	}
	a := &m.in
	for level := 0; level < d && len(w.cur) > 0; level++ {
		w.nxt = w.nxt[:0]
		for _, u := range w.cur {
			f := w.frontier[u]
			w.frontier[u] = 0
			for j := a.off[u]; j < a.prop[u]; j++ {
				v := a.other[j]
				if nb := f &^ w.seen[v]; nb != 0 {
					if w.next[v] == 0 {
						w.nxt = append(w.nxt, v)
					}
					w.next[v] |= nb
				}
			}
		}
		for _, v := range w.nxt {
			nb := w.next[v]
			w.next[v] = 0
			if w.seen[v] == 0 {
				w.touched = append(w.touched, v)
			}
			w.seen[v] |= nb
			w.frontier[v] = nb
			if want&(1<<m.kinds[v]) != 0 {
				for ; nb != 0; nb &= nb - 1 {
					counts[bits.TrailingZeros64(nb)]++
				}
			}
		}
		w.cur, w.nxt = w.nxt, w.cur
	}
	for _, v := range w.touched {
		w.seen[v], w.frontier[v] = 0, 0
	}
}
