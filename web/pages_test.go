package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prenota/prenota/app"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/testdb"
)

// monday is the fixed "now" of the page tests: Monday 7 December 2026,
// 07:00 in Rome. Tuesday the 8th is a national holiday (Immacolata).
var monday = time.Date(2026, 12, 7, 7, 0, 0, 0, booking.Rome)

// sala2 is the demo's "SALA N° 2 - piano 1°": capacity 1, 60-minute slots
// from 08:00 to 19:00 Monday to Saturday, up to 4 slots.
const sala2 = "13"

// Demo identities (auth.DemoIdentities).
const (
	marioCF  = "RSSMRA70A01H501S"
	giuliaCF = "BNCGLI85M55I304Q"
	lucaCF   = "FRRLCU92B29Z112V"
)

// startApp runs the whole application on dialect with a clock that starts at
// start and runs.
func startApp(t *testing.T, dialect string, holdSeconds int, start time.Time) (*app.App, string) {
	t.Helper()
	begin := time.Now()
	a, err := app.New(context.Background(), app.Config{Addr: "127.0.0.1:0", DatabaseURL: testdb.URL(t, dialect), BaseURL: "http://127.0.0.1",
		Demo: true, HoldSeconds: holdSeconds, Now: func() time.Time { return start.Add(time.Since(begin)) }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	return a, srv.URL
}

// client is a browser without JavaScript: cookies, no redirects followed.
type client struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	status   int
	location string
	body     string
	ctype    string
}

func (c *client) do(req *http.Request) page {
	c.t.Helper()
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return page{resp.StatusCode, resp.Header.Get("Location"), string(b), resp.Header.Get("Content-Type")}
}

func (c *client) get(path string) page {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	return c.do(req)
}

func (c *client) post(path string, form url.Values, header ...string) page {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return c.do(req)
}

func (c *client) login(cf string) {
	c.t.Helper()
	if p := c.post("/accedi/demo", url.Values{"cf": {cf}, "next": {"/prenota"}}); p.status != http.StatusSeeOther || p.location != "/prenota" {
		c.t.Fatalf("demo login: %d %s", p.status, p.location)
	}
}

func want(t *testing.T, what string, p page, status int, fragments ...string) {
	t.Helper()
	if p.status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, p.status, status, excerpt(p.body))
	}
	for _, f := range fragments {
		if !strings.Contains(p.body, f) {
			t.Errorf("%s: missing %q", what, f)
		}
	}
}

func excerpt(s string) string {
	if i := strings.Index(s, `<main`); i >= 0 {
		s = s[i:]
	}
	return s[:min(len(s), 3000)]
}

// attr returns the value of attribute name of the first tag matching the
// regexp tag (e.g. `input[^>]*name="hold_id"`).
func attr(t *testing.T, body, tag, name string) string {
	t.Helper()
	m := regexp.MustCompile(`<` + tag + `[^>]*>`).FindString(body)
	if m == "" {
		t.Fatalf("no <%s>", tag)
	}
	v := regexp.MustCompile(`\s` + name + `="([^"]*)"`).FindStringSubmatch(m)
	if v == nil {
		t.Fatalf("<%s> has no %s: %s", tag, name, m)
	}
	return strings.ReplaceAll(v[1], "&#43;", "+")
}

// slot returns the checkbox value of the slot at hh:mm on day (YYYY-MM-DD).
func slot(t *testing.T, grid, day, hhmm string) string {
	t.Helper()
	v := attr(t, grid, `input type="checkbox" class="slot-check" name="slot" value="`+day+`T`+hhmm+`[^"]*"`, "value")
	return v
}

func TestPages(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			_, base := startApp(t, dialect, 0, monday)
			testJourney(t, base)
		})
	}
}

func testJourney(t *testing.T, base string) {
	anon := newClient(t, base)
	want(t, "home", anon.get("/"), 200, `data-element="appointment-booking"`, `PRENOTAZIONI`)
	want(t, "area", anon.get("/area-prenotazioni"), 200, `Fai una prenotazione`, `Le mie prenotazioni`, `Torna indietro`)
	want(t, "login", anon.get("/accedi?next=/prenotazioni"), 200, `IP corrente: <span class="font-monospace">127.0.0.1</span>`,
		`Ambiente di prova`, `Credenziali`, `name="next" value="/prenotazioni"`, `href="/auth/recupera-password">Recupera password</a>`,
		`href="/auth/password?next=%2Fbackoffice%2F">Login assistenza</a>`)
	if p := anon.get("/accedi"); strings.Contains(p.body, "Entra con SPID") || strings.Contains(p.body, "Entra con CIE") {
		t.Error("login: SPID or CIE offered though not configured")
	}
	want(t, "deep link", anon.get("/prenota?risorsa="+sala2), 200, `data-element="service-booking-access"`, `Descrizione del servizio`,
		`Contatti`, `openstreetmap.org`, `href="/prenota/13/disponibilita"`)
	want(t, "tree", anon.get("/prenota"), 200, `<details>`, `Benvenuti nel servizio di prenotazione online del comune di DEMO`)
	want(t, "unknown resource", anon.get("/prenota?risorsa=999"), 404, `La risorsa richiesta non esiste.`)
	want(t, "unknown page", anon.get("/nessuna"), 404, `La pagina richiesta non esiste.`)
	if p := anon.get("/prenota/13/disponibilita"); p.status != 303 || p.location != "/accedi?next=%2Fprenota%2F13%2Fdisponibilita" {
		t.Fatalf("grid without login: %d %q", p.status, p.location)
	}
	if p := anon.post("/accedi/demo", url.Values{"cf": {marioCF}, "next": {"https://evil.example/"}}); p.location != "/" {
		t.Errorf("open redirect: %q", p.location)
	}

	mario := newClient(t, base)
	mario.login(marioCF)
	grid := mario.get("/prenota/13/disponibilita")
	want(t, "grid", grid, 200, `<caption class="slot-caption">`, `<th scope="col" class="slot-day"><abbr title="lunedì 7 dicembre 2026">LUN</abbr>`,
		`<th scope="row" class="slot-time">08:00</th>`, `In verde gli orari disponibili, scegli uno o più slot per proseguire`, `Legenda`,
		`chiuso: Immacolata Concezione`, `settimana=2026-12-14`)
	if strings.Contains(grid.body, `settimana=2026-11-30`) {
		t.Error("grid: a link to the week before the current one")
	}
	s10, s11, s13 := slot(t, grid.body, "2026-12-09", "10:00"), slot(t, grid.body, "2026-12-09", "11:00"), slot(t, grid.body, "2026-12-09", "13:00")
	want(t, "no slot", mario.post("/prenota/13/disponibilita", url.Values{"settimana": {"2026-12-07"}}), 422, `Scelga almeno uno slot libero`)
	want(t, "not consecutive", mario.post("/prenota/13/disponibilita", url.Values{"slot": {s10, s13}}), 422, `consecutivi e nello stesso giorno`, `checked`)
	p := mario.post("/prenota/13/disponibilita", url.Values{"slot": {s10, s11}, "settimana": {"2026-12-07"}})
	if p.status != 303 || p.location != "/prenota/anagrafica" {
		t.Fatalf("hold: %d %q\n%s", p.status, p.location, excerpt(p.body))
	}

	// Another citizen sees the two slots taken, and cannot hold them.
	giulia := newClient(t, base)
	giulia.login(giuliaCF)
	want(t, "taken", giulia.post("/prenota/13/disponibilita", url.Values{"slot": {s11}}), 409, `Lo slot non è più disponibile`)

	ana := mario.get("/prenota/anagrafica")
	want(t, "anagrafica", ana, 200, `Restano <strong class="hold-remaining" role="timer">`, `Per annullare o modificare`,
		`Clicca qui`, `name="nome" value="MARIO" aria-required="true" readonly`, `name="codice_fiscale" value="RSSMRA70A01H501S" aria-required="true" readonly`, `Nome <span class="text-nowrap">(Obbligatorio)</span>`,
		`<li class="active" aria-current="step">2. Anagrafica`)
	bad := url.Values{"nome": {"X"}, "cognome": {"X"}, "data_nascita": {"01/01/1970"}, "sesso": {"M"}, "nazione_nascita": {"ITALIA"},
		"provincia_nascita": {"RM"}, "comune_nascita": {"ROMA"}, "codice_fiscale": {marioCF}, "email": {"mario@rossi"}, "telefono": {"333 1234567"}}
	p = mario.post("/prenota/anagrafica", bad)
	want(t, "wrong email", p, 422, `id="riepilogo-errori"`, `href="#f-email"`, `aria-invalid="true" aria-describedby="f-email-errore"`,
		`L&#39;indirizzo email non è valido`, `value="mario@rossi"`, `name="nome" value="MARIO" aria-required="true" readonly`)
	good := url.Values{}
	for k, v := range bad {
		good[k] = v
	}
	good.Set("email", "mario.rossi@example.it")
	if p := mario.post("/prenota/anagrafica", good); p.status != 303 || p.location != "/prenota/conferma" {
		t.Fatalf("anagrafica: %d %q\n%s", p.status, p.location, excerpt(p.body))
	}
	conf := mario.get("/prenota/conferma")
	want(t, "conferma", conf, 200, `Motivazione dell'appuntamento <span class="text-nowrap">(Obbligatorio)</span>`, `Riepilogo della prenotazione`,
		`mercoledì 9 dicembre 2026, dalle 10:00 alle 12:00`, `RSSMRA70A01H501S`, `>Invia</button>`)
	holdID, key := attr(t, conf.body, `input type="hidden" name="hold_id"`, "value"), attr(t, conf.body, `input type="hidden" name="idempotency_key"`, "value")
	form := url.Values{"hold_id": {holdID}, "idempotency_key": {key}, "telefono": {"333 1234567"}}
	want(t, "no motivazione", mario.post("/prenota/conferma", form), 422, `Il campo Motivazione dell&#39;appuntamento è obbligatorio.`)
	form.Set("motivazione", "Riunione\x00 del comitato")
	want(t, "NUL in motivazione", mario.post("/prenota/conferma", form), 422, `href="#f-motivazione"`, `aria-describedby="f-motivazione-errore"`,
		`Il testo contiene un carattere non ammesso`)
	form.Set("motivazione", "Riunione del comitato")
	form.Set("nota", "caff\xe8")
	want(t, "nota not UTF-8", mario.post("/prenota/conferma", form), 422, `href="#f-nota"`, `Il testo contiene un carattere non ammesso`)
	form.Del("nota")
	form.Set("motivazione", "Riunione del comitato di quartiere")
	first, second := mario.post("/prenota/conferma", form), mario.post("/prenota/conferma", form)
	if first.status != 303 || !strings.HasPrefix(first.location, "/prenotazioni/") || second.location != first.location {
		t.Fatalf("confirm twice: %d %q, %d %q", first.status, first.location, second.status, second.location)
	}
	bookingURL := strings.TrimSuffix(first.location, "?esito=1")
	want(t, "result", mario.get(first.location), 200, `La richiesta di prenotazione è conclusa`, `Google Calendar`, `Yahoo! Calendar`,
		`iCal Calendar`, `Outlook Calendar`, `Clicca per importare nel tuo calendario.`, bookingURL+`/ricevuta.pdf`,
		`data-element="feedback"`, `data-element="feedback-rate-5"`, `data-element="feedback-rating-positive"`, `data-element="feedback-input-text"`)
	want(t, "list", mario.get("/prenotazioni"), 200, `Totale risultati: 1`, `Inviata al sistema di prenotazioni`, `Sicuri di disdire la prenotazione?`)
	if p := mario.get(bookingURL + "/ricevuta.pdf"); p.status != 200 || p.ctype != "application/pdf" || !strings.HasPrefix(p.body, "%PDF") {
		t.Errorf("receipt: %d %s", p.status, p.ctype)
	}
	if p := mario.get(bookingURL + "/calendario.ics"); p.status != 200 || !strings.Contains(p.body, "BEGIN:VCALENDAR") {
		t.Errorf("ics: %d %s", p.status, p.ctype)
	}
	for _, suffix := range []string{"", "/ricevuta.pdf", "/calendario.ics", "/disdici"} {
		if p := giulia.get(bookingURL + suffix); p.status != 404 {
			t.Errorf("another citizen GET %s: %d, want 404", suffix, p.status)
		}
	}
	if p := giulia.post(bookingURL+"/disdici", nil); p.status != 404 {
		t.Errorf("another citizen cancels: %d, want 404", p.status)
	}

	// Feedback: a plain POST and an htmx one.
	if p := mario.post("/valutazione", url.Values{"valutazione": {"5"}, "motivo_positivo": {"Le indicazioni erano chiare"}, "pagina": {"esito"}, "torna": {first.location}}); p.status != 303 || p.location != first.location {
		t.Errorf("feedback: %d %q", p.status, p.location)
	}
	want(t, "feedback htmx", mario.post("/valutazione", url.Values{"valutazione": {"2"}, "dettagli": {"troppi passi"}}, "HX-Request", "true"), 200, `Grazie per il tuo aiuto!`)

	// Cancel without JavaScript: the confirmation page, then the POST.
	want(t, "cancel page", mario.get(bookingURL+"/disdici"), 200, `Sicuri di disdire la prenotazione?`)
	if p := mario.post(bookingURL+"/disdici", nil); p.status != 303 || p.location != "/prenotazioni" {
		t.Fatalf("cancel: %d %q", p.status, p.location)
	}
	want(t, "after cancel", mario.get("/prenotazioni"), 200, `Prenotazione annullata`, `Totale risultati: 0`)
	grid = giulia.get("/prenota/13/disponibilita")
	if slot(t, grid.body, "2026-12-09", "10:00") != s10 {
		t.Error("the cancelled slot is not free again")
	}

	// Conto terzi: Giulia books for Luca; the CF is locked to his.
	want(t, "conto terzi", giulia.get("/conto-terzi"), 200, `Codice fiscale fruitore <span class="text-nowrap">(Obbligatorio)</span>`, `>Salva</button>`)
	want(t, "bad cf", giulia.post("/conto-terzi", url.Values{"codice_fiscale": {"RSSMRA70A01H501X"}}), 422, `aria-invalid="true"`)
	if p := giulia.post("/conto-terzi", url.Values{"codice_fiscale": {strings.ToLower(lucaCF)}}); p.status != 303 {
		t.Fatalf("impersonate: %d", p.status)
	}
	want(t, "impersonating", giulia.get("/prenota"), 200, `Utente Impersonato: <strong class="font-monospace">`+lucaCF+`</strong>`, `Termina prenotazione per conto terzi`)
	if p := giulia.post("/prenota/13/disponibilita", url.Values{"slot": {s13}}); p.status != 303 {
		t.Fatalf("hold for Luca: %d", p.status)
	}
	ana = giulia.get("/prenota/anagrafica")
	want(t, "anagrafica conto terzi", ana, 200, `name="codice_fiscale" value="`+lucaCF+`" aria-required="true" readonly`)
	if strings.Contains(ana.body, `value="GIULIA"`) {
		t.Error("conto terzi: the anagrafica is prefilled with the presentante")
	}
	// "Clicca qui" releases the hold at once.
	if p := giulia.post("/prenota/annulla", nil); p.status != 303 || !strings.HasPrefix(p.location, "/prenota/13/disponibilita") {
		t.Fatalf("release: %d %q", p.status, p.location)
	}
	grid = mario.get("/prenota/13/disponibilita")
	if slot(t, grid.body, "2026-12-09", "13:00") != s13 {
		t.Error("the released slot is not free again")
	}
	if p := giulia.post("/conto-terzi/disconnetti", nil); p.status != 303 {
		t.Errorf("stop impersonating: %d", p.status)
	}
	if p := giulia.get("/prenota"); strings.Contains(p.body, "Utente Impersonato") {
		t.Error("still impersonating after «Termina prenotazione per conto terzi»")
	}

	// Unsafe cross-site POSTs are refused.
	if p := giulia.post("/conto-terzi", url.Values{"codice_fiscale": {lucaCF}}, "Sec-Fetch-Site", "cross-site"); p.status != 403 {
		t.Errorf("cross-site POST: %d, want 403", p.status)
	}
}
