package engine

import (
	"fmt"
	"sync"
	"testing"

	"github.com/modelgraph/modelgraph/bench/synth"
)

// TestConcurrentReaders runs every traversal from many goroutines on one Model (and on a Model
// derived from it, which shares its buffers) and checks each answer against the one computed
// alone. Run with -race.
func TestConcurrentReaders(t *testing.T) {
	m, err := FromFile(synth.Model("conc", 3000, 9))
	if err != nil {
		t.Fatal(err)
	}
	e := m.Element(10)
	e.Name = "Renamed"
	derived, err := m.Apply([]Edit{{Op: UpsertElement, Element: e}}, 2)
	if err != nil {
		t.Fatal(err)
	}
	roots := make([]NodeID, 0, 64)
	for v := 0; v < m.Len(); v += m.Len() / 64 {
		roots = append(roots, NodeID(v))
	}
	answer := func(m *Model, v NodeID) string {
		s, _ := m.Supporters(v, SupportersOptions{Paths: true})
		im, _ := m.Impact(v, ImpactOptions{Paths: true, Attached: true})
		p, ok, _ := m.Path(v, roots[0], 6)
		return fmt.Sprintf("%s|%s|%d|%v|%v", reachedText(m, s), reachedText(m, im.Affected), len(im.Attached), ok, len(p))
	}
	want := map[NodeID]string{}
	for _, v := range roots {
		want[v] = answer(m, v)
	}
	wantCounts, _ := m.SupporterCounts(roots, SupportersOptions{})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			model := m
			if g%2 == 1 {
				model = derived
			}
			for i := range roots {
				v := roots[(i+g*7)%len(roots)]
				if got := answer(model, v); got != want[v] {
					t.Errorf("goroutine %d, root %d: answer differs", g, v)
				}
			}
			counts, _ := model.SupporterCounts(roots, SupportersOptions{})
			if fmt.Sprint(counts) != fmt.Sprint(wantCounts) {
				t.Errorf("goroutine %d: counts differ", g)
			}
			_ = model.Elements()
		}()
	}
	wg.Wait()
}
