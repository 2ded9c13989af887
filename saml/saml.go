// Package saml is the SAML 2.0 service provider of Prenota for SPID and CIE
// (github.com/crewjam/saml), following the AgID technical rules: signed
// metadata with the SPID AttributeConsumingService and the ContactPerson of
// a public body (CIE's own profile for CIE), AuthnRequests signed with
// RSA-SHA256 over the HTTP-POST binding, ForceAuthn and the SpidL2
// authentication context for level 2, transient NameIDs. Responses are
// checked for signature, audience, destination, validity window,
// InResponseTo (a request this SP made, kept in the database under the
// browser that made it) and one-time use (assertion IDs kept in the
// database until they expire), then against the SPID profile (checkProfile);
// a message with a DOCTYPE is refused before parsing. An IdP's error
// answer shows the page of its SPID anomaly code (nr19–nr25). Single
// logout works both ways over HTTP-POST.
//
// One Provider serves one federation ("spid" or "cie") under
// /auth/<name>/: metadata, login (choosing the IdP), the assertion
// consumer service, logout and the single logout service.
package saml

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/beevik/etree"
	gosaml "github.com/crewjam/saml"
	"github.com/jonboulle/clockwork"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
)

// Store keeps the one-time records of the exchange (sqlstore.Store).
type Store interface {
	// PutAuthRequest keeps a pending request until expires.
	PutAuthRequest(ctx context.Context, id string, data []byte, expires time.Time) error
	// TakeAuthRequest removes and returns a pending request that has not
	// expired at now; ok is false when there is none.
	TakeAuthRequest(ctx context.Context, id string, now time.Time) (data []byte, ok bool, err error)
	// ConsumeOnce records id until expires; false when already recorded.
	ConsumeOnce(ctx context.Context, id string, expires, now time.Time) (bool, error)
}

// The SPID authentication levels (AuthnContextClassRef).
const (
	SpidL1 = "https://www.spid.gov.it/SpidL1"
	SpidL2 = "https://www.spid.gov.it/SpidL2"
	SpidL3 = "https://www.spid.gov.it/SpidL3"
)

// Config configures a Provider.
type Config struct {
	// Name is "spid" or "cie": the path /auth/<Name>/… and Identity.Method.
	Name string
	// Label is the login button's text, e.g. "Entra con SPID".
	Label string
	// BaseURL is the public URL of Prenota (https in production).
	BaseURL string
	// EntityID is the SP's entity ID; default BaseURL + "/auth/<Name>/metadata".
	EntityID string
	// Key and Cert sign the metadata and the AuthnRequests (RSA ≥ 2048).
	Key  *rsa.PrivateKey
	Cert *x509.Certificate
	// IdPs are the trusted identity providers (see LoadIdPMetadata).
	IdPs []*gosaml.EntityDescriptor
	// Level is the SPID level requested, 1 to 3; default 2. Above 1,
	// ForceAuthn is set.
	Level int
	// Organization is the Comune's name for the metadata; IPACode its code
	// in the IPA index and ContactEmail its contact, for the SPID
	// ContactPerson of public bodies.
	Organization, IPACode, ContactEmail string
	// Municipality is the Belfiore code of the Comune (e.g. H501), for the
	// CIE metadata's cie:Municipality.
	Municipality string
	// RequestTTL bounds the time from the login to the IdP's answer;
	// default 15 minutes.
	RequestTTL time.Duration
	Store      Store
	Accounts   *auth.Accounts
	// Now replaces the real clock (tests).
	Now    func() time.Time
	Logger *slog.Logger
}

// Provider is a SAML service provider for one federation.
type Provider struct {
	cfg                     Config
	log                     *slog.Logger
	metadataURL, acsURL     url.URL
	sloURL                  url.URL
	idps                    map[string]*gosaml.EntityDescriptor
	certID                  string
	dsClock                 *dsig.Clock
	metadataXML             []byte
	metadataErr             error
	replay                  replayCache
	authnContextComparisons map[string]int
}

// New checks cfg and returns the provider.
func New(cfg Config) (*Provider, error) {
	if cfg.Name == "" || strings.ContainsAny(cfg.Name, "/ ") {
		return nil, fmt.Errorf("saml: bad provider name %q", cfg.Name)
	}
	if cfg.Key == nil || cfg.Cert == nil {
		return nil, fmt.Errorf("saml %s: the SP key and certificate are required", cfg.Name)
	}
	if cfg.Key.N.BitLen() < MinKeyBits {
		return nil, fmt.Errorf("saml %s: RSA key of %d bits, at least %d required", cfg.Name, cfg.Key.N.BitLen(), MinKeyBits)
	}
	if len(cfg.IdPs) == 0 {
		return nil, fmt.Errorf("saml %s: no identity provider metadata", cfg.Name)
	}
	if cfg.Store == nil || cfg.Accounts == nil {
		return nil, fmt.Errorf("saml %s: Store and Accounts are required", cfg.Name)
	}
	if cfg.Level == 0 {
		cfg.Level = 2
	}
	if cfg.Level < 1 || cfg.Level > 3 {
		return nil, fmt.Errorf("saml %s: level must be 1, 2 or 3, got %d", cfg.Name, cfg.Level)
	}
	if cfg.RequestTTL <= 0 {
		cfg.RequestTTL = 15 * time.Minute
	}
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	base, err := url.Parse(cfg.BaseURL)
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("saml %s: bad base URL %q", cfg.Name, cfg.BaseURL)
	}
	if cfg.Organization == "" {
		cfg.Organization = "Comune"
	}
	p := &Provider{cfg: cfg, log: cfg.Logger, idps: map[string]*gosaml.EntityDescriptor{}}
	if p.log == nil {
		p.log = slog.Default()
	}
	at := func(path string) url.URL { u := *base; u.Path = strings.TrimSuffix(base.Path, "/") + path; return u }
	p.metadataURL, p.acsURL, p.sloURL = at("/auth/"+cfg.Name+"/metadata"), at("/auth/"+cfg.Name+"/acs"), at("/auth/"+cfg.Name+"/slo")
	if p.cfg.EntityID == "" {
		p.cfg.EntityID = p.metadataURL.String()
	}
	for _, ed := range cfg.IdPs {
		p.idps[ed.EntityID] = ed
	}
	sum := sha256.Sum256(cfg.Cert.Raw)
	p.certID = hex.EncodeToString(sum[:8])
	if cfg.Now != nil {
		p.dsClock = dsig.NewFakeClock(nowClock{clockwork.NewRealClock(), cfg.Now})
	}
	p.replay = replayCache{p}
	p.authnContextComparisons = map[string]int{SpidL1: 1, SpidL2: 2, SpidL3: 3}
	p.metadataXML, p.metadataErr = p.signedMetadata()
	if p.metadataErr != nil {
		return nil, fmt.Errorf("saml %s: metadata: %w", cfg.Name, p.metadataErr)
	}
	return p, nil
}

func (p *Provider) now() time.Time {
	if p.cfg.Now != nil {
		return p.cfg.Now()
	}
	return time.Now()
}

// EntityID returns the SP's entity ID.
func (p *Provider) EntityID() string { return p.cfg.EntityID }

// Name returns "spid" or "cie".
func (p *Provider) Name() string { return p.cfg.Name }

// levelRef is the AuthnContextClassRef of the configured level.
func (p *Provider) levelRef() string {
	return fmt.Sprintf("https://www.spid.gov.it/SpidL%d", p.cfg.Level)
}

// sp returns a crewjam ServiceProvider for idp (nil: none, for metadata).
func (p *Provider) sp(idp *gosaml.EntityDescriptor) *gosaml.ServiceProvider {
	force := p.cfg.Level > 1
	sp := &gosaml.ServiceProvider{
		EntityID:                         p.cfg.EntityID,
		Key:                              p.cfg.Key,
		Certificate:                      p.cfg.Cert,
		MetadataURL:                      p.metadataURL,
		AcsURL:                           p.acsURL,
		SloURL:                           p.sloURL,
		IDPMetadata:                      idp,
		AuthnNameIDFormat:                gosaml.TransientNameIDFormat,
		SignatureMethod:                  dsig.RSASHA256SignatureMethod,
		ForceAuthn:                       &force,
		RequestedAuthnContext:            &gosaml.RequestedAuthnContext{Comparison: "minimum", AuthnContextClassRefs: []string{p.levelRef()}},
		ValidateAuthnContextClassRef:     true,
		AuthnContextClassRefComparator:   p.compareLevel,
		LogoutBindings:                   []string{gosaml.HTTPPostBinding},
		AssertionConsumerServiceBindings: []string{gosaml.HTTPPostBinding},
		MetadataOmitValidUntil:           true,
		RejectSHA1Signatures:             true,
		RejectUnknownConditions:          false,
		Clock:                            p.dsClock,
		ReplayCache:                      p.replay,
	}
	return sp
}

// compareLevel accepts an assertion whose SPID level is at least the
// requested one ("minimum").
func (p *Provider) compareLevel(comparison string, requested []string, got string) bool {
	if comparison != "minimum" || len(requested) == 0 {
		return false
	}
	g, ok := p.authnContextComparisons[got]
	return ok && g >= p.authnContextComparisons[requested[0]]
}

// nowClock is a clockwork.Clock whose Now is given.
type nowClock struct {
	clockwork.Clock
	now func() time.Time
}

func (c nowClock) Now() time.Time { return c.now() }

// replayCache records accepted assertion IDs in the database, so that an
// assertion is accepted once across all instances.
type replayCache struct{ p *Provider }

func (c replayCache) Consume(id string, expiresAt time.Time) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fresh, err := c.p.cfg.Store.ConsumeOnce(ctx, c.p.cfg.Name+":"+id, expiresAt, c.p.now())
	if err != nil {
		return err
	}
	if !fresh {
		return gosaml.ErrAssertionReplayed
	}
	return nil
}

// IdPs returns the identity providers for the login page, with the URL that
// starts the login with each (next is where to go afterwards).
func (p *Provider) IdPs(next string) []auth.IdP {
	var out []auth.IdP
	for _, ed := range p.cfg.IdPs {
		u := url.URL{Path: "/auth/" + p.cfg.Name + "/login"}
		q := url.Values{"idp": {ed.EntityID}}
		if n := auth.SafeNext(next); n != "/" {
			q.Set("next", n)
		}
		u.RawQuery = q.Encode()
		out = append(out, auth.IdP{EntityID: ed.EntityID, Name: idpName(ed), LoginURL: u.String(), Logo: idpLogo(ed)})
	}
	return out
}

// idpLogo is not in SPID metadata (the login button uses AgID's logos).
func idpLogo(*gosaml.EntityDescriptor) string { return "" }

// LoginProvider describes this provider for the login page.
func (p *Provider) LoginProvider(next string) auth.Provider {
	label := p.cfg.Label
	if label == "" {
		label = "Entra con " + strings.ToUpper(p.cfg.Name)
	}
	pr := auth.Provider{ID: p.cfg.Name, Label: label, IdPs: p.IdPs(next)}
	if len(pr.IdPs) == 1 {
		pr.LoginURL = pr.IdPs[0].LoginURL
	}
	return pr
}

// ACSPattern is the ServeMux pattern of the assertion consumer service: the
// one route that must bypass the cross-origin protection (the IdP's page
// posts the Response to it).
func (p *Provider) ACSPattern() string { return "POST /auth/" + p.cfg.Name + "/acs" }

// SLOPattern is the ServeMux pattern of the single logout service, where
// the IdP's page posts its LogoutRequest or LogoutResponse: a cross-site
// POST too, trusted for its signature, not its origin.
func (p *Provider) SLOPattern() string { return "POST /auth/" + p.cfg.Name + "/slo" }

// BypassPatterns are the patterns that must bypass the cross-origin
// protection: the ACS and the SLO service.
func (p *Provider) BypassPatterns() []string { return []string{p.ACSPattern(), p.SLOPattern()} }

// Register mounts the provider's endpoints:
//
//	GET  /auth/<name>/metadata            the signed SP metadata
//	GET  /auth/<name>/login?idp=…&next=…  posts a signed AuthnRequest to the IdP
//	POST /auth/<name>/acs                 the assertion consumer service
//	POST /auth/<name>/logout              single logout started here (same origin)
//	POST /auth/<name>/slo                 the IdP's LogoutRequest or LogoutResponse
//	GET  /auth/<name>/slo                 logs nobody out: back to the home page
func (p *Provider) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /auth/"+p.cfg.Name+"/metadata", p.serveMetadata)
	mux.HandleFunc("GET /auth/"+p.cfg.Name+"/login", p.login)
	mux.HandleFunc(p.ACSPattern(), p.acs)
	mux.HandleFunc("POST /auth/"+p.cfg.Name+"/logout", p.startLogout)
	mux.HandleFunc(p.SLOPattern(), p.slo)
	mux.HandleFunc("GET /auth/"+p.cfg.Name+"/slo", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
}

func (p *Provider) serveMetadata(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	w.Header().Set("Content-Disposition", `inline; filename="metadata-`+p.cfg.Name+`.xml"`)
	w.Write(p.metadataXML)
}

// pending is what the SP remembers of an AuthnRequest until the answer.
type pending struct {
	IdP     string    `json:"idp"`
	Next    string    `json:"next"`
	Relay   string    `json:"relay"`
	Created time.Time `json:"created"`
}

// The binding cookie ties a pending request to the browser that started the
// login: a Response is accepted only from that browser, so nobody can log a
// victim into an account of theirs by making the victim's browser post a
// Response obtained elsewhere (login CSRF). The IdP's page posts to the ACS
// cross-site, so over https the cookie is SameSite=None; Secure.
func (p *Provider) bindingCookie(value string, maxAge int) *http.Cookie {
	secure := p.acsURL.Scheme == "https"
	c := &http.Cookie{Name: "prenota_saml_" + p.cfg.Name, Value: value, Path: p.acsURL.Path, MaxAge: maxAge,
		HttpOnly: true, Secure: secure, SameSite: http.SameSiteLaxMode}
	if secure {
		c.SameSite = http.SameSiteNoneMode
	}
	return c
}

func digest(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// AuthnRequest builds the signed AuthnRequest for idp per the SPID rules.
func (p *Provider) AuthnRequest(idp *gosaml.EntityDescriptor) (*gosaml.AuthnRequest, error) {
	sp := p.sp(idp)
	dest := sp.GetSSOBindingLocation(gosaml.HTTPPostBinding)
	if dest == "" {
		return nil, fmt.Errorf("IdP %s has no HTTP-POST SingleSignOnService", idp.EntityID)
	}
	// Built unsigned (the redirect binding), adjusted, then signed.
	req, err := sp.MakeAuthenticationRequest(dest, gosaml.HTTPRedirectBinding, gosaml.HTTPPostBinding)
	if err != nil {
		return nil, err
	}
	req.ID = "_" + strings.TrimPrefix(req.ID, "id-")
	req.IssueInstant = req.IssueInstant.UTC().Truncate(time.Second)
	req.Issuer.NameQualifier = p.cfg.EntityID
	req.Issuer.Format = "urn:oasis:names:tc:SAML:2.0:nameid-format:entity"
	req.AttributeConsumingServiceIndex = "0"
	transient := string(gosaml.TransientNameIDFormat)
	req.NameIDPolicy = &gosaml.NameIDPolicy{Format: &transient}
	if err := sp.SignAuthnRequest(req); err != nil {
		return nil, err
	}
	return req, nil
}

// autoPost is a page that posts a SAML message to the other party of the
// exchange by itself, with a button for browsers without JavaScript.
type autoPost struct {
	Title, Text, Button string
	URL, Field, Value   string
	RelayState          string
	Nonce               string
}

var autoPostPage = template.Must(template.New("post").Parse(`<!doctype html>
<html lang="it"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{{.Title}} — Prenota</title></head>
<body><main class="container my-4">
<h1>{{.Title}}</h1>
<p>{{.Text}}</p>
<form method="post" action="{{.URL}}" id="saml-form">
<input type="hidden" name="{{.Field}}" value="{{.Value}}">
{{with .RelayState}}<input type="hidden" name="RelayState" value="{{.}}">{{end}}
<button type="submit" class="btn btn-primary">{{.Button}}</button>
</form></main>
<script nonce="{{.Nonce}}">document.getElementById('saml-form').submit();</script>
</body></html>`))

// writeAutoPost answers page, whose script alone may run and whose form
// may post only to the destination's origin.
func writeAutoPost(w http.ResponseWriter, page autoPost) {
	page.Nonce = randomToken()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Security-Policy", "default-src 'none'; script-src 'nonce-"+page.Nonce+"'; form-action "+formAction(page.URL)+"; frame-ancestors 'none'")
	autoPostPage.Execute(w, page)
}

// encodeElement is el as base64 XML, for a posted form.
func encodeElement(el *etree.Element) (string, error) {
	doc := etree.NewDocument()
	doc.SetRoot(el)
	b, err := doc.WriteToBytes()
	if err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

func (p *Provider) login(w http.ResponseWriter, r *http.Request) {
	a := p.cfg.Accounts
	if err := a.Limits().Login(r); err != nil {
		a.ErrorPage(w, r, "Accesso", err)
		return
	}
	idpID := r.FormValue("idp")
	if idpID == "" && len(p.cfg.IdPs) == 1 && p.isCIE() {
		// CIE has one IdP; SPID always shows its list of IdPs, as AgID's
		// login button does.
		idpID = p.cfg.IdPs[0].EntityID
	}
	if idpID == "" {
		p.chooser(w, r)
		return
	}
	idp, ok := p.idps[idpID]
	if !ok {
		a.ErrorPage(w, r, "Accesso", booking.Invalid(booking.FieldError{Field: "idp", Message: "Scelga il gestore dell'identità dall'elenco della pagina di accesso."}))
		return
	}
	req, err := p.AuthnRequest(idp)
	if err != nil {
		a.ErrorPage(w, r, "Accesso", booking.Internal(err))
		return
	}
	relay, browser := randomToken(), randomToken()
	now := p.now()
	data, _ := json.Marshal(pending{IdP: idp.EntityID, Next: auth.SafeNext(r.FormValue("next")), Relay: relay, Created: now})
	if err := p.cfg.Store.PutAuthRequest(r.Context(), p.pendingKey(req.ID, browser), data, now.Add(p.cfg.RequestTTL)); err != nil {
		a.ErrorPage(w, r, "Accesso", booking.Internal(err))
		return
	}
	value, err := encodeElement(req.Element())
	if err != nil {
		a.ErrorPage(w, r, "Accesso", booking.Internal(err))
		return
	}
	http.SetCookie(w, p.bindingCookie(browser, int(p.cfg.RequestTTL/time.Second)))
	label := p.cfg.Label
	if label == "" {
		label = strings.ToUpper(p.cfg.Name)
	}
	label = strings.TrimPrefix(label, "Entra con ")
	writeAutoPost(w, autoPost{Title: "Accesso con " + label,
		Text:   "Stiamo per portarla alla pagina del gestore dell'identità «" + idpName(idp) + "». Se non succede nulla entro qualche secondo, prema il pulsante.",
		Button: "Prosegui verso il gestore dell'identità", URL: req.Destination, Field: "SAMLRequest", Value: value, RelayState: relay})
}

var chooserList = template.Must(template.New("chooser").Parse(`<p>Scelga il gestore della sua identità digitale: la porteremo alla sua pagina di accesso.</p>
<ul class="list-unstyled" id="gestori">{{range .IdPs}}<li><a class="btn btn-outline-primary my-1 gestore" href="{{.LoginURL}}">{{.Name}}</a></li>{{end}}</ul>
<p class="small"><a href="/accedi">Torna alle modalità di accesso</a></p>`))

// chooser lists the IdPs when the login page did not say which.
func (p *Provider) chooser(w http.ResponseWriter, r *http.Request) {
	lp := p.LoginProvider(r.FormValue("next"))
	var b strings.Builder
	if err := chooserList.Execute(&b, lp); err != nil {
		p.cfg.Accounts.ErrorPage(w, r, "Accesso", booking.Internal(err))
		return
	}
	p.cfg.Accounts.Page(w, r, http.StatusOK, lp.Label, template.HTML(b.String()))
}

// formAction is the CSP source of the IdP's origin.
func formAction(dest string) string {
	u, err := url.Parse(dest)
	if err != nil || u.Host == "" {
		return "'none'"
	}
	return u.Scheme + "://" + u.Host
}

func randomToken() string {
	b := make([]byte, 18)
	rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// ErrRefused is what every refused Response unwraps to.
var ErrRefused = errors.New("saml: response refused")

// acs is the assertion consumer service: the IdP's page posts the Response
// here (a cross-site POST, so the session cookie may not come with it: the
// pending request is found in the database by InResponseTo and the binding
// cookie, scoped to this path, that says it is the browser that asked).
func (p *Provider) acs(w http.ResponseWriter, r *http.Request) {
	a := p.cfg.Accounts
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		p.refuse(w, r, fmt.Errorf("%w: form: %w", ErrRefused, err))
		return
	}
	id, err := p.complete(r)
	http.SetCookie(w, p.bindingCookie("", -1))
	if err != nil {
		p.refuse(w, r, err)
		return
	}
	if err := a.Login(r, id.Identity); err != nil {
		a.ErrorPage(w, r, "Accesso", err)
		return
	}
	p.rememberSession(r, id.Identity)
	http.Redirect(w, r, id.next, http.StatusSeeOther)
}

type completed struct {
	auth.Identity
	next string
}

// statusError is a Response whose status is not Success: the IdP did not
// authenticate the user, and says why in message.
type statusError struct {
	status, message string
}

func (e statusError) Error() string {
	return fmt.Sprintf("%v: status %s, message %q", ErrRefused, e.status, e.message)
}

func (e statusError) Unwrap() error { return ErrRefused }

// decode reads a posted SAML message (field name), refusing a DOCTYPE
// before parsing.
func decode(r *http.Request, name string) (*etree.Element, error) {
	raw, err := base64.StdEncoding.DecodeString(r.PostForm.Get(name))
	if err != nil || len(raw) == 0 {
		return nil, fmt.Errorf("%w: %s missing or not base64", ErrRefused, name)
	}
	if hasDoctype(raw) {
		return nil, fmt.Errorf("%w: %w", ErrRefused, errDoctype)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil || doc.Root() == nil {
		return nil, fmt.Errorf("%w: %s is not XML", ErrRefused, name)
	}
	return doc.Root(), nil
}

func (p *Provider) complete(r *http.Request) (completed, error) {
	root, err := decode(r, "SAMLResponse")
	if err != nil {
		return completed{}, err
	}
	// Only to find the pending request; ParseResponse checks it again
	// against the signed content.
	reqID := root.SelectAttrValue("InResponseTo", "")
	if reqID == "" {
		return completed{}, fmt.Errorf("%w: unsolicited response (no InResponseTo)", ErrRefused)
	}
	c, err := r.Cookie(p.bindingCookie("", 0).Name)
	if err != nil || c.Value == "" {
		return completed{}, fmt.Errorf("%w: the response comes to a browser that did not start this login", ErrRefused)
	}
	// The pending request is keyed by the browser too: a Response posted
	// from another browser finds nothing and leaves it to the real one.
	data, ok, err := p.cfg.Store.TakeAuthRequest(r.Context(), p.pendingKey(reqID, c.Value), p.now())
	if err != nil {
		return completed{}, err
	}
	if !ok {
		return completed{}, fmt.Errorf("%w: InResponseTo %q is not a pending request of this SP from this browser (expired, used, never made or made by another browser)", ErrRefused, reqID)
	}
	var pd pending
	if err := json.Unmarshal(data, &pd); err != nil {
		return completed{}, err
	}
	idp := p.idps[pd.IdP]
	if idp == nil {
		return completed{}, fmt.Errorf("%w: IdP %q no longer configured", ErrRefused, pd.IdP)
	}
	if rs := r.PostForm.Get("RelayState"); rs != pd.Relay {
		return completed{}, fmt.Errorf("%w: RelayState does not match the request", ErrRefused)
	}
	sp := p.sp(idp)
	u := p.acsURL
	r2 := r.Clone(r.Context())
	r2.URL = &u // the public URL, as the Destination names it (behind proxies too)
	assertion, err := sp.ParseResponse(r2, []string{reqID})
	if err != nil {
		err = privateErr(err)
		var bs gosaml.ErrBadStatus
		if errors.As(err, &bs) {
			return completed{}, statusError{status: bs.Status, message: statusMessage(root)}
		}
		return completed{}, fmt.Errorf("%w: %w", ErrRefused, err)
	}
	if err := checkProfile(root); err != nil {
		return completed{}, fmt.Errorf("%w: %w", ErrRefused, err)
	}
	if assertion.Issuer.Value != idp.EntityID {
		return completed{}, fmt.Errorf("%w: assertion issuer %q, request sent to %q", ErrRefused, assertion.Issuer.Value, idp.EntityID)
	}
	id, err := identityFrom(assertion, p.cfg.Name, idp.EntityID)
	if err != nil {
		return completed{}, fmt.Errorf("%w: %w", ErrRefused, err)
	}
	return completed{Identity: id, next: auth.SafeNext(pd.Next)}, nil
}

// pendingKey is the store key of a pending request made by the browser
// whose binding cookie is browser.
func (p *Provider) pendingKey(reqID, browser string) string {
	return p.cfg.Name + ":" + reqID + ":" + digest(browser)
}

// refuse logs why a Response was refused, audits the failed login and
// shows an Italian page: the anomaly's own page for the SPID error codes
// (401), else a generic one (403).
func (p *Provider) refuse(w http.ResponseWriter, r *http.Request, err error) {
	p.log.Warn("saml response refused", "provider", p.cfg.Name, "err", err)
	p.cfg.Accounts.LoginFailed(r, p.cfg.Name, "", truncate(err.Error(), 500))
	var se statusError
	if errors.As(err, &se) {
		a, ok := anomalyOf(se.message)
		if !ok {
			a = otherAnomaly
		}
		p.showAnomaly(w, r, a)
		return
	}
	p.cfg.Accounts.ErrorPage(w, r, "Accesso non riuscito", booking.Errorf(booking.EForbidden, "%s",
		"L'accesso non è riuscito: la risposta del gestore dell'identità non è valida o è scaduta. Ricominci l'accesso dalla pagina del servizio."))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
