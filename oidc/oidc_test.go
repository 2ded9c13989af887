package oidc_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/testdb"
	"github.com/prenota/prenota/oidc"
)

// spidUser is a user of an OIDC proxy in front of SPID: the SPID
// attributes come as claims.
type spidUser struct{}

func (spidUser) ID() string                        { return "spid-user-1" }
func (spidUser) Userinfo([]string) ([]byte, error) { return []byte(`{"sub":"spid-user-1"}`), nil }

type spidClaims struct {
	*mockoidc.IDTokenClaims
	FiscalNumber string `json:"fiscal_number"`
	GivenName    string `json:"given_name"`
	FamilyName   string `json:"family_name"`
	Birthdate    string `json:"birthdate"`
	PlaceOfBirth string `json:"place_of_birth"`
	Email        string `json:"email"`
}

func (spidUser) Claims(_ []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	return &spidClaims{IDTokenClaims: base, FiscalNumber: "TINIT-FRRLCU92B29Z112V", GivenName: "Luca", FamilyName: "Ferrari",
		Birthdate: "1992-02-29", PlaceOfBirth: "Z112", Email: "luca.ferrari@example.it"}, nil
}

type env struct {
	m      *mockoidc.MockOIDC
	srv    *httptest.Server
	client *http.Client // does not follow redirects
}

func newEnv(t *testing.T, dialect string) *env {
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	store := testdb.Open(t, dialect)
	var h http.Handler = http.NotFoundHandler()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	sessions := auth.NewManager(store.Sessions(), auth.Options{})
	acc := auth.NewAccounts(auth.AccountsConfig{Sessions: sessions, Store: store, BaseURL: srv.URL, Logger: slog.New(slog.DiscardHandler)})
	cfg := m.Config()
	p, err := oidc.New(t.Context(), oidc.Config{Issuer: cfg.Issuer, ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret,
		BaseURL: srv.URL, Accounts: acc, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	p.Register(mux)
	acc.Register(mux)
	h = auth.Protect(sessions.Middleware(mux))
	jar, _ := cookiejar.New(nil)
	return &env{m: m, srv: srv, client: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (e *env) get(t *testing.T, u string) *http.Response {
	t.Helper()
	res, err := e.client.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

func TestLogin(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, d string) {
		e := newEnv(t, d)
		e.m.QueueUser(spidUser{})
		res := e.get(t, e.srv.URL+"/auth/oidc/login?next=/prenotazioni")
		if res.StatusCode != http.StatusFound {
			t.Fatalf("login: %s", res.Status)
		}
		authz, _ := url.Parse(res.Header.Get("Location"))
		q := authz.Query()
		if q.Get("code_challenge") == "" || q.Get("code_challenge_method") != "S256" || q.Get("nonce") == "" || q.Get("state") == "" || q.Get("response_type") != "code" {
			t.Fatalf("authorization request without PKCE/nonce/state: %s", authz)
		}
		// The provider redirects back with a code; mockoidc checks the
		// PKCE verifier at the token endpoint and signs the nonce into
		// the ID token.
		res = e.get(t, authz.String())
		cb, _ := url.Parse(res.Header.Get("Location"))
		if cb.Query().Get("state") != q.Get("state") {
			t.Fatalf("callback %s", cb)
		}
		res = e.get(t, cb.String())
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/prenotazioni" {
			t.Fatalf("callback: %s to %q", res.Status, res.Header.Get("Location"))
		}
		r2, _ := e.client.Get(e.srv.URL + "/auth/sessione")
		var id auth.Identity
		json.NewDecoder(r2.Body).Decode(&id)
		r2.Body.Close()
		want := booking.Person{Nome: "LUCA", Cognome: "FERRARI", DataNascita: booking.Date{Year: 1992, Month: 2, Day: 29}, Sesso: "M",
			NazioneNascita: "GERMANIA", CodiceFiscale: "FRRLCU92B29Z112V", Email: "luca.ferrari@example.it"}
		if id.Subject != "FRRLCU92B29Z112V" || id.Method != "oidc" || id.Person == nil || *id.Person != want {
			t.Errorf("identity %+v person %+v", id, id.Person)
		}
	})
}

func TestRefused(t *testing.T) {
	e := newEnv(t, "sqlite")
	start := func() *url.URL {
		res := e.get(t, e.srv.URL+"/auth/oidc/login")
		authz, _ := url.Parse(res.Header.Get("Location"))
		res = e.get(t, authz.String())
		cb, _ := url.Parse(res.Header.Get("Location"))
		return cb
	}
	for _, tc := range []struct {
		name   string
		change func(cb *url.URL)
	}{
		{"wrong state", func(cb *url.URL) { q := cb.Query(); q.Set("state", "forged"); cb.RawQuery = q.Encode() }},
		{"wrong code", func(cb *url.URL) { q := cb.Query(); q.Set("code", "forged"); cb.RawQuery = q.Encode() }},
		{"provider error", func(cb *url.URL) { cb.RawQuery = url.Values{"error": {"access_denied"}}.Encode() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.m.QueueUser(spidUser{})
			cb := start()
			tc.change(cb)
			if res := e.get(t, cb.String()); res.StatusCode != http.StatusForbidden {
				t.Errorf("callback: %s, want 403", res.Status)
			}
			if res := e.get(t, e.srv.URL+"/auth/sessione"); res.StatusCode != http.StatusUnauthorized {
				t.Errorf("session after a refused login: %s", res.Status)
			}
		})
	}
	t.Run("callback replayed", func(t *testing.T) {
		e.m.QueueUser(spidUser{})
		cb := start()
		if res := e.get(t, cb.String()); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("first: %s", res.Status)
		}
		e.client.Post(e.srv.URL+"/auth/logout", "", nil)
		if res := e.get(t, cb.String()); res.StatusCode != http.StatusForbidden {
			t.Errorf("replayed callback: %s, want 403", res.Status)
		}
	})
}
