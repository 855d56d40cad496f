package resolvers_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/modelgraph/modelgraph/graph/graphtest"
	"github.com/modelgraph/modelgraph/resolvers"
)

// readCounter is a request body that counts the bytes read from it.
type readCounter struct {
	r io.Reader
	n int
}

func (c *readCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

// postRaw sends body with the given Content-Length (-1: unannounced) and decodes the answer.
func postRaw(t *testing.T, h http.Handler, body io.Reader, length int64) rawResponse {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/graphql", body)
	req.ContentLength = length
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	out := rawResponse{status: rec.Code, body: rec.Body.Bytes()}
	if err := json.Unmarshal(out.body, &out.gql); err != nil {
		t.Fatalf("response is not JSON (%d): %.300s", rec.Code, out.body)
	}
	return out
}

// TestBodyDecodedOnce checks the request bodies checkBody decodes itself (gqlgen gets the
// decoded request): what gqlgen would answer for a well-formed one, and the refusals of the
// ill-formed ones, whether or not the body's length is announced.
func TestBodyDecodedOnce(t *testing.T) {
	t.Parallel()
	h := limitedHandler(t, graphtest.Store(t), resolvers.Options{MaxBodyBytes: 1 << 20})
	ok := `{"query": "query($b: Boolean!) { models @include(if: $b) { key } }", "variables": {"b": true}, "operationName": null}`
	t.Run("well-formed, length unannounced", func(t *testing.T) {
		r := postRaw(t, h, io.MultiReader(strings.NewReader(" \n"+ok+"\n ")), -1)
		if r.status != http.StatusOK || len(r.gql.Errors) > 0 {
			t.Fatalf("status %d, errors %+v", r.status, r.gql.Errors)
		}
	})
	t.Run("data after the object", func(t *testing.T) {
		r := postRaw(t, h, strings.NewReader(ok+` {"query": "{ models { key } }"}`), -1)
		wantCode(t, r, http.StatusBadRequest, "BAD_USER_INPUT", "not valid JSON: invalid character '{' after the request object")
	})
	t.Run("cut short", func(t *testing.T) {
		r := postRaw(t, h, strings.NewReader(`{"query": "{ models { key } }"`), -1)
		wantCode(t, r, http.StatusBadRequest, "BAD_USER_INPUT", "not valid JSON")
	})
	t.Run("empty", func(t *testing.T) {
		wantCode(t, postRaw(t, h, strings.NewReader(" "), 1), http.StatusBadRequest, "BAD_USER_INPUT", "the request body is empty")
	})
	t.Run("above the maximum, length unannounced", func(t *testing.T) {
		r := postRaw(t, h, io.MultiReader(strings.NewReader(`{"query": "`+strings.Repeat("z", 2<<20)+`"}`)), -1)
		wantCode(t, r, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE", "larger than 1048576 bytes")
	})
	t.Run("announced above the maximum is refused unread", func(t *testing.T) {
		body := &readCounter{r: strings.NewReader(`{"query": "` + strings.Repeat("z", 2<<20) + `"}`)}
		r := postRaw(t, h, body, 2<<20+13)
		wantCode(t, r, http.StatusRequestEntityTooLarge, "REQUEST_TOO_LARGE", "larger than 1048576 bytes")
		if body.n != 0 {
			t.Fatalf("%d bytes read", body.n)
		}
	})
}

// TestTrickledBodyLetsGoOfTheGate: a large body waits for the whole heavy-request gate before it
// is read, so a client that announces one and then sends it slowly must lose the gate at the
// request's deadline (answered REQUEST_TIMEOUT), not hold it for the server's read timeout. A
// second large body sent after that deadline is read and answered while the first client is
// still connected.
func TestTrickledBodyLetsGoOfTheGate(t *testing.T) {
	t.Parallel()
	h := limitedHandler(t, graphtest.Store(t), resolvers.Options{Limits: resolvers.Limits{RequestTimeout: 2 * time.Second}})
	srv := httptest.NewServer(h)
	defer srv.Close()

	// The first client announces 9 MiB (over the size that weighs the whole gate) and sends a few
	// bytes, then nothing until it is told to stop.
	const size = 9 << 20
	pr, pw := io.Pipe()
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		_, _ = pw.Write([]byte(`{"query": "{ models { key } }", "pad": "`))
		<-stop
		_ = pw.CloseWithError(io.ErrClosedPipe)
	}()
	first := make(chan *http.Response, 1)
	go func() {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", pr)
		req.ContentLength = size
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			first <- nil
			return
		}
		first <- resp
	}()
	select {
	case resp := <-first:
		if resp == nil {
			t.Fatal("the trickling client got no answer")
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusRequestTimeout || !strings.Contains(string(b), "REQUEST_TIMEOUT") {
			t.Fatalf("the trickling client got %d %s, want 408 REQUEST_TIMEOUT", resp.StatusCode, b)
		}
	case <-time.After(40 * time.Second):
		t.Fatal("the trickling client still holds its request after 40 s (the deadline is 2 s): the gate is held for the read timeout")
	}

	// The gate is free again: a second large body is read and answered.
	body := `{"query": "{ __typename }", "pad": "` + strings.Repeat(" ", size) + `"}`
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `"__typename":"Query"`) {
		t.Fatalf("a large body after the trickling one got %d %.300s", resp.StatusCode, b)
	}
}
