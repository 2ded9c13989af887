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

// The object identifiers of the AgID profile of SP certificates.
var (
	// X.520 organizationIdentifier, "PA:IT-<IPA code>" for public bodies.
	oidOrganizationIdentifier = asn1.ObjectIdentifier{2, 5, 4, 97}
	// X.520 uri, the SP's entity ID.
	oidURI              = asn1.ObjectIdentifier{2, 5, 4, 83}
	oidBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
	// agIDcert and spid-publicsector-SP, the certificatePolicies of a
	// public body's SP certificate.
	agidCert     = mustOID(1, 3, 76, 16, 6)
	spidPublicSP = mustOID(1, 3, 76, 16, 4, 2, 1)
)

func mustOID(ints ...uint64) x509.OID {
	oid, err := x509.OIDFromInts(ints)
	if err != nil {
		panic(err)
	}
	return oid
}

// CertProfile is what the SP certificate says of the Comune.
type CertProfile struct {
	EntityID   string // the SP's entity ID (subject uri)
	CommonName string // the Comune's name (subject commonName, organizationName)
	IPACode    string // the IPA code (organizationIdentifier PA:IT-<code>)
	Locality   string // the Comune's town (subject localityName)
	Days       int    // validity; default 730
}

// Check reports the first field the AgID profile needs and p lacks.
func (p CertProfile) Check() error {
	switch {
	case p.EntityID == "":
		return errors.New("the entity ID is required (subject uri)")
	case p.CommonName == "":
		return errors.New("the Comune's name is required (subject commonName)")
	case p.IPACode == "":
		return errors.New("the IPA code is required (subject organizationIdentifier PA:IT-<code>)")
	case p.Locality == "":
		return errors.New("the locality is required (subject localityName)")
	}
	return nil
}

// NewCertificate makes a 3072-bit RSA key and a self-signed certificate
// with the profile AgID asks of public SPs (Avviso SPID n. 29 v3): subject
// commonName, uri (entity ID), organizationIdentifier PA:IT-<IPA code>,
// countryName IT and localityName; certificatePolicies agIDcert and
// spid-publicsector-SP; keyUsage digitalSignature and nonRepudiation;
// basicConstraints CA false, not critical; SHA-256.
func NewCertificate(p CertProfile) (*rsa.PrivateKey, *x509.Certificate, error) {
	if err := p.Check(); err != nil {
		return nil, nil, err
	}
	if p.Days <= 0 {
		p.Days = 730
	}
	key, err := rsa.GenerateKey(rand.Reader, 3072)
	if err != nil {
		return nil, nil, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return nil, nil, err
	}
	subj := pkix.Name{CommonName: p.CommonName, Organization: []string{p.CommonName}, Country: []string{"IT"}, Locality: []string{p.Locality},
		ExtraNames: []pkix.AttributeTypeAndValue{
			{Type: oidURI, Value: p.EntityID},
			{Type: oidOrganizationIdentifier, Value: "PA:IT-" + p.IPACode},
		}}
	// basicConstraints with cA absent (false): an empty SEQUENCE. Go's own
	// would be critical, which the profile does not want.
	bc, err := asn1.Marshal(struct{}{})
	if err != nil {
		return nil, nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial, Subject: subj,
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(0, 0, p.Days),
		SignatureAlgorithm: x509.SHA256WithRSA,
		KeyUsage:           x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		Policies:           []x509.OID{agidCert, spidPublicSP},
		ExtraExtensions:    []pkix.Extension{{Id: oidBasicConstraints, Critical: false, Value: bc}},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, nil, err
	}
	return key, cert, nil
}

// WriteKeyPair writes key (PKCS#1, mode 0600) and cert as PEM files,
// making their directories; it refuses to overwrite an existing file.
func WriteKeyPair(keyFile, certFile string, key *rsa.PrivateKey, cert *x509.Certificate) error {
	for _, f := range []string{keyFile, certFile} {
		if _, err := os.Stat(f); err == nil {
			return fmt.Errorf("%s exists: remove it or choose another path", f)
		}
		if err := os.MkdirAll(filepath.Dir(f), 0o750); err != nil {
			return err
		}
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600); err != nil {
		return err
	}
	return os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}), 0o644)
}

// LoadOrGenerate loads the key pair, or, when both files are missing and
// generate is true (demo mode), makes one with profile p. It refuses a
// half-present pair.
func LoadOrGenerate(keyFile, certFile string, generate bool, p CertProfile) (*rsa.PrivateKey, *x509.Certificate, bool, error) {
	_, kerr := os.Stat(keyFile)
	_, cerr := os.Stat(certFile)
	if errors.Is(kerr, os.ErrNotExist) && errors.Is(cerr, os.ErrNotExist) {
		if !generate {
			return nil, nil, false, fmt.Errorf("SAML key %s and certificate %s are missing: make them with 'prenota saml keygen' and set PRENOTA_SAML_KEY and PRENOTA_SAML_CERT", keyFile, certFile)
		}
		k, c, err := NewCertificate(p)
		if err != nil {
			return nil, nil, false, err
		}
		return k, c, true, WriteKeyPair(keyFile, certFile, k, c)
	}
	k, c, err := LoadKeyPair(keyFile, certFile)
	return k, c, false, err
}
