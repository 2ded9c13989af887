package backoffice

import (
	"net/http"
	"strconv"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/web"
)

// moveDayPage previews and makes the move of a day's bookings of a
// resource to another day and resource.
type moveDayPage struct {
	web.Layout
	Admin   bool
	R       booking.Resource
	Day     booking.Date
	Targets []booking.Resource
	To      int64
	ToDay   string
	Plan    []booking.DayMove
	Blocked bool // some booking cannot land
	Error   string
}

func (s *server) moveDayData(r *http.Request, st *staff) (moveDayPage, error) {
	res, err := s.agendaResource(r, st)
	if err != nil {
		return moveDayPage{}, err
	}
	day, _, _, _ := s.span(r)
	p := moveDayPage{Layout: s.layout(r, "Sposta le prenotazioni del giorno", web.Crumb{Label: "Agenda", URL: "/backoffice/agenda/" + strconv.FormatInt(res.ID, 10) + "?data=" + day.String()},
		web.Crumb{Label: "Sposta il giorno"}), Admin: st.Admin(), R: res, Day: day, To: res.ID, ToDay: r.FormValue("a_data")}
	for _, t := range st.all {
		if t.Bookable && st.can(t.ID) {
			p.Targets = append(p.Targets, t)
		}
	}
	if to, err := strconv.ParseInt(r.FormValue("a_risorsa"), 10, 64); err == nil && st.can(to) {
		p.To = to
	}
	if p.ToDay == "" {
		return p, nil
	}
	toDay, err := parseDay(p.ToDay)
	if err != nil {
		p.Error = "Scriva il nuovo giorno come gg/mm/aaaa."
		return p, nil
	}
	p.ToDay = toDay.String()
	if p.Plan, err = s.svc.PlanDay(r.Context(), res.ID, day, p.To, toDay); err != nil {
		if booking.ErrorCode(err) != booking.EInvalid && booking.ErrorCode(err) != booking.ENotFound {
			return p, err
		}
		p.Error = booking.ErrorMessage(err)
	}
	for _, m := range p.Plan {
		if m.Problem != "" {
			p.Blocked = true
		}
	}
	return p, nil
}

func (s *server) moveDayForm(w http.ResponseWriter, r *http.Request, st *staff) error {
	p, err := s.moveDayData(r, st)
	if err != nil {
		return err
	}
	return s.render(w, r, "sposta_giorno", p)
}

// moveDay moves every confirmed booking of the day shown, all or nothing.
func (s *server) moveDay(w http.ResponseWriter, r *http.Request, st *staff) error {
	p, err := s.moveDayData(r, st)
	if err != nil {
		return err
	}
	toDay, derr := parseDay(p.ToDay)
	if derr != nil || p.Error != "" {
		if p.Error == "" {
			p.Error = "Scriva il nuovo giorno come gg/mm/aaaa."
		}
		return s.render(w, r, "sposta_giorno", p, http.StatusUnprocessableEntity)
	}
	moved, err := s.svc.MoveDay(r.Context(), p.R.ID, p.Day, p.To, toDay)
	if err != nil {
		switch booking.ErrorCode(err) {
		case booking.EInvalid, booking.EConflict, booking.EGone:
		default:
			return err
		}
		if p, err2 := s.moveDayData(r, st); err2 == nil {
			p.Error = booking.ErrorMessage(err)
			return s.render(w, r, "sposta_giorno", p, counterStatus(err))
		}
		return err
	}
	s.audit(r, AuditBookingMoved, strconv.FormatInt(p.R.ID, 10), strconv.Itoa(len(moved))+" prenotazioni dal "+p.Day.Italian()+" al "+toDay.Italian())
	return s.redirect(w, r, "/backoffice/agenda/"+strconv.FormatInt(p.To, 10)+"?data="+toDay.String(), "success",
		plural(len(moved), "prenotazione spostata", "prenotazioni spostate")+" al "+italianDay(toDay)+"; i cittadini riceveranno un'email con il nuovo orario.")
}
