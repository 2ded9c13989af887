package saml

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

// MinKeyBits is the smallest RSA key the SPID rules accept.
const MinKeyBits = 2048

// LoadKeyPair reads the SP's RSA private key (PKCS#1 or PKCS#8 PEM) and its
// certificate (PEM) and checks that they match and that the key has at
// least MinKeyBits.
func LoadKeyPair(keyFile, certFile string) (*rsa.PrivateKey, *x509.Certificate, error) {
	kb, err := os.ReadFile(keyFile)
	if err != nil {
		return nil, nil, err
	}
	cb, err := os.ReadFile(certFile)
	if err != nil {
		return nil, nil, err
	}
	kp, _ := pem.Decode(kb)
	if kp == nil {
		return nil, nil, fmt.Errorf("%s: no PEM block", keyFile)
	}
	var key *rsa.PrivateKey
	if k, err := x509.ParsePKCS1PrivateKey(kp.Bytes); err == nil {
		key = k
	} else if k8, err8 := x509.ParsePKCS8PrivateKey(kp.Bytes); err8 == nil {
		rk, ok := k8.(*rsa.PrivateKey)
		if !ok {
			return nil, nil, fmt.Errorf("%s: not an RSA key (SPID requires RSA)", keyFile)
		}
		key = rk
	} else {
		return nil, nil, fmt.Errorf("%s: %v", keyFile, err8)
	}
	cp, _ := pem.Decode(cb)
	if cp == nil {
		return nil, nil, fmt.Errorf("%s: no PEM block", certFile)
	}
	cert, err := x509.ParseCertificate(cp.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v", certFile, err)
	}
	if pub, ok := cert.PublicKey.(*rsa.PublicKey); !ok || !pub.Equal(&key.PublicKey) {
		return nil, nil, fmt.Errorf("%s does not match %s", certFile, keyFile)
	}
	if key.N.BitLen() < MinKeyBits {
		return nil, nil, fmt.Errorf("%s: RSA key of %d bits, SPID requires at least %d", keyFile, key.N.BitLen(), MinKeyBits)
	}
	return key, cert, nil
}

// oidOrganizationIdentifier is X.520 organizationIdentifier, which the
// AgID rules for SP certificates use for "PA:IT-<IPA code>".
var oidOrganizationIdentifier = asn1.ObjectIdentifier{2, 5, 4, 97}

// GenerateKeyPair makes a self-signed 3072-bit RSA certificate for the SP
// (demo and development only: a production SP uses the certificate it
// registered with AgID) and writes it as PEM to keyFile and certFile.
func GenerateKeyPair(keyFile, certFile, entityID, organization, ipaCode string) (*rsa.PrivateKey, *x509.Certificate, error) {
	key, err := rsa.GenerateKey(rand.Reader, 3072)
	if err != nil {
		return nil, nil, err
	}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	subj := pkix.Name{CommonName: organization, Organization: []string{organization}, Country: []string{"IT"}, Locality: []string{organization}}
	if ipaCode != "" {
		subj.ExtraNames = append(subj.ExtraNames, pkix.AttributeTypeAndValue{Type: oidOrganizationIdentifier, Value: "PA:IT-" + ipaCode})
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: subj,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(5, 0, 0),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		BasicConstraintsValid: true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(filepath.Dir(keyFile), 0o750); err != nil {
		return nil, nil, err
	}
	if err := os.MkdirAll(filepath.Dir(certFile), 0o750); err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600); err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		return nil, nil, err
	}
	return key, cert, nil
}

// LoadOrGenerate loads the key pair, or, when both files are missing and
// generate is true (demo mode), makes one. It refuses a half-present pair.
func LoadOrGenerate(keyFile, certFile string, generate bool, entityID, organization, ipaCode string) (*rsa.PrivateKey, *x509.Certificate, bool, error) {
	_, kerr := os.Stat(keyFile)
	_, cerr := os.Stat(certFile)
	if errors.Is(kerr, os.ErrNotExist) && errors.Is(cerr, os.ErrNotExist) {
		if !generate {
			return nil, nil, false, fmt.Errorf("SAML key %s and certificate %s are missing: set PRENOTA_SAML_KEY and PRENOTA_SAML_CERT", keyFile, certFile)
		}
		k, c, err := GenerateKeyPair(keyFile, certFile, entityID, organization, ipaCode)
		return k, c, true, err
	}
	k, c, err := LoadKeyPair(keyFile, certFile)
	return k, c, false, err
}
