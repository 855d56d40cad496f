package resolvers_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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
