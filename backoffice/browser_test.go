package backoffice_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/browsertest"
)

func run(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, actions...); err != nil {
		t.Fatal(err)
	}
}

func get[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(tctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// text is the innerText of the first element matching sel ("" for none).
func text(ctx context.Context, sel string) string {
	js, _ := json.Marshal(sel)
	v, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector(`+string(js)+`) || {}).innerText || ''`))
	return v
}

// press activates the element matching sel by keyboard: focus, then Enter
// (a mouse click can land elsewhere while the page still scrolls to its
// #fragment).
func press(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	run(t, ctx, chromedp.Focus(sel), chromedp.KeyEvent("\r"))
}

// waitText waits until the innerText of sel contains want and the page has
// loaded: the text may be near the top of a page still being parsed, and
// the test reads what lies further down next.
func waitText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if strings.Contains(text(ctx, sel), want) {
			loaded, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.readyState === 'complete'`))
			if err == nil && loaded {
				return
			}
		}
	}
	t.Fatalf("%s: %q does not contain %q", sel, text(ctx, sel), want)
}

// TestBrowserAdmin drives the back office in chromium as an admin: creates
// a group and a bookable resource with a schedule and a closure, watches the
// preview follow an edit of the schedule, and checks every back-office page
// against axe-core's WCAG 2.1 AA rules (SQLite only).
func TestBrowserAdmin(t *testing.T) {
	var clk clock
	a, base := startApp(t, "sqlite", withClock(&clk))
	ctx := browsertest.New(t, browsertest.Desktop())
	browsertest.Navigate(ctx, t, base+"/auth/password?next=/backoffice/")
	run(t, ctx, chromedp.SetValue("#login", "admin"), chromedp.SetValue("#password", password))
	browsertest.ClickAndLoad(ctx, t, "main form button[type=submit]")
	browsertest.WaitVisible(ctx, t, `a[href="/backoffice/risorse"]`)
	browsertest.Axe(ctx, t, "back office home")

	browsertest.Navigate(ctx, t, base+"/backoffice/risorse/nuova?tipo=gruppo")
	browsertest.Axe(ctx, t, "nuovo gruppo")
	run(t, ctx, chromedp.SetValue("#name", "Ufficio Prove"))
	browsertest.ClickAndLoad(ctx, t, "#risorsa-form button[type=submit]")
	browsertest.WaitVisible(ctx, t, ".alert-success")

	browsertest.Navigate(ctx, t, base+"/backoffice/risorse/nuova?tipo=risorsa")
	browsertest.Axe(ctx, t, "nuova risorsa")
	group := get(t, ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('#parent_id option')].find(o => o.textContent.includes('Ufficio Prove')).value`))
	run(t, ctx, chromedp.SetValue("#parent_id", group), chromedp.SetValue("#name", "Sportello Prove"), chromedp.SetValue("#hours_1", "09:00-12:00"),
		chromedp.SetValue("#min_notice_minutes", "0"), chromedp.SetValue("#per_person", "1"))
	browsertest.ClickAndLoad(ctx, t, "#risorsa-form button[type=submit]")
	browsertest.WaitVisible(ctx, t, `#anteprima-griglia[data-slots="6"]`)
	if v := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('#per_person').value`)); v != "1" {
		t.Errorf("per-person limit after saving: %q, want 1", v)
	}
	browsertest.Axe(ctx, t, "risorsa")
	browsertest.Screenshot(ctx, t, "backoffice-risorsa")
	loc := get(t, ctx, chromedp.Location())
	res := loc[strings.LastIndex(loc, "/")+1:]

	// The preview follows the schedule as it is typed.
	get(t, ctx, chromedp.Evaluate[bool](`(() => { const i = document.querySelector('#hours_1'); i.value = '09:00-10:00';
		i.dispatchEvent(new Event('change', {bubbles: true})); return true })()`))
	browsertest.WaitVisible(ctx, t, `#anteprima-griglia[data-slots="2"]`)

	// The month calendar: a closure next Monday, added from the calendar by
	// keyboard (the day's link fills the form), then shown in its cell and
	// closed in the citizen's grid.
	next := booking.DateOf(monday, booking.Rome).AddDays(7)
	browsertest.Navigate(ctx, t, base+"/backoffice/risorse/"+res)
	if c := text(ctx, "#calendario-mese caption"); c != "dicembre 2026" {
		t.Fatalf("calendar caption %q", c)
	}
	if hs := get(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#calendario-mese thead th[scope="col"]')].map(th => th.textContent)`)); len(hs) != 7 ||
		hs[0] != "lunlunedì" || hs[6] != "domdomenica" {
		t.Errorf("calendar headers: %q", hs)
	}
	if s := text(ctx, `#calendario-mese td[aria-current="date"]`); !strings.Contains(s, "7") || !strings.Contains(s, "oggi") || !strings.Contains(s, "Orario 09:00-12:00") {
		t.Errorf("today's cell: %q", s)
	}
	if s := text(ctx, `#calendario-mese td[data-giorno="2026-12-08"]`); !strings.Contains(s, "Immacolata Concezione") {
		t.Errorf("holiday cell: %q", s)
	}
	browsertest.Axe(ctx, t, "calendario della risorsa")
	run(t, ctx, chromedp.Focus(`#calendario-mese td[data-giorno="`+next.String()+`"] a`), chromedp.KeyEvent("\r"))
	browsertest.WaitVisible(ctx, t, `#calendario-mese td[data-giorno="`+next.String()+`"] a.border-primary`)
	if v := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('#cl-from').value`)); v != next.String() {
		t.Fatalf("the chosen day does not fill the closure form: %q", v)
	}
	browsertest.Axe(ctx, t, "calendario, giorno scelto")
	run(t, ctx, chromedp.SendKeys("#cl-reason", "Inventario"))
	press(t, ctx, `#chiusura-form button[type=submit]`)
	waitText(t, ctx, ".alert-success", "Chiusura aggiunta")
	if s := text(ctx, `#calendario-mese td[data-giorno="`+next.String()+`"] .cal-chiusura`); !strings.Contains(s, "Chiuso: Inventario") || !strings.Contains(s, "Elimina") {
		t.Fatalf("closure cell: %q", s)
	}
	browsertest.Axe(ctx, t, "calendario con una chiusura")
	anon := newClient(t, base)
	want(t, "tree", anon.get("/api/v1/resources"), http.StatusOK, `"Sportello Prove"`)
	if av := slotsOn(t, anon, res, next.String()); len(av.Days[0].Slots) != 6 || av.Days[0].Slots[0].State != "closed" {
		t.Fatalf("closed day: %+v", av)
	}
	if av := slotsOn(t, anon, res, next.AddDays(7).String()); len(av.Days[0].Slots) != 6 || av.Days[0].Slots[0].State != "free" {
		t.Fatalf("open day: %+v", av)
	}
	// An opening off the slot grid is refused, naming the field and keeping
	// what was typed; one on a free day is shown and deleted.
	run(t, ctx, chromedp.SetValue("#op-date", next.AddDays(7).String()), chromedp.SetValue("#op-start", "08:45"), chromedp.SetValue("#op-end", "09:45"))
	press(t, ctx, `#apertura-form button[type=submit]`)
	browsertest.WaitVisible(ctx, t, "#op-start.is-invalid")
	if s, v := text(ctx, "#aggiungi .alert-danger"), get(t, ctx, chromedp.Evaluate[string](`document.querySelector('#op-start').value`)); !strings.Contains(s, "«Dalle»") || v != "08:45" {
		t.Fatalf("opening error %q, start kept %q", s, v)
	}
	browsertest.Axe(ctx, t, "calendario, errore nell'apertura")
	tuesday := next.AddDays(1)
	run(t, ctx, chromedp.SetValue("#op-date", tuesday.String()), chromedp.SetValue("#op-start", "09:00"), chromedp.SetValue("#op-end", "10:00"), chromedp.SetValue("#op-reason", "Recupero"))
	press(t, ctx, `#apertura-form button[type=submit]`)
	browsertest.WaitVisible(ctx, t, `#calendario-mese td[data-giorno="`+tuesday.String()+`"] .cal-apertura`)
	if s := text(ctx, `#calendario-mese td[data-giorno="`+tuesday.String()+`"]`); !strings.Contains(s, "Apertura straordinaria 09:00-10:00: Recupero") {
		t.Fatalf("opening cell: %q", s)
	}
	browsertest.Axe(ctx, t, "calendario con un'apertura")
	press(t, ctx, `#calendario-mese td[data-giorno="`+tuesday.String()+`"] .cal-apertura button`)
	waitText(t, ctx, ".alert-success", "Apertura straordinaria eliminata")
	if n := browsertest.Count(ctx, t, "#calendario-mese .cal-apertura"); n != 0 {
		t.Fatalf("%d openings left", n)
	}
	press(t, ctx, "#mese-successivo")
	browsertest.WaitVisible(ctx, t, `#calendario-mese[data-mese="2027-01"]`)
	if s := text(ctx, `#calendario-mese td[data-giorno="2027-01-06"]`); !strings.Contains(s, "Epifania") {
		t.Errorf("January: %q", s)
	}

	// The Comune's closures: its own page, from the navigation.
	press(t, ctx, `nav a[href="/backoffice/chiusure"]`)
	browsertest.WaitVisible(ctx, t, `#chiusura-form[action="/backoffice/chiusure"]`)
	browsertest.Axe(ctx, t, "chiusure del Comune")
	run(t, ctx, chromedp.SetValue("#cl-reason", "Elezioni"))
	press(t, ctx, `#chiusura-form button[type=submit]`)
	browsertest.WaitVisible(ctx, t, "#cl-from.is-invalid")
	if v := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('#cl-reason').value`)); v != "Elezioni" || !strings.Contains(text(ctx, "#aggiungi .alert-danger"), "«Dal»") {
		t.Fatalf("Comune closure error: reason kept %q, %q", v, text(ctx, "#aggiungi .alert-danger"))
	}
	browsertest.Axe(ctx, t, "chiusure del Comune, errore")
	elections := next.AddDays(14)
	run(t, ctx, chromedp.SetValue("#cl-from", elections.String()))
	press(t, ctx, `#chiusura-form button[type=submit]`)
	waitText(t, ctx, ".alert-success", "Chiusura di tutto il Comune aggiunta")
	if s := text(ctx, `#calendario-mese td[data-giorno="`+elections.String()+`"]`); !strings.Contains(s, "Chiuso (tutto il Comune): Elezioni") {
		t.Fatalf("Comune closure cell: %q", s)
	}
	browsertest.Axe(ctx, t, "chiusure del Comune con una chiusura")
	if av := slotsOn(t, anon, res, elections.String()); av.Days[0].Slots[0].State != "closed" {
		t.Fatalf("the Comune's closure leaves the resource open: %+v", av)
	}

	// On a phone the calendar scrolls inside its box, not the page.
	phone := browsertest.New(t, browsertest.Phone())
	browsertest.Navigate(phone, t, base+"/auth/password?next=/backoffice/risorse/"+res)
	run(t, phone, chromedp.SetValue("#login", "admin"), chromedp.SetValue("#password", password))
	press(t, phone, "main form button[type=submit]")
	browsertest.WaitVisible(phone, t, "#calendario-mese")
	browsertest.NoHorizontalScroll(phone, t)
	browsertest.Axe(phone, t, "calendario della risorsa (telefono)")
	browsertest.Screenshot(phone, t, "backoffice-calendario-telefono")
	browsertest.Navigate(phone, t, base+"/backoffice/chiusure")
	browsertest.NoHorizontalScroll(phone, t)
	browsertest.Axe(phone, t, "chiusure del Comune (telefono)")

	b := book(t, a, res, at(booking.DateOf(monday, booking.Rome), "10:00"), 0)
	for _, p := range []struct{ name, path string }{
		{"risorse", "/backoffice/risorse"},
		{"agenda", "/backoffice/agenda/" + res},
		{"agenda settimana", "/backoffice/agenda/" + res + "?vista=settimana"},
		{"prenotazione", "/backoffice/prenotazioni/" + b.ID},
		{"token", "/backoffice/token"},
		{"testi", "/backoffice/testi"},
		{"operatori", "/backoffice/operatori"},
		{"audit", "/backoffice/audit"},
	} {
		browsertest.Navigate(ctx, t, base+p.path)
		browsertest.Axe(ctx, t, p.name)
	}
	browsertest.Screenshot(ctx, t, "backoffice-audit")
	browsertest.Navigate(ctx, t, base+"/backoffice/agenda/"+res)
	browsertest.Screenshot(ctx, t, "backoffice-agenda")

	// An orphaning change asks first (the page is checked too), booking by
	// booking: b is kept, out is cancelled with the reason, which the
	// citizen's email carries.
	out := book(t, a, res, at(next.AddDays(7), "09:30"), 3)
	browsertest.Navigate(ctx, t, base+"/backoffice/risorse/"+res)
	run(t, ctx, chromedp.SetValue("#hours_1", "11:00-12:00"))
	press(t, ctx, "#risorsa-form button[type=submit]")
	browsertest.WaitVisible(ctx, t, "#orfane-form")
	if n := browsertest.Count(ctx, t, `#orfane tbody tr`); n != 2 {
		t.Fatalf("%d orphans listed, want 2", n)
	}
	browsertest.Axe(ctx, t, "orfane")
	run(t, ctx, chromedp.Focus(`#annulla-`+out.ID), chromedp.KeyEvent(" "))
	press(t, ctx, "#orfane-form button[type=submit]")
	browsertest.WaitVisible(ctx, t, "#motivo.is-invalid")
	if !get(t, ctx, chromedp.Evaluate[bool](`document.querySelector('#annulla-`+out.ID+`').checked && !document.querySelector('#annulla-`+b.ID+`').checked`)) {
		t.Fatal("the choices were not kept")
	}
	browsertest.Axe(ctx, t, "orfane, motivo mancante")
	const orphanReason = "Riduzione dell'orario di sportello"
	run(t, ctx, chromedp.SendKeys("#motivo", orphanReason))
	press(t, ctx, "#orfane-form button[type=submit]")
	waitText(t, ctx, ".alert-success", "Le modifiche sono state salvate")
	if got, _ := a.Store.Booking(context.Background(), b.ID); got.Status != booking.Confirmed {
		t.Fatalf("kept booking: %s", got.Status)
	}
	if got, _ := a.Store.Booking(context.Background(), out.ID); got.Status != booking.Cancelled || got.CancelReason != orphanReason || !cancellationSent(t, a.Store, out.ID) {
		t.Fatalf("cancelled orphan: %s %q", got.Status, got.CancelReason)
	}
	if s := text(ctx, ".alert-success"); !strings.Contains(s, b.Code) || !strings.Contains(s, out.Code) {
		t.Errorf("flash: %q", s)
	}

	// The operatore, once assigned the resource, works today's agenda on a
	// phone: b (10:00) presente, b2 (11:00) non presentato, b3 (11:30)
	// cancelled with a reason, a citizen booked at the counter, the CSV export.
	today := booking.DateOf(monday, booking.Rome)
	b2, b3 := book(t, a, res, at(today, "11:00"), 1), book(t, a, res, at(today, "11:30"), 2)
	clk.advance(at(today, "11:00").Sub(monday)) // b2's appointment has started: «Non presentato» is offered
	admin := newClient(t, base)
	admin.login("admin")
	want(t, "assign", admin.post("/backoffice/operatori/op1/risorse", map[string][]string{"risorsa": {res}}), http.StatusSeeOther)
	op := browsertest.New(t, browsertest.Phone())
	browsertest.Navigate(op, t, base+"/auth/password?next=/backoffice/agenda/"+res)
	run(t, op, chromedp.SetValue("#login", "op1"), chromedp.SetValue("#password", password))
	browsertest.ClickAndLoad(op, t, "main form button[type=submit]")
	browsertest.WaitVisible(op, t, "#agenda")
	optext := func(sel string) string { return text(op, sel) }
	if s := optext("main"); !strings.Contains(s, "lunedì 7 dicembre 2026") || !strings.Contains(s, b.Code) || !strings.Contains(s, b2.Code) || !strings.Contains(s, b3.Code) {
		t.Fatalf("today's agenda:\n%s", s)
	}
	browsertest.Axe(op, t, "agenda (operatore, phone)")
	row := func(code string) string { return `#agenda tr[data-code="` + code + `"]` }
	browsertest.ClickAndLoad(op, t, row(b.Code)+` input[value="presente"] ~ button`)
	browsertest.WaitVisible(op, t, row(b.Code)+" strong")
	browsertest.ClickAndLoad(op, t, row(b2.Code)+` input[value="assente"] ~ button`)
	browsertest.WaitVisible(op, t, row(b2.Code)+" strong")
	if p, n := optext(row(b.Code)+" strong"), optext(row(b2.Code)+" strong"); p != "Presente" || n != "Non presentato" {
		t.Fatalf("attendance shown: %q, %q", p, n)
	}
	browsertest.Axe(op, t, "agenda with attendance (operatore, phone)")

	const reason = "Ufficio chiuso per sciopero"
	browsertest.ClickAndLoad(op, t, row(b3.Code)+` a[href$="/prenotazioni/`+b3.ID+`"].btn`)
	browsertest.WaitVisible(op, t, "#motivo")
	run(t, op, chromedp.SetValue("#motivo", reason))
	browsertest.ClickAndLoad(op, t, `form[action$="/annulla"] button[type=submit]`)
	browsertest.WaitVisible(op, t, row(b3.Code))
	if s := optext(row(b3.Code)); !strings.Contains(s, "Annullata: "+reason) {
		t.Fatalf("cancelled row: %q", s)
	}
	if !cancellationSent(t, a.Store, b3.ID) {
		t.Fatal("no cancellation email for " + b3.Code)
	}
	if m := mailFor(t, a.Store, "Annullamento Prenotazione"); !strings.Contains(m.Text, reason) || !strings.Contains(m.HTML, reason) {
		t.Fatalf("the cancellation email does not carry the reason:\n%s", m.Text)
	}

	// At the counter, in the slot the cancellation freed.
	p := auth.DemoIdentities[3].Person
	start := get(t, op, chromedp.Evaluate[string](`document.querySelector('#cb-start option').value`))
	run(t, op, chromedp.SetValue("#cb-start", start), chromedp.SetValue("#cb-nome", p.Nome), chromedp.SetValue("#cb-cognome", p.Cognome),
		chromedp.SetValue("#cb-codice_fiscale", p.CodiceFiscale), chromedp.SetValue("#cb-data_nascita", p.DataNascita.String()), chromedp.SetValue("#cb-sesso", p.Sesso),
		chromedp.SetValue("#cb-provincia_nascita", p.ProvinciaNascita), chromedp.SetValue("#cb-comune_nascita", p.ComuneNascita), chromedp.SetValue("#cb-email", p.Email),
		chromedp.SetValue("#cb-telefono", p.Telefono), chromedp.SetValue("#cb-motivazione", "Passaporto"))
	browsertest.ClickAndLoad(op, t, `form[action$="/prenota"] button[type=submit]`)
	browsertest.WaitVisible(op, t, "#agenda tbody tr:nth-child(4)")
	counter := get(t, op, chromedp.Evaluate[string](`[...document.querySelectorAll('#agenda tr[data-code]')].find(r => r.innerText.includes('`+p.CodiceFiscale+`'))?.dataset.code || ''`))
	if counter == "" || !strings.Contains(optext(".alert-success"), "Prenotazione "+counter+" registrata") {
		t.Fatalf("counter booking %q not shown:\n%s", counter, optext("main"))
	}
	browsertest.Axe(op, t, "agenda after a cancellation and a counter booking (operatore, phone)")
	browsertest.Screenshot(op, t, "agenda-operatore")

	// The CSV export, fetched through the page's link with the operatore's cookies.
	type download struct {
		Status            int
		Type, Disposition string
		BOM               bool
		Body              string
	}
	csv := get(t, op, chromedp.Evaluate[download](`(async () => {
		const r = await fetch(document.querySelector('a[href*="prenotazioni.csv"]').href);
		const buf = new Uint8Array(await r.arrayBuffer());
		return {Status: r.status, Type: r.headers.get('Content-Type'), Disposition: r.headers.get('Content-Disposition'),
			BOM: buf[0] === 0xEF && buf[1] === 0xBB && buf[2] === 0xBF, Body: new TextDecoder('utf-8', {ignoreBOM: true}).decode(buf)};
	})()`, chromedp.EvalAwaitPromise))
	if csv.Status != http.StatusOK || !csv.BOM || !strings.HasPrefix(csv.Type, "text/csv; charset=utf-8") || !strings.HasPrefix(csv.Disposition, "attachment;") {
		t.Fatalf("csv: status %d, BOM %v, type %q, disposition %q", csv.Status, csv.BOM, csv.Type, csv.Disposition)
	}
	for _, f := range []string{"\uFEFFData;Ora inizio;Ora fine;Codice;Cognome;Nome;Codice fiscale;",
		"\r\n07/12/2026;10:00;10:30;" + b.Code + ";ROSSI;MARIO;RSSMRA70A01H501S;01/01/1970;", ";Presente\r\n",
		"\r\n07/12/2026;11:00;11:30;" + b2.Code + ";BIANCHI;GIULIA;", ";Non presentato\r\n",
		"\r\n07/12/2026;11:30;12:00;" + b3.Code + ";FERRARI;LUCA;", ";Annullata;" + reason + ";",
		"\r\n07/12/2026;11:30;12:00;" + counter + ";D'AMICO;NICCOLÒ;DMCNCL01S30D612R;30/11/2001;niccolo.damico@example.it;320 1112233;Passaporto;;Confermata;"} {
		if !strings.Contains(csv.Body, f) {
			t.Errorf("csv: missing %q in\n%s", f, csv.Body)
		}
	}
	if n := strings.Count(csv.Body, "\r\n"); n != 5 {
		t.Errorf("csv: %d lines, want 5 (header and 4 bookings)", n)
	}

	// Another resource's agenda and the admin pages answer 403.
	var other string
	rs, err := a.Store.Resources(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		if r.Bookable && strconv.FormatInt(r.ID, 10) != res {
			other = strconv.FormatInt(r.ID, 10)
			break
		}
	}
	for _, path := range []string{"/backoffice/agenda/" + other, "/backoffice/risorse", "/backoffice/operatori"} {
		browsertest.Navigate(op, t, base+path)
		status := get(t, op, chromedp.Evaluate[int](`fetch(location.href).then(r => r.status)`, chromedp.EvalAwaitPromise))
		if h := optext("h1"); status != http.StatusForbidden || h != "Accesso non consentito" || browsertest.Count(op, t, "#agenda, #risorsa-form") != 0 {
			t.Errorf("operatore on %s: status %d, heading %q", path, status, h)
		}
	}
	browsertest.Axe(op, t, "403 (operatore, phone)")
}
