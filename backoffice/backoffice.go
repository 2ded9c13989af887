// Package backoffice renders the Comune's back office under /backoffice/
// (SPEC §11): the resource tree and schedules with a preview of the
// citizen's week grid, the agenda of each resource (attendance, cancellation
// with a reason, CSV export, search by code), the texts of the service,
// the operatori's resources, integration tokens for the API and the audit
// log. Admins configure everything; an operatore works the agenda of the
// resources assigned to them. Every change is written to the audit log.
//
// The pages use the citizen portal's Modello Comuni layout (web.Layout).
package backoffice

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/httperr"
	"github.com/prenota/prenota/notify"
	"github.com/prenota/prenota/web"
)

//go:embed templates
var templateFS embed.FS

// Store is what the back office reads and writes beyond the booking
// service (whose methods make every change of the configuration): agendas
// and attendance, the resources' closures and openings by id, staff accounts
// and their resources, integration tokens, email templates, the audit log and
// the statistics' aggregates. The SQL store (sqlstore.Store) implements it.
type Store interface {
	booking.Store
	booking.StatisticsStore

	Agenda(ctx context.Context, resourceID int64, from, to time.Time) ([]booking.AgendaEntry, error)
	SetAttendance(ctx context.Context, bookingID, state, by string, at time.Time) error
	SearchBookings(ctx context.Context, resourceIDs []int64, cf, name string, limit int) ([]booking.Booking, error)
	Closure(ctx context.Context, id int64) (booking.Closure, error)
	Opening(ctx context.Context, id int64) (booking.Opening, error)

	UserByLogin(ctx context.Context, login string) (auth.User, error)
	Staff(ctx context.Context) ([]auth.User, error)
	StaffByCF(ctx context.Context, cf string) (auth.User, error)
	CFOwner(ctx context.Context, cf, except string) (string, error)
	UpdateStaff(ctx context.Context, login string, now time.Time, change func(u *auth.User) error) (before, after auth.User, err error)
	Assignments(ctx context.Context) (map[string][]int64, error)
	AssignedResources(ctx context.Context, login string) ([]int64, error)
	SetAssignments(ctx context.Context, login string, ids []int64) error

	Tokens(ctx context.Context) ([]auth.Token, error)
	CreateToken(ctx context.Context, t auth.Token, hash string) error
	RevokeToken(ctx context.Context, id string, at time.Time) error

	EmailTemplates(ctx context.Context) (map[string]booking.EmailTemplate, error)
	SaveEmailTemplate(ctx context.Context, t booking.EmailTemplate) error
	DeleteEmailTemplate(ctx context.Context, kind string) error

	SearchAudit(ctx context.Context, f auth.AuditFilter) ([]auth.AuditEntry, int, error)

	FeedbackPages(ctx context.Context) ([]booking.PageFeedback, error)
	FeedbackAnswers(ctx context.Context, page string, limit int) ([]booking.FeedbackAnswer, error)
}

// Config is what the back office needs.
type Config struct {
	Service  *booking.Service
	Store    Store
	Sessions *auth.Manager  // the handler must be wrapped in Sessions.Middleware
	Accounts *auth.Accounts // staff accounts and the audit log
	Logger   *slog.Logger
	// Parked, when set, returns the limit most recent messages the worker
	// gave up on and how many there are; the home page shows them to admins.
	Parked func(ctx context.Context, limit int) ([]ParkedMessage, int, error)
}

// ParkedMessage is a message the worker parked as failed.
type ParkedMessage struct {
	At        time.Time
	Kind      notify.Kind
	Channel   notify.Channel
	BookingID string // "" for a password reset
	Attempts  int
	Error     string
}

type server struct {
	cfg   Config
	svc   *booking.Service
	store Store
	log   *slog.Logger
	pages map[string]*template.Template
}

// pageFiles are the templates of the pages; each also gets partials.html.
var pageFiles = []string{"home", "errore", "risorse", "risorsa", "chiusure", "orfane", "agenda", "prenotazione", "cerca", "sposta_giorno", "conferma", "token", "testi", "testi_email", "operatori", "operatore", "audit", "statistiche", "lista_attesa", "valutazioni"}

// New returns the handler of /backoffice/. Every template is parsed here.
func New(cfg Config) (http.Handler, error) {
	if cfg.Service == nil || cfg.Store == nil || cfg.Sessions == nil || cfg.Accounts == nil {
		return nil, errors.New("backoffice: Service, Store, Sessions and Accounts are required")
	}
	s := &server{cfg: cfg, svc: cfg.Service, store: cfg.Store, log: cfg.Logger, pages: map[string]*template.Template{}}
	if s.log == nil {
		s.log = slog.Default()
	}
	sub, err := fs.Sub(templateFS, "templates")
	if err != nil {
		return nil, err
	}
	for _, name := range pageFiles {
		t, err := web.NewPageFS(sub)
		if err != nil {
			return nil, err
		}
		if s.pages[name], err = t.Funcs(funcs).ParseFS(sub, "partials.html", "calendario.html", name+".html"); err != nil {
			return nil, err
		}
	}
	mux := http.NewServeMux()
	s.routes(mux)
	return mux, nil
}

func (s *server) routes(mux *http.ServeMux) {
	any, admin := false, true
	mux.Handle("GET /backoffice/{$}", s.handle(any, s.home))
	mux.Handle("GET /backoffice", http.RedirectHandler("/backoffice/", http.StatusMovedPermanently))

	mux.Handle("GET /backoffice/risorse", s.handle(admin, s.resources))
	mux.Handle("GET /backoffice/risorse/nuova", s.handle(admin, s.newResource))
	mux.Handle("POST /backoffice/risorse/nuova", s.handle(admin, s.createResource))
	mux.Handle("GET /backoffice/risorse/{id}", s.handle(admin, s.editResource))
	mux.Handle("POST /backoffice/risorse/{id}", s.handle(admin, s.updateResource))
	mux.Handle("POST /backoffice/risorse/{id}/anteprima", s.handle(admin, s.preview))
	mux.Handle("POST /backoffice/risorse/{id}/sposta", s.handle(admin, s.moveResource))
	mux.Handle("POST /backoffice/risorse/{id}/visibilita", s.handle(admin, s.toggleHidden))
	mux.Handle("POST /backoffice/risorse/{id}/elimina", s.handle(admin, s.deleteResource))
	mux.Handle("POST /backoffice/risorse/{id}/chiusure", s.handle(admin, s.addClosure))
	mux.Handle("POST /backoffice/risorse/{id}/chiusure/{cid}/elimina", s.handle(admin, s.deleteClosure))
	mux.Handle("POST /backoffice/risorse/{id}/aperture", s.handle(admin, s.addOpening))
	mux.Handle("POST /backoffice/risorse/{id}/aperture/{oid}/elimina", s.handle(admin, s.deleteOpening))
	mux.Handle("GET /backoffice/chiusure", s.handle(admin, s.comuneClosures))
	mux.Handle("POST /backoffice/chiusure", s.handle(admin, s.addComuneClosure))
	mux.Handle("POST /backoffice/chiusure/{cid}/elimina", s.handle(admin, s.deleteComuneClosure))

	mux.Handle("GET /backoffice/agenda/{id}", s.handle(any, s.agenda))
	mux.Handle("GET /backoffice/agenda/{id}/prenotazioni.csv", s.handle(any, s.agendaCSV))
	mux.Handle("POST /backoffice/agenda/{id}/prenota", s.handle(any, s.counterBooking))
	mux.Handle("GET /backoffice/agenda/{id}/sposta-giorno", s.handle(any, s.moveDayForm))
	mux.Handle("POST /backoffice/agenda/{id}/sposta-giorno", s.handle(any, s.moveDay))
	mux.Handle("GET /backoffice/lista-attesa/{id}", s.handle(any, s.waitlist))
	mux.Handle("POST /backoffice/lista-attesa/{id}/{eid}/rimuovi", s.handle(any, s.removeFromWaitlist))
	mux.Handle("GET /backoffice/prenotazioni/{bid}", s.handle(any, s.bookingPage))
	mux.Handle("GET /backoffice/prenotazioni/{bid}/ricevuta.pdf", s.handle(any, s.receiptPDF))
	mux.Handle("POST /backoffice/prenotazioni/{bid}/presenza", s.handle(any, s.markAttendance))
	mux.Handle("POST /backoffice/prenotazioni/{bid}/annulla", s.handle(any, s.cancelBooking))
	mux.Handle("POST /backoffice/prenotazioni/{bid}/sposta", s.handle(any, s.moveBooking))
	mux.Handle("GET /backoffice/cerca", s.handle(any, s.search))

	mux.Handle("GET /backoffice/statistiche", s.handle(any, s.statsPageHandler))
	mux.Handle("GET /backoffice/statistiche/statistiche.csv", s.handle(any, s.statsCSV))
	mux.Handle("POST /backoffice/statistiche/dati-aperti", s.handle(admin, s.saveOpenData))
	mux.Handle("GET "+openDataPath, s.publicHandler(s.openDataCSV))
	mux.Handle("GET "+openDataPath+"-metadata.json", s.publicHandler(s.openDataMetadata))

	mux.Handle("GET /backoffice/valutazioni", s.handle(any, s.feedbackPage))
	mux.Handle("GET /backoffice/token", s.handle(admin, s.tokens))
	mux.Handle("POST /backoffice/token", s.handle(admin, s.createToken))
	mux.Handle("POST /backoffice/token/{tid}/revoca", s.handle(admin, s.revokeToken))
	mux.Handle("GET /backoffice/testi", s.handle(admin, s.texts))
	mux.Handle("POST /backoffice/testi", s.handle(admin, s.saveTexts))
	mux.Handle("GET /backoffice/testi/email", s.handle(admin, s.emailTemplates))
	mux.Handle("GET /backoffice/testi/email/{kind}", s.handle(admin, s.emailEditor))
	mux.Handle("POST /backoffice/testi/email/{kind}", s.handle(admin, s.saveEmailTemplate))
	mux.Handle("POST /backoffice/testi/email/{kind}/ripristina", s.handle(admin, s.resetEmailTemplate))
	mux.Handle("GET /backoffice/operatori", s.handle(admin, s.operators))
	mux.Handle("POST /backoffice/operatori", s.handle(admin, s.addOperator))
	mux.Handle("POST /backoffice/operatori/{login}/risorse", s.handle(admin, s.assign))
	mux.Handle("GET /backoffice/operatori/{login}", s.handle(admin, s.editStaff))
	mux.Handle("POST /backoffice/operatori/{login}", s.handle(admin, s.saveStaff))
	mux.Handle("POST /backoffice/operatori/{login}/disattiva", s.handle(admin, s.setStaffDisabled(true)))
	mux.Handle("POST /backoffice/operatori/{login}/riattiva", s.handle(admin, s.setStaffDisabled(false)))
	mux.Handle("POST /backoffice/operatori/{login}/password", s.handle(admin, s.sendStaffReset))
	mux.Handle("GET /backoffice/audit", s.handle(admin, s.auditPage))
	mux.Handle("GET /backoffice/audit/registro.csv", s.handle(admin, s.auditCSV))
	mux.Handle("/backoffice/", s.handle(any, func(w http.ResponseWriter, r *http.Request, st *staff) error {
		return booking.Errorf(booking.ENotFound, "La pagina richiesta non esiste.")
	}))
}

// staff is the member of staff making a request.
type staff struct {
	auth.Identity
	Role  auth.Role
	Login string
	// assigned are the resources an operatore works (with their
	// descendants); nil for an admin.
	assigned map[int64]bool
	all      []booking.Resource
}

func (st *staff) Admin() bool { return st.Role == auth.RoleAdmin }

// can reports whether st may work the agenda of resource id: admins all,
// an operatore the resources assigned to them and those under an assigned
// group.
func (st *staff) can(id int64) bool {
	if st.Admin() {
		return true
	}
	parent := map[int64]int64{}
	for _, r := range st.all {
		parent[r.ID] = r.ParentID
	}
	for seen := 0; id != 0 && seen <= len(st.all); seen++ {
		if st.assigned[id] {
			return true
		}
		id = parent[id]
	}
	return false
}

// staffOf resolves the request's identity to a member of staff: an account
// with role admin or operatore logged in with credentials, or a SPID, CIE
// or OIDC identity whose codice fiscale belongs to such an account. The
// account is read again on every request (one query by its unique login or
// its codice fiscale), not trusted from the session: an account disabled
// or demoted in the back office loses its access at its next request.
func (s *server) staffOf(r *http.Request) (*staff, error) {
	id, ok := auth.Current(r.Context())
	if !ok {
		return nil, booking.Errorf(booking.EUnauthorized, "Acceda con le credenziali del personale del Comune.")
	}
	st := &staff{Identity: id, Login: id.Login}
	var u auth.User
	var err error
	switch {
	case id.Method == "password" && id.Login != "":
		u, err = s.store.UserByLogin(r.Context(), id.Login)
	case id.Certified():
		u, err = s.store.StaffByCF(r.Context(), id.CodiceFiscale)
	default:
		err = booking.Errorf(booking.ENotFound, "Utente non trovato.")
	}
	if err != nil && booking.ErrorCode(err) != booking.ENotFound {
		return nil, err
	}
	if err == nil && !u.Disabled {
		st.Role, st.Login = u.Role, u.Login
	}
	if st.Role != auth.RoleAdmin && st.Role != auth.RoleOperatore {
		return nil, booking.Errorf(booking.EForbidden, "Il back office è riservato al personale del Comune.")
	}
	all, err := s.store.Resources(r.Context())
	if err != nil {
		return nil, err
	}
	st.all = all
	if !st.Admin() {
		ids, err := s.store.AssignedResources(r.Context(), st.Login)
		if err != nil {
			return nil, err
		}
		st.assigned = map[int64]bool{}
		for _, i := range ids {
			st.assigned[i] = true
		}
	}
	return st, nil
}

type handlerFunc func(w http.ResponseWriter, r *http.Request, st *staff) error

// handle checks access (staff; admin only when adminOnly) and answers the
// error of fn (or its panic), if any, with the error page.
func (s *server) handle(adminOnly bool, fn handlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var st *staff
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.errorPage(w, r, st, booking.Panicked(v))
			}
		}()
		w.Header().Set("Cache-Control", "no-store")
		st, err := s.staffOf(r)
		if err == nil && adminOnly && !st.Admin() {
			err = booking.Errorf(booking.EForbidden, "Questa pagina è riservata agli amministratori.")
		}
		if err == nil {
			err = fn(w, r, st)
		}
		if err == nil {
			return
		}
		if booking.ErrorCode(err) == booking.EUnauthorized && r.Method == http.MethodGet {
			http.Redirect(w, r, "/auth/password?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
			return
		}
		s.errorPage(w, r, st, err)
	})
}

type errorPage struct {
	web.Layout
	Admin bool
}

func (s *server) errorPage(w http.ResponseWriter, r *http.Request, st *staff, err error) {
	status := httperr.Status(err)
	msg := booking.ErrorMessage(err)
	if status == http.StatusInternalServerError {
		httperr.Log(s.log, r, err)
		msg = "Si è verificato un errore imprevisto. Riprovi tra qualche minuto."
	}
	l := s.layout(r, httperr.PageTitle(err))
	l.Flash = web.Flash{Kind: "danger", Text: msg}
	s.render(w, r, "errore", errorPage{Layout: l, Admin: st != nil && st.Admin()}, status)
}

// layout returns the page furniture: the Comune, the user, the breadcrumb
// (from the back office's home) and the pending flash message.
func (s *server) layout(r *http.Request, title string, crumbs ...web.Crumb) web.Layout {
	l := web.Layout{PageTitle: title, Breadcrumb: append([]web.Crumb{{Label: "Back office", URL: "/backoffice/"}}, crumbs...)}
	if len(crumbs) == 0 {
		l.Breadcrumb = []web.Crumb{{Label: "Servizi online", URL: "/"}, {Label: "Back office"}}
		if title != "Back office" {
			l.Breadcrumb = append(l.Breadcrumb[:1], web.Crumb{Label: "Back office", URL: "/backoffice/"}, web.Crumb{Label: title})
		}
	} else {
		l.Breadcrumb = append([]web.Crumb{{Label: "Servizi online", URL: "/"}}, l.Breadcrumb...)
	}
	if st, err := s.svc.Settings(r.Context()); err == nil {
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
	}
	if f := s.cfg.Sessions.Pop(r.Context(), flashKey); f != "" {
		json.Unmarshal([]byte(f), &l.Flash)
	}
	return l
}

const flashKey = "backoffice.flash"

// flash keeps a message for the next page and redirects there (303).
func (s *server) redirect(w http.ResponseWriter, r *http.Request, to, kind, text string) error {
	if text != "" {
		b, _ := json.Marshal(web.Flash{Kind: kind, Text: text})
		s.cfg.Sessions.Put(r.Context(), flashKey, string(b))
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
	return nil
}

func (s *server) render(w http.ResponseWriter, r *http.Request, page string, data any, status ...int) error {
	t, ok := s.pages[page]
	if !ok {
		return booking.Internal(errors.New("backoffice: no page " + page))
	}
	var b strings.Builder
	name := "layout"
	if r.Header.Get("HX-Request") == "true" && t.Lookup("fragment") != nil {
		name = "fragment"
	}
	if err := t.ExecuteTemplate(&b, name, data); err != nil {
		return booking.Internal(err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if len(status) > 0 {
		w.WriteHeader(status[0])
	}
	_, err := w.Write([]byte(b.String()))
	return err
}

// audit writes a back-office action to the audit log.
func (s *server) audit(r *http.Request, action, target, detail string) {
	e := auth.AuditFor(r, action, target, detail)
	e.At = s.svc.Now()
	s.cfg.Accounts.Audit(r.Context(), e)
}

// The actions of the back office in the audit log.
const (
	AuditResourceCreated   = "resource_created"
	AuditResourceUpdated   = "resource_updated"
	AuditResourceMoved     = "resource_moved"
	AuditResourceHidden    = "resource_hidden"
	AuditResourceShown     = "resource_shown"
	AuditResourceDeleted   = "resource_deleted"
	AuditClosureAdded      = "closure_added"
	AuditClosureDeleted    = "closure_deleted"
	AuditOpeningAdded      = "opening_added"
	AuditOpeningDeleted    = "opening_deleted"
	AuditOrphansKept       = "orphaned_bookings_kept"
	AuditOrphansCancelled  = "orphaned_bookings_cancelled"
	AuditAttendance        = "attendance_marked"
	AuditAgendaExported    = "agenda_exported"
	AuditCounterBooking    = "counter_booking"
	AuditBookingMoved      = "booking_moved"
	AuditTokenCreated      = "token_created"
	AuditTokenRevoked      = "token_revoked"
	AuditSettingsUpdated   = "settings_updated"
	AuditAssignmentsUpdate = "assignments_updated"
	AuditStaffUpdated      = "staff_updated"
	AuditStaffDisabled     = "staff_disabled"
	AuditStaffEnabled      = "staff_enabled"
	AuditStaffPasswordMail = "staff_password_reset_sent"
	AuditLogExported       = "audit_exported"
	AuditOpenDataUpdated   = "open_data_updated"
)

func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, booking.Errorf(booking.ENotFound, "La pagina richiesta non esiste.")
	}
	return id, nil
}

// homePage lists what the member of staff may open and, for admins, the
// messages that could not be delivered.
type homePage struct {
	web.Layout
	Admin     bool
	Resources []booking.Resource // bookable ones the user may work
	Path      map[int64]string
	Parked    []parkedRow
	ParkedN   int
}

// parkedRow is a parked message as the home page shows it.
type parkedRow struct {
	ParkedMessage
	What, Code, Reason string
}

// maxParkedShown is how many parked messages the home page lists.
const maxParkedShown = 10

func (s *server) home(w http.ResponseWriter, r *http.Request, st *staff) error {
	p := homePage{Layout: s.layout(r, "Back office"), Admin: st.Admin(), Path: paths(st.all)}
	for _, n := range flatten(booking.Tree(st.all, false)) {
		if n.Bookable && st.can(n.ID) {
			p.Resources = append(p.Resources, n.Resource)
		}
	}
	if p.Admin && s.cfg.Parked != nil {
		ms, n, err := s.cfg.Parked(r.Context(), maxParkedShown)
		if err != nil {
			return err
		}
		p.ParkedN = n
		for _, m := range ms {
			row := parkedRow{ParkedMessage: m, What: parkedWhat(m), Reason: firstLine(m.Error, 160)}
			if m.BookingID != "" {
				if b, err := s.store.Booking(r.Context(), m.BookingID); err == nil {
					row.Code = b.Code
				}
			}
			p.Parked = append(p.Parked, row)
		}
	}
	return s.render(w, r, "home", p)
}

// parkedWhat names a parked message in Italian: "Conferma (email)".
func parkedWhat(m ParkedMessage) string {
	what := map[notify.Kind]string{notify.Confirmation: "Conferma", notify.Cancellation: "Annullamento",
		notify.Reminder: "Promemoria", notify.PasswordReset: "Recupero della password"}[m.Kind]
	if what == "" {
		what = "Messaggio"
	}
	switch m.Channel {
	case notify.AppIOChannel:
		return what + " (App IO)"
	case notify.EmailChannel:
		return what + " (email)"
	}
	return what
}

// firstLine is the first line of s, at most n runes.
func firstLine(s string, n int) string {
	s, _, _ = strings.Cut(s, "\n")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// paths names each node with its ancestors: "Anagrafe › Sportello 1".
func paths(all []booking.Resource) map[int64]string {
	byID := map[int64]booking.Resource{}
	for _, r := range all {
		byID[r.ID] = r
	}
	out := map[int64]string{}
	for _, r := range all {
		name := r.Name
		for p, ok, n := byID[r.ParentID], r.ParentID != 0, 0; ok && n < len(all); p, ok, n = byID[p.ParentID], p.ParentID != 0, n+1 {
			name = p.Name + " › " + name
		}
		out[r.ID] = name
	}
	return out
}

// treeRow is a node of the tree with its depth, for a flat list.
type treeRow struct {
	booking.Resource
	Depth int
}

func flatten(ns []*booking.Node) []treeRow {
	var out []treeRow
	var walk func(ns []*booking.Node, d int)
	walk = func(ns []*booking.Node, d int) {
		for _, n := range ns {
			out = append(out, treeRow{n.Resource, d})
			walk(n.Children, d+1)
		}
	}
	walk(ns, 0)
	return out
}
