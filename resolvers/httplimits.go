package resolvers

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
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
// gqlgen would answer these with an uncoded error that repeats the whole body. A JSON body is
// decoded here, once, and gqlgen is handed the decoded request (decodedParams). A body announced
// as larger than max is refused unread; a large body waits for its weight on the heavy-request
// gate (budget.go) before it is read, since reading, checking and decoding it is the work, and
// a body of unannounced length once it has been read. It runs inside requestScope, which gives
// the request its meter.
func checkBody(max int64, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Body == nil {
			h.ServeHTTP(w, r)
			return
		}
		tooLarge := func() {
			writeError(w, http.StatusRequestEntityTooLarge, limitError("MaxBodyBytes", max, "the request body is larger than %d bytes", max))
		}
		if r.ContentLength > max {
			tooLarge()
			return
		}
		m := meterFrom(r.Context())
		if !holdBody(w, r, m, r.ContentLength) {
			return
		}
		body := http.MaxBytesReader(w, r.Body, max)
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/json" {
			p, err := decodeBody(body)
			var mbe *http.MaxBytesError
			var gerr *gqlerror.Error
			switch {
			case errors.As(err, &mbe):
				tooLarge()
			case errors.Is(err, os.ErrDeadlineExceeded) && m != nil:
				writeError(w, http.StatusRequestTimeout, m.timeoutError())
			case errors.As(err, &gerr):
				writeError(w, http.StatusBadRequest, gerr)
			case err != nil:
				writeError(w, http.StatusBadRequest, codedError(CodeBadUserInput, "could not read the request body: %s", graph.Clip(err.Error())))
			case holdBody(w, r, m, p.size):
				r.Body = io.NopCloser(strings.NewReader("{}"))
				r.ContentLength = 2
				h.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), paramsKey{}, p.params)))
			}
			return
		}
		b, err := readBody(body, min(r.ContentLength, max))
		var mbe *http.MaxBytesError
		switch {
		case errors.As(err, &mbe):
			tooLarge()
			return
		case err != nil:
			writeError(w, http.StatusBadRequest, codedError(CodeBadUserInput, "could not read the request body: %s", graph.Clip(err.Error())))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.ContentLength = int64(len(b))
		h.ServeHTTP(w, r)
	})
}

// holdBody makes the request hold the gate weight of a body of n bytes, waiting within the
// request's deadline; it answers 503 and reports false when the deadline passes first.
func holdBody(w http.ResponseWriter, r *http.Request, m *meter, n int64) bool {
	if m == nil {
		return true
	}
	bw := bodyWeight(n, m.gate.capacity)
	if bw == 0 {
		return true
	}
	if err := m.hold(r.Context(), bw); err != nil {
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, m.timeoutError())
		return false
	}
	// A body read while holding the gate must arrive within the request's deadline, not the
	// server's longer read timeout: a client trickling a large body would hold the gate for that
	// long. Where the connection cannot take a deadline, the server's read timeout still ends it.
	if d, ok := r.Context().Deadline(); ok {
		_ = http.NewResponseController(w).SetReadDeadline(d)
	}
	return true
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

// decodedBody is a JSON request body decoded by checkBody.
type decodedBody struct {
	params *graphql.RawParams
	size   int64 // bytes read
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// decodeBody decodes a JSON request body in one pass from the connection, as gqlgen's POST
// transport would (numbers as json.Number) but without reading it into a buffer first and
// copying it twice more: the decoder's buffer is the only copy. It refuses a batch, malformed
// JSON, anything but whitespace after the object and an object that is not a GraphQL request,
// each with a BAD_USER_INPUT *gqlerror.Error; a read error (the body's limit) is returned as is.
func decodeBody(body io.Reader) (decodedBody, error) {
	cr := &countingReader{r: body}
	br := bufio.NewReader(cr)
	for {
		c, err := br.ReadByte()
		if err != nil {
			if err == io.EOF {
				return decodedBody{}, codedError(CodeBadUserInput, "the request body is empty: send a GraphQL request (an object with query, variables, operationName)")
			}
			return decodedBody{}, err
		}
		if c == '[' {
			return decodedBody{}, codedError(CodeBadUserInput, "batching is not supported: send one operation per request, as a JSON object")
		}
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			br.UnreadByte()
			break
		}
	}
	dec := json.NewDecoder(br)
	dec.UseNumber()
	p := &graphql.RawParams{}
	err := dec.Decode(p)
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return decodedBody{}, codedError(CodeBadUserInput, "the request body is not valid JSON: %s at byte %d", graph.Clip(se.Error()), se.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return decodedBody{}, codedError(CodeBadUserInput, "the request body is not valid JSON: it ends inside a value")
	case errors.As(err, &te):
		return decodedBody{}, codedError(CodeBadUserInput, "the request body is not a GraphQL request (an object with query, variables, operationName): %s", graph.Clip(te.Error()))
	case err != nil:
		return decodedBody{}, err
	}
	offset := dec.InputOffset()
	rest := bufio.NewReader(io.MultiReader(dec.Buffered(), br))
	for {
		c, err := rest.ReadByte()
		if err == io.EOF {
			break
		}
		if err != nil {
			return decodedBody{}, err
		}
		if c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			return decodedBody{}, codedError(CodeBadUserInput, "the request body is not valid JSON: invalid character %s after the request object at byte %d", graph.Clip(strconv.QuoteRune(rune(c))), offset+1)
		}
		offset++
	}
	return decodedBody{params: p, size: cr.n}, nil
}

type paramsKey struct{}

// decodedParams hands gqlgen the request checkBody decoded. gqlgen's POST transport is given an
// empty object in place of the body, so that a large body is not read and decoded twice; this
// operation parameter mutator, which runs before any other, puts back what the body said.
type decodedParams struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = decodedParams{}

func (decodedParams) ExtensionName() string                          { return "DecodedBody" }
func (decodedParams) Validate(schema graphql.ExecutableSchema) error { return nil }

func (decodedParams) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if d, ok := ctx.Value(paramsKey{}).(*graphql.RawParams); ok {
		p.Query, p.OperationName, p.Variables, p.Extensions = d.Query, d.OperationName, d.Variables, d.Extensions
	}
	return nil
}

// requestScope gives each request its deadline, its database budget and its meter (budget.go),
// with the server's gate for heavy requests. It runs before checkBody, so that a large body
// takes its weight on the gate before it is read.
func requestScope(lim Limits, h http.Handler) http.Handler {
	g := newGate(lim.MaxConcurrentCost)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), lim.RequestTimeout)
		defer cancel()
		ctx = graph.WithBudget(ctx, graph.Budget{MaxRows: lim.MaxRows, MaxSessions: lim.MaxSessions})
		m := &meter{lim: lim, gate: g}
		defer m.release()
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
