package app

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// syncBuffer is a log destination that handlers write from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestRecoverPanics: a panic under any path answers 500 (problem+json under
// /api/, a page elsewhere), is logged with its stack, and the server goes on;
// an answer already begun is cut short.
func TestRecoverPanics(t *testing.T) {
	var logs syncBuffer
	mux := http.NewServeMux()
	mux.HandleFunc("/api/v1/boom", func(http.ResponseWriter, *http.Request) { panic("api boom") })
	mux.HandleFunc("/boom", func(http.ResponseWriter, *http.Request) { panic("page boom") })
	mux.HandleFunc("/late", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", "100")
		w.Write([]byte("half"))
		panic("late boom")
	})
	mux.HandleFunc("/ok", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok")) })
	srv := httptest.NewServer(recoverPanics(slog.New(slog.NewTextHandler(&logs, nil)), mux))
	defer srv.Close()
	get := func(path string) (*http.Response, string, error) {
		res, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			return nil, "", err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		return res, string(b), err
	}

	res, body, err := get("/api/v1/boom")
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Status int
		Code   string
		Detail string
	}
	if res.StatusCode != 500 || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") ||
		json.Unmarshal([]byte(body), &p) != nil || p.Status != 500 || p.Code != "internal" || !strings.Contains(p.Detail, "errore interno") {
		t.Errorf("API panic: %d %s %s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	res, body, err = get("/boom")
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 500 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "Si è verificato un errore") {
		t.Errorf("page panic: %d %s %s", res.StatusCode, res.Header.Get("Content-Type"), body)
	}
	if _, body, err = get("/late"); err == nil {
		t.Errorf("a panic after the answer began: read %q without error", body)
	}
	if res, body, err = get("/ok"); err != nil || res.StatusCode != 200 || body != "ok" {
		t.Errorf("after the panics: %v %v %q", err, res, body)
	}
	l := logs.String()
	for _, want := range []string{"api boom", "page boom", "late boom", "recover_test.go"} {
		if !strings.Contains(l, want) {
			t.Errorf("log lacks %q:\n%s", want, l)
		}
	}
}
