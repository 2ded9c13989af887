// Package demoidp is the test identity provider of the demo: a real SAML
// 2.0 IdP (github.com/crewjam/saml) at /demo/idp/<name>/ that answers the
// SP's signed AuthnRequests with signed Responses asserting the demo
// identities, as AgID's SPID test environment does. The citizen picks an
// identity, or cancels or refuses consent to see the SP's anomaly pages.
// It runs in demo mode only.
package demoidp

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"html/template"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	gosaml "github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/codicefiscale"
)

// Config configures a demo IdP.
type Config struct {
	// Name is "spid" or "cie": the IdP lives under /demo/idp/<Name>/ and
	// asserts that federation's attributes.
	Name string
	// DisplayName is the IdP's name in the SP's chooser.
	DisplayName string
	// BaseURL is Prenota's public URL.
	BaseURL string
	// ServiceProvider returns the metadata of the one SP it serves.
	ServiceProvider func() *gosaml.EntityDescriptor
	Logger          *slog.Logger
}

// IdP is a demo identity provider.
type IdP struct {
	cfg  Config
	idp  *gosaml.IdentityProvider
	base string
}

// New makes the IdP with a fresh signing key.
func New(cfg Config) (*IdP, error) {
	if cfg.Name != "spid" && cfg.Name != "cie" {
		return nil, fmt.Errorf("demoidp: name %q, want spid or cie", cfg.Name)
	}
	if cfg.ServiceProvider == nil {
		return nil, fmt.Errorf("demoidp: ServiceProvider is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(now.UnixNano()), Subject: pkix.Name{CommonName: cfg.DisplayName, Country: []string{"IT"}},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(1, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	d := &IdP{cfg: cfg, base: strings.TrimSuffix(cfg.BaseURL, "/") + "/demo/idp/" + cfg.Name}
	at := func(path string) url.URL {
		u, _ := url.Parse(d.base + path)
		return *u
	}
	d.idp = &gosaml.IdentityProvider{
		Key: key, Signer: key, Certificate: cert,
		Logger:      slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
		MetadataURL: at("/metadata"), SSOURL: at("/sso"), LogoutURL: at("/slo"),
		LogoutBindings:          []string{gosaml.HTTPPostBinding},
		ServiceProviderProvider: d, SessionProvider: d,
		SignatureMethod:      dsig.RSASHA256SignatureMethod,
		ResponseFormTemplate: responseForm,
	}
	return d, nil
}

// EntityID is the IdP's entity ID (its metadata URL).
func (d *IdP) EntityID() string { return d.base + "/metadata" }

// Metadata is the IdP's metadata, for the SP to trust it.
func (d *IdP) Metadata() *gosaml.EntityDescriptor {
	ed := d.idp.Metadata()
	ed.Organization = &gosaml.Organization{
		OrganizationNames:        []gosaml.LocalizedName{{Lang: "it", Value: d.cfg.DisplayName}},
		OrganizationDisplayNames: []gosaml.LocalizedName{{Lang: "it", Value: d.cfg.DisplayName}},
		OrganizationURLs:         []gosaml.LocalizedURI{{Lang: "it", Value: d.base + "/metadata"}},
	}
	return ed
}

// Register mounts the IdP: /demo/idp/<name>/metadata, sso, slo and the
// script that submits its forms (the pages may run no inline script).
func (d *IdP) Register(mux *http.ServeMux) {
	p := "/demo/idp/" + d.cfg.Name
	mux.HandleFunc("GET "+p+"/metadata", d.idp.ServeMetadata)
	mux.HandleFunc(p+"/sso", d.idp.ServeSSO)
	mux.HandleFunc(p+"/slo", d.idp.ServeSLO)
	mux.HandleFunc("GET "+p+"/invia.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
		w.Write([]byte(`document.getElementById('saml-form').submit();` + "\n"))
	})
}

// GetServiceProvider answers the one SP (crewjam's ServiceProviderProvider).
func (d *IdP) GetServiceProvider(_ *http.Request, id string) (*gosaml.EntityDescriptor, error) {
	if ed := d.cfg.ServiceProvider(); ed != nil && ed.EntityID == id {
		return ed, nil
	}
	return nil, os.ErrNotExist
}

// InvalidateSession ends the IdP's side of a single logout: the demo IdP
// keeps no session (every AuthnRequest asks again), so there is none.
func (d *IdP) InvalidateSession(http.ResponseWriter, *http.Request, *gosaml.IdpLogoutRequest) error {
	return nil
}

// The answers the page offers besides the identities: SPID anomaly codes.
var outcomes = map[string]string{
	"nr22": "Nego il consenso all'invio dei dati",
	"nr25": "Annullo l'accesso",
}

// GetSession shows the identity chooser, or, when the citizen has chosen,
// returns the session asserting that identity; a refusal is answered with
// a signed error Response carrying its anomaly code.
func (d *IdP) GetSession(w http.ResponseWriter, r *http.Request, req *gosaml.IdpAuthnRequest) *gosaml.Session {
	if r.Method == http.MethodPost {
		if code := r.PostForm.Get("esito"); outcomes[code] != "" {
			err := d.idp.SendErrorResponse(w, req, &gosaml.StatusError{TopLevel: gosaml.StatusResponder, SecondLevel: gosaml.StatusAuthnFailed, Message: "ErrorCode " + code})
			if err != nil {
				d.cfg.Logger.Error("demo idp: error response", "err", err)
				http.Error(w, "Errore del gestore di prova", http.StatusInternalServerError)
			}
			return nil
		}
		if cf := r.PostForm.Get("cf"); cf != "" {
			for _, di := range auth.DemoIdentities {
				if di.Person.CodiceFiscale == cf {
					return d.session(req, di)
				}
			}
		}
	}
	d.chooser(w, req)
	return nil
}

func (d *IdP) session(req *gosaml.IdpAuthnRequest, di auth.DemoIdentity) *gosaml.Session {
	now := time.Now()
	level := "https://www.spid.gov.it/SpidL2"
	if rac := req.Request.RequestedAuthnContext; rac != nil && len(rac.AuthnContextClassRefs) > 0 {
		level = rac.AuthnContextClassRefs[0]
	}
	s := &gosaml.Session{ID: randomID(), CreateTime: now, ExpireTime: now.Add(time.Hour), Index: randomID(),
		NameID: randomID(), NameIDFormat: string(gosaml.TransientNameIDFormat), AuthnContextClassRef: level}
	for _, a := range d.attributes(di) {
		s.CustomAttributes = append(s.CustomAttributes, gosaml.Attribute{Name: a[0], NameFormat: "urn:oasis:names:tc:SAML:2.0:attrname-format:basic",
			Values: []gosaml.AttributeValue{{Type: "xs:string", Value: a[1]}}})
	}
	return s
}

// attributes are what the federation releases of di: SPID's for the
// anagrafica, CIE's four.
func (d *IdP) attributes(di auth.DemoIdentity) [][2]string {
	p := di.Person
	date := fmt.Sprintf("%04d-%02d-%02d", p.DataNascita.Year, int(p.DataNascita.Month), p.DataNascita.Day)
	out := [][2]string{{"fiscalNumber", "TINIT-" + p.CodiceFiscale}, {"name", p.Nome}, {"familyName", p.Cognome}, {"dateOfBirth", date}}
	if d.cfg.Name == "cie" {
		return out
	}
	if c, err := codicefiscale.Parse(p.CodiceFiscale); err == nil {
		out = append(out, [2]string{"placeOfBirth", c.Belfiore})
	}
	return append(out, [][2]string{{"gender", p.Sesso}, {"email", p.Email}, {"mobilePhone", strings.ReplaceAll(p.Telefono, " ", "")}}...)
}

var chooserPage = template.Must(template.New("chooser").Parse(`<!doctype html>
<html lang="it"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{{.Name}} — accesso</title>
<style>
body{font-family:system-ui,sans-serif;margin:0;background:#f2f4f7;color:#1a1a1a}
header{background:#06c;color:#fff;padding:1rem}
header p{margin:.25rem 0 0}
main{max-width:40rem;margin:0 auto;padding:1rem}
.prova{display:inline-block;background:#ffd600;color:#1a1a1a;font-weight:700;padding:.1rem .5rem;border-radius:.25rem}
ul{list-style:none;padding:0}
li{margin:.5rem 0}
button{font:inherit;width:100%;text-align:left;padding:.75rem 1rem;border:2px solid #06c;border-radius:.25rem;background:#fff;color:#004d99;cursor:pointer}
button:hover,button:focus{background:#e6f0fa}
button.altro{border-color:#5c6f82;color:#1a1a1a}
.cf{font-family:monospace}
</style></head>
<body><header><h1>{{.Name}}</h1><p><span class="prova">Ambiente di prova</span> Gestore dell'identità dimostrativo: non usare dati reali.</p></header>
<main>
<p>Il servizio «{{.SP}}» chiede di accedere con la sua identità digitale{{with .Level}} (livello {{.}}){{end}}. Scelga un'identità di prova: i suoi dati saranno inviati al servizio.</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="SAMLRequest" value="{{.SAMLRequest}}">
{{with .RelayState}}<input type="hidden" name="RelayState" value="{{.}}">{{end}}
<h2>Identità di prova</h2>
<ul>{{range .Identities}}<li><button type="submit" name="cf" value="{{.Person.CodiceFiscale}}" class="identita">Entra come {{.Label}} <span class="cf">({{.Person.CodiceFiscale}})</span></button></li>{{end}}</ul>
<h2>Altre risposte</h2>
<ul>{{range $code, $label := .Outcomes}}<li><button type="submit" name="esito" value="{{$code}}" class="altro">{{$label}} (risposta con ErrorCode {{$code}})</button></li>{{end}}</ul>
</form></main></body></html>`))

func (d *IdP) chooser(w http.ResponseWriter, req *gosaml.IdpAuthnRequest) {
	sp := req.ServiceProviderMetadata.EntityID
	if o := req.ServiceProviderMetadata.Organization; o != nil && len(o.OrganizationDisplayNames) > 0 {
		sp = o.OrganizationDisplayNames[0].Value
	}
	level := ""
	if rac := req.Request.RequestedAuthnContext; rac != nil && len(rac.AuthnContextClassRefs) > 0 {
		level = strings.TrimPrefix(rac.AuthnContextClassRefs[0], "https://www.spid.gov.it/SpidL")
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	chooserPage.Execute(w, map[string]any{"Name": d.cfg.DisplayName, "SP": sp, "Level": level, "Action": d.base + "/sso",
		"SAMLRequest": base64.StdEncoding.EncodeToString(req.RequestBuffer), "RelayState": req.RelayState,
		"Identities": auth.DemoIdentities, "Outcomes": outcomes})
}

// responseForm posts the IdP's Response (or LogoutResponse) to the SP; the
// IdP's own script submits it.
var responseForm = template.Must(template.New("response").Parse(`<!doctype html>
<html lang="it"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>Ritorno al servizio</title></head>
<body><main><h1>Ritorno al servizio</h1>
<p>Stiamo tornando al servizio. Se non succede nulla entro qualche secondo, prema il pulsante.</p>
<form method="post" action="{{.URL}}" id="saml-form">
<input type="hidden" name="SAMLResponse" value="{{.SAMLResponse}}">
{{with .RelayState}}<input type="hidden" name="RelayState" value="{{.}}">{{end}}
<button type="submit">Torna al servizio</button>
</form></main>
<script src="invia.js"></script>
</body></html>`))

func randomID() string {
	b := make([]byte, 16)
	rand.Read(b)
	return "_" + base64.RawURLEncoding.EncodeToString(b)
}
