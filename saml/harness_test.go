package saml_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"math/big"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	gosaml "github.com/crewjam/saml"
	"github.com/crewjam/saml/samlidp"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/internal/testdb"
	"github.com/prenota/prenota/saml"
	"github.com/prenota/prenota/sqlstore"
)

// testIdP is an in-process SAML IdP (crewjam's samlidp) on loopback that
// authenticates everyone as the user in attrs, at level SpidL2.
type testIdP struct {
	srv     *httptest.Server
	idp     *samlidp.Server
	key     *rsa.PrivateKey // signs the IdP's messages
	cert    *x509.Certificate
	mu      sync.Mutex
	attrs   map[string]string
	level   string
	mutate  func(*gosaml.Assertion) // changes the assertion before it is signed
	last    *gosaml.AuthnRequest    // the last AuthnRequest received
	logouts []gosaml.LogoutRequest  // the LogoutRequests received and accepted
}

func (t *testIdP) GetSession(w http.ResponseWriter, r *http.Request, req *gosaml.IdpAuthnRequest) *gosaml.Session {
	t.mu.Lock()
	defer t.mu.Unlock()
	reqCopy := req.Request
	t.last = &reqCopy
	now := time.Now()
	s := &gosaml.Session{ID: randID(), CreateTime: now, ExpireTime: now.Add(time.Hour), Index: randID(),
		NameID: randID(), NameIDFormat: string(gosaml.TransientNameIDFormat), AuthnContextClassRef: t.level}
	for k, v := range t.attrs {
		s.CustomAttributes = append(s.CustomAttributes, gosaml.Attribute{Name: k, NameFormat: "urn:oasis:names:tc:SAML:2.0:attrname-format:basic",
			Values: []gosaml.AttributeValue{{Type: "xs:string", Value: v}}})
	}
	return s
}

func (t *testIdP) MakeAssertion(req *gosaml.IdpAuthnRequest, s *gosaml.Session) error {
	if err := (gosaml.DefaultAssertionMaker{}).MakeAssertion(req, s); err != nil {
		return err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.mutate != nil {
		t.mutate(req.Assertion)
	}
	return nil
}

// InvalidateSession ends the IdP's side of a single logout (samlidp's
// SessionInvalidator): the test IdP keeps no sessions, it records the
// request.
func (t *testIdP) InvalidateSession(w http.ResponseWriter, r *http.Request, req *gosaml.IdpLogoutRequest) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.logouts = append(t.logouts, req.Request)
	return nil
}

func randID() string {
	b := make([]byte, 12)
	rand.Read(b)
	return "_" + base64.RawURLEncoding.EncodeToString(b)
}

func selfSigned(t *testing.T, bits int, cn string) (*rsa.PrivateKey, *x509.Certificate) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return key, cert
}

func newTestIdP(t *testing.T, name string) *testIdP {
	t.Helper()
	ti := &testIdP{level: saml.SpidL2, attrs: map[string]string{
		"fiscalNumber": "TINIT-BNCGLI85M55I304Q", "name": "Giulia", "familyName": "Bianchi",
		"dateOfBirth": "1985-08-15", "placeOfBirth": "I304", "email": "giulia.bianchi@example.it", "mobilePhone": "+393477654321",
	}}
	var h http.Handler = http.NotFoundHandler()
	ti.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(ti.srv.Close)
	key, cert := selfSigned(t, 2048, name)
	u, _ := url.Parse(ti.srv.URL)
	idp, err := samlidp.New(samlidp.Options{URL: *u, Key: key, Signer: key, Certificate: cert, Store: &samlidp.MemoryStore{}})
	if err != nil {
		t.Fatal(err)
	}
	idp.IDP.SessionProvider = ti
	idp.IDP.AssertionMaker = ti
	ti.idp, ti.key, ti.cert = idp, key, cert
	h = idp
	return ti
}

// spEnv is Prenota's side: a store, sessions, accounts and a SAML provider
// mounted on a loopback server, as app wires them.
type spEnv struct {
	srv      *httptest.Server
	store    *sqlstore.Store
	provider *saml.Provider
	idp      *testIdP
	logs     *bytes.Buffer
	client   *http.Client
	spCert   *x509.Certificate // signs the SP's messages
}

func newSPEnv(t *testing.T, dialect, name string, clock func() time.Time) *spEnv {
	t.Helper()
	e := &spEnv{store: testdb.Open(t, dialect), idp: newTestIdP(t, name+"-idp"), logs: &bytes.Buffer{}}
	var h http.Handler = http.NotFoundHandler()
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	t.Cleanup(e.srv.Close)
	log := slog.New(slog.NewTextHandler(e.logs, nil))

	// The IdP's metadata, fetched and saved to a file, as an operator would.
	res, err := http.Get(e.idp.srv.URL + "/metadata")
	if err != nil {
		t.Fatal(err)
	}
	md, _ := io.ReadAll(res.Body)
	res.Body.Close()
	file := filepath.Join(t.TempDir(), name+"-idp.xml")
	os.WriteFile(file, md, 0o644)
	idps, err := saml.LoadIdPMetadata([]string{file})
	if err != nil {
		t.Fatal(err)
	}
	sessions := auth.NewManager(e.store.Sessions(), auth.Options{})
	acc := auth.NewAccounts(auth.AccountsConfig{Sessions: sessions, Store: e.store, BaseURL: e.srv.URL, Logger: log})
	key, cert := selfSigned(t, 2048, "Comune di Prova")
	e.spCert = cert
	cfg := saml.Config{Name: name, BaseURL: e.srv.URL, Key: key, Cert: cert, IdPs: idps, Organization: "Comune di Prova",
		IPACode: "c_h294", ContactEmail: "protocollo@comune.example.it", Municipality: "H294", Store: e.store, Accounts: acc, Logger: log}
	if clock != nil {
		cfg.Now = clock
	}
	p, err := saml.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	e.provider = p
	mux := http.NewServeMux()
	p.Register(mux)
	acc.Register(mux)
	h = auth.Protect(sessions.Middleware(mux), p.BypassPatterns()...)

	// The SP registers with the IdP by its metadata.
	res, err = http.Get(e.srv.URL + "/auth/" + name + "/metadata")
	if err != nil {
		t.Fatal(err)
	}
	spmd, _ := io.ReadAll(res.Body)
	res.Body.Close()
	req, _ := http.NewRequest("PUT", e.idp.srv.URL+"/services/prenota", bytes.NewReader(spmd))
	res, err = http.DefaultClient.Do(req)
	if err != nil || res.StatusCode/100 != 2 {
		t.Fatalf("register SP with IdP: %v %v", err, res.Status)
	}
	jar, _ := cookiejar.New(nil)
	e.client = &http.Client{Jar: jar}
	return e
}

// freshBrowser starts over with a browser without cookies and empty logs.
func (e *spEnv) freshBrowser() {
	jar, _ := cookiejar.New(nil)
	e.client = &http.Client{Jar: jar}
	e.logs.Reset()
}

var (
	actionRE = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	inputRE  = regexp.MustCompile(`<input type="hidden" name="(\w+)" value="([^"]*)"`)
)

// form extracts the action and hidden fields of the first form of page.
func form(t *testing.T, page string) (string, url.Values) {
	t.Helper()
	m := actionRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form in page:\n%s", page)
	}
	v := url.Values{}
	for _, f := range inputRE.FindAllStringSubmatch(page, -1) {
		v.Set(f[1], html.UnescapeString(f[2]))
	}
	return html.UnescapeString(m[1]), v
}

// startLogin opens /auth/<name>/login and returns the AuthnRequest form.
func (e *spEnv) startLogin(t *testing.T, next string) (string, url.Values) {
	t.Helper()
	u := e.provider.IdPs(next)[0].LoginURL
	res, err := e.client.Get(e.srv.URL + u)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("login: %s\n%s", res.Status, b)
	}
	return form(t, string(b))
}

// idpAnswer posts the AuthnRequest to the IdP (as the browser does) and
// returns the Response form the IdP answers with.
func (e *spEnv) idpAnswer(t *testing.T, action string, fields url.Values) (string, url.Values) {
	t.Helper()
	res, err := e.client.PostForm(action, fields)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("IdP: %s\n%s", res.Status, b)
	}
	return form(t, string(b))
}

// postACS posts the Response to the ACS as the IdP's page does: a
// cross-site POST (Origin and Sec-Fetch-Site of the IdP).
func (e *spEnv) postACS(t *testing.T, action string, fields url.Values) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", action, strings.NewReader(fields.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", e.idp.srv.URL)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	c := *e.client
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// whoami returns the session's identity, if any.
func (e *spEnv) whoami(t *testing.T) (auth.Identity, bool) {
	t.Helper()
	res, err := e.client.Get(e.srv.URL + "/auth/sessione")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return auth.Identity{}, false
	}
	var id auth.Identity
	json.NewDecoder(res.Body).Decode(&id)
	return id, true
}
