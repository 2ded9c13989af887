package backoffice_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/backoffice"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/testdb"
)

// TestLoweringCapacity: lowering a resource's seats below its bookings goes
// through the orphans page like any other orphaning change; the latest
// booking of a slot is the one asked about. On both engines.
func TestLoweringCapacity(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			a, base := startApp(t, dialect)
			admin := newClient(t, base)
			admin.login("admin")
			form := url.Values{"tipo": {"risorsa"}, "name": {"Sala Prove"}, "kind": {"presenza"}, "slot_minutes": {"30"}, "capacity": {"2"},
				"max_slots": {"1"}, "days_ahead": {"60"}, "min_notice_minutes": {"0"}, "hold_minutes": {"10"}, "hours_1": {"09:00-12:00"}}
			p := admin.post("/backoffice/risorse/nuova", form)
			want(t, "create resource", p, http.StatusSeeOther)
			page := p.location
			res := strings.TrimPrefix(page, "/backoffice/risorse/")
			next := booking.DateOf(monday, booking.Rome).AddDays(7)
			first := book(t, a, res, at(next, "09:00"), 0)
			latest := book(t, a, res, at(next, "09:00"), 1)
			other := book(t, a, res, at(next, "10:00"), 2)

			form.Del("tipo")
			form.Set("capacity", "1")
			p = admin.post(page, form)
			want(t, "lowering capacity", p, http.StatusConflict, "Prenotazioni da decidere", latest.Code)
			for _, b := range []booking.Booking{first, other} {
				if strings.Contains(p.body, b.Code) {
					t.Errorf("the orphans page asks about %s, which still fits", b.Code)
				}
			}
			if r, _ := a.Store.Resource(context.Background(), latest.ResourceID); r.Schedule.Capacity != 2 {
				t.Fatalf("capacity saved before the decision: %d", r.Schedule.Capacity)
			}
			form.Set("orfane", "scelta")
			form.Set("orfana", latest.ID)
			form.Set("annulla", latest.ID)
			form.Set("motivo", "Sala più piccola")
			want(t, "decided", admin.post(page, form), http.StatusSeeOther)
			if r, _ := a.Store.Resource(context.Background(), latest.ResourceID); r.Schedule.Capacity != 1 {
				t.Fatalf("capacity after the decision: %d", r.Schedule.Capacity)
			}
			if b, _ := a.Store.Booking(context.Background(), latest.ID); b.Status != booking.Cancelled || b.CancelReason != "Sala più piccola" || !cancellationSent(t, a.Store, latest.ID) {
				t.Fatalf("the latest booking was not cancelled with its email: %+v", b)
			}
			if b, _ := a.Store.Booking(context.Background(), first.ID); b.Status != booking.Confirmed {
				t.Fatalf("the first booking: %+v", b)
			}
			if es := auditLog(t, a.Store, auth.AuditFilter{Action: backoffice.AuditOrphansCancelled}); len(es) != 1 || !strings.Contains(es[0].Detail, latest.Code) {
				t.Fatalf("audit of the cancelled orphan: %+v", es)
			}
		})
	}
}
