package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestDebugAddressAnswersOnlyLoopbackHosts: a page that rebinds its own name to 127.0.0.1
// sends its name as Host, and the debug address must not answer it.
func TestDebugAddressAnswersOnlyLoopbackHosts(t *testing.T) {
	h := loopbackHost(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }))
	for host, want := range map[string]int{
		"127.0.0.1:6060":         http.StatusNoContent,
		"localhost:6060":         http.StatusNoContent,
		"[::1]:6060":             http.StatusNoContent,
		"127.0.0.1":              http.StatusNoContent,
		"evil.example:6060":      http.StatusMisdirectedRequest,
		"192.168.1.5:6060":       http.StatusMisdirectedRequest,
		"localhost.evil.example": http.StatusMisdirectedRequest,
		"":                       http.StatusMisdirectedRequest,
	} {
		r := httptest.NewRequest(http.MethodGet, "/metrics", nil)
		r.Host = host
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != want {
			t.Errorf("Host %q: status %d, want %d", host, w.Code, want)
		}
	}
}
