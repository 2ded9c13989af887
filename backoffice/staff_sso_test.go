package backoffice_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/prenota/prenota/app"
	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/testdb"
)

// spidPerson is a user of the test OIDC provider (an identity proxy in
// front of SPID and CIE): the SPID attributes come as claims.
type spidPerson struct{ p booking.Person }

func (u spidPerson) ID() string { return "spid-" + u.p.CodiceFiscale }
func (u spidPerson) Userinfo([]string) ([]byte, error) {
	return []byte(`{"sub":"` + u.ID() + `"}`), nil
}

type spidClaims struct {
	*mockoidc.IDTokenClaims
	FiscalNumber string `json:"fiscal_number"`
	GivenName    string `json:"given_name"`
	FamilyName   string `json:"family_name"`
	Birthdate    string `json:"birthdate"`
	Email        string `json:"email"`
}

func (u spidPerson) Claims(_ []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	return &spidClaims{IDTokenClaims: base, FiscalNumber: "TINIT-" + u.p.CodiceFiscale, GivenName: u.p.Nome, FamilyName: u.p.Cognome,
		Birthdate: u.p.DataNascita.String(), Email: u.p.Email}, nil
}

// startAppOIDC is startApp with login through a test OIDC provider.
func startAppOIDC(t *testing.T, dialect string) (*app.App, string, *mockoidc.MockOIDC) {
	t.Helper()
	m, err := mockoidc.Run()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Shutdown() })
	oc := m.Config()
	begin := time.Now()
	cfg := app.Config{Addr: "127.0.0.1:0", DatabaseURL: testdb.URL(t, dialect), BaseURL: "http://127.0.0.1", Demo: true,
		Now: func() time.Time { return monday.Add(time.Since(begin)) }}
	cfg.Identity.OIDCIssuer, cfg.Identity.OIDCClientID, cfg.Identity.OIDCClientSecret = oc.Issuer, oc.ClientID, oc.ClientSecret
	a, err := app.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() { srv.Close(); a.Close() })
	addStaff(t, a)
	return a, srv.URL, m
}

// spidLogin logs c in as p through the OIDC provider: the authorization
// request, the provider's redirect back with a code, and the callback that
// starts the session. The base URL of the app is http://127.0.0.1, so the
// callback is sent to the test server instead.
func spidLogin(t *testing.T, c *client, m *mockoidc.MockOIDC, p booking.Person) {
	t.Helper()
	m.QueueUser(spidPerson{p})
	res := c.get("/auth/oidc/login?next=/backoffice/")
	if res.status != http.StatusFound {
		t.Fatalf("oidc login: %d", res.status)
	}
	hc := c.c
	r, err := hc.Get(res.location)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	cb, _ := url.Parse(r.Header.Get("Location"))
	if cb.Path != "/auth/oidc/callback" {
		t.Fatalf("provider redirected to %s", cb)
	}
	res = c.get(cb.Path + "?" + cb.RawQuery)
	if res.status != http.StatusSeeOther || res.location != "/backoffice/" {
		t.Fatalf("callback: %d to %q\n%s", res.status, res.location, res.body)
	}
}

// TestStaffSPID: a person who logs in with a certified identity (SPID or
// CIE through the OIDC proxy) whose codice fiscale belongs to a staff
// account gets that account's role (an operatore only their resources);
// an unmapped citizen and a disabled account's codice fiscale get 403, and
// disabling the account ends the access of an open session (both engines).
func TestStaffSPID(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			a, base, m := startAppOIDC(t, dialect)
			rossi, bianchi, ferrari, damico := auth.DemoIdentities[0].Person, auth.DemoIdentities[1].Person, auth.DemoIdentities[2].Person, auth.DemoIdentities[3].Person
			admin := newClient(t, base)
			admin.login("admin")
			_, res := createResource(t, admin)
			want(t, "assign", admin.post("/backoffice/operatori/op1/risorse", url.Values{"risorsa": {res}}), http.StatusSeeOther)
			edit := func(login, name, cf, role string) {
				t.Helper()
				want(t, "edit "+login, admin.post("/backoffice/operatori/"+login, url.Values{"name": {name}, "email": {login + "@comune.demo.it"},
					"codice_fiscale": {cf}, "role": {role}}), http.StatusSeeOther)
			}
			edit("admin", "Mario Rossi", rossi.CodiceFiscale, "admin")
			edit("op1", "Luca Ferrari", ferrari.CodiceFiscale, "operatore")
			want(t, "op2", admin.post("/backoffice/operatori", url.Values{"login": {"op2"}, "name": {"Giulia Bianchi"}, "email": {"op2@comune.demo.it"},
				"codice_fiscale": {bianchi.CodiceFiscale}, "role": {"operatore"}, "password": {password}}), http.StatusSeeOther)
			want(t, "disable op2", admin.post("/backoffice/operatori/op2/disattiva", nil), http.StatusSeeOther)
			var other string
			rs, _ := a.Store.Resources(context.Background())
			for _, r := range rs {
				if id := strconv.FormatInt(r.ID, 10); r.Bookable && id != res {
					other = id
					break
				}
			}

			// The operatore, by SPID: their agenda, not another's, no admin page.
			op := newClient(t, base)
			spidLogin(t, op, m, ferrari)
			want(t, "operatore home", op.get("/backoffice/"), http.StatusOK, "LUCA FERRARI", `href="/backoffice/agenda/`+res+`"`)
			want(t, "own agenda", op.get("/backoffice/agenda/"+res), http.StatusOK)
			want(t, "other agenda", op.get("/backoffice/agenda/"+other), http.StatusForbidden)
			want(t, "admin page", op.get("/backoffice/risorse"), http.StatusForbidden)
			want(t, "counter booking form by SPID", op.post("/backoffice/agenda/"+res+"/prenota", url.Values{}), http.StatusUnprocessableEntity)

			// The admin, by SPID: every page.
			adm := newClient(t, base)
			spidLogin(t, adm, m, rossi)
			for _, path := range []string{"/backoffice/risorse", "/backoffice/operatori", "/backoffice/agenda/" + other, "/backoffice/audit?chi=rossi"} {
				want(t, "admin by SPID on "+path, adm.get(path), http.StatusOK)
			}
			want(t, "admin by SPID is self", adm.post("/backoffice/operatori/admin/disattiva", nil), http.StatusConflict, "Non può disattivare il proprio account")
			want(t, "audit by name", adm.get("/backoffice/audit?chi=mario+ross&azione=login"), http.StatusOK, "Mario Rossi (admin)", rossi.CodiceFiscale+"</span> (oidc)")

			// A citizen without a staff account, and a disabled account's CF.
			for _, p := range []booking.Person{damico, bianchi} {
				c := newClient(t, base)
				spidLogin(t, c, m, p)
				want(t, "certified "+p.Cognome, c.get("/backoffice/"), http.StatusForbidden, "riservato al personale")
				want(t, "certified "+p.Cognome+" agenda", c.get("/backoffice/agenda/"+res), http.StatusForbidden)
			}

			// Disabled, the operatore's SPID session loses access at once;
			// enabled again, it works.
			want(t, "disable op1", adm.post("/backoffice/operatori/op1/disattiva", nil), http.StatusSeeOther)
			want(t, "disabled SPID session", op.get("/backoffice/agenda/"+res), http.StatusForbidden)
			want(t, "enable op1", adm.post("/backoffice/operatori/op1/riattiva", nil), http.StatusSeeOther)
			want(t, "enabled SPID session", op.get("/backoffice/agenda/"+res), http.StatusOK)
			// Its codice fiscale removed, the person is a citizen again.
			edit("op1", "Luca Ferrari", "", "operatore")
			want(t, "unmapped SPID session", op.get("/backoffice/"), http.StatusForbidden)
			if !strings.Contains(strings.Join(staffAudit(t, a.Store, "staff_updated", "op1"), "\n"), "codice fiscale: "+ferrari.CodiceFiscale+" → (nessuno)") {
				t.Error("the removal of the codice fiscale is not audited")
			}
		})
	}
}
