package backoffice

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/web"
)

// Orphaned bookings: a change of schedule, a closure (of a resource or of
// the whole Comune) or the removal of a one-off opening may leave confirmed
// bookings outside the slots. Nothing is saved until the admin has decided,
// booking by booking, which to keep and which to cancel (with a reason, for
// the cancellation email); the decision travels with the change's own form,
// re-posted from the orphans page.

// orphansOf returns the future confirmed bookings of newRes that fall outside
// its slots under newCal but not under oldRes and oldCal: those the change
// leaves out. Bookings already outside (kept at an earlier change) are not
// asked about again.
func (s *server) orphansOf(r *http.Request, oldRes booking.Resource, oldCal booking.Calendar, newRes booking.Resource, newCal booking.Calendar) ([]booking.Booking, error) {
	future, err := s.store.FutureBookings(r.Context(), newRes.ID, s.svc.Now())
	if err != nil {
		return nil, err
	}
	before := map[string]bool{}
	for _, b := range orphans(oldRes, oldCal, future) {
		before[b.ID] = true
	}
	var out []booking.Booking
	for _, b := range orphans(newRes, newCal, future) {
		if !before[b.ID] {
			out = append(out, b)
		}
	}
	return out, nil
}

// orphans returns the bookings of bs that fall outside the slots of res
// under cal: on a closed day, off the slot grid, or beyond the capacity (the
// latest made lose).
func orphans(res booking.Resource, cal booking.Calendar, bs []booking.Booking) []booking.Booking {
	var out []booking.Booking
	seats := map[int64]int{}
	for _, b := range bs {
		if !res.Bookable || res.Schedule.SlotMinutes <= 0 {
			out = append(out, b)
			continue
		}
		slots, closed := booking.SlotsOn(res, cal, booking.DateOf(b.Start, booking.Rome))
		i := slices.IndexFunc(slots, func(sl booking.Slot) bool { return sl.Start.Equal(b.Start) })
		var covered []int64
		fits := closed == "" && i >= 0
		if fits {
			end := b.Start
			for j := i; j < len(slots) && slots[j].Start.Equal(end) && !slots[j].End.After(b.End); j++ {
				covered = append(covered, slots[j].Start.UnixMilli())
				end = slots[j].End
			}
			fits = end.Equal(b.End)
		}
		for _, c := range covered {
			if fits && seats[c] >= res.Schedule.Capacity {
				fits = false
			}
		}
		if !fits {
			out = append(out, b)
			continue
		}
		for _, c := range covered {
			seats[c]++
		}
	}
	return out
}

// change describes the change whose orphaned bookings are being decided.
type change struct {
	Action string      // where the orphans page posts: the change's own URL
	Back   string      // "Non salvare" returns here
	What   string      // "La chiusura", subject of the page's sentence
	Target string      // audit target of the decision
	Crumbs []web.Crumb // the breadcrumb items before the orphans page
}

// decision is the admin's choice for each orphaned booking.
type decision struct {
	Cancel, Keep []booking.Booking
	Motivo       string
}

// orphanRow is a booking of the orphans page.
type orphanRow struct {
	booking.Booking
	Resource string
	Cancel   bool
}

// orphansPage asks what to do with the bookings a change leaves out.
type orphansPage struct {
	web.Layout
	Admin  bool
	Action string
	Back   string
	What   string
	Hidden [][2]string
	Rows   []orphanRow
	Note   string
	Errors []booking.FieldError
	Motivo string
}

// The form fields of the orphans page, never re-posted as the change's own.
const (
	fieldDecided = "orfane"  // "scelta": the page was answered
	fieldShown   = "orfana"  // a booking the page showed (one per booking)
	fieldCancel  = "annulla" // a booking to cancel (one per checked box)
	fieldMotivo  = "motivo"  // the reason written in the cancellation emails
)

// decide reads the admin's decision on orph, the bookings a change would
// leave out. With none, or a complete decision (every booking of orph shown
// on the page, and a reason when some are to be cancelled), it returns it
// and true; otherwise it answers with the page that asks (409) and returns
// false.
func (s *server) decide(w http.ResponseWriter, r *http.Request, st *staff, orph []booking.Booking, c change) (decision, bool, error) {
	if len(orph) == 0 {
		return decision{}, true, nil
	}
	if err := r.ParseForm(); err != nil {
		return decision{}, false, booking.Errorf(booking.EInvalid, "Il modulo inviato non è valido.")
	}
	shown, cancel := map[string]bool{}, map[string]bool{}
	for _, id := range r.PostForm[fieldShown] {
		shown[id] = true
	}
	for _, id := range r.PostForm[fieldCancel] {
		cancel[id] = true
	}
	d := decision{Motivo: strings.TrimSpace(r.PostFormValue(fieldMotivo))}
	answered := r.PostFormValue(fieldDecided) == "scelta"
	unseen := false
	for _, b := range orph {
		unseen = unseen || !shown[b.ID]
		if cancel[b.ID] {
			d.Cancel = append(d.Cancel, b)
		} else {
			d.Keep = append(d.Keep, b)
		}
	}
	var fs []booking.FieldError
	if answered && !unseen && len(d.Cancel) > 0 && d.Motivo == "" {
		fs = append(fs, booking.FieldError{Field: fieldMotivo, Message: "«Motivo dell'annullamento»: lo indichi per le prenotazioni da annullare; sarà scritto nell'email ai cittadini."})
	}
	if answered && !unseen && len(fs) == 0 {
		return d, true, nil
	}
	p := orphansPage{Layout: s.layout(r, "Prenotazioni da decidere", append(slices.Clone(c.Crumbs), web.Crumb{Label: "Prenotazioni da decidere"})...),
		Admin: true, Action: c.Action, Back: c.Back, What: c.What, Errors: fs, Motivo: d.Motivo}
	if answered && unseen {
		p.Note = "Nel frattempo la modifica lascerebbe fuori altre prenotazioni: decida anche per quelle (le scelte già fatte sono mantenute)."
	}
	if len(fs) > 0 {
		p.Flash = web.Flash{Kind: "danger", Text: "Controlli i campi indicati."}
	}
	names := paths(st.all)
	for _, b := range orph {
		p.Rows = append(p.Rows, orphanRow{Booking: b, Resource: names[b.ResourceID], Cancel: cancel[b.ID]})
	}
	keys := make([]string, 0, len(r.PostForm))
	for k := range r.PostForm {
		switch k {
		case fieldDecided, fieldShown, fieldCancel, fieldMotivo:
		default:
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range r.PostForm[k] {
			p.Hidden = append(p.Hidden, [2]string{k, v})
		}
	}
	return d, false, s.render(w, r, "orfane", p, http.StatusConflict)
}

// settle carries out a decision after the change is saved: cancels the
// bookings to cancel with the reason (which queues each cancellation email)
// and records in the audit log which were kept and which cancelled. It
// returns a sentence for the flash message.
func (s *server) settle(r *http.Request, d decision, target string) (string, error) {
	var msg string
	if len(d.Keep) > 0 {
		s.audit(r, AuditOrphansKept, target, codes(d.Keep))
		msg += " Prenotazioni mantenute: " + codes(d.Keep) + "."
	}
	var done []booking.Booking
	for _, b := range d.Cancel {
		if _, err := s.store.Cancel(r.Context(), b.ID, d.Motivo); err != nil {
			if booking.ErrorCode(err) == booking.EConflict {
				continue // started meanwhile, or already cancelled
			}
			return "", err
		}
		done = append(done, b)
		s.audit(r, auth.AuditBookingCancelled, b.ID, b.Code+": "+d.Motivo)
	}
	if len(done) > 0 {
		s.audit(r, AuditOrphansCancelled, target, codes(done)+": "+d.Motivo)
		msg += " Prenotazioni annullate, con un'email ai cittadini: " + codes(done) + "."
	}
	return msg, nil
}

func codes(bs []booking.Booking) string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.Code
	}
	return strings.Join(out, ", ")
}

// resourceTarget is the audit target of a resource.
func resourceTarget(id int64) string { return strconv.FormatInt(id, 10) }
