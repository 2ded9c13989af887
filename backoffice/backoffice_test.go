package backoffice_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prenota/prenota/app"
	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/testdb"
	"github.com/prenota/prenota/mailbox"
	"github.com/prenota/prenota/sqlstore"
)

// monday is the fixed "now" of the tests: Monday 7 December 2026, 07:00 in
// Rome (Tuesday the 8th is a holiday).
var monday = time.Date(2026, 12, 7, 7, 0, 0, 0, booking.Rome)

const password = "una-password-lunga"

// addStaff adds the accounts admin (admin) and op1 (operatore), both with
// the tests' password.
func addStaff(t *testing.T, a *app.App) {
	t.Helper()
	for _, u := range []struct {
		login string
		role  auth.Role
	}{{"admin", auth.RoleAdmin}, {"op1", auth.RoleOperatore}} {
		nu, err := auth.NewUser(u.login, "Prova "+u.login, u.login+"@comune.demo.it", "", u.role, password)
		if err != nil {
			t.Fatal(err)
		}
		if err := a.Identity.Accounts.AddUser(context.Background(), nu, "cli"); err != nil {
			t.Fatal(err)
		}
	}
}

// startApp runs the whole application (demo Comune) on dialect with a clock
// that starts at monday, with an admin "admin" and an operatore "op1"; opts
// change its configuration first.
func startApp(t *testing.T, dialect string, opts ...func(*app.Config)) (*app.App, string) {
	t.Helper()
	begin := time.Now()
	cfg := app.Config{Addr: "127.0.0.1:0", DatabaseURL: testdb.URL(t, dialect), BaseURL: "http://127.0.0.1",
		Demo: true, Now: func() time.Time { return monday.Add(time.Since(begin)) }}
	for _, o := range opts {
		o(&cfg)
	}
	a, err := app.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	// Run also starts the message worker, which delivers to the demo mailbox.
	if err := a.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	t.Cleanup(func() {
		srv.Close()
		cancel()
		<-done
		a.Close()
	})
	addStaff(t, a)
	return a, srv.URL
}

// clock is a test clock that starts at monday, runs, and can be moved
// forward.
type clock struct {
	begin  time.Time
	offset atomic.Int64
}

// withClock makes the application run on c.
func withClock(c *clock) func(*app.Config) {
	c.begin = time.Now()
	return func(cfg *app.Config) {
		cfg.Now = func() time.Time { return monday.Add(time.Since(c.begin) + time.Duration(c.offset.Load())) }
	}
}

func (c *clock) advance(d time.Duration) { c.offset.Add(int64(d)) }

type client struct {
	t      *testing.T
	base   string
	c      *http.Client
	bearer string
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

type page struct {
	status   int
	location string
	body     string
	header   http.Header
}

func (c *client) do(method, path string, body io.Reader, ctype string) page {
	c.t.Helper()
	req, _ := http.NewRequest(method, c.base+path, body)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	resp, err := c.c.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return page{resp.StatusCode, resp.Header.Get("Location"), string(b), resp.Header}
}

func (c *client) get(path string) page { c.t.Helper(); return c.do("GET", path, nil, "") }

func (c *client) post(path string, form url.Values) page {
	c.t.Helper()
	return c.do("POST", path, strings.NewReader(form.Encode()), "application/x-www-form-urlencoded")
}

func (c *client) login(login string) {
	c.t.Helper()
	if p := c.post("/auth/password", url.Values{"login": {login}, "password": {password}, "next": {"/backoffice/"}}); p.status != http.StatusSeeOther {
		c.t.Fatalf("login %s: %d %s", login, p.status, p.body)
	}
}

func want(t *testing.T, what string, p page, status int, fragments ...string) {
	t.Helper()
	if p.status != status {
		body := p.body
		if i := strings.Index(body, "<main"); i >= 0 {
			body = body[i:]
		}
		if len(body) > 3000 {
			body = body[:3000]
		}
		t.Fatalf("%s: status %d, want %d\n%s", what, p.status, status, body)
	}
	for _, f := range fragments {
		if !strings.Contains(p.body, f) {
			t.Errorf("%s: missing %q", what, f)
		}
	}
}

// createResource makes, as admin, a group and under it a bookable resource
// open on Mondays 09:00-12:00 in 30-minute slots, one seat each.
func createResource(t *testing.T, admin *client) (group, res string) {
	t.Helper()
	p := admin.post("/backoffice/risorse/nuova", url.Values{"tipo": {"gruppo"}, "name": {"Ufficio Prove"}})
	want(t, "create group", p, http.StatusSeeOther)
	group = strings.TrimPrefix(p.location, "/backoffice/risorse/")
	p = admin.post("/backoffice/risorse/nuova", url.Values{"tipo": {"risorsa"}, "parent_id": {group}, "name": {"Sportello Prove"}, "kind": {"presenza"},
		"slot_minutes": {"30"}, "capacity": {"1"}, "max_slots": {"2"}, "days_ahead": {"60"}, "min_notice_minutes": {"0"}, "hold_minutes": {"10"},
		"hours_1": {"09:00-12:00"}, "extra_n": {"1"}, "extra_name_0": {"pratica"}, "extra_label_0": {"Numero di pratica"}, "extra_type_0": {"text"}})
	want(t, "create resource", p, http.StatusSeeOther)
	res = strings.TrimPrefix(p.location, "/backoffice/risorse/")
	if _, err := strconv.Atoi(res); err != nil {
		t.Fatalf("resource location %q", p.location)
	}
	return group, res
}

type availability struct {
	Days []struct {
		Date  string
		Slots []struct {
			Start string
			State string
		}
	}
}

func slotsOn(t *testing.T, c *client, res, date string) availability {
	t.Helper()
	p := c.get("/api/v1/resources/" + res + "/availability?from=" + date + "&days=1")
	want(t, "availability "+date, p, http.StatusOK)
	var av availability
	if err := json.Unmarshal([]byte(p.body), &av); err != nil {
		t.Fatal(err)
	}
	return av
}

// book makes a booking of resource res at start for demo identity i.
func book(t *testing.T, a *app.App, res string, start time.Time, i int) booking.Booking {
	t.Helper()
	id, _ := strconv.ParseInt(res, 10, 64)
	p := auth.DemoIdentities[i].Person
	h, err := a.Service.Hold(context.Background(), booking.HoldRequest{ResourceID: id, Start: start, Slots: 1, Owner: p.CodiceFiscale})
	if err != nil {
		t.Fatalf("hold %s: %v", start, err)
	}
	extra := map[string]string{} // "42", or a choice's first option
	r, _ := a.Store.Resource(context.Background(), id)
	for _, f := range r.ExtraFields {
		extra[f.Name] = "42"
		if len(f.Options) > 0 {
			extra[f.Name] = f.Options[0]
		}
	}
	b, _, err := a.Service.Confirm(context.Background(), booking.ConfirmRequest{HoldID: h.ID, Presentante: p.CodiceFiscale, Fruitore: p,
		Motivazione: "Rinnovo carta d'identità", Telefono: p.Telefono, Extra: extra})
	if err != nil {
		t.Fatalf("confirm %s: %v", start, err)
	}
	return b
}

func at(d booking.Date, hhmm string) time.Time {
	c, _ := booking.ParseClock(hhmm)
	t, _ := d.At(c, booking.Rome)
	return t
}

// mailFor waits for the demo mailbox to receive a message whose subject
// starts with prefix, and returns it.
func mailFor(t *testing.T, s *sqlstore.Store, prefix string) *mailbox.Parsed {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		msgs, _, err := s.MailboxMessages(context.Background(), 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			p, err := mailbox.ParseEmail(m.Raw)
			if err != nil {
				t.Fatal(err)
			}
			if strings.HasPrefix(p.Subject, prefix) {
				return p
			}
		}
	}
	t.Fatalf("no message %q arrived in the demo mailbox", prefix)
	return nil
}

// cancellationSent waits for the cancellation email of booking id to reach
// the demo mailbox (the app's worker delivers the outbox there).
func cancellationSent(t *testing.T, s *sqlstore.Store, id string) bool {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		msgs, _, err := s.MailboxMessages(context.Background(), 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if p, err := mailbox.ParseEmail(m.Raw); err == nil && strings.Contains(p.MessageID, id) && strings.HasPrefix(p.Subject, "Annullamento Prenotazione") {
				return true
			}
		}
	}
	return false
}

func auditActions(t *testing.T, s *sqlstore.Store, actor string) map[string]int {
	t.Helper()
	m := map[string]int{}
	for _, e := range auditLog(t, s, auth.AuditFilter{Actor: actor}) {
		m[e.Action]++
	}
	return m
}

// auditLog returns the audit entries of f (up to 1000).
func auditLog(t *testing.T, s *sqlstore.Store, f auth.AuditFilter) []auth.AuditEntry {
	t.Helper()
	f.Limit = 1000
	es, err := s.AuditLog(context.Background(), f)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// TestBackOffice is the admin's and the operatore's work over HTTP, on both
// engines (SPEC §11; issue 6, "Done means" 1–4).
func TestBackOffice(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			var clk clock
			a, base := startApp(t, dialect, withClock(&clk))
			today := booking.DateOf(monday, booking.Rome)
			next := today.AddDays(7)

			anon := newClient(t, base)
			want(t, "anonymous", anon.get("/backoffice/"), http.StatusSeeOther)

			admin := newClient(t, base)
			admin.login("admin")
			want(t, "home", admin.get("/backoffice/"), http.StatusOK, "Risorse e orari")
			_, res := createResource(t, admin)

			// The citizen API shows it in the tree, with its grid.
			want(t, "tree", admin.get("/api/v1/resources"), http.StatusOK, `"Ufficio Prove"`, `"Sportello Prove"`)
			if av := slotsOn(t, anon, res, next.String()); len(av.Days[0].Slots) != 6 || av.Days[0].Slots[0].State != "free" ||
				!strings.Contains(av.Days[0].Slots[0].Start, "T09:00:00+01:00") {
				t.Fatalf("grid of %s: %+v", next, av)
			}
			// A closure closes the day.
			want(t, "closure", admin.post("/backoffice/risorse/"+res+"/chiusure", url.Values{"from": {next.AddDays(7).String()}, "reason": {"Inventario"}}), http.StatusSeeOther)
			if av := slotsOn(t, anon, res, next.AddDays(7).String()); len(av.Days[0].Slots) != 6 || av.Days[0].Slots[0].State != "closed" {
				t.Fatalf("closed day: %+v", av)
			}
			// The preview follows the schedule being edited.
			form := url.Values{"name": {"Sportello Prove"}, "kind": {"presenza"}, "slot_minutes": {"30"}, "capacity": {"1"}, "max_slots": {"2"},
				"days_ahead": {"60"}, "min_notice_minutes": {"0"}, "hold_minutes": {"10"}, "hours_1": {"09:00-12:00"}, "settimana": {next.String()},
				"extra_n": {"1"}, "extra_name_0": {"pratica"}, "extra_label_0": {"Numero di pratica"}, "extra_type_0": {"text"}}
			want(t, "preview", admin.post("/backoffice/risorse/"+res+"/anteprima", form), http.StatusOK, `data-slots="6"`)
			form.Set("hours_1", "09:00-10:00")
			want(t, "preview edited", admin.post("/backoffice/risorse/"+res+"/anteprima", form), http.StatusOK, `data-slots="2"`)

			// Bookings: three today, one next Monday at 11:30.
			b1, b2, b3 := book(t, a, res, at(today, "09:00"), 0), book(t, a, res, at(today, "09:30"), 1), book(t, a, res, at(today, "10:00"), 2)
			late := book(t, a, res, at(next, "11:30"), 3)

			// A change that leaves next Monday's 11:30 out is refused until decided.
			form.Set("hours_1", "09:00-11:00")
			want(t, "orphaning change", admin.post("/backoffice/risorse/"+res, form), http.StatusConflict, late.Code)
			if av := slotsOn(t, anon, res, next.String()); len(av.Days[0].Slots) != 6 {
				t.Fatalf("schedule changed before the decision: %d slots", len(av.Days[0].Slots))
			}
			form.Set("orfane", "scelta")
			form.Set("orfana", late.ID)
			form.Set("annulla", late.ID)
			want(t, "cancel without reason", admin.post("/backoffice/risorse/"+res, form), http.StatusConflict, "«Motivo dell&#39;annullamento»")
			form.Set("motivo", "Riduzione dell'orario")
			want(t, "cancel orphans", admin.post("/backoffice/risorse/"+res, form), http.StatusSeeOther)
			if av := slotsOn(t, anon, res, next.String()); len(av.Days[0].Slots) != 4 {
				t.Fatalf("schedule not changed: %d slots", len(av.Days[0].Slots))
			}
			if b, _ := a.Store.Booking(context.Background(), late.ID); b.Status != booking.Cancelled || b.CancelReason != "Riduzione dell'orario" || !cancellationSent(t, a.Store, late.ID) {
				t.Fatalf("orphan not cancelled with its message: %+v", b)
			}

			// The operatore works only the resources assigned.
			op := newClient(t, base)
			op.login("op1")
			want(t, "operatore without resources", op.get("/backoffice/agenda/"+res), http.StatusForbidden)
			want(t, "assign", admin.post("/backoffice/operatori/op1/risorse", url.Values{"risorsa": {res}}), http.StatusSeeOther)
			want(t, "agenda", op.get("/backoffice/agenda/"+res), http.StatusOK, b1.Code, b2.Code, b3.Code, "Rinnovo carta")
			want(t, "other agenda", op.get("/backoffice/agenda/13"), http.StatusForbidden)
			for _, admPage := range []string{"/backoffice/risorse", "/backoffice/risorse/" + res, "/backoffice/token", "/backoffice/audit", "/backoffice/operatori", "/backoffice/testi"} {
				want(t, "operatore on "+admPage, op.get(admPage), http.StatusForbidden)
			}
			want(t, "operatore posts admin", op.post("/backoffice/risorse/nuova", url.Values{"tipo": {"gruppo"}, "name": {"X"}}), http.StatusForbidden)

			want(t, "presente", op.post("/backoffice/prenotazioni/"+b1.ID+"/presenza", url.Values{"stato": {"presente"}}), http.StatusSeeOther)
			// "Non presentato" only once the appointment has started.
			want(t, "assente before the appointment", op.post("/backoffice/prenotazioni/"+b2.ID+"/presenza", url.Values{"stato": {"assente"}}), http.StatusConflict,
				"non è ancora iniziato")
			if p := op.get("/backoffice/prenotazioni/" + b2.ID); strings.Contains(p.body, `value="assente"`) {
				t.Errorf("the booking page offers «Non presentato» before %s", b2.Start.In(booking.Rome).Format("15:04"))
			}
			clk.advance(b2.Start.Sub(monday))
			want(t, "assente", op.post("/backoffice/prenotazioni/"+b2.ID+"/presenza", url.Values{"stato": {"assente"}}), http.StatusSeeOther)
			want(t, "cancel without reason", op.post("/backoffice/prenotazioni/"+b3.ID+"/annulla", url.Values{}), http.StatusUnprocessableEntity)
			want(t, "cancel", op.post("/backoffice/prenotazioni/"+b3.ID+"/annulla", url.Values{"motivo": {"Ufficio chiuso per sciopero"}}), http.StatusSeeOther)
			if b, _ := a.Store.Booking(context.Background(), b3.ID); b.Status != booking.Cancelled || b.CancelReason != "Ufficio chiuso per sciopero" || !cancellationSent(t, a.Store, b3.ID) {
				t.Fatalf("cancelled booking: %+v", b)
			}
			if m := mailFor(t, a.Store, "Annullamento Prenotazione"); !strings.Contains(m.Text, "Ufficio chiuso per sciopero") || !strings.Contains(m.HTML, "Ufficio chiuso per sciopero") {
				t.Fatalf("the cancellation email does not carry the reason:\n%s", m.Text)
			}
			want(t, "agenda after", op.get("/backoffice/agenda/"+res), http.StatusOK, "Presente", "Non presentato", "Annullata: Ufficio chiuso per sciopero")
			want(t, "find by code", op.get("/backoffice/cerca?codice="+strings.ToLower(b1.Code)), http.StatusSeeOther)

			// Booking at the counter.
			p := auth.DemoIdentities[1].Person
			want(t, "counter booking", op.post("/backoffice/agenda/"+res+"/prenota", url.Values{"start": {strconv.FormatInt(at(today, "10:30").UnixMilli(), 10)},
				"nome": {p.Nome}, "cognome": {p.Cognome}, "codice_fiscale": {p.CodiceFiscale}, "data_nascita": {p.DataNascita.String()}, "sesso": {p.Sesso},
				"nazione_nascita": {p.NazioneNascita}, "provincia_nascita": {p.ProvinciaNascita}, "comune_nascita": {p.ComuneNascita}, "email": {p.Email}, "telefono": {p.Telefono}, "motivazione": {"Passaporto"}}), http.StatusSeeOther)

			csv := op.get("/backoffice/agenda/" + res + "/prenotazioni.csv")
			want(t, "csv", csv, http.StatusOK, "\uFEFFData;Ora inizio;Ora fine;Codice;", "07/12/2026;09:00;09:30;"+b1.Code+";ROSSI;MARIO;RSSMRA70A01H501S;01/01/1970",
				";Presente;42", ";Non presentato;42", "Annullata;Ufficio chiuso per sciopero", "Numero di pratica")
			if !strings.HasPrefix(csv.body, "\uFEFF") || !strings.HasPrefix(csv.header.Get("Content-Type"), "text/csv; charset=utf-8") {
				t.Errorf("csv: BOM or content type missing: %q", csv.header.Get("Content-Type"))
			}
			if n := strings.Count(csv.body, "\r\n"); n != 5 {
				t.Errorf("csv: %d lines, want 5 (header and 4 bookings)", n)
			}

			// Integration tokens.
			tp := admin.post("/backoffice/token", url.Values{"name": {"Totem"}, "scope": {"read"}})
			want(t, "token", tp, http.StatusOK, "non sarà più mostrato")
			token := regexp.MustCompile(`prn_[A-Za-z0-9_-]{43}`).FindString(tp.body)
			if token == "" {
				t.Fatal("token not shown")
			}
			api := newClient(t, base)
			api.bearer = token
			want(t, "read token reads", api.get("/api/v1/resources/"+res+"/availability?from="+next.String()+"&days=1"), http.StatusOK)
			hold := `{"resource_id":` + res + `,"start":"` + at(next, "09:00").Format(time.RFC3339) + `","slots":1}`
			want(t, "read token books", api.do("POST", "/api/v1/holds", strings.NewReader(hold), "application/json"), http.StatusForbidden)
			ts, _ := a.Store.Tokens(context.Background())
			want(t, "revoke", admin.post("/backoffice/token/"+ts[0].ID+"/revoca", url.Values{"conferma": {"sì"}}), http.StatusSeeOther)
			want(t, "revoked token", api.get("/api/v1/resources/"+res+"/availability?from="+next.String()+"&days=1"), http.StatusUnauthorized)
			tp = admin.post("/backoffice/token", url.Values{"name": {"Sito"}, "scope": {"book"}})
			api.bearer = regexp.MustCompile(`prn_[A-Za-z0-9_-]{43}`).FindString(tp.body)
			want(t, "book token books", api.do("POST", "/api/v1/holds", strings.NewReader(hold), "application/json"), http.StatusCreated)

			// Every action is in the audit log, with who did it.
			adm := auditActions(t, a.Store, "utente:admin")
			for _, act := range []string{"resource_created", "closure_added", "resource_updated", "booking_cancelled", "assignments_updated", "token_created", "token_revoked"} {
				if adm[act] == 0 {
					t.Errorf("audit: no %s by admin (%v)", act, adm)
				}
			}
			ops := auditActions(t, a.Store, "utente:op1")
			for _, act := range []string{"attendance_marked", "booking_cancelled", "counter_booking", "agenda_exported"} {
				if ops[act] == 0 {
					t.Errorf("audit: no %s by op1 (%v)", act, ops)
				}
			}
			want(t, "audit page", admin.get("/backoffice/audit?chi=utente:op1"), http.StatusOK, "attendance_marked", "Ufficio chiuso per sciopero")
		})
	}
}
