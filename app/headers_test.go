package app

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prenota/prenota/internal/testdb"
)

// TestHSTS: Strict-Transport-Security under --production (https only), not
// otherwise (a demo on http://localhost must stay reachable).
func TestHSTS(t *testing.T) {
	for _, production := range []bool{true, false} {
		cfg := Config{Addr: "127.0.0.1:0", DatabaseURL: testdb.URL(t, "sqlite"), BaseURL: "https://prenota.comune.example.it"}
		cfg.Identity.Production = production
		a, err := New(t.Context(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(a.Handler())
		for _, path := range []string{"/healthz", "/", "/api/v1/resources", "/non-esiste"} {
			res, err := http.Get(srv.URL + path)
			if err != nil {
				t.Fatal(err)
			}
			res.Body.Close()
			got := res.Header.Get("Strict-Transport-Security")
			if production && got != "max-age=31536000; includeSubDomains" || !production && got != "" {
				t.Errorf("production %v, %s: Strict-Transport-Security %q", production, path, got)
			}
		}
		srv.Close()
		a.Close()
	}
}
