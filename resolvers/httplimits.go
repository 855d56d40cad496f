package resolvers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/modelgraph/modelgraph/graph"
)

// Error codes of requests refused before GraphQL runs.
const (
	CodeRequestTooLarge = "REQUEST_TOO_LARGE"
	CodeTooManyRequests = "TOO_MANY_REQUESTS"
	CodeTooManyErrors   = "TOO_MANY_ERRORS"
)

// writeError answers with a GraphQL response that holds one error.
func writeError(w http.ResponseWriter, status int, gerr *gqlerror.Error) {
	b, _ := json.Marshal(graphql.Response{Errors: gqlerror.List{gerr}})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(b)
}

func codedError(code, format string, args ...any) *gqlerror.Error {
	return &gqlerror.Error{Message: fmt.Sprintf(format, args...), Extensions: map[string]any{"code": code}}
}

// ClientAddress is the default Options.ClientKey: the host of the connection's remote address.
func ClientAddress(r *http.Request) string {
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// clientLimiter bounds the requests each client has in flight.
type clientLimiter struct {
	max    int
	key    func(*http.Request) string
	mu     sync.Mutex
	active map[string]int
}

func (l *clientLimiter) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k := l.key(r)
		if !l.enter(k) {
			w.Header().Set("Retry-After", "1")
			writeError(w, http.StatusTooManyRequests, limitError("MaxClientRequests", l.max, "this client already has %d requests in flight", l.max))
			return
		}
		defer l.leave(k)
		h.ServeHTTP(w, r)
	})
}

func (l *clientLimiter) enter(k string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.active[k] >= l.max {
		return false
	}
	l.active[k]++
	return true
}

func (l *clientLimiter) leave(k string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.active[k]--; l.active[k] <= 0 {
		delete(l.active, k)
	}
}

// checkBody reads a POST body up to max bytes and refuses, before gqlgen sees it, a body that is
// too large (413), a batch (an array of operations) or malformed JSON (400, BAD_USER_INPUT).
// gqlgen would answer these with an uncoded error that repeats the whole body.
func checkBody(max int64, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Body == nil {
			h.ServeHTTP(w, r)
			return
		}
		body, err := readBody(http.MaxBytesReader(w, r.Body, max), min(r.ContentLength, max))
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			writeError(w, http.StatusRequestEntityTooLarge, limitError("MaxBodyBytes", max, "the request body is larger than %d bytes", max))
			return
		case err != nil:
			writeError(w, http.StatusBadRequest, codedError(CodeBadUserInput, "could not read the request body: %s", graph.Clip(err.Error())))
			return
		}
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/json" {
			if gerr := checkJSON(body); gerr != nil {
				writeError(w, http.StatusBadRequest, gerr)
				return
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		r.ContentLength = int64(len(body))
		h.ServeHTTP(w, r)
	})
}

// readBody reads a body announced as size bytes (0 or less: unknown) into one buffer of that
// size, where io.ReadAll would grow and copy its buffer about twenty times for a 64 MiB body.
func readBody(r io.Reader, size int64) ([]byte, error) {
	if size <= 0 {
		return io.ReadAll(r)
	}
	buf := make([]byte, size+1) // one more: the end of the body shows as a short read
	n, err := io.ReadFull(r, buf)
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return buf[:n], nil
	case err != nil:
		return nil, err
	}
	rest, err := io.ReadAll(r) // longer than announced
	return append(buf, rest...), err
}

func checkJSON(body []byte) *gqlerror.Error {
	if t := bytes.TrimLeft(body, " \t\r\n"); len(t) > 0 && t[0] == '[' {
		return codedError(CodeBadUserInput, "batching is not supported: send one operation per request, as a JSON object")
	}
	if json.Valid(body) {
		return nil
	}
	var v json.RawMessage
	err := json.Unmarshal(body, &v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return codedError(CodeBadUserInput, "the request body is not valid JSON: %s at byte %d", graph.Clip(se.Error()), se.Offset)
	}
	return codedError(CodeBadUserInput, "the request body is not valid JSON")
}

// requestScope gives each request its deadline, its database budget and its meter (budget.go),
// with the server's gate for heavy requests. A large body takes its weight on the gate before
// gqlgen decodes it.
func requestScope(lim Limits, h http.Handler) http.Handler {
	g := newGate(lim.MaxConcurrentCost)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), lim.RequestTimeout)
		defer cancel()
		ctx = graph.WithBudget(ctx, graph.Budget{MaxRows: lim.MaxRows, MaxSessions: lim.MaxSessions})
		m := &meter{lim: lim, gate: g}
		defer m.release()
		if bw := bodyWeight(r.ContentLength, g.capacity); bw > 0 {
			if err := m.hold(ctx, bw); err != nil {
				w.Header().Set("Retry-After", "1")
				writeError(w, http.StatusServiceUnavailable, m.timeoutError())
				return
			}
		}
		h.ServeHTTP(w, r.WithContext(withMeter(ctx, m)))
	})
}

// capResponse replaces a response larger than lim.MaxResponseBytes with a RESPONSE_TOO_LARGE
// error. gqlgen writes a response in one piece, so the status line is held back until the first
// write. It also answers REQUEST_TIMEOUT where gqlgen, finding the deadline passed, would answer
// with a bare null.
func capResponse(lim Limits, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cw := &cappedWriter{ResponseWriter: w, max: lim.MaxResponseBytes, status: http.StatusOK}
		cw.expired = func() *gqlerror.Error {
			if r.Context().Err() == nil {
				return nil
			}
			return limitError("RequestTimeout", lim.RequestTimeout.String(), "the request took longer than %s", lim.RequestTimeout)
		}
		h.ServeHTTP(cw, r)
		if !cw.started {
			cw.ResponseWriter.WriteHeader(cw.status)
		}
	})
}

type cappedWriter struct {
	http.ResponseWriter
	max, written int
	status       int
	started      bool // the status line has been sent
	over         bool
	expired      func() *gqlerror.Error
}

func (c *cappedWriter) WriteHeader(status int) {
	if !c.started {
		c.status = status
	}
}

func (c *cappedWriter) Write(p []byte) (int, error) {
	if c.over {
		return len(p), nil
	}
	if !c.started && string(p) == "null" {
		if gerr := c.expired(); gerr != nil {
			c.started, c.over = true, true
			writeError(c.ResponseWriter, http.StatusOK, gerr)
			return len(p), nil
		}
	}
	if c.written+len(p) > c.max {
		c.over = true
		if !c.started {
			c.started = true
			writeError(c.ResponseWriter, http.StatusOK, limitError("MaxResponseBytes", c.max, "the response would be %d bytes", c.written+len(p)))
		}
		// Part of the response is out already; stop it short rather than exceed the limit.
		return len(p), nil
	}
	if !c.started {
		c.started = true
		c.ResponseWriter.WriteHeader(c.status)
	}
	c.written += len(p)
	return c.ResponseWriter.Write(p)
}

// Unwrap gives http.ResponseController the underlying writer.
func (c *cappedWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// Flush lets streaming transports flush through the cap.
func (c *cappedWriter) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok && c.started {
		f.Flush()
	}
}

// maxErrors bounds the errors of one response; the rest are counted in a last error.
const maxErrors = 100

// errorCap keeps a response to maxErrors errors.
type errorCap struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = errorCap{}

func (errorCap) ExtensionName() string                          { return "ErrorCap" }
func (errorCap) Validate(schema graphql.ExecutableSchema) error { return nil }

func (errorCap) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp == nil || len(resp.Errors) <= maxErrors {
		return resp
	}
	more := len(resp.Errors) - maxErrors
	resp.Errors = append(resp.Errors[:maxErrors:maxErrors], &gqlerror.Error{
		Message:    fmt.Sprintf("%d more errors not listed", more),
		Extensions: map[string]any{"code": CodeTooManyErrors, "more": more},
	})
	return resp
}
