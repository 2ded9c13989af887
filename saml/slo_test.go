package saml_test

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	gosaml "github.com/crewjam/saml"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/internal/testdb"
)

// loggedIn logs the test identity in through the IdP and returns it.
func (e *spEnv) loggedIn(t *testing.T) auth.Identity {
	t.Helper()
	res := e.login(t, "/")
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("login: %s\n%s", res.Status, e.logs)
	}
	id, ok := e.whoami(t)
	if !ok || id.SAML == nil || id.SAML.NameID == "" || id.SAML.SessionIndex == "" {
		t.Fatalf("session without its SAML NameID and SessionIndex: %+v", id)
	}
	return id
}

// crossSite sends a request as a page of the IdP's origin makes the
// browser send it; client nil: a browser that sends no cookie (the
// session cookie is SameSite=Lax).
func (e *spEnv) crossSite(t *testing.T, client *http.Client, method, target string, form url.Values) (*http.Response, string) {
	t.Helper()
	if client == nil {
		client = &http.Client{}
	}
	req, _ := http.NewRequest(method, target, strings.NewReader(form.Encode()))
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	req.Header.Set("Origin", e.idp.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	c := *client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	return res, string(b)
}

// idpLogoutRequest is a LogoutRequest of the test IdP for id, signed by s
// (nil: unsigned).
func (e *spEnv) idpLogoutRequest(t *testing.T, id auth.Identity, s *signer) (string, url.Values) {
	t.Helper()
	b := make([]byte, 16)
	rand.Read(b)
	lr := gosaml.LogoutRequest{ID: "_" + hex.EncodeToString(b), Version: "2.0", IssueInstant: time.Now().UTC().Truncate(time.Second),
		Destination:  e.srv.URL + "/auth/spid/slo",
		Issuer:       &gosaml.Issuer{Format: "urn:oasis:names:tc:SAML:2.0:nameid-format:entity", Value: e.idp.srv.URL + "/metadata"},
		NameID:       &gosaml.NameID{Format: transient, NameQualifier: id.SAML.NameQualifier, Value: id.SAML.NameID},
		SessionIndex: &gosaml.SessionIndex{Value: id.SAML.SessionIndex}}
	el := lr.Element()
	if s != nil {
		s.sign(t, el)
	}
	m := message{root: el}
	m.doc = etreeDoc(el)
	return lr.ID, url.Values{"SAMLRequest": {m.encode(t)}, "RelayState": {"stato-idp"}}
}

func TestSingleLogout(t *testing.T) {
	for _, d := range testdb.Dialects() {
		e := newSPEnv(t, d, "spid", nil)
		t.Run(d+"/started here", func(t *testing.T) {
			e.freshBrowser()
			id := e.loggedIn(t)
			res, err := e.client.PostForm(e.srv.URL+"/auth/spid/logout", nil)
			if err != nil {
				t.Fatal(err)
			}
			page, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if _, ok := e.whoami(t); ok {
				t.Error("the local session outlives the logout")
			}
			action, fields := form(t, string(page))
			if action != e.idp.srv.URL+"/slo" {
				t.Fatalf("LogoutRequest posted to %q, want the IdP's SingleLogoutService", action)
			}
			lr := parseMessage(t, fields.Get("SAMLRequest")).root
			if lr.Tag != "LogoutRequest" {
				t.Fatalf("posted <%s>", lr.Tag)
			}
			checkSignature(t, lr, e.spCert)
			attr(t, child(t, lr, "Issuer"), "Format", entityFmt)
			nid := child(t, lr, "NameID")
			attr(t, nid, "Format", transient)
			if nid.SelectAttrValue("NameQualifier", "") == "" || child(t, lr, "SessionIndex").Text() == "" {
				t.Error("LogoutRequest without NameQualifier or SessionIndex")
			}

			// The IdP (crewjam's samlidp) ends its session and answers.
			acs, answer := e.idpAnswer(t, action, fields)
			if acs != e.srv.URL+"/auth/spid/slo" || answer.Get("SAMLResponse") == "" {
				t.Fatalf("IdP answered to %q with %v", acs, answer)
			}
			e.idp.mu.Lock()
			got := e.idp.logouts
			e.idp.mu.Unlock()
			if len(got) == 0 || got[len(got)-1].NameID.Value != id.SAML.NameID {
				t.Errorf("the IdP did not accept a LogoutRequest for NameID %s: %+v", id.SAML.NameID, got)
			}
			res, _ = e.crossSite(t, nil, http.MethodPost, acs, answer)
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
				t.Fatalf("LogoutResponse: %s to %q; logs:\n%s", res.Status, res.Header.Get("Location"), e.logs)
			}
			// It ended that request: the same answer again is refused.
			res, _ = e.crossSite(t, nil, http.MethodPost, acs, answer)
			if res.StatusCode != http.StatusForbidden || !strings.Contains(e.logs.String(), "not a pending LogoutRequest") {
				t.Errorf("replayed LogoutResponse: %s; logs:\n%s", res.Status, e.logs)
			}
		})
		t.Run(d+"/started at the IdP", func(t *testing.T) {
			e.freshBrowser()
			id := e.loggedIn(t)
			reqID, f := e.idpLogoutRequest(t, id, &signer{e.idp.key, e.idp.cert})
			// The IdP's page posts it: cross-site, without the session cookie.
			res, page := e.crossSite(t, nil, http.MethodPost, e.srv.URL+"/auth/spid/slo", f)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("LogoutRequest: %s\n%s\n%s", res.Status, page, e.logs)
			}
			if who, ok := e.whoami(t); ok {
				t.Errorf("session alive after the IdP's LogoutRequest: %+v", who)
			}
			action, fields := form(t, page)
			if action != e.idp.srv.URL+"/slo" || fields.Get("RelayState") != "stato-idp" {
				t.Errorf("LogoutResponse posted to %q with RelayState %q", action, fields.Get("RelayState"))
			}
			resp := parseMessage(t, fields.Get("SAMLResponse")).root
			if resp.Tag != "LogoutResponse" || resp.SelectAttrValue("InResponseTo", "") != reqID {
				t.Fatalf("answer <%s InResponseTo=%q>, want a LogoutResponse to %s", resp.Tag, resp.SelectAttrValue("InResponseTo", ""), reqID)
			}
			checkSignature(t, resp, e.spCert)
			attr(t, resp.FindElement("./Status/StatusCode"), "Value", gosaml.StatusSuccess)
			// The same LogoutRequest again is refused (one-time use).
			if res, _ := e.crossSite(t, nil, http.MethodPost, e.srv.URL+"/auth/spid/slo", f); res.StatusCode != http.StatusForbidden {
				t.Errorf("replayed LogoutRequest: %s", res.Status)
			}
		})
		foreignKey, foreignCert := selfSigned(t, 2048, "altro-idp")
		idpKey := &signer{e.idp.key, e.idp.cert}
		for _, tc := range []struct {
			name    string
			by      *signer
			doctype bool
			why     string
		}{
			{"unsigned", nil, false, "signature"},
			{"signed by another key", &signer{foreignKey, foreignCert}, false, "certificate"},
			{"signed, with a DOCTYPE", idpKey, true, "doctype"},
		} {
			t.Run(d+"/LogoutRequest "+tc.name, func(t *testing.T) {
				e.freshBrowser()
				e.loggedIn(t)
				_, f := e.idpLogoutRequest(t, mustIdentity(t, e), tc.by)
				if tc.doctype {
					raw, _ := base64.StdEncoding.DecodeString(f.Get("SAMLRequest"))
					f.Set("SAMLRequest", base64.StdEncoding.EncodeToString(append([]byte(`<!DOCTYPE LogoutRequest [<!ENTITY e "x">]>`), raw...)))
				}
				res, page := e.crossSite(t, e.client, http.MethodPost, e.srv.URL+"/auth/spid/slo", f)
				if res.StatusCode != http.StatusForbidden || !strings.Contains(page, "la sessione non è stata chiusa") {
					t.Errorf("answered %s:\n%s", res.Status, page)
				}
				if !strings.Contains(strings.ToLower(e.logs.String()), tc.why) {
					t.Errorf("refused, but not for %q:\n%s", tc.why, e.logs)
				}
				if _, ok := e.whoami(t); !ok {
					t.Error("the session was ended by a LogoutRequest that is not the IdP's")
				}
			})
		}
		t.Run(d+"/cross-site GET and POST", func(t *testing.T) {
			e.freshBrowser()
			e.loggedIn(t)
			// A link or image on another site: the browser sends the Lax
			// session cookie with a top-level GET.
			res, _ := e.crossSite(t, e.client, http.MethodGet, e.srv.URL+"/auth/spid/slo", nil)
			if res.StatusCode != http.StatusSeeOther {
				t.Errorf("GET /auth/spid/slo: %s", res.Status)
			}
			// A form on another site posting to the logout start.
			res, _ = e.crossSite(t, e.client, http.MethodPost, e.srv.URL+"/auth/spid/logout", nil)
			if res.StatusCode != http.StatusForbidden {
				t.Errorf("cross-site POST /auth/spid/logout: %s, want 403", res.Status)
			}
			if _, ok := e.whoami(t); !ok {
				t.Error("a cross-site request logged the citizen out")
			}
		})
	}
}

func mustIdentity(t *testing.T, e *spEnv) auth.Identity {
	t.Helper()
	id, ok := e.whoami(t)
	if !ok {
		t.Fatal("not logged in")
	}
	return id
}
