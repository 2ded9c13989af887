package saml_test

import (
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"html"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/prenota/prenota/internal/testdb"
)

// signer signs SAML elements the way an IdP does: enveloped RSA-SHA256,
// exclusive canonicalization, the certificate in KeyInfo.
type signer struct {
	key  *rsa.PrivateKey
	cert *x509.Certificate
}

// sign puts an enveloped signature of el after its Issuer (or first, with
// none), as the SAML schema orders them.
func (s signer) sign(t *testing.T, el *etree.Element) {
	t.Helper()
	ctx := dsig.NewDefaultSigningContext(dsig.TLSCertKeyStore(tls.Certificate{Certificate: [][]byte{s.cert.Raw}, PrivateKey: s.key}))
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(dsig.RSASHA256SignatureMethod); err != nil {
		t.Fatal(err)
	}
	sig, err := ctx.ConstructSignature(el, true)
	if err != nil {
		t.Fatal(err)
	}
	at := 0
	if iss := el.SelectElement("Issuer"); iss != nil {
		at = iss.Index() + 1
	}
	el.InsertChildAt(at, sig)
}

// message is a SAML message taken apart to be changed and signed again.
type message struct {
	doc  *etree.Document
	root *etree.Element
}

func parseMessage(t *testing.T, b64 string) message {
	t.Helper()
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		t.Fatal(err)
	}
	return message{doc, doc.Root()}
}

func (m message) encode(t *testing.T) string {
	t.Helper()
	b, err := m.doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// assertion is the Response's Assertion, carrying the namespace
// declarations it uses, so that it is signed and verified alike.
func (m message) assertion(t *testing.T) *etree.Element {
	t.Helper()
	as := m.root.SelectElement("Assertion")
	if as == nil {
		t.Fatal("no Assertion in the Response")
	}
	for _, a := range m.root.Attr {
		if a.Space == "xmlns" && as.SelectAttr("xmlns:"+a.Key) == nil {
			as.CreateAttr("xmlns:"+a.Key, a.Value)
		}
	}
	return as
}

func unsign(el *etree.Element) {
	for _, s := range el.SelectElements("Signature") {
		el.RemoveChild(s)
	}
}

// crafting says how a crafted Response is made from the test IdP's answer.
type crafting struct {
	mutate          func(t *testing.T, resp, assertion *etree.Element)
	unsignedAssert  bool                                    // the Assertion is left unsigned
	unsignedResp    bool                                    // the Response is left unsigned
	noX509          bool                                    // the signatures' KeyInfo carries no X509Certificate
	by              signer                                  // who signs; zero: the IdP
	prefix          string                                  // prepended to the XML (a DOCTYPE)
	dropAssertion   bool                                    // an error Response: no Assertion
	statusCode, msg string                                  // the Status of an error Response
	after           func(t *testing.T, resp *etree.Element) // changes the signed Response
}

// dropKeyInfo removes the KeyInfo of el's signature (not covered by it).
func dropKeyInfo(el *etree.Element) {
	sig := el.SelectElement("Signature")
	sig.RemoveChild(sig.SelectElement("KeyInfo"))
}

// crafted runs a login up to the IdP's answer, rebuilds the Response as c
// says, signs it and posts it to the ACS.
func (e *spEnv) crafted(t *testing.T, c crafting) *http.Response {
	t.Helper()
	action, fields := e.startLogin(t, "/")
	acs, resp := e.idpAnswer(t, action, fields)
	m := parseMessage(t, resp.Get("SAMLResponse"))
	by := c.by
	if by.key == nil {
		by = signer{e.idp.key, e.idp.cert}
	}
	unsign(m.root)
	as := m.assertion(t)
	unsign(as)
	if c.mutate != nil {
		c.mutate(t, m.root, as)
	}
	if c.dropAssertion {
		m.root.RemoveChild(as)
		st := m.root.FindElement("./Status")
		sc := st.FindElement("./StatusCode")
		sc.CreateAttr("Value", c.statusCode)
		if c.msg != "" {
			st.CreateElement("samlp:StatusMessage").SetText(c.msg)
		}
	} else if !c.unsignedAssert {
		by.sign(t, as)
		if c.noX509 {
			dropKeyInfo(as)
		}
	}
	if !c.unsignedResp {
		by.sign(t, m.root)
		if c.noX509 {
			dropKeyInfo(m.root)
		}
	}
	if c.after != nil {
		c.after(t, m.root)
	}
	out := m.encode(t)
	if c.prefix != "" {
		raw, _ := base64.StdEncoding.DecodeString(out)
		out = base64.StdEncoding.EncodeToString(append([]byte(c.prefix), raw...))
	}
	resp.Set("SAMLResponse", out)
	return e.postACS(t, acs, resp)
}

// accepted checks that the ACS logged the user in.
func accepted(t *testing.T, e *spEnv, res *http.Response) {
	t.Helper()
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("ACS answered %s, want 303 (logged in):\n%s\nlogs:\n%s", res.Status, b, e.logs)
	}
	if id, ok := e.whoami(t); !ok || id.Subject != "BNCGLI85M55I304Q" {
		t.Fatalf("no session for the identity after an accepted Response: %+v %v", id, ok)
	}
}

// el finds the element at path under root, failing the test without it.
func el(t *testing.T, root *etree.Element, path string) *etree.Element {
	t.Helper()
	e := root.FindElement(path)
	if e == nil {
		t.Fatalf("no %s under <%s>", path, root.Tag)
	}
	return e
}

// TestSPIDResponseRules posts to the ACS one crafted Response per rule of
// the SPID technical rules (the checks of AgID's spid-saml-check), each
// signed by the IdP unless the case says otherwise, and checks that it is
// accepted or refused, and refused for that reason.
func TestSPIDResponseRules(t *testing.T) {
	type mut = func(t *testing.T, resp, as *etree.Element)
	attr := func(path, name, value string, onAssertion bool) mut {
		return func(t *testing.T, resp, as *etree.Element) {
			root := resp
			if onAssertion {
				root = as
			}
			el(t, root, path).CreateAttr(name, value)
		}
	}
	drop := func(path, name string, onAssertion bool) mut {
		return func(t *testing.T, resp, as *etree.Element) {
			root := resp
			if onAssertion {
				root = as
			}
			e := el(t, root, path)
			if name == "" {
				e.Parent().RemoveChild(e)
				return
			}
			if e.RemoveAttr(name) == nil {
				t.Fatalf("%s has no %s to remove", path, name)
			}
		}
	}
	text := func(path, value string) mut {
		return func(t *testing.T, _, as *etree.Element) { el(t, as, path).SetText(value) }
	}
	past := func(path, name string) mut {
		return func(t *testing.T, resp, as *etree.Element) {
			el(t, as, path).CreateAttr(name, time.Now().Add(-10*time.Minute).UTC().Format("2006-01-02T15:04:05Z"))
		}
	}
	foreignKey, foreignCert := selfSigned(t, 2048, "altro-idp")
	cases := []struct {
		name   string
		c      crafting
		refuse string // "" accepts; else the reason logged
	}{
		// Accepted.
		{"well formed, Response and Assertion signed", crafting{}, ""},
		{"Response unsigned, Assertion signed", crafting{unsignedResp: true}, ""},
		{"KeyInfo without X509Certificate: the certificate of the IdP's metadata", crafting{noX509: true}, ""},
		{"Response Issuer without Format", crafting{mutate: drop("./Issuer", "Format", false)}, ""},

		// The rules that were missing.
		{"Assertion unsigned in a signed Response", crafting{unsignedAssert: true}, "not signed itself"},
		{"Response Issuer missing", crafting{mutate: drop("./Issuer", "", false)}, "response issuer: <response> has no <issuer>"},
		{"Response Issuer Format not entity", crafting{mutate: attr("./Issuer", "Format", "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified", false)}, "response issuer format"},
		{"NameID empty", crafting{mutate: text("./Subject/NameID", "")}, "the nameid is empty"},
		{"NameID Format empty", crafting{mutate: attr("./Subject/NameID", "Format", "", true)}, "the nameid has an empty format"},
		{"NameID Format missing", crafting{mutate: drop("./Subject/NameID", "Format", true)}, "the nameid has no format"},
		{"NameID Format not transient", crafting{mutate: attr("./Subject/NameID", "Format", "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent", true)}, "nameid format"},
		{"NameQualifier empty", crafting{mutate: attr("./Subject/NameID", "NameQualifier", "", true)}, "the nameid has an empty namequalifier"},
		{"NameQualifier missing", crafting{mutate: drop("./Subject/NameID", "NameQualifier", true)}, "the nameid has no namequalifier"},
		{"Assertion Issuer Format empty", crafting{mutate: attr("./Issuer", "Format", "", true)}, "the assertion issuer has an empty format"},
		{"Assertion Issuer Format missing", crafting{mutate: drop("./Issuer", "Format", true)}, "the assertion issuer has no format"},
		{"Assertion Issuer Format not entity", crafting{mutate: attr("./Issuer", "Format", "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified", true)}, "assertion issuer format"},
		{"Conditions NotBefore empty", crafting{mutate: attr("./Conditions", "NotBefore", "", true)}, "notbefore"},
		{"Conditions NotBefore missing", crafting{mutate: drop("./Conditions", "NotBefore", true)}, "the conditions has no notbefore"},
		{"DOCTYPE", crafting{prefix: `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY e "x">]>`}, "doctype"},

		// The rules that were already kept.
		{"signed by another key", crafting{by: signer{foreignKey, foreignCert}}, "certificate"},
		{"fiscalNumber changed after signing", crafting{after: func(t *testing.T, resp *etree.Element) {
			for _, v := range resp.FindElements("//AttributeValue") {
				if v.Text() == "TINIT-BNCGLI85M55I304Q" {
					v.SetText("TINIT-RSSMRA70A01H501S")
					return
				}
			}
			t.Fatal("no fiscalNumber in the Response")
		}}, "signature"},
		{"Response Destination elsewhere", crafting{mutate: attr(".", "Destination", "https://altro.example.it/acs", false)}, "destination"},
		{"Response Issuer of another IdP", crafting{mutate: func(t *testing.T, resp, _ *etree.Element) {
			el(t, resp, "./Issuer").SetText("https://altro-idp.example.it")
		}}, "issuer"},
		{"Assertion Issuer of another IdP", crafting{mutate: text("./Issuer", "https://altro-idp.example.it")}, "issuer"},
		{"Audience of another SP", crafting{mutate: text("./Conditions/AudienceRestriction/Audience", "https://altro-comune.example.it/metadata")}, "audience"},
		{"Conditions NotOnOrAfter past", crafting{mutate: past("./Conditions", "NotOnOrAfter")}, "expired"},
		{"SubjectConfirmationData NotOnOrAfter past", crafting{mutate: past("./Subject/SubjectConfirmation/SubjectConfirmationData", "NotOnOrAfter")}, "expired"},
		{"SubjectConfirmationData Recipient elsewhere", crafting{mutate: attr("./Subject/SubjectConfirmation/SubjectConfirmationData", "Recipient", "https://altro.example.it/acs", true)}, "recipient"},
		{"SubjectConfirmationData InResponseTo another request", crafting{mutate: attr("./Subject/SubjectConfirmation/SubjectConfirmationData", "InResponseTo", "_altra-richiesta", true)}, "possible request ids"},
		{"SubjectConfirmation Method not bearer", crafting{mutate: attr("./Subject/SubjectConfirmation", "Method", "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key", true)}, "bearer"},
		{"AuthnContextClassRef below the level asked", crafting{mutate: text("./AuthnStatement/AuthnContext/AuthnContextClassRef", "https://www.spid.gov.it/SpidL1")}, "authncontext"},
	}
	for _, d := range testdb.Dialects() {
		e := newSPEnv(t, d, "spid", nil)
		for _, tc := range cases {
			t.Run(d+"/"+tc.name, func(t *testing.T) {
				e.freshBrowser()
				res := e.crafted(t, tc.c)
				if tc.refuse == "" {
					accepted(t, e, res)
					return
				}
				refused(t, e, res, tc.refuse)
			})
		}
	}
}

// TestAnomalyPages: an IdP's error Response with each code of the SPID
// anomaly table shows that code's own page; another status a generic one.
func TestAnomalyPages(t *testing.T) {
	const authnFailed = "urn:oasis:names:tc:SAML:2.0:status:AuthnFailed"
	cases := []struct{ msg, title string }{
		{"ErrorCode nr19", "Troppi tentativi con credenziali errate"},
		{"ErrorCode nr20", "Credenziali non adatte al servizio"},
		{"ErrorCode nr21", "Tempo scaduto"},
		{"ErrorCode nr22", "Consenso negato"},
		{"ErrorCode nr23", "Identità sospesa o revocata"},
		{"ErrorCode nr25", "Accesso annullato"},
		{"", "Accesso non completato"},
		{"ErrorCode nr99", "Accesso non completato"},
	}
	for _, d := range testdb.Dialects() {
		seen := map[string]string{}
		e := newSPEnv(t, d, "spid", nil)
		for _, tc := range cases {
			t.Run(d+"/"+tc.msg, func(t *testing.T) {
				e.freshBrowser()
				res := e.crafted(t, crafting{dropAssertion: true, statusCode: authnFailed, msg: tc.msg})
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				page := html.UnescapeString(string(b))
				if res.StatusCode != http.StatusUnauthorized {
					t.Errorf("status %s, want 401", res.Status)
				}
				if !strings.Contains(page, tc.title) {
					t.Fatalf("page without %q:\n%s", tc.title, page)
				}
				if !strings.Contains(page, `href="/accedi"`) {
					t.Errorf("page without the way back to the login page:\n%s", page)
				}
				if id, ok := e.whoami(t); ok {
					t.Errorf("logged in by an error Response: %+v", id)
				}
				if code := strings.TrimPrefix(tc.msg, "ErrorCode "); code != "" && code != "nr99" {
					if !strings.Contains(page, `data-anomalia="`+code+`"`) {
						t.Errorf("page does not name the anomaly %s", code)
					}
					body := page[strings.Index(page, "data-anomalia"):]
					for other, b := range seen {
						if b == body {
							t.Errorf("%s shows the same page as %s", code, other)
						}
					}
					seen[code] = body
				}
			})
		}
	}
}

// etreeDoc is a document whose root is el.
func etreeDoc(el *etree.Element) *etree.Document {
	doc := etree.NewDocument()
	doc.SetRoot(el)
	return doc
}
