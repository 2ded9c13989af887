package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/sqlstore"
)

// identityFlags adds the flags of identity and access (app.IdentityConfig).
func (f *flags) identityFlags(getenv func(string) string) {
	env := func(name string) string { return getenv(name) }
	list := func(s string) []string {
		var out []string
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	ic := &f.cfg.Identity
	ic.SPIDMetadata = list(env("PRENOTA_SPID_METADATA"))
	ic.CIEMetadata = list(env("PRENOTA_CIE_METADATA"))
	f.fs.Func("spid-metadata", "SPID IdP metadata files or directories, comma-separated [PRENOTA_SPID_METADATA]", func(s string) error { ic.SPIDMetadata = list(s); return nil })
	f.fs.Func("cie-metadata", "CIE IdP metadata files or directories, comma-separated [PRENOTA_CIE_METADATA]", func(s string) error { ic.CIEMetadata = list(s); return nil })
	// The key is a file already: PRENOTA_SAML_KEY_FILE names it too.
	samlKey := env("PRENOTA_SAML_KEY")
	if samlKey == "" {
		samlKey = env("PRENOTA_SAML_KEY_FILE")
	}
	f.fs.StringVar(&ic.SAMLKey, "saml-key", samlKey, "SAML SP RSA key (PEM file) [PRENOTA_SAML_KEY, PRENOTA_SAML_KEY_FILE]")
	f.fs.StringVar(&ic.SAMLCert, "saml-cert", env("PRENOTA_SAML_CERT"), "SAML SP certificate (PEM file) [PRENOTA_SAML_CERT]")
	level := 2
	if v := env("PRENOTA_SPID_LEVEL"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			f.err = errors.Join(f.err, fmt.Errorf("PRENOTA_SPID_LEVEL: want 1, 2 or 3, got %q", v))
		}
		level = n
	}
	f.fs.IntVar(&ic.SPIDLevel, "spid-level", level, "SPID level requested: 1, 2 or 3 [PRENOTA_SPID_LEVEL]")
	f.fs.StringVar(&ic.Organization, "ente", env("PRENOTA_ENTE"), "the Comune's name for the SAML metadata [PRENOTA_ENTE]")
	f.fs.StringVar(&ic.IPACode, "ipa-code", env("PRENOTA_IPA_CODE"), "the Comune's IPA code for the SPID metadata [PRENOTA_IPA_CODE]")
	f.fs.StringVar(&ic.ContactEmail, "ente-email", env("PRENOTA_ENTE_EMAIL"), "contact email for the SPID metadata [PRENOTA_ENTE_EMAIL]")
	f.fs.StringVar(&ic.Municipality, "ente-comune", env("PRENOTA_ENTE_COMUNE"), "the Comune's Belfiore code (e.g. H501) for the CIE metadata [PRENOTA_ENTE_COMUNE]")
	f.fs.StringVar(&ic.OIDCIssuer, "oidc-issuer", env("PRENOTA_OIDC_ISSUER"), "OpenID Connect issuer URL [PRENOTA_OIDC_ISSUER]")
	f.fs.StringVar(&ic.OIDCClientID, "oidc-client-id", env("PRENOTA_OIDC_CLIENT_ID"), "OpenID Connect client ID [PRENOTA_OIDC_CLIENT_ID]")
	ic.OIDCClientSecret = f.fileEnv(getenv, "PRENOTA_OIDC_CLIENT_SECRET") // a secret: environment or _FILE only
	f.fs.StringVar(&ic.OIDCFiscalNumberClaim, "oidc-fiscal-number-claim", env("PRENOTA_OIDC_FISCAL_NUMBER_CLAIM"), "ID token claim with the codice fiscale (default fiscal_number) [PRENOTA_OIDC_FISCAL_NUMBER_CLAIM]")
	demoIdP := strings.ToLower(env("PRENOTA_DEMO_IDP"))
	ic.DemoIdP = demoIdP != "0" && demoIdP != "off" && demoIdP != "false"
	f.fs.BoolVar(&ic.DemoIdP, "demo-idp", ic.DemoIdP, "with --demo: the built-in SPID and CIE test identity providers at /demo/idp [PRENOTA_DEMO_IDP]")
	prod := strings.ToLower(env("PRENOTA_PRODUCTION"))
	ic.Production = prod == "1" || prod == "on" || prod == "true"
	f.fs.BoolVar(&ic.Production, "production", ic.Production, "production: refuses demo mode, requires https and SAML keys [PRENOTA_PRODUCTION]")
	setProxies := func(s string) error {
		ic.TrustedProxies = nil
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			pfx, err := netip.ParsePrefix(p)
			if err != nil {
				a, err2 := netip.ParseAddr(p)
				if err2 != nil {
					return fmt.Errorf("trusted proxy %q: %v", p, err)
				}
				pfx = netip.PrefixFrom(a, a.BitLen())
			}
			ic.TrustedProxies = append(ic.TrustedProxies, pfx)
		}
		return nil
	}
	if err := setProxies(env("PRENOTA_TRUSTED_PROXIES")); err != nil {
		f.err = errors.Join(f.err, fmt.Errorf("PRENOTA_TRUSTED_PROXIES: %w", err))
	}
	f.fs.Func("trusted-proxies", "CIDRs whose X-Forwarded-For is trusted, comma-separated [PRENOTA_TRUSTED_PROXIES]", setProxies)
}

// fileEnv reads NAME, or the file named by NAME_FILE (for secrets); a file
// that cannot be read is an error of the configuration.
func (f *flags) fileEnv(getenv func(string) string, name string) string {
	if v := getenv(name); v != "" {
		return v
	}
	if p := getenv(name + "_FILE"); p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			f.err = errors.Join(f.err, fmt.Errorf("%s_FILE: %w", name, err))
		}
		return strings.TrimSpace(string(b))
	}
	return ""
}

const userUsage = `usage: prenota user add --login L --name "Nome Cognome" --email E [--cf CF] [--role admin|operatore|terzo] [database flags]

The password is read from PRENOTA_USER_PASSWORD or, if unset, from the first
line of standard input. It needs at least 12 characters.
`

// runUser runs "prenota user add …": it creates an account for staff or an
// authorised third party (there is no self-registration).
func runUser(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "add" {
		fmt.Fprint(stderr, userUsage)
		return errors.New("unknown user command (try: prenota user add)")
	}
	f := newFlags(getenv, stderr)
	login := f.fs.String("login", "", "Identificativo Utente")
	name := f.fs.String("name", "", "Nome Cognome")
	email := f.fs.String("email", "", "email, for Recupera password")
	cf := f.fs.String("cf", "", "codice fiscale (optional)")
	role := f.fs.String("role", "terzo", "admin, operatore or terzo")
	if err := f.fs.Parse(args[1:]); err != nil {
		return err
	}
	if f.err != nil {
		return f.err
	}
	r, ok := auth.ParseRole(*role)
	if !ok {
		return fmt.Errorf("--role must be admin, operatore or terzo, got %q", *role)
	}
	pw := getenv("PRENOTA_USER_PASSWORD")
	if pw == "" {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && line == "" {
			return errors.New("no password: set PRENOTA_USER_PASSWORD or write it on standard input")
		}
		pw = strings.TrimRight(line, "\r\n")
	}
	u, err := auth.NewUser(*login, *name, *email, *cf, r, pw)
	if err != nil {
		return userError(err)
	}
	store, err := sqlstore.Open(ctx, f.cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer store.Close()
	acc := auth.NewAccounts(auth.AccountsConfig{Store: store, Logger: slog.New(slog.NewTextHandler(stderr, nil))})
	if err := acc.AddUser(ctx, u, "cli"); err != nil {
		return userError(err)
	}
	fmt.Fprintf(stderr, "user %s (%s) created\n", u.Login, u.Role)
	return nil
}

// userError lists the fields at fault.
func userError(err error) error {
	var be *booking.Error
	if errors.As(err, &be) && len(be.Fields) > 0 {
		var msgs []string
		for _, f := range be.Fields {
			msgs = append(msgs, "--"+strings.ReplaceAll(f.Field, "codice_fiscale", "cf")+": "+f.Message)
		}
		return errors.New(strings.Join(msgs, "\n"))
	}
	return err
}
