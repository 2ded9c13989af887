package api

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/internal/httperr"
)

// FuzzDecode sends arbitrary bodies to POST /api/v1/holds and
// POST /api/v1/bookings, and arbitrary queries to the availability and the
// bookings list, through the real handlers over a fake store, and decodes
// demo login bodies: never a panic, never a 5xx, and every error is
// problem+json whose status matches the HTTP status.
func FuzzDecode(f *testing.F) {
	for _, s := range []struct{ body, query string }{
		{`{"resource_id":2,"start":"2026-12-10T10:00:00+01:00","slots":1}`, "from=2026-12-09&days=7"},
		{`{"resource_id":"2","start":5,"slots":1.5}`, "from=2026-02-30&days=x"},
		{`{"hold_id":"hold1","fruitore":{"nome":"Mario","cognome":"Rossi","data_nascita":"1970-01-01","sesso":"M","nazione_nascita":"ITALIA","provincia_nascita":"RM","comune_nascita":"ROMA","codice_fiscale":"RSSMRA70A01H501S","email":"mario.rossi@example.it","telefono":"333 1234567"},"motivazione":"Rinnovo","telefono":"333 1234567","extra":{"primo":true}}`, "page=2"},
		{`{"hold_id":"hold1","fruitore":{"data_nascita":"01/01/1970","x":1},"extra":{"a":[1]}}`, "page=0"},
		{`{"codice_fiscale":"RSSMRA70A01H501S","nome":"Mario","cognome":"Rossi"}`, "days=32"},
		{`{"a":1}x`, "from=9999-12-31&days=31"},
		{`[`, "page=99999999999999999999"},
		{``, "%zz"},
		{`{"fruitore":5,"slots":-1,"start":"2026-13-01T00:00:00Z"}`, "from=&days="},
	} {
		f.Add([]byte(s.body), s.query)
	}
	h := fakeAPI()
	f.Fuzz(func(t *testing.T, body []byte, query string) {
		for _, target := range []string{"/api/v1/holds", "/api/v1/bookings"} {
			w := do(h, mario, "POST", target, "application/json", string(body), "Idempotency-Key", "k")
			checkNot5xx(t, w, "POST "+target)
		}
		for _, target := range []string{"/api/v1/resources/2/availability", "/api/v1/resources/1/availability", "/api/v1/bookings"} {
			r := httptest.NewRequest("GET", target, nil)
			r.URL.RawQuery = query
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r.WithContext(auth.WithIdentity(r.Context(), mario)))
			checkNot5xx(t, w, "GET "+target+"?"+query)
		}
		if _, err := parseDemoLogin(body); err != nil {
			if p := problemFor(err); p.Status < 400 || p.Status >= 500 {
				t.Fatalf("demo login %q: status %d", body, p.Status)
			}
		}
	})
}

func checkNot5xx(t *testing.T, w *httptest.ResponseRecorder, what string) {
	t.Helper()
	if w.Code >= 500 {
		t.Fatalf("%s: %d %s", what, w.Code, w.Body)
	}
	if w.Code < 400 {
		return
	}
	if ct := w.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("%s: %d with Content-Type %q", what, w.Code, ct)
	}
	var p httperr.Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil || p.Status != w.Code || p.Title == "" || p.Detail == "" {
		t.Fatalf("%s: %d with problem %s (%v)", what, w.Code, w.Body, err)
	}
	if w.Code == http.StatusUnprocessableEntity && len(p.Errors) == 0 {
		t.Fatalf("%s: 422 naming no field: %s", what, w.Body)
	}
	for _, fe := range p.Errors {
		if fe.Field == "" || fe.Message == "" {
			t.Fatalf("%s: field error without field or message: %s", what, w.Body)
		}
	}
}
