package app

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/internal/testdb"
)

func TestIdentityWiring(t *testing.T) {
	cfg := Config{Addr: "127.0.0.1:0", DatabaseURL: testdb.URL(t, "sqlite"), BaseURL: "http://localhost:8080", Demo: true, RateLimit: true}
	a, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()

	res, err := http.Get(srv.URL + "/auth/providers")
	if err != nil {
		t.Fatal(err)
	}
	var ps []auth.Provider
	json.NewDecoder(res.Body).Decode(&ps)
	res.Body.Close()
	if len(ps) != 2 || ps[0].ID != "password" || ps[1].ID != "demo" || !ps[1].Test {
		t.Errorf("providers %+v", ps)
	}
	res, _ = http.Get(srv.URL + "/api/v1/luoghi/comuni?q=santarc")
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(b), "SANTARCANGELO DI ROMAGNA") {
		t.Errorf("luoghi: %s %s", res.Status, b)
	}
	req, _ := http.NewRequest("POST", srv.URL+"/auth/demo", strings.NewReader("codice_fiscale=RSSMRA70A01H501S"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	res, _ = http.DefaultClient.Do(req)
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST: %s", res.Status)
	}

	cfg.Identity.Production = true
	if _, err := New(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), "demo identity provider is refused") {
		t.Errorf("production with demo: %v", err)
	}
	cfg.Demo = false
	cfg.Identity.SPIDMetadata = []string{"idp.xml"}
	if _, err := New(t.Context(), cfg); err == nil || !strings.Contains(err.Error(), "PRENOTA_SAML_KEY") {
		t.Errorf("SPID without keys: %v", err)
	}
}

// SPID or CIE without what AgID requires in the metadata's ContactPerson
// is refused at start, in production and out of it, naming each flag.
func TestAgIDConfigurationRefused(t *testing.T) {
	for _, production := range []bool{false, true} {
		cfg := Config{Addr: "127.0.0.1:0", DatabaseURL: testdb.URL(t, "sqlite"), BaseURL: "https://prenota.comune.example.it"}
		cfg.Identity = IdentityConfig{Production: production, SPIDMetadata: []string{"idp.xml"}, CIEMetadata: []string{"cie.xml"}, SAMLKey: "sp.key", SAMLCert: "sp.crt"}
		_, err := New(t.Context(), cfg)
		for _, want := range []string{"--ipa-code (PRENOTA_IPA_CODE)", "--ente (PRENOTA_ENTE)", "--ente-email (PRENOTA_ENTE_EMAIL)", "--ente-comune (PRENOTA_ENTE_COMUNE)"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("production %v: error %v does not name %s", production, err, want)
			}
		}
		cfg.Identity.IPACode, cfg.Identity.Organization, cfg.Identity.Municipality = "c_h294", "Comune di Prova", "H294"
		_, err = New(t.Context(), cfg)
		if err == nil || strings.Contains(err.Error(), "--ipa-code") || !strings.Contains(err.Error(), "--ente-email") {
			t.Errorf("production %v, only the email missing: %v", production, err)
		}
	}
}

// In demo mode the same gaps are warnings naming the flag: the demo starts.
func TestAgIDConfigurationWarnedInDemo(t *testing.T) {
	var logs bytes.Buffer
	dir := t.TempDir()
	cfg := Config{Addr: "127.0.0.1:0", DatabaseURL: testdb.URL(t, "sqlite"), BaseURL: "http://localhost:8080", Demo: true,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	cfg.Identity.DemoIdP = true
	cfg.Identity.SAMLKey, cfg.Identity.SAMLCert = filepath.Join(dir, "k"), filepath.Join(dir, "c")
	a, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("demo refused: %v", err)
	}
	defer a.Close()
	for _, want := range []string{"--ipa-code (PRENOTA_IPA_CODE)", "--ente-email (PRENOTA_ENTE_EMAIL)", "--ente-comune (PRENOTA_ENTE_COMUNE)"} {
		if !strings.Contains(logs.String(), "level=WARN msg=\"demo mode: SPID/CIE need "+want) && !strings.Contains(logs.String(), "level=WARN msg=\"demo mode: CIE needs "+want) {
			t.Errorf("no warning naming %s:\n%s", want, logs.String())
		}
	}
	if a.Identity.SPID == nil || a.Identity.CIE == nil {
		t.Error("the demo IdP did not enable SPID and CIE")
	}
}
