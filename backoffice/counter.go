package backoffice

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/receipt"
)

// counterForm is the form that books a walk-in citizen at the counter: its
// fields with what was typed and the errors of the last attempt.
type counterForm struct {
	Start   int64 // the slot chosen (unix ms)
	Fields  []counterField
	Errors  []booking.FieldError
	Message string // an error not about one field (seat taken, …)
}

// counterField is one input of the counter form.
type counterField struct {
	ID, Name, Label, Type, Value, Err string
	Required                          bool
	Options                           []string // for "select"
	Hint                              string
}

// counterInputs are the anagrafica and appointment inputs of the form, in
// order: name, label, input type, required.
var counterInputs = [][4]string{
	{"nome", "Nome", "text", "1"}, {"cognome", "Cognome", "text", "1"}, {"codice_fiscale", "Codice fiscale", "text", "1"},
	{"data_nascita", "Data di nascita", "date", "1"}, {"sesso", "Sesso", "select", "1"}, {"nazione_nascita", "Nazione di nascita", "text", "1"},
	{"provincia_nascita", "Provincia di nascita (sigla)", "text", ""}, {"comune_nascita", "Comune di nascita", "text", ""},
	{"email", "Email (facoltativa: senza, si stampa la ricevuta)", "email", ""}, {"telefono", "Telefono", "tel", "1"},
	{"motivazione", "Motivazione", "text", "1"}, {"nota", "Nota", "text", ""},
}

// newCounterForm builds the form for res from the submitted values (nil for
// an empty form) and the errors to show by their inputs.
func newCounterForm(res booking.Resource, in url.Values, err error) counterForm {
	var f counterForm
	if in != nil {
		f.Start, _ = strconv.ParseInt(in.Get("start"), 10, 64)
	}
	byField := map[string]string{}
	if e, ok := err.(*booking.Error); ok {
		for _, fe := range e.Fields {
			name := strings.TrimPrefix(fe.Field, "fruitore.")
			if name == "slots" {
				name = "start"
			}
			if _, dup := byField[name]; dup {
				continue
			}
			byField[name] = fe.Message
			f.Errors = append(f.Errors, booking.FieldError{Field: name, Message: fe.Message})
		}
		if len(e.Fields) == 0 {
			f.Message = e.Message
		}
	}
	val := func(name, def string) string {
		if in == nil {
			return def
		}
		return in.Get(name)
	}
	for _, c := range counterInputs {
		fd := counterField{ID: "cb-" + c[0], Name: c[0], Label: c[1], Type: c[2], Required: c[3] != "", Value: val(c[0], ""), Err: byField[c[0]]}
		switch c[0] {
		case "sesso":
			fd.Options = []string{"M", "F"}
		case "nazione_nascita":
			fd.Value = val(c[0], booking.Italy)
		case "provincia_nascita", "comune_nascita":
			fd.Hint = "Obbligatorio per chi è nato in Italia."
		}
		f.Fields = append(f.Fields, fd)
	}
	for _, x := range res.ExtraFields {
		name := "extra." + x.Name
		fd := counterField{ID: "cb-extra-" + x.Name, Name: name, Label: x.Label, Type: x.Type, Required: x.Required, Value: val(name, ""), Err: byField[name]}
		switch x.Type {
		case "choice":
			fd.Type, fd.Options = "select", append([]string{""}, x.Options...)
		case "checkbox":
		default:
			fd.Type = "text"
		}
		f.Fields = append(f.Fields, fd)
	}
	return f
}

// Invalid reports whether the form has an error to show.
func (f counterForm) Invalid() bool { return f.Message != "" || len(f.Errors) > 0 }

// counterBooking books a free slot for a citizen at the counter: the
// operator holds it and confirms it at once, as presentante, under the
// counter's rules (any free slot not yet ended, email optional). A refusal
// shows the agenda again with the errors by their inputs and what was typed.
func (s *server) counterBooking(w http.ResponseWriter, r *http.Request, st *staff) error {
	res, err := s.agendaResource(r, st)
	if err != nil {
		return err
	}
	b, err := s.bookAtCounter(r, st, res)
	if err != nil {
		switch booking.ErrorCode(err) {
		case booking.EInvalid, booking.EConflict, booking.EGone:
		default:
			return err
		}
		p, perr := s.agendaData(r, st, res)
		if perr != nil {
			return perr
		}
		r.ParseForm()
		p.Counter = newCounterForm(res, r.PostForm, err)
		return s.render(w, r, "agenda", p, counterStatus(err))
	}
	s.audit(r, AuditCounterBooking, b.ID, b.Code+" per "+b.Fruitore.CodiceFiscale)
	msg := "Prenotazione " + b.Code + " registrata per " + b.Fruitore.FullName() + "."
	if b.Fruitore.Email == "" {
		return s.redirect(w, r, "/backoffice/prenotazioni/"+url.PathEscape(b.ID), "success",
			msg+" Il cittadino non ha indicato un'email: stampi la ricevuta e gliela consegni.")
	}
	return s.redirect(w, r, agendaURL(b), "success", msg)
}

// counterStatus is the status of a refused counter booking.
func counterStatus(err error) int {
	if booking.ErrorCode(err) == booking.EInvalid {
		return http.StatusUnprocessableEntity
	}
	return http.StatusConflict
}

func (s *server) bookAtCounter(r *http.Request, st *staff, res booking.Resource) (booking.Booking, error) {
	ms, err := strconv.ParseInt(r.PostFormValue("start"), 10, 64)
	if err != nil {
		return booking.Booking{}, booking.Invalid(booking.FieldError{Field: "start", Message: "Scelga l'orario."})
	}
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	var fs []booking.FieldError
	born, err := parseDay(f("data_nascita"))
	if err != nil && f("data_nascita") != "" {
		fs = append(fs, booking.FieldError{Field: "data_nascita", Message: "La data di nascita non è valida: la scriva come gg/mm/aaaa."})
	}
	extra := map[string]string{}
	for _, x := range res.ExtraFields {
		if v := f("extra." + x.Name); v != "" {
			extra[x.Name] = v
		}
	}
	p := booking.Person{Nome: f("nome"), Cognome: f("cognome"), CodiceFiscale: f("codice_fiscale"), DataNascita: born, Sesso: f("sesso"),
		NazioneNascita: f("nazione_nascita"), ProvinciaNascita: f("provincia_nascita"), ComuneNascita: f("comune_nascita"),
		Email: f("email"), Telefono: f("telefono")}.Normalize()
	if len(fs) > 0 {
		return booking.Booking{}, booking.Invalid(fs...)
	}
	h, err := s.svc.Hold(r.Context(), booking.HoldRequest{ResourceID: res.ID, Start: time.UnixMilli(ms), Slots: 1, Owner: st.Subject, For: p.CodiceFiscale, Counter: true})
	if err != nil {
		return booking.Booking{}, err
	}
	b, _, err := s.svc.Confirm(r.Context(), booking.ConfirmRequest{HoldID: h.ID, Presentante: st.Subject, Fruitore: p,
		Motivazione: f("motivazione"), Telefono: f("telefono"), Nota: f("nota"), Extra: extra, Counter: true})
	if err != nil {
		s.svc.Release(r.Context(), h.ID, st.Subject)
	}
	return b, err
}

// receiptPDF answers the PDF receipt of a booking of the operator's
// resources, to print at the counter.
func (s *server) receiptPDF(w http.ResponseWriter, r *http.Request, st *staff) error {
	b, err := s.staffBooking(r, st)
	if err != nil {
		return err
	}
	set, err := s.svc.Settings(r.Context())
	if err != nil {
		return err
	}
	res, err := s.store.Resource(r.Context(), b.ResourceID)
	if err != nil && booking.ErrorCode(err) != booking.ENotFound {
		return err
	}
	var buf bytes.Buffer
	if err := receipt.PDF(&buf, receipt.Data{Settings: set, Resource: res, Booking: b, Logo: set.Logo}); err != nil {
		return booking.Internal(err)
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="ricevuta-`+b.Code+`.pdf"`)
	_, err = w.Write(buf.Bytes())
	return err
}

// moveBooking moves a booking to the day, time and resource of the form
// ("Sposta"): the seats move in one transaction, the citizen gets an email
// with the new time and an updated calendar file. A refusal shows the
// booking's page again with the reason and what was typed.
func (s *server) moveBooking(w http.ResponseWriter, r *http.Request, st *staff) error {
	b, err := s.staffBooking(r, st)
	if err != nil {
		return err
	}
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	to, _ := strconv.ParseInt(f("risorsa"), 10, 64)
	var moved booking.Booking
	day, derr := parseDay(f("data"))
	clock, cerr := booking.ParseClock(f("ora"))
	switch {
	case to == 0 || !st.can(to):
		err = booking.Invalid(booking.FieldError{Field: "risorsa", Message: "Scelga una delle risorse assegnate a lei."})
	case derr != nil:
		err = booking.Invalid(booking.FieldError{Field: "data", Message: "Scriva il nuovo giorno come gg/mm/aaaa."})
	case cerr != nil:
		err = booking.Invalid(booking.FieldError{Field: "ora", Message: "Scriva il nuovo orario come 09:30."})
	default:
		start, _ := day.At(clock, booking.Rome)
		moved, err = s.svc.Move(r.Context(), booking.MoveRequest{BookingID: b.ID, ResourceID: to, Start: start})
	}
	if err != nil {
		switch booking.ErrorCode(err) {
		case booking.EInvalid, booking.EConflict, booking.EGone:
		default:
			return err
		}
		p, perr := s.bookingData(r, st, b)
		if perr != nil {
			return perr
		}
		p.MoveError, p.MoveForm = booking.ErrorMessage(err), r.PostForm
		return s.render(w, r, "prenotazione", p, counterStatus(err))
	}
	s.audit(r, AuditBookingMoved, b.ID, b.Code+": "+b.Start.In(booking.Rome).Format("02/01/2006 15:04")+" → "+moved.Start.In(booking.Rome).Format("02/01/2006 15:04")+" ("+moved.ResourceName+")")
	return s.redirect(w, r, agendaURL(moved), "success", "La prenotazione "+b.Code+" è stata spostata al "+
		moved.Start.In(booking.Rome).Format("02/01/2006 alle 15:04")+"; il cittadino riceverà un'email con il nuovo orario.")
}
