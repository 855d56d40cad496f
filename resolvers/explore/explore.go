// Package explore serves the web explorer: the model home, the Business Model Canvas, graph views
// of supporters, impact, path and exposure answers, and their tables.
//
// The page is plain ES modules with no build step. It and the libraries it draws with
// (cytoscape.js and its dagre layout, vendored from npm with their licences; see
// vendor/README.md) are embedded in the binary, so the explorer works offline and loads nothing
// from another host. It talks to the public GraphQL API at /graphql only.
package explore

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed static vendor
var files embed.FS

// Prefix is where the explorer is mounted.
const Prefix = "/explore/"

// CSP is the explorer's Content-Security-Policy: scripts, styles, images and connections only
// from this server, no inline script and no eval. cytoscape.js sets style attributes on the
// elements it draws into, hence 'unsafe-inline' styles (scripts stay 'self' only).
const CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; " +
	"connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// file is one prepared response body.
type file struct {
	name, contentType, etag string
	data                    []byte
}

type handler struct {
	files map[string]file // keyed by the path under Prefix; "" is the page
}

// Handler serves the explorer page at Prefix and its modules and vendored files below it. Only
// GET and HEAD are allowed. The handler expects the full request path (mount it at Prefix
// without stripping).
func Handler() http.Handler {
	h := &handler{files: map[string]file{}}
	add := func(root string) {
		err := fs.WalkDir(files, root, func(name string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			data, err := fs.ReadFile(files, name)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			rel := strings.TrimPrefix(name, "static/")
			if rel == "index.html" {
				rel = ""
			}
			h.files[rel] = file{name: path.Base(name), contentType: contentType(name), etag: `"` + hex.EncodeToString(sum[:16]) + `"`, data: data}
			return nil
		})
		if err != nil {
			panic("explore: " + err.Error()) // cannot happen: the files are embedded
		}
	}
	add("static")
	add("vendor")
	return h
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	default: // licences, README
		return "text/plain; charset=utf-8"
	}
}

// ServeHTTP implements http.Handler.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := h.files[strings.TrimPrefix(r.URL.Path, Prefix)]
	if !ok || !strings.HasPrefix(r.URL.Path, Prefix) {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
		return
	}
	hdr := w.Header()
	hdr.Set("Content-Type", f.contentType)
	hdr.Set("Cache-Control", "no-cache") // revalidated by ETag: module URLs carry no version
	hdr.Set("ETag", f.etag)
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(f.data))
}
