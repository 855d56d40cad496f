package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// target answers canonical queries. With check set, do also returns the answer's shape (see
// shape); otherwise the shape may be nil.
type target interface {
	name() string
	do(ctx context.Context, query string, args map[string]any, check bool) (shape, error)
}

// httpTarget posts GraphQL operations to a server.
type httpTarget struct {
	label string
	url   string
	ops   map[string]string
	// shapeOf reads the shape of a query's answer from the response's data.
	shapeOf func(query string, data any) shape
}

// client is the HTTP client of the abuse bench (abuse*.go).
var client = &http.Client{
	Timeout:   time.Minute,
	Transport: transport,
}

// benchClient has no timeout of its own: every request's context carries the request timeout.
var benchClient = &http.Client{Transport: transport}

var transport = &http.Transport{
	MaxIdleConns:        256,
	MaxIdleConnsPerHost: 256,
	IdleConnTimeout:     time.Minute,
	DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
}

func (t *httpTarget) name() string { return t.label }

func (t *httpTarget) do(ctx context.Context, query string, args map[string]any, check bool) (shape, error) {
	op, ok := t.ops[query]
	if !ok {
		return nil, fmt.Errorf("%s has no operation for %s", t.label, query)
	}
	body, _ := json.Marshal(map[string]any{"query": op, "variables": args})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := benchClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var out struct {
		Data   json.RawMessage   `json:"data"`
		Errors []json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, fmt.Errorf("%s answered %d with no JSON: %.200s", t.label, resp.StatusCode, b)
	}
	if len(out.Errors) > 0 {
		return nil, fmt.Errorf("%s: %.500s", t.label, out.Errors[0])
	}
	if !check {
		return nil, nil
	}
	var data any
	if err := json.Unmarshal(out.Data, &data); err != nil {
		return nil, err
	}
	return t.shapeOf(query, data), nil
}
