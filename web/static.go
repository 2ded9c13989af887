package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"io/fs"
	"net/http"
	"path"
	"slices"
	"strings"
	"sync"
	"time"
)

// staticFS holds web/static: our own css/js (committed) and vendor/, which
// web/assets.sh fills from node_modules before the build. static/README.md is
// committed so that the pattern compiles on a fresh clone before npm ran.
//
//go:embed static
var staticFS embed.FS

// staticPrefix is the URL path under which Static is mounted.
const staticPrefix = "/static/"

// staticFiles is the embedded static tree with its version.
type staticFiles struct {
	fsys    fs.FS
	version string // first 8 hex digits of a SHA-256 over every path and content

	mu   sync.Mutex
	gzip map[string][]byte // compressed bodies of text files, made on first request
}

// assets is computed once, on first use: hashing the ~3 MB tree takes a few ms.
var assets = sync.OnceValue(func() *staticFiles {
	sub, err := fs.Sub(staticFS, "static")
	if err != nil {
		panic(err) // cannot happen: "static" is a valid path
	}
	return &staticFiles{fsys: sub, version: treeVersion(sub), gzip: map[string][]byte{}}
})

// treeVersion hashes every file of fsys, in a fixed order.
//
// One version for the whole tree, rather than one per file, keeps relative
// references working: fonts.css asks for vendor/fonts/… next to itself, and
// window.__PUBLIC_PATH__ points at vendor/fonts under the same version.
func treeVersion(fsys fs.FS) string {
	var names []string
	_ = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, p)
		}
		return nil
	})
	slices.Sort(names)
	h := sha256.New()
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			continue
		}
		h.Write([]byte(name))
		h.Write([]byte{0})
		h.Write(b)
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil))[:8]
}

// StaticVersion is the version segment of static URLs: it changes whenever any
// static file changes, so browsers may cache those URLs forever.
func StaticVersion() string { return assets().version }

// StaticURL returns the URL of the static file at p, relative to web/static
// (e.g. "vendor/css/bootstrap-italia.min.css"), as
// "/static/<version>/vendor/css/bootstrap-italia.min.css". Templates call it
// as {{static "…"}}. It does not check that the file exists.
func StaticURL(p string) string {
	return staticPrefix + assets().version + "/" + strings.TrimPrefix(p, "/")
}

// CheckStatic reports an error when web/assets.sh has not run before the
// build, so that the binary lacks Bootstrap Italia and htmx. Call it at start.
func CheckStatic() error {
	for _, p := range []string{
		"vendor/css/bootstrap-italia.min.css",
		"vendor/js/bootstrap-italia.bundle.min.js",
		"vendor/js/htmx.min.js",
		"vendor/svg/sprites.svg",
	} {
		if _, err := fs.Stat(assets().fsys, p); err != nil {
			return errors.New("web: static file " + p + " is not embedded; run web/assets.sh before go build")
		}
	}
	return nil
}

// Static returns the handler of GET /static/<version>/<path>; mount it at
// "/static/". A request for the current version is cached for a year as
// immutable. A request for another version (a page rendered by an older
// instance during a deploy) gets the current file with "no-cache". Text files
// are sent gzip-compressed to clients that accept it.
func Static() http.Handler {
	return http.HandlerFunc(serveStatic)
}

func serveStatic(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "Metodo non consentito", http.StatusMethodNotAllowed)
		return
	}
	a := assets()
	rest, ok := strings.CutPrefix(r.URL.Path, staticPrefix)
	version, name, ok2 := strings.Cut(rest, "/")
	if !ok || !ok2 || !fs.ValidPath(name) || name == "." || strings.HasPrefix(path.Base(name), ".") {
		http.NotFound(w, r)
		return
	}
	body, err := fs.ReadFile(a.fsys, name)
	if err != nil {
		http.NotFound(w, r)
		return
	}

	h := w.Header()
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Vary", "Accept-Encoding")
	if version == a.version {
		h.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		h.Set("Cache-Control", "no-cache")
	}
	h.Set("ETag", `"`+a.version+`"`)
	if isText(name) && acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		h.Set("ETag", `"`+a.version+`-gz"`)
		// ServeContent must not guess the type from the compressed bytes.
		if h.Get("Content-Type") == "" {
			h.Set("Content-Type", contentType(name))
		}
		body = a.gzipped(name, body)
	}
	http.ServeContent(w, r, name, time.Time{}, bytes.NewReader(body))
}

// gzipped returns the compressed body of the file name, made once.
func (a *staticFiles) gzipped(name string, body []byte) []byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	if z, ok := a.gzip[name]; ok {
		return z
	}
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
	zw.Write(body)
	zw.Close()
	a.gzip[name] = buf.Bytes()
	return a.gzip[name]
}

func isText(name string) bool {
	switch path.Ext(name) {
	case ".css", ".js", ".svg", ".html", ".txt", ".md", ".json":
		return true
	}
	return false
}

func contentType(name string) string {
	switch path.Ext(name) {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".html":
		return "text/html; charset=utf-8"
	case ".json":
		return "application/json"
	}
	return "text/plain; charset=utf-8"
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}
