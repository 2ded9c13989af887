package main

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prenota/prenota/saml"
)

// The certificate of "prenota saml keygen" has every part of the profile
// AgID asks of public SPs (Avviso SPID n. 29 v3), read back with crypto/x509.
func TestSAMLKeygen(t *testing.T) {
	dir := t.TempDir()
	key, cert := filepath.Join(dir, "sp.key"), filepath.Join(dir, "sp.crt")
	var out bytes.Buffer
	env := map[string]string{"PRENOTA_BASE_URL": "https://prenota.comune.prova.it"}
	err := run(t.Context(), []string{"saml", "keygen", "--ente", "Comune di Santarcangelo di Romagna", "--ipa-code", "c_i304", "--key", key, "--cert", cert},
		func(k string) string { return env[k] }, &out)
	if err != nil {
		t.Fatalf("keygen: %v\n%s", err, &out)
	}
	b, err := os.ReadFile(cert)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil || blk.Type != "CERTIFICATE" {
		t.Fatalf("not a PEM certificate:\n%s", b)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	if k, ok := c.PublicKey.(*rsa.PublicKey); !ok || k.N.BitLen() != 3072 {
		t.Errorf("key %T, want RSA 3072", c.PublicKey)
	}
	if c.SignatureAlgorithm != x509.SHA256WithRSA {
		t.Errorf("signature %v, want SHA256-RSA", c.SignatureAlgorithm)
	}
	names := map[string]string{}
	for _, n := range c.Subject.Names {
		names[n.Type.String()] = n.Value.(string)
	}
	for oid, want := range map[string]string{
		"2.5.4.3":  "Comune di Santarcangelo di Romagna",                 // commonName
		"2.5.4.83": "https://prenota.comune.prova.it/auth/spid/metadata", // uri
		"2.5.4.97": "PA:IT-c_i304",                                       // organizationIdentifier
		"2.5.4.6":  "IT",                                                 // countryName
		"2.5.4.7":  "Santarcangelo di Romagna",                           // localityName
	} {
		if names[oid] != want {
			t.Errorf("subject %s = %q, want %q", oid, names[oid], want)
		}
	}
	for _, p := range []string{"1.3.76.16.6", "1.3.76.16.4.2.1"} { // agIDcert, spid-publicsector-SP
		if !slices.ContainsFunc(c.Policies, func(o x509.OID) bool { return o.String() == p }) {
			t.Errorf("certificatePolicies %v without %s", c.Policies, p)
		}
	}
	if c.KeyUsage != x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment {
		t.Errorf("keyUsage %b, want digitalSignature + nonRepudiation", c.KeyUsage)
	}
	var bc *bool
	for _, e := range c.Extensions {
		if e.Id.String() == "2.5.29.19" {
			bc = &e.Critical
		}
	}
	if bc == nil || *bc || !c.BasicConstraintsValid || c.IsCA {
		t.Errorf("basicConstraints present %v, critical %v, CA %v: want present, not critical, not a CA", bc != nil, bc != nil && *bc, c.IsCA)
	}
	if c.Subject.String() != c.Issuer.String() {
		t.Error("not self-signed")
	}
	// The files load as the SP's key pair; a second run does not overwrite.
	if _, _, err := saml.LoadKeyPair(key, cert); err != nil {
		t.Error(err)
	}
	if st, _ := os.Stat(key); st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", st.Mode().Perm())
	}
	err = run(t.Context(), []string{"saml", "keygen", "--ente", "Comune di Prova", "--ipa-code", "c_x", "--key", key, "--cert", cert}, func(string) string { return "" }, &out)
	if err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("second keygen over the same files: %v", err)
	}
	// Without the IPA code it says which flag is missing.
	err = run(t.Context(), []string{"saml", "keygen", "--ente", "Comune di Prova", "--key", key + "2", "--cert", cert + "2"}, func(string) string { return "" }, &out)
	if err == nil || !strings.Contains(err.Error(), "IPA code") {
		t.Errorf("keygen without --ipa-code: %v", err)
	}
}
