package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/prenota/prenota/saml"
)

const samlUsage = `usage: prenota saml keygen [flags]

Writes the SP's RSA 3072 key and a self-signed certificate with the profile
AgID asks of public bodies' SPs (Avviso SPID n. 29 v3), to register the
metadata with AgID and to serve with --saml-key and --saml-cert.

flags:
`

// runSAML runs "prenota saml keygen".
func runSAML(_ context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "keygen" {
		fmt.Fprint(stderr, samlUsage)
		return fmt.Errorf("saml: unknown subcommand (want: prenota saml keygen)")
	}
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	fs := flag.NewFlagSet("prenota saml keygen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, samlUsage); fs.PrintDefaults() }
	base := strings.TrimSuffix(env("PRENOTA_BASE_URL", "http://localhost:8080"), "/")
	var p saml.CertProfile
	fs.StringVar(&p.EntityID, "entity-id", base+"/auth/spid/metadata", "the SP's entity ID (subject uri) [PRENOTA_BASE_URL + /auth/spid/metadata]")
	fs.StringVar(&p.CommonName, "ente", env("PRENOTA_ENTE", ""), "the Comune's name, e.g. \"Comune di Roma\" (subject commonName) [PRENOTA_ENTE]")
	fs.StringVar(&p.IPACode, "ipa-code", env("PRENOTA_IPA_CODE", ""), "the Comune's IPA code (organizationIdentifier PA:IT-<code>) [PRENOTA_IPA_CODE]")
	fs.StringVar(&p.Locality, "locality", "", "the Comune's town (subject localityName); default the name after \"Comune di \"")
	fs.IntVar(&p.Days, "days", 730, "validity in days")
	keyFile := fs.String("key", env("PRENOTA_SAML_KEY", "data/saml.key"), "where to write the key (PEM) [PRENOTA_SAML_KEY]")
	certFile := fs.String("cert", env("PRENOTA_SAML_CERT", "data/saml.crt"), "where to write the certificate (PEM) [PRENOTA_SAML_CERT]")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if p.Locality == "" {
		p.Locality = strings.TrimSpace(strings.TrimPrefix(p.CommonName, "Comune di "))
	}
	if err := p.Check(); err != nil {
		return fmt.Errorf("saml keygen: %w (see prenota saml keygen -h)", err)
	}
	key, cert, err := saml.NewCertificate(p)
	if err != nil {
		return err
	}
	if err := saml.WriteKeyPair(*keyFile, *certFile, key, cert); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s and %s (RSA %d, valid until %s): serve with --saml-key %s --saml-cert %s\n",
		*keyFile, *certFile, key.N.BitLen(), cert.NotAfter.Format("2006-01-02"), *keyFile, *certFile)
	return nil
}
