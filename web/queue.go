package web

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
)

// salaPage is the waiting room of a resource (SPEC §15): the citizen's
// place, refreshed by sala.js through the API (a live region) or, without
// JavaScript, by a meta refresh.
type salaPage struct {
	stepPage
	Place    booking.Place
	Refresh  int    // seconds, for the meta refresh
	QueueAPI string // GET: the place, for sala.js
	Grid     string // where an admission leads
	Waitlist string // the waitlist of the resource (SPEC §16)
	Refused  bool   // a hold was refused for want of admission
	Minutes  int    // how long an admission lasts
}

// AheadText is how many are ahead, -1 before the draw.
func (p salaPage) AheadText() string {
	switch a := p.Place.Ahead; {
	case a < 0:
		return "L'ordine della coda sarà estratto a sorte all'apertura, alle " + p.Place.OpensAt.In(booking.Rome).Format("15:04") + ": arrivare prima non dà vantaggi."
	case a == 0:
		return "Nessuno è davanti a lei: tocca a lei fra poco."
	case a == 1:
		return "C'è 1 persona davanti a lei."
	default:
		return "Ci sono " + strconv.FormatInt(a, 10) + " persone davanti a lei."
	}
}

// ETAText is the estimated wait in words.
func (p salaPage) ETAText() string {
	m := int(p.Place.ETA.Round(time.Minute) / time.Minute)
	switch {
	case m < 1:
		return "meno di un minuto"
	case m == 1:
		return "circa 1 minuto"
	default:
		return "circa " + strconv.Itoa(m) + " minuti"
	}
}

// queueGate shows the waiting room instead of the grid while the room of
// res is active and id has no live admission (joining it, once, on the
// first visit). handled false: show the grid.
func (s *server) queueGate(w http.ResponseWriter, r *http.Request, id auth.Identity, res booking.Resource, refused bool) (handled bool, err error) {
	room, active, err := s.svc.RoomOf(r.Context(), res.ID)
	if err != nil || !active {
		return false, err
	}
	p, err := s.svc.QueuePlace(r.Context(), res.ID, id.Subject)
	if booking.ErrorCode(err) == booking.ENotFound || (err == nil && p.Expired) {
		p, _, err = s.svc.JoinQueue(r.Context(), res.ID, id.Subject)
	}
	if err != nil {
		return false, err
	}
	if p.State == booking.Admitted || p.State == booking.NoRoom {
		return false, nil
	}
	page := salaPage{stepPage: stepPage{Step: 1, Resource: res}, Place: p, Refresh: int(p.PollAfter / time.Second),
		QueueAPI: fmt.Sprintf("/api/v1/resources/%d/queue", res.ID), Grid: fmt.Sprintf("/prenota/%d/disponibilita", res.ID),
		Waitlist: fmt.Sprintf("/lista-attesa/%d", res.ID), Refused: refused, Minutes: int(room.Validity() / time.Minute)}
	page.Layout = s.stepLayout(r, res, "Sala d'attesa virtuale")
	status := http.StatusOK
	if refused {
		status = http.StatusForbidden
	}
	return true, s.render(w, r, "sala_attesa", page, status)
}

// notAdmitted answers a hold refused because the room is active and the
// citizen has no admission: 403 with the waiting room.
func (s *server) notAdmitted(w http.ResponseWriter, r *http.Request, id auth.Identity, res booking.Resource, err error) error {
	if !errors.Is(err, booking.ErrNotAdmitted) {
		return err
	}
	if handled, gerr := s.queueGate(w, r, id, res, true); handled || gerr != nil {
		return gerr
	}
	return err
}
