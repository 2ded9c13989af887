package api

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestPanicIsA500: a handler that panics answers a problem+json 500, the
// panic and its stack are logged, and the next request is served.
func TestPanicIsA500(t *testing.T) {
	var logs bytes.Buffer
	a := &api{log: slog.New(slog.NewTextHandler(&logs, nil))}
	boom := true
	srv := httptest.NewServer(handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		if boom {
			boom = false
			panic("rendering failed")
		}
		return writeJSON(w, http.StatusOK, map[string]string{"ok": "sì"})
	}).with(a))
	defer srv.Close()
	e := &env{t: t, srv: srv}
	e.anon().do("GET", "/api/v1/x", "").problem(t, http.StatusInternalServerError, "")
	if l := logs.String(); !strings.Contains(l, "rendering failed") || !strings.Contains(l, "panic_test.go") {
		t.Errorf("log lacks the panic and its stack:\n%s", l)
	}
	res, err := srv.Client().Get(srv.URL + "/api/v1/x")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Errorf("after the panic: %d %s", res.StatusCode, body)
	}
}
