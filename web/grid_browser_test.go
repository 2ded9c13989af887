package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/prenota/prenota/internal/browsertest"
)

// gridStates are the cell states of SPEC §4, each with the cells that show it
// and the legend swatch it must look like.
var gridStates = []struct{ state, cells string }{
	{"past", "td.slot-past"},
	{"closed", "td.slot-closed"},
	{"free", "td.slot-free:not(:has(.slot-check:checked))"},
	{"taken", "td.slot-taken"},
	{"selected", "td.slot:has(.slot-check:checked):not(.slot-held_by_you)"},
	{"held_by_you", "td.slot-held_by_you"},
	{"not_yet_open", "td.slot-not_yet_open"}, // last: on a page of its own
}

// paintJS answers the background that shows through el: the first of el
// and its ancestors with a background image or a colour that is not
// transparent.
const paintJS = `function paint(el) {
	for (; el; el = el.parentElement) {
		const cs = getComputedStyle(el);
		if (cs.backgroundImage !== 'none') return cs.backgroundImage;
		const c = cs.backgroundColor;
		if (c !== 'transparent' && !/^rgba\(.*, 0\)$/.test(c)) return c;
	}
	return 'none';
}`

// cellPaints returns, for the cells of sel, the distinct backgrounds their
// content shows, and the background of the legend swatch of state.
func cellPaints(ctx context.Context, t *testing.T, sel, state string) (cells []string, swatch string) {
	t.Helper()
	type out struct {
		Cells  []string `json:"cells"`
		Swatch string   `json:"swatch"`
	}
	o := get(ctx, t, "paint of "+state, chromedp.Evaluate[out](`(() => {`+paintJS+`
		const seen = new Set();
		document.querySelectorAll(`+quote(sel)+`).forEach(td => seen.add(paint(td.querySelector('label, .slot-static') || td)));
		return {cells: [...seen], swatch: paint(document.querySelector('.slot-legend .slot-swatch.slot-`+state+`'))};
	})()`))
	return o.Cells, o.Swatch
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `\'`) + "'" }

// TestBrowserGridColours: every cell state has the background of its legend
// swatch and no two states look alike, at 1280 and 360 px (SPEC §4). Monday 7
// December 2026 at 12:30: the morning is past, Tuesday is a holiday, Giulia
// holds Wednesday 10:00, Mario booked Wednesday 15:00 and holds 17:00, chooses
// 18:00 too; slots of March 2027 are not yet open (90 days ahead).
func TestBrowserGridColours(t *testing.T) {
	t.Parallel()
	base := serveAt(t, 0, time.Date(2026, 12, 7, 12, 30, 0, 0, monday.Location()))

	giulia := newClient(t, base)
	giulia.login(giuliaCF)
	p := giulia.post("/prenota/13/disponibilita", url.Values{"settimana": {"2026-12-07"}, "slot": {"2026-12-09T10:00:00+01:00"}})
	if p.status != http.StatusSeeOther || p.location != "/prenota/anagrafica" {
		t.Fatalf("Giulia's hold: %d %s", p.status, p.location)
	}

	desk := browsertest.New(t, browsertest.Desktop())
	browsertest.Navigate(desk, t, base+"/accedi?next=/prenota/13/disponibilita")
	clickAndWait(desk, t, `button.demo-identity[value="RSSMRA70A01H501S"]`, "/prenota/13/disponibilita")
	browsertest.Click(desk, t, `label[for="`+slotID(15)[1:]+`"]`)
	clickAndWait(desk, t, "#continua", "/prenota/anagrafica")
	clickAndWait(desk, t, "#continua", "/prenota/conferma")
	run(desk, t, "motivazione", chromedp.SendKeys("#f-motivazione", "Assemblea di condominio"))
	clickAndWait(desk, t, "#invia", "/prenotazioni/")
	browsertest.Navigate(desk, t, base+"/prenota/13/disponibilita")
	browsertest.Click(desk, t, `label[for="`+slotID(17)[1:]+`"]`)
	clickAndWait(desk, t, "#continua", "/prenota/anagrafica")
	browsertest.Navigate(desk, t, base+"/prenota/13/disponibilita")

	phone := browsertest.New(t, browsertest.Phone())
	browsertest.Navigate(phone, t, base+"/accedi?next=/prenota/13/disponibilita")
	clickAndWait(phone, t, `button.demo-identity[value="RSSMRA70A01H501S"]`, "/prenota/13/disponibilita")

	for _, c := range []struct {
		name string
		ctx  context.Context
	}{{"1280", desk}, {"360", phone}} {
		ctx := c.ctx
		browsertest.Click(ctx, t, `label[for="`+slotID(18)[1:]+`"]`)
		wantText(ctx, t, "#selezione", "a 09/12/2026 19:00")
		check(ctx, t, "colori-"+c.name)
		seen := map[string]string{}
		for _, s := range gridStates {
			if s.state == "not_yet_open" {
				browsertest.Navigate(ctx, t, base+"/prenota/13/disponibilita?settimana=2027-03-08")
				check(ctx, t, "colori-non-ancora-"+c.name)
			}
			cells, swatch := cellPaints(ctx, t, s.cells, s.state)
			switch {
			case len(cells) == 0:
				t.Errorf("%s px: no cell is %s", c.name, s.state)
			case len(cells) > 1 || cells[0] != swatch:
				t.Errorf("%s px: %s cells show %q, the legend %q", c.name, s.state, cells, swatch)
			}
			if other, dup := seen[swatch]; dup {
				t.Errorf("%s px: %s and %s look alike (%s)", c.name, s.state, other, swatch)
			}
			seen[swatch] = s.state
			t.Logf("%s px: %s %s", c.name, s.state, swatch)
		}
	}
}

// TestBrowserGridHelp: a week with no free slot offers the first day with
// one and jumps there, keeping the focus in the grid and reading the week
// out; a choice that replaces an earlier one says why, next to the grid.
func TestBrowserGridHelp(t *testing.T) {
	t.Parallel()
	base := serve(t, 0)
	sindaco := resourceID(t, newClient(t, base), "Ricevimento del Sindaco")
	ctx := browsertest.New(t, browsertest.Desktop())
	browsertest.Navigate(ctx, t, base+"/accedi?next=/prenota/"+sindaco+"/disponibilita")
	clickAndWait(ctx, t, `button.demo-identity[value="RSSMRA70A01H501S"]`, "/prenota/"+sindaco+"/disponibilita")
	// Tuesday 8 December is a holiday: the Sindaco receives on the 15th.
	wantText(ctx, t, "#prima-data", "Prima data disponibile: martedì 15 dicembre 2026")
	if n := browsertest.Count(ctx, t, ".slot-check"); n != 0 {
		t.Errorf("%d free slots in the first week", n)
	}
	check(ctx, t, "prima-data")
	browsertest.Click(ctx, t, "#prima-data")
	wantAnnounce(ctx, t, "Settimana dal 14 al 20 dicembre: 9 orari liberi")
	if !get(ctx, t, "focus", chromedp.Evaluate[bool](`document.activeElement.matches('.slot-table .slot-check')`)) {
		t.Error("the focus is not on the grid after the jump")
	}
	at := func(day, hm string) string {
		ts, _ := time.ParseInLocation("2006-01-02 15:04", day+" "+hm, monday.Location())
		return fmt.Sprintf(`label[for="s%d"]`, ts.Unix())
	}
	message := func(want string) {
		t.Helper()
		got := get(ctx, t, "message", chromedp.Evaluate[string](`document.getElementById('avviso-selezione').textContent`))
		if want == "" && got != "" || !strings.HasPrefix(got, want) {
			t.Errorf("message %q, want %q…", got, want)
		}
	}
	browsertest.Click(ctx, t, at("2026-12-15", "15:00"))
	message("")
	browsertest.Click(ctx, t, at("2026-12-15", "15:20"))
	message("Per questa risorsa si può prenotare un solo slot alla volta: la scelta precedente è stata sostituita da questo slot.")
	check(ctx, t, "un-solo-slot")

	browsertest.Navigate(ctx, t, base+"/prenota/13/disponibilita")
	browsertest.Click(ctx, t, at("2026-12-09", "10:00"))
	browsertest.Click(ctx, t, at("2026-12-10", "10:00"))
	message("Gli slot di una prenotazione devono essere dello stesso giorno")
	browsertest.Click(ctx, t, at("2026-12-10", "12:00"))
	message("Gli slot scelti devono essere consecutivi")
	for _, hm := range []string{"13:00", "14:00", "15:00"} {
		browsertest.Click(ctx, t, at("2026-12-10", hm))
		message("")
	}
	browsertest.Click(ctx, t, at("2026-12-10", "16:00"))
	message("Si possono scegliere al massimo 4 slot consecutivi")
	wantText(ctx, t, "#selezione", "da 10/12/2026 16:00 a 10/12/2026 17:00")
	for _, hm := range []string{"17:00", "18:00"} {
		browsertest.Click(ctx, t, at("2026-12-10", hm))
	}
	browsertest.Click(ctx, t, at("2026-12-10", "17:00"))
	message("Gli slot scelti devono essere consecutivi: sono stati tolti anche quelli dopo lo slot tolto.")
	wantText(ctx, t, "#selezione", "da 10/12/2026 16:00 a 10/12/2026 17:00")
	check(ctx, t, "messaggi")
}

// inView fails the test unless the element of sel is inside the window
// without scrolling.
func inView(ctx context.Context, t *testing.T, sel, what string) {
	t.Helper()
	type box struct {
		Top, Bottom, Window, Scroll float64
	}
	b := get(ctx, t, "position of "+sel, chromedp.Evaluate[box](`(() => {
		const r = document.querySelector(`+quote(sel)+`).getBoundingClientRect();
		return {Top: r.top, Bottom: r.bottom, Window: window.innerHeight, Scroll: window.scrollY};
	})()`))
	if b.Scroll != 0 || b.Top < 0 || b.Bottom > b.Window {
		t.Errorf("%s is not in the first screen: from %.0f to %.0f px, the window %.0f px high (scrolled %.0f)", what, b.Top, b.Bottom, b.Window, b.Scroll)
	}
}

// TestBrowserPhoneLayout: at 360 px the task comes first: the resource's
// "Prenota" shows right after tapping the resource in the tree, and the
// first Anagrafica field without scrolling.
func TestBrowserPhoneLayout(t *testing.T) {
	t.Parallel()
	base := serve(t, 0)
	ctx := browsertest.New(t, browsertest.Phone())
	browsertest.Navigate(ctx, t, base+"/prenota")
	browsertest.Click(ctx, t, `summary[data-node="10"]`)
	clickAndWait(ctx, t, `a[href="/prenota?risorsa=13"]`, "/prenota?risorsa=13")
	inView(ctx, t, `a[data-element="service-booking-access"]`, `"Prenota" after tapping the resource`)
	check(ctx, t, "risorsa")
	clickAndWait(ctx, t, `a[data-element="service-booking-access"]`, "/accedi")
	clickAndWait(ctx, t, `button.demo-identity[value="`+giuliaCF+`"]`, "/prenota/13/disponibilita")
	browsertest.Click(ctx, t, `label[for="`+slotID(10)[1:]+`"]`)
	clickAndWait(ctx, t, "#continua", "/prenota/anagrafica")
	// The focus goes to the email (the first field to fill in for a SPID
	// identity) without scrolling the page.
	waitFocus(ctx, t, "#f-email")
	inView(ctx, t, ".anagrafica-form input:not([type=hidden])", "the first Anagrafica field")
	if n := browsertest.Count(ctx, t, "main .nav-tabs"); n != 0 {
		t.Errorf("%d tab bars besides the main navigation", n)
	}
	check(ctx, t, "anagrafica")
}

// TestBrowserCancelFromBooking: the booking's own page has "Disdici"; it asks
// for confirmation and cancels.
func TestBrowserCancelFromBooking(t *testing.T) {
	t.Parallel()
	base := serve(t, 0)
	ctx := browsertest.New(t, browsertest.Phone())
	browsertest.Navigate(ctx, t, base+"/accedi?next=/prenota/13/disponibilita")
	clickAndWait(ctx, t, `button.demo-identity[value="RSSMRA70A01H501S"]`, "/prenota/13/disponibilita")
	browsertest.Click(ctx, t, `label[for="`+slotID(12)[1:]+`"]`)
	clickAndWait(ctx, t, "#continua", "/prenota/anagrafica")
	clickAndWait(ctx, t, "#continua", "/prenota/conferma")
	run(ctx, t, "motivazione", chromedp.SendKeys("#f-motivazione", "Corso di lettura"))
	clickAndWait(ctx, t, "#invia", "/prenotazioni/")
	check(ctx, t, "esito")
	clickAndWait(ctx, t, "#disdici", "/prenotazioni/")
	wantText(ctx, t, "main .alert-warning", "Sicuri di disdire la prenotazione?")
	check(ctx, t, "conferma-disdetta")
	clickAndWait(ctx, t, "main form button.btn-danger", "/prenotazioni")
	wantText(ctx, t, "main .alert-success", "Prenotazione annullata")
	wantText(ctx, t, "#totale", "Totale risultati: 0")
}

// TestBrowserHoldLapse: a hold in its last minute says so visibly; when it
// runs out on the Conferma step, what was typed is kept, and the grid
// offers the same slots again in one click.
func TestBrowserHoldLapse(t *testing.T) {
	t.Parallel()
	base := serve(t, 30)
	ctx := browsertest.New(t, browsertest.Phone())
	browsertest.Navigate(ctx, t, base+"/accedi?next=/prenota/13/disponibilita")
	clickAndWait(ctx, t, `button.demo-identity[value="RSSMRA70A01H501S"]`, "/prenota/13/disponibilita")
	browsertest.Click(ctx, t, `label[for="`+slotID(9)[1:]+`"]`)
	clickAndWait(ctx, t, "#continua", "/prenota/anagrafica")
	clickAndWait(ctx, t, "#continua", "/prenota/conferma")
	// Thirty seconds: the last minute from the start.
	browsertest.WaitVisible(ctx, t, ".hold-banner-urgent .hold-warning")
	wantText(ctx, t, ".hold-warning", "Resta meno di un minuto")
	run(ctx, t, "motivazione", chromedp.SendKeys("#f-motivazione", "Festa di quartiere"), chromedp.SendKeys("#f-nota", "Servono 20 sedie"))
	check(ctx, t, "ultimo-minuto")
	waitPath(ctx, t, "/prenota/13/disponibilita")
	wantText(ctx, t, "main .alert-warning", "Il tempo per completare la prenotazione è scaduto")
	wantText(ctx, t, ".slot-again", "mercoledì 9 dicembre 2026, dalle 09:00 alle 10:00")
	check(ctx, t, "di-nuovo")
	clickAndWait(ctx, t, "#riserva-ancora", "/prenota/anagrafica")
	clickAndWait(ctx, t, "#continua", "/prenota/conferma")
	if got := get(ctx, t, "motivazione", chromedp.Value("#f-motivazione")); got != "Festa di quartiere" {
		t.Errorf("motivazione %q after the hold ran out, want what was typed", got)
	}
	if got := get(ctx, t, "nota", chromedp.Value("#f-nota")); got != "Servono 20 sedie" {
		t.Errorf("nota %q after the hold ran out, want what was typed", got)
	}
}
