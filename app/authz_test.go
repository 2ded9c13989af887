package app

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/testdb"
	"github.com/prenota/prenota/saml"
	"github.com/prenota/prenota/web"
)

// The demo identities of the authorization tests (auth.DemoIdentities).
const (
	authzMario  = "RSSMRA70A01H501S" // user A
	authzGiulia = "BNCGLI85M55I304Q" // user B
	authzLuca   = "FRRLCU92B29Z112V" // the fruitore of Giulia's conto terzi
)

// authzSala2 is the demo's "SALA N° 2 - piano 1°": capacity 1, 60-minute
// slots from 08:00 Monday to Saturday.
const authzSala2 = "13"

// TestAuthorization is the authorization matrix of issue 5 (done means 3)
// and conto terzi end to end (done means 6), over HTTP through the whole
// app, on both databases. User A (Mario) books on the pages; user B
// (Giulia), with her own session and again while impersonating A's codice
// fiscale, tries every page route and every API route that takes a booking
// id, and always gets 404; A's booking is unchanged afterwards.
// Unauthenticated requests to the private routes go to the login page
// (pages) or get 401 (API). The pages audit logins, conto terzi and
// bookings, honour the trusted proxy for the client address, and apply the
// login and hold rate limits.
func TestAuthorization(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			t.Parallel()
			testAuthorization(t, d)
		})
	}
}

// authzClient is a browser without JavaScript behind the trusted proxy:
// cookies, no redirects followed, X-Forwarded-For set to its address.
type authzClient struct {
	t    *testing.T
	base string
	ip   string
	c    *http.Client
}

type authzPage struct {
	status  int
	loc     string
	ctype   string
	retry   string
	body    string
	cookies []*http.Cookie
}

func newAuthzClient(t *testing.T, base, ip string) *authzClient {
	jar, _ := cookiejar.New(nil)
	return &authzClient{t: t, base: base, ip: ip, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *authzClient) do(method, path string, form url.Values, header ...string) authzPage {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("X-Forwarded-For", c.ip)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return authzPage{res.StatusCode, res.Header.Get("Location"), res.Header.Get("Content-Type"), res.Header.Get("Retry-After"), string(b), res.Cookies()}
}

func (c *authzClient) get(path string) authzPage {
	c.t.Helper()
	return c.do(http.MethodGet, path, nil)
}

func (c *authzClient) post(path string, form url.Values) authzPage {
	c.t.Helper()
	if form == nil {
		form = url.Values{}
	}
	return c.do(http.MethodPost, path, form)
}

// login logs in with the page's demo provider and checks that the session
// token is a new one.
func (c *authzClient) login(cf string) {
	c.t.Helper()
	before := c.sessionCookie()
	p := c.post("/accedi/demo", url.Values{"cf": {cf}, "next": {"/prenota"}})
	if p.status != http.StatusSeeOther || p.loc != "/prenota" {
		c.t.Fatalf("demo login %s: %d %q", cf, p.status, p.loc)
	}
	if after := c.sessionCookie(); after == "" || after == before {
		c.t.Errorf("demo login %s: the session token was not renewed", cf)
	}
}

func (c *authzClient) sessionCookie() string {
	u, _ := url.Parse(c.base)
	for _, k := range c.c.Jar.Cookies(u) {
		return k.Value // the session cookie is the only one
	}
	return ""
}

var (
	hiddenHold = regexp.MustCompile(`name="hold_id" value="([^"]+)"`)
	hiddenKey  = regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`)
)

// book makes a booking on the pages for the fruitore p in the slot at
// start, and returns its id.
func (c *authzClient) book(start time.Time, p booking.Person) string {
	c.t.Helper()
	slot := start.Format(time.RFC3339)
	if r := c.post("/prenota/"+authzSala2+"/disponibilita", url.Values{"slot": {slot}}); r.status != http.StatusSeeOther || r.loc != "/prenota/anagrafica" {
		c.t.Fatalf("hold %s: %d %q\n%.2000s", slot, r.status, r.loc, r.body)
	}
	f := url.Values{"nome": {p.Nome}, "cognome": {p.Cognome}, "data_nascita": {p.DataNascita.Italian()}, "sesso": {p.Sesso},
		"nazione_nascita": {p.NazioneNascita}, "provincia_nascita": {p.ProvinciaNascita}, "comune_nascita": {p.ComuneNascita},
		"codice_fiscale": {p.CodiceFiscale}, "email": {p.Email}, "telefono": {p.Telefono}}
	if r := c.post("/prenota/anagrafica", f); r.status != http.StatusSeeOther || r.loc != "/prenota/conferma" {
		c.t.Fatalf("anagrafica: %d %q\n%.3000s", r.status, r.loc, r.body)
	}
	conf := c.get("/prenota/conferma")
	h, k := hiddenHold.FindStringSubmatch(conf.body), hiddenKey.FindStringSubmatch(conf.body)
	if conf.status != http.StatusOK || h == nil || k == nil {
		c.t.Fatalf("conferma: %d\n%.2000s", conf.status, conf.body)
	}
	r := c.post("/prenota/conferma", url.Values{"hold_id": {h[1]}, "idempotency_key": {k[1]}, "motivazione": {"Prova di autorizzazione"}, "telefono": {p.Telefono}})
	id, ok := strings.CutPrefix(strings.TrimSuffix(r.loc, "?esito=1"), "/prenotazioni/")
	if r.status != http.StatusSeeOther || !ok || id == "" {
		c.t.Fatalf("confirm: %d %q\n%.2000s", r.status, r.loc, r.body)
	}
	// "Invia" twice makes one booking, audited once.
	if again := c.post("/prenota/conferma", url.Values{"hold_id": {h[1]}, "idempotency_key": {k[1]}, "motivazione": {"Prova di autorizzazione"}, "telefono": {p.Telefono}}); again.loc != r.loc {
		c.t.Errorf("confirm twice: %d %q, want %q", again.status, again.loc, r.loc)
	}
	return id
}

// apiBooking is what GET /api/v1/bookings/{id} answers, in part.
type apiBooking struct {
	ID          string         `json:"id"`
	Code        string         `json:"code"`
	Status      string         `json:"status"`
	Presentante string         `json:"presentante"`
	Fruitore    booking.Person `json:"fruitore"`
	Start       string         `json:"start"`
}

func (c *authzClient) apiBooking(id string) apiBooking {
	c.t.Helper()
	r := c.get("/api/v1/bookings/" + id)
	var b apiBooking
	if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &b) != nil {
		c.t.Fatalf("GET /api/v1/bookings/%s: %d %s", id, r.status, r.body)
	}
	return b
}

func demoPerson(t *testing.T, cf string) booking.Person {
	for _, d := range auth.DemoIdentities {
		if d.Person.CodiceFiscale == cf {
			return d.Person
		}
	}
	t.Fatalf("no demo identity %s", cf)
	return booking.Person{}
}

// operation is one route: method and path pattern.
type operation struct{ method, pattern string }

func (o operation) String() string { return o.method + " " + o.pattern }

// pageOperations returns the page routes of web's mux, except the catch-all.
func pageOperations(t *testing.T) []operation {
	var ops []operation
	for _, p := range web.Patterns() {
		m, path, ok := strings.Cut(p, " ")
		if !ok {
			continue // "/": the 404 page
		}
		ops = append(ops, operation{m, path})
	}
	if len(ops) < 20 {
		t.Fatalf("web.Patterns: %v", ops)
	}
	return ops
}

// apiOperations returns the operations of the API's OpenAPI document and
// whether each needs an identity (the document's global security applies).
func apiOperations(t *testing.T, c *authzClient) map[operation]bool {
	t.Helper()
	r := c.get("/api/v1/openapi.json")
	var doc struct {
		Paths map[string]map[string]struct {
			Security *[]map[string][]string `json:"security"`
		} `json:"paths"`
	}
	if r.status != http.StatusOK || json.Unmarshal([]byte(r.body), &doc) != nil {
		t.Fatalf("openapi.json: %d", r.status)
	}
	ops := map[operation]bool{}
	for path, methods := range doc.Paths {
		for m, op := range methods {
			if m == "parameters" {
				continue
			}
			// Private unless the operation lists anonymous access ({}).
			private := op.Security == nil || (len(*op.Security) > 0 && !slices.ContainsFunc(*op.Security, func(s map[string][]string) bool { return len(s) == 0 }))
			ops[operation{strings.ToUpper(m), path}] = private
		}
	}
	if len(ops) < 10 {
		t.Fatalf("openapi.json: %v", ops)
	}
	return ops
}

// concrete fills the {id} of pattern: a booking id under /prenotazioni/
// and /api/v1/bookings/, else the resource or hold id.
func concrete(pattern, bookingID string) string {
	switch {
	case strings.HasPrefix(pattern, "/prenotazioni/{id}"), strings.HasPrefix(pattern, "/api/v1/bookings/{id}"):
		return strings.Replace(pattern, "{id}", bookingID, 1)
	case strings.HasPrefix(pattern, "/api/v1/holds/{id}"):
		return strings.Replace(pattern, "{id}", "nessuna", 1)
	}
	return strings.Replace(pattern, "{id}", authzSala2, 1)
}

// publicPages are the page routes open to anyone; every other one needs a
// login.
var publicPages = []string{
	"GET /{$}", "GET /area-prenotazioni", "GET /accedi", "POST /accedi/demo", "POST /accedi/credenziali", "POST /esci",
	"GET /prenota", "GET /prenota/luoghi/comuni", "POST /valutazione", "GET /privacy", "GET /note-legali", "GET /accessibilita",
	"GET /servizi", "GET /servizi/{id}", "GET /argomenti", "GET /faq", // the Comune's site around the journey (issue 15)
}

func audited(t *testing.T, a *App, f auth.AuditFilter) []auth.AuditEntry {
	t.Helper()
	es, err := a.Store.AuditLog(t.Context(), f)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func testAuthorization(t *testing.T, dialect string) {
	// Monday 7 December 2026, 07:00 in Rome, and running.
	monday, begin := time.Date(2026, 12, 7, 7, 0, 0, 0, booking.Rome), time.Now()
	cfg := Config{Addr: "127.0.0.1:0", DatabaseURL: testdb.URL(t, dialect), BaseURL: "http://127.0.0.1", Demo: true, RateLimit: true,
		Now: func() time.Time { return monday.Add(time.Since(begin)) }}
	cfg.Identity.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	cfg.Identity.Limits = auth.RateLimitOptions{LoginPerMinute: 1, LoginBurst: 3, HoldPerMinute: 1, HoldBurst: 2}
	a, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	base := srv.URL
	at := func(day, hour int) time.Time { return time.Date(2026, 12, day, hour, 0, 0, 0, booking.Rome) }

	// The login page shows the client's address as the trusted proxy says.
	anon := newAuthzClient(t, base, "203.0.113.50")
	if p := anon.get("/accedi"); !strings.Contains(p.body, `IP corrente: <span class="font-monospace">203.0.113.50</span>`) {
		t.Errorf("IP corrente behind the trusted proxy: %d\n%.1500s", p.status, p.body)
	}

	// User A books on the pages; the login and the booking are audited
	// with A's address.
	mario := newAuthzClient(t, base, "203.0.113.1")
	mario.login(authzMario)
	if es := audited(t, a, auth.AuditFilter{Action: auth.AuditLogin, Actor: authzMario}); len(es) != 1 || es[0].IP != "203.0.113.1" || es[0].Method != "demo" {
		t.Errorf("demo login audit: %+v", es)
	}
	bid := mario.book(at(9, 10), demoPerson(t, authzMario))
	before := mario.apiBooking(bid)
	if before.Status != string(booking.Confirmed) || before.Presentante != authzMario {
		t.Fatalf("A's booking: %+v", before)
	}
	if es := audited(t, a, auth.AuditFilter{Action: auth.AuditBookingConfirmed, Target: bid}); len(es) != 1 ||
		es[0].Actor != authzMario || es[0].IP != "203.0.113.1" || es[0].Detail != before.Code {
		t.Errorf("booking confirmed on the pages, audit: %+v", es)
	}

	pages, apiOps := pageOperations(t), apiOperations(t, anon)
	var bookingPages, bookingAPI []operation
	for _, op := range pages {
		if strings.Contains(op.pattern, "{id}") && strings.HasPrefix(op.pattern, "/prenotazioni/") {
			bookingPages = append(bookingPages, op)
		}
	}
	for op := range apiOps {
		if strings.HasPrefix(op.pattern, "/api/v1/bookings/{id}") {
			bookingAPI = append(bookingAPI, op)
		}
	}
	slices.SortFunc(bookingAPI, func(a, b operation) int { return strings.Compare(a.String(), b.String()) })
	for _, want := range []string{"GET /prenotazioni/{id}", "GET /prenotazioni/{id}/disdici", "POST /prenotazioni/{id}/disdici",
		"GET /prenotazioni/{id}/ricevuta.pdf", "GET /prenotazioni/{id}/calendario.ics"} {
		if !slices.ContainsFunc(bookingPages, func(o operation) bool { return o.String() == want }) {
			t.Errorf("page route %s is missing from web.Patterns", want)
		}
	}
	t.Logf("%d page routes, %d with a booking id; %d API operations, %d with a booking id", len(pages), len(bookingPages), len(apiOps), len(bookingAPI))
	if len(bookingAPI) != 4 {
		t.Errorf("API routes with a booking id: %v, want GET and DELETE /api/v1/bookings/{id}, receipt.pdf, calendar.ics", bookingAPI)
	}

	// User B, on every route that takes A's booking id: 404, and not a
	// word of A's booking.
	giulia := newAuthzClient(t, base, "203.0.113.2")
	giulia.login(authzGiulia)
	attack := func(who string) {
		t.Helper()
		for _, op := range append(bookingPages, bookingAPI...) {
			path := concrete(op.pattern, bid)
			var p authzPage
			if op.method == http.MethodPost {
				p = giulia.post(path, nil)
			} else {
				p = giulia.do(op.method, path, nil)
			}
			if p.status != http.StatusNotFound {
				t.Errorf("%s: %s %s: %d, want 404", who, op.method, path, p.status)
			}
			if strings.HasPrefix(path, "/api/") && !strings.HasPrefix(p.ctype, "application/problem+json") {
				t.Errorf("%s: %s %s: Content-Type %q", who, op.method, path, p.ctype)
			}
			if strings.Contains(p.body, before.Code) || strings.Contains(p.body, "MARIO") {
				t.Errorf("%s: %s %s shows A's booking", who, op.method, path)
			}
		}
		if p := giulia.get("/prenotazioni"); !strings.Contains(p.body, "Totale risultati: 0") || strings.Contains(p.body, before.Code) {
			t.Errorf("%s: Le mie prenotazioni shows A's booking", who)
		}
		if p := giulia.get("/api/v1/bookings"); strings.Contains(p.body, bid) {
			t.Errorf("%s: GET /api/v1/bookings lists A's booking", who)
		}
	}
	attack("B")
	// Booking for someone else with A's codice fiscale gives B no access
	// to A's own bookings.
	if p := giulia.post("/conto-terzi", url.Values{"codice_fiscale": {authzMario}}); p.status != http.StatusSeeOther {
		t.Fatalf("B impersonates A: %d\n%.2000s", p.status, p.body)
	}
	attack("B impersonating A")
	if p := giulia.post("/conto-terzi/disconnetti", nil); p.status != http.StatusSeeOther {
		t.Fatalf("B stops impersonating A: %d", p.status)
	}

	// A's booking is unchanged: confirmed, visible to A, the seat taken.
	if after := mario.apiBooking(bid); after != before {
		t.Errorf("A's booking changed: %+v, was %+v", after, before)
	}
	if p := mario.get("/prenotazioni"); !strings.Contains(p.body, "Totale risultati: 1") || !strings.Contains(p.body, before.Code) {
		t.Errorf("A's list after B's attempts:\n%.2000s", p.body)
	}
	if p := mario.get("/prenotazioni/" + bid); p.status != http.StatusOK || strings.Contains(p.body, "annullata") {
		t.Errorf("A's booking page after B's attempts: %d", p.status)
	}
	if p := giulia.post("/prenota/"+authzSala2+"/disponibilita", url.Values{"slot": {at(9, 10).Format(time.RFC3339)}}); p.status != http.StatusConflict {
		t.Errorf("B holds A's seat: %d, want 409", p.status)
	}
	if es := audited(t, a, auth.AuditFilter{Action: auth.AuditBookingCancelled}); len(es) != 0 {
		t.Errorf("cancellations audited after B's attempts: %+v", es)
	}

	// Without a session: private pages go to the login page with next,
	// private API routes answer 401 problem+json.
	nobody := newAuthzClient(t, base, "203.0.113.3")
	for _, op := range pages {
		if slices.Contains(publicPages, op.String()) || op.pattern == "/static/" {
			continue
		}
		path := concrete(op.pattern, bid)
		var p authzPage
		if op.method == http.MethodPost {
			p = nobody.do(http.MethodPost, path, url.Values{}, "Referer", base+"/prenotazioni")
		} else {
			p = nobody.get(path)
		}
		want := "/accedi?next=" + url.QueryEscape(path)
		if op.method == http.MethodPost {
			want = "/accedi?next=" + url.QueryEscape("/prenotazioni")
		}
		if p.status != http.StatusSeeOther || p.loc != want {
			t.Errorf("anonymous %s %s: %d %q, want 303 to %s", op.method, path, p.status, p.loc, want)
		}
	}
	for op, private := range apiOps {
		if !private {
			continue
		}
		p := nobody.do(op.method, concrete(op.pattern, bid), nil)
		if p.status != http.StatusUnauthorized || !strings.HasPrefix(p.ctype, "application/problem+json") {
			t.Errorf("anonymous %s: %d %s, want 401 problem+json", op, p.status, p.ctype)
		}
	}

	// Conto terzi end to end: Giulia books for Luca; start, booking and
	// stop are audited; both see the booking in Le mie prenotazioni.
	if p := giulia.post("/conto-terzi", url.Values{"codice_fiscale": {strings.ToLower(authzLuca)}}); p.status != http.StatusSeeOther {
		t.Fatalf("conto terzi for Luca: %d", p.status)
	}
	lucaBooking := giulia.book(at(10, 11), demoPerson(t, authzLuca))
	if p := giulia.post("/conto-terzi/disconnetti", nil); p.status != http.StatusSeeOther {
		t.Fatalf("Disconnetti: %d", p.status)
	}
	b := giulia.apiBooking(lucaBooking)
	if b.Presentante != authzGiulia || b.Fruitore.CodiceFiscale != authzLuca || b.Status != string(booking.Confirmed) {
		t.Errorf("conto terzi booking: presentante %s, fruitore %s, %s", b.Presentante, b.Fruitore.CodiceFiscale, b.Status)
	}
	var trail []string
	for _, e := range audited(t, a, auth.AuditFilter{Actor: authzGiulia}) {
		if e.Target != authzLuca && e.Target != lucaBooking {
			continue
		}
		if e.IP != "203.0.113.2" || e.Method != "demo" || e.At.IsZero() {
			t.Errorf("conto terzi audit entry without who, how or where: %+v", e)
		}
		trail = append(trail, e.Action+" "+e.Target)
	}
	if want := []string{auth.AuditImpersonationStart + " " + authzLuca, auth.AuditBookingConfirmed + " " + lucaBooking,
		auth.AuditImpersonationStop + " " + authzLuca}; !slices.Equal(trail, want) {
		t.Errorf("conto terzi audit trail: %q, want %q", trail, want)
	}
	if es := audited(t, a, auth.AuditFilter{Actor: authzGiulia, Target: authzMario}); len(es) != 2 ||
		es[0].Action != auth.AuditImpersonationStart || es[1].Action != auth.AuditImpersonationStop {
		t.Errorf("B impersonating A, audit: %+v", es)
	}
	luca := newAuthzClient(t, base, "203.0.113.4")
	luca.login(authzLuca)
	for who, c := range map[string]*authzClient{"presentante": giulia, "fruitore": luca} {
		if p := c.get("/prenotazioni"); !strings.Contains(p.body, "Totale risultati: 1") || !strings.Contains(p.body, "/prenotazioni/"+lucaBooking) {
			t.Errorf("Le mie prenotazioni of the %s:\n%.2000s", who, p.body)
		}
	}
	if p := luca.get("/prenotazioni/" + bid); p.status != http.StatusNotFound {
		t.Errorf("the fruitore of another booking sees A's: %d", p.status)
	}

	// "Continua" beyond the hold limit of the identity (a burst of 2):
	// 429 on the grid, with the wait in Italian and Retry-After.
	for i := range 3 {
		p := luca.post("/prenota/"+authzSala2+"/disponibilita", url.Values{"slot": {at(11, 15).Format(time.RFC3339)}})
		if i < 2 && p.status != http.StatusSeeOther {
			t.Fatalf("hold %d: %d\n%.2000s", i+1, p.status, p.body)
		}
		if i == 2 && (p.status != http.StatusTooManyRequests || p.retry == "" || !strings.Contains(p.body, "Troppe richieste in poco tempo: attenda") ||
			!strings.Contains(p.body, `id="errore-griglia"`) || !strings.Contains(p.body, `<caption class="slot-caption">`)) {
			t.Errorf("hold over the limit: %d, Retry-After %q\n%.3000s", p.status, p.retry, p.body)
		}
	}
	luca.post("/prenota/annulla", nil)

	// Demo logins beyond the login limit of an address (a burst of 3).
	// Each login renews the session token.
	crowd := newAuthzClient(t, base, "198.51.100.7")
	for i := range 4 {
		if i < 3 {
			crowd.login(authzLuca)
			continue
		}
		p := crowd.post("/accedi/demo", url.Values{"cf": {authzLuca}, "next": {"/prenota"}})
		if i == 3 && (p.status != http.StatusTooManyRequests || p.retry == "" || !strings.Contains(p.body, "Troppe richieste in poco tempo: attenda")) {
			t.Errorf("demo login over the limit: %d, Retry-After %q\n%.2000s", p.status, p.retry, p.body)
		}
	}

	// A cancels on the pages: audited once, however often "Disdici" is sent.
	for range 2 {
		if p := mario.post("/prenotazioni/"+bid+"/disdici", nil); p.status != http.StatusSeeOther || p.loc != "/prenotazioni" {
			t.Errorf("A cancels: %d %q", p.status, p.loc)
		}
	}
	if es := audited(t, a, auth.AuditFilter{Action: auth.AuditBookingCancelled}); len(es) != 1 || es[0].Target != bid ||
		es[0].Actor != authzMario || es[0].IP != "203.0.113.1" || es[0].Detail != before.Code {
		t.Errorf("booking cancelled on the pages, audit: %+v", es)
	}
	if got := mario.apiBooking(bid).Status; got != string(booking.Cancelled) {
		t.Errorf("after A's cancel: %s", got)
	}
	// Logout ends the session server-side and is audited.
	if p := mario.post("/esci", nil); p.status != http.StatusSeeOther {
		t.Errorf("logout: %d", p.status)
	}
	if p := mario.get("/prenotazioni"); p.status != http.StatusSeeOther {
		t.Errorf("after logout: %d", p.status)
	}
	if es := audited(t, a, auth.AuditFilter{Action: auth.AuditLogout, Actor: authzMario}); len(es) != 1 {
		t.Errorf("logout audit: %+v", es)
	}
}

// TestLoginPageMethods: the login page offers SPID and CIE when they are
// configured (the links carry next), the credentials with "Recupera
// password" and "Login assistenza", and not the demo provider outside demo
// mode; without a trusted proxy, X-Forwarded-For is ignored.
func TestLoginPageMethods(t *testing.T) {
	dir := t.TempDir()
	key, cert := filepath.Join(dir, "sp.key"), filepath.Join(dir, "sp.crt")
	spKey, spCert, err := saml.NewCertificate(saml.CertProfile{EntityID: "http://127.0.0.1/auth/spid/metadata", CommonName: "Comune di Prova", IPACode: "c_prova", Locality: "Prova"})
	if err != nil {
		t.Fatal(err)
	}
	if err := saml.WriteKeyPair(key, cert, spKey, spCert); err != nil {
		t.Fatal(err)
	}
	idp := filepath.Join(dir, "idp.xml")
	if err := os.WriteFile(idp, []byte(`<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.example/">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://idp.example/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := Config{Addr: "127.0.0.1:0", DatabaseURL: testdb.URL(t, "sqlite"), BaseURL: "http://127.0.0.1"}
	cfg.Identity.SPIDMetadata, cfg.Identity.CIEMetadata = []string{idp}, []string{idp}
	cfg.Identity.SAMLKey, cfg.Identity.SAMLCert = key, cert
	cfg.Identity.IPACode, cfg.Identity.Organization, cfg.Identity.ContactEmail = "c_prova", "Comune di Prova", "protocollo@comune.prova.example.it"
	cfg.Identity.Municipality = "H294"
	a, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	c := newAuthzClient(t, srv.URL, "203.0.113.9")
	p := c.get("/accedi?next=/prenotazioni")
	for _, want := range []string{`href="/auth/spid/login?next=%2Fprenotazioni">Entra con SPID</a>`, `href="/auth/cie/login?next=%2Fprenotazioni">Entra con CIE</a>`,
		`action="/accedi/credenziali"`, `href="/auth/recupera-password">Recupera password</a>`, `href="/auth/password?next=%2Fbackoffice%2F">Login assistenza</a>`,
		// No trusted proxy here: X-Forwarded-For is not believed.
		`IP corrente: <span class="font-monospace">127.0.0.1</span>`} {
		if !strings.Contains(p.body, want) {
			t.Errorf("login page: missing %s", want)
		}
	}
	if strings.Contains(p.body, "Ambiente di prova") || strings.Contains(p.body, "/accedi/demo") {
		t.Error("login page: the demo provider is offered outside demo mode")
	}
	if p := c.post("/accedi/demo", url.Values{"cf": {authzMario}}); p.status != http.StatusNotFound {
		t.Errorf("demo login outside demo mode: %d", p.status)
	}
	if p := c.get("/demo/idp/spid/metadata"); p.status != http.StatusNotFound {
		t.Errorf("the demo IdP outside demo mode: %d", p.status)
	}
	// The SPID link lists the IdPs (even one, as AgID's button does); the
	// CIE link, with its one IdP, starts the login (its AuthnRequest).
	if p := c.get("/auth/spid/login?next=%2Fprenotazioni"); p.status != http.StatusOK ||
		!strings.Contains(p.body, `href="/auth/spid/login?idp=https%3A%2F%2Fidp.example%2F&amp;next=%2Fprenotazioni"`) {
		t.Errorf("SPID login: %d\n%.3000s", p.status, p.body)
	}
	if p := c.get("/auth/cie/login?next=%2Fprenotazioni"); p.status != http.StatusOK || !strings.Contains(p.body, "SAMLRequest") {
		t.Errorf("CIE login: %d\n%.1000s", p.status, p.body)
	}
	// Wrong credentials: 401 on the page, the failure audited.
	if p := c.post("/accedi/credenziali", url.Values{"utente": {"nessuno"}, "password": {"sbagliata-davvero"}}); p.status != http.StatusUnauthorized ||
		!strings.Contains(p.body, "Identificativo utente o password non corretti.") {
		t.Errorf("wrong credentials: %d\n%.1500s", p.status, p.body)
	}
	if es := audited(t, a, auth.AuditFilter{Action: auth.AuditLoginFailed, Target: "nessuno"}); len(es) != 1 || es[0].IP != "127.0.0.1" {
		t.Errorf("failed login audit: %+v", es)
	}
}
