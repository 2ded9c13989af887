package api

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/demo"
	"github.com/prenota/prenota/internal/httperr"
	"github.com/prenota/prenota/internal/testdb"
	"github.com/prenota/prenota/sqlstore"
)

// clock is the settable clock shared by the service and the store, so that
// the rules and the database agree on "now" and expiry needs no sleeping.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// start is the tests' "now": Wednesday 9 December 2026, 09:00 in Rome; the
// day before is a holiday (Immacolata).
var start = time.Date(2026, 12, 9, 9, 0, 0, 0, booking.Rome)

// env is the API over a real store, served over HTTP with sessions and
// accounts (demo logins and bookings audited), without rate limits.
type env struct {
	t                   *testing.T
	srv                 *httptest.Server
	svc                 *booking.Service
	store               *sqlstore.Store
	clock               *clock
	group, desk, hidden int64 // test resources
}

// testBaseURL is the public URL of the test API: calendar UIDs end in
// "@prenota.test".
const testBaseURL = "https://prenota.test"

// newEnv returns an env of dialect; opts adjust the API's Config (limits,
// another audit store…) before it is built.
func newEnv(t *testing.T, dialect string, opts ...func(*env, *Config)) *env {
	t.Helper()
	store := testdb.Open(t, dialect)
	clk := &clock{t: start}
	store.SetClock(clk.Now)
	svc := booking.NewService(store, booking.Options{Now: clk.Now, ConfigTTL: time.Nanosecond})
	ctx := context.Background()
	if err := demo.Load(ctx, svc); err != nil {
		t.Fatalf("demo.Load: %v", err)
	}
	e := &env{t: t, svc: svc, store: store, clock: clk}
	var hours []booking.OpeningRange
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		hours = append(hours, booking.OpeningRange{Weekday: wd, Start: 9 * 60, End: 12 * 60})
	}
	group := booking.Resource{Name: "ZZ Prove API", Kind: booking.InPerson, Position: 1000}
	must(t, svc.CreateResource(ctx, &group))
	desk := booking.Resource{ParentID: group.ID, Name: "Sportello prove", Bookable: true, Kind: booking.InPerson, Description: "Sportello per i test.",
		Address: "Via Roma 1", Phone: "0541 000000", Email: "prove@comune.demo.it", Documents: "Documento d'identità.",
		ExtraFields: []booking.ExtraField{{Name: "primo", Label: "Primo rilascio", Type: "checkbox"}},
		Schedule:    booking.Schedule{SlotMinutes: 30, Capacity: 1, MaxSlots: 2, Hours: hours}}
	must(t, svc.CreateResource(ctx, &desk))
	hidden := booking.Resource{ParentID: group.ID, Name: "Sportello nascosto", Bookable: true, Hidden: true, Kind: booking.InPerson,
		Schedule: booking.Schedule{SlotMinutes: 30, Capacity: 1, MaxSlots: 1, Hours: hours}}
	must(t, svc.CreateResource(ctx, &hidden))
	e.group, e.desk, e.hidden = group.ID, desk.ID, hidden.ID

	sessions := auth.NewManager(store.Sessions(), auth.Options{})
	accounts := auth.NewAccounts(auth.AccountsConfig{Sessions: sessions, Store: store, BaseURL: testBaseURL, Demo: true, Now: clk.Now})
	cfg := Config{Service: svc, Sessions: sessions, Accounts: accounts, BaseURL: testBaseURL, Demo: true}
	for _, o := range opts {
		o(e, &cfg)
	}
	e.srv = httptest.NewServer(sessions.Middleware(New(cfg)))
	t.Cleanup(e.srv.Close)
	return e
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// client is one user agent, with its own cookies.
type client struct {
	e *env
	c *http.Client
}

// anon returns a client without a session.
func (e *env) anon() *client {
	jar, _ := cookiejar.New(nil)
	return &client{e: e, c: &http.Client{Jar: jar}}
}

// login returns a client logged in with the demo login.
func (e *env) login(cf, nome, cognome string) *client {
	c := e.anon()
	r := c.do("POST", "/api/v1/demo/login", fmt.Sprintf(`{"codice_fiscale":%q,"nome":%q,"cognome":%q}`, cf, nome, cognome))
	r.status(e.t, http.StatusOK)
	return c
}

// resp is an answer.
type resp struct {
	code   int
	header http.Header
	body   []byte
}

// do sends body (a string of JSON, sent as application/json) with extra
// headers as name, value pairs; a "Content-Type" pair overrides the default.
func (c *client) do(method, path, body string, header ...string) resp {
	c.e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.e.srv.URL+path, rd)
	if err != nil {
		c.e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := c.c.Do(req)
	if err != nil {
		c.e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return resp{res.StatusCode, res.Header, b}
}

func (r resp) status(t *testing.T, want int) {
	t.Helper()
	if r.code != want {
		t.Fatalf("status %d, want %d: %s", r.code, want, r.body)
	}
}

func (r resp) json(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// problem checks that r is a problem+json with status want naming field
// (when field is not empty) and returns it.
func (r resp) problem(t *testing.T, want int, field string) httperr.Problem {
	t.Helper()
	r.status(t, want)
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("Content-Type %q, want application/problem+json: %s", ct, r.body)
	}
	var p httperr.Problem
	r.json(t, &p)
	if p.Status != want || p.Title == "" || p.Detail == "" || !strings.HasPrefix(p.Type, "urn:prenota:problem:") {
		t.Fatalf("incomplete problem: %s", r.body)
	}
	if field != "" {
		found := false
		for _, fe := range p.Errors {
			if fe.Field == field && fe.Message != "" {
				found = true
			}
		}
		if !found {
			t.Fatalf("problem does not name field %q: %s", field, r.body)
		}
	}
	return p
}

// forEachDialect runs test against a fresh env of each dialect, built with
// opts.
func forEachDialect(t *testing.T, test func(t *testing.T, e *env), opts ...func(*env, *Config)) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) { test(t, newEnv(t, d, opts...)) })
	}
}

const (
	marioCF = "RSSMRA70A01H501S" // a demo identity with a certified anagrafica
	luigiCF = "VRDLGU80A01F205X" // an identity without one
)

// luigi is the anagrafica of luigiCF (the codice fiscale is not checked for
// consistency in these tests).
const luigi = `{"nome":"Luigi","cognome":"Verdi","data_nascita":"1980-01-01","sesso":"M","nazione_nascita":"ITALIA",` +
	`"provincia_nascita":"MI","comune_nascita":"MILANO","codice_fiscale":"VRDLGU80A01F205X","email":"luigi.verdi@example.it","telefono":"333 7654321"}`

// slotAt is the start of the desk's slot on 10 December 2026 at hh:mm.
func slotAt(hh, mm int) string {
	return time.Date(2026, 12, 10, hh, mm, 0, 0, booking.Rome).Format(time.RFC3339)
}

func holdBodyJSON(resource int64, start string, slots int) string {
	return fmt.Sprintf(`{"resource_id":%d,"start":%q,"slots":%d}`, resource, start, slots)
}

func TestResources(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *env) {
		c := e.anon()
		t.Run("tree", func(t *testing.T) {
			r := c.do("GET", "/api/v1/resources", "")
			r.status(t, http.StatusOK)
			var tree []*nodeJSON
			r.json(t, &tree)
			var group *nodeJSON
			for _, n := range tree {
				if n.ID == e.group {
					group = n
				}
			}
			if len(tree) < 2 || group == nil {
				t.Fatalf("tree without the demo or the test group: %s", r.body)
			}
			if len(group.Children) != 1 || group.Children[0].ID != e.desk || !group.Children[0].Bookable || group.Bookable {
				t.Fatalf("test group %+v: want only the visible bookable desk", group)
			}
			if !bytes.Contains(r.body, []byte(`"children":[]`)) {
				t.Errorf("leaves should have children: [] %s", r.body)
			}
		})
		t.Run("detail", func(t *testing.T) {
			r := c.do("GET", fmt.Sprintf("/api/v1/resources/%d", e.desk), "")
			r.status(t, http.StatusOK)
			var got map[string]any
			r.json(t, &got)
			for _, k := range []string{"id", "name", "bookable", "description", "office", "address", "latitude", "longitude", "contacts",
				"kind", "slot_minutes", "capacity", "max_slots", "hold_minutes", "documents", "extra_fields"} {
				if _, ok := got[k]; !ok {
					t.Errorf("detail lacks %q: %s", k, r.body)
				}
			}
			if got["slot_minutes"] != 30.0 || got["capacity"] != 1.0 || got["max_slots"] != 2.0 || got["hold_minutes"] != 10.0 ||
				got["contacts"].(map[string]any)["phone"] != "0541 000000" {
				t.Errorf("detail: %s", r.body)
			}
		})
		for _, tc := range []struct {
			name, path string
			status     int
			field      string
		}{
			{"unknown id", "/api/v1/resources/999999", 404, ""},
			{"hidden", fmt.Sprintf("/api/v1/resources/%d", e.hidden), 404, ""},
			{"not a number", "/api/v1/resources/abc", 404, "id"},
			{"zero", "/api/v1/resources/0", 404, "id"},
			{"negative", "/api/v1/resources/-3", 404, "id"},
			{"overflow", "/api/v1/resources/99999999999999999999", 404, "id"},
		} {
			t.Run(tc.name, func(t *testing.T) { c.do("GET", tc.path, "").problem(t, tc.status, tc.field) })
		}
	})
}

func TestAvailability(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *env) {
		c := e.anon()
		path := fmt.Sprintf("/api/v1/resources/%d/availability", e.desk)
		t.Run("default week", func(t *testing.T) {
			r := c.do("GET", path, "")
			r.status(t, http.StatusOK)
			var a availabilityJSON
			r.json(t, &a)
			if a.From != "2026-12-09" || len(a.Days) != 7 || a.Days[0].Date != "2026-12-09" || a.Days[6].Date != "2026-12-15" || a.ResourceID != e.desk {
				t.Fatalf("want 7 days from today: %s", r.body)
			}
			d := a.Days[0]
			if len(d.Slots) != 6 || d.Slots[0].Start != "2026-12-09T09:00:00+01:00" || d.Slots[0].End != "2026-12-09T09:30:00+01:00" {
				t.Fatalf("slots of today: %+v", d.Slots)
			}
			if d.Slots[0].State != booking.Past || d.Slots[0].FreeSeats != 0 || d.Slots[1].State != booking.Free || d.Slots[1].FreeSeats != 1 {
				t.Errorf("states at 09:00: %+v", d.Slots[:2])
			}
		})
		t.Run("holiday and summer time", func(t *testing.T) {
			r := c.do("GET", path+"?from=2026-12-08&days=1", "")
			r.status(t, http.StatusOK)
			var a availabilityJSON
			r.json(t, &a)
			if len(a.Days) != 1 || a.Days[0].Holiday == "" || a.Days[0].Slots[0].State != booking.Closed {
				t.Fatalf("8 December is a holiday: %s", r.body)
			}
			r = c.do("GET", path+"?from=2027-06-01&days=31", "")
			r.status(t, http.StatusOK)
			r.json(t, &a)
			if len(a.Days) != 31 || a.Days[0].Slots[0].Start != "2027-06-01T09:00:00+02:00" {
				t.Fatalf("June is +02:00: %s", r.body)
			}
		})
		t.Run("held by you", func(t *testing.T) {
			m := e.login(marioCF, "Mario", "Rossi")
			m.do("POST", "/api/v1/holds", holdBodyJSON(e.desk, slotAt(11, 30), 1)).status(t, http.StatusCreated)
			var a availabilityJSON
			m.do("GET", path+"?from=2026-12-10&days=1", "").json(t, &a)
			if st := a.Days[0].Slots[5].State; st != booking.HeldByYou {
				t.Errorf("own hold: %s", st)
			}
			c.do("GET", path+"?from=2026-12-10&days=1", "").json(t, &a)
			if st := a.Days[0].Slots[5].State; st != booking.Taken {
				t.Errorf("someone else's hold: %s", st)
			}
		})
		for _, tc := range []struct {
			name, query string
			status      int
			field       string
		}{
			{"from not a date", "?from=domani", 422, "from"},
			{"from impossible date", "?from=2026-02-30", 422, "from"},
			{"from italian format", "?from=09/12/2026", 422, "from"},
			{"from too far", "?from=2099-01-01", 422, "from"},
			{"from too early", "?from=1970-01-01", 422, "from"},
			{"days zero", "?days=0", 422, "days"},
			{"days too many", "?days=32", 422, "days"},
			{"days not a number", "?days=sette", 422, "days"},
			{"days empty", "?days=", 422, "days"},
			{"both bad", "?from=x&days=-1", 422, "days"},
		} {
			t.Run(tc.name, func(t *testing.T) { c.do("GET", path+tc.query, "").problem(t, tc.status, tc.field) })
		}
		t.Run("group", func(t *testing.T) {
			c.do("GET", fmt.Sprintf("/api/v1/resources/%d/availability", e.group), "").problem(t, 422, "id")
		})
		t.Run("unknown", func(t *testing.T) {
			c.do("GET", "/api/v1/resources/999999/availability", "").problem(t, 404, "id")
			c.do("GET", "/api/v1/resources/x/availability", "").problem(t, 404, "id")
		})
	})
}

func TestHolds(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *env) {
		m := e.login(marioCF, "Mario", "Rossi")
		l := e.login(luigiCF, "Luigi", "Verdi")
		t.Run("unauthenticated", func(t *testing.T) {
			r := e.anon().do("POST", "/api/v1/holds", holdBodyJSON(e.desk, slotAt(10, 0), 1))
			r.problem(t, 401, "")
			if r.header.Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
		})
		for _, tc := range []struct {
			name, body string
			header     []string
			status     int
			field      string
		}{
			{"wrong content type", `{}`, []string{"Content-Type", "text/plain"}, 415, ""},
			{"form content type", `resource_id=1`, []string{"Content-Type", "application/x-www-form-urlencoded"}, 415, ""},
			{"too large", `{"start":"` + strings.Repeat("x", 70<<10) + `"}`, nil, 413, ""},
			{"syntax error", `{"resource_id":1,}`, nil, 400, ""},
			{"truncated", `{"resource_id":1`, nil, 400, ""},
			{"not an object", `[1,2]`, nil, 400, ""},
			{"trailing data", `{"resource_id":1} {}`, nil, 400, ""},
			{"slots not a number", `{"resource_id":1,"start":"2026-12-10T10:00:00+01:00","slots":"due"}`, nil, 400, "slots"},
			{"slots not an integer", `{"resource_id":1,"start":"2026-12-10T10:00:00+01:00","slots":1.5}`, nil, 400, "slots"},
			{"resource_id a string", `{"resource_id":"1","start":"2026-12-10T10:00:00+01:00"}`, nil, 400, "resource_id"},
			{"start a number", `{"resource_id":1,"start":20261210}`, nil, 400, "start"},
			{"unknown field", `{"resource_id":1,"start":"2026-12-10T10:00:00+01:00","seats":2}`, nil, 422, "seats"},
			{"missing resource", `{"start":"2026-12-10T10:00:00+01:00"}`, nil, 422, "resource_id"},
			{"missing start", fmt.Sprintf(`{"resource_id":%d}`, e.desk), nil, 422, "start"},
			{"start without offset", fmt.Sprintf(`{"resource_id":%d,"start":"2026-12-10T10:00:00"}`, e.desk), nil, 422, "start"},
			{"slots zero", holdBodyJSON(e.desk, slotAt(10, 0), 0), nil, 422, "slots"},
			{"slots over max", holdBodyJSON(e.desk, slotAt(10, 0), 3), nil, 422, "slots"},
			{"not a slot start", holdBodyJSON(e.desk, slotAt(10, 10), 1), nil, 422, "start"},
			{"past slot", holdBodyJSON(e.desk, "2026-12-09T09:00:00+01:00", 1), nil, 422, "start"},
			{"holiday", holdBodyJSON(e.desk, "2026-12-08T10:00:00+01:00", 1), nil, 422, "start"},
			{"past the day's end", holdBodyJSON(e.desk, slotAt(11, 30), 2), nil, 422, "slots"},
			{"group", holdBodyJSON(e.group, slotAt(10, 0), 1), nil, 422, "resource_id"},
			{"unknown resource", holdBodyJSON(999999, slotAt(10, 0), 1), nil, 404, "resource_id"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				m.do("POST", "/api/v1/holds", tc.body, tc.header...).problem(t, tc.status, tc.field)
			})
		}
		var h holdJSON
		t.Run("hold two slots", func(t *testing.T) {
			r := m.do("POST", "/api/v1/holds", holdBodyJSON(e.desk, slotAt(10, 0), 2))
			r.status(t, http.StatusCreated)
			r.json(t, &h)
			if h.ID == "" || h.Start != "2026-12-10T10:00:00+01:00" || h.End != "2026-12-10T11:00:00+01:00" || h.Slots != 2 ||
				h.ExpiresAt != "2026-12-09T09:10:00+01:00" || h.ResourceID != e.desk {
				t.Fatalf("hold: %s", r.body)
			}
		})
		t.Run("seat gone", func(t *testing.T) {
			l.do("POST", "/api/v1/holds", holdBodyJSON(e.desk, slotAt(10, 30), 1)).problem(t, 409, "")
		})
		t.Run("slots default to one", func(t *testing.T) {
			r := l.do("POST", "/api/v1/holds", fmt.Sprintf(`{"resource_id":%d,"start":%q}`, e.desk, slotAt(11, 0)))
			r.status(t, http.StatusCreated)
			var h2 holdJSON
			r.json(t, &h2)
			if h2.Slots != 1 {
				t.Errorf("slots: %s", r.body)
			}
		})
		t.Run("release", func(t *testing.T) {
			l.do("DELETE", "/api/v1/holds/"+h.ID, "").problem(t, 404, "")
			e.anon().do("DELETE", "/api/v1/holds/"+h.ID, "").problem(t, 401, "")
			m.do("DELETE", "/api/v1/holds/"+h.ID, "").status(t, http.StatusNoContent)
			m.do("DELETE", "/api/v1/holds/"+h.ID, "").problem(t, 404, "")
			m.do("DELETE", "/api/v1/holds/bad%20id", "").problem(t, 404, "id")
			// the seats are free at once
			l.do("POST", "/api/v1/holds", holdBodyJSON(e.desk, slotAt(10, 30), 1)).status(t, http.StatusCreated)
		})
	})
}

func TestBookings(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *env) {
		m := e.login(marioCF, "Mario", "Rossi")
		l := e.login(luigiCF, "Luigi", "Verdi")
		hold := func(c *client, start string) string {
			t.Helper()
			var h holdJSON
			r := c.do("POST", "/api/v1/holds", holdBodyJSON(e.desk, start, 1))
			r.status(t, http.StatusCreated)
			r.json(t, &h)
			return h.ID
		}
		lh := hold(l, slotAt(9, 0))
		confirm := func(holdID, fruitore string) string {
			return fmt.Sprintf(`{"hold_id":%q,"fruitore":%s,"motivazione":"Rinnovo carta d'identità","telefono":"333 7654321","nota":"","extra":{"primo":true}}`, holdID, fruitore)
		}
		t.Run("unauthenticated", func(t *testing.T) {
			e.anon().do("POST", "/api/v1/bookings", confirm(lh, luigi)).problem(t, 401, "")
		})
		for _, tc := range []struct {
			name, body string
			header     []string
			status     int
			field      string
		}{
			{"wrong content type", confirm(lh, luigi), []string{"Content-Type", "text/plain"}, 415, ""},
			{"syntax error", `{"hold_id":}`, nil, 400, ""},
			{"empty body", ` `, nil, 400, ""},
			{"nome not a string", confirm(lh, `{"nome":5}`), nil, 400, "fruitore.nome"},
			{"fruitore not an object", confirm(lh, `"Luigi"`), nil, 400, "fruitore"},
			{"unknown fruitore field", confirm(lh, `{"nome":"Luigi","eta":40}`), nil, 422, "fruitore.eta"},
			{"unknown field", `{"hold_id":"x","when":1}`, nil, 422, "when"},
			{"extra not scalar", `{"hold_id":"x","extra":{"primo":[1]}}`, nil, 400, "extra.primo"},
			{"extra not an object", `{"hold_id":"x","extra":[]}`, nil, 400, "extra"},
			{"missing hold", `{"motivazione":"x"}`, nil, 422, "hold_id"},
			{"unknown hold", confirm("nessuno", luigi), nil, 404, "hold_id"},
			{"bad birth date", confirm(lh, strings.Replace(luigi, "1980-01-01", "01/01/1980", 1)), nil, 422, "fruitore.data_nascita"},
			{"missing fruitore fields", confirm(lh, `{"nome":"Luigi"}`), nil, 422, "fruitore.cognome"},
			{"bad email", confirm(lh, strings.Replace(luigi, "luigi.verdi@example.it", "luigi", 1)), nil, 422, "fruitore.email"},
			{"missing motivazione", fmt.Sprintf(`{"hold_id":%q,"fruitore":%s,"telefono":"333 7654321"}`, lh, luigi), nil, 422, "motivazione"},
			{"unknown extra", fmt.Sprintf(`{"hold_id":%q,"fruitore":%s,"motivazione":"x","telefono":"333 7654321","extra":{"colore":"blu"}}`, lh, luigi), nil, 422, "extra.colore"},
			{"idempotency key too long", confirm(lh, luigi), []string{"Idempotency-Key", strings.Repeat("k", 201)}, 422, "Idempotency-Key"},
			// What no engine can store: the same 422 on both, before any write.
			{"NUL in nota", fmt.Sprintf(`{"hold_id":%q,"fruitore":%s,"motivazione":"x","telefono":"333 7654321","nota":"a\u0000b"}`, lh, luigi), nil, 422, "nota"},
			{"NUL in fruitore", confirm(lh, strings.Replace(luigi, `"Luigi"`, `"Lu\u0000igi"`, 1)), nil, 422, "fruitore.nome"},
			{"NUL in extra", fmt.Sprintf(`{"hold_id":%q,"fruitore":%s,"motivazione":"x","telefono":"333 7654321","extra":{"primo":"\u0000"}}`, lh, luigi), nil, 422, "extra.primo"},
			{"NUL in motivazione", fmt.Sprintf(`{"hold_id":%q,"fruitore":%s,"motivazione":"\u0000","telefono":"333 7654321"}`, lh, luigi), nil, 422, "motivazione"},
			{"idempotency key not UTF-8", confirm(lh, luigi), []string{"Idempotency-Key", "luigi-\xff"}, 422, "Idempotency-Key"},
			{"telefono a date", fmt.Sprintf(`{"hold_id":%q,"fruitore":%s,"motivazione":"x","telefono":"1970-02-30"}`, lh, luigi), nil, 422, "telefono"},
			{"fruitore.telefono a date", confirm(lh, strings.Replace(luigi, "333 7654321", "1970-02-30", 1)), nil, 422, "fruitore.telefono"},
			// Keys match exactly; unknown and repeated ones are refused, naming them.
			{"key in another case", `{"hold_id":"x","HOLD_ID":"y"}`, nil, 422, "HOLD_ID"},
			{"repeated key", fmt.Sprintf(`{"hold_id":%q,"hold_id":"altro"}`, lh), nil, 422, "hold_id"},
			{"repeated fruitore key", confirm(lh, `{"nome":"Luigi","nome":"Mario"}`), nil, 422, "fruitore.nome"},
			{"repeated extra key", fmt.Sprintf(`{"hold_id":%q,"extra":{"primo":true,"primo":false}}`, lh), nil, 422, "extra.primo"},
			{"nota not UTF-8", fmt.Sprintf("{\"hold_id\":%q,\"nota\":\"a\xffb\"}", lh), nil, 422, "nota"},
			{"fruitore not UTF-8", confirm(lh, "{\"nome\":\"Lu\xc3\"}"), nil, 422, "fruitore.nome"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				l.do("POST", "/api/v1/bookings", tc.body, tc.header...).problem(t, tc.status, tc.field)
			})
		}
		t.Run("birth date format named", func(t *testing.T) {
			r := l.do("POST", "/api/v1/bookings", confirm(lh, strings.Replace(luigi, "1980-01-01", "1980-02-30", 1)))
			p := r.problem(t, 422, "fruitore.data_nascita")
			if len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, "AAAA-MM-GG") {
				t.Errorf("want only the format of data_nascita: %s", r.body)
			}
		})
		t.Run("someone else's hold", func(t *testing.T) {
			m.do("POST", "/api/v1/bookings", confirm(lh, luigi)).problem(t, 404, "hold_id")
		})
		var b bookingJSON
		t.Run("confirm", func(t *testing.T) {
			r := l.do("POST", "/api/v1/bookings", confirm(lh, luigi), "Idempotency-Key", "luigi-1")
			r.status(t, http.StatusCreated)
			r.json(t, &b)
			if b.ID == "" || b.Code == "" || b.Status != booking.Confirmed || b.Start != "2026-12-10T09:00:00+01:00" || b.End != "2026-12-10T09:30:00+01:00" ||
				b.ResourceID != e.desk || b.ResourceName != "Sportello prove" || b.Presentante != luigiCF || b.Fruitore.CodiceFiscale != luigiCF ||
				b.Fruitore.Nome != "LUIGI" || b.Fruitore.DataNascita != (booking.Date{Year: 1980, Month: 1, Day: 1}) || b.Extra["primo"] == "" || b.CreatedAt == "" {
				t.Fatalf("booking: %s", r.body)
			}
			if loc := r.header.Get("Location"); loc != "/api/v1/bookings/"+b.ID {
				t.Errorf("Location %q", loc)
			}
		})
		t.Run("same key again", func(t *testing.T) {
			r := l.do("POST", "/api/v1/bookings", confirm(lh, luigi), "Idempotency-Key", "luigi-1")
			r.status(t, http.StatusOK)
			var again bookingJSON
			r.json(t, &again)
			if again.ID != b.ID || again.Code != b.Code {
				t.Fatalf("retry made another booking: %s", r.body)
			}
		})
		t.Run("certified identity", func(t *testing.T) {
			mh := hold(m, slotAt(9, 30))
			m.do("POST", "/api/v1/bookings", confirm(mh, luigi)).problem(t, 422, "fruitore.codice_fiscale")
			r := m.do("POST", "/api/v1/bookings", fmt.Sprintf(`{"hold_id":%q,"motivazione":"Rinnovo","telefono":"333 1234567"}`, mh))
			r.status(t, http.StatusCreated)
			var mb bookingJSON
			r.json(t, &mb)
			if mb.Fruitore.CodiceFiscale != marioCF || mb.Fruitore.Nome != "MARIO" {
				t.Fatalf("fruitore should be the certified one: %s", r.body)
			}
		})
		t.Run("hold expired", func(t *testing.T) {
			h := hold(l, slotAt(10, 0))
			e.clock.Add(11 * time.Minute)
			l.do("POST", "/api/v1/bookings", confirm(h, luigi)).problem(t, 410, "")
		})
		t.Run("list", func(t *testing.T) {
			r := l.do("GET", "/api/v1/bookings", "")
			r.status(t, http.StatusOK)
			var page bookingsJSON
			r.json(t, &page)
			if page.Total != 1 || page.Page != 1 || page.PerPage != booking.PerPage || len(page.Items) != 1 || page.Items[0].ID != b.ID {
				t.Fatalf("luigi's bookings: %s", r.body)
			}
			r = l.do("GET", "/api/v1/bookings?page=2", "")
			r.status(t, http.StatusOK)
			r.json(t, &page)
			if page.Total != 1 || len(page.Items) != 0 || page.Page != 2 {
				t.Fatalf("page 2: %s", r.body)
			}
			m.do("GET", "/api/v1/bookings", "").json(t, &page)
			if page.Total != 1 || page.Items[0].Presentante != marioCF {
				t.Fatalf("mario's bookings: %+v", page)
			}
		})
		for _, tc := range []struct{ name, query string }{
			{"page zero", "?page=0"}, {"page negative", "?page=-1"}, {"page not a number", "?page=uno"}, {"page huge", "?page=99999999999999999999"},
		} {
			t.Run("list "+tc.name, func(t *testing.T) { l.do("GET", "/api/v1/bookings"+tc.query, "").problem(t, 422, "page") })
		}
		t.Run("list unauthenticated", func(t *testing.T) { e.anon().do("GET", "/api/v1/bookings", "").problem(t, 401, "") })
		t.Run("get", func(t *testing.T) {
			r := l.do("GET", "/api/v1/bookings/"+b.ID, "")
			r.status(t, http.StatusOK)
			var got bookingJSON
			r.json(t, &got)
			if got.ID != b.ID || got.Code != b.Code {
				t.Fatalf("get: %s", r.body)
			}
			m.do("GET", "/api/v1/bookings/"+b.ID, "").problem(t, 404, "")
			e.anon().do("GET", "/api/v1/bookings/"+b.ID, "").problem(t, 401, "")
			l.do("GET", "/api/v1/bookings/nessuna", "").problem(t, 404, "")
			l.do("GET", "/api/v1/bookings/a.b", "").problem(t, 404, "id")
		})
		t.Run("cancel", func(t *testing.T) {
			m.do("DELETE", "/api/v1/bookings/"+b.ID, "").problem(t, 404, "")
			l.do("DELETE", "/api/v1/bookings/"+b.ID, "").status(t, http.StatusNoContent)
			l.do("DELETE", "/api/v1/bookings/"+b.ID, "").status(t, http.StatusNoContent)
			var page bookingsJSON
			l.do("GET", "/api/v1/bookings", "").json(t, &page)
			if page.Total != 0 {
				t.Errorf("total after cancelling: %d", page.Total)
			}
			// the seat is free again
			hold(m, slotAt(9, 0))
		})
		t.Run("cancel started", func(t *testing.T) {
			h := hold(l, slotAt(11, 30))
			var nb bookingJSON
			r := l.do("POST", "/api/v1/bookings", confirm(h, luigi))
			r.status(t, http.StatusCreated)
			r.json(t, &nb)
			e.clock.Add(27 * time.Hour) // 10 December, past 11:30
			l.do("DELETE", "/api/v1/bookings/"+nb.ID, "").problem(t, 409, "")
		})
	})
}

func TestSession(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *env) {
		c := e.anon()
		for _, tc := range []struct {
			name, body string
			status     int
			field      string
		}{
			{"cf too short", `{"codice_fiscale":"RSSMRA70","nome":"Mario","cognome":"Rossi"}`, 422, "codice_fiscale"},
			{"cf with symbols", `{"codice_fiscale":"RSSMRA70A01H501$","nome":"Mario","cognome":"Rossi"}`, 422, "codice_fiscale"},
			{"cf missing", `{"nome":"Mario","cognome":"Rossi"}`, 422, "codice_fiscale"},
			{"nome missing", `{"codice_fiscale":"RSSMRA70A01H501S","cognome":"Rossi"}`, 422, "nome"},
			{"cognome blank", `{"codice_fiscale":"RSSMRA70A01H501S","nome":"Mario","cognome":"  "}`, 422, "cognome"},
			{"nome too long", `{"codice_fiscale":"RSSMRA70A01H501S","nome":"` + strings.Repeat("a", 101) + `","cognome":"Rossi"}`, 422, "nome"},
			{"cf a number", `{"codice_fiscale":1,"nome":"Mario","cognome":"Rossi"}`, 400, "codice_fiscale"},
			{"unknown field", `{"codice_fiscale":"RSSMRA70A01H501S","nome":"Mario","cognome":"Rossi","password":"x"}`, 422, "password"},
		} {
			t.Run(tc.name, func(t *testing.T) { c.do("POST", "/api/v1/demo/login", tc.body).problem(t, tc.status, tc.field) })
		}
		t.Run("login and logout", func(t *testing.T) {
			r := c.do("POST", "/api/v1/demo/login", `{"codice_fiscale":"rssmra70a01h501s","nome":"Mario","cognome":"Rossi"}`)
			r.status(t, http.StatusOK)
			var id auth.Identity
			r.json(t, &id)
			if id.Subject != marioCF || id.Person == nil || id.Method != "demo" {
				t.Fatalf("identity: %s", r.body)
			}
			c.do("GET", "/api/v1/bookings", "").status(t, http.StatusOK)
			c.do("POST", "/api/v1/logout", "").status(t, http.StatusNoContent)
			c.do("GET", "/api/v1/bookings", "").problem(t, 401, "")
			c.do("POST", "/api/v1/logout", "").status(t, http.StatusNoContent)
		})
		t.Run("demo off", func(t *testing.T) {
			sessions := auth.NewManager(e.store.Sessions(), auth.Options{})
			h := sessions.Middleware(New(Config{Service: e.svc, Sessions: sessions}))
			w := httptest.NewRecorder()
			req := httptest.NewRequest("POST", "/api/v1/demo/login", strings.NewReader(`{"codice_fiscale":"RSSMRA70A01H501S","nome":"Mario","cognome":"Rossi"}`))
			req.Header.Set("Content-Type", "application/json")
			h.ServeHTTP(w, req)
			resp{w.Code, w.Header(), w.Body.Bytes()}.problem(t, 404, "")
		})
	})
}

// TestHTTP covers what needs no database: unknown paths and methods,
// cross-origin requests, the internal error and the problem mapping.
func TestHTTP(t *testing.T) {
	h := fakeAPI()
	check := func(t *testing.T, w *httptest.ResponseRecorder, status int) httperr.Problem {
		t.Helper()
		return resp{w.Code, w.Header(), w.Body.Bytes()}.problem(t, status, "")
	}
	t.Run("unknown path", func(t *testing.T) { check(t, do(h, mario, "GET", "/api/v1/nothing", "", ""), 404) })
	t.Run("method not allowed", func(t *testing.T) {
		w := do(h, mario, "PUT", "/api/v1/bookings/abc", "application/json", "{}")
		check(t, w, 405)
		if allow := w.Header().Get("Allow"); allow != "GET, DELETE, HEAD" {
			t.Errorf("Allow %q", allow)
		}
	})
	t.Run("cross-origin post", func(t *testing.T) {
		w := do(h, mario, "POST", "/api/v1/holds", "application/json", `{}`, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
		check(t, w, 403)
	})
	t.Run("head", func(t *testing.T) {
		if w := do(h, auth.Identity{}, "HEAD", "/api/v1/resources", "", ""); w.Code != 200 {
			t.Errorf("HEAD: %d", w.Code)
		}
	})
	t.Run("internal error logged, not shown", func(t *testing.T) {
		var log bytes.Buffer
		svc := booking.NewService(newFakeStore(), booking.Options{})
		h := New(Config{Service: svc, Demo: true, Logger: slog.New(slog.NewTextHandler(&log, nil))}) // no Sessions
		w := do(h, auth.Identity{}, "POST", "/api/v1/demo/login", "application/json", `{"codice_fiscale":"RSSMRA70A01H501S","nome":"M","cognome":"R"}`)
		check(t, w, 500)
		if strings.Contains(w.Body.String(), "Sessions") || !strings.Contains(log.String(), "Config.Sessions is nil") {
			t.Errorf("body %s, log %s", w.Body, &log)
		}
	})
	for _, tc := range []struct {
		err    error
		status int
		code   string
		shown  bool // the message is shown
	}{
		{booking.Invalid(booking.FieldError{Field: "x", Message: "m"}), 422, "invalid", true},
		{booking.Errorf(booking.ENotFound, "m"), 404, "not_found", true},
		{booking.Errorf(booking.EConflict, "m"), 409, "conflict", true},
		{booking.Errorf(booking.EGone, "m"), 410, "gone", true},
		{booking.Errorf(booking.EUnauthorized, "m"), 401, "unauthorized", true},
		{booking.Errorf(booking.EForbidden, "m"), 403, "forbidden", true},
		{booking.Errorf(booking.ETooMany, "m"), 429, "too_many", true},
		{booking.Internal(fmt.Errorf("db password wrong")), 500, "internal", false},
		{fmt.Errorf("plain secret"), 500, "internal", false},
	} {
		t.Run("map "+tc.code, func(t *testing.T) {
			p := problemFor(tc.err)
			if p.Status != tc.status || p.Code != tc.code || (p.Detail == "m") != tc.shown || strings.Contains(p.Detail, "secret") || strings.Contains(p.Detail, "password") {
				t.Errorf("%v → %+v", tc.err, p)
			}
		})
	}
}
