package booking

// AgendaEntry is a booking of a resource's agenda with its attendance mark,
// if any.
type AgendaEntry struct {
	Booking
	Attendance string // "", "presente" or "assente" ("non presentato")
	MarkedBy   string
}
