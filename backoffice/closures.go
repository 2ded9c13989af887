package backoffice

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/web"
)

// Closures and one-off openings of a resource, and the closures of the whole
// Comune (ResourceID 0, which close every resource). A new closure and the
// removal of an opening go through the orphaned-bookings page when they
// leave confirmed bookings out; a new opening is refused when it would move
// the day's slots (see booking.Service.AddOpening).

// monthBack is the "?mese=YYYY-MM#calendario" of a posted form's month, to
// go back to the month the admin was looking at.
func monthBack(r *http.Request) string {
	m := strings.TrimSpace(r.PostFormValue("mese"))
	if _, err := booking.ParseDate(m + "-01"); err != nil {
		return "#calendario"
	}
	return "?mese=" + m + "#calendario"
}

// resourceFormError answers a refused closure or opening form of res with
// the resource page (422), the form kept as typed with its errors.
func (s *server) resourceFormError(w http.ResponseWriter, r *http.Request, st *staff, res booking.Resource, set func(*resourcePage)) error {
	p, err := s.resourceData(r, st, res, false)
	if err != nil {
		return err
	}
	set(&p)
	p.Flash = web.Flash{Kind: "danger", Text: "Controlli i campi indicati."}
	return s.render(w, r, "risorsa", p, http.StatusUnprocessableEntity)
}

func (s *server) addClosure(w http.ResponseWriter, r *http.Request, st *staff) error {
	res, err := s.loadResource(r)
	if err != nil {
		return err
	}
	today := booking.DateOf(s.svc.Now(), booking.Rome)
	form, c, fs := parseClosure(r, res.ID, today)
	if len(fs) > 0 {
		return s.resourceFormError(w, r, st, res, func(p *resourcePage) { p.ClosureForm = form })
	}
	page := "/backoffice/risorse/" + strconv.FormatInt(res.ID, 10)
	out, err := s.svc.AddClosure(r.Context(), &c, s.asker(w, r, st, change{Action: page + "/chiusure", Back: page + "?mese=" + monthKey(c.From) + "#calendario",
		What: "La chiusura dal " + c.From.Italian() + " al " + c.To.Italian(), Target: resourceTarget(res.ID), Crumbs: []web.Crumb{{Label: "Risorse", URL: "/backoffice/risorse"}, {Label: res.Name, URL: page}}}))
	if undecided, err := saved(err); undecided || err != nil {
		return err
	}
	s.audit(r, AuditClosureAdded, resourceTarget(res.ID), c.From.Italian()+"–"+c.To.Italian()+" "+c.Reason)
	msg := s.settle(r, out, resourceTarget(res.ID))
	return s.redirect(w, r, page+"?mese="+monthKey(c.From)+"#calendario", "success", "Chiusura aggiunta."+msg)
}

func (s *server) deleteClosure(w http.ResponseWriter, r *http.Request, st *staff) error {
	res, err := s.loadResource(r)
	if err != nil {
		return err
	}
	cid, err := pathID(r, "cid")
	if err != nil {
		return err
	}
	c, err := s.store.Closure(r.Context(), cid)
	if err != nil {
		return err
	}
	if c.ResourceID != res.ID {
		// The Comune's closures are deleted from their own page.
		return booking.Errorf(booking.ENotFound, "La chiusura richiesta non esiste.")
	}
	if err := s.svc.DeleteClosure(r.Context(), cid); err != nil {
		return err
	}
	s.audit(r, AuditClosureDeleted, resourceTarget(res.ID), c.From.Italian()+"–"+c.To.Italian()+" "+c.Reason)
	return s.redirect(w, r, "/backoffice/risorse/"+strconv.FormatInt(res.ID, 10)+monthBack(r), "success", "Chiusura eliminata.")
}

func (s *server) addOpening(w http.ResponseWriter, r *http.Request, st *staff) error {
	res, err := s.loadResource(r)
	if err != nil {
		return err
	}
	if !res.Bookable {
		return booking.Errorf(booking.ENotFound, "La risorsa richiesta non esiste.")
	}
	today := booking.DateOf(s.svc.Now(), booking.Rome)
	form, o, fs := parseOpening(r, res.ID, today)
	if len(fs) == 0 {
		switch err := s.svc.AddOpening(r.Context(), &o); booking.ErrorCode(err) {
		case "":
		case booking.EInvalid:
			fs = booking.ErrorFields(err)
			form.Errors = fs
		default:
			return err
		}
	}
	if len(fs) > 0 {
		return s.resourceFormError(w, r, st, res, func(p *resourcePage) { p.OpeningForm = form })
	}
	s.audit(r, AuditOpeningAdded, resourceTarget(res.ID), o.Date.Italian()+" "+o.Start.String()+"-"+o.End.String())
	return s.redirect(w, r, "/backoffice/risorse/"+strconv.FormatInt(res.ID, 10)+"?mese="+monthKey(o.Date)+"#calendario", "success", "Apertura straordinaria aggiunta.")
}

func (s *server) deleteOpening(w http.ResponseWriter, r *http.Request, st *staff) error {
	res, err := s.loadResource(r)
	if err != nil {
		return err
	}
	oid, err := pathID(r, "oid")
	if err != nil {
		return err
	}
	o, err := s.store.Opening(r.Context(), oid)
	if err != nil {
		return err
	}
	if o.ResourceID != res.ID {
		return booking.Errorf(booking.ENotFound, "L'apertura straordinaria richiesta non esiste.")
	}
	page := "/backoffice/risorse/" + strconv.FormatInt(res.ID, 10)
	action := page + "/aperture/" + strconv.FormatInt(oid, 10) + "/elimina"
	out, err := s.svc.RemoveOpening(r.Context(), o, s.asker(w, r, st, change{Action: action, Back: page + "?mese=" + monthKey(o.Date) + "#calendario",
		What:   "L'eliminazione dell'apertura straordinaria del " + o.Date.Italian() + " " + o.Start.String() + "-" + o.End.String(),
		Target: resourceTarget(res.ID), Crumbs: []web.Crumb{{Label: "Risorse", URL: "/backoffice/risorse"}, {Label: res.Name, URL: page}}}))
	if undecided, err := saved(err); undecided || err != nil {
		return err
	}
	s.audit(r, AuditOpeningDeleted, resourceTarget(res.ID), o.Date.Italian()+" "+o.Start.String()+"-"+o.End.String())
	msg := s.settle(r, out, resourceTarget(res.ID))
	return s.redirect(w, r, page+"?mese="+monthKey(o.Date)+"#calendario", "success", "Apertura straordinaria eliminata."+msg)
}

// closuresPage is the Comune's closures: a month calendar with the holidays
// and the closures of the whole Comune, and the form to add one.
type closuresPage struct {
	web.Layout
	Admin    bool
	Cal      calendar
	Form     closureForm
	Upcoming []booking.Closure
}

func (s *server) closuresData(r *http.Request) (closuresPage, error) {
	p := closuresPage{Layout: s.layout(r, "Chiusure del Comune", web.Crumb{Label: "Chiusure del Comune"}), Admin: true}
	var chosen booking.Date
	var err error
	if p.Cal, chosen, err = s.monthCalendar(r, nil, "/backoffice", "/backoffice/chiusure"); err != nil {
		return p, err
	}
	if !chosen.IsZero() {
		p.Form.From = chosen.String()
	}
	today := booking.DateOf(s.svc.Now(), booking.Rome)
	cs, err := s.store.Closures(r.Context(), today, today.AddDays(800))
	if err != nil {
		return p, err
	}
	for _, c := range cs {
		if c.ResourceID == 0 {
			p.Upcoming = append(p.Upcoming, c)
		}
	}
	return p, nil
}

func (s *server) comuneClosures(w http.ResponseWriter, r *http.Request, st *staff) error {
	p, err := s.closuresData(r)
	if err != nil {
		return err
	}
	return s.render(w, r, "chiusure", p)
}

// addComuneClosure closes every resource on the days given, asking first
// about the confirmed bookings of any resource on those days.
func (s *server) addComuneClosure(w http.ResponseWriter, r *http.Request, st *staff) error {
	today := booking.DateOf(s.svc.Now(), booking.Rome)
	form, c, fs := parseClosure(r, 0, today)
	if len(fs) > 0 {
		p, err := s.closuresData(r)
		if err != nil {
			return err
		}
		p.Form = form
		p.Flash = web.Flash{Kind: "danger", Text: "Controlli i campi indicati."}
		return s.render(w, r, "chiusure", p, http.StatusUnprocessableEntity)
	}
	out, err := s.svc.AddClosure(r.Context(), &c, s.asker(w, r, st, change{Action: "/backoffice/chiusure", Back: "/backoffice/chiusure?mese=" + monthKey(c.From) + "#calendario",
		What: "La chiusura di tutto il Comune dal " + c.From.Italian() + " al " + c.To.Italian(), Target: "comune",
		Crumbs: []web.Crumb{{Label: "Chiusure del Comune", URL: "/backoffice/chiusure"}}}))
	if undecided, err := saved(err); undecided || err != nil {
		return err
	}
	s.audit(r, AuditClosureAdded, "comune", c.From.Italian()+"–"+c.To.Italian()+" "+c.Reason)
	msg := s.settle(r, out, "comune")
	return s.redirect(w, r, "/backoffice/chiusure?mese="+monthKey(c.From)+"#calendario", "success", "Chiusura di tutto il Comune aggiunta."+msg)
}

func (s *server) deleteComuneClosure(w http.ResponseWriter, r *http.Request, st *staff) error {
	cid, err := pathID(r, "cid")
	if err != nil {
		return err
	}
	c, err := s.store.Closure(r.Context(), cid)
	if err != nil {
		return err
	}
	if c.ResourceID != 0 {
		return booking.Errorf(booking.ENotFound, "La chiusura richiesta non esiste.")
	}
	if err := s.svc.DeleteClosure(r.Context(), cid); err != nil {
		return err
	}
	s.audit(r, AuditClosureDeleted, "comune", c.From.Italian()+"–"+c.To.Italian()+" "+c.Reason)
	return s.redirect(w, r, "/backoffice/chiusure"+monthBack(r), "success", "Chiusura di tutto il Comune eliminata.")
}
