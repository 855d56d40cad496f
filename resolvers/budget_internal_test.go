package resolvers

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/gqlerror"
)

// TestMeterStopsAtTheDeadline: once the request's deadline has passed, no field resolves any more
// (the resolver is not called) and the field gets REQUEST_TIMEOUT.
func TestMeterStopsAtTheDeadline(t *testing.T) {
	m := &meter{lim: DefaultLimits, gate: newGate(10)}
	m.active.Store(true)
	ctx, cancel := context.WithCancel(withMeter(context.Background(), m))
	called := 0
	next := func(context.Context) (any, error) { called++; return "v", nil }
	if v, err := (requestMeter{}).InterceptField(ctx, next); err != nil || v != "v" {
		t.Fatalf("before the deadline: %v, %v", v, err)
	}
	cancel()
	_, err := (requestMeter{}).InterceptField(ctx, next)
	var gerr *gqlerror.Error
	if !errors.As(err, &gerr) || gerr.Extensions["code"] != "REQUEST_TIMEOUT" || called != 1 || !m.late.Load() {
		t.Fatalf("after the deadline: %v (called %d times)", err, called)
	}
}

// TestMeterCountsEveryField: the budget counts fields one by one and refuses the first beyond.
func TestMeterCountsEveryField(t *testing.T) {
	lim := DefaultLimits
	lim.MaxResolvedFields = 3
	m := &meter{lim: lim, gate: newGate(10)}
	m.active.Store(true)
	ctx := withMeter(context.Background(), m)
	next := func(context.Context) (any, error) { return 1, nil }
	for i := range 3 {
		if _, err := (requestMeter{}).InterceptField(ctx, next); err != nil {
			t.Fatalf("field %d: %v", i+1, err)
		}
	}
	_, err := (requestMeter{}).InterceptField(ctx, next)
	var gerr *gqlerror.Error
	if !errors.As(err, &gerr) || gerr.Extensions["code"] != CodeTooManyResolvedFields || gerr.Extensions["max"] != 3 || !m.over.Load() {
		t.Fatalf("fourth field: %v", err)
	}
}

// TestGateWeighsHeavyRequests: heavy requests share the gate by weight and wait their turn within
// their deadline; one heavier than the gate takes all of it; letting go lets the next one in.
func TestGateWeighsHeavyRequests(t *testing.T) {
	g := newGate(10)
	a, b, c := &meter{gate: g}, &meter{gate: g}, &meter{gate: g}
	ctx := context.Background()
	if err := a.hold(ctx, 6); err != nil {
		t.Fatal(err)
	}
	if err := b.hold(ctx, 4); err != nil {
		t.Fatalf("6 + 4 fit in 10: %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if err := c.hold(short, 1000); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a full gate let a request in: %v", err)
	}
	a.release()
	b.release()
	if err := c.hold(ctx, 1000); err != nil || c.held != 10 {
		t.Fatalf("the empty gate: %v, held %d (want the whole gate, 10)", err, c.held)
	}
	// Holding more than before lets go first: a request never waits for itself.
	c.release()
	if err := a.hold(ctx, 3); err != nil {
		t.Fatal(err)
	}
	if err := a.hold(ctx, 10); err != nil || a.held != 10 {
		t.Fatalf("growing from 3 to 10: %v, held %d", err, a.held)
	}
	a.release()
	// Bodies: up to 1 MiB weigh nothing, 8 MiB and more the whole gate.
	for n, want := range map[int64]int64{1 << 20: 0, 2 << 20: 2, 4 << 20: 5, 8 << 20: 10, 64 << 20: 10} {
		if w := bodyWeight(n, 10); w != want {
			t.Errorf("body of %d bytes weighs %d, want %d", n, w, want)
		}
	}
}

// TestReadBody reads bodies whatever their announced size: exact, shorter, longer, unknown; and
// refuses one beyond the limit with the limit's error.
func TestReadBody(t *testing.T) {
	body := strings.Repeat("x", 1000)
	for _, announced := range []int64{1000, 10, 5000, 0, -1} {
		got, err := readBody(strings.NewReader(body), announced)
		if err != nil || string(got) != body {
			t.Errorf("announced %d: %d bytes, %v", announced, len(got), err)
		}
	}
	rec := httptest.NewRecorder()
	_, err := readBody(http.MaxBytesReader(rec, io.NopCloser(strings.NewReader(body)), 999), 999)
	var tooLarge *http.MaxBytesError
	if !errors.As(err, &tooLarge) {
		t.Fatalf("1000 bytes through a limit of 999: %v", err)
	}
}
