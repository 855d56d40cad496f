package auth

import (
	"fmt"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Hosts checks the Host header of every request, so that a web page whose name was made to
// resolve to this server (DNS rebinding) cannot talk to it. Accepted: the listen address's host;
// for a loopback address also localhost, 127.0.0.1 and [::1]; for an unspecified address
// (0.0.0.0, [::]) any IP address and the loopback names; and the configured names. "*" among the
// configured names accepts any host.
type Hosts struct {
	any, anyIP bool
	names      []string
}

// NewHosts returns the check for a server listening on listenAddr; with "" (a handler used in
// process, not served on an address) any host is accepted.
func NewHosts(listenAddr string, allowed []string) (*Hosts, error) {
	h := &Hosts{any: listenAddr == ""}
	for _, raw := range allowed {
		a := normalHost(raw)
		switch {
		case a == "*":
			h.any = true
		case a == "" || strings.ContainsAny(raw, "/ @"):
			return nil, fmt.Errorf("allowed host %q: want a host name or address, without scheme or path", raw)
		default:
			h.names = append(h.names, a)
		}
	}
	if listenAddr == "" {
		return h, nil
	}
	host, _, err := net.SplitHostPort(listenAddr)
	if err != nil {
		return nil, fmt.Errorf("listen address %q: %w", listenAddr, err)
	}
	ip := net.ParseIP(host)
	switch {
	case host == "" || ip != nil && ip.IsUnspecified():
		h.anyIP = true
		h.names = append(h.names, loopbackNames...)
	case IsLoopback(listenAddr):
		h.names = append(h.names, loopbackNames...)
		h.names = append(h.names, normalHost(host))
	default:
		h.names = append(h.names, normalHost(host))
	}
	return h, nil
}

var loopbackNames = []string{"localhost", "127.0.0.1", "::1"}

// IsLoopback reports whether a listen address only accepts connections from this machine: a
// loopback IP or localhost.
func IsLoopback(listenAddr string) bool {
	host, _, err := net.SplitHostPort(listenAddr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// normalHost lower-cases a Host value and drops its port, IPv6 brackets and trailing dot.
func normalHost(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	if host, _, err := net.SplitHostPort(h); err == nil {
		h = host
	}
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	return strings.TrimSuffix(h, ".")
}

// Allows reports whether a Host header value is accepted.
func (h *Hosts) Allows(host string) bool {
	n := normalHost(host)
	if h.any || slices.Contains(h.names, n) {
		return true
	}
	return h.anyIP && net.ParseIP(n) != nil
}

// Handler refuses requests for other hosts with 421 Misdirected Request.
func (h *Hosts) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !h.Allows(r.Host) {
			plainError(w, http.StatusMisdirectedRequest, "host %q is not served here: add it to MODELGRAPH_ALLOWED_HOSTS (-allowed-hosts) to reach modelgraph under that name", r.Host)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// CORS lets web pages from the listed origins (scheme://host[:port], exactly) call the API and
// refuses requests that a page from any other origin makes, with 403. Same-origin requests (the
// playground) and requests without an Origin header (curl, scripts) pass.
func CORS(origins []string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		if origin == "" || sameOrigin(origin, r.Host) {
			next.ServeHTTP(w, r)
			return
		}
		if !slices.Contains(origins, origin) {
			plainError(w, http.StatusForbidden, "cross-origin request from %q refused: add the origin to MODELGRAPH_CORS_ORIGINS (-cors-origins) to let its pages call modelgraph", origin)
			return
		}
		hdr := w.Header()
		hdr.Set("Access-Control-Allow-Origin", origin)
		hdr.Add("Vary", "Origin")
		if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
			hdr.Set("Access-Control-Allow-Methods", "GET, POST")
			hdr.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, Accept, X-Actor")
			hdr.Set("Access-Control-Max-Age", "600")
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// CheckOrigins validates configured CORS origins: each must be scheme://host[:port].
func CheckOrigins(origins []string) error {
	for _, o := range origins {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.User != nil {
			return fmt.Errorf("CORS origin %q: want scheme://host[:port], e.g. https://dashboard.example.com", o)
		}
	}
	return nil
}

func sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	return err == nil && u.Host != "" && strings.EqualFold(u.Host, host)
}
