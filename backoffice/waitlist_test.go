package backoffice_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/backoffice"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/testdb"
)

// TestWaitlistBackOffice: the waitlist settings of a resource (on/off, offer
// period), its line with positions, states and offers, and removing an
// entry (its offer passes to the next), audited. On both engines.
func TestWaitlistBackOffice(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			ctx := context.Background()
			a, base := startApp(t, dialect)
			admin := newClient(t, base)
			admin.login("admin")
			form := url.Values{"tipo": {"risorsa"}, "name": {"Sala Prove"}, "kind": {"presenza"}, "slot_minutes": {"30"}, "capacity": {"1"},
				"max_slots": {"1"}, "days_ahead": {"60"}, "min_notice_minutes": {"0"}, "hold_minutes": {"10"}, "hours_1": {"09:00-09:30"},
				"waitlist": {"on"}, "offer_minutes": {"-5"}}
			want(t, "a negative offer period", admin.post("/backoffice/risorse/nuova", form), http.StatusUnprocessableEntity, "La durata dell&#39;offerta")
			form.Set("offer_minutes", "30")
			p := admin.post("/backoffice/risorse/nuova", form)
			want(t, "create resource", p, http.StatusSeeOther)
			res := strings.TrimPrefix(p.location, "/backoffice/risorse/")
			id, _ := strconv.ParseInt(res, 10, 64)
			if r, _ := a.Store.Resource(ctx, id); r.Waitlist.Off || r.Waitlist.OfferMinutes != 30 {
				t.Fatalf("waitlist settings: %+v", r.Waitlist)
			}
			next := booking.DateOf(monday, booking.Rome).AddDays(7)
			taken := book(t, a, res, at(next, "09:00"), 0)
			var line []booking.WaitEntry
			for _, i := range []int{1, 2} {
				cf := auth.DemoIdentities[i].Person.CodiceFiscale
				e, err := a.Service.JoinWaitlist(ctx, booking.JoinRequest{ResourceID: id, Subject: cf, Email: "x@example.it", From: next, To: next})
				if err != nil {
					t.Fatal(err)
				}
				line = append(line, e)
			}
			if _, err := a.Service.Cancel(ctx, taken.ID, taken.Presentante); err != nil {
				t.Fatal(err)
			}
			page := "/backoffice/lista-attesa/" + res
			p = admin.get(page)
			want(t, "the line", p, http.StatusOK, line[0].Subject, "Posto offerto: "+at(next, "09:00").Format("02/01/2006 15:04"), line[1].Subject, "In attesa")
			first, _ := a.Service.Waitlist(ctx, line[0].Subject)
			if len(first) != 1 || first[0].ExpiresAt.After(time.Now().Add(31*time.Minute)) {
				t.Fatalf("offer of 30 minutes: %+v", first)
			}
			want(t, "agenda links the line", admin.get("/backoffice/agenda/"+res), http.StatusOK, `href="`+page+`"`)

			want(t, "remove", admin.post(page+"/"+strconv.FormatInt(line[0].ID, 10)+"/rimuovi", url.Values{}), http.StatusSeeOther)
			if es, _ := a.Service.Waitlist(ctx, line[0].Subject); len(es) != 0 {
				t.Errorf("removed entry still there: %+v", es)
			}
			if es, _ := a.Service.Waitlist(ctx, line[1].Subject); len(es) != 1 || es[0].State != booking.Offered {
				t.Errorf("the offer did not pass to the next: %+v", es)
			}
			es, err := a.Store.AuditLog(ctx, auth.AuditFilter{Action: backoffice.AuditWaitlistRemoved})
			if err != nil || len(es) != 1 || es[0].Target != strconv.FormatInt(line[0].ID, 10) || !strings.Contains(es[0].Detail, line[0].Subject) {
				t.Errorf("audit: %+v, %v", es, err)
			}
			want(t, "remove again", admin.post(page+"/"+strconv.FormatInt(line[0].ID, 10)+"/rimuovi", url.Values{}), http.StatusNotFound)
		})
	}
}
