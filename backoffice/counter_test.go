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
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/testdb"
)

// counterResource makes, as admin, a bookable resource open every weekday
// 09:00-12:00 in 20-minute slots of one seat, with an hour of minimum
// notice online and a required extra field «Tipo di pratica» (a choice).
func counterResource(t *testing.T, admin *client) string {
	t.Helper()
	form := url.Values{"tipo": {"risorsa"}, "name": {"Sportello Anagrafe"}, "kind": {"presenza"},
		"slot_minutes": {"20"}, "capacity": {"1"}, "max_slots": {"1"}, "days_ahead": {"60"}, "min_notice_minutes": {"60"}, "hold_minutes": {"10"},
		"extra_n": {"1"}, "extra_name_0": {"tipo"}, "extra_label_0": {"Tipo di pratica"}, "extra_type_0": {"choice"},
		"extra_required_0": {"on"}, "extra_options_0": {"Carta d'identità, Residenza"}}
	for wd := 1; wd <= 5; wd++ {
		form.Set("hours_"+strconv.Itoa(wd), "09:00-12:00")
	}
	p := admin.post("/backoffice/risorse/nuova", form)
	want(t, "create resource", p, http.StatusSeeOther)
	return strings.TrimPrefix(p.location, "/backoffice/risorse/")
}

// walkIn is the counter form for demo identity i without email.
func walkIn(i int, start time.Time) url.Values {
	p := auth.DemoIdentities[i].Person
	return url.Values{"start": {strconv.FormatInt(start.UnixMilli(), 10)}, "data": {booking.DateOf(start, booking.Rome).String()},
		"nome": {p.Nome}, "cognome": {p.Cognome}, "codice_fiscale": {p.CodiceFiscale}, "data_nascita": {p.DataNascita.String()}, "sesso": {p.Sesso},
		"nazione_nascita": {p.NazioneNascita}, "provincia_nascita": {p.ProvinciaNascita}, "comune_nascita": {p.ComuneNascita},
		"telefono": {p.Telefono}, "motivazione": {"Rinnovo"}, "extra.tipo": {"Residenza"}}
}

// TestCounter works a Wednesday at the counter on both engines: a walk-in
// without email in the slot under way (which the online notice hides), on
// a resource with a required extra field, refused first with the errors
// inline and what was typed kept, nothing stored; the receipt to print;
// search by codice fiscale and by name among the operatore's resources;
// the CSV of tomorrow and of the week, with exactly their bookings.
func TestCounter(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			var clk clock
			a, base := startApp(t, dialect, withClock(&clk))
			admin := newClient(t, base)
			admin.login("admin")
			res := counterResource(t, admin)
			rid, _ := strconv.ParseInt(res, 10, 64)
			wed := booking.DateOf(monday, booking.Rome).AddDays(2)
			thu, fri, nextMon := wed.AddDays(1), wed.AddDays(2), wed.AddDays(5)
			// Bookings made online beforehand: two tomorrow, one on Friday,
			// one next week.
			b1, b2 := book(t, a, res, at(thu, "09:00"), 0), book(t, a, res, at(thu, "10:00"), 1)
			b3, b4 := book(t, a, res, at(fri, "11:00"), 2), book(t, a, res, at(nextMon, "09:00"), 0)

			clk.advance(at(wed, "09:05").Sub(monday)) // Wednesday, 09:05 and a few seconds
			want(t, "assign", admin.post("/backoffice/operatori/op1/risorse", url.Values{"risorsa": {res}}), http.StatusSeeOther)
			op := newClient(t, base)
			op.login("op1")

			// Online the first free slot is 10:20 (an hour's notice); the
			// counter offers the 09:00 slot under way and the next ones.
			if av := slotsOn(t, op, res, wed.String()); av.Days[0].Slots[0].State == "free" || av.Days[0].Slots[3].State == "free" {
				t.Fatalf("online grid offers slots within the notice: %+v", av.Days[0].Slots[:4])
			}
			now := at(wed, "09:00")
			agendaPath := "/backoffice/agenda/" + res + "?data=" + wed.String()
			want(t, "agenda", op.get(agendaPath), http.StatusOK, `<option value="`+strconv.FormatInt(now.UnixMilli(), 10)+`">09:00-09:20 (1 posto)</option>`,
				`name="extra.tipo"`, "Tipo di pratica *", `id="cb-email" name="email"`)

			// Refused: a wrong codice fiscale and the required field missing.
			form := walkIn(3, now)
			form.Set("codice_fiscale", "DMCNCL01S30D612X")
			form.Del("extra.tipo")
			p := op.post("/backoffice/agenda/"+res+"/prenota", form)
			want(t, "walk-in refused", p, http.StatusUnprocessableEntity, "La prenotazione non è stata registrata",
				`id="cb-extra-tipo-err">Il campo «Tipo di pratica» è obbligatorio.</div>`, `id="cb-codice_fiscale-err">`,
				`value="DMCNCL01S30D612X"`, `value="NICCOLÒ"`, `value="320 1112233"`, `value="Rinnovo"`,
				`<option value="`+strconv.FormatInt(now.UnixMilli(), 10)+`" selected>`)
			if strings.Contains(p.body, "<h1 class=\"mt-3 mb-4\" data-element=\"page-name\">Errore") {
				t.Error("a refused walk-in shows the error page")
			}
			if es, _ := a.Store.Agenda(context.Background(), rid, now, now.Add(24*time.Hour)); len(es) != 0 {
				t.Fatalf("a refused walk-in left %d bookings", len(es))
			}
			if d, err := a.Service.CounterDay(context.Background(), rid, wed); err != nil || d.Cells[0].State != booking.Free {
				t.Fatalf("the slot of a refused walk-in is not free: %v %v", d.Cells[0].State, err)
			}

			// Booked: no email, the slot under way.
			p = op.post("/backoffice/agenda/"+res+"/prenota", walkIn(3, now))
			want(t, "walk-in", p, http.StatusSeeOther)
			if !strings.HasPrefix(p.location, "/backoffice/prenotazioni/") {
				t.Fatalf("walk-in without email goes to %q, want the booking's page", p.location)
			}
			bid := strings.TrimPrefix(p.location, "/backoffice/prenotazioni/")
			w, err := a.Store.Booking(context.Background(), bid)
			if err != nil || !w.Start.Equal(now) || w.Fruitore.Email != "" || w.Extra["tipo"] != "Residenza" || w.Status != booking.Confirmed {
				t.Fatalf("walk-in booking: %+v %v", w, err)
			}
			want(t, "booking page", op.get(p.location), http.StatusOK, "stampi la ricevuta", `href="/backoffice/prenotazioni/`+bid+`/ricevuta.pdf"`)
			pdf := op.get(p.location + "/ricevuta.pdf")
			if pdf.status != http.StatusOK || pdf.header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf.body, "%PDF-") {
				t.Fatalf("receipt: %d %q %.8q", pdf.status, pdf.header.Get("Content-Type"), pdf.body)
			}
			want(t, "the slot is taken", op.post("/backoffice/agenda/"+res+"/prenota", walkIn(2, now)), http.StatusConflict, `value="FERRARI"`, `<div class="alert alert-danger" role="alert">`)

			// Search by codice fiscale (one booking: its page) and by name.
			cf := auth.DemoIdentities[3].Person.CodiceFiscale
			if p := op.get("/backoffice/cerca?codice=" + strings.ToLower(cf)); p.status != http.StatusSeeOther || p.location != "/backoffice/prenotazioni/"+bid {
				t.Fatalf("search by codice fiscale: %d %q", p.status, p.location)
			}
			byName := op.get("/backoffice/cerca?codice=" + url.QueryEscape("rossi  mario"))
			want(t, "search by name", byName, http.StatusOK, "2 prenotazioni", b1.Code, b4.Code)
			if strings.Contains(byName.body, b2.Code) || strings.Contains(byName.body, w.Code) {
				t.Error("search by name lists another person's booking")
			}
			want(t, "search by first name first", op.get("/backoffice/cerca?codice=MARIO+ROSSI"), http.StatusOK, b1.Code, b4.Code)
			want(t, "search too short", op.get("/backoffice/cerca?codice=ro"), http.StatusUnprocessableEntity, "almeno tre lettere")
			want(t, "admin finds it too", admin.get("/backoffice/cerca?codice=FERRARI"), http.StatusSeeOther)
			want(t, "unassign", admin.post("/backoffice/operatori/op1/risorse", url.Values{}), http.StatusSeeOther)
			want(t, "search outside one's resources", op.get("/backoffice/cerca?codice=ROSSI"), http.StatusOK, "Nessuna prenotazione delle sue risorse")
			want(t, "reassign", admin.post("/backoffice/operatori/op1/risorse", url.Values{"risorsa": {res}}), http.StatusSeeOther)

			// The CSV of the day and of the week the page shows.
			want(t, "week view", op.get("/backoffice/agenda/"+res+"?data="+thu.String()+"&vista=settimana"), http.StatusOK,
				`/backoffice/agenda/`+res+`/prenotazioni.csv?data=`+thu.String()+`&amp;vista=settimana`)
			codes := func(path string) []string {
				p := op.get(path)
				want(t, path, p, http.StatusOK)
				var out []string
				for _, line := range strings.Split(strings.TrimSuffix(p.body, "\r\n"), "\r\n")[1:] {
					out = append(out, strings.Split(line, ";")[3])
				}
				return out
			}
			csvPath := "/backoffice/agenda/" + res + "/prenotazioni.csv?data=" + thu.String()
			if got := strings.Join(codes(csvPath+"&vista=giorno"), " "); got != b1.Code+" "+b2.Code {
				t.Errorf("CSV of tomorrow: %s, want %s %s", got, b1.Code, b2.Code)
			}
			if got := strings.Join(codes(csvPath+"&vista=settimana"), " "); got != w.Code+" "+b1.Code+" "+b2.Code+" "+b3.Code {
				t.Errorf("CSV of the week: %s, want %s %s %s %s", got, w.Code, b1.Code, b2.Code, b3.Code)
			}
		})
	}
}

// TestMoveFromBackOffice: the operatore moves a booking to another day
// (both engines): the old seat is free, the new one taken, the citizen's
// email gives the new time with a calendar file of the same UID and
// SEQUENCE 1; a move onto a taken slot is refused on the page, the booking
// as it was.
func TestMoveFromBackOffice(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			a, base := startApp(t, dialect)
			admin := newClient(t, base)
			admin.login("admin")
			res := counterResource(t, admin)
			rid, _ := strconv.ParseInt(res, 10, 64)
			thu := booking.DateOf(monday, booking.Rome).AddDays(3)
			fri := thu.AddDays(1)
			b1, b2 := book(t, a, res, at(thu, "09:00"), 0), book(t, a, res, at(thu, "10:00"), 1)
			want(t, "assign", admin.post("/backoffice/operatori/op1/risorse", url.Values{"risorsa": {res}}), http.StatusSeeOther)
			op := newClient(t, base)
			op.login("op1")
			want(t, "booking page", op.get("/backoffice/prenotazioni/"+b1.ID), http.StatusOK, "Sposta la prenotazione", `value="09:00"`)

			p := op.post("/backoffice/prenotazioni/"+b1.ID+"/sposta", url.Values{"risorsa": {res}, "data": {fri.String()}, "ora": {"10:00"}})
			want(t, "move", p, http.StatusSeeOther)
			got, err := a.Store.Booking(context.Background(), b1.ID)
			if err != nil || !got.Start.Equal(at(fri, "10:00")) || got.Sequence != 1 || !got.MovedFrom.Equal(b1.Start) {
				t.Fatalf("moved booking: %+v %v", got, err)
			}
			if d, _ := a.Service.CounterDay(context.Background(), rid, thu); d.Cells[0].State != booking.Free {
				t.Errorf("the old seat is %s", d.Cells[0].State)
			}
			if d, _ := a.Service.CounterDay(context.Background(), rid, fri); d.Cells[3].State != booking.Taken {
				t.Errorf("the new seat is %s", d.Cells[3].State)
			}
			m := mailFor(t, a.Store, "Prenotazione spostata")
			for _, f := range []string{"10/12/2026 alle 09:00", "11/12/2026", "10:00", b1.Code} {
				if !strings.Contains(m.Text, f) {
					t.Errorf("the email of the move lacks %q:\n%s", f, m.Text)
				}
			}
			var cal string
			for _, at := range m.Attachments {
				if strings.HasSuffix(at.Name, ".ics") {
					cal = string(at.Data)
				}
			}
			if !strings.Contains(cal, "SEQUENCE:1\r\n") || !strings.Contains(cal, "UID:"+b1.ID+"@") || !strings.Contains(cal, "DTSTART:20261211T090000Z") {
				t.Errorf("calendar file of the move:\n%s", cal)
			}

			// Onto b2's seat: refused, b1 stays where it is.
			p = op.post("/backoffice/prenotazioni/"+b1.ID+"/sposta", url.Values{"risorsa": {res}, "data": {thu.String()}, "ora": {"10:00"}})
			want(t, "move onto a taken seat", p, http.StatusConflict, "Sposta la prenotazione", `value="10:00"`, `role="alert"`)
			if again, _ := a.Store.Booking(context.Background(), b1.ID); !again.Start.Equal(got.Start) || again.Sequence != 1 {
				t.Errorf("after a refused move: %+v", again)
			}
			if again, _ := a.Store.Booking(context.Background(), b2.ID); !again.Start.Equal(b2.Start) || again.Sequence != 0 {
				t.Errorf("the other booking: %+v", again)
			}
		})
	}
}

// TestMoveDayFromBackOffice: the preview of a day's move says where each
// booking lands and which cannot; the move takes them all, at their times.
func TestMoveDayFromBackOffice(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			a, base := startApp(t, dialect)
			admin := newClient(t, base)
			admin.login("admin")
			res := counterResource(t, admin)
			thu := booking.DateOf(monday, booking.Rome).AddDays(3)
			fri, mon := thu.AddDays(1), thu.AddDays(4)
			day := []booking.Booking{book(t, a, res, at(thu, "09:00"), 0), book(t, a, res, at(thu, "10:00"), 1), book(t, a, res, at(thu, "11:00"), 2)}
			book(t, a, res, at(fri, "10:00"), 3)
			path := "/backoffice/agenda/" + res + "/sposta-giorno"
			want(t, "agenda link", admin.get("/backoffice/agenda/"+res+"?data="+thu.String()), http.StatusOK, `href="`+path+`?data=`+thu.String()+`"`)

			p := admin.get(path + "?data=" + thu.String() + "&a_risorsa=" + res + "&a_data=" + fri.String())
			want(t, "preview onto a taken seat", p, http.StatusOK, "Nessun posto libero alle 10:00", "Non tutte le prenotazioni trovano posto")
			if strings.Contains(p.body, `method="post" action="`+path+`"`) {
				t.Error("the preview offers a move that cannot be made")
			}
			p = admin.get(path + "?data=" + thu.String() + "&a_risorsa=" + res + "&a_data=" + mon.String())
			want(t, "preview", p, http.StatusOK, "Sposta 3 prenotazioni", "14/12/2026 09:00", "14/12/2026 11:00")
			if n := strings.Count(p.body, "Posto disponibile"); n != 3 {
				t.Errorf("preview: %d bookings land, want 3", n)
			}
			want(t, "move the day", admin.post(path, url.Values{"data": {thu.String()}, "a_risorsa": {res}, "a_data": {mon.String()}}), http.StatusSeeOther)
			for _, b := range day {
				got, _ := a.Store.Booking(context.Background(), b.ID)
				if booking.DateOf(got.Start, booking.Rome) != mon || got.Start.In(booking.Rome).Format("15:04") != b.Start.In(booking.Rome).Format("15:04") || got.Sequence != 1 {
					t.Errorf("%s after the move: %s seq %d", b.Code, got.Start, got.Sequence)
				}
			}
			want(t, "nothing left to move", admin.post(path, url.Values{"data": {thu.String()}, "a_risorsa": {res}, "a_data": {mon.String()}}), http.StatusUnprocessableEntity,
				"non ha prenotazioni confermate da spostare")
		})
	}
}

// TestConfirmations: deleting a resource and revoking a token ask first;
// only the confirmed request acts (both engines).
func TestConfirmations(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			a, base := startApp(t, dialect)
			admin := newClient(t, base)
			admin.login("admin")
			want(t, "new group's title", admin.get("/backoffice/risorse/nuova?tipo=gruppo"), http.StatusOK, `data-element="page-name">Nuovo gruppo</h1>`)
			p := admin.post("/backoffice/risorse/nuova", url.Values{"tipo": {"gruppo"}, "name": {"Ufficio da chiudere"}})
			want(t, "create group", p, http.StatusSeeOther)
			id, _ := strconv.ParseInt(strings.TrimPrefix(p.location, "/backoffice/risorse/"), 10, 64)
			del := "/backoffice/risorse/" + strconv.FormatInt(id, 10) + "/elimina"
			want(t, "delete asks", admin.post(del, nil), http.StatusOK, "Eliminare «Ufficio da chiudere»?", `<input type="hidden" name="conferma" value="sì">`,
				`action="`+del+`"`)
			if _, err := a.Store.Resource(context.Background(), id); err != nil {
				t.Fatalf("deleted without confirmation: %v", err)
			}
			want(t, "delete confirmed", admin.post(del, url.Values{"conferma": {"sì"}}), http.StatusSeeOther)
			if _, err := a.Store.Resource(context.Background(), id); booking.ErrorCode(err) != booking.ENotFound {
				t.Fatalf("not deleted: %v", err)
			}

			want(t, "token", admin.post("/backoffice/token", url.Values{"name": {"Totem"}, "scope": {"read"}}), http.StatusOK)
			ts, _ := a.Store.Tokens(context.Background())
			rev := "/backoffice/token/" + ts[0].ID + "/revoca"
			want(t, "revoke asks", admin.post(rev, nil), http.StatusOK, "Revocare il token «Totem»?")
			if ts, _ := a.Store.Tokens(context.Background()); !ts[0].RevokedAt.IsZero() {
				t.Fatal("revoked without confirmation")
			}
			want(t, "revoke confirmed", admin.post(rev, url.Values{"conferma": {"sì"}}), http.StatusSeeOther)
			if ts, _ := a.Store.Tokens(context.Background()); ts[0].RevokedAt.IsZero() {
				t.Fatal("not revoked")
			}
			if log := auditLog(t, a.Store, auth.AuditFilter{Action: "token_revoked"}); len(log) != 1 || log[0].Detail != "Totem" {
				t.Errorf("audit of the revocation: %+v", log)
			}
		})
	}
}
