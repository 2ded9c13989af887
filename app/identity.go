package app

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/oidc"
	"github.com/prenota/prenota/saml"
	"github.com/prenota/prenota/sqlstore"
	"github.com/prenota/prenota/web"
)

// IdentityConfig configures identity and access (SPEC §2, §9, §12).
type IdentityConfig struct {
	// Production refuses the demo identity provider and an http base URL,
	// and requires real SAML keys. [PRENOTA_PRODUCTION]
	Production bool
	// SPIDMetadata and CIEMetadata are IdP metadata files or directories of
	// *.xml files; empty disables the method. [PRENOTA_SPID_METADATA,
	// PRENOTA_CIE_METADATA, comma-separated]
	SPIDMetadata, CIEMetadata []string
	// SAMLKey and SAMLCert are the SP's RSA key and certificate (PEM). In
	// demo mode, when both are missing, a self-signed pair is made in
	// ./data. [PRENOTA_SAML_KEY, PRENOTA_SAML_CERT]
	SAMLKey, SAMLCert string
	// SPIDLevel is the SPID level requested (1–3, default 2). [PRENOTA_SPID_LEVEL]
	SPIDLevel int
	// Organization, IPACode and ContactEmail describe the Comune in the SP
	// metadata. [PRENOTA_ENTE, PRENOTA_IPA_CODE, PRENOTA_ENTE_EMAIL]
	Organization, IPACode, ContactEmail string
	// Municipality is the Belfiore code of the Comune (e.g. H501), for the
	// CIE metadata. [PRENOTA_ENTE_COMUNE]
	Municipality string
	// DemoIdP adds, in demo mode, the built-in test identity providers at
	// /demo/idp/spid and /demo/idp/cie, which speak real SAML to the SPID
	// and CIE providers (enabled even without IdP metadata).
	// [PRENOTA_DEMO_IDP, default on with --demo]
	DemoIdP bool
	// OIDC login through a proxy in front of SPID/CIE.
	// [PRENOTA_OIDC_ISSUER, PRENOTA_OIDC_CLIENT_ID, PRENOTA_OIDC_CLIENT_SECRET,
	// PRENOTA_OIDC_FISCAL_NUMBER_CLAIM]
	OIDCIssuer, OIDCClientID, OIDCClientSecret string
	OIDCFiscalNumberClaim                      string
	// TrustedProxies are the addresses whose X-Forwarded-For is believed
	// (CIDR). [PRENOTA_TRUSTED_PROXIES, comma-separated]
	TrustedProxies []netip.Prefix
	// Lockout of credentials after failed logins; zero fields take the
	// defaults (5 per account, 20 per IP, 1 minute doubling to 1 hour,
	// reset after 15 minutes).
	Lockout auth.Lockout
	// Limits of requests (used when Config.RateLimit is on).
	Limits auth.RateLimitOptions
}

// Validate checks the identity configuration against the rest.
func (c Config) validateIdentity() error {
	ic := c.Identity
	var errs []error
	if ic.Production {
		if c.Demo {
			errs = append(errs, errors.New("the demo identity provider is refused in production (unset PRENOTA_DEMO)"))
		}
		if !strings.HasPrefix(c.BaseURL, "https://") {
			errs = append(errs, errors.New("production needs an https base URL (secure cookies, SAML)"))
		}
	}
	if (len(ic.SPIDMetadata) > 0 || len(ic.CIEMetadata) > 0) && !c.Demo && (ic.SAMLKey == "" || ic.SAMLCert == "") {
		errs = append(errs, errors.New("SPID/CIE need PRENOTA_SAML_KEY and PRENOTA_SAML_CERT"))
	}
	if !c.Demo {
		errs = append(errs, ic.agidProblems(len(ic.SPIDMetadata) > 0, len(ic.CIEMetadata) > 0)...)
	}
	if ic.SPIDLevel < 0 || ic.SPIDLevel > 3 {
		errs = append(errs, fmt.Errorf("PRENOTA_SPID_LEVEL must be 1, 2 or 3, got %d", ic.SPIDLevel))
	}
	if (ic.OIDCIssuer == "") != (ic.OIDCClientID == "") {
		errs = append(errs, errors.New("OIDC needs both PRENOTA_OIDC_ISSUER and PRENOTA_OIDC_CLIENT_ID"))
	}
	return errors.Join(errs...)
}

// agidProblems lists what AgID would refuse in the metadata of an SPID or
// CIE service provider: the ContactPerson of a public body (Avviso SPID
// n. 29 v3) needs the IPA code, the ente's name and its email.
func (ic IdentityConfig) agidProblems(spid, cie bool) []error {
	if !spid && !cie {
		return nil
	}
	var errs []error
	for _, f := range []struct{ value, flag, env, what string }{
		{ic.IPACode, "--ipa-code", "PRENOTA_IPA_CODE", "the Comune's code in the IPA index (e.g. c_h501)"},
		{ic.Organization, "--ente", "PRENOTA_ENTE", "the Comune's name (e.g. \"Comune di Roma\")"},
		{ic.ContactEmail, "--ente-email", "PRENOTA_ENTE_EMAIL", "the Comune's contact email for AgID"},
	} {
		if strings.TrimSpace(f.value) == "" {
			errs = append(errs, fmt.Errorf("SPID/CIE need %s (%s): %s, required by AgID in the metadata's ContactPerson", f.flag, f.env, f.what))
		}
	}
	if cie && strings.TrimSpace(ic.Municipality) == "" {
		errs = append(errs, errors.New("CIE needs --ente-comune (PRENOTA_ENTE_COMUNE): the Belfiore code of the Comune (e.g. H501), required in the CIE metadata's cie:Municipality"))
	}
	return errs
}

// Identity is the identity and access part of a running App: what the page
// and API handlers call.
type Identity struct {
	// Accounts: credentials, logout, password reset, conto terzi
	// (StartImpersonation, StopImpersonation), Audit.
	Accounts *auth.Accounts
	// Limits: Limits.Login(r), Limits.Hold(r) return a *auth.LimitError
	// (429 with auth.WriteRetryAfter).
	Limits     *auth.RateLimits
	SPID, CIE  *saml.Provider // nil when not configured
	OIDC       *oidc.Provider // nil when not configured
	acsBypass  []string
	trustProxy []netip.Prefix
}

// setupIdentity builds the identity providers and mounts their routes on
// mux: /auth/….
func (a *App) setupIdentity(ctx context.Context, mux *http.ServeMux) error {
	cfg := a.cfg
	ic := cfg.Identity
	if err := cfg.validateIdentity(); err != nil {
		return err
	}
	id := &Identity{trustProxy: ic.TrustedProxies}
	limits := ic.Limits
	if a.Store.Dialect() == sqlstore.Postgres {
		limits.Shared = a.Store // several instances may share it: so do their limits
	}
	id.Limits = auth.NewRateLimits(cfg.RateLimit, limits)
	frame, err := web.NewFrame(a.Service, a.Sessions)
	if err != nil {
		return err
	}
	id.Accounts = auth.NewAccounts(auth.AccountsConfig{Sessions: a.Sessions, Store: a.Store, BaseURL: cfg.BaseURL, Demo: cfg.Demo,
		Limits: id.Limits, Lockout: ic.Lockout, Providers: id.LoginProviders, Logger: a.log, Frame: frame})
	if err := a.setupSAML(id, mux); err != nil {
		return err
	}
	if ic.OIDCIssuer != "" {
		p, err := oidc.New(ctx, oidc.Config{Issuer: ic.OIDCIssuer, ClientID: ic.OIDCClientID, ClientSecret: ic.OIDCClientSecret,
			BaseURL: cfg.BaseURL, Claims: oidc.Claims{FiscalNumber: ic.OIDCFiscalNumberClaim}, Accounts: id.Accounts, Logger: a.log})
		if err != nil {
			return err
		}
		p.Register(mux)
		id.OIDC = p
	}
	id.Accounts.Register(mux)
	a.Identity = id
	return nil
}

// protect wraps the root handler: client address, then cross-origin
// protection (bypassed only by the SAML assertion consumer services).
func (id *Identity) protect(h http.Handler) http.Handler {
	return auth.RealIP(id.trustProxy)(auth.Protect(h, id.acsBypass...))
}

// LoginProviders lists the login methods for the login page, in order:
// SPID (with its IdPs), CIE, OIDC, credentials, demo.
func (id *Identity) LoginProviders(next string) []auth.Provider {
	var ps []auth.Provider
	for _, p := range []*saml.Provider{id.SPID, id.CIE} {
		if p != nil {
			ps = append(ps, p.LoginProvider(next))
		}
	}
	if id.OIDC != nil {
		ps = append(ps, id.OIDC.LoginProvider(next))
	}
	return append(ps, id.Accounts.AccountProviders(next)...)
}

// SPIDLoginURL is "/auth/spid/login" (it lists the IdPs) or "" when SPID
// is not configured; CIELoginURL likewise.
func (id *Identity) SPIDLoginURL() string {
	if id.SPID == nil {
		return ""
	}
	return "/auth/spid/login"
}

// CIELoginURL is "/auth/cie/login", or "" when CIE is not configured.
func (id *Identity) CIELoginURL() string {
	if id.CIE == nil {
		return ""
	}
	return "/auth/cie/login"
}

// PasswordLogin checks credentials for a page's login form (limits,
// lockout, audit of failures) and audits the success; the caller starts
// the session with Sessions.Login. Errors: EUnauthorized, or a
// *auth.LimitError (ETooMany) with the Italian message and RetryAfter.
func (id *Identity) PasswordLogin(r *http.Request, login, password string) (auth.Identity, error) {
	if err := id.Limits.Login(r); err != nil {
		return auth.Identity{}, err
	}
	ident, err := id.Accounts.Authenticate(r.Context(), login, password, auth.ClientIP(r))
	if err != nil {
		return auth.Identity{}, err
	}
	id.Accounts.Audit(r.Context(), auth.AuditEntry{Actor: ident.Subject, Action: auth.AuditLogin, Target: ident.Subject, IP: auth.ClientIP(r), Method: ident.Method})
	return ident, nil
}

// identityHousekeeping deletes expired SAML requests and assertion IDs,
// reset tokens and stale failure counters.
func (a *App) identityHousekeeping(ctx context.Context) {
	if err := a.Store.DeleteExpiredAuth(ctx, time.Now()); err != nil && ctx.Err() == nil {
		a.log.Warn("housekeeping (identity)", "err", err)
	}
}
