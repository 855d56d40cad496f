package resolvers

import (
	"crypto/sha256"
	"encoding/base64"
	"io/fs"
	"net/http"
	"regexp"
	"strings"

	"github.com/modelgraph/modelgraph/resolvers/playground"
)

// withHeaders sets what every response carries: no framing by other sites (clickjacking) and no
// content sniffing.
func withHeaders(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hdr := w.Header()
		hdr.Set("X-Frame-Options", "DENY")
		hdr.Set("X-Content-Type-Options", "nosniff")
		hdr.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
		h.ServeHTTP(w, r)
	})
}

// withPageHeaders gives the playground its content security policy: scripts, styles and
// connections only from this server, plus the page's own inline script by its hash.
func withPageHeaders(h http.Handler) http.Handler {
	csp := PlaygroundCSP()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		h.ServeHTTP(w, r)
	})
}

// withCSP sets a page's own Content-Security-Policy (the explorer's: see explore.CSP).
func withCSP(csp string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", csp)
		h.ServeHTTP(w, r)
	})
}

// inlineScript matches a script element without a src attribute and captures its text.
var inlineScript = regexp.MustCompile(`(?s)<script>(.*?)</script>`)

// PlaygroundCSP is the playground page's Content-Security-Policy. GraphiQL sets style attributes
// and inlines its fonts as data: URLs, hence 'unsafe-inline' styles and data: fonts; no script
// runs unless it is a file of this server or the page's inline script with its exact hash.
func PlaygroundCSP() string {
	page, err := fs.ReadFile(playground.Assets(), "index.html")
	if err != nil {
		panic("playground page: " + err.Error()) // cannot happen: the page is embedded
	}
	scripts := []string{"'self'"}
	for _, m := range inlineScript.FindAllSubmatch(page, -1) {
		sum := sha256.Sum256(m[1])
		scripts = append(scripts, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src " + strings.Join(scripts, " "),
		"style-src 'self' 'unsafe-inline'",
		"font-src 'self' data:",
		"img-src 'self' data:",
		"connect-src 'self'",
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}
