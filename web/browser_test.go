package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/prenota/prenota/app"
	"github.com/prenota/prenota/internal/browsertest"
	"github.com/prenota/prenota/internal/testdb"
)

// The browser tests drive chromium through the whole journey (issue 3,
// "done means"): every page and state passes axe-core's WCAG 2.1 AA rules
// and the English-words scan, and leaves a screenshot in screenshots/.

// serve starts the application on SQLite on a real port, its clock running
// from monday.
func serve(t *testing.T, holdSeconds int) string {
	t.Helper()
	return serveAt(t, holdSeconds, monday)
}

// serveAt is serve with a clock running from start.
func serveAt(t *testing.T, holdSeconds int, start time.Time) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	begin := time.Now()
	a, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DatabaseURL: testdb.URL(t, "sqlite"), BaseURL: "http://127.0.0.1",
		Demo: true, HoldSeconds: holdSeconds, Now: func() time.Time { return start.Add(time.Since(begin)) }})
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
	return "http://" + a.Addr()
}

// check runs what every page and state must pass, and takes a screenshot.
func check(ctx context.Context, t *testing.T, name string) {
	t.Helper()
	t0 := time.Now()
	browsertest.Axe(ctx, t, name)
	t1 := time.Now()
	// "Torna alla home" is the tab SPEC §1 names: "home" is Italian usage there.
	allow := []string{"home"}
	if strings.Contains(name, "accesso") {
		allow = append(allow, "login") // "Login assistenza" (SPEC §2)
	}
	browsertest.EnglishWords(ctx, t, allow...)
	browsertest.NoHorizontalScroll(ctx, t)
	t2 := time.Now()
	browsertest.Screenshot(ctx, t, name)
	t.Logf("%s: axe %v, words+width %v, screenshot %v", name, t1.Sub(t0).Round(time.Millisecond), t2.Sub(t1).Round(time.Millisecond), time.Since(t2).Round(time.Millisecond))
}

func run(ctx context.Context, t *testing.T, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := chromedp.Do(tctx, actions...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// get runs one action that answers a value.
func get[T any](ctx context.Context, t *testing.T, what string, a chromedp.Action[T]) T {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	v, err := chromedp.Run(tctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

func text(ctx context.Context, t *testing.T, sel string) string {
	t.Helper()
	return get(ctx, t, "text of "+sel, chromedp.Text(sel, chromedp.NodeVisible))
}

func location(ctx context.Context, t *testing.T) string {
	t.Helper()
	return get(ctx, t, "location", chromedp.Location())
}

// waitPath waits until the page's path starts with prefix.
func waitPath(ctx context.Context, t *testing.T, prefix string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		u := location(ctx, t)
		if i := strings.Index(u[len("http://"):], "/"); i >= 0 && strings.HasPrefix(u[len("http://")+i:], prefix) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s, at %s", prefix, u)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func wantText(ctx context.Context, t *testing.T, sel, want string) {
	t.Helper()
	if got := text(ctx, t, sel); !strings.Contains(got, want) {
		t.Errorf("%s: %q does not contain %q", sel, got, want)
	}
}

// slotID is the id of the checkbox of the slot at hh:00 on 9 December 2026.
func slotID(hour int) string {
	return fmt.Sprintf("#s%d", time.Date(2026, 12, 9, hour, 0, 0, 0, time.UTC).Add(-time.Hour).Unix())
}

func clickAndWait(ctx context.Context, t *testing.T, sel, path string) {
	t.Helper()
	browsertest.ClickAndLoad(ctx, t, sel)
	waitPath(ctx, t, path)
}

// TestBrowserJourney: demo login → tree → resource → two consecutive slots
// → anagrafica with a wrong field corrected → conferma → listed → cancel
// (modal) → the slot is free again.
func TestBrowserJourney(t *testing.T) {
	t.Parallel()
	base := serve(t, 0)
	ctx := browsertest.New(t, browsertest.Desktop())
	journey(ctx, t, base)
}

// TestBrowserPhone repeats the journey at 360 px: no page scrolls sideways.
func TestBrowserPhone(t *testing.T) {
	t.Parallel()
	base := serve(t, 0)
	ctx := browsertest.New(t, browsertest.Phone())
	journey(ctx, t, base)
}

func journey(ctx context.Context, t *testing.T, base string) {
	browsertest.Navigate(ctx, t, base+"/")
	check(ctx, t, "01-home")
	clickAndWait(ctx, t, `a[data-element="appointment-booking"]`, "/area-prenotazioni")
	check(ctx, t, "02-area")
	clickAndWait(ctx, t, `a[data-element="appointment-booking"]`, "/prenota")
	check(ctx, t, "03-albero")
	browsertest.Click(ctx, t, `summary[data-node="10"]`)
	clickAndWait(ctx, t, `a[href="/prenota?risorsa=13"]`, "/prenota?risorsa=13")
	check(ctx, t, "04-risorsa")
	clickAndWait(ctx, t, `a[data-element="service-booking-access"]`, "/accedi")
	check(ctx, t, "05-accesso")
	clickAndWait(ctx, t, `button.demo-identity[value="RSSMRA70A01H501S"]`, "/prenota/13/disponibilita")
	check(ctx, t, "06-disponibilita")

	browsertest.Click(ctx, t, `label[for="`+slotID(10)[1:]+`"]`)
	browsertest.Click(ctx, t, `label[for="`+slotID(11)[1:]+`"]`)
	wantText(ctx, t, "#selezione", "da 09/12/2026 10:00 a 09/12/2026 12:00")
	check(ctx, t, "07-disponibilita-selezione")
	clickAndWait(ctx, t, "#continua", "/prenota/anagrafica")
	wantText(ctx, t, ".hold-banner", "Restano")
	check(ctx, t, "08-anagrafica")

	run(ctx, t, "wrong email", chromedp.SetValue("#f-email", "mario@rossi"))
	clickAndWait(ctx, t, "#continua", "/prenota/anagrafica")
	wantText(ctx, t, "#riepilogo-errori", "L'indirizzo email non è valido")
	check(ctx, t, "09-anagrafica-errore")
	run(ctx, t, "right email", chromedp.SetValue("#f-email", "mario.rossi@example.it"))
	clickAndWait(ctx, t, "#continua", "/prenota/conferma")
	run(ctx, t, "motivazione", chromedp.SendKeys("#f-motivazione", "Riunione del comitato di quartiere"))
	wantText(ctx, t, `[data-summary-of="motivazione"]`, "Riunione del comitato di quartiere")
	check(ctx, t, "10-conferma")
	clickAndWait(ctx, t, "#invia", "/prenotazioni/")
	wantText(ctx, t, ".alert-success", "La richiesta di prenotazione è conclusa")
	check(ctx, t, "11-esito")
	browsertest.Click(ctx, t, `label[for="star4"]`)
	browsertest.WaitVisible(ctx, t, `[data-element="feedback-rating-positive"]`)
	check(ctx, t, "12-valutazione")
	browsertest.Click(ctx, t, `.feedback-form button[type="submit"]`)
	browsertest.WaitVisible(ctx, t, `#valutazione [role="status"]`)

	browsertest.Navigate(ctx, t, base+"/prenotazioni")
	wantText(ctx, t, "#totale", "Totale risultati: 1")
	check(ctx, t, "13-mie-prenotazioni")
	browsertest.Click(ctx, t, ".booking-cancel")
	browsertest.WaitVisible(ctx, t, ".modal.show .modal-confirm")
	run(ctx, t, "modal animation", chromedp.Sleep(400*time.Millisecond))
	wantText(ctx, t, ".modal.show .modal-body", "Sicuri di disdire la prenotazione?")
	check(ctx, t, "14-disdici")
	clickAndWait(ctx, t, ".modal.show .modal-confirm", "/prenotazioni")
	wantText(ctx, t, "main .alert-success", "Prenotazione annullata")
	wantText(ctx, t, "#totale", "Totale risultati: 0")
	check(ctx, t, "15-annullata")

	browsertest.Navigate(ctx, t, base+"/prenota/13/disponibilita")
	if browsertest.Count(ctx, t, slotID(10)) != 1 || browsertest.Count(ctx, t, slotID(11)) != 1 {
		t.Error("the cancelled slots are not free again")
	}
}

// TestBrowserRace: two citizens pick the same slot; the first to continue
// wins, the other is told and sees it taken.
func TestBrowserRace(t *testing.T) {
	t.Parallel()
	base := serve(t, 0)
	a, b := browsertest.New(t), browsertest.New(t)
	for _, c := range []struct {
		ctx context.Context
		cf  string
	}{{a, giuliaCF}, {b, lucaCF}} {
		browsertest.Navigate(c.ctx, t, base+"/accedi?next=/prenota/13/disponibilita")
		clickAndWait(c.ctx, t, `button.demo-identity[value="`+c.cf+`"]`, "/prenota/13/disponibilita")
		browsertest.Click(c.ctx, t, `label[for="`+slotID(15)[1:]+`"]`)
	}
	clickAndWait(a, t, "#continua", "/prenota/anagrafica")
	browsertest.Click(b, t, "#continua")
	browsertest.WaitVisible(b, t, "#errore-griglia")
	wantText(b, t, "#errore-griglia", "Lo slot non è più disponibile")
	if browsertest.Count(b, t, slotID(15)) != 0 {
		t.Error("the loser still sees the slot free")
	}
	check(b, t, "slot-preso")
}

// TestBrowserHoldExpires: a 3-second hold runs out on the Anagrafica step;
// the user is taken back to the grid and told, and the slot is free again.
func TestBrowserHoldExpires(t *testing.T) {
	t.Parallel()
	base := serve(t, 3)
	ctx := browsertest.New(t)
	browsertest.Navigate(ctx, t, base+"/accedi?next=/prenota/13/disponibilita")
	clickAndWait(ctx, t, `button.demo-identity[value="RSSMRA70A01H501S"]`, "/prenota/13/disponibilita")
	browsertest.Click(ctx, t, `label[for="`+slotID(9)[1:]+`"]`)
	clickAndWait(ctx, t, "#continua", "/prenota/anagrafica")
	waitPath(ctx, t, "/prenota/13/disponibilita")
	browsertest.WaitVisible(ctx, t, "main .alert-warning")
	wantText(ctx, t, "main .alert-warning", "Il tempo per completare la prenotazione è scaduto")
	if browsertest.Count(ctx, t, slotID(9)) != 1 {
		t.Error("the expired slot is not free again")
	}
	check(ctx, t, "scaduta")
}

// TestBrowserContoTerzi: Giulia books for Luca (born abroad); both see it.
func TestBrowserContoTerzi(t *testing.T) {
	t.Parallel()
	base := serve(t, 0)
	ctx := browsertest.New(t, browsertest.Phone())
	browsertest.Navigate(ctx, t, base+"/conto-terzi")
	clickAndWait(ctx, t, `button.demo-identity[value="`+giuliaCF+`"]`, "/conto-terzi")
	check(ctx, t, "1-conto-terzi")
	run(ctx, t, "cf", chromedp.SendKeys("#f-codice_fiscale", "FRRLCU92B29Z112X"))
	clickAndWait(ctx, t, "form button[type=submit].btn-primary", "/conto-terzi")
	browsertest.WaitVisible(ctx, t, "#f-codice_fiscale-errore")
	check(ctx, t, "2-conto-terzi-errore")
	run(ctx, t, "cf", chromedp.SetValue("#f-codice_fiscale", lucaCF))
	clickAndWait(ctx, t, "form button[type=submit].btn-primary", "/prenota")
	wantText(ctx, t, ".impersonation-banner", "Utente Impersonato: "+lucaCF)
	check(ctx, t, "3-impersonato")
	browsertest.Navigate(ctx, t, base+"/prenota/13/disponibilita")
	browsertest.Click(ctx, t, `label[for="`+slotID(16)[1:]+`"]`)
	clickAndWait(ctx, t, "#continua", "/prenota/anagrafica")
	cf := get(ctx, t, "cf", chromedp.Value("#f-codice_fiscale"))
	readonly := get(ctx, t, "readonly", chromedp.Evaluate[bool](`document.querySelector('#f-codice_fiscale').readOnly`))
	if cf != lucaCF || !readonly {
		t.Errorf("CF %q readonly %v, want %s locked", cf, readonly, lucaCF)
	}
	// Birth date, sex and country come from the codice fiscale, to be checked.
	wantText(ctx, t, "#dati-da-cf", "ricavati dal codice fiscale")
	born := get(ctx, t, "birth data", chromedp.Evaluate[string](`[document.querySelector('#f-data_nascita').value, document.querySelector('#f-nazione_nascita').value, document.querySelector('#f-sesso-m').checked].join(' ')`))
	if born != "29/02/1992 GERMANIA true" {
		t.Errorf("birth data from the codice fiscale: %q", born)
	}
	run(ctx, t, "anagrafica",
		chromedp.SendKeys("#f-nome", "Luca"), chromedp.SendKeys("#f-cognome", "Ferrari"),
		chromedp.SendKeys("#f-email", "luca.ferrari@example.it"), chromedp.SendKeys("#f-telefono", "+49 151 2345678"))
	if browsertest.Count(ctx, t, ".born-in-italy:not([hidden])") != 0 {
		t.Error("Provincia and Comune shown for someone born abroad")
	}
	check(ctx, t, "4-anagrafica")
	clickAndWait(ctx, t, "#continua", "/prenota/conferma")
	run(ctx, t, "motivazione", chromedp.SendKeys("#f-motivazione", "Allenamento"))
	if born := get(ctx, t, "born", chromedp.Evaluate[string](`document.getElementById('riepilogo-titolo').parentElement.textContent`)); !strings.Contains(born, "29/02/1992 in GERMANIA") {
		t.Errorf("summary %q: want «29/02/1992 in GERMANIA»", born)
	}
	check(ctx, t, "5-conferma")
	clickAndWait(ctx, t, "#invia", "/prenotazioni/")
	check(ctx, t, "6-esito")
	browsertest.Navigate(ctx, t, base+"/prenotazioni")
	wantText(ctx, t, "#totale", "Totale risultati: 1")
	wantText(ctx, t, ".booking-row", "Prenotata da GIULIA BIANCHI per LUCA FERRARI")
	wantText(ctx, t, ".impersonation-banner button", "Termina prenotazione per conto terzi")
	check(ctx, t, "7-elenco-presentante")
	clickAndWait(ctx, t, ".impersonation-banner button", "/conto-terzi")
	browsertest.Click(ctx, t, `form[action="/esci"] button`)
	browsertest.WaitVisible(ctx, t, `a[href="/accedi"][data-element="personal-area-login"]`)
	browsertest.Navigate(ctx, t, base+"/prenotazioni")
	clickAndWait(ctx, t, `button.demo-identity[value="`+lucaCF+`"]`, "/prenotazioni")
	wantText(ctx, t, "#totale", "Totale risultati: 1")
	wantText(ctx, t, ".booking-row", "Prenotata da GIULIA BIANCHI per LUCA FERRARI")
}

// TestBrowserNoJavaScript: the whole journey with scripts disabled.
func TestBrowserNoJavaScript(t *testing.T) {
	t.Parallel()
	base := serve(t, 0)
	ctx := browsertest.New(t, browsertest.NoJavaScript())
	browsertest.Navigate(ctx, t, base+"/prenota?risorsa=13")
	clickAndWait(ctx, t, `a[data-element="service-booking-access"]`, "/accedi")
	clickAndWait(ctx, t, `button.demo-identity[value="RSSMRA70A01H501S"]`, "/prenota/13/disponibilita")
	browsertest.Click(ctx, t, `label[for="`+slotID(12)[1:]+`"]`)
	browsertest.Click(ctx, t, `label[for="`+slotID(13)[1:]+`"]`)
	clickAndWait(ctx, t, "#continua", "/prenota/anagrafica")
	wantText(ctx, t, ".hold-banner", "entro le ore")
	check(ctx, t, "anagrafica")
	clickAndWait(ctx, t, "#continua", "/prenota/conferma")
	run(ctx, t, "motivazione", chromedp.SendKeys("#f-motivazione", "Prova senza JavaScript"))
	clickAndWait(ctx, t, "#invia", "/prenotazioni/")
	browsertest.Click(ctx, t, `label[for="star2"]`)
	browsertest.Click(ctx, t, `#neg0 + label`)
	// The answer is the same page again (its path matches already): wait for
	// its thank-you message, not for the path.
	browsertest.Click(ctx, t, `.feedback-form button[type="submit"]`)
	thanked := chromedp.Evaluate[bool](`[...document.querySelectorAll("main .alert-success")].some(e => e.textContent.includes("Grazie"))`)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if ok, err := chromedp.Run(ctx, thanked); err == nil && ok {
			break // errors while the page navigates are retried
		}
		if time.Now().After(deadline) {
			t.Fatal("no thank-you message after sending the rating")
		}
	}
	browsertest.Navigate(ctx, t, base+"/prenotazioni")
	clickAndWait(ctx, t, ".booking-cancel", "/prenotazioni/")
	check(ctx, t, "disdici")
	clickAndWait(ctx, t, "main form button.btn-danger", "/prenotazioni")
	wantText(ctx, t, "main .alert-success", "Prenotazione annullata")
	wantText(ctx, t, "#totale", "Totale risultati: 0")
}

// TestBrowserKeyboard: the journey with key events only, no mouse, from the
// home to "Invia" in at most 40 key presses (typing the motivazione counts
// as one). The week grid is one Tab stop: arrow keys move, Space and Enter
// choose, PageDown and PageUp change week with the focus kept in the grid
// and the new week read out.
func TestBrowserKeyboard(t *testing.T) {
	t.Parallel()
	base := serve(t, 0)
	ctx := browsertest.New(t)
	browsertest.Navigate(ctx, t, base+"/")
	presses := 0
	key := func(k string) {
		t.Helper()
		presses++
		run(ctx, t, "key "+k, chromedp.KeyEvent(k))
	}
	press := func(sel, k string) {
		t.Helper()
		presses += tabTo(ctx, t, sel)
		key(k)
	}
	focused := func(sel string) {
		t.Helper()
		if !get(ctx, t, "focus", chromedp.Evaluate[bool](fmt.Sprintf(`!!document.activeElement && document.activeElement.matches(%q)`, sel))) {
			t.Fatalf("the focus is not on %s but on %s", sel,
				get(ctx, t, "focus", chromedp.Evaluate[string](`document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : ''`)))
		}
	}
	// Each page starts with the focus on its title, where the skip link
	// "Vai al contenuto" would take it.
	start := func(path string) {
		t.Helper()
		waitPath(ctx, t, path)
		waitFocus(ctx, t, "main h1")
	}
	start("/")
	press(`a[data-element="appointment-booking"]`, kb.Enter)
	start("/area-prenotazioni")
	press(`main a[href="/prenota"]`, kb.Enter)
	start("/prenota")
	press(`summary[data-node="10"]`, kb.Enter)
	press(`a[href="/prenota?risorsa=13"]`, kb.Enter)
	start("/prenota?risorsa=13")
	press(`a[data-element="service-booking-access"]`, kb.Enter)
	start("/accedi")
	press(`button.demo-identity[value="RSSMRA70A01H501S"]`, kb.Enter)
	start("/prenota/13/disponibilita")

	// One Tab stop: the first free slot, Monday 7 December 08:00.
	monday8 := fmt.Sprintf("#s%d", time.Date(2026, 12, 7, 7, 0, 0, 0, time.UTC).Unix())
	presses += tabTo(ctx, t, ".slot-table .slot-check")
	focused(monday8)
	if n := browsertest.Count(ctx, t, `.slot-table [tabindex="0"]`); n != 1 {
		t.Errorf("%d Tab stops in the grid, want 1", n)
	}
	key(kb.PageDown)
	browsertest.WaitVisible(ctx, t, `.week-prev`)
	focused(".slot-table .slot-check")
	wantAnnounce(ctx, t, "Settimana dal 14 al 20 dicembre: 66 orari liberi")
	key(kb.PageUp)
	waitGone(ctx, t, `.week-prev`)
	focused(monday8)
	wantAnnounce(ctx, t, "Settimana dal 7 al 13 dicembre: 55 orari liberi")
	key(kb.ArrowRight) // Tuesday 8: a holiday, closed cells are visited too
	focused("td.slot-closed")
	key(kb.ArrowRight)
	key(kb.ArrowDown)
	focused(slotID(9))
	key(" ")
	key(kb.ArrowDown)
	key(kb.Enter)
	// Read by script: chromedp's view of the DOM can lag behind htmx's swaps.
	if got := get(ctx, t, "selection", chromedp.Evaluate[string](`document.getElementById('selezione').textContent`)); got != "Selezione: da 09/12/2026 09:00 a 09/12/2026 11:00" {
		t.Errorf("selection %q", got)
	}
	key(kb.Tab)
	focused(".steppers-btn-prev") // the grid is one Tab stop: next is Indietro
	press("#continua", kb.Enter)
	// The steps' forms start on their first field to fill in: for a SPID
	// identity, the email.
	waitPath(ctx, t, "/prenota/anagrafica")
	waitFocus(ctx, t, "#f-email")
	key(kb.Enter) // Enter in a field sends its form
	waitPath(ctx, t, "/prenota/conferma")
	waitFocus(ctx, t, "#f-motivazione")
	presses++
	run(ctx, t, "type", chromedp.KeyEvent("Rinnovo"))
	press("#invia", kb.Enter)
	waitPath(ctx, t, "/prenotazioni/")
	wantText(ctx, t, ".alert-success", "La richiesta di prenotazione è conclusa")
	t.Logf("%d key presses from the home to Invia", presses)
	if presses > 40 {
		t.Errorf("%d key presses from the home to Invia, want at most 40", presses)
	}
}

// waitFocus waits until the focused element matches sel (pages move the
// focus when they load).
func waitFocus(ctx context.Context, t *testing.T, sel string) {
	t.Helper()
	is := chromedp.Evaluate[bool](fmt.Sprintf(`!!document.activeElement && document.activeElement.matches(%q)`, sel))
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if ok, err := chromedp.Run(ctx, is); err == nil && ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the focus is not on %s but on %s", sel,
				get(ctx, t, "focus", chromedp.Evaluate[string](`document.activeElement ? document.activeElement.outerHTML.slice(0, 120) : ''`)))
		}
	}
}

// wantAnnounce waits until the grid's live region says want.
func wantAnnounce(ctx context.Context, t *testing.T, want string) {
	t.Helper()
	var got string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if got = get(ctx, t, "announcement", chromedp.Evaluate[string](`document.getElementById('annuncio-griglia').textContent`)); got == want {
			return
		}
	}
	t.Errorf("the grid announced %q, want %q", got, want)
}

// waitGone waits until no element matches sel.
func waitGone(ctx context.Context, t *testing.T, sel string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); browsertest.Count(ctx, t, sel) > 0; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s is still there", sel)
		}
	}
}

// tabTo presses Tab until the focused element matches sel, and says how
// many times.
func tabTo(ctx context.Context, t *testing.T, sel string) int {
	t.Helper()
	for n := range 400 {
		if get(ctx, t, "focus", chromedp.Evaluate[bool](fmt.Sprintf(`!!document.activeElement && document.activeElement.matches(%q)`, sel))) {
			return n
		}
		run(ctx, t, "tab", chromedp.KeyEvent(kb.Tab))
	}
	t.Fatalf("Tab never reached %s", sel)
	return 0
}
