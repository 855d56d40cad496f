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

// target answers canonical queries.
type target interface {
	name() string
	do(ctx context.Context, query string, args map[string]any) error
}

// httpTarget posts GraphQL operations to a server.
type httpTarget struct {
	label string
	url   string
	ops   map[string]string
}

var client = &http.Client{
	Timeout: time.Minute,
	Transport: &http.Transport{
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 256,
		IdleConnTimeout:     time.Minute,
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
	},
}

func (t *httpTarget) name() string { return t.label }

func (t *httpTarget) do(ctx context.Context, query string, args map[string]any) error {
	op, ok := t.ops[query]
	if !ok {
		return fmt.Errorf("%s has no operation for %s", t.label, query)
	}
	body, _ := json.Marshal(map[string]any{"query": op, "variables": args})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var out struct {
		Data   json.RawMessage   `json:"data"`
		Errors []json.RawMessage `json:"errors"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return fmt.Errorf("%s answered %d with no JSON: %.200s", t.label, resp.StatusCode, b)
	}
	if len(out.Errors) > 0 {
		return fmt.Errorf("%s: %s", t.label, out.Errors[0])
	}
	return nil
}
