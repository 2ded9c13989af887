package backoffice_test

import (
	"context"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/prenota/prenota/app"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/browsertest"
	"github.com/prenota/prenota/internal/testdb"
)

// closedSMTP returns an smtp:// URL where nothing listens: every send fails.
func closedSMTP(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return "smtp://" + addr + "?tls=none"
}

// startParked runs the app with an SMTP server that is down and one attempt
// per message, makes a booking and waits until its confirmation is parked.
func startParked(t *testing.T, dialect string) (*app.App, string, booking.Booking) {
	t.Helper()
	a, base := startApp(t, dialect, func(c *app.Config) { c.SMTPURL, c.NotifyMaxAttempts = closedSMTP(t), 1 })
	res := findResourceID(t, a, "Carte d'Identità Elettronica")
	av := slotsOn(t, newClient(t, base), res, booking.DateOf(monday, booking.Rome).AddDays(2).String())
	var start time.Time
	for _, s := range av.Days[0].Slots {
		if s.State == "free" {
			start, _ = time.Parse(time.RFC3339, s.Start)
			break
		}
	}
	if start.IsZero() {
		t.Fatalf("no free slot: %+v", av)
	}
	b := book(t, a, res, start, 0)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		n, err := a.Store.CountParked(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages parked, want 1", n)
		}
	}
	return a, base, b
}

// TestParkedMessages: a message that failed its last attempt is listed on
// the admins' home page (not the operatori's) and counted in /metrics.
func TestParkedMessages(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			_, base, b := startParked(t, d)
			admin := newClient(t, base)
			admin.login("admin")
			want(t, "admin home", admin.get("/backoffice/"), http.StatusOK, "Messaggi non recapitati", "Un messaggio non è stato recapitato",
				`<a href="/backoffice/prenotazioni/`+b.ID+`">`+b.Code+`</a>`, "Conferma (email)", "connect")
			op := newClient(t, base)
			op.login("op1")
			if p := op.get("/backoffice/"); p.status != http.StatusOK || strings.Contains(p.body, "Messaggi non recapitati") {
				t.Errorf("operatore home: %d, parked list shown: %v", p.status, strings.Contains(p.body, "Messaggi non recapitati"))
			}
			m := newClient(t, base).get("/metrics")
			want(t, "metrics", m, http.StatusOK, "\nprenota_outbox_parked 1\n")
		})
	}
}

// TestBrowserParkedMessages looks at the list: axe-clean, at 1280 and 360 px.
func TestBrowserParkedMessages(t *testing.T) {
	_, base, b := startParked(t, "sqlite")
	for _, v := range []struct {
		name string
		opt  browsertest.Option
	}{{"1280", browsertest.Desktop()}, {"360", browsertest.Phone()}} {
		t.Run(v.name, func(t *testing.T) {
			ctx := browsertest.New(t, v.opt)
			browsertest.Navigate(ctx, t, base+"/auth/password?next=/backoffice/")
			run(t, ctx, chromedp.SetValue("#login", "admin"), chromedp.SetValue("#password", password))
			browsertest.ClickAndLoad(ctx, t, "main form button[type=submit]")
			browsertest.WaitVisible(ctx, t, "#parked")
			if got := text(ctx, "#parked tbody"); !strings.Contains(got, b.Code) {
				t.Errorf("parked list %q lacks %s", got, b.Code)
			}
			browsertest.Axe(ctx, t, "home with parked messages")
			browsertest.NoHorizontalScroll(ctx, t)
			browsertest.Screenshot(ctx, t, "home-parked")
		})
	}
}

// findResourceID is the id, as the pages write it, of the resource named name.
func findResourceID(t *testing.T, a *app.App, name string) string {
	t.Helper()
	rs, err := a.Store.Resources(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.Name == name {
			return strconv.FormatInt(r.ID, 10)
		}
	}
	t.Fatalf("no resource %q", name)
	return ""
}
