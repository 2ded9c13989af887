package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/httperr"
)

// Feedback is one answer to the satisfaction widget (SPEC §12).
type Feedback struct {
	Page    string // where the widget was: "esito"
	Rating  int    // 1–5
	Reason  string // the aspect chosen
	Comment string // free text
}

// Config is what the citizen pages need.
type Config struct {
	Service  *booking.Service
	Sessions *auth.Manager // the handler must be wrapped in Sessions.Middleware
	BaseURL  string        // public URL, for the iCalendar file
	Demo     bool          // offer the demo identity provider on the login page
	Logger   *slog.Logger
	// CheckPerson checks an anagrafica against the official place lists and
	// its codice fiscale (the same checker the service runs on Confirm), so
	// that the Anagrafica step reports every problem before Conferma.
	CheckPerson booking.PersonChecker
	// SaveFeedback stores a rating of the satisfaction widget; nil discards it.
	SaveFeedback func(ctx context.Context, f Feedback) error
	// SPIDLoginURL, CIELoginURL and OIDCLoginURL start a SPID, CIE or
	// OpenID Connect login (the identity routes, e.g. "/auth/spid/login");
	// "" says the login is not configured, and the page does not offer it.
	// The page appends ?next=<path>. OIDCLabel is the OIDC button's text.
	SPIDLoginURL, CIELoginURL string
	OIDCLoginURL, OIDCLabel   string
	// PasswordLogin checks credentials of "Soggetti Terzi Autorizzati" and
	// audits the login (the page then starts the session); nil hides the
	// Credenziali form. Errors: EUnauthorized, or a *auth.LimitError.
	PasswordLogin func(r *http.Request, login, password string) (auth.Identity, error)
	// RecoverPasswordURL ("Recupera password") and StaffLoginURL ("Login
	// assistenza", the back office login) are linked from the Credenziali
	// panel when set.
	RecoverPasswordURL, StaffLoginURL string
	// Accounts starts and ends sessions (a new token at login) and conto
	// terzi, writing each to the audit log, and audits the bookings
	// confirmed and cancelled from the pages. Nil: the pages use Sessions
	// directly and audit nothing (tests of this package alone).
	Accounts *auth.Accounts
	// Limits are the request limits on the demo login (Login) and on
	// "Continua" (Hold); nil limits nothing.
	Limits *auth.RateLimits
}

// server holds the parsed pages and the dependencies of the handlers.
type server struct {
	cfg   Config
	svc   *booking.Service
	sess  *auth.Manager
	log   *slog.Logger
	pages map[string]*template.Template
	mux   *http.ServeMux
	// patterns are the ServeMux patterns of routes, in order (Patterns).
	patterns []string
}

// pageFiles maps each page to its template file; every page also gets
// partials.html. All are parsed at start by New.
var pageFiles = []string{
	"home", "area", "accedi", "prenota", "disponibilita", "anagrafica", "conferma", "esito",
	"prenotazioni", "disdici", "conto_terzi", "info", "errore", "lista_attesa", "sala_attesa",
	"servizi", "servizio", "argomenti", "faq",
}

// New returns the handler of the citizen pages and of /static/. Wrap it in
// Sessions.Middleware. Every template is parsed here: a broken one is an
// error at start.
func New(cfg Config) (http.Handler, error) {
	if cfg.Service == nil || cfg.Sessions == nil {
		return nil, errors.New("web: Config.Service and Config.Sessions are required")
	}
	s := &server{cfg: cfg, svc: cfg.Service, sess: cfg.Sessions, log: cfg.Logger, pages: map[string]*template.Template{}}
	if s.log == nil {
		s.log = slog.Default()
	}
	for _, name := range pageFiles {
		t, err := NewPage("partials.html", name+".html")
		if err != nil {
			return nil, fmt.Errorf("web: page %s: %w", name, err)
		}
		s.pages[name] = t
	}
	s.routes()
	// Unsafe requests from other origins are refused (CSRF): the browser's
	// Sec-Fetch-Site / Origin headers say where a form was posted from.
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.errorPage(w, r, http.StatusForbidden, "Richiesta rifiutata", "Il modulo è stato inviato da un altro sito. Torni alla pagina del servizio e riprovi da lì.")
	}))
	return cop.Handler(s.mux), nil
}

// handler is a page handler that may fail; errors (and panics) are answered
// by serveError.
type handler func(w http.ResponseWriter, r *http.Request) error

func (s *server) handle(pattern string, h handler) {
	s.patterns = append(s.patterns, pattern)
	s.mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.serveError(w, r, booking.Panicked(v))
			}
		}()
		if err := h(w, r); err != nil {
			s.serveError(w, r, err)
		}
	})
}

// login wraps h so that it runs only for a logged-in user; others are sent
// to the login page, which brings them back.
func (s *server) login(h func(w http.ResponseWriter, r *http.Request, id auth.Identity) error) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, ok := auth.Current(r.Context())
		if !ok || id.Subject == "" {
			next := r.URL.RequestURI()
			if r.Method != http.MethodGet {
				next = r.Header.Get("Referer")
				if u, err := url.Parse(next); err == nil {
					next = u.RequestURI()
				}
			}
			http.Redirect(w, r, "/accedi?next="+url.QueryEscape(auth.SafeNext(next)), http.StatusSeeOther)
			return nil
		}
		return h(w, r, id)
	}
}

// Patterns lists the ServeMux patterns of the citizen pages ("GET
// /prenotazioni/{id}", …) besides /static/, so that tests can cover every
// route (the authorization matrix of app).
func Patterns() []string {
	s := &server{}
	s.routes()
	return s.patterns
}

func (s *server) routes() {
	m := http.NewServeMux()
	s.mux = m
	m.Handle("GET /static/", Static())
	m.HandleFunc("GET /logo", s.logo) // public, like /static/ (not in Patterns)
	s.handle("GET /{$}", s.home)
	s.handle("GET /area-prenotazioni", s.area)
	s.handle("GET /accedi", s.loginPage)
	s.handle("POST /accedi/demo", s.demoLogin)
	s.handle("POST /accedi/credenziali", s.passwordLogin)
	s.handle("POST /esci", s.logout)
	s.handle("GET /prenota", s.prenota)
	s.handle("GET /prenota/luoghi/comuni", s.comuniOptions)
	s.handle("GET /prenota/{id}/disponibilita", s.login(s.availability))
	s.handle("POST /prenota/{id}/disponibilita", s.login(s.hold))
	s.handle("GET /prenota/anagrafica", s.login(s.anagrafica))
	s.handle("POST /prenota/anagrafica", s.login(s.saveAnagrafica))
	s.handle("GET /prenota/conferma", s.login(s.conferma))
	s.handle("POST /prenota/conferma", s.login(s.confirm))
	s.handle("POST /prenota/annulla", s.login(s.release))
	s.handle("POST /prenota/prolunga", s.login(s.extend))
	s.handle("GET /prenota/scaduta", s.login(s.expired))
	s.handle("POST /prenota/scaduta", s.login(s.expired))
	s.handle("GET /prenotazioni", s.login(s.bookings))
	s.handle("GET /prenotazioni/{id}", s.login(s.result))
	s.handle("GET /prenotazioni/{id}/disdici", s.login(s.cancelPage))
	s.handle("POST /prenotazioni/{id}/disdici", s.login(s.cancel))
	s.handle("GET /prenotazioni/{id}/ricevuta.pdf", s.login(s.receiptPDF))
	s.handle("GET /prenotazioni/{id}/calendario.ics", s.login(s.receiptICS))
	s.handle("GET /lista-attesa/{id}", s.login(s.waitlistForm))
	s.handle("POST /lista-attesa/{id}", s.login(s.joinWaitlist))
	s.handle("POST /lista-attesa/{id}/rimuovi", s.login(s.leaveWaitlist))
	s.handle("GET /lista-attesa/offerta/{id}", s.login(s.offer))
	s.handle("GET /conto-terzi", s.login(s.contoTerzi))
	s.handle("POST /conto-terzi", s.login(s.impersonate))
	s.handle("POST /conto-terzi/disconnetti", s.login(s.stopImpersonating))
	s.handle("POST /valutazione", s.feedback)
	s.handle("GET /servizi", s.services)
	s.handle("GET /servizi/{id}", s.sheet)
	s.handle("GET /argomenti", s.topics)
	s.handle("GET /faq", s.faq)
	s.handle("GET /privacy", s.info)
	s.handle("GET /note-legali", s.info)
	s.handle("GET /accessibilita", s.info)
	s.handle("/", func(w http.ResponseWriter, r *http.Request) error {
		return booking.Errorf(booking.ENotFound, "La pagina richiesta non esiste.")
	})
}

// layout returns the furniture of every page for r: the Comune, the user,
// the impersonation banner and the pending flash message.
func (s *server) layout(r *http.Request, nav, title string, crumbs ...Crumb) Layout {
	return pageLayout(r, s.svc, s.sess, nav, title, crumbs...)
}

// pageLayout is the Layout of a portal page for r: the Comune's settings,
// the user, the breadcrumb from the home page and the pending flash message.
func pageLayout(r *http.Request, svc *booking.Service, sess *auth.Manager, nav, title string, crumbs ...Crumb) Layout {
	l := Layout{Nav: nav, PageTitle: title, Breadcrumb: append([]Crumb{{"Servizi online", "/"}}, crumbs...)}
	if st, err := svc.Settings(r.Context()); err == nil {
		l.SetComune(st)
	}
	if l.ComuneName == "" {
		l.ComuneName = "Comune"
	}
	if id, ok := auth.Current(r.Context()); ok {
		l.User = id.DisplayName()
		if l.User == "" {
			l.User = id.Subject
		}
		l.Impersonating = id.Impersonating
	}
	if f := sess.Pop(r.Context(), flashKey); f != "" {
		json.Unmarshal([]byte(f), &l.Flash)
	}
	return l
}

// NewFrame returns the auth.Frame that shows the pages of the identity
// routes (credentials, password recovery, conto terzi, SPID's IdP list, their
// errors) in the portal's layout.
func NewFrame(svc *booking.Service, sess *auth.Manager) (auth.Frame, error) {
	t, err := NewPage("frame.html")
	if err != nil {
		return nil, fmt.Errorf("web: frame: %w", err)
	}
	type framePage struct {
		Layout
		Body template.HTML
	}
	return func(w http.ResponseWriter, r *http.Request, status int, title string, body template.HTML) {
		var b strings.Builder
		if err := t.ExecuteTemplate(&b, "layout", framePage{pageLayout(r, svc, sess, "", title, Crumb{Label: title}), body}); err != nil {
			slog.Error("web: frame", "err", err)
			http.Error(w, "Errore interno", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		io.WriteString(w, b.String())
	}, nil
}

const flashKey = "web.flash"

// flash keeps a message for the next page the user sees.
func (s *server) flash(ctx context.Context, kind, text string) {
	b, _ := json.Marshal(Flash{Kind: kind, Text: text})
	s.sess.Put(ctx, flashKey, string(b))
}

// render executes page with data, status 200 unless given.
func (s *server) render(w http.ResponseWriter, r *http.Request, page string, data any, status ...int) error {
	t, ok := s.pages[page]
	if !ok {
		return fmt.Errorf("web: no page %q", page)
	}
	var b strings.Builder
	if err := t.ExecuteTemplate(&b, "layout", data); err != nil {
		return booking.Internal(err)
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	if len(status) > 0 {
		w.WriteHeader(status[0])
	}
	_, err := w.Write([]byte(b.String()))
	return err
}

// renderBlock executes one {{define}} block of page (an htmx fragment).
func (s *server) renderBlock(w http.ResponseWriter, page, block string, data any) error {
	var b strings.Builder
	if err := s.pages[page].ExecuteTemplate(&b, block, data); err != nil {
		return booking.Internal(err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, err := w.Write([]byte(b.String()))
	return err
}

type errorPage struct {
	Layout
	Message string
}

// serveError answers err as an HTML page with the status of its code; the
// details of internal errors are logged, never shown.
func (s *server) serveError(w http.ResponseWriter, r *http.Request, err error) {
	httperr.Log(s.log, r, err)
	s.errorPage(w, r, httperr.Status(err), httperr.PageTitle(err), booking.ErrorMessage(err))
}

func (s *server) errorPage(w http.ResponseWriter, r *http.Request, status int, title, msg string) {
	p := errorPage{Layout: s.layout(r, "", title), Message: msg}
	if err := s.render(w, r, "errore", p, status); err != nil {
		http.Error(w, msg, status)
	}
}

// isHTMX reports whether r comes from htmx (which swaps a fragment).
func isHTMX(r *http.Request) bool { return r.Header.Get("HX-Request") == "true" }

// Italian names of days and months, for dates shown in words.
var (
	weekdays   = [...]string{"domenica", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"}
	weekdayAbb = [...]string{"DOM", "LUN", "MAR", "MER", "GIO", "VEN", "SAB"}
	months     = [...]string{"", "gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"}
)

func rome(t time.Time) time.Time { return t.In(booking.Rome) }

// longDate is "lunedì 7 dicembre 2026".
func longDate(t time.Time) string {
	t = rome(t)
	return fmt.Sprintf("%s %d %s %d", weekdays[t.Weekday()], t.Day(), months[t.Month()], t.Year())
}

// span is "lunedì 7 dicembre 2026, dalle 10:00 alle 11:00".
func span(start, end time.Time) string {
	return longDate(start) + ", dalle " + rome(start).Format("15:04") + " alle " + rome(end).Format("15:04")
}

// daFinoA is the seed's "da 29/03/2018 13:20 a 29/03/2018 14:40".
func daFinoA(start, end time.Time) string {
	return "da " + rome(start).Format("02/01/2006 15:04") + " a " + rome(end).Format("02/01/2006 15:04")
}

// logo serves the Comune's logo (booking.Settings.Logo) with its content
// type and a short cache lifetime, so that a new logo shows within minutes;
// 404 when none is set.
func (s *server) logo(w http.ResponseWriter, r *http.Request) {
	st, err := s.svc.Settings(r.Context())
	if err != nil {
		s.serveError(w, r, err)
		return
	}
	if len(st.Logo) == 0 {
		w.Header().Set("Cache-Control", "no-store")
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", http.DetectContentType(st.Logo))
	w.Header().Set("Cache-Control", "public, max-age=300")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", strconv.Itoa(len(st.Logo)))
	if r.Method != http.MethodHead {
		w.Write(st.Logo)
	}
}
