// Package mailbox serves the demo's local mailbox: the emails the message
// worker stored instead of sending them (no SMTP server in demo mode), shown
// in Italian with their parts and attachments, and the MIME parser that
// reads them back (tests use it too).
package mailbox

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/prenota/prenota/booking"
)

// StoredEmail is an email of the local mailbox.
type StoredEmail struct {
	ID       int64
	Received time.Time
	Raw      []byte
}

// Store reads the local mailbox.
type Store interface {
	// MailboxEmails returns a page of emails, newest first, and their total.
	MailboxEmails(ctx context.Context, limit, offset int) ([]StoredEmail, int, error)
	// MailboxEmail returns one email; a booking.ENotFound error when missing.
	MailboxEmail(ctx context.Context, id int64) (StoredEmail, error)
}

// Options configure the mailbox pages.
type Options struct {
	// StaticURL gives the URL of a static file of the site (web.StaticURL), for
	// the Bootstrap Italia stylesheet; nil leaves the pages unstyled.
	StaticURL func(path string) string
	Logger    *slog.Logger
}

// Path is where the mailbox pages are.
const Path = "/demo/posta"

// Handler serves the demo's local mailbox, in Italian: the list at
// /demo/posta, a message at /demo/posta/{id} (headers, text, the HTML part in
// a sandboxed frame), its HTML part at /demo/posta/{id}/html and its
// attachments at /demo/posta/{id}/allegati/{n} (n from 1). Mount it only in
// demo mode: it shows everyone's emails.
func Handler(s Store, opt Options) http.Handler {
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	h := &mailbox{s: s, opt: opt}
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+Path, h.list)
	mux.HandleFunc("GET "+Path+"/{$}", h.list)
	mux.HandleFunc("GET "+Path+"/{id}", h.show)
	mux.HandleFunc("GET "+Path+"/{id}/html", h.html)
	mux.HandleFunc("GET "+Path+"/{id}/allegati/{n}", h.attachment)
	return mux
}

type mailbox struct {
	s   Store
	opt Options
}

var mailboxPages = template.Must(template.New("").Funcs(template.FuncMap{
	"inc": func(i int) int { return i + 1 },
	"size": func(b []byte) string {
		if len(b) < 1024 {
			return strconv.Itoa(len(b)) + " byte"
		}
		return strconv.Itoa((len(b)+1023)/1024) + " kB"
	},
}).Parse(`
{{define "head"}}<!doctype html>
<html lang="it">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} - Posta della demo</title>
{{with .CSS}}<link rel="stylesheet" href="{{.}}">{{end}}
</head>
<body>
<main class="container my-4">
<nav aria-label="Percorso di navigazione" class="breadcrumb-container"><ol class="breadcrumb">
<li class="breadcrumb-item"><a href="/">Home</a><span class="separator">/</span></li>
<li class="breadcrumb-item{{if not .Message}} active{{end}}">{{if .Message}}<a href="/demo/posta">Posta della demo</a><span class="separator">/</span>{{else}}Posta della demo{{end}}</li>
{{if .Message}}<li class="breadcrumb-item active" aria-current="page">Messaggio</li>{{end}}
</ol></nav>
<div class="alert alert-info" role="note">Modalità demo: nessun server di posta è configurato, quindi i messaggi che il servizio invierebbe per email sono raccolti qui.</div>
{{end}}
{{define "foot"}}</main>
</body>
</html>{{end}}

{{define "list"}}{{template "head" .}}
<h1>Posta della demo</h1>
<p>Totale messaggi: {{.Total}}</p>
{{if .Items}}
<div class="table-responsive">
<table class="table table-striped">
<caption class="visually-hidden">Messaggi ricevuti, dal più recente</caption>
<thead><tr><th scope="col">Ricevuto</th><th scope="col">Destinatario</th><th scope="col">Oggetto</th><th scope="col">Allegati</th></tr></thead>
<tbody>
{{range .Items}}<tr>
<td>{{.Received}}</td><td>{{.To}}</td><td><a href="/demo/posta/{{.ID}}">{{.Subject}}</a></td><td>{{.Attachments}}</td>
</tr>
{{end}}</tbody>
</table>
</div>
{{else}}<p>Nessun messaggio per ora: faccia una prenotazione e la conferma arriverà qui.</p>{{end}}
<nav aria-label="Pagine">{{if .Prev}}<a class="btn btn-outline-primary me-2" href="?pagina={{.Prev}}">Più recenti</a>{{end}}{{if .Next}}<a class="btn btn-outline-primary" href="?pagina={{.Next}}">Meno recenti</a>{{end}}</nav>
{{template "foot" .}}{{end}}

{{define "show"}}{{template "head" .}}
{{with .Message}}
<h1>{{.Subject}}</h1>
<dl class="row">
<dt class="col-sm-2">Da</dt><dd class="col-sm-10">{{.From}}</dd>
<dt class="col-sm-2">A</dt><dd class="col-sm-10">{{.To}}</dd>
{{with .ReplyTo}}<dt class="col-sm-2">Rispondi a</dt><dd class="col-sm-10">{{.}}</dd>{{end}}
<dt class="col-sm-2">Data</dt><dd class="col-sm-10">{{.Date}}</dd>
<dt class="col-sm-2">Message-ID</dt><dd class="col-sm-10"><code>{{.MessageID}}</code></dd>
</dl>
{{if .Attachments}}
<h2 class="h4">Allegati</h2>
<ul>
{{range $i, $a := .Attachments}}<li><a href="/demo/posta/{{$.ID}}/allegati/{{inc $i}}" download="{{$a.Name}}">{{$a.Name}}</a> ({{$a.ContentType}}, {{size $a.Data}})</li>
{{end}}</ul>
{{end}}
{{if .HTML}}
<h2 class="h4">Versione HTML</h2>
<iframe title="Versione HTML del messaggio" sandbox="" src="/demo/posta/{{$.ID}}/html" style="width:100%;height:40rem;border:1px solid #ccc"></iframe>
{{end}}
<h2 class="h4 mt-4">Versione testo</h2>
<pre style="white-space:pre-wrap;border:1px solid #ccc;padding:1rem">{{.Text}}</pre>
{{end}}
{{template "foot" .}}{{end}}
`))

type mailboxPage struct {
	Title   string
	CSS     string
	Total   int
	Items   []mailboxItem
	Prev    int
	Next    int
	ID      int64
	Message *Parsed
}

type mailboxItem struct {
	ID          int64
	Received    string
	To          string
	Subject     string
	Attachments int
}

const mailboxPerPage = 20

func (h *mailbox) page(title string) mailboxPage {
	p := mailboxPage{Title: title}
	if h.opt.StaticURL != nil {
		p.CSS = h.opt.StaticURL("vendor/css/bootstrap-italia.min.css")
	}
	return p
}

func (h *mailbox) list(w http.ResponseWriter, r *http.Request) {
	page, _ := strconv.Atoi(r.URL.Query().Get("pagina"))
	page = max(page, 1)
	ms, total, err := h.s.MailboxEmails(r.Context(), mailboxPerPage, (page-1)*mailboxPerPage)
	if err != nil {
		h.fail(w, err)
		return
	}
	p := h.page("Posta della demo")
	p.Total = total
	for _, m := range ms {
		it := mailboxItem{ID: m.ID, Received: m.Received.In(booking.Rome).Format("02/01/2006 15:04:05")}
		if e, err := ParseEmail(m.Raw); err == nil {
			it.To, it.Subject, it.Attachments = e.To, e.Subject, len(e.Attachments)
		} else {
			it.Subject = "(messaggio illeggibile)"
		}
		p.Items = append(p.Items, it)
	}
	if page > 1 {
		p.Prev = page - 1
	}
	if page*mailboxPerPage < total {
		p.Next = page + 1
	}
	h.render(w, "list", p)
}

func (h *mailbox) load(w http.ResponseWriter, r *http.Request) (int64, *Parsed, bool) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.NotFound(w, r)
		return 0, nil, false
	}
	m, err := h.s.MailboxEmail(r.Context(), id)
	if err != nil {
		var de *booking.Error
		if errors.As(err, &de) && de.Code == booking.ENotFound {
			http.Error(w, "Messaggio non trovato.", http.StatusNotFound)
		} else {
			h.fail(w, err)
		}
		return 0, nil, false
	}
	e, err := ParseEmail(m.Raw)
	if err != nil {
		h.fail(w, err)
		return 0, nil, false
	}
	return id, e, true
}

func (h *mailbox) show(w http.ResponseWriter, r *http.Request) {
	id, e, ok := h.load(w, r)
	if !ok {
		return
	}
	p := h.page(e.Subject)
	p.ID, p.Message = id, e
	h.render(w, "show", p)
}

// html serves a message's HTML part in a sandbox: no scripts, no plugins, no
// navigation, no requests to other sites.
func (h *mailbox) html(w http.ResponseWriter, r *http.Request) {
	_, e, ok := h.load(w, r)
	if !ok {
		return
	}
	// Framed by the message's page only.
	w.Header().Set("Content-Security-Policy", "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'")
	w.Header().Set("X-Frame-Options", "SAMEORIGIN")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write([]byte(e.HTML))
}

func (h *mailbox) attachment(w http.ResponseWriter, r *http.Request) {
	_, e, ok := h.load(w, r)
	if !ok {
		return
	}
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 || n > len(e.Attachments) {
		http.Error(w, "Allegato non trovato.", http.StatusNotFound)
		return
	}
	a := e.Attachments[n-1]
	ct := a.ContentType
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt == "text/html" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": a.Name}))
	w.Header().Set("Content-Security-Policy", "sandbox")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", strconv.Itoa(len(a.Data)))
	w.Write(a.Data)
}

func (h *mailbox) render(w http.ResponseWriter, name string, p mailboxPage) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := mailboxPages.ExecuteTemplate(w, name, p); err != nil {
		h.opt.Logger.Error("mailbox page", "err", err)
	}
}

func (h *mailbox) fail(w http.ResponseWriter, err error) {
	h.opt.Logger.Error("mailbox", "err", err)
	http.Error(w, fmt.Sprintf("Errore interno: %s", "riprovi più tardi."), http.StatusInternalServerError)
}
