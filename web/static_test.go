package web

import (
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestStaticURL(t *testing.T) {
	v := StaticVersion()
	if len(v) != 8 {
		t.Fatalf("StaticVersion() = %q, want 8 hex digits", v)
	}
	if got, want := StaticURL("fonts.css"), "/static/"+v+"/fonts.css"; got != want {
		t.Errorf("StaticURL = %q, want %q", got, want)
	}
	if got, want := StaticURL("/prenota.js"), "/static/"+v+"/prenota.js"; got != want {
		t.Errorf("StaticURL with a leading slash = %q, want %q", got, want)
	}
}

func TestStatic(t *testing.T) {
	h := Static()
	get := func(path, acceptEncoding string) *http.Response {
		t.Helper()
		r := httptest.NewRequest(http.MethodGet, path, nil)
		if acceptEncoding != "" {
			r.Header.Set("Accept-Encoding", acceptEncoding)
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w.Result()
	}

	for _, tc := range []struct {
		name, path, encoding string
		status               int
		cache, ctype, gzip   string
	}{
		{"current version", StaticURL("fonts.css"), "", 200, "public, max-age=31536000, immutable", "text/css; charset=utf-8", ""},
		{"old version", "/static/00000000/fonts.css", "", 200, "no-cache", "text/css; charset=utf-8", ""},
		{"gzip", StaticURL("prenota.js"), "br, gzip;q=0.8", 200, "public, max-age=31536000, immutable", "text/javascript; charset=utf-8", "gzip"},
		{"gzip refused", StaticURL("prenota.js"), "gzip;q=0", 200, "public, max-age=31536000, immutable", "text/javascript; charset=utf-8", ""},
		{"missing", StaticURL("nope.css"), "", 404, "", "", ""},
		{"no version", "/static/fonts.css", "", 404, "", "", ""},
		{"directory", StaticURL("vendor"), "", 404, "", "", ""},
		{"dot dot", "/static/" + StaticVersion() + "/../static.go", "", 404, "", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := get(tc.path, tc.encoding)
			if res.StatusCode != tc.status {
				t.Fatalf("GET %s: status %d, want %d", tc.path, res.StatusCode, tc.status)
			}
			if tc.status != 200 {
				return
			}
			if got := res.Header.Get("Cache-Control"); got != tc.cache {
				t.Errorf("Cache-Control = %q, want %q", got, tc.cache)
			}
			if got := res.Header.Get("Content-Type"); got != tc.ctype {
				t.Errorf("Content-Type = %q, want %q", got, tc.ctype)
			}
			if got := res.Header.Get("Content-Encoding"); got != tc.gzip {
				t.Errorf("Content-Encoding = %q, want %q", got, tc.gzip)
			}
			body := res.Body
			if tc.gzip == "gzip" {
				zr, err := gzip.NewReader(res.Body)
				if err != nil {
					t.Fatal(err)
				}
				body = zr
			}
			b, err := io.ReadAll(body)
			if err != nil || len(b) == 0 {
				t.Errorf("body: %d bytes, %v", len(b), err)
			}
		})
	}
}

func TestStaticHead(t *testing.T) {
	r := httptest.NewRequest(http.MethodPost, StaticURL("fonts.css"), strings.NewReader(""))
	w := httptest.NewRecorder()
	Static().ServeHTTP(w, r)
	if w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: status %d, want 405", w.Code)
	}
}
