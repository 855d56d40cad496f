package obs

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/modelgraph/modelgraph/graph"
)

// ReadyTTL is how long a readiness answer is kept: however many probes come, the database is
// checked at most once in this time.
const ReadyTTL = 2 * time.Second

// readyTimeout bounds one check: a database that does not answer within it is not ready.
const readyTimeout = 2 * time.Second

// Ready answers /readyz: 200 when check passes (the database answers and its schema is set up),
// 503 with the reason otherwise. Answers are kept for ttl, and probes arriving while a check runs
// wait for it, so probes cannot be used to load the database. The reason names what is wrong but
// not the database's address or its error text; those go to the log.
func Ready(check func(context.Context) error, ttl time.Duration, log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &ready{check: check, ttl: ttl, log: log}
	return http.HandlerFunc(r.serve)
}

type ready struct {
	check func(context.Context) error
	ttl   time.Duration
	log   *slog.Logger

	mu     sync.Mutex
	at     time.Time // when reason was found; zero: never checked
	reason string    // "": ready
}

func (r *ready) serve(w http.ResponseWriter, req *http.Request) {
	reason := r.state()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if reason != "" {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("not ready: " + reason + "\n"))
		return
	}
	w.Write([]byte("ready\n"))
}

// state is the kept answer, or a fresh one when it is older than ttl. The check runs without the
// request's context: a probe that gives up must not cut short the check others wait for.
func (r *ready) state() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.at.IsZero() && time.Since(r.at) < r.ttl {
		return r.reason
	}
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	err := r.check(ctx)
	r.reason = ""
	switch {
	case err == nil:
	case errors.Is(err, graph.ErrNotReady):
		// "database unavailable: schema not set up: missing or not online: NAME, ..."
		r.reason = "database " + strings.TrimPrefix(err.Error(), graph.ErrUnavailable.Error()+": ")
	case errors.Is(err, context.DeadlineExceeded):
		r.reason = "database did not answer within " + readyTimeout.String()
	default:
		r.reason = "database unavailable"
	}
	if err != nil {
		r.log.Warn("not ready", "reason", r.reason, "err", err)
	}
	r.at = time.Now()
	return r.reason
}
