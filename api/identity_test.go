package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/sqlstore"
)

// auditLog reads back the entries of action on target.
func (e *env) auditLog(action, target string) []auth.AuditEntry {
	e.t.Helper()
	es, err := e.store.AuditLog(context.Background(), auth.AuditFilter{Action: action, Target: target})
	if err != nil {
		e.t.Fatal(err)
	}
	return es
}

func TestAudit(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *env) {
		l := e.login(luigiCF, "Luigi", "Verdi")
		t.Run("demo login", func(t *testing.T) {
			es := e.auditLog(auth.AuditLogin, luigiCF)
			if len(es) != 1 || es[0].Actor != luigiCF || es[0].Method != "demo" || es[0].IP != "127.0.0.1" {
				t.Fatalf("login audit: %+v", es)
			}
		})
		var h holdJSON
		r := l.do("POST", "/api/v1/holds", holdBodyJSON(e.desk, slotAt(9, 0), 1))
		r.status(t, http.StatusCreated)
		r.json(t, &h)
		body := fmt.Sprintf(`{"hold_id":%q,"fruitore":%s,"motivazione":"Rinnovo","telefono":"333 7654321"}`, h.ID, luigi)
		var b bookingJSON
		t.Run("confirmed", func(t *testing.T) {
			r := l.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "audit-1")
			r.status(t, http.StatusCreated)
			r.json(t, &b)
			// the same request again answers the same booking: not a second confirmation
			l.do("POST", "/api/v1/bookings", body, "Idempotency-Key", "audit-1").status(t, http.StatusOK)
			es := e.auditLog(auth.AuditBookingConfirmed, b.ID)
			if len(es) != 1 || es[0].Actor != luigiCF || es[0].Method != "demo" || es[0].IP != "127.0.0.1" || es[0].Detail != b.Code || es[0].At.IsZero() {
				t.Fatalf("confirm audit: %+v", es)
			}
		})
		t.Run("cancelled", func(t *testing.T) {
			if es := e.auditLog(auth.AuditBookingCancelled, b.ID); len(es) != 0 {
				t.Fatalf("cancel audited before cancelling: %+v", es)
			}
			e.login(marioCF, "Mario", "Rossi").do("DELETE", "/api/v1/bookings/"+b.ID, "").problem(t, http.StatusNotFound, "")
			l.do("DELETE", "/api/v1/bookings/"+b.ID, "").status(t, http.StatusNoContent)
			l.do("DELETE", "/api/v1/bookings/"+b.ID, "").status(t, http.StatusNoContent) // already cancelled
			es := e.auditLog(auth.AuditBookingCancelled, b.ID)
			if len(es) != 1 || es[0].Actor != luigiCF || es[0].Method != "demo" || es[0].Detail != b.Code {
				t.Fatalf("cancel audit: %+v", es)
			}
		})
		t.Run("logout", func(t *testing.T) {
			l.do("POST", "/api/v1/logout", "").status(t, http.StatusNoContent)
			if es := e.auditLog(auth.AuditLogout, luigiCF); len(es) != 1 || es[0].Actor != luigiCF {
				t.Fatalf("logout audit: %+v", es)
			}
		})
	})
}

// brokenAudit is the store with an audit log that cannot be written.
type brokenAudit struct{ *sqlstore.Store }

func (brokenAudit) Audit(context.Context, auth.AuditEntry) error {
	return errors.New("audit_log: disk full")
}

// TestAuditFailure: the booking is made (or cancelled) before the audit
// entry is written, so an audit failure is logged and the citizen still
// gets the answer.
func TestAuditFailure(t *testing.T) {
	var log *syncBuffer // each env's, set when it is built
	forEachDialect(t, func(t *testing.T, e *env) {
		l := e.login(luigiCF, "Luigi", "Verdi")
		b := e.book(l, 9, 0)
		l.do("DELETE", "/api/v1/bookings/"+b.ID, "").status(t, http.StatusNoContent)
		for _, action := range []string{auth.AuditLogin, auth.AuditBookingConfirmed, auth.AuditBookingCancelled} {
			if !strings.Contains(log.String(), "action="+action) || !strings.Contains(log.String(), "disk full") {
				t.Errorf("audit failure of %s not logged: %s", action, log.String())
			}
		}
	}, func(e *env, c *Config) {
		log = &syncBuffer{}
		logger := slog.New(slog.NewTextHandler(log, nil))
		c.Accounts = auth.NewAccounts(auth.AccountsConfig{Sessions: c.Sessions, Store: brokenAudit{e.store}, Demo: true, Logger: logger})
		c.Logger = logger
	})
}

func TestRateLimits(t *testing.T) {
	limits := func(e *env, c *Config) {
		c.Limits = auth.NewRateLimits(true, auth.RateLimitOptions{
			LoginPerMinute: 1, LoginBurst: 3,
			HoldPerMinute: 1, HoldBurst: 2,
			Now: e.clock.Now,
		})
	}
	forEachDialect(t, func(t *testing.T, e *env) {
		tooMany := func(t *testing.T, r resp) {
			t.Helper()
			p := r.problem(t, http.StatusTooManyRequests, "")
			if p.Code != string(booking.ETooMany) || !strings.Contains(p.Detail, "Troppe richieste") || !strings.Contains(p.Detail, "minuto") {
				t.Errorf("problem %+v", p)
			}
			if ra := r.header.Get("Retry-After"); ra != "60" {
				t.Errorf("Retry-After %q, want 60", ra)
			}
		}
		m := e.login(marioCF, "Mario", "Rossi")
		l := e.login(luigiCF, "Luigi", "Verdi")
		t.Run("hold per identity", func(t *testing.T) {
			m.do("POST", "/api/v1/holds", holdBodyJSON(e.desk, slotAt(9, 0), 1)).status(t, http.StatusCreated)
			// holding the same slot again releases the first hold and takes its seat
			m.do("POST", "/api/v1/holds", holdBodyJSON(e.desk, slotAt(9, 0), 1)).status(t, http.StatusCreated)
			tooMany(t, m.do("POST", "/api/v1/holds", holdBodyJSON(e.desk, slotAt(9, 30), 1)))
			// someone else, from the same address, is not held back
			l.do("POST", "/api/v1/holds", holdBodyJSON(e.desk, slotAt(9, 30), 1)).status(t, http.StatusCreated)
			// malformed requests are refused before the limit counts them
			m.do("POST", "/api/v1/holds", `{"resource_id":`).problem(t, http.StatusBadRequest, "")
			// a minute later there is a token again
			e.clock.Add(time.Minute)
			m.do("POST", "/api/v1/holds", holdBodyJSON(e.desk, slotAt(10, 0), 1)).status(t, http.StatusCreated)
		})
		t.Run("demo login per address", func(t *testing.T) {
			// two logins above and the burst is 3 (the minute gone by gave one back)
			body := `{"codice_fiscale":"BNCGLI85M55I304Q","nome":"Giulia","cognome":"Bianchi"}`
			c := e.anon()
			c.do("POST", "/api/v1/demo/login", body).status(t, http.StatusOK)
			c.do("POST", "/api/v1/demo/login", body).status(t, http.StatusOK)
			tooMany(t, c.do("POST", "/api/v1/demo/login", body))
			tooMany(t, c.do("POST", "/api/v1/demo/login", `{}`)) // every attempt counts
		})
	}, limits)
}

func TestHoldDuration(t *testing.T) {
	for _, tc := range []struct {
		name             string
		override         time.Duration
		minutes, seconds float64
	}{
		{"the resource's own", 0, 10, 600},
		{"override of seconds", 30 * time.Second, 1, 30},
		{"override rounded up", 90 * time.Second, 2, 90},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc := booking.NewService(newFakeStore(), booking.Options{Now: func() time.Time { return fakeNow }, HoldDuration: tc.override})
			h := New(Config{Service: svc, HoldOverride: tc.override})
			w := do(h, auth.Identity{}, "GET", "/api/v1/resources/2", "", "")
			var got map[string]any
			resp{w.Code, w.Header(), w.Body.Bytes()}.json(t, &got)
			if w.Code != 200 || got["hold_minutes"] != tc.minutes || got["hold_seconds"] != tc.seconds {
				t.Errorf("%d hold_minutes %v hold_seconds %v, want %v and %v", w.Code, got["hold_minutes"], got["hold_seconds"], tc.minutes, tc.seconds)
			}
		})
	}
}
