package backoffice_test

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/browsertest"
)

// TestBrowserCounter is the operatore's day in chromium on a 360 px phone
// and at 1280 px (SQLite): a walk-in without email in the slot under way
// on a resource with a required extra field, refused first with the errors
// inline and what was typed kept; search by codice fiscale; the CSV of
// tomorrow and of the week through the page's link; the day sheet in print
// media without the page's furniture. axe on every page and state.
func TestBrowserCounter(t *testing.T) {
	for _, view := range []struct {
		name string
		opt  browsertest.Option
	}{{"telefono", browsertest.Phone()}, {"desktop", browsertest.Desktop()}} {
		t.Run(view.name, func(t *testing.T) {
			var clk clock
			a, base := startApp(t, "sqlite", withClock(&clk))
			admin := newClient(t, base)
			admin.login("admin")
			res := counterResource(t, admin)
			want(t, "assign", admin.post("/backoffice/operatori/op1/risorse", url.Values{"risorsa": {res}}), http.StatusSeeOther)
			wed := booking.DateOf(monday, booking.Rome).AddDays(2)
			thu, fri := wed.AddDays(1), wed.AddDays(2)
			b1, b2, b3 := book(t, a, res, at(thu, "09:00"), 0), book(t, a, res, at(thu, "10:00"), 1), book(t, a, res, at(fri, "11:00"), 2)
			clk.advance(at(wed, "09:05").Sub(monday))

			ctx := browsertest.New(t, view.opt)
			browsertest.Navigate(ctx, t, base+"/auth/password?next="+url.QueryEscape("/backoffice/agenda/"+res+"?data="+wed.String()))
			run(t, ctx, chromedp.SetValue("#login", "op1"), chromedp.SetValue("#password", password))
			browsertest.ClickAndLoad(ctx, t, "main form button[type=submit]")
			browsertest.WaitVisible(ctx, t, "#counter-form")
			browsertest.Axe(ctx, t, "agenda "+view.name)

			// The walk-in, first with a wrong codice fiscale and without the
			// required «Tipo di pratica».
			p := auth.DemoIdentities[3].Person
			now := strconv.FormatInt(at(wed, "09:00").UnixMilli(), 10)
			run(t, ctx, chromedp.SetValue("#cb-start", now), chromedp.SetValue("#cb-nome", p.Nome), chromedp.SetValue("#cb-cognome", p.Cognome),
				chromedp.SetValue("#cb-codice_fiscale", "DMCNCL01S30D612X"), chromedp.SetValue("#cb-data_nascita", p.DataNascita.String()),
				chromedp.SetValue("#cb-sesso", p.Sesso), chromedp.SetValue("#cb-provincia_nascita", p.ProvinciaNascita),
				chromedp.SetValue("#cb-comune_nascita", p.ComuneNascita), chromedp.SetValue("#cb-telefono", p.Telefono),
				chromedp.SetValue("#cb-motivazione", "Cambio di residenza"))
			browsertest.ClickAndLoad(ctx, t, "#counter-form button[type=submit]")
			browsertest.WaitVisible(ctx, t, "#cb-errori")
			if s := text(ctx, "#cb-extra-tipo-err"); s != "Il campo «Tipo di pratica» è obbligatorio." {
				t.Errorf("extra field error: %q", s)
			}
			if s := text(ctx, "#cb-codice_fiscale-err"); s == "" {
				t.Error("no error by the codice fiscale")
			}
			kept := get(t, ctx, chromedp.Evaluate[[]string](`['#cb-start', '#cb-nome', '#cb-codice_fiscale', '#cb-telefono', '#cb-motivazione'].map(s => document.querySelector(s).value)`))
			if strings.Join(kept, "|") != now+"|"+p.Nome+"|DMCNCL01S30D612X|"+p.Telefono+"|Cambio di residenza" {
				t.Errorf("values not kept: %q", kept)
			}
			browsertest.Axe(ctx, t, "counter errors "+view.name)
			browsertest.Screenshot(ctx, t, "errori")

			run(t, ctx, chromedp.SetValue("#cb-codice_fiscale", p.CodiceFiscale), chromedp.SetValue("#cb-extra-tipo", "Residenza"))
			browsertest.ClickAndLoad(ctx, t, "#counter-form button[type=submit]")
			waitText(t, ctx, ".alert-success", "stampi la ricevuta")
			code := text(ctx, "main dl dd:nth-of-type(3)")
			if dl := text(ctx, "main dl"); !strings.Contains(dl, "Residenza") || !strings.Contains(dl, "09/12/2026 09:00-09:20") || !strings.Contains(dl, p.CodiceFiscale) {
				t.Errorf("booking page:\n%s", text(ctx, "main dl"))
			}
			browsertest.WaitVisible(ctx, t, `a[href$="/ricevuta.pdf"]`)
			browsertest.Axe(ctx, t, "walk-in booked "+view.name)
			browsertest.Screenshot(ctx, t, "prenotata")

			// Search by codice fiscale.
			run(t, ctx, chromedp.SetValue("#cerca-codice", auth.DemoIdentities[1].Person.CodiceFiscale))
			browsertest.ClickAndLoad(ctx, t, `form[role=search] button[type=submit]`)
			waitText(t, ctx, "main dl", b2.Code)

			// The CSV of tomorrow and of the week, through the page's link.
			csvCodes := func() string {
				body := get(t, ctx, chromedp.Evaluate[string](`fetch(document.querySelector('a[href*="prenotazioni.csv"]').href).then(r => r.text())`, chromedp.EvalAwaitPromise))
				var codes []string
				for _, line := range strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n")[1:] {
					codes = append(codes, strings.Split(line, ";")[3])
				}
				return strings.Join(codes, " ")
			}
			browsertest.Navigate(ctx, t, base+"/backoffice/agenda/"+res+"?data="+thu.String())
			if got := csvCodes(); got != b1.Code+" "+b2.Code {
				t.Errorf("CSV of tomorrow: %s, want %s %s", got, b1.Code, b2.Code)
			}
			browsertest.ClickAndLoad(ctx, t, `a[href$="vista=settimana"]`)
			browsertest.Axe(ctx, t, "week "+view.name)
			if got := csvCodes(); got != code+" "+b1.Code+" "+b2.Code+" "+b3.Code {
				t.Errorf("CSV of the week: %s, want %s %s %s %s", got, code, b1.Code, b2.Code, b3.Code)
			}

			// The day sheet, printed: the table and nothing of the page around it.
			browsertest.Navigate(ctx, t, base+"/backoffice/agenda/"+res+"?data="+thu.String())
			if browsertest.Count(ctx, t, "#foglio-giornata:not([hidden])") != 1 || get(t, ctx, chromedp.Evaluate[bool](`document.querySelector('#foglio-giornata').getClientRects().length > 0`)) {
				t.Error("the day sheet shows on screen")
			}
			if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
				t.Fatal(err)
			}
			shown := get(t, ctx, chromedp.Evaluate[[]string](`['.it-header-wrapper', '.it-footer', '.breadcrumb-container', 'nav[aria-label="Back office"]', 'form[role=search]',
				'#qr-apri', '#agenda', '#counter-form', 'main .btn', '#foglio-giornata']
				.filter(s => [...document.querySelectorAll(s)].some(e => e.getClientRects().length > 0))`))
			if strings.Join(shown, " ") != "#foglio-giornata" {
				t.Errorf("printed: %v, want only the day sheet", shown)
			}
			heads := get(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#foglio-giornata thead th')].map(th => th.innerText)`))
			if strings.Join(heads, "|") != "Ora|Codice|Cognome e nome|Codice fiscale|Telefono|Motivazione|Tipo di pratica|Presente" {
				t.Errorf("day sheet columns: %q", heads)
			}
			rows := get(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#foglio-giornata tbody tr')].map(tr => tr.innerText)`))
			if len(rows) != 2 || !strings.Contains(rows[0], b1.Code) || !strings.Contains(rows[0], "ROSSI MARIO") || !strings.Contains(rows[0], "Carta d'identità") ||
				!strings.Contains(rows[1], b2.Code) || !strings.Contains(rows[1], "☐") {
				t.Errorf("day sheet rows: %q", rows)
			}
			browsertest.Screenshot(ctx, t, "stampa")
			if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
				t.Fatal(err)
			}

			// Rescheduling: a booking's «Sposta» form, the preview of a day's move.
			browsertest.Navigate(ctx, t, base+"/backoffice/prenotazioni/"+b1.ID)
			browsertest.WaitVisible(ctx, t, `form[action$="/sposta"]`)
			browsertest.Axe(ctx, t, "booking with Sposta "+view.name)
			browsertest.Navigate(ctx, t, base+"/backoffice/agenda/"+res+"/sposta-giorno?data="+thu.String()+"&a_risorsa="+res+"&a_data="+fri.String())
			browsertest.WaitVisible(ctx, t, "#anteprima-spostamento")
			if n := browsertest.Count(ctx, t, "#anteprima-spostamento tbody tr"); n != 2 {
				t.Errorf("preview: %d rows, want 2", n)
			}
			browsertest.Axe(ctx, t, "move preview "+view.name)
			browsertest.Screenshot(ctx, t, "sposta-giorno")
		})
	}
}
