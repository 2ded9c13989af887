package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
)

// listaAttesaPage is the form "Avvisami se si libera un posto".
type listaAttesaPage struct {
	Layout
	Resource         booking.Resource
	From, To         string // dd/mm/yyyy as typed
	TimeFrom, TimeTo string // HH:MM, optional
	Notify           string // the email for the offer (Layout.Email is the Comune's)
	Errors           []booking.FieldError
}

// Err returns the message of field's error, "" when it has none.
func (p listaAttesaPage) Err(field string) string { return fieldMessage(p.Errors, field) }

// waitRow is an entry of "Le mie prenotazioni".
type waitRow struct {
	ID        int64
	Resource  string
	Days      string // "dal 09/12/2026 al 31/12/2026, dalle 09:00 alle 12:00"
	State     string
	Offered   bool
	OfferLink string
}

func (s *server) waitlistPage(r *http.Request, res booking.Resource, p listaAttesaPage) listaAttesaPage {
	p.Resource = res
	p.Layout = s.layout(r, "prenota", "Avvisami se si libera un posto", crumbArea, Crumb{res.Name, "/prenota/" + strconv.FormatInt(res.ID, 10) + "/disponibilita"}, Crumb{"Lista d'attesa", ""})
	return p
}

// waitlistForm answers GET /lista-attesa/{id}: the join form, with the
// booking window as the default range.
func (s *server) waitlistForm(w http.ResponseWriter, r *http.Request, id auth.Identity) error {
	res, err := s.waitResource(r)
	if err != nil {
		return err
	}
	today := booking.DateOf(s.svc.Now(), booking.Rome)
	to := today.AddDays(30)
	if res.Schedule.DaysAhead > 0 {
		to = today.AddDays(res.Schedule.DaysAhead)
	}
	p := listaAttesaPage{From: today.Italian(), To: to.Italian()}
	if id.Person != nil && id.Impersonating == "" {
		p.Notify = id.Person.Email
	}
	return s.render(w, r, "lista_attesa", s.waitlistPage(r, res, p))
}

func (s *server) waitResource(r *http.Request) (booking.Resource, error) {
	n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return booking.Resource{}, booking.Errorf(booking.ENotFound, "La risorsa richiesta non esiste.")
	}
	return s.svc.Resource(r.Context(), n)
}

// joinWaitlist answers POST /lista-attesa/{id}: the citizen joins the line;
// an error shows on the form, keeping what was typed.
func (s *server) joinWaitlist(w http.ResponseWriter, r *http.Request, id auth.Identity) error {
	res, err := s.waitResource(r)
	if err != nil {
		return err
	}
	p := listaAttesaPage{From: strings.TrimSpace(r.PostFormValue("from")), To: strings.TrimSpace(r.PostFormValue("to")),
		TimeFrom: strings.TrimSpace(r.PostFormValue("time_from")), TimeTo: strings.TrimSpace(r.PostFormValue("time_to")),
		Notify: strings.TrimSpace(r.PostFormValue("email"))}
	req := booking.JoinRequest{ResourceID: res.ID, Subject: id.Subject, For: id.Impersonating, Email: p.Notify}
	var fs []booking.FieldError
	if req.From, err = booking.ParseItalianDate(p.From); err != nil {
		fs = append(fs, booking.FieldError{Field: "from", Message: "Indichi il primo giorno nel formato gg/mm/aaaa, per esempio 09/12/2026."})
	}
	if req.To, err = booking.ParseItalianDate(p.To); err != nil {
		fs = append(fs, booking.FieldError{Field: "to", Message: "Indichi l'ultimo giorno nel formato gg/mm/aaaa, per esempio 31/12/2026."})
	}
	if p.TimeFrom != "" || p.TimeTo != "" {
		from, err1 := booking.ParseClock(p.TimeFrom)
		to, err2 := booking.ParseClock(p.TimeTo)
		if err1 != nil {
			fs = append(fs, booking.FieldError{Field: "time_from", Message: "Indichi l'ora di inizio nel formato HH:MM, per esempio 09:00 (o lasci vuoti entrambi gli orari)."})
		}
		if err2 != nil {
			fs = append(fs, booking.FieldError{Field: "time_to", Message: "Indichi l'ora di fine nel formato HH:MM, per esempio 12:00 (o lasci vuoti entrambi gli orari)."})
		}
		req.Times = []booking.TimeRange{{From: from, To: to}}
	}
	if p.Notify == "" {
		fs = append(fs, booking.FieldError{Field: "email", Message: "Indichi l'indirizzo email a cui avvisarla quando si libera un posto."})
	}
	var e booking.WaitEntry
	if len(fs) == 0 {
		e, err = s.svc.JoinWaitlist(r.Context(), req)
		switch booking.ErrorCode(err) {
		case "":
		case booking.EConflict:
			s.flash(r.Context(), "info", "È già in lista d'attesa per «"+res.Name+"»: trova la richiesta qui sotto.")
			http.Redirect(w, r, "/prenotazioni#lista-attesa", http.StatusSeeOther)
			return nil
		case booking.EInvalid:
			var de *booking.Error
			if errors.As(err, &de) {
				for _, f := range de.Fields {
					if strings.HasPrefix(f.Field, "times") {
						f.Field = "time_to"
					}
					fs = append(fs, f)
				}
			}
		default:
			return err
		}
	}
	if len(fs) > 0 {
		p.Errors = fs
		return s.render(w, r, "lista_attesa", s.waitlistPage(r, res, p), http.StatusUnprocessableEntity)
	}
	if e.State == booking.Offered {
		s.flash(r.Context(), "success", "C'è già un posto libero per lei: "+offerText(e)+". Lo confermi da «Le mie prenotazioni».")
	} else {
		s.flash(r.Context(), "success", "Richiesta registrata: è in lista d'attesa per «"+res.Name+"», posizione "+strconv.Itoa(e.Position)+". Le scriveremo appena si libera un posto.")
	}
	http.Redirect(w, r, "/prenotazioni#lista-attesa", http.StatusSeeOther)
	return nil
}

func offerText(e booking.WaitEntry) string {
	return "il " + rome(e.Start).Format("02/01/2006 alle 15:04") + ", tenuto per lei fino alle " + rome(e.ExpiresAt).Format("15:04")
}

// leaveWaitlist answers POST /lista-attesa/{id}/rimuovi: the citizen leaves
// a line; an outstanding offer passes to the next.
func (s *server) leaveWaitlist(w http.ResponseWriter, r *http.Request, id auth.Identity) error {
	n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return booking.Errorf(booking.ENotFound, "La richiesta di lista d'attesa indicata non esiste.")
	}
	if _, err := s.svc.LeaveWaitlist(r.Context(), n, id.Subject); err != nil {
		return err
	}
	s.flash(r.Context(), "success", "Richiesta di lista d'attesa tolta.")
	http.Redirect(w, r, "/prenotazioni#lista-attesa", http.StatusSeeOther)
	return nil
}

// offer answers GET /lista-attesa/offerta/{id}, the link of the email:
// the offered hold becomes the booking in progress, on its way to the
// confirmation (the anagrafica first, when it is not filled in yet).
func (s *server) offer(w http.ResponseWriter, r *http.Request, id auth.Identity) error {
	h, err := s.svc.Offer(r.Context(), r.PathValue("id"), id.Subject)
	if booking.ErrorCode(err) == booking.EGone {
		s.flash(r.Context(), "warning", booking.ErrorMessage(err))
		http.Redirect(w, r, "/prenotazioni#lista-attesa", http.StatusSeeOther)
		return nil
	}
	if err != nil {
		return err
	}
	if cur, ok := s.heldState(r); ok && cur.ID != h.ID {
		s.dropHold(r, id)
	}
	b, _ := json.Marshal(heldSlots{ID: h.ID, ResourceID: h.ResourceID, Start: h.Start, End: h.End, ExpiresAt: h.ExpiresAt, Slots: len(h.Slots),
		Week: mondayOf(booking.DateOf(h.Start, booking.Rome)).String()})
	s.sess.Put(r.Context(), holdKey, string(b))
	next := "/prenota/anagrafica"
	if f, ok := s.draft(r); ok && len(s.checkAnagrafica(r, f, locksOf(id))) == 0 {
		next = "/prenota/conferma"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// waitRows are subject's waitlist entries for "Le mie prenotazioni".
func (s *server) waitRows(r *http.Request, subject string) ([]waitRow, error) {
	es, err := s.svc.Waitlist(r.Context(), subject)
	if err != nil {
		return nil, err
	}
	var out []waitRow
	for _, e := range es {
		name := "risorsa"
		if res, err := s.svc.Resource(r.Context(), e.ResourceID); err == nil {
			name = res.Name
		}
		days := "dal " + e.From.Italian() + " al " + e.To.Italian()
		for _, t := range e.Times {
			days += ", dalle " + t.From.String() + " alle " + t.To.String()
		}
		row := waitRow{ID: e.ID, Resource: name, Days: days}
		switch e.State {
		case booking.Offered:
			row.Offered, row.OfferLink = true, booking.OfferPath(e.HoldID)
			row.State = "Si è liberato un posto: " + offerText(e)
		case booking.Lapsed:
			row.State = "Offerta scaduta: non è più in lista (può iscriversi di nuovo)"
		default:
			row.State = "In attesa: posizione " + strconv.Itoa(e.Position)
		}
		out = append(out, row)
	}
	return out, nil
}
