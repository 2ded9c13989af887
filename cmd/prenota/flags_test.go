package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func parse(t *testing.T, env map[string]string, args ...string) (*flags, error) {
	t.Helper()
	f := newFlags(func(k string) string { return env[k] }, io.Discard)
	if err := f.fs.Parse(args); err != nil {
		return f, err
	}
	return f, f.err
}

func TestConfigurationContract(t *testing.T) {
	f, err := parse(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	c := f.cfg
	if c.Addr != ":8080" || c.DatabaseURL != "sqlite:./data/prenota.db" || c.BaseURL != "http://localhost:8080" ||
		c.Demo || c.SMTPURL != "" || c.HoldSeconds != 0 || !c.RateLimit {
		t.Fatalf("defaults: %+v", c)
	}
	env := map[string]string{
		"PRENOTA_ADDR": "127.0.0.1:9000", "PRENOTA_DATABASE_URL": "postgres://db/prenota", "PRENOTA_BASE_URL": "https://prenota.comune.it",
		"PRENOTA_DEMO": "1", "PRENOTA_SMTP_URL": "smtp://u:p@mail:25", "PRENOTA_HOLD_SECONDS": "30", "PRENOTA_RATE_LIMIT": "off",
	}
	f, err = parse(t, env)
	if err != nil {
		t.Fatal(err)
	}
	c = f.cfg
	if c.Addr != "127.0.0.1:9000" || c.DatabaseURL != "postgres://db/prenota" || c.BaseURL != "https://prenota.comune.it" ||
		!c.Demo || c.SMTPURL != "smtp://u:p@mail:25" || c.HoldSeconds != 30 || c.RateLimit {
		t.Fatalf("from the environment: %+v", c)
	}
	// Flags win over the environment.
	f, err = parse(t, env, "--addr", ":7000", "--demo=false", "--hold-seconds", "5", "--rate-limit", "on")
	if err != nil {
		t.Fatal(err)
	}
	if c := f.cfg; c.Addr != ":7000" || c.Demo || c.HoldSeconds != 5 || !c.RateLimit {
		t.Fatalf("flags over environment: %+v", c)
	}
}

func TestConfigurationErrors(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want string
	}{
		{"demo not a boolean", map[string]string{"PRENOTA_DEMO": "maybe"}, nil, "PRENOTA_DEMO"},
		{"hold seconds not a number", map[string]string{"PRENOTA_HOLD_SECONDS": "ten"}, nil, "PRENOTA_HOLD_SECONDS"},
		{"rate limit neither on nor off", map[string]string{"PRENOTA_RATE_LIMIT": "sometimes"}, nil, "PRENOTA_RATE_LIMIT"},
		{"rate limit flag", nil, []string{"--rate-limit", "x"}, "want on or off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := parse(t, tt.env, tt.args...)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v, want one naming %s", err, tt.want)
			}
		})
	}
	f, err := parse(t, map[string]string{"PRENOTA_DATABASE_URL": "mysql://x"})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.cfg.Validate(); err == nil || !strings.Contains(err.Error(), "database-url") {
		t.Fatalf("Validate: %v", err)
	}
}

// TestRehearseClickDayFlag: --rehearse-click-day (and its variable) needs
// demo mode and a positive duration.
func TestRehearseClickDayFlag(t *testing.T) {
	env := map[string]string{"PRENOTA_REHEARSE_CLICK_DAY": "2m", "PRENOTA_DEMO": "1"}
	f, err := parse(t, env)
	if err != nil || f.cfg.RehearseClickDay != 2*time.Minute {
		t.Fatalf("PRENOTA_REHEARSE_CLICK_DAY=2m: %v, %v", f.cfg.RehearseClickDay, err)
	}
	if err := f.cfg.Validate(); err != nil {
		t.Fatalf("valid in demo mode: %v", err)
	}
	f, err = parse(t, map[string]string{}, "--rehearse-click-day", "90s")
	if err != nil || f.cfg.RehearseClickDay != 90*time.Second {
		t.Fatalf("--rehearse-click-day 90s: %v, %v", f.cfg.RehearseClickDay, err)
	}
	if err := f.cfg.Validate(); err == nil {
		t.Fatal("--rehearse-click-day without --demo accepted")
	}
	if _, err := parse(t, map[string]string{"PRENOTA_REHEARSE_CLICK_DAY": "soon"}); err == nil {
		t.Fatal("PRENOTA_REHEARSE_CLICK_DAY=soon accepted")
	}
}

// TestSecretFiles: a _FILE variable gives a secret's content, and a file
// that cannot be read fails the configuration; the SAML key is a file name
// either way.
func TestSecretFiles(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("s3greto\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := parse(t, map[string]string{"PRENOTA_OIDC_CLIENT_SECRET_FILE": secret, "PRENOTA_METRICS_TOKEN_FILE": secret,
		"PRENOTA_SAML_KEY_FILE": "/etc/prenota/sp.key"})
	if err != nil {
		t.Fatal(err)
	}
	if c := f.cfg; c.Identity.OIDCClientSecret != "s3greto" || c.MetricsToken != "s3greto" || c.Identity.SAMLKey != "/etc/prenota/sp.key" {
		t.Errorf("secret %q, token %q, SAML key %q", c.Identity.OIDCClientSecret, c.MetricsToken, c.Identity.SAMLKey)
	}
	missing := filepath.Join(dir, "missing")
	if _, err := parse(t, map[string]string{"PRENOTA_OIDC_CLIENT_SECRET_FILE": missing}); err == nil || !strings.Contains(err.Error(), "PRENOTA_OIDC_CLIENT_SECRET_FILE") {
		t.Errorf("unreadable secret file: %v", err)
	}
}
