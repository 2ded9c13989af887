package backoffice_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/testdb"
	"github.com/prenota/prenota/sqlstore"
)

// cell returns the calendar cell of day (YYYY-MM-DD) in a page, or fails.
func cell(t *testing.T, body, day string) string {
	t.Helper()
	m := regexp.MustCompile(`(?s)<td[^>]*data-giorno="` + day + `"[^>]*>.*?</td>`).FindString(body)
	if m == "" {
		t.Fatalf("no calendar cell for %s", day)
	}
	return m
}

func wantIn(t *testing.T, what, s string, fragments ...string) {
	t.Helper()
	for _, f := range fragments {
		if !strings.Contains(s, f) {
			t.Errorf("%s: missing %q in\n%s", what, f, s)
		}
	}
}

// shown returns the bookings an orphans page lists, as its form posts them.
func shown(body string) []string {
	var ids []string
	for _, m := range regexp.MustCompile(`name="orfana" value="([^"]+)"`).FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// slotStarts lists the start (HH:MM) and state of each slot of a day.
func slotStarts(av availability) []string {
	var out []string
	for _, s := range av.Days[0].Slots {
		out = append(out, s.Start[11:16]+" "+s.State)
	}
	return out
}

// auditDetails returns "target detail" of the admin's entries of action.
func auditDetails(t *testing.T, s *sqlstore.Store, action string) []string {
	t.Helper()
	var out []string
	for _, e := range auditLog(t, s, auth.AuditFilter{Actor: "utente:admin", Action: action}) {
		out = append(out, e.Target+" "+e.Detail)
	}
	return out
}

// TestCalendar covers the month calendar of a resource and of the Comune,
// closures and one-off openings with their form errors, openings off the
// slot grid (never a slot over a booked seat), and the per-booking decision
// on the bookings a closure or the removal of an opening leaves out, on
// both engines.
func TestCalendar(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			a, base := startApp(t, dialect)
			ctx := context.Background()
			admin := newClient(t, base)
			admin.login("admin")
			anon := newClient(t, base)
			_, res := createResource(t, admin)
			page := "/backoffice/risorse/" + res
			today := booking.DateOf(monday, booking.Rome) // Monday 7 December 2026
			next := today.AddDays(7)

			// The month of today: caption, Monday-first headers, today, holidays, hours.
			p := admin.get(page)
			want(t, "resource page", p, http.StatusOK, `<caption class="caption-top h5 text-body mb-1">dicembre 2026</caption>`, `href="/backoffice/chiusure"`)
			head := regexp.MustCompile(`(?s)<thead>.*?</thead>`).FindAllString(p.body, -1)
			var cal string
			for _, h := range head {
				if strings.Contains(h, "lunedì") && strings.Contains(h, "domenica") {
					cal = h
				}
			}
			if n := strings.Count(cal, `<th scope="col"`); n != 7 || strings.Index(cal, "lunedì") > strings.Index(cal, "martedì") || strings.Index(cal, "sabato") > strings.Index(cal, "domenica") {
				t.Fatalf("weekday headers (%d):\n%s", n, cal)
			}
			if n := strings.Count(p.body, `aria-current="date"`); n != 1 {
				t.Errorf("%d cells marked today", n)
			}
			wantIn(t, "today", cell(t, p.body, today.String()), `aria-current="date"`, "Orario 09:00-12:00")
			wantIn(t, "8 December", cell(t, p.body, "2026-12-08"), "Festività:</strong> Immacolata Concezione", "Nessun orario")
			wantIn(t, "Christmas", cell(t, p.body, "2026-12-25"), "Natale")
			if strings.Contains(p.body, `data-giorno="2026-11-30"`) {
				t.Error("a day of November has content in December's calendar")
			}
			// Another month, keeping the week preview; the patron saint.
			p = admin.get(page + "?mese=2027-01&settimana=2027-01-04")
			want(t, "January", p, http.StatusOK, "gennaio 2027</caption>", "Settimana dal lunedì 4 gennaio 2027", `href="`+page+`?mese=2027-02&amp;settimana=2027-01-04#calendario"`,
				`href="`+page+`?settimana=2027-01-11&amp;mese=2027-01"`)
			wantIn(t, "Epiphany", cell(t, p.body, "2027-01-06"), "Epifania")
			wantIn(t, "patron", cell(t, admin.get(page+"?mese=2027-09").body, "2027-09-29"), "Festa del santo patrono (San Michele Arcangelo)")
			// Choosing a day fills the add forms.
			p = admin.get(page + "?giorno=" + next.String())
			want(t, "chosen day", p, http.StatusOK, `id="cl-from" name="from" value="`+next.String()+`"`, `id="op-date" name="date" value="`+next.String()+`"`)
			wantIn(t, "chosen cell", cell(t, p.body, next.String()), "giorno scelto")

			// Form errors name the field and keep what was typed.
			p = admin.post(page+"/chiusure", url.Values{"from": {""}, "to": {"2026-12-20"}, "reason": {"Inventario annuale"}})
			want(t, "closure without start", p, http.StatusUnprocessableEntity, "«Dal»", `value="Inventario annuale"`, `id="cl-to" name="to" value="2026-12-20"`, `aria-invalid="true"`,
				`href="`+page+`?mese=2027-01#calendario"`) // the links work from the page answering the POST
			p = admin.post(page+"/chiusure", url.Values{"from": {"2026-12-20"}, "to": {"2026-12-18"}})
			want(t, "closure backwards", p, http.StatusUnprocessableEntity, "«Al»", `value="2026-12-18"`)
			p = admin.post(page+"/aperture", url.Values{"date": {"31/02/2027"}, "start": {"9"}, "end": {"12:00"}, "reason": {"Serale"}})
			want(t, "opening errors", p, http.StatusUnprocessableEntity, "«Giorno»", "«Dalle»", `value="31/02/2027"`, `id="op-start" name="start" placeholder="09:00" value="9"`, `value="Serale"`)

			// A one-off opening off the slot grid never puts a slot over a
			// booked seat: 08:45-09:45 would move the 09:00 and 09:30 slots
			// (the 09:00 seat is booked), 09:15-10:15 adds nothing.
			b9 := book(t, a, res, at(next, "09:00"), 0)
			before := slotStarts(slotsOn(t, anon, res, next.String()))
			p = admin.post(page+"/aperture", url.Values{"date": {next.String()}, "start": {"08:45"}, "end": {"09:45"}})
			want(t, "opening off the grid", p, http.StatusUnprocessableEntity, "«Dalle»", "griglia di 30 minuti", `value="08:45"`, `value="09:45"`)
			p = admin.post(page+"/aperture", url.Values{"date": {next.String()}, "start": {"09:15"}, "end": {"10:15"}})
			want(t, "opening inside the hours", p, http.StatusUnprocessableEntity, "«Dalle»", "non aggiunge alcuno slot")
			if after := slotStarts(slotsOn(t, anon, res, next.String())); strings.Join(after, ",") != strings.Join(before, ",") || after[0] != "09:00 taken" {
				t.Fatalf("slots changed by refused openings: %v, were %v", after, before)
			}
			// The same day's evening, on the grid after the hours, is added.
			want(t, "opening", admin.post(page+"/aperture", url.Values{"date": {next.String()}, "start": {"12:00"}, "end": {"13:00"}, "reason": {"Sportello serale"}, "mese": {"2026-12"}}),
				http.StatusSeeOther)
			if got := slotStarts(slotsOn(t, anon, res, next.String())); len(got) != 8 || got[0] != "09:00 taken" || got[6] != "12:00 free" || got[7] != "12:30 free" {
				t.Fatalf("slots with the opening: %v", got)
			}
			os, err := a.Store.Openings(ctx, next, next)
			if err != nil || len(os) != 1 {
				t.Fatalf("openings: %v %v", os, err)
			}
			oid := strconv.FormatInt(os[0].ID, 10)
			wantIn(t, "opening in the calendar", cell(t, admin.get(page+"?mese=2026-12").body, next.String()), "Apertura straordinaria</strong> 12:00-13:00: Sportello serale",
				`action="/backoffice/risorse/`+res+`/aperture/`+oid+`/elimina"`, "Elimina<span class=\"visually-hidden\"> l'apertura straordinaria del 14/12/2026 12:00-13:00")
			both := func(start, end string) {
				t.Helper()
				// Every booked seat still taken, no slot overlapping a booking free.
				av := slotsOn(t, anon, res, next.String())
				for _, s := range av.Days[0].Slots {
					if s.State == "free" && s.Start[11:16] >= start && s.Start[11:16] < end {
						t.Fatalf("free slot at %s over a booking %s-%s: %v", s.Start, start, end, slotStarts(av))
					}
				}
			}
			both("09:00", "09:30")

			// Deleting the opening would leave the 12:30 booking out: asked first.
			b1230 := book(t, a, res, at(next, "12:30"), 1)
			p = admin.post(page+"/aperture/"+oid+"/elimina", url.Values{"mese": {"2026-12"}})
			want(t, "delete opening with a booking", p, http.StatusConflict, b1230.Code, "Ufficio Prove › Sportello Prove", "L&#39;eliminazione dell&#39;apertura straordinaria del 14/12/2026 12:00-13:00",
				`name="annulla" value="`+b1230.ID+`"`)
			if os, _ := a.Store.Openings(ctx, next, next); len(os) != 1 {
				t.Fatal("opening deleted before the decision")
			}
			want(t, "keep", admin.post(page+"/aperture/"+oid+"/elimina", url.Values{"mese": {"2026-12"}, "orfane": {"scelta"}, "orfana": shown(p.body)}), http.StatusSeeOther)
			if os, _ := a.Store.Openings(ctx, next, next); len(os) != 0 {
				t.Fatal("opening not deleted")
			}
			if b, _ := a.Store.Booking(ctx, b1230.ID); b.Status != booking.Confirmed {
				t.Fatalf("kept booking %s", b.Status)
			}
			if got := slotStarts(slotsOn(t, anon, res, next.String())); len(got) != 6 {
				t.Fatalf("slots after deleting the opening: %v", got)
			}
			// An opening over the kept booking (which now holds no seat) is refused.
			p = admin.post(page+"/aperture", url.Values{"date": {next.String()}, "start": {"12:00"}, "end": {"13:00"}})
			want(t, "opening over a kept booking", p, http.StatusUnprocessableEntity, "«Dalle»", b1230.Code)

			// A closure of the resource over a booking: asked first, kept.
			p = admin.post(page+"/chiusure", url.Values{"from": {next.String()}, "reason": {"Inventario"}, "mese": {"2026-12"}})
			want(t, "closure over a booking", p, http.StatusConflict, b9.Code)
			if strings.Contains(p.body, b1230.Code) {
				t.Error("a booking kept earlier is asked about again")
			}
			want(t, "keep", admin.post(page+"/chiusure", url.Values{"from": {next.String()}, "reason": {"Inventario"}, "mese": {"2026-12"}, "orfane": {"scelta"}, "orfana": shown(p.body)}), http.StatusSeeOther)
			if b, _ := a.Store.Booking(ctx, b9.ID); b.Status != booking.Confirmed {
				t.Fatalf("kept booking %s", b.Status)
			}
			cs, _ := a.Store.Closures(ctx, next, next)
			if len(cs) != 1 || cs[0].ResourceID == 0 {
				t.Fatalf("closures: %+v", cs)
			}
			resClosure := strconv.FormatInt(cs[0].ID, 10)
			wantIn(t, "closure in the calendar", cell(t, admin.get(page+"?mese=2026-12").body, next.String()), "Chiuso</strong>: Inventario", `action="/backoffice/risorse/`+res+`/chiusure/`+resClosure+`/elimina"`)

			// A closure of the whole Comune: every resource closed, the
			// admin decides booking by booking.
			day := next.AddDays(7) // Monday 21 December
			bA, bB := book(t, a, res, at(day, "09:00"), 2), book(t, a, res, at(day, "09:30"), 3)
			var other string
			rs, _ := a.Store.Resources(ctx)
			for _, r := range rs {
				if id := strconv.FormatInt(r.ID, 10); r.Bookable && id != res && len(slotsOn(t, anon, id, day.String()).Days[0].Slots) > 0 {
					other = id
					break
				}
			}
			if other == "" {
				t.Fatal("no demo resource open on " + day.String())
			}
			// A citizen holds a seat on that day while the admin closes it.
			resID, _ := strconv.ParseInt(res, 10, 64)
			holder := auth.DemoIdentities[0].Person
			hold, err := a.Service.Hold(ctx, booking.HoldRequest{ResourceID: resID, Start: at(day, "10:00"), Slots: 1, Owner: holder.CodiceFiscale})
			if err != nil {
				t.Fatal(err)
			}
			want(t, "Comune page", admin.get("/backoffice/chiusure"), http.StatusOK, "Chiusure del Comune", "dicembre 2026</caption>", `action="/backoffice/chiusure"`)
			p = admin.post("/backoffice/chiusure", url.Values{"from": {"31/02/2027"}, "reason": {"Elezioni"}})
			want(t, "Comune closure error", p, http.StatusUnprocessableEntity, "«Dal»", `value="31/02/2027"`, `value="Elezioni"`)
			form := url.Values{"from": {day.String()}, "reason": {"Consultazione elettorale"}, "mese": {"2026-12"}}
			p = admin.post("/backoffice/chiusure", form)
			want(t, "Comune closure over bookings", p, http.StatusConflict, "La chiusura di tutto il Comune dal 21/12/2026 al 21/12/2026", bA.Code, bB.Code, "Sportello Prove")
			ids := shown(p.body)
			form["orfane"], form["annulla"] = []string{"scelta"}, []string{bA.ID}
			form["orfana"] = []string{bA.ID} // as if bB had been made after the page was shown
			want(t, "a booking not decided", admin.post("/backoffice/chiusure", form), http.StatusConflict, "Nel frattempo", bB.Code, `value="`+bA.ID+`" id="annulla-`+bA.ID+`" checked`)
			form["orfana"] = ids
			p = admin.post("/backoffice/chiusure", form)
			want(t, "cancel without a reason", p, http.StatusConflict, "«Motivo dell&#39;annullamento»", `value="`+bA.ID+`" id="annulla-`+bA.ID+`" checked`)
			if cs, _ := a.Store.Closures(ctx, day, day); len(cs) != 0 {
				t.Fatal("closure saved before the decision")
			}
			form.Set("motivo", "Seggio elettorale negli uffici")
			want(t, "decided", admin.post("/backoffice/chiusure", form), http.StatusSeeOther)
			if b, _ := a.Store.Booking(ctx, bA.ID); b.Status != booking.Cancelled || b.CancelReason != "Seggio elettorale negli uffici" || !cancellationSent(t, a.Store, bA.ID) {
				t.Fatalf("cancelled orphan: %+v", b)
			}
			if b, _ := a.Store.Booking(ctx, bB.ID); b.Status != booking.Confirmed {
				t.Fatalf("kept orphan: %s", b.Status)
			}
			// The hold made before the closure cannot become a booking on a closed day.
			_, _, err = a.Service.Confirm(ctx, booking.ConfirmRequest{HoldID: hold.ID, Presentante: holder.CodiceFiscale, Fruitore: holder,
				Motivazione: "Rinnovo carta d'identità", Telefono: holder.Telefono, Extra: map[string]string{"pratica": "42"}})
			if booking.ErrorCode(err) != booking.EGone {
				t.Fatalf("confirming a hold on a day closed meanwhile: %v", err)
			}
			for _, id := range []string{res, other} {
				for _, s := range slotsOn(t, anon, id, day.String()).Days[0].Slots {
					if s.State != "closed" {
						t.Fatalf("resource %s on the Comune's closure: %s %s", id, s.Start, s.State)
					}
				}
			}
			cs, _ = a.Store.Closures(ctx, day, day)
			if len(cs) != 1 || cs[0].ResourceID != 0 {
				t.Fatalf("Comune closure stored as %+v", cs)
			}
			cid := strconv.FormatInt(cs[0].ID, 10)
			wantIn(t, "Comune calendar", cell(t, admin.get("/backoffice/chiusure?mese=2026-12").body, day.String()),
				"Chiuso (tutto il Comune)</strong>: Consultazione elettorale", `action="/backoffice/chiusure/`+cid+`/elimina"`)
			rc := cell(t, admin.get(page+"?mese=2026-12").body, day.String())
			wantIn(t, "resource calendar", rc, "Chiuso (tutto il Comune)</strong>: Consultazione elettorale", `href="/backoffice/chiusure?mese=2026-12"`)
			if strings.Contains(rc, "/elimina") {
				t.Errorf("the Comune's closure is deletable from the resource page:\n%s", rc)
			}
			want(t, "Comune closure via the resource", admin.post(page+"/chiusure/"+cid+"/elimina", nil), http.StatusNotFound)
			want(t, "resource closure via the Comune", admin.post("/backoffice/chiusure/"+resClosure+"/elimina", nil), http.StatusNotFound)
			for _, d := range auditDetails(t, a.Store, "orphaned_bookings_kept") {
				if strings.HasPrefix(d, "comune ") && strings.Contains(d, bB.Code) && !strings.Contains(d, bA.Code) {
					goto kept
				}
			}
			t.Errorf("audit: no kept %s: %v", bB.Code, auditDetails(t, a.Store, "orphaned_bookings_kept"))
		kept:
			if ds := auditDetails(t, a.Store, "orphaned_bookings_cancelled"); len(ds) != 1 || ds[0] != "comune "+bA.Code+": Seggio elettorale negli uffici" {
				t.Errorf("audit of the cancelled: %v", ds)
			}

			// Deleting closures reopens the days.
			want(t, "delete Comune closure", admin.post("/backoffice/chiusure/"+cid+"/elimina", url.Values{"mese": {"2026-12"}}), http.StatusSeeOther)
			if got := slotStarts(slotsOn(t, anon, res, day.String())); got[0] != "09:00 free" || got[1] != "09:30 taken" {
				t.Fatalf("after the Comune's closure: %v", got)
			}
			p = admin.post(page+"/chiusure/"+resClosure+"/elimina", url.Values{"mese": {"2026-12"}})
			want(t, "delete closure", p, http.StatusSeeOther)
			if p.location != page+"?mese=2026-12#calendario" {
				t.Errorf("back to %q", p.location)
			}
			if got := slotStarts(slotsOn(t, anon, res, next.String())); got[0] != "09:00 taken" {
				t.Fatalf("after the closure: %v", got)
			}
			for _, act := range []string{"closure_added", "closure_deleted", "opening_added", "opening_deleted"} {
				if len(auditDetails(t, a.Store, act)) == 0 {
					t.Errorf("audit: no %s", act)
				}
			}

			op := newClient(t, base)
			op.login("op1")
			want(t, "operatore", op.get("/backoffice/chiusure"), http.StatusForbidden)
			want(t, "operatore posts", op.post("/backoffice/chiusure", url.Values{"from": {day.String()}}), http.StatusForbidden)
		})
	}
}
