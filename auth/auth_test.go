package auth_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"maragu.dev/goqite"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/internal/testdb"
	"github.com/prenota/prenota/sqlstore"
)

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

type env struct {
	store  *sqlstore.Store
	acc    *auth.Accounts
	srv    *httptest.Server
	clock  *clock
	client *http.Client
}

func newEnv(t *testing.T, dialect string, limits *auth.RateLimits) *env {
	t.Helper()
	e := &env{store: testdb.Open(t, dialect), clock: &clock{t: time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)}}
	var h http.Handler = http.NotFoundHandler()
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)
	sessions := auth.NewManager(e.store.Sessions(), auth.Options{})
	e.acc = auth.NewAccounts(auth.AccountsConfig{Sessions: sessions, Store: e.store, BaseURL: e.srv.URL, Demo: true, Limits: limits,
		Lockout: auth.Lockout{AccountThreshold: 3, IPThreshold: 10, Base: time.Minute, Max: 10 * time.Minute, ResetAfter: 15 * time.Minute},
		Now:     e.clock.now, Logger: slog.New(slog.DiscardHandler)})
	mux := http.NewServeMux()
	e.acc.Register(mux)
	mux.Handle("POST /api/v1/holds", auth.Middleware(limits.Hold)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(201) })))
	h = auth.Protect(sessions.Middleware(e.acc.Recheck(mux)))
	e.client = e.newClient()
	u, err := auth.NewUser("sportello.caf", "Anna Verdi", "anna.verdi@caf.example.it", "", auth.RoleTerzo, "una password lunga e segreta")
	if err != nil {
		t.Fatal(err)
	}
	if err := e.acc.AddUser(t.Context(), u, "cli"); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) newClient() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (e *env) post(t *testing.T, c *http.Client, path string, form url.Values, hdr ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(b)
}

func (e *env) whoami(t *testing.T, c *http.Client) (auth.Identity, bool) {
	t.Helper()
	res, err := c.Get(e.srv.URL + "/auth/sessione")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var id auth.Identity
	json.NewDecoder(res.Body).Decode(&id)
	return id, res.StatusCode == 200
}

func sessionCookie(c *http.Client, base string) string {
	u, _ := url.Parse(base)
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "prenota_session" {
			return ck.Value
		}
	}
	return ""
}

func TestSessionLifecycle(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, d string) {
		e := newEnv(t, d, nil)
		// A session exists before login (conto terzi form, flash…).
		e.post(t, e.client, "/auth/logout", nil)
		e.client.Get(e.srv.URL + "/auth/password")
		e.acc.Sessions() // touch
		res, body := e.post(t, e.client, "/auth/demo", url.Values{"codice_fiscale": {"BNCGLI85M55I304Q"}})
		before := sessionCookie(e.client, e.srv.URL)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("demo login: %s %s", res.Status, body)
		}
		res, body = e.post(t, e.client, "/auth/password", url.Values{"login": {"Sportello.CAF"}, "password": {"una password lunga e segreta"}, "next": {"/prenota"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/prenota" {
			t.Fatalf("password login: %s %s", res.Status, body)
		}
		after := sessionCookie(e.client, e.srv.URL)
		if after == "" || after == before {
			t.Errorf("session token not renewed at login: before %q after %q", before, after)
		}
		c := res.Cookies()
		for _, ck := range c {
			if ck.Name == "prenota_session" && (!ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode) {
				t.Errorf("cookie %+v: want HttpOnly, SameSite=Lax", ck)
			}
		}
		id, ok := e.whoami(t, e.client)
		if !ok || id.Subject != "utente:sportello.caf" || id.Role != auth.RoleTerzo || id.Method != "password" || id.Nome != "ANNA" {
			t.Fatalf("identity %+v", id)
		}
		// Logout ends the session server-side: the old cookie no
		// longer authenticates, even replayed by another client.
		stolen := e.newClient()
		u, _ := url.Parse(e.srv.URL)
		stolen.Jar.SetCookies(u, []*http.Cookie{{Name: "prenota_session", Value: after}})
		if _, ok := e.whoami(t, stolen); !ok {
			t.Fatal("copied cookie does not authenticate before logout")
		}
		res, _ = e.post(t, e.client, "/auth/logout", url.Values{"next": {"https://evil.example/"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
			t.Errorf("logout: %s to %q (open redirect?)", res.Status, res.Header.Get("Location"))
		}
		if _, ok := e.whoami(t, stolen); ok {
			t.Error("the old session cookie still authenticates after logout")
		}
		if _, ok := e.whoami(t, e.client); ok {
			t.Error("still logged in after logout")
		}
		es, _ := e.store.AuditLog(t.Context(), auth.AuditFilter{})
		var actions []string
		for _, e := range es {
			actions = append(actions, e.Action)
		}
		if got := strings.Join(actions, ","); got != "user_created,login,login,logout" {
			t.Errorf("audit actions %s", got)
		}
	})
}

func TestCrossSitePostRefused(t *testing.T) {
	e := newEnv(t, "sqlite", nil)
	form := url.Values{"login": {"sportello.caf"}, "password": {"una password lunga e segreta"}}
	res, body := e.post(t, e.client, "/auth/password", form, "Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site")
	if res.StatusCode != http.StatusForbidden || !strings.Contains(body, "un altro sito") {
		t.Errorf("cross-site POST: %s %s", res.Status, body)
	}
	if _, ok := e.whoami(t, e.client); ok {
		t.Error("cross-site login succeeded")
	}
	res, _ = e.post(t, e.client, "/auth/password", form, "Origin", e.srv.URL, "Sec-Fetch-Site", "same-origin")
	if res.StatusCode != http.StatusSeeOther {
		t.Errorf("same-origin POST: %s", res.Status)
	}
}

func TestLockout(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, d string) {
		e := newEnv(t, d, nil)
		bad := url.Values{"login": {"sportello.caf"}, "password": {"sbagliata"}}
		good := url.Values{"login": {"sportello.caf"}, "password": {"una password lunga e segreta"}}
		for i := 1; i <= 2; i++ {
			res, body := e.post(t, e.client, "/auth/password", bad)
			if res.StatusCode != http.StatusUnauthorized || !strings.Contains(body, "password non corretti") {
				t.Fatalf("failure %d: %s %s", i, res.Status, body)
			}
		}
		// The third failure locks the account for Base (1 minute).
		res, body := e.post(t, e.client, "/auth/password", bad)
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "60" || !strings.Contains(body, "Riprovi tra 1 minuto") {
			t.Fatalf("third failure: %s Retry-After %q\n%s", res.Status, res.Header.Get("Retry-After"), body)
		}
		// Locked: even the right password is refused, in Italian, with
		// when to retry (JSON clients get problem+json).
		e.clock.add(30 * time.Second)
		res, body = e.post(t, e.client, "/auth/password", good, "Accept", "application/json")
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "30" || !strings.Contains(body, "Troppi tentativi di accesso") || !strings.Contains(body, "30 secondi") {
			t.Fatalf("locked: %s Retry-After %q %s", res.Status, res.Header.Get("Retry-After"), body)
		}
		// Another failure after the lock doubles it.
		e.clock.add(31 * time.Second)
		res, body = e.post(t, e.client, "/auth/password", bad)
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "120" {
			t.Fatalf("fourth failure: %s %q %s", res.Status, res.Header.Get("Retry-After"), body)
		}
		// After ResetAfter without failures the count starts again.
		e.clock.add(15 * time.Minute)
		res, body = e.post(t, e.client, "/auth/password", good)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("after the reset period: %s %s", res.Status, body)
		}
		n, _, _ := e.store.LoginFailures(t.Context(), "account:sportello.caf")
		if n != 0 {
			t.Errorf("failures after success = %d", n)
		}
		es, _ := e.store.AuditLog(t.Context(), auth.AuditFilter{Action: auth.AuditLoginFailed})
		ls, _ := e.store.AuditLog(t.Context(), auth.AuditFilter{Action: auth.AuditLoginLocked})
		if len(es) != 4 || len(ls) != 1 || es[0].IP != "127.0.0.1" || es[0].Target != "sportello.caf" {
			t.Errorf("audit: %d failed, %d locked: %+v", len(es), len(ls), es)
		}
	})
}

func TestRateLimits(t *testing.T) {
	now := time.Date(2026, 3, 10, 9, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clk := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	limits := auth.NewRateLimits(true, auth.RateLimitOptions{LoginPerMinute: 6, LoginBurst: 2, HoldPerMinute: 60, HoldBurst: 3, Now: clk})
	e := newEnv(t, "sqlite", limits)
	bad := url.Values{"login": {"nessuno"}, "password": {"x"}}
	for i := 0; i < 2; i++ {
		if res, _ := e.post(t, e.client, "/auth/password", bad); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("attempt %d: %s", i, res.Status)
		}
	}
	res, body := e.post(t, e.client, "/auth/password", bad)
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") != "10" || !strings.Contains(body, "attenda 10 secondi") {
		t.Fatalf("over the login limit: %s %q %s", res.Status, res.Header.Get("Retry-After"), body)
	}
	mu.Lock()
	now = now.Add(10 * time.Second)
	mu.Unlock()
	// (another login: this one's third failure would lock it)
	if res, _ := e.post(t, e.client, "/auth/password", url.Values{"login": {"altro"}, "password": {"x"}}); res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("after refill: %s", res.Status)
	}
	// Holds: per identity.
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	e.post(t, e.client, "/auth/demo", url.Values{"codice_fiscale": {"RSSMRA70A01H501S"}})
	for i := 0; i < 3; i++ {
		if res, body := e.post(t, e.client, "/api/v1/holds", nil); res.StatusCode != 201 {
			t.Fatalf("hold %d: %s %s", i, res.Status, body)
		}
	}
	res, body = e.post(t, e.client, "/api/v1/holds", nil)
	if res.StatusCode != 429 || res.Header.Get("Retry-After") != "1" || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") || !strings.Contains(body, "Troppe richieste") {
		t.Errorf("over the hold limit: %s %q %s", res.Status, res.Header.Get("Retry-After"), body)
	}
	// Disabled limits limit nothing.
	off := auth.NewRateLimits(false, auth.RateLimitOptions{LoginPerMinute: 1, LoginBurst: 1})
	r := httptest.NewRequest("POST", "/auth/password", nil)
	for i := 0; i < 5; i++ {
		if err := off.Login(r); err != nil {
			t.Fatal(err)
		}
	}
}

func TestContoTerzi(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, d string) {
		e := newEnv(t, d, nil)
		e.post(t, e.client, "/auth/password", url.Values{"login": {"sportello.caf"}, "password": {"una password lunga e segreta"}})
		res, body := e.post(t, e.client, "/auth/conto-terzi", url.Values{"codice_fiscale": {"rssmra70a01h501x"}}, "Accept", "application/json")
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"field":"codice_fiscale"`) {
			t.Fatalf("bad CF: %s %s", res.Status, body)
		}
		res, _ = e.post(t, e.client, "/auth/conto-terzi", url.Values{"codice_fiscale": {"rssmra 70a01 h501s"}, "next": {"/prenota"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/prenota" {
			t.Fatalf("start: %s", res.Status)
		}
		id, _ := e.whoami(t, e.client)
		if id.Impersonating != "RSSMRA70A01H501S" || id.FruitoreCF() != "RSSMRA70A01H501S" || id.Subject != "utente:sportello.caf" {
			t.Fatalf("impersonating: %+v", id)
		}
		e.post(t, e.client, "/auth/conto-terzi", url.Values{"codice_fiscale": {"BNCGLI85M55I304Q"}})
		res, _ = e.post(t, e.client, "/auth/conto-terzi/fine", nil)
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("stop: %s", res.Status)
		}
		if id, _ := e.whoami(t, e.client); id.Impersonating != "" {
			t.Fatalf("still impersonating %q", id.Impersonating)
		}
		es, _ := e.store.AuditLog(t.Context(), auth.AuditFilter{Actor: "utente:sportello.caf"})
		var got []string
		for _, x := range es {
			if strings.HasPrefix(x.Action, "impersonation") {
				got = append(got, x.Action+" "+x.Target)
				if x.IP != "127.0.0.1" || x.Method != "password" || x.At.IsZero() {
					t.Errorf("entry %+v", x)
				}
			}
		}
		want := "impersonation_start RSSMRA70A01H501S,impersonation_stop RSSMRA70A01H501S,impersonation_start BNCGLI85M55I304Q,impersonation_stop BNCGLI85M55I304Q"
		if strings.Join(got, ",") != want {
			t.Errorf("audit:\n%s\nwant\n%s", strings.Join(got, ","), want)
		}
		// Without a session: 401.
		if res, _ := e.post(t, e.newClient(), "/auth/conto-terzi", url.Values{"codice_fiscale": {"RSSMRA70A01H501S"}}, "Accept", "application/json"); res.StatusCode != 401 {
			t.Errorf("anonymous: %s", res.Status)
		}
	})
}

func TestPasswordReset(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, d string) {
		e := newEnv(t, d, nil)
		res, body := e.post(t, e.client, "/auth/recupera-password", url.Values{"login": {"nessuno"}})
		if res.StatusCode != 200 || !strings.Contains(body, "riceverà a breve") {
			t.Fatalf("unknown login: %s", res.Status)
		}
		res, body2 := e.post(t, e.client, "/auth/recupera-password", url.Values{"login": {"anna.verdi@caf.example.it"}})
		if res.StatusCode != 200 || body2 != body {
			t.Fatalf("the answer tells whether the account exists")
		}
		m, err := e.store.Outbox().Receive(t.Context())
		if err != nil || m == nil {
			t.Fatalf("no outbox message: %v", err)
		}
		var msg auth.PasswordResetMessage
		json.Unmarshal(m.Body, &msg)
		if msg.Kind != "password_reset" || msg.To != "anna.verdi@caf.example.it" || msg.Login != "sportello.caf" || !strings.HasPrefix(msg.Link, e.srv.URL+"/auth/recupera-password/nuova?token=") {
			t.Fatalf("message %+v", msg)
		}
		if m2, _ := e.store.Outbox().Receive(t.Context()); m2 != nil {
			t.Errorf("a second message: %s", m2.Body)
		}
		link, _ := url.Parse(msg.Link)
		token := link.Query().Get("token")
		if res, _ := e.post(t, e.client, "/auth/recupera-password/nuova", url.Values{"token": {token}, "password": {"corta"}}); res.StatusCode != 422 {
			t.Errorf("weak password: %s", res.Status)
		}
		if res, body := e.post(t, e.client, "/auth/recupera-password/nuova", url.Values{"token": {token}, "password": {"la nuova password segreta"}}); res.StatusCode != 200 {
			t.Fatalf("reset: %s %s", res.Status, body)
		}
		if res, _ := e.post(t, e.client, "/auth/recupera-password/nuova", url.Values{"token": {token}, "password": {"un'altra password ancora"}}); res.StatusCode != http.StatusGone {
			t.Errorf("token used twice: %s", res.Status)
		}
		if res, _ := e.post(t, e.client, "/auth/password", url.Values{"login": {"sportello.caf"}, "password": {"la nuova password segreta"}}); res.StatusCode != http.StatusSeeOther {
			t.Errorf("login with the new password: %s", res.Status)
		}
		// Expired tokens do not work.
		e.post(t, e.client, "/auth/recupera-password", url.Values{"login": {"sportello.caf"}})
		m, _ = e.store.Outbox().Receive(t.Context())
		json.Unmarshal(m.Body, &msg)
		link, _ = url.Parse(msg.Link)
		e.clock.add(31 * time.Minute)
		if res, _ := e.post(t, e.client, "/auth/recupera-password/nuova", url.Values{"token": {link.Query().Get("token")}, "password": {"la terza password segreta"}}); res.StatusCode != http.StatusGone {
			t.Errorf("expired token: %s", res.Status)
		}
	})
}

var _ = goqite.Message{}

// TestLoginNotStorable: a login or password that no engine can store (NUL,
// invalid UTF-8) is a 422 with the form and its message on both engines,
// before the database is asked; so is any other auth form's field.
func TestLoginNotStorable(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, d string) {
		e := newEnv(t, d, nil)
		for _, login := range []string{"sportello\x00caf", "sportello\xffcaf"} {
			res, body := e.post(t, e.client, "/auth/password", url.Values{"login": {login}, "password": {"una password lunga e segreta"}})
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "carattere non ammesso") || !strings.Contains(body, `name="login"`) {
				t.Errorf("login %q: %s\n%s", login, res.Status, body)
			}
		}
		res, body := e.post(t, e.client, "/auth/recupera-password", url.Values{"login": {"a\x00"}})
		if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, "carattere non ammesso") {
			t.Errorf("password recovery: %s\n%s", res.Status, body)
		}
		// The account is untouched: the right password still works.
		res, body = e.post(t, e.client, "/auth/password", url.Values{"login": {"sportello.caf"}, "password": {"una password lunga e segreta"}, "next": {"/prenota"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Errorf("good login after: %s\n%s", res.Status, body)
		}
	})
}
