package booking

import (
	"context"
	"errors"
	"time"
)

// MoveRequest moves a booking to the slots from Start of resource
// ResourceID (0: its own), as many as it has.
type MoveRequest struct {
	BookingID  string
	ResourceID int64
	Start      time.Time
	// By is the citizen moving their own booking: only to a free slot of
	// the same resource, under the online rules, while it can be cancelled.
	// Empty for staff, who may move it to any resource and any free slot
	// not yet ended (CounterStateAt).
	By string
}

// Move moves one booking in one step: its seats go to the new slots in the
// transaction that frees the old ones, so there is no moment in which it
// has none or shares one. EConflict when a new seat is gone (the booking is
// as it was).
func (s *Service) Move(ctx context.Context, req MoveRequest) (Booking, error) {
	b, err := s.store.Booking(ctx, req.BookingID)
	if err != nil {
		return Booking{}, err
	}
	if req.By != "" && !b.Visible(req.By) {
		return Booking{}, Errorf(ENotFound, "La prenotazione richiesta non esiste.")
	}
	if req.ResourceID == 0 {
		req.ResourceID = b.ResourceID
	}
	if req.By != "" && req.ResourceID != b.ResourceID {
		return Booking{}, Invalid(FieldError{"resource_id", "Si può spostare la prenotazione solo a un altro orario della stessa risorsa."})
	}
	if b.Status != Confirmed || !b.Start.After(s.opt.Now()) {
		return Booking{}, Errorf(EConflict, "La prenotazione è annullata o il suo appuntamento è già iniziato: non si può spostare.")
	}
	moved, err := s.moveAll(ctx, []Booking{b}, req.ResourceID, func(Booking) time.Time { return req.Start }, req.By == "")
	if err != nil {
		return Booking{}, err
	}
	return moved[0], nil
}

// moveAll judges, under one configuration snapshot, the move of every
// booking of bs to resource to at the start given by at, and makes them all
// in one store transaction.
func (s *Service) moveAll(ctx context.Context, bs []Booking, to int64, at func(Booking) time.Time, staff bool) ([]Booking, error) {
	for attempt := 0; ; attempt++ {
		c, err := s.snapshot(ctx)
		if err != nil {
			return nil, err
		}
		moves, r, err := s.judgeMoves(c, bs, to, at, staff)
		if err != nil {
			if attempt < maxStale && s.stale(ctx, c) {
				continue
			}
			return nil, err
		}
		out, err := s.store.MoveBookings(ctx, moves, c.guard(r))
		if errors.Is(err, ErrStale) && attempt < maxStale {
			s.drop(c)
			continue
		}
		return out, err
	}
}

func (s *Service) judgeMoves(c *config, bs []Booking, to int64, at func(Booking) time.Time, staff bool) ([]Move, Resource, error) {
	var moves []Move
	var r Resource
	for _, b := range bs {
		h, res, err := s.judgeHold(c, HoldRequest{ResourceID: to, Start: at(b), Slots: max(b.Slots, 1), Owner: b.Presentante, Counter: staff})
		if err != nil {
			return nil, res, err
		}
		r = res
		moves = append(moves, Move{BookingID: b.ID, ResourceID: res.ID, ResourceName: res.Name, Slots: h.Slots})
	}
	return moves, r, nil
}

// DayMove is where one booking of a day lands when the day is moved.
type DayMove struct {
	Booking Booking
	To      time.Time // the new start
	Problem string    // why it cannot land there; "" when it can
}

// PlanDay is the preview of moving the confirmed bookings of resource from
// on day to resource to on day toDay: each keeps its time of day. A booking
// whose new slot does not exist, is closed or has no free seat for it has
// a Problem.
func (s *Service) PlanDay(ctx context.Context, from int64, day Date, to int64, toDay Date) ([]DayMove, error) {
	bs, err := s.dayBookings(ctx, from, day)
	if err != nil {
		return nil, err
	}
	c, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	r, err := c.bookable(to, "risorsa")
	if err != nil {
		return nil, err
	}
	start, _ := toDay.At(0, Rome)
	end, _ := toDay.AddDays(1).At(0, Rome)
	occ, err := s.store.Occupancy(ctx, r.ID, start, end, "")
	if err != nil {
		return nil, err
	}
	taken := map[int64]int{}
	for k, o := range occ {
		taken[k] = o.Taken
	}
	var out []DayMove
	for _, b := range bs {
		m := DayMove{Booking: b, To: sameTime(b.Start, toDay)}
		if _, _, err := s.judgeHold(c, HoldRequest{ResourceID: r.ID, Start: m.To, Slots: max(b.Slots, 1), Owner: b.Presentante, Counter: true}); err != nil {
			m.Problem = ErrorMessage(err)
		} else if taken[m.To.UnixMilli()] >= r.Schedule.Capacity && (r.ID != from || !m.To.Equal(b.Start)) {
			m.Problem = "Nessun posto libero alle " + m.To.In(Rome).Format("15:04") + "."
		}
		taken[m.To.UnixMilli()]++
		out = append(out, m)
	}
	return out, nil
}

// MoveDay moves the confirmed bookings of resource from on day to resource
// to on toDay, each at its time of day, all in one transaction (all or
// nothing). It answers the bookings moved.
func (s *Service) MoveDay(ctx context.Context, from int64, day Date, to int64, toDay Date) ([]Booking, error) {
	bs, err := s.dayBookings(ctx, from, day)
	if err != nil {
		return nil, err
	}
	if len(bs) == 0 {
		return nil, Invalid(FieldError{"data", "In quel giorno la risorsa non ha prenotazioni confermate da spostare."})
	}
	return s.moveAll(ctx, bs, to, func(b Booking) time.Time { return sameTime(b.Start, toDay) }, true)
}

// dayBookings are the confirmed bookings of resource id on day that have
// not started.
func (s *Service) dayBookings(ctx context.Context, id int64, day Date) ([]Booking, error) {
	start, _ := day.At(0, Rome)
	now := s.opt.Now()
	if start.Before(now) {
		start = now
	}
	all, err := s.store.FutureBookings(ctx, id, start)
	if err != nil {
		return nil, err
	}
	var out []Booking
	for _, b := range all {
		if DateOf(b.Start, Rome) == day {
			out = append(out, b)
		}
	}
	return out, nil
}

// sameTime is t's time of day (in Rome) on d.
func sameTime(t time.Time, d Date) time.Time {
	l := t.In(Rome)
	at, _ := d.At(Clock(l.Hour()*60+l.Minute()), Rome)
	return at
}
