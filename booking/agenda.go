package booking

import "time"

// AgendaEntry is a booking of a resource's agenda with its attendance mark,
// if any.
type AgendaEntry struct {
	Booking
	Attendance string // "", "presente" or "assente" ("non presentato")
	MarkedBy   string
}

// CheckAttendance says whether a booking may be marked state ("presente" or
// "assente") at now: "non presentato" only once its appointment has started
// (a citizen is not absent before their time).
func CheckAttendance(b Booking, state string, now time.Time) error {
	if b.Status != Confirmed {
		return Errorf(EConflict, "La prenotazione è annullata: non si può segnare la presenza.")
	}
	if state == "assente" && now.Before(b.Start) {
		return Errorf(EConflict, "L'appuntamento delle %s non è ancora iniziato: «Non presentato» si può segnare solo da quell'ora.", b.Start.In(Rome).Format("15:04"))
	}
	return nil
}
