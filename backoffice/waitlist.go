package backoffice

import (
	"net/http"
	"strconv"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/web"
)

// AuditWaitlistRemoved is the audit action of staff removing a citizen from a
// resource's waitlist.
const AuditWaitlistRemoved = "waitlist_removed"

// waitlistPage is a resource's waitlist (SPEC §16).
type waitlistPage struct {
	web.Layout
	Admin   bool
	R       booking.Resource
	Entries []booking.WaitEntry
}

// waitlist answers GET /backoffice/lista-attesa/{id}: the line of a
// resource the staff member works.
func (s *server) waitlist(w http.ResponseWriter, r *http.Request, st *staff) error {
	res, err := s.agendaResource(r, st)
	if err != nil {
		return err
	}
	es, err := s.svc.ResourceWaitlist(r.Context(), res.ID)
	if err != nil {
		return err
	}
	p := waitlistPage{Layout: s.layout(r, "Lista d'attesa: "+res.Name, web.Crumb{Label: "Agenda", URL: "/backoffice/agenda/" + strconv.FormatInt(res.ID, 10)},
		web.Crumb{Label: "Lista d'attesa"}), Admin: st.Admin(), R: res, Entries: es}
	return s.render(w, r, "lista_attesa", p)
}

// removeFromWaitlist answers POST /backoffice/lista-attesa/{id}/{eid}/rimuovi:
// the entry leaves the line (its offer passes to the next), audited.
func (s *server) removeFromWaitlist(w http.ResponseWriter, r *http.Request, st *staff) error {
	res, err := s.agendaResource(r, st)
	if err != nil {
		return err
	}
	eid, err := strconv.ParseInt(r.PathValue("eid"), 10, 64)
	if err != nil {
		return booking.Errorf(booking.ENotFound, "La richiesta di lista d'attesa indicata non esiste.")
	}
	es, err := s.svc.ResourceWaitlist(r.Context(), res.ID)
	if err != nil {
		return err
	}
	var e booking.WaitEntry
	for _, x := range es {
		if x.ID == eid {
			e = x
		}
	}
	if e.ID == 0 {
		return booking.Errorf(booking.ENotFound, "La richiesta di lista d'attesa indicata non esiste.")
	}
	if _, err := s.svc.LeaveWaitlist(r.Context(), e.ID, ""); err != nil {
		return err
	}
	who := e.Subject
	if e.For != "" {
		who += " per " + e.For
	}
	s.audit(r, AuditWaitlistRemoved, strconv.FormatInt(e.ID, 10), res.Name+": "+who)
	return s.redirect(w, r, "/backoffice/lista-attesa/"+strconv.FormatInt(res.ID, 10), "success", "Richiesta di "+who+" tolta dalla lista d'attesa.")
}
