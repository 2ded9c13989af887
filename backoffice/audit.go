package backoffice

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/web"
)

// auditActions are the actions of the audit log with their Italian
// labels, in the order of the page's filter.
var auditActions = []struct{ Action, Label string }{
	{auth.AuditLogin, "Accesso"},
	{auth.AuditLoginFailed, "Accesso non riuscito"},
	{auth.AuditLoginLocked, "Accesso bloccato (troppi tentativi)"},
	{auth.AuditLogout, "Uscita"},
	{auth.AuditPasswordResetAsked, "Recupero della password richiesto"},
	{auth.AuditPasswordReset, "Password reimpostata"},
	{auth.AuditImpersonationStart, "Inizio prenotazione conto terzi"},
	{auth.AuditImpersonationStop, "Fine prenotazione conto terzi"},
	{auth.AuditBookingConfirmed, "Prenotazione confermata"},
	{auth.AuditBookingCancelled, "Prenotazione annullata"},
	{AuditCounterBooking, "Prenotazione allo sportello"},
	{AuditAttendance, "Presenza segnata"},
	{AuditAgendaExported, "Agenda esportata (CSV)"},
	{AuditResourceCreated, "Risorsa creata"},
	{AuditResourceUpdated, "Risorsa modificata"},
	{AuditResourceMoved, "Risorsa spostata"},
	{AuditResourceHidden, "Risorsa nascosta"},
	{AuditResourceShown, "Risorsa resa visibile"},
	{AuditResourceDeleted, "Risorsa eliminata"},
	{AuditClosureAdded, "Chiusura aggiunta"},
	{AuditClosureDeleted, "Chiusura eliminata"},
	{AuditOpeningAdded, "Apertura straordinaria aggiunta"},
	{AuditOpeningDeleted, "Apertura straordinaria eliminata"},
	{AuditOrphansKept, "Prenotazioni fuori orario mantenute"},
	{AuditOrphansCancelled, "Prenotazioni fuori orario annullate"},
	{AuditSettingsUpdated, "Testi e contatti modificati"},
	{AuditEmailTemplateUpdated, "Modello di email modificato"},
	{AuditEmailTemplateReset, "Modello di email ripristinato"},
	{auth.AuditUserCreated, "Account creato"},
	{AuditStaffUpdated, "Account del personale modificato"},
	{AuditStaffDisabled, "Account del personale disattivato"},
	{AuditStaffEnabled, "Account del personale riattivato"},
	{AuditStaffPasswordMail, "Email per reimpostare la password inviata"},
	{AuditAssignmentsUpdate, "Risorse di un operatore modificate"},
	{AuditTokenCreated, "Token di integrazione creato"},
	{AuditTokenRevoked, "Token di integrazione revocato"},
	{AuditLogExported, "Registro delle attività esportato (CSV)"},
	{AuditOpenDataUpdated, "Impostazioni dei dati aperti modificate"},
}

// actionLabel is the Italian label of an action; the action itself when
// it has none (another package's).
func actionLabel(action string) string {
	for _, a := range auditActions {
		if a.Action == action {
			return a.Label
		}
	}
	return action
}

// auditLimit is how many entries the page shows; the CSV export takes up
// to auditExportLimit.
const (
	auditLimit       = 500
	auditExportLimit = 100000
)

// auditPage shows the audit log, filtered by person, action and dates.
type auditPage struct {
	web.Layout
	Admin bool
	// The filter as typed.
	Who, Action, From, To string
	Actions               []struct{ Action, Label string }
	Errors                []booking.FieldError
	Entries               []auditRow
	Total                 int  // entries matching
	Cut                   bool // Total > len(Entries)
	Limit                 int
	CSV                   string // the export of the same filter
}

// Err is the message of the field's error, "" when it has none.
func (p auditPage) Err(field string) string {
	for _, e := range p.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

type auditRow struct {
	auth.AuditEntry
	Label string // of the action
	Name  string // of the staff account of the actor, if any
}

// auditFilter reads the filter of the query: chi (part of the actor, or
// of an account's name or login), azione, dal, al (from and to, included;
// default the last 30 days). Invalid dates are field errors.
func (s *server) auditFilter(r *http.Request, p *auditPage) auth.AuditFilter {
	q := r.URL.Query()
	p.Who, p.Action = strings.TrimSpace(q.Get("chi")), strings.TrimSpace(q.Get("azione"))
	p.From, p.To = strings.TrimSpace(q.Get("dal")), strings.TrimSpace(q.Get("al"))
	p.Actions = auditActions
	if p.Action != "" && actionLabel(p.Action) == p.Action {
		p.Errors = append(p.Errors, booking.FieldError{Field: "azione", Message: "Azione: scelga una delle azioni dell'elenco."})
	}
	today := booking.DateOf(s.svc.Now(), booking.Rome)
	from, to := today.AddDays(-30), today
	if p.From == "" && p.To == "" {
		p.From = from.String()
	} else if p.From != "" {
		d, err := parseDay(p.From)
		if err != nil {
			p.Errors = append(p.Errors, booking.FieldError{Field: "dal", Message: "Dal: la data non è valida; la scriva come gg/mm/aaaa."})
		}
		from = d
	} else {
		from = booking.Date{}
	}
	if p.To == "" && today.Before(from) {
		to = from
	} else if p.To != "" {
		d, err := parseDay(p.To)
		if err != nil {
			p.Errors = append(p.Errors, booking.FieldError{Field: "al", Message: "Al: la data non è valida; la scriva come gg/mm/aaaa."})
		}
		to = d
	}
	if p.Err("dal") == "" && p.Err("al") == "" && from != (booking.Date{}) && to.Before(from) {
		p.Errors = append(p.Errors, booking.FieldError{Field: "al", Message: "Al: la data viene prima di quella indicata in «Dal»."})
	}
	f := auth.AuditFilter{Who: p.Who, Action: p.Action, Newest: true}
	if from != (booking.Date{}) {
		f.From, _ = from.At(0, booking.Rome)
	}
	f.To, _ = to.AddDays(1).At(0, booking.Rome)
	v := url.Values{}
	for k, x := range map[string]string{"chi": p.Who, "azione": p.Action, "dal": p.From, "al": p.To} {
		if x != "" {
			v.Set(k, x)
		}
	}
	p.CSV = "/backoffice/audit/registro.csv"
	if len(v) > 0 {
		p.CSV += "?" + v.Encode()
	}
	return f
}

// staffNames names the subjects of the staff accounts: "Nome Cognome (login)".
// searchAudit returns the entries of f, how many match in all, and the
// names of the staff by the subjects they act under.
func (s *server) searchAudit(r *http.Request, f auth.AuditFilter) ([]auth.AuditEntry, int, map[string]string, error) {
	es, total, err := s.store.SearchAudit(r.Context(), f)
	if err != nil {
		return nil, 0, nil, err
	}
	names, err := s.staffNames(r)
	return es, total, names, err
}

func (s *server) staffNames(r *http.Request) (map[string]string, error) {
	users, err := s.store.Staff(r.Context())
	if err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, u := range users {
		// Under its codice fiscale, or under its login before it had one.
		names["utente:"+u.Login] = u.Name + " (" + u.Login + ")"
		names[u.Subject()] = u.Name + " (" + u.Login + ")"
	}
	return names, nil
}

func (s *server) auditPage(w http.ResponseWriter, r *http.Request, st *staff) error {
	p := auditPage{Layout: s.layout(r, "Registro delle attività", web.Crumb{Label: "Registro delle attività"}), Admin: true, Limit: auditLimit}
	f := s.auditFilter(r, &p)
	if len(p.Errors) > 0 {
		p.Flash = web.Flash{Kind: "danger", Text: "Controlli i campi indicati del filtro."}
		return s.render(w, r, "audit", p, http.StatusUnprocessableEntity)
	}
	f.Limit = auditLimit
	es, total, names, err := s.searchAudit(r, f)
	if err != nil {
		return err
	}
	for _, e := range es {
		p.Entries = append(p.Entries, auditRow{AuditEntry: e, Label: actionLabel(e.Action), Name: names[e.Actor]})
	}
	p.Total, p.Cut = total, total > len(es)
	return s.render(w, r, "audit", p)
}

// auditCSV exports the entries of the page's filter, newest first, for a
// spreadsheet: UTF-8 with a byte order mark, ";" between fields, dates as
// gg/mm/aaaa (like the agenda's export).
func (s *server) auditCSV(w http.ResponseWriter, r *http.Request, st *staff) error {
	var p auditPage
	f := s.auditFilter(r, &p)
	if len(p.Errors) > 0 {
		return booking.Invalid(p.Errors...)
	}
	f.Limit = auditExportLimit
	es, total, names, err := s.searchAudit(r, f)
	if err != nil {
		return err
	}
	cw := newCSV()
	cw.row("Data", "Ora", "Chi", "Nome", "Accesso con", "Azione", "Codice azione", "Su che cosa", "Dettagli", "Indirizzo IP")
	for _, e := range es {
		at := e.At.In(booking.Rome)
		cw.row(at.Format("02/01/2006"), at.Format("15:04:05"), e.Actor, names[e.Actor], e.Method, actionLabel(e.Action), e.Action, e.Target, e.Detail, e.IP)
	}
	data, err := cw.bytes()
	if err != nil {
		return booking.Internal(err)
	}
	detail := strconv.Itoa(len(es)) + " righe"
	if total > len(es) {
		detail += " di " + strconv.Itoa(total)
	}
	s.audit(r, AuditLogExported, "audit_log", detail+"; filtro: "+strings.TrimPrefix(p.CSV, "/backoffice/audit/registro.csv"))
	name := "registro-attivita-" + booking.DateOf(s.svc.Now(), booking.Rome).String() + ".csv"
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	_, err = w.Write(data)
	return err
}
