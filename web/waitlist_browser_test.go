package web_test

import (
	"context"
	"regexp"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/prenota/prenota/app"
	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/browsertest"
	"github.com/prenota/prenota/internal/testdb"
)

// TestBrowserWaitlist: the 10:00 slot is full; Mario asks from the grid to
// be told if a seat frees up, sees his place in «Le mie prenotazioni», the
// booking is cancelled, the offer's email arrives in the demo mailbox, its
// link lands on the booking steps with the offer's countdown, and Mario
// confirms. With and without JavaScript; axe on every new page.
func TestBrowserWaitlist(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts []browsertest.Option
	}{{"js", []browsertest.Option{browsertest.Desktop()}}, {"nojs", []browsertest.Option{browsertest.Phone(), browsertest.NoJavaScript()}}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a, base := serveApp(t)
			ctx := context.Background()
			slot := time.Date(2026, 12, 9, 10, 0, 0, 0, booking.Rome)
			// Giulia takes the only seat of the slot.
			giulia := auth.DemoIdentities[1].Person
			h, err := a.Service.Hold(ctx, booking.HoldRequest{ResourceID: 13, Start: slot, Slots: 1, Owner: giulia.CodiceFiscale})
			if err != nil {
				t.Fatal(err)
			}
			taken, _, err := a.Service.Confirm(ctx, booking.ConfirmRequest{HoldID: h.ID, Presentante: giulia.CodiceFiscale, Fruitore: giulia,
				Motivazione: "Riunione", Telefono: giulia.Telefono})
			if err != nil {
				t.Fatal(err)
			}
			b := browsertest.New(t, tc.opts...)
			browsertest.Navigate(b, t, base+"/accedi?next=/prenota/13/disponibilita%3Fsettimana%3D2026-12-07")
			clickAndWait(b, t, `button.demo-identity[value="RSSMRA70A01H501S"]`, "/prenota/13/disponibilita")
			clickAndWait(b, t, "#avvisami", "/lista-attesa/13")
			check(b, t, "attesa-01-modulo-"+tc.name)
			run(b, t, "a wrong range", chromedp.SetValue("#f-from", "09/12/2026"), chromedp.SetValue("#f-to", "31/02/2026"),
				chromedp.SetValue("#f-time_from", "10:00"), chromedp.SetValue("#f-time_to", "11:00"), chromedp.SetValue("#f-email", "mario.rossi@example.it"))
			clickAndWait(b, t, "#avvisami", "/lista-attesa/13")
			wantText(b, t, "#f-to-errore", "gg/mm/aaaa")
			if v := get(b, t, "kept value", chromedp.Value("#f-time_from")); v != "10:00" {
				t.Errorf("the form lost what was typed: %q", v)
			}
			check(b, t, "attesa-02-errore-"+tc.name)
			run(b, t, "the right range", chromedp.SetValue("#f-to", "09/12/2026"))
			clickAndWait(b, t, "#avvisami", "/prenotazioni")
			wantText(b, t, "main .alert-success", "posizione 1")
			wantText(b, t, ".waitlist-row", "In attesa: posizione 1")
			check(b, t, "attesa-03-posizione-"+tc.name)
			// The Comune sees the line in the back office.
			staff := browsertest.New(t, tc.opts...)
			browsertest.Navigate(staff, t, base+"/auth/demo?next=/prenota")
			browsertest.ClickAndLoad(staff, t, `form:has(input[name=staff][value="admin.prova"]) button`)
			browsertest.Navigate(staff, t, base+"/backoffice/lista-attesa/13")
			wantText(staff, t, "#lista-attesa", "RSSMRA70A01H501S")
			wantText(staff, t, "#lista-attesa", "In attesa")
			browsertest.Axe(staff, t, "back office waitlist "+tc.name)
			browsertest.Screenshot(staff, t, "attesa-backoffice-"+tc.name)

			if _, err := a.Service.Cancel(ctx, taken.ID, taken.Presentante); err != nil {
				t.Fatal(err)
			}
			// The offer's email reaches the demo mailbox.
			var mail []string
			for deadline := time.Now().Add(15 * time.Second); mail == nil; {
				browsertest.Navigate(b, t, base+"/demo/posta")
				html := get(b, t, "mailbox", chromedp.OuterHTML("body"))
				mail = regexp.MustCompile(`href="(/demo/posta/\d+)">Si è liberato un posto`).FindStringSubmatch(html)
				if mail == nil && time.Now().After(deadline) {
					t.Fatal("no offer email in the demo mailbox")
				}
			}
			clickAndWait(b, t, `a[href="`+mail[1]+`"]`, mail[1])
			wantText(b, t, "h1", "Si è liberato un posto")
			body := get(b, t, "the email", chromedp.OuterHTML("body"))
			m := regexp.MustCompile(`https?://[^/\s]+(/lista-attesa/offerta/[a-z0-9]+)`).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no offer link in the email: %s", body)
			}
			browsertest.Navigate(b, t, base+m[1])
			waitPath(b, t, "/prenota/anagrafica")
			wantText(b, t, ".hold-banner", "Restano")
			check(b, t, "attesa-04-offerta-"+tc.name)
			clickAndWait(b, t, "#continua", "/prenota/conferma")
			run(b, t, "motivazione", chromedp.SendKeys("#f-motivazione", "Riunione del comitato"))
			clickAndWait(b, t, "#invia", "/prenotazioni/")
			wantText(b, t, ".alert-success", "La richiesta di prenotazione è conclusa")
			browsertest.Navigate(b, t, base+"/prenotazioni")
			if n := browsertest.Count(b, t, ".waitlist-row"); n != 0 {
				t.Errorf("still in line after booking: %d rows", n)
			}
			bs, _, err := a.Service.Bookings(ctx, "RSSMRA70A01H501S", 1)
			if err != nil || len(bs) != 1 || !bs[0].Start.Equal(slot) {
				t.Fatalf("Mario's bookings: %+v, %v", bs, err)
			}
		})
	}
}

// serveApp is serveAt(monday) answering the application too.
func serveApp(t *testing.T) (*app.App, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	begin := time.Now()
	a, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DatabaseURL: testdb.URL(t, "sqlite"), BaseURL: "http://127.0.0.1",
		Demo: true, Now: func() time.Time { return monday.Add(time.Since(begin)) }})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		a.Run(ctx)
		close(done)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		a.Close()
	})
	return a, "http://" + a.Addr()
}
