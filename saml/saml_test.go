package saml_test

import (
	"encoding/base64"
	"html"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	gosaml "github.com/crewjam/saml"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/testdb"
)

// login runs a whole exchange and returns the ACS answer.
func (e *spEnv) login(t *testing.T, next string) *http.Response {
	t.Helper()
	action, fields := e.startLogin(t, next)
	acs, resp := e.idpAnswer(t, action, fields)
	return e.postACS(t, acs, resp)
}

func TestLogin(t *testing.T) {
	for _, d := range testdb.Dialects() {
		for _, name := range []string{"spid", "cie"} {
			t.Run(d+"/"+name, func(t *testing.T) {
				e := newSPEnv(t, d, name, nil)
				res := e.login(t, "/prenota?risorsa=3")
				res.Body.Close()
				if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/prenota?risorsa=3" {
					t.Fatalf("ACS: %s to %q; logs:\n%s", res.Status, res.Header.Get("Location"), e.logs)
				}
				id, ok := e.whoami(t)
				if !ok {
					t.Fatal("no session after the ACS")
				}
				if id.Subject != "BNCGLI85M55I304Q" || id.Method != name || id.IdP != e.idp.srv.URL+"/metadata" {
					t.Errorf("identity = %+v", id)
				}
				want := booking.Person{Nome: "GIULIA", Cognome: "BIANCHI", DataNascita: booking.Date{Year: 1985, Month: 8, Day: 15}, Sesso: "F",
					NazioneNascita: "ITALIA", ProvinciaNascita: "RN", ComuneNascita: "SANTARCANGELO DI ROMAGNA", CodiceFiscale: "BNCGLI85M55I304Q",
					Email: "giulia.bianchi@example.it", Telefono: "+393477654321"}
				if id.Person == nil || *id.Person != want {
					t.Errorf("person = %+v, want %+v", id.Person, want)
				}
				if !id.Certified() || id.FruitoreCF() != "BNCGLI85M55I304Q" {
					t.Errorf("certified %v, fruitore %q", id.Certified(), id.FruitoreCF())
				}
				es, err := e.store.AuditLog(t.Context(), auth.AuditFilter{Action: "login"})
				if err != nil || len(es) != 1 || es[0].Actor != "BNCGLI85M55I304Q" || es[0].Method != name || es[0].IP != "127.0.0.1" {
					t.Errorf("audit = %+v, %v", es, err)
				}
			})
		}
	}
}

// refused checks that the ACS refused the response and no session exists.
func refused(t *testing.T, e *spEnv, res *http.Response, why string) {
	t.Helper()
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Fatalf("ACS answered %s, want 403:\n%s", res.Status, b)
	}
	if !strings.Contains(html.UnescapeString(string(b)), "L'accesso non è riuscito") {
		t.Errorf("page without the Italian message:\n%s", b)
	}
	if !strings.Contains(strings.ToLower(e.logs.String()), why) {
		t.Errorf("refused, but not for %q:\n%s", why, e.logs)
	}
	if id, ok := e.whoami(t); ok {
		t.Errorf("session after a refused response: %+v", id)
	}
	es, _ := e.store.AuditLog(t.Context(), auth.AuditFilter{Action: "login_failed"})
	if !slices.ContainsFunc(es, func(a auth.AuditEntry) bool { return strings.Contains(strings.ToLower(a.Detail), why) }) {
		t.Errorf("refusal for %q not in the audit log", why)
	}
}

func TestRefused(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d+"/tampered", func(t *testing.T) {
			e := newSPEnv(t, d, "spid", nil)
			action, fields := e.startLogin(t, "/")
			acs, resp := e.idpAnswer(t, action, fields)
			raw, _ := base64.StdEncoding.DecodeString(resp.Get("SAMLResponse"))
			forged := strings.Replace(string(raw), "BNCGLI85M55I304Q", "RSSMRA70A01H501S", 1)
			if forged == string(raw) {
				t.Fatal("fiscalNumber not found in the response")
			}
			resp.Set("SAMLResponse", base64.StdEncoding.EncodeToString([]byte(forged)))
			refused(t, e, e.postACS(t, acs, resp), "signature")
		})
		t.Run(d+"/replayed", func(t *testing.T) {
			e := newSPEnv(t, d, "spid", nil)
			action, fields := e.startLogin(t, "/")
			acs, resp := e.idpAnswer(t, action, fields)
			binding := e.client.Jar.Cookies(mustURL(acs))
			res := e.postACS(t, acs, resp)
			res.Body.Close()
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("first use: %s\n%s", res.Status, e.logs)
			}
			e.client.Post(e.srv.URL+"/auth/logout", "", nil)
			e.client.Jar.SetCookies(mustURL(acs), binding) // the same browser posts it again
			refused(t, e, e.postACS(t, acs, resp), "not a pending request")
		})
		t.Run(d+"/another browser", func(t *testing.T) {
			// Login CSRF: a Response obtained in one browser, posted by
			// another (the victim's, made to submit the attacker's form),
			// with no login of its own or with one pending.
			e := newSPEnv(t, d, "spid", nil)
			action, fields := e.startLogin(t, "/")
			acs, resp := e.idpAnswer(t, action, fields)
			owner := e.client
			e.freshBrowser()
			refused(t, e, e.postACS(t, acs, resp), "did not start this login")
			e.freshBrowser()
			e.startLogin(t, "/") // this browser's own pending login
			refused(t, e, e.postACS(t, acs, resp), "made by another browser")
			// The pending request was not consumed: its browser logs in.
			e.client = owner
			accepted(t, e, e.postACS(t, acs, resp))
		})
		t.Run(d+"/replayed assertion under a new request", func(t *testing.T) {
			// The same signed assertion posted again is refused by the
			// one-time use check even when a request is pending.
			e := newSPEnv(t, d, "spid", nil)
			var assertionID atomic.Value
			e.idp.mutate = func(a *gosaml.Assertion) {
				if v := assertionID.Load(); v != nil {
					a.ID = v.(string) // the IdP re-issues an assertion ID it already used
				} else {
					assertionID.Store(a.ID)
				}
			}
			res := e.login(t, "/")
			res.Body.Close()
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("first login: %s\n%s", res.Status, e.logs)
			}
			e.client.Post(e.srv.URL+"/auth/logout", "", nil)
			refused(t, e, e.login(t, "/"), "already been used")
		})
		t.Run(d+"/expired", func(t *testing.T) {
			e := newSPEnv(t, d, "spid", nil)
			e.idp.mutate = func(a *gosaml.Assertion) {
				past := -2 * time.Hour
				a.IssueInstant = a.IssueInstant.Add(past)
				a.Conditions.NotBefore = a.Conditions.NotBefore.Add(past)
				a.Conditions.NotOnOrAfter = a.Conditions.NotOnOrAfter.Add(past)
				for i := range a.Subject.SubjectConfirmations {
					sc := a.Subject.SubjectConfirmations[i].SubjectConfirmationData
					sc.NotOnOrAfter = sc.NotOnOrAfter.Add(past)
				}
				for i := range a.AuthnStatements {
					a.AuthnStatements[i].AuthnInstant = a.AuthnStatements[i].AuthnInstant.Add(past)
				}
			}
			refused(t, e, e.login(t, "/"), "expired")
		})
		t.Run(d+"/wrong audience", func(t *testing.T) {
			e := newSPEnv(t, d, "spid", nil)
			e.idp.mutate = func(a *gosaml.Assertion) {
				a.Conditions.AudienceRestrictions = []gosaml.AudienceRestriction{{Audience: gosaml.Audience{Value: "https://altro-comune.example.it/metadata"}}}
			}
			refused(t, e, e.login(t, "/"), "audience")
		})
		t.Run(d+"/level too low", func(t *testing.T) {
			e := newSPEnv(t, d, "spid", nil)
			e.idp.level = "https://www.spid.gov.it/SpidL1"
			refused(t, e, e.login(t, "/"), "authncontext")
		})
	}
}

// The request ID expires with RequestTTL: a late answer is refused.
func TestLateAnswer(t *testing.T) {
	var skew atomic.Int64
	e := newSPEnv(t, "sqlite", "spid", func() time.Time { return time.Now().Add(time.Duration(skew.Load())) })
	action, fields := e.startLogin(t, "/")
	acs, resp := e.idpAnswer(t, action, fields)
	skew.Store(int64(20 * time.Minute))
	refused(t, e, e.postACS(t, acs, resp), "not a pending request")
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
