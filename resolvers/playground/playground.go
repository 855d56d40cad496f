// Package playground serves a self-contained GraphiQL page for the
// modelgraph GraphQL API.
//
// The page and every script, style sheet and font it uses are embedded in
// the binary, so the playground works without internet access and never
// contacts a CDN. The vendored files come unmodified from the npm packages
// graphiql@3.9.0 (its UMD bundle, which includes graphql-js, CodeMirror and
// inlined fonts), @graphiql/plugin-explorer@3.2.6 (its UMD bundle, which
// includes graphiql-explorer 0.9.0), react@18.3.1 and react-dom@18.3.1 (their
// umd/ production builds); their MIT licenses are in assets/LICENSE.*. Asset
// file names carry the package version so they can be cached for a long time.
// assets/favicon.ico is the site's icon, also served at /favicon.ico.
//
// The page sends its GraphQL requests to "/graphql" on the same host.
package playground

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

//go:embed index.html assets
var files embed.FS

// assetCacheControl is sent with every file under /assets/. The file names
// contain the package version, so a new version gets a new URL.
const assetCacheControl = "public, max-age=31536000, immutable"

// pageCacheControl makes browsers revalidate the page (using its ETag), so
// they pick up new asset URLs after an upgrade.
const pageCacheControl = "no-cache"

// Assets returns the embedded files: index.html at the root and the vendored
// files under assets/.
func Assets() fs.FS {
	return files
}

// file is one response body with its headers, prepared once.
type file struct {
	name         string
	data         []byte
	contentType  string
	cacheControl string
	etag         string
}

// handler serves the page and its assets from memory.
type handler struct {
	page   file
	assets map[string]file // keyed by URL path, e.g. "/assets/x.js"
}

// Handler returns an http.Handler that serves the playground page at "/"
// and its vendored files under "/assets/". Only GET and HEAD are allowed;
// other methods get 405. Any other path, including "/index.html" and
// "/assets/" itself, gets 404, except "/favicon.ico" (the site's icon, also assets/favicon.ico).
//
// The page loads its assets by relative URL, so the handler may be mounted
// under a prefix with http.StripPrefix, as long as the page is reached with a
// trailing slash:
//
//	mux.Handle("/playground/", http.StripPrefix("/playground", playground.Handler()))
func Handler() http.Handler {
	h := &handler{assets: make(map[string]file)}
	page, err := load("index.html", pageCacheControl)
	if err != nil {
		panic("playground: " + err.Error()) // cannot happen: the file is embedded
	}
	h.page = page
	err = fs.WalkDir(files, "assets", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		f, err := load(name, assetCacheControl)
		if err != nil {
			return err
		}
		h.assets["/"+name] = f
		return nil
	})
	if err != nil {
		panic("playground: " + err.Error()) // cannot happen: the files are embedded
	}
	return h
}

// load reads an embedded file and works out its response headers.
func load(name, cacheControl string) (file, error) {
	data, err := fs.ReadFile(files, name)
	if err != nil {
		return file{}, err
	}
	sum := sha256.Sum256(data)
	return file{
		name:         path.Base(name),
		data:         data,
		contentType:  contentType(name),
		cacheControl: cacheControl,
		etag:         `"` + hex.EncodeToString(sum[:16]) + `"`,
	}, nil
}

// contentType maps the extensions used by the embedded files to media types,
// independently of the host's MIME tables.
func contentType(name string) string {
	switch strings.ToLower(path.Ext(name)) {
	case ".html":
		return "text/html; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".ico":
		return "image/x-icon"
	default: // LICENSE.* files
		return "text/plain; charset=utf-8"
	}
}

// ServeHTTP implements http.Handler.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var f file
	switch p := r.URL.Path; {
	case p == "/":
		f = h.page
	case p == "/favicon.ico":
		f = h.assets["/assets/favicon.ico"]
	case strings.HasPrefix(p, "/assets/"):
		var ok bool
		if f, ok = h.assets[p]; !ok {
			http.NotFound(w, r)
			return
		}
	default:
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
	hdr.Set("Cache-Control", f.cacheControl)
	hdr.Set("ETag", f.etag)
	hdr.Set("X-Content-Type-Options", "nosniff")
	// ServeContent handles HEAD, Range and If-None-Match.
	http.ServeContent(w, r, f.name, time.Time{}, bytes.NewReader(f.data))
}
