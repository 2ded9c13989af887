// Package statsfixture loads, for the statistics' tests, a Comune with known
// bookings and states the figures they must give, computed by hand: two
// resources (a counter of capacity 1 with a closure in the period, a study
// room of capacity 3 with a one-off opening), bookings attended, not
// attended, cancelled by the citizen and by the Comune, a holiday, and
// satisfaction ratings, over 23 November – 13 December 2026.
package statsfixture

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/sqlstore"
)

// The period of the statistics and its two months.
var (
	From = booking.Date{Year: 2026, Month: 11, Day: 23}
	To   = booking.Date{Year: 2026, Month: 12, Day: 13}
)

// Clock is a settable clock shared by the service and the store.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Set sets the clock.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// Fixture is the loaded Comune.
type Fixture struct {
	Service *booking.Service
	Clock   *Clock
	// Desk is "Sportello anagrafe": Monday to Friday 09:00–11:00 in 30
	// minute slots, capacity 1, closed on 10 and 11 December.
	Desk booking.Resource
	// Room is "Sala studio": Monday and Wednesday 14:00–16:00 in one-hour
	// slots, capacity 3, and open on Saturday 12 December 14:00–15:00.
	Room booking.Resource
	// Bookings by name (d1…d7 of the desk, r1…r5 of the room).
	Bookings map[string]booking.Booking
}

// The cancellation reason the Comune gives (free text: it must not reach
// the open data).
const ComuneReason = "Sportello chiuso per sciopero del personale"

// Rome is t at hh:mm of day in Rome.
func at(y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, booking.Rome)
}

// Load fills s (a fresh store) and returns the fixture. The clock is left
// on 14 December 2026, after every appointment.
func Load(t testing.TB, s *sqlstore.Store) *Fixture {
	t.Helper()
	ctx := context.Background()
	clk := &Clock{t: at(2026, 11, 1, 8, 0)}
	s.SetClock(clk.Now)
	svc := booking.NewService(s, booking.Options{Now: clk.Now, ConfigTTL: time.Nanosecond})
	f := &Fixture{Service: svc, Clock: clk, Bookings: map[string]booking.Booking{}}
	must(t, svc.SaveSettings(ctx, booking.Settings{Name: "Comune di Prova", Province: "Provincia di Prova",
		Email: "urp@comune.prova.it", Phone: "0541 111111"}))
	var hours []booking.OpeningRange
	for wd := time.Monday; wd <= time.Friday; wd++ {
		hours = append(hours, booking.OpeningRange{Weekday: wd, Start: 9 * 60, End: 11 * 60})
	}
	f.Desk = booking.Resource{Name: "Sportello anagrafe", Bookable: true, Kind: booking.InPerson,
		Schedule: booking.Schedule{SlotMinutes: 30, Capacity: 1, MaxSlots: 2, Hours: hours}}
	must(t, svc.CreateResource(ctx, &f.Desk))
	f.Room = booking.Resource{Name: "Sala studio", Bookable: true, Kind: booking.InPerson, Position: 1,
		Schedule: booking.Schedule{SlotMinutes: 60, Capacity: 3, MaxSlots: 1, Hours: []booking.OpeningRange{
			{Weekday: time.Monday, Start: 14 * 60, End: 16 * 60}, {Weekday: time.Wednesday, Start: 14 * 60, End: 16 * 60}}}}
	must(t, svc.CreateResource(ctx, &f.Room))
	keep := func([]booking.Booking) (map[string]bool, string, bool, error) { return nil, "", true, nil }
	_, err := svc.AddClosure(ctx, &booking.Closure{ResourceID: f.Desk.ID, From: booking.Date{Year: 2026, Month: 12, Day: 10},
		To: booking.Date{Year: 2026, Month: 12, Day: 11}, Reason: "Formazione del personale"}, keep)
	must(t, err)
	must(t, svc.AddOpening(ctx, &booking.Opening{ResourceID: f.Room.ID, Date: booking.Date{Year: 2026, Month: 12, Day: 12},
		Start: 14 * 60, End: 15 * 60, Reason: "Apertura straordinaria"}))

	type plan struct {
		name     string
		res      booking.Resource
		start    time.Time
		slots    int
		created  time.Time
		outcome  string // "", presente, assente, cittadino, comune
		fruitore string
	}
	plans := []plan{
		// The desk. November: d1 3 days ahead, attended; d2 two slots 5
		// days ahead, not attended; d3 12 hours ahead; d4 cancelled by the
		// citizen. December: d5 10 days ahead, attended; d6 cancelled by
		// the Comune; d7 2 days ahead, attended. Outside the period: d0, d8.
		{"d0", f.Desk, at(2026, 11, 20, 9, 0), 1, at(2026, 11, 2, 9, 0), "", "RSSMRA70A01H501S"},
		{"d1", f.Desk, at(2026, 11, 23, 9, 0), 1, at(2026, 11, 20, 9, 0), sqlstore.Presente, "RSSMRA70A01H501S"},
		{"d2", f.Desk, at(2026, 11, 24, 9, 0), 2, at(2026, 11, 19, 9, 0), sqlstore.Assente, "BNCGLI85M55I304Q"},
		{"d3", f.Desk, at(2026, 11, 26, 10, 0), 1, at(2026, 11, 25, 22, 0), "", "VRDLCU80A01F205X"},
		{"d4", f.Desk, at(2026, 11, 27, 9, 0), 1, at(2026, 11, 20, 9, 30), booking.ByCitizen, "RSSMRA70A01H501S"},
		{"d5", f.Desk, at(2026, 12, 1, 9, 0), 1, at(2026, 11, 21, 9, 0), sqlstore.Presente, "BNCGLI85M55I304Q"},
		{"d6", f.Desk, at(2026, 12, 2, 9, 30), 1, at(2026, 11, 30, 9, 30), booking.ByComune, "VRDLCU80A01F205X"},
		{"d7", f.Desk, at(2026, 12, 3, 9, 0), 1, at(2026, 12, 1, 9, 0), sqlstore.Presente, "RSSMRA70A01H501S"},
		{"d8", f.Desk, at(2026, 12, 14, 9, 0), 1, at(2026, 12, 1, 10, 0), "", "RSSMRA70A01H501S"},
		// The room. November: r1, r2, r3 fill the three seats of 23
		// November 14:00, 7, 5 and 1 days ahead; r1 and r2 came, r3 did
		// not. December: r4 in the one-off opening, 10 days ahead; r5
		// cancelled by the citizen.
		{"r1", f.Room, at(2026, 11, 23, 14, 0), 1, at(2026, 11, 16, 14, 0), sqlstore.Presente, "RSSMRA70A01H501S"},
		{"r2", f.Room, at(2026, 11, 23, 14, 0), 1, at(2026, 11, 18, 14, 0), sqlstore.Presente, "BNCGLI85M55I304Q"},
		{"r3", f.Room, at(2026, 11, 23, 14, 0), 1, at(2026, 11, 22, 14, 0), sqlstore.Assente, "VRDLCU80A01F205X"},
		{"r4", f.Room, at(2026, 12, 12, 14, 0), 1, at(2026, 12, 2, 14, 0), "", "RSSMRA70A01H501S"},
		{"r5", f.Room, at(2026, 12, 9, 14, 0), 1, at(2026, 12, 5, 14, 0), booking.ByCitizen, "BNCGLI85M55I304Q"},
	}
	for _, p := range plans {
		clk.Set(p.created)
		h, err := svc.Hold(ctx, booking.HoldRequest{ResourceID: p.res.ID, Start: p.start, Slots: p.slots, Owner: p.fruitore})
		if err != nil {
			t.Fatalf("hold %s: %v", p.name, err)
		}
		b, _, err := svc.Confirm(ctx, booking.ConfirmRequest{HoldID: h.ID, Presentante: p.fruitore,
			Fruitore: booking.Person{Nome: "Mario", Cognome: "Rossi", DataNascita: booking.Date{Year: 1970, Month: 1, Day: 1}, Sesso: "M",
				NazioneNascita: "ITALIA", ProvinciaNascita: "RM", ComuneNascita: "ROMA", CodiceFiscale: p.fruitore,
				Email: "mario.rossi@example.it", Telefono: "333 1234567"},
			Motivazione: "Rinnovo carta d'identità", Telefono: "333 1234567", Nota: "Porto il vecchio documento"})
		if err != nil {
			t.Fatalf("confirm %s: %v", p.name, err)
		}
		f.Bookings[p.name] = b
	}
	for _, p := range plans {
		b := f.Bookings[p.name]
		var err error
		switch p.outcome {
		case booking.ByCitizen:
			clk.Set(p.start.Add(-24 * time.Hour))
			_, err = svc.Cancel(ctx, b.ID, p.fruitore)
		case booking.ByComune:
			clk.Set(p.start.Add(-2 * time.Hour))
			_, err = s.Cancel(ctx, b.ID, ComuneReason)
		case sqlstore.Presente, sqlstore.Assente:
			clk.Set(p.start.Add(time.Hour))
			err = s.SetAttendance(ctx, b.ID, p.outcome, "utente:operatore", clk.Now())
		}
		if err != nil {
			t.Fatalf("%s %s: %v", p.outcome, p.name, err)
		}
	}
	// Ratings: three in the period (5 and 4 "chiaro", 2 "lento"), one after;
	// and an answer to a page's "Quanto sono chiare le informazioni", which
	// is not a rating of the service and must not count.
	for _, fb := range []sqlstore.Feedback{
		{At: at(2026, 11, 23, 9, 40), Page: "esito", Rating: 5, Reason: "chiaro", Comment: "Tutto bene, grazie Mario Rossi"},
		{At: at(2026, 11, 30, 12, 0), Page: "esito", Rating: 4, Reason: "chiaro"},
		{At: at(2026, 12, 13, 23, 59), Page: "esito", Rating: 2, Reason: "lento", Comment: "Troppa attesa"},
		{At: at(2026, 12, 14, 0, 0), Page: "esito", Rating: 1, Reason: "lento"},
		{At: at(2026, 12, 1, 10, 0), Page: "/servizi", Rating: 1, Reason: "incomplete"},
	} {
		must(t, s.SaveFeedback(ctx, fb))
	}
	clk.Set(at(2026, 12, 14, 12, 0))
	return f
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// Expected figures, by hand.
//
// Seats offered. The desk opens 4 slots of 1 seat a weekday. November
// (23–30): 23, 24, 25, 26, 27 and 30 November, 6 days, 24 seats. December
// (1–13): the weekdays 1, 2, 3, 4, 7, 8, 9, 10, 11 less 8 December
// (Immacolata) and the closure of 10–11 December: 6 days, 24 seats. The
// room opens 2 slots of 3 seats on Mondays and Wednesdays: November 23, 25,
// 30 (18 seats); December 2, 7, 9 (18) and the opening of Saturday 12
// December, one slot of 3 seats: 21.
//
// Lead times in days: desk November 3, 5, 0.5 (median 3), December 10, 2
// (median 6), whole 0.5, 2, 3, 5, 10 (median 3); room November 7, 5, 1
// (median 5), December 10, whole 1, 5, 7, 10 (median 6).
var (
	DeskNovember = booking.Figures{SeatsOffered: 24, Bookings: 3, BookedSeats: 4, CancelledByCitizen: 1, Attended: 1, NoShow: 1, MedianLeadDays: 3}
	DeskDecember = booking.Figures{SeatsOffered: 24, Bookings: 2, BookedSeats: 2, CancelledByComune: 1, Attended: 2, MedianLeadDays: 6}
	DeskTotal    = booking.Figures{SeatsOffered: 48, Bookings: 5, BookedSeats: 6, CancelledByCitizen: 1, CancelledByComune: 1, Attended: 3, NoShow: 1, MedianLeadDays: 3}
	RoomNovember = booking.Figures{SeatsOffered: 18, Bookings: 3, BookedSeats: 3, Attended: 2, NoShow: 1, MedianLeadDays: 5}
	RoomDecember = booking.Figures{SeatsOffered: 21, Bookings: 1, BookedSeats: 1, CancelledByCitizen: 1, MedianLeadDays: 10}
	RoomTotal    = booking.Figures{SeatsOffered: 39, Bookings: 4, BookedSeats: 4, CancelledByCitizen: 1, Attended: 2, NoShow: 1, MedianLeadDays: 6}
)

// Occupancy by hand: desk 6/48 = 0.125, room 4/39.
const (
	DeskOccupancy = 0.125
	RoomOccupancy = 4.0 / 39
)

// Feedback by hand: 5, 4 and 2 in the period; "chiaro" twice, "lento" once.
var Feedback = booking.Feedback{Count: 3, Average: 11.0 / 3, Ratings: [6]int{0, 0, 1, 0, 1, 1},
	Reasons: []booking.ReasonCount{{Reason: "chiaro", Count: 2}, {Reason: "lento", Count: 1}}}

// OpenDataRows is the number of rows of the open data of the period: the
// desk's hours 9 and 10 of its 12 open days (24), the room's hours 14 and 15
// of its 6 open days and hour 14 of the opening (13).
const OpenDataRows = 37
