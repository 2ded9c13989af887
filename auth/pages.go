package auth

import (
	"html/template"
	"net/http"
	"strings"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/httperr"
)

// The pages of this package are the forms of the identity routes. Each is a
// body shown under its title by Accounts.Page: inside the portal's layout
// when AccountsConfig.Frame is set, else on a plain page. They work without
// JavaScript and use Bootstrap Italia's classes.
var pages = template.Must(template.New("").Parse(`
{{define "alerts"}}{{with .Error}}<div class="alert alert-danger" role="alert">{{.}}</div>{{end}}
{{with .Notice}}<div class="alert alert-success" role="status">{{.}}</div>{{end}}{{end}}

{{define "message"}}{{template "alerts" .}}<p><a href="{{.Next}}">Torna al servizio</a></p>{{end}}

{{define "password"}}{{template "alerts" .}}
<p>Accesso riservato ai Soggetti Terzi Autorizzati e al personale del Comune. I cittadini accedono con SPID o CIE.</p>
<form method="post" action="/auth/password" class="col-lg-6 px-0">
<input type="hidden" name="next" value="{{.Next}}">
<div class="mb-3"><label class="form-label" for="login">Identificativo Utente</label>
<input class="form-control" id="login" name="login" autocomplete="username" required value="{{.Login}}"></div>
<div class="mb-3"><label class="form-label" for="password">Password</label>
<input class="form-control" id="password" name="password" type="password" autocomplete="current-password" required></div>
<button class="btn btn-primary" type="submit">Accedi</button>
</form>
<p class="mt-3"><a href="/auth/recupera-password">Recupera password</a></p>
{{end}}

{{define "recover"}}{{template "alerts" .}}
{{if not .Notice}}<p>Scriva il suo Identificativo Utente (o l'email dell'account): le invieremo un collegamento per scegliere una nuova password.</p>
<form method="post" action="/auth/recupera-password" class="col-lg-6 px-0">
<div class="mb-3"><label class="form-label" for="login">Identificativo Utente o email</label>
<input class="form-control" id="login" name="login" autocomplete="username" required></div>
<button class="btn btn-primary" type="submit">Invia il collegamento</button>
</form>{{end}}
<p class="mt-3"><a href="/auth/password">Torna all'accesso</a></p>
{{end}}

{{define "newpassword"}}{{template "alerts" .}}
{{if .Token}}<form method="post" action="/auth/recupera-password/nuova" class="col-lg-6 px-0">
<input type="hidden" name="token" value="{{.Token}}">
<div class="mb-3"><label class="form-label" for="password">Nuova password (almeno 12 caratteri)</label>
<input class="form-control" id="password" name="password" type="password" autocomplete="new-password" minlength="12" required></div>
<button class="btn btn-primary" type="submit">Salva la nuova password</button>
</form>{{end}}
<p class="mt-3"><a href="/auth/password">Vai all'accesso</a></p>
{{end}}

{{define "demo"}}{{template "alerts" .}}
<div class="alert alert-warning" role="note">Ambiente di prova: queste identità sono fittizie e servono solo a provare il servizio.</div>
<form method="post" action="/auth/demo"><input type="hidden" name="next" value="{{.Next}}">
<fieldset class="mb-3"><legend class="h5">Scelga un'identità di prova</legend>
{{range $i, $d := .Demo}}<div class="form-check"><input class="form-check-input" type="radio" name="codice_fiscale" id="demo{{$i}}" value="{{$d.Person.CodiceFiscale}}"{{if eq $i 0}} checked{{end}}>
<label class="form-check-label" for="demo{{$i}}">{{$d.Label}} ({{$d.Person.CodiceFiscale}})</label></div>
{{end}}</fieldset>
<button class="btn btn-primary" type="submit">Entra</button>
</form>
{{if .DemoStaff}}<h2 class="h4 mt-5">Personale del Comune: account di prova</h2>
<p>Per provare le pagine del personale senza creare un account. Sono account fittizi, presenti solo nell'ambiente di prova.</p>
<ul class="list-unstyled">{{range .DemoStaff}}
<li class="mb-3"><form method="post" action="/auth/demo"><input type="hidden" name="staff" value="{{.Login}}"><input type="hidden" name="next" value="/backoffice/">
<button class="btn btn-outline-primary" type="submit">Entra come {{.Name}}</button> <span class="d-block d-md-inline ms-md-2">{{.Label}} (identificativo {{.Login}})</span></form></li>
{{end}}</ul>{{end}}
{{end}}

{{define "logout"}}{{template "alerts" .}}
<form method="post" action="/auth/logout"><input type="hidden" name="next" value="{{.Next}}">
<button class="btn btn-primary" type="submit">Esci</button></form>
{{end}}

{{define "contoterzi"}}{{template "alerts" .}}
<form method="post" action="/auth/conto-terzi" class="col-lg-6 px-0"><input type="hidden" name="next" value="{{.Next}}">
<div class="mb-3"><label class="form-label" for="cf">Codice fiscale fruitore (Obbligatorio)</label>
<input class="form-control" id="cf" name="codice_fiscale" required maxlength="16" autocomplete="off"></div>
<button class="btn btn-primary" type="submit">Salva</button></form>
{{end}}
`))

// plain is the page around a body when no Frame is configured.
var plain = template.Must(template.New("plain").Parse(`<!doctype html>
<html lang="it"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>{{.Title}} — Prenota</title></head>
<body><main class="container my-4" id="main"><h1 data-element="page-name">{{.Title}}</h1>
{{.Body}}
</main></body></html>`))

// A Frame shows body under title in the site's layout, answering status.
// The web package's portal layout is one (web.NewFrame).
type Frame func(w http.ResponseWriter, r *http.Request, status int, title string, body template.HTML)

// Page answers a page of the identity routes: body under title, in the
// configured Frame or on a plain page. Pages of other identity packages
// (saml's IdP chooser) use it too.
func (a *Accounts) Page(w http.ResponseWriter, r *http.Request, status int, title string, body template.HTML) {
	w.Header().Set("Cache-Control", "no-store")
	if a.cfg.Frame != nil {
		a.cfg.Frame(w, r, status, title, body)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	plain.Execute(w, struct {
		Title string
		Body  template.HTML
	}{title, body})
}

type pageData struct {
	Title, Error, Notice, Next string
	Login, Token               string
	Demo                       []DemoIdentity
	DemoStaff                  []DemoAccount
}

func (a *Accounts) render(w http.ResponseWriter, r *http.Request, status int, name string, d pageData) {
	if d.Next == "" {
		d.Next = "/"
	}
	var b strings.Builder
	if err := pages.ExecuteTemplate(&b, name, d); err != nil {
		a.log.Error("auth: page "+name, "err", err)
		status = http.StatusInternalServerError
	}
	a.Page(w, r, status, d.Title, template.HTML(b.String()))
}

// wantsJSON reports whether the client is a program (API clients, htmx
// aside) rather than a browser form.
func wantsJSON(r *http.Request) bool {
	return strings.HasPrefix(r.URL.Path, "/api/") || strings.Contains(r.Header.Get("Accept"), "application/json") ||
		strings.HasPrefix(r.Header.Get("Content-Type"), "application/json")
}

// ErrorPage answers err as problem+json or as an Italian page, with
// Retry-After for limits. Internal details are logged, never shown.
func (a *Accounts) ErrorPage(w http.ResponseWriter, r *http.Request, title string, err error) {
	status := httperr.Status(err)
	msg := booking.ErrorMessage(err)
	if d, ok := RetryAfter(err); ok {
		WriteRetryAfter(w, err)
		msg = err.Error()
		_ = d
	}
	httperr.Log(a.log, r, err)
	if wantsJSON(r) {
		p := httperr.ProblemOf(err)
		p.Detail = msg
		httperr.Write(w, p)
		return
	}
	a.render(w, r, status, "message", pageData{Title: title, Error: msg, Next: SafeNext(r.FormValue("next"))})
}
