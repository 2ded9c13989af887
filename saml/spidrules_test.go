package saml_test

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

const (
	rsaSHA256  = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	sha256Algo = "http://www.w3.org/2001/04/xmlenc#sha256"
	transient  = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
	entityFmt  = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"
	postBind   = "urn:oasis:names:tc:SAML:2:0:bindings:HTTP-POST"
)

func child(t *testing.T, el *etree.Element, tag string) *etree.Element {
	t.Helper()
	c := el.SelectElement(tag)
	if c == nil {
		t.Fatalf("<%s> has no <%s>", el.Tag, tag)
	}
	return c
}

func attr(t *testing.T, el *etree.Element, name, want string) {
	t.Helper()
	if got := el.SelectAttrValue(name, "<absent>"); got != want {
		t.Errorf("<%s %s=%q>, want %q", el.Tag, name, got, want)
	}
}

// checkSignature checks that el carries an enveloped RSA-SHA256 signature
// with SHA-256 digests, made by cert, that verifies.
func checkSignature(t *testing.T, el *etree.Element, cert *x509.Certificate) {
	t.Helper()
	sig := child(t, el, "Signature")
	si := child(t, sig, "SignedInfo")
	attr(t, child(t, si, "SignatureMethod"), "Algorithm", rsaSHA256)
	ref := child(t, si, "Reference")
	attr(t, child(t, ref, "DigestMethod"), "Algorithm", sha256Algo)
	if ref.SelectAttrValue("URI", "") != "#"+el.SelectAttrValue("ID", "") {
		t.Errorf("signature reference %q does not name the element's ID %q", ref.SelectAttrValue("URI", ""), el.SelectAttrValue("ID", ""))
	}
	vc := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{Roots: []*x509.Certificate{cert}})
	if _, err := vc.Validate(el.Copy()); err != nil {
		t.Errorf("signature of <%s> does not verify: %v", el.Tag, err)
	}
}

func TestSPIDRules(t *testing.T) {
	e := newSPEnv(t, "sqlite", "spid", nil)

	// The metadata, at its stable URL.
	res, err := http.Get(e.srv.URL + "/auth/spid/metadata")
	if err != nil {
		t.Fatal(err)
	}
	md, _ := io.ReadAll(res.Body)
	res.Body.Close()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(md); err != nil {
		t.Fatal(err)
	}
	ed := doc.Root()
	if ed.Tag != "EntityDescriptor" || ed.SelectAttrValue("entityID", "") != e.provider.EntityID() {
		t.Fatalf("root <%s entityID=%q>", ed.Tag, ed.SelectAttrValue("entityID", ""))
	}
	if first := ed.ChildElements()[0]; first.Tag != "Signature" {
		t.Errorf("the metadata's first child is <%s>, want <Signature>", first.Tag)
	}
	sp := child(t, ed, "SPSSODescriptor")
	attr(t, sp, "AuthnRequestsSigned", "true")
	attr(t, sp, "WantAssertionsSigned", "true")
	attr(t, sp, "protocolSupportEnumeration", "urn:oasis:names:tc:SAML:2.0:protocol")
	var cert *x509.Certificate
	for _, kd := range sp.SelectElements("KeyDescriptor") {
		if kd.SelectAttrValue("use", "") != "signing" {
			continue
		}
		der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(kd.FindElement(".//X509Certificate").Text()), ""))
		if err != nil {
			t.Fatal(err)
		}
		if cert, err = x509.ParseCertificate(der); err != nil {
			t.Fatal(err)
		}
	}
	if cert == nil {
		t.Fatal("no signing KeyDescriptor")
	}
	if k, ok := cert.PublicKey.(*rsa.PublicKey); !ok || k.N.BitLen() < 2048 {
		t.Errorf("signing key is not RSA ≥ 2048 bits: %T", cert.PublicKey)
	}
	checkSignature(t, ed, cert)
	if nf := child(t, sp, "NameIDFormat").Text(); nf != transient {
		t.Errorf("NameIDFormat %q", nf)
	}
	if slo := sp.SelectElements("SingleLogoutService"); len(slo) == 0 {
		t.Error("no SingleLogoutService")
	}
	acs := sp.SelectElements("AssertionConsumerService")
	if len(acs) != 1 {
		t.Fatalf("%d AssertionConsumerService, want 1", len(acs))
	}
	attr(t, acs[0], "index", "0")
	attr(t, acs[0], "isDefault", "true")
	attr(t, acs[0], "Binding", strings.Replace(postBind, "2:0", "2.0", 1))
	attr(t, acs[0], "Location", e.srv.URL+"/auth/spid/acs")
	acsvc := child(t, sp, "AttributeConsumingService")
	attr(t, acsvc, "index", "0")
	if sn := child(t, acsvc, "ServiceName"); sn.SelectAttrValue("xml:lang", sn.SelectAttrValue("lang", "")) != "it" || sn.Text() == "" {
		t.Errorf("ServiceName %q lang %q", sn.Text(), sn.SelectAttrValue("lang", ""))
	}
	var names []string
	for _, ra := range acsvc.SelectElements("RequestedAttribute") {
		names = append(names, ra.SelectAttrValue("Name", ""))
		attr(t, ra, "NameFormat", "urn:oasis:names:tc:SAML:2.0:attrname-format:basic")
	}
	for _, want := range []string{"fiscalNumber", "name", "familyName", "dateOfBirth", "placeOfBirth", "email", "mobilePhone"} {
		if !slices.Contains(names, want) {
			t.Errorf("RequestedAttribute %s missing (have %v)", want, names)
		}
	}
	org := child(t, ed, "Organization")
	for _, tag := range []string{"OrganizationName", "OrganizationDisplayName", "OrganizationURL"} {
		child(t, org, tag)
	}
	cp := child(t, ed, "ContactPerson")
	attr(t, cp, "contactType", "other")
	if ipa := cp.FindElement("./Extensions/IPACode"); ipa == nil || ipa.Text() != "c_h294" {
		t.Error("ContactPerson without spid:IPACode")
	}

	// A captured AuthnRequest, from the auto-submitting page.
	res, err = e.client.Get(e.srv.URL + e.provider.IdPs("/")[0].LoginURL)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(page), `lang="it"`) || !regexp.MustCompile(`<button type="submit"[^>]*>Prosegui`).Match(page) {
		t.Errorf("the form page is not in Italian or has no submit button for browsers without JS:\n%s", page)
	}
	action, fields := form(t, string(page))
	if action != e.idp.srv.URL+"/sso" {
		t.Errorf("form posts to %q, want the IdP's HTTP-POST SSO endpoint", action)
	}
	raw, err := base64.StdEncoding.DecodeString(fields.Get("SAMLRequest"))
	if err != nil {
		t.Fatal(err)
	}
	doc = etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		t.Fatal(err)
	}
	ar := doc.Root()
	if ar.Tag != "AuthnRequest" {
		t.Fatalf("root <%s>", ar.Tag)
	}
	attr(t, ar, "Version", "2.0")
	attr(t, ar, "Destination", e.idp.srv.URL+"/sso")
	attr(t, ar, "ForceAuthn", "true")
	attr(t, ar, "AttributeConsumingServiceIndex", "0")
	attr(t, ar, "AssertionConsumerServiceURL", e.srv.URL+"/auth/spid/acs")
	attr(t, ar, "ProtocolBinding", strings.Replace(postBind, "2:0", "2.0", 1))
	if _, err := time.Parse("2006-01-02T15:04:05Z", ar.SelectAttrValue("IssueInstant", "")); err != nil {
		t.Errorf("IssueInstant %q is not UTC without fractions: %v", ar.SelectAttrValue("IssueInstant", ""), err)
	}
	kids := ar.ChildElements()
	if len(kids) < 2 || kids[0].Tag != "Issuer" || kids[1].Tag != "Signature" {
		t.Errorf("children %v: want Issuer then Signature first", kids)
	}
	iss := child(t, ar, "Issuer")
	attr(t, iss, "Format", entityFmt)
	attr(t, iss, "NameQualifier", e.provider.EntityID())
	if iss.Text() != e.provider.EntityID() {
		t.Errorf("Issuer %q", iss.Text())
	}
	checkSignature(t, ar, cert)
	nip := child(t, ar, "NameIDPolicy")
	attr(t, nip, "Format", transient)
	rac := child(t, ar, "RequestedAuthnContext")
	attr(t, rac, "Comparison", "minimum")
	if ref := child(t, rac, "AuthnContextClassRef").Text(); ref != "https://www.spid.gov.it/SpidL2" {
		t.Errorf("AuthnContextClassRef %q", ref)
	}
	if ar.SelectElement("Subject") != nil {
		t.Error("AuthnRequest has a Subject")
	}
}
