package saml

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/beevik/etree"
)

// The namespaces of the elements the SPID profile checks.
const (
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsDSig      = "http://www.w3.org/2000/09/xmldsig#"

	entityFormat    = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"
	transientFormat = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient"
	bearerMethod    = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
)

// errDoctype refuses any SAML message with a document type declaration,
// before it is parsed: entities are how XML bombs and external-entity
// reads get in, and no SAML message needs one.
var errDoctype = errors.New("the message carries a <!DOCTYPE> (refused before parsing)")

// hasDoctype reports whether raw declares a document type.
func hasDoctype(raw []byte) bool {
	return bytes.Contains(bytes.ToUpper(raw), []byte("<!DOCTYPE"))
}

// children returns el's child elements named local in namespace ns.
func children(el *etree.Element, ns, local string) []*etree.Element {
	var out []*etree.Element
	for _, c := range el.ChildElements() {
		if c.Tag == local && c.NamespaceURI() == ns {
			out = append(out, c)
		}
	}
	return out
}

// one returns the single child named local in ns, or an error naming what
// is missing or repeated.
func one(el *etree.Element, ns, local string) (*etree.Element, error) {
	cs := children(el, ns, local)
	switch len(cs) {
	case 1:
		return cs[0], nil
	case 0:
		return nil, fmt.Errorf("<%s> has no <%s>", el.Tag, local)
	}
	return nil, fmt.Errorf("<%s> has %d <%s>, want one", el.Tag, len(cs), local)
}

// nonEmptyAttr checks that el has attribute name with a value; what says
// whose attribute it is in the error.
func nonEmptyAttr(el *etree.Element, name, what string) (string, error) {
	a := el.SelectAttr(name)
	if a == nil {
		return "", fmt.Errorf("%s has no %s", what, name)
	}
	if a.Value == "" {
		return "", fmt.Errorf("%s has an empty %s", what, name)
	}
	return a.Value, nil
}

// checkProfile checks a Response, as received, against the structure the
// SPID technical rules (and AgID's Avviso 29 v3) require beyond what SAML
// itself does. crewjam's ParseResponse has already verified the
// signatures, the times, the audience, the destination and InResponseTo;
// these checks only refuse, so they read the message as received.
//
//   - the Response has an <Issuer> whose Format, if present, is entity;
//   - it carries exactly one <Assertion>, which is signed itself (the
//     metadata says WantAssertionsSigned; crewjam verifies any signature
//     present, so it is enough that one is there);
//   - the Assertion's <Issuer> has Format entity;
//   - its <Subject> has one <NameID>, not empty, of Format transient, with
//     a NameQualifier; one bearer <SubjectConfirmation>;
//   - its <Conditions> have NotBefore and NotOnOrAfter, and an <Audience>;
//   - it has an <AuthnStatement> with an <AuthnContextClassRef>.
func checkProfile(resp *etree.Element) error {
	if resp.Tag != "Response" || resp.NamespaceURI() != nsProtocol {
		return fmt.Errorf("root <%s> is not a samlp:Response", resp.Tag)
	}
	iss, err := one(resp, nsAssertion, "Issuer")
	if err != nil {
		return fmt.Errorf("response issuer: %w", err)
	}
	if f := iss.SelectAttr("Format"); f != nil && f.Value != entityFormat {
		return fmt.Errorf("response issuer Format %q, want %s", f.Value, entityFormat)
	}
	if len(children(resp, nsAssertion, "EncryptedAssertion")) > 0 {
		return errors.New("encrypted assertions are not part of the SPID profile")
	}
	as, err := one(resp, nsAssertion, "Assertion")
	if err != nil {
		return err
	}
	if len(children(as, nsDSig, "Signature")) != 1 {
		return errors.New("the assertion is not signed itself (WantAssertionsSigned)")
	}
	iss, err = one(as, nsAssertion, "Issuer")
	if err != nil {
		return fmt.Errorf("assertion issuer: %w", err)
	}
	if f, err := nonEmptyAttr(iss, "Format", "the assertion issuer"); err != nil {
		return err
	} else if f != entityFormat {
		return fmt.Errorf("assertion issuer Format %q, want %s", f, entityFormat)
	}
	subj, err := one(as, nsAssertion, "Subject")
	if err != nil {
		return err
	}
	nid, err := one(subj, nsAssertion, "NameID")
	if err != nil {
		return err
	}
	if nid.Text() == "" {
		return errors.New("the NameID is empty")
	}
	if f, err := nonEmptyAttr(nid, "Format", "the NameID"); err != nil {
		return err
	} else if f != transientFormat {
		return fmt.Errorf("NameID Format %q, want %s", f, transientFormat)
	}
	if _, err := nonEmptyAttr(nid, "NameQualifier", "the NameID"); err != nil {
		return err
	}
	sc, err := one(subj, nsAssertion, "SubjectConfirmation")
	if err != nil {
		return err
	}
	if m := sc.SelectAttrValue("Method", ""); m != bearerMethod {
		return fmt.Errorf("SubjectConfirmation Method %q, want %s", m, bearerMethod)
	}
	cond, err := one(as, nsAssertion, "Conditions")
	if err != nil {
		return err
	}
	for _, a := range []string{"NotBefore", "NotOnOrAfter"} {
		if _, err := nonEmptyAttr(cond, a, "the Conditions"); err != nil {
			return err
		}
	}
	ar, err := one(cond, nsAssertion, "AudienceRestriction")
	if err != nil {
		return err
	}
	if _, err := one(ar, nsAssertion, "Audience"); err != nil {
		return err
	}
	st, err := one(as, nsAssertion, "AuthnStatement")
	if err != nil {
		return err
	}
	ac, err := one(st, nsAssertion, "AuthnContext")
	if err != nil {
		return err
	}
	if _, err := one(ac, nsAssertion, "AuthnContextClassRef"); err != nil {
		return err
	}
	return nil
}

// statusMessage returns the StatusMessage of a Response (the SPID anomaly
// code, e.g. "ErrorCode nr22"), or "".
func statusMessage(resp *etree.Element) string {
	for _, st := range children(resp, nsProtocol, "Status") {
		for _, m := range children(st, nsProtocol, "StatusMessage") {
			return m.Text()
		}
	}
	return ""
}
