package api

import (
	"encoding/json"
	"net/http/httptest"
	"testing"
)

func TestPlaces(t *testing.T) {
	h := New(Config{})
	get := func(u string, v any) {
		t.Helper()
		w := httptest.NewRecorder()
		h.ServeHTTP(w, httptest.NewRequest("GET", u, nil))
		if w.Code != 200 || w.Header().Get("Content-Type") != "application/json; charset=utf-8" {
			t.Fatalf("%s: %d %s", u, w.Code, w.Header().Get("Content-Type"))
		}
		if cc := w.Header().Get("Cache-Control"); cc != "public, max-age=3600" {
			t.Errorf("%s: Cache-Control %q", u, cc)
		}
		if err := json.Unmarshal(w.Body.Bytes(), v); err != nil {
			t.Fatalf("%s: %v", u, err)
		}
	}
	var cs []Comune
	get("/api/v1/luoghi/comuni?q=santarc&provincia=RN", &cs)
	if len(cs) == 0 || cs[0].Nome != "SANTARCANGELO DI ROMAGNA" || cs[0].Belfiore != "I304" || cs[0].Provincia != "RN" {
		t.Errorf("comuni %+v", cs)
	}
	var ps []Provincia
	get("/api/v1/luoghi/province?q=rimi", &ps)
	if len(ps) != 1 || ps[0].Sigla != "RN" {
		t.Errorf("province %+v", ps)
	}
	get("/api/v1/luoghi/province?q=&limit=3", &ps)
	if len(ps) != 3 {
		t.Errorf("province, limit 3: %d", len(ps))
	}
	var ns []Nazione
	get("/api/v1/luoghi/nazioni?q=germ", &ns)
	if len(ns) == 0 || ns[0].Nome != "GERMANIA" || ns[0].Belfiore != "Z112" {
		t.Errorf("nazioni %+v", ns)
	}
	get("/api/v1/luoghi/comuni?q=", &cs)
	if len(cs) != 0 {
		t.Errorf("empty query: %d results", len(cs))
	}
}
