// Package oidc is the OpenID Connect relying party of Prenota, for Comuni
// that front SPID and CIE with a proxy (iam-proxy-italia, Keycloak…): the
// authorization code flow with PKCE (S256), state and nonce, the ID token
// verified by github.com/coreos/go-oidc, and its claims mapped to the
// identity with configurable claim names.
package oidc

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/codicefiscale"
	"github.com/prenota/prenota/places"
)

// Claims names the claims that carry each datum; empty fields take the
// defaults (the names iam-proxy-italia uses for SPID attributes, and the
// standard OIDC ones).
type Claims struct {
	FiscalNumber string // default "fiscal_number"; a "TINIT-" prefix is removed
	GivenName    string // default "given_name"
	FamilyName   string // default "family_name"
	Birthdate    string // default "birthdate" (YYYY-MM-DD)
	PlaceOfBirth string // default "place_of_birth" (Belfiore code)
	Gender       string // default "gender"
	Email        string // default "email"
	Phone        string // default "phone_number"
}

func (c Claims) withDefaults() Claims {
	def := func(v *string, d string) {
		if *v == "" {
			*v = d
		}
	}
	def(&c.FiscalNumber, "fiscal_number")
	def(&c.GivenName, "given_name")
	def(&c.FamilyName, "family_name")
	def(&c.Birthdate, "birthdate")
	def(&c.PlaceOfBirth, "place_of_birth")
	def(&c.Gender, "gender")
	def(&c.Email, "email")
	def(&c.Phone, "phone_number")
	return c
}

// Config configures a Provider.
type Config struct {
	Issuer       string // PRENOTA_OIDC_ISSUER
	ClientID     string // PRENOTA_OIDC_CLIENT_ID
	ClientSecret string // PRENOTA_OIDC_CLIENT_SECRET
	BaseURL      string // the callback is BaseURL + "/auth/oidc/callback"
	Scopes       []string
	Claims       Claims
	Label        string // login button, default "Entra con SPID / CIE"
	Accounts     *auth.Accounts
	HTTPClient   *http.Client // for discovery, token and keys; default http.DefaultClient
	Logger       *slog.Logger
}

// Provider is an OIDC relying party.
type Provider struct {
	cfg      Config
	oauth    oauth2.Config
	verifier *gooidc.IDTokenVerifier
	log      *slog.Logger
}

// New discovers the issuer's configuration and returns the provider.
func New(ctx context.Context, cfg Config) (*Provider, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" {
		return nil, errors.New("oidc: issuer and client ID are required")
	}
	if cfg.Accounts == nil {
		return nil, errors.New("oidc: Accounts is required")
	}
	if cfg.HTTPClient != nil {
		ctx = gooidc.ClientContext(ctx, cfg.HTTPClient)
	}
	op, err := gooidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("oidc: discovery of %s: %w", cfg.Issuer, err)
	}
	cfg.Claims = cfg.Claims.withDefaults()
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{gooidc.ScopeOpenID, "profile", "email"}
	}
	p := &Provider{cfg: cfg, log: cfg.Logger}
	if p.log == nil {
		p.log = slog.Default()
	}
	p.oauth = oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Endpoint: op.Endpoint(),
		RedirectURL: strings.TrimSuffix(cfg.BaseURL, "/") + "/auth/oidc/callback", Scopes: cfg.Scopes}
	p.verifier = op.Verifier(&gooidc.Config{ClientID: cfg.ClientID})
	return p, nil
}

// LoginProvider describes this provider for the login page.
func (p *Provider) LoginProvider(next string) auth.Provider {
	label := p.cfg.Label
	if label == "" {
		label = "Entra con SPID / CIE"
	}
	return auth.Provider{ID: "oidc", Label: label, LoginURL: auth.LoginURL("/auth/oidc/login", next)}
}

// Register mounts GET /auth/oidc/login?next=… and GET /auth/oidc/callback.
func (p *Provider) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /auth/oidc/login", p.login)
	mux.HandleFunc("GET /auth/oidc/callback", p.callback)
}

// flow is what the session keeps between login and callback.
type flow struct {
	State    string    `json:"state"`
	Nonce    string    `json:"nonce"`
	Verifier string    `json:"verifier"`
	Next     string    `json:"next"`
	Started  time.Time `json:"started"`
}

const flowKey = "oidc_flow"

func random() string {
	b := make([]byte, 24)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (p *Provider) login(w http.ResponseWriter, r *http.Request) {
	a := p.cfg.Accounts
	if err := a.Limits().Login(r); err != nil {
		a.ErrorPage(w, r, "Accesso", err)
		return
	}
	f := flow{State: random(), Nonce: random(), Verifier: oauth2.GenerateVerifier(), Next: auth.SafeNext(r.FormValue("next")), Started: time.Now()}
	b, _ := json.Marshal(f)
	// The session cookie is SameSite=Lax: it comes back with the provider's
	// top-level redirect to the callback.
	a.Sessions().Put(r.Context(), flowKey, string(b))
	u := p.oauth.AuthCodeURL(f.State, gooidc.Nonce(f.Nonce), oauth2.S256ChallengeOption(f.Verifier))
	http.Redirect(w, r, u, http.StatusFound)
}

func (p *Provider) callback(w http.ResponseWriter, r *http.Request) {
	a := p.cfg.Accounts
	id, next, err := p.exchange(r)
	if err != nil {
		p.log.Warn("oidc login refused", "err", err)
		a.LoginFailed(r, "oidc", "", err.Error())
		msg := "L'accesso non è riuscito: la risposta del gestore dell'identità non è valida o è scaduta. Ricominci l'accesso dalla pagina del servizio."
		if r.FormValue("error") != "" {
			msg = "L'accesso non è stato completato presso il gestore dell'identità (annullato o non riuscito). Può riprovare dalla pagina di accesso."
		}
		a.ErrorPage(w, r, "Accesso non riuscito", booking.Errorf(booking.EForbidden, "%s", msg))
		return
	}
	if err := a.Login(r, id); err != nil {
		a.ErrorPage(w, r, "Accesso", err)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (p *Provider) exchange(r *http.Request) (auth.Identity, string, error) {
	a := p.cfg.Accounts
	raw := a.Sessions().Pop(r.Context(), flowKey) // one use
	if raw == "" {
		return auth.Identity{}, "", errors.New("no login in progress in this session")
	}
	var f flow
	if err := json.Unmarshal([]byte(raw), &f); err != nil {
		return auth.Identity{}, "", err
	}
	if time.Since(f.Started) > 15*time.Minute {
		return auth.Identity{}, "", errors.New("login started too long ago")
	}
	if e := r.FormValue("error"); e != "" {
		return auth.Identity{}, "", fmt.Errorf("provider error %q: %s", e, r.FormValue("error_description"))
	}
	if r.FormValue("state") != f.State {
		return auth.Identity{}, "", errors.New("state does not match")
	}
	ctx := r.Context()
	if p.cfg.HTTPClient != nil {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, p.cfg.HTTPClient)
	}
	tok, err := p.oauth.Exchange(ctx, r.FormValue("code"), oauth2.VerifierOption(f.Verifier))
	if err != nil {
		return auth.Identity{}, "", fmt.Errorf("code exchange: %w", err)
	}
	rawID, ok := tok.Extra("id_token").(string)
	if !ok {
		return auth.Identity{}, "", errors.New("no id_token in the token response")
	}
	idt, err := p.verifier.Verify(ctx, rawID)
	if err != nil {
		return auth.Identity{}, "", fmt.Errorf("id_token: %w", err)
	}
	if idt.Nonce != f.Nonce {
		return auth.Identity{}, "", errors.New("id_token nonce does not match")
	}
	var claims map[string]any
	if err := idt.Claims(&claims); err != nil {
		return auth.Identity{}, "", err
	}
	id, err := p.identity(claims)
	if err != nil {
		return auth.Identity{}, "", err
	}
	id.IdP = p.cfg.Issuer
	return id, f.Next, nil
}

func str(claims map[string]any, name string) string {
	s, _ := claims[name].(string)
	return strings.TrimSpace(s)
}

// identity maps the ID token's claims (see Claims) to the identity.
func (p *Provider) identity(claims map[string]any) (auth.Identity, error) {
	c := p.cfg.Claims
	cf := strings.TrimPrefix(strings.ToUpper(str(claims, c.FiscalNumber)), "TINIT-")
	if cf == "" {
		return auth.Identity{}, fmt.Errorf("no %s claim", c.FiscalNumber)
	}
	code, err := codicefiscale.Parse(cf)
	if err != nil {
		return auth.Identity{}, fmt.Errorf("%s %q: %v", c.FiscalNumber, cf, err)
	}
	per := booking.Person{Nome: str(claims, c.GivenName), Cognome: str(claims, c.FamilyName), CodiceFiscale: code.Value,
		Email: str(claims, c.Email), Telefono: str(claims, c.Phone), Sesso: code.Sex}
	if g := strings.ToUpper(str(claims, c.Gender)); g == "M" || g == "F" {
		per.Sesso = g
	}
	d := code.BirthDate
	if t, err := time.Parse(time.DateOnly, str(claims, c.Birthdate)); err == nil {
		d = t
	}
	per.DataNascita = booking.Date{Year: d.Year(), Month: d.Month(), Day: d.Day()}
	place := strings.ToUpper(str(claims, c.PlaceOfBirth))
	if place == "" {
		place = code.Belfiore
	}
	if places.IsCountryCode(place) {
		if co, ok := places.CountryByBelfiore(place); ok {
			per.NazioneNascita = co.Name
		}
	} else if cm, ok := places.ComuneByBelfiore(place); ok {
		per.NazioneNascita, per.ProvinciaNascita, per.ComuneNascita = booking.Italy, cm.Province, cm.Name
	}
	per = per.Normalize()
	return auth.Identity{Subject: per.CodiceFiscale, CodiceFiscale: per.CodiceFiscale, Nome: per.Nome, Cognome: per.Cognome, Method: "oidc", Person: &per}, nil
}
