package notify_test

import (
	"context"
	"github.com/prenota/prenota/mailbox"
	"strings"
	"testing"
	"time"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/testdb"
	"github.com/prenota/prenota/notify"
)

// TestWaitlistOfferEmail: a cancellation offers the seat to the first in
// line, whose "Si è liberato un posto" email arrives over SMTP within 5
// seconds with the link to the confirmation of the offered hold.
func TestWaitlistOfferEmail(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			e := newEnv(t, dialect)
			var hours []booking.OpeningRange
			for wd := time.Sunday; wd <= time.Saturday; wd++ {
				hours = append(hours, booking.OpeningRange{Weekday: wd, Start: 9 * 60, End: 12 * 60})
			}
			r := booking.Resource{Name: "Sportello Unico", Bookable: true, Kind: booking.InPerson,
				Schedule: booking.Schedule{SlotMinutes: 60, Capacity: 1, MaxSlots: 1, Hours: hours}}
			if err := e.svc.CreateResource(ctx, &r); err != nil {
				t.Fatal(err)
			}
			a := e.book(r.Name, niccolo.CodiceFiscale, niccolo, 48*time.Hour)
			start := a.Start.In(booking.Rome)
			at := booking.Clock(start.Hour() * 60)
			b, err := e.svc.JoinWaitlist(ctx, booking.JoinRequest{ResourceID: r.ID, Subject: "VRDNNA80A41H501X", Email: "anna.verdi@example.org",
				From: booking.DateOf(start, booking.Rome), To: booking.DateOf(start, booking.Rome), Times: []booking.TimeRange{{From: at, To: at + 60}}})
			if err != nil || b.State != booking.Waiting {
				t.Fatalf("join: %+v, %v", b, err)
			}
			srv := startSMTP(t)
			mailer, err := notify.NewSMTP(srv.URL(), 2*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			e.worker(notify.Config{Mailer: mailer})
			cancelled := time.Now()
			if _, err := e.svc.Cancel(ctx, a.ID, a.Presentante); err != nil {
				t.Fatal(err)
			}
			var m *mailbox.Parsed
			waitFor(t, 5*time.Second, "the offer email", func() bool {
				for _, x := range srv.messages() {
					if strings.Contains(x.To, "anna.verdi@example.org") {
						m = x
					}
				}
				return m != nil
			})
			t.Logf("offer email delivered %v after the cancellation", time.Since(cancelled).Round(time.Millisecond))
			es, err := e.svc.Waitlist(ctx, b.Subject)
			if err != nil || len(es) != 1 || es[0].State != booking.Offered {
				t.Fatalf("entries: %+v, %v", es, err)
			}
			contains(t, "subject", m.Subject, "Si è liberato un posto - Sportello Unico")
			link := "https://prenota.comune.demo.it/lista-attesa/offerta/" + es[0].HoldID
			contains(t, "text", m.Text, link, start.Format("02/01/2006 alle 15:04"), es[0].ExpiresAt.In(booking.Rome).Format("15:04"))
			contains(t, "html", m.HTML, `href="`+link+`"`)
		})
	}
}
