package playground

import (
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"regexp"
	"strings"
	"testing"
)

// srcHrefRE matches src= and href= attributes with a quoted value.
var srcHrefRE = regexp.MustCompile(`(?i)\b(?:src|href)\s*=\s*["']([^"']*)["']`)

// do sends a request to a fresh Handler and returns the recorded response.
func do(t *testing.T, method, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, httptest.NewRequest(method, target, nil))
	return rec
}

// readFile reads an embedded file or fails the test.
func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := fs.ReadFile(Assets(), name)
	if err != nil {
		t.Fatalf("reading embedded %s: %v", name, err)
	}
	return string(b)
}

// pageRefs returns the src= and href= values in index.html.
func pageRefs(t *testing.T) []string {
	t.Helper()
	var refs []string
	for _, m := range srcHrefRE.FindAllStringSubmatch(readFile(t, "index.html"), -1) {
		refs = append(refs, m[1])
	}
	if len(refs) < 4 {
		t.Fatalf("index.html: found %d src/href attributes %q, want at least 4 (css, react, react-dom, graphiql)", len(refs), refs)
	}
	return refs
}

func TestPage(t *testing.T) {
	for _, method := range []string{http.MethodGet, http.MethodHead} {
		rec := do(t, method, "/")
		if rec.Code != http.StatusOK {
			t.Fatalf("%s /: status %d, want 200", method, rec.Code)
		}
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("%s /: Content-Type %q, want text/html", method, ct)
		}
		if cc := rec.Header().Get("Cache-Control"); strings.Contains(cc, "max-age") {
			t.Errorf("%s /: Cache-Control %q; the page must not be cached for long", method, cc)
		}
		body := rec.Body.String()
		if method == http.MethodHead {
			if body != "" {
				t.Errorf("HEAD /: non-empty body")
			}
			continue
		}
		for _, want := range []string{
			"<title>modelgraph playground</title>",
			"GraphiQL.createFetcher({ url: '/graphql' })",
			"'# Which processes support each value proposition of the sportswear retailer?'",
			"'query SupportingProcesses {'",
			"'        supporters(kinds: [Process]) { distance element { key name } }'",
			"GraphiQLPluginExplorer.explorerPlugin()",
			"href: '/explore/'",
		} {
			if !strings.Contains(body, want) {
				t.Errorf("GET /: body does not contain %q", want)
			}
		}
	}
}

func TestPageETag(t *testing.T) {
	etag := do(t, http.MethodGet, "/").Header().Get("ETag")
	if etag == "" {
		t.Fatal("GET /: no ETag")
	}
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("If-None-Match", etag)
	rec := httptest.NewRecorder()
	Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusNotModified {
		t.Errorf("GET / with If-None-Match: status %d, want 304", rec.Code)
	}
}

// TestPageRefsServed checks that every src/href in the page is a relative
// URL that the handler serves with the right type and a long cache header.
func TestPageRefsServed(t *testing.T) {
	base, _ := url.Parse("http://playground.test/")
	for _, ref := range pageRefs(t) {
		u, err := url.Parse(ref)
		if err != nil {
			t.Errorf("index.html: %q: %v", ref, err)
			continue
		}
		if u.Scheme != "" || u.Host != "" || strings.HasPrefix(ref, "/") || strings.Contains(ref, "//") {
			t.Errorf("index.html: %q is not a relative URL", ref)
			continue
		}
		target := base.ResolveReference(u).RequestURI()
		rec := do(t, http.MethodGet, target)
		if rec.Code != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", target, rec.Code)
			continue
		}
		if rec.Body.Len() == 0 {
			t.Errorf("GET %s: empty body", target)
		}
		wantType := map[string]string{".js": "text/javascript", ".css": "text/css"}[path.Ext(u.Path)]
		if ct := rec.Header().Get("Content-Type"); wantType == "" || !strings.HasPrefix(ct, wantType) {
			t.Errorf("GET %s: Content-Type %q, want %q", target, ct, wantType)
		}
		if cc := rec.Header().Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") {
			t.Errorf("GET %s: Cache-Control %q, want a long max-age", target, cc)
		}
		if want := readFile(t, u.Path); rec.Body.String() != want {
			t.Errorf("GET %s: body differs from the embedded file", target)
		}
	}
}

// cdnHosts are hosts GraphiQL pages commonly load code or fonts from.
var cdnHosts = []string{
	"unpkg.com", "jsdelivr.net", "esm.sh", "cdnjs.cloudflare.com",
	"fonts.googleapis.com", "fonts.gstatic.com", "googleapis.com",
}

// remoteCSSRE matches CSS that makes the browser fetch from another host:
// url(...) or @import with a scheme or a protocol-relative "//" URL.
var remoteCSSRE = regexp.MustCompile(`(?i)(?:url\(\s*["']?\s*(?:[a-z][a-z0-9+.-]*:)?//|@import\s+(?:url\(\s*)?["']?\s*(?:[a-z][a-z0-9+.-]*:)?//)`)

// TestNoRemoteReferences checks that neither the page nor the vendored files
// it loads refer to anything the browser would fetch from another host.
func TestNoRemoteReferences(t *testing.T) {
	page := readFile(t, "index.html")
	for _, s := range []string{"http://", "https://"} {
		if strings.Contains(page, s) {
			t.Errorf("index.html contains %q", s)
		}
	}
	for _, ref := range pageRefs(t) {
		if strings.Contains(ref, "//") || strings.Contains(ref, ":") {
			t.Errorf("index.html: src/href %q is not relative", ref)
			continue
		}
		name := ref
		if i := strings.IndexAny(name, "?#"); i >= 0 {
			name = name[:i]
		}
		body := readFile(t, name)
		if strings.HasSuffix(name, ".css") {
			if loc := remoteCSSRE.FindStringIndex(body); loc != nil {
				t.Errorf("%s: remote reference %q", name, body[loc[0]:min(loc[1]+60, len(body))])
			}
			if strings.Contains(strings.ToLower(body), "@import") {
				t.Errorf("%s: contains @import", name)
			}
		}
		for _, host := range cdnHosts {
			if strings.Contains(body, host) {
				t.Errorf("%s: mentions CDN host %q", name, host)
			}
		}
	}
}

// TestAssets checks the embedded file set: licenses present, no source maps,
// and a sane total size.
func TestAssets(t *testing.T) {
	for _, name := range []string{"assets/LICENSE.graphiql", "assets/LICENSE.react", "assets/LICENSE.react-dom"} {
		if !strings.Contains(readFile(t, name), "MIT License") {
			t.Errorf("%s: not an MIT license", name)
		}
	}
	var total int64
	err := fs.WalkDir(Assets(), ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.HasSuffix(name, ".map") {
			t.Errorf("%s: source maps should not be vendored", name)
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		total += info.Size()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if total > 3<<20 {
		t.Errorf("embedded files total %d bytes, want under 3 MiB", total)
	}
}

func TestLicenseServed(t *testing.T) {
	rec := do(t, http.MethodGet, "/assets/LICENSE.graphiql")
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /assets/LICENSE.graphiql: status %d, want 200", rec.Code)
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("GET /assets/LICENSE.graphiql: Content-Type %q, want text/plain", ct)
	}
}

func TestNotFound(t *testing.T) {
	for _, target := range []string{
		"/index.html",
		"/graphql",
		"/assets",
		"/assets/",
		"/assets/missing.js",
		"/assets/../index.html",
		"/assets//graphiql-3.9.0.min.js",
		"/assets/graphiql-3.9.0.min.js/",
		"/playground/",
	} {
		rec := do(t, http.MethodGet, target)
		if rec.Code != http.StatusNotFound {
			t.Errorf("GET %s: status %d, want 404", target, rec.Code)
		}
	}
}

// TestFavicon checks the site's icon is served as an icon (an ICO file starts 0, 0, 1, 0).
func TestFavicon(t *testing.T) {
	rec := do(t, http.MethodGet, "/favicon.ico")
	if rec.Code != http.StatusOK || rec.Header().Get("Content-Type") != "image/x-icon" {
		t.Fatalf("GET /favicon.ico: %d %s", rec.Code, rec.Header().Get("Content-Type"))
	}
	if b := rec.Body.Bytes(); len(b) < 6 || string(b[:4]) != "\x00\x00\x01\x00" {
		t.Errorf("favicon.ico does not start with an ICO header: % x", b[:min(len(b), 6)])
	}
}

func TestMethodNotAllowed(t *testing.T) {
	for _, target := range []string{"/", "/assets/graphiql-3.9.0.min.js"} {
		for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
			rec := do(t, method, target)
			if rec.Code != http.StatusMethodNotAllowed {
				t.Errorf("%s %s: status %d, want 405", method, target, rec.Code)
			}
			if allow := rec.Header().Get("Allow"); allow != "GET, HEAD" {
				t.Errorf("%s %s: Allow %q, want \"GET, HEAD\"", method, target, allow)
			}
		}
	}
}

// TestStripPrefix checks the documented way to mount the handler under a
// path prefix: the page's relative asset URLs still resolve.
func TestStripPrefix(t *testing.T) {
	srv := httptest.NewServer(http.StripPrefix("/playground", Handler()))
	defer srv.Close()
	base, _ := url.Parse(srv.URL + "/playground/")
	get := func(u string) (int, string) {
		resp, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := get(base.String()); code != http.StatusOK {
		t.Fatalf("GET %s: status %d, want 200", base, code)
	}
	for _, ref := range pageRefs(t) {
		u, err := url.Parse(ref)
		if err != nil || u.Scheme != "" || u.Host != "" {
			continue // reported by TestPageRefsServed; never fetch another host
		}
		target := base.ResolveReference(u).String()
		if code, _ := get(target); code != http.StatusOK {
			t.Errorf("GET %s: status %d, want 200", target, code)
		}
	}
}
