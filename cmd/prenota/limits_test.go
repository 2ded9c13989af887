package main

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prenota/prenota/internal/testdb"
)

// TestLimitsSharedByInstances: two `prenota serve` processes on one
// PostgreSQL database refuse logins after the same number of failures
// whether the client hits one of them or alternates: the lockout of an
// account (5 failures) and the login rate limit of an address (bursts of
// 10, 20 a minute) are counted in the database.
func TestLimitsSharedByInstances(t *testing.T) {
	url := testdb.URL(t, "postgres")
	env := []string{"PRENOTA_RATE_LIMIT=on", "PRENOTA_TRUSTED_PROXIES=127.0.0.1"}
	a := serve(t, url, env...)
	b := serve(t, url, env...)
	modes := map[string][]string{"one instance": {a}, "alternating": {a, b}}

	// failures until the answer is 429; each scenario has its own client
	// address (X-Forwarded-For from the trusted proxy 127.0.0.1).
	failures := func(t *testing.T, bases []string, ip string, login func(i int) string, want string) (int, time.Duration) {
		start := time.Now()
		for i := 0; i < 60; i++ {
			req, _ := http.NewRequest("POST", bases[i%len(bases)]+"/auth/password",
				strings.NewReader(fmt.Sprintf(`{"login":%q,"password":"sbagliata-123456"}`, login(i))))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json")
			req.Header.Set("X-Forwarded-For", ip)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			switch resp.StatusCode {
			case http.StatusUnauthorized:
			case http.StatusTooManyRequests:
				if !strings.Contains(string(body), want) || resp.Header.Get("Retry-After") == "" {
					t.Errorf("429 after %d failures: %s %v, want %q", i, body, resp.Header, want)
				}
				return i, time.Since(start)
			default:
				t.Fatalf("login %d: %s %s", i, resp.Status, body)
			}
		}
		t.Fatal("no limit after 60 failures")
		return 0, 0
	}

	t.Run("account lockout", func(t *testing.T) {
		n := 0
		for mode, bases := range modes {
			n++
			got, _ := failures(t, bases, fmt.Sprintf("198.51.100.%d", n), func(int) string { return "mario.rossi." + strings.ReplaceAll(mode, " ", "-") },
				"Troppi tentativi di accesso")
			// the fifth failure itself answers 429: four 401s before it
			if got != 4 {
				t.Errorf("%s: %d failures answered 401 before the lockout, want 4", mode, got)
			}
		}
	})
	t.Run("login rate per address", func(t *testing.T) {
		n := 0
		for mode, bases := range modes {
			n++
			got, took := failures(t, bases, fmt.Sprintf("203.0.113.%d", n), func(i int) string { return fmt.Sprintf("utente%d", i) },
				"Troppe richieste")
			// a burst of 10, plus one token for every 3 s the attempts took
			if refill := int(took / (3 * time.Second)); got < 10 || got > 10+refill+1 {
				t.Errorf("%s: %d logins before 429 in %v, want 10 (+%d refilled)", mode, got, took, refill)
			} else {
				t.Logf("%s: %d logins before 429 in %v", mode, got, took)
			}
		}
	})
}
