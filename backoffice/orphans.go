package backoffice

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/web"
)

// Orphaned bookings: a change of schedule or capacity, a closure (of a
// resource or of the whole Comune) or the removal of a one-off opening may
// leave confirmed bookings outside the slots (booking.Service finds them).
// Nothing is saved until the admin has decided, booking by booking, which to
// keep and which to cancel (with a reason, for the cancellation email); the
// decision travels with the change's own form, re-posted from the orphans
// page.

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

// asker is the booking.Decide of a change made through the back office:
// the orphans page (see decide).
func (s *server) asker(w http.ResponseWriter, r *http.Request, st *staff, c change) booking.Decide {
	return func(orph []booking.Booking) (map[string]bool, string, bool, error) {
		d, ok, err := s.decide(w, r, st, orph, c)
		cancel := map[string]bool{}
		for _, b := range d.Cancel {
			cancel[b.ID] = true
		}
		return cancel, d.Motivo, ok, err
	}
}

// saved finishes the answer to a change the service has saved (undecided
// false) or left for the orphans page, already rendered (undecided true).
func saved(err error) (undecided bool, _ error) {
	if errors.Is(err, booking.ErrUndecided) {
		return true, nil
	}
	return false, err
}

// settle records in the audit log which orphaned bookings a change kept and
// which it cancelled (each cancellation queued its email), and returns a
// sentence for the flash message.
func (s *server) settle(r *http.Request, out booking.Outcome, target string) string {
	var msg string
	if len(out.Kept) > 0 {
		s.audit(r, AuditOrphansKept, target, codes(out.Kept))
		msg += " Prenotazioni mantenute: " + codes(out.Kept) + "."
	}
	for _, b := range out.Cancelled {
		s.audit(r, auth.AuditBookingCancelled, b.ID, b.Code+": "+out.Reason)
	}
	if len(out.Cancelled) > 0 {
		s.audit(r, AuditOrphansCancelled, target, codes(out.Cancelled)+": "+out.Reason)
		msg += " Prenotazioni annullate, con un'email ai cittadini: " + codes(out.Cancelled) + "."
	}
	if len(out.Unseated) > 0 {
		msg += " Attenzione: le prenotazioni mantenute " + strings.Join(out.Unseated, ", ") + " superano i posti dei nuovi orari; verifichi l'agenda."
	}
	return msg
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
