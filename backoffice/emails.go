package backoffice

import (
	"errors"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/notify"
	"github.com/prenota/prenota/web"
)

// This file is the editor of the email templates (issue 6, "Texts"): at
// /backoffice/testi/email an admin sees the three messages (conferma,
// annullamento, promemoria) and edits the subject, the plain-text body and
// the HTML body of each, with a preview rendered for a sample booking, and
// may restore the built-in texts. The versions are stored in the database
// (booking.EmailTemplate); the message worker reads them before each
// message, so a change applies to the next one. Every change is audited.

// The actions of the email templates' editor in the audit log.
const (
	AuditEmailTemplateUpdated = "email_template_updated"
	AuditEmailTemplateReset   = "email_template_reset"
)

// emailKind is a kind of message as the editor names it.
type emailKind struct {
	Slug  string // in the URL
	Label string
	When  string
	Kind  notify.Kind
}

var emailKinds = []emailKind{
	{"conferma", "Conferma della prenotazione", "Inviata appena la prenotazione è fatta, con la ricevuta PDF e il file del calendario.", notify.Confirmation},
	{"annullamento", "Annullamento", "Inviata quando la prenotazione è annullata, dal cittadino o dal Comune (con il motivo).", notify.Cancellation},
	{"promemoria", "Promemoria", "Inviata prima dell'appuntamento (di norma il giorno prima), con la ricevuta PDF.", notify.Reminder},
}

func emailKindOf(r *http.Request) (emailKind, error) {
	for _, k := range emailKinds {
		if k.Slug == r.PathValue("kind") {
			return k, nil
		}
	}
	return emailKind{}, booking.Errorf(booking.ENotFound, "La pagina richiesta non esiste.")
}

// emailFieldLabels name the fields of notify.Parts in the form.
var emailFieldLabels = map[string]string{
	notify.FieldSubject: "Oggetto",
	notify.FieldText:    "Testo (versione solo testo)",
	notify.FieldHTML:    "Testo HTML",
}

// templateHelp are the fields and blocks a template may use.
var templateHelp = []struct{ Code, Meaning string }{
	{"{{.FruitoreLine}}", "NOME COGNOME – data di nascita – CF. del fruitore"},
	{"{{.ResourceName}}", "il servizio prenotato"},
	{"{{.Date}} {{.Time}} {{.EndTime}}", "data (gg/mm/aaaa), ora di inizio e di fine"},
	{"{{.Address}}", "dove si svolge l'appuntamento in presenza"},
	{"{{.PhoneCall}}", "per un appuntamento telefonico, chi chiama chi"},
	{"{{.Documents}}", "i documenti da presentare"},
	{"{{.Code}}", "il codice della prenotazione"},
	{"{{.ContactPhone}}", "il telefono per informazioni e disdette"},
	{"{{.CancelReason}}", "il motivo dell'annullamento (se indicato)"},
	{"{{.Comune}} {{.BaseURL}} {{.BookingsURL}}", "il nome del Comune, l'indirizzo del servizio e di «Le mie prenotazioni»"},
	{`{{if .ByPhone}}…{{else}}…{{end}}`, "un testo diverso per gli appuntamenti telefonici"},
	{`{{with .Documents}}…{{.}}…{{end}}`, "un testo solo se il campo non è vuoto"},
	{`{{template "details" .}}`, "il riepilogo dell'appuntamento (servizio, data, luogo, fruitore, codice)"},
	{`{{template "footer" .}}`, "i contatti e i saluti finali"},
	{`{{template "reminders" .}}`, "solo HTML: cosa ricordare il giorno dell'appuntamento e i documenti"},
}

// emailTemplatesPage is the list of the three messages, or the editor of
// one (Edit).
type emailTemplatesPage struct {
	web.Layout
	Admin bool
	Rows  []emailRow
	Edit  *emailEdit
	Help  []struct{ Code, Meaning string }
}

type emailRow struct {
	emailKind
	Parts     notify.Parts
	Custom    bool
	UpdatedBy string
	UpdatedAt time.Time
	Subject   string // rendered for the sample booking
}

type emailEdit struct {
	emailRow
	Form    notify.Parts
	Errors  []booking.FieldError
	Invalid map[string]string // field → message
	Preview *notify.Content
}

func (s *server) emailRows(r *http.Request) ([]emailRow, booking.Settings, error) {
	ts, err := s.store.EmailTemplates(r.Context())
	if err != nil {
		return nil, booking.Settings{}, err
	}
	set, err := s.store.Settings(r.Context())
	if err != nil {
		return nil, set, err
	}
	var rows []emailRow
	for _, k := range emailKinds {
		row := emailRow{emailKind: k, Parts: notify.DefaultParts(k.Kind)}
		if t, ok := ts[string(k.Kind)]; ok {
			row.Parts, row.Custom, row.UpdatedBy, row.UpdatedAt = notify.Parts{Subject: t.Subject, Text: t.Text, HTML: t.HTML}, true, t.UpdatedBy, t.UpdatedAt
		}
		if c, err := notify.Preview(k.Kind, row.Parts, set); err == nil {
			row.Subject = c.Subject
		}
		rows = append(rows, row)
	}
	return rows, set, nil
}

func (s *server) emailTemplates(w http.ResponseWriter, r *http.Request, st *staff) error {
	rows, _, err := s.emailRows(r)
	if err != nil {
		return err
	}
	l := s.layout(r, "Modelli delle email", web.Crumb{Label: "Testi e contatti", URL: "/backoffice/testi"}, web.Crumb{Label: "Modelli delle email"})
	return s.render(w, r, "testi_email", emailTemplatesPage{Layout: l, Admin: true, Rows: rows})
}

// emailEditor shows the editor of one message with the preview of its
// current texts.
func (s *server) emailEditor(w http.ResponseWriter, r *http.Request, st *staff) error {
	k, err := emailKindOf(r)
	if err != nil {
		return err
	}
	rows, set, err := s.emailRows(r)
	if err != nil {
		return err
	}
	e := &emailEdit{emailRow: rowOf(rows, k)}
	e.Form = e.Parts
	if c, err := notify.Preview(k.Kind, e.Form, set); err == nil {
		e.Preview = &c
	} else {
		e.fail(err)
	}
	return s.renderEmailEditor(w, r, e, http.StatusOK)
}

func rowOf(rows []emailRow, k emailKind) emailRow {
	for _, row := range rows {
		if row.Slug == k.Slug {
			return row
		}
	}
	return emailRow{emailKind: k}
}

func (s *server) renderEmailEditor(w http.ResponseWriter, r *http.Request, e *emailEdit, status int) error {
	l := s.layout(r, "Modello: "+e.Label, web.Crumb{Label: "Testi e contatti", URL: "/backoffice/testi"},
		web.Crumb{Label: "Modelli delle email", URL: "/backoffice/testi/email"}, web.Crumb{Label: e.Label})
	return s.render(w, r, "testi_email", emailTemplatesPage{Layout: l, Admin: true, Edit: e, Help: templateHelp}, status)
}

// saveEmailTemplate saves the form (action "salva") or previews it
// ("anteprima"); a template that does not parse or render is refused with
// the field named, and nothing is saved.
func (s *server) saveEmailTemplate(w http.ResponseWriter, r *http.Request, st *staff) error {
	k, err := emailKindOf(r)
	if err != nil {
		return err
	}
	rows, set, err := s.emailRows(r)
	if err != nil {
		return err
	}
	norm := func(name string) string { return strings.ReplaceAll(r.PostFormValue(name), "\r\n", "\n") }
	e := &emailEdit{emailRow: rowOf(rows, k),
		Form: notify.Parts{Subject: strings.TrimSpace(norm("subject")), Text: norm("text"), HTML: norm("html")}}
	if err := notify.CheckParts(k.Kind, e.Form); err != nil {
		e.fail(err)
		return s.renderEmailEditor(w, r, e, http.StatusUnprocessableEntity)
	}
	if r.PostFormValue("azione") == "anteprima" {
		c, err := notify.Preview(k.Kind, e.Form, set)
		if err != nil {
			e.fail(err)
			return s.renderEmailEditor(w, r, e, http.StatusUnprocessableEntity)
		}
		e.Preview = &c
		return s.renderEmailEditor(w, r, e, http.StatusOK)
	}
	by := st.Login
	if by == "" {
		by = st.Subject
	}
	t := booking.EmailTemplate{Kind: string(k.Kind), Subject: e.Form.Subject, Text: e.Form.Text, HTML: e.Form.HTML, UpdatedBy: by, UpdatedAt: s.svc.Now()}
	if err := s.store.SaveEmailTemplate(r.Context(), t); err != nil {
		return err
	}
	s.audit(r, AuditEmailTemplateUpdated, k.Slug, "Oggetto: "+e.Form.Subject)
	return s.redirect(w, r, "/backoffice/testi/email/"+k.Slug, "success",
		"Modello «"+k.Label+"» salvato: vale dal prossimo messaggio inviato.")
}

// resetEmailTemplate restores the built-in texts of a message.
func (s *server) resetEmailTemplate(w http.ResponseWriter, r *http.Request, st *staff) error {
	k, err := emailKindOf(r)
	if err != nil {
		return err
	}
	if err := s.store.DeleteEmailTemplate(r.Context(), string(k.Kind)); err != nil {
		return err
	}
	s.audit(r, AuditEmailTemplateReset, k.Slug, "")
	return s.redirect(w, r, "/backoffice/testi/email/"+k.Slug, "success",
		"Ripristinato il testo predefinito del modello «"+k.Label+"».")
}

// fail records err of notify.CheckParts or Preview as an Italian message
// naming the field.
func (e *emailEdit) fail(err error) {
	if e.Invalid == nil {
		e.Invalid = map[string]string{}
	}
	var pe *notify.PartError
	if !errors.As(err, &pe) {
		e.Errors = append(e.Errors, booking.FieldError{Field: "", Message: "Il modello non può essere usato: " + err.Error()})
		return
	}
	label := emailFieldLabels[pe.Field]
	var msg string
	switch {
	case errors.Is(err, notify.ErrEmpty):
		msg = label + ": il campo non può essere vuoto."
	case errors.Is(err, notify.ErrNotText):
		msg = label + ": " + booking.TextMessage
	default:
		msg = label + ": il modello contiene un errore (" + explainTemplateError(pe.Err) + "). Non è stato salvato."
	}
	e.Invalid[pe.Field] = msg
	e.Errors = append(e.Errors, booking.FieldError{Field: pe.Field, Message: msg})
}

var (
	reTemplatePos = regexp.MustCompile(`^template: [^:]+:(\d+)(?::\d+)?: `)
	reExecuting   = regexp.MustCompile(`executing "[^"]*" at <([^>]*)>: `)
	reNoField     = regexp.MustCompile(`can't evaluate field (\w+) in type \S+`)
	reNoTemplate  = regexp.MustCompile(`no such template "([^"]*)"`)
)

// explainTemplateError puts a Go template error in Italian where it can.
func explainTemplateError(err error) string {
	msg := err.Error()
	line := ""
	if m := reTemplatePos.FindStringSubmatch(msg); m != nil {
		line, msg = "riga "+m[1]+": ", msg[len(m[0]):]
	}
	msg = reExecuting.ReplaceAllString(msg, "")
	msg = reNoField.ReplaceAllString(msg, "il campo .$1 non esiste")
	msg = reNoTemplate.ReplaceAllString(msg, "il blocco «$1» non esiste")
	for en, it := range map[string]string{
		"unclosed action":            "azione non chiusa: manca «}}»",
		"unexpected EOF":             "manca un {{end}}",
		"unexpected {{end}}":         "{{end}} senza un {{if}}, {{with}} o {{range}} da chiudere",
		"function \"":                "funzione sconosciuta \"",
		"ends in a non-text context": "termina dentro un tag o un attributo HTML non chiuso",
	} {
		msg = strings.ReplaceAll(msg, en, it)
	}
	return line + msg
}
