package booking

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Changes of the configuration. A change never silently orphans a confirmed
// booking: a new schedule or capacity, a closure (of a resource or of the
// whole Comune) and the removal of a one-off opening compute the future
// confirmed bookings that would fall outside the slots and were inside
// before; if there are any, Decide is asked, before anything is saved, which
// to cancel (with a reason, for the emails) and which to keep. Every change
// drops the service's cached configuration; other instances see it at their
// next hold or confirm (see Guard).

// Decide is asked about the bookings a change would orphan (never with none).
// It returns the IDs to cancel, the reason for their cancellation emails, and
// ok false to save nothing (the back office is asking the admin). A nil
// Decide refuses a change that would orphan any booking.
type Decide func(orphans []Booking) (cancel map[string]bool, reason string, ok bool, err error)

// ErrUndecided is returned by a change that Decide left unsaved.
var ErrUndecided = errors.New("booking: change not decided")

// Outcome is what a saved change did to the bookings it orphaned.
type Outcome struct {
	Kept, Cancelled []Booking
	Reason          string // of the cancellations
	// Unseated are the codes of kept bookings that found no free seat in
	// the new slots.
	Unseated []string
}

// fresh returns the configuration as the database has it now.
func (s *Service) fresh(ctx context.Context) (*config, error) {
	s.Invalidate()
	return s.snapshot(ctx)
}

// UpdateResource validates and replaces a node; a new schedule or capacity
// goes through decide for the bookings it orphans.
func (s *Service) UpdateResource(ctx context.Context, r Resource, decide Decide) (Outcome, error) {
	if err := r.Validate(); err != nil {
		return Outcome{}, err
	}
	c, err := s.fresh(ctx)
	if err != nil {
		return Outcome{}, err
	}
	old, ok := c.resources[r.ID]
	if !ok {
		return Outcome{}, Errorf(ENotFound, "La risorsa richiesta non esiste.")
	}
	out, err := s.change(ctx, []Resource{old}, []Resource{r}, c.calendar, c.calendar, decide, func() error { return s.store.UpdateResource(ctx, r) })
	if err != nil {
		return out, err
	}
	if old.Schedule.SlotMinutes != r.Schedule.SlotMinutes || !slices.Equal(old.Schedule.Hours, r.Schedule.Hours) {
		out.Unseated, err = s.realign(ctx, r, c.calendar, Date{})
	}
	s.offerAfter(ctx, r.ID)
	return out, err
}

// AddClosure stores a closure of a resource, or with ResourceID 0 of the
// whole Comune, through decide for the bookings it orphans.
func (s *Service) AddClosure(ctx context.Context, cl *Closure, decide Decide) (Outcome, error) {
	if cl.To.Before(cl.From) {
		return Outcome{}, Invalid(FieldError{"to", "La data di fine chiusura non può precedere quella di inizio."})
	}
	c, err := s.fresh(ctx)
	if err != nil {
		return Outcome{}, err
	}
	var rs []Resource
	for _, r := range c.list {
		if r.Bookable && (cl.ResourceID == 0 || r.ID == cl.ResourceID) {
			rs = append(rs, r)
		}
	}
	with := c.calendar
	with.Closures = append(slices.Clone(c.calendar.Closures), *cl)
	return s.change(ctx, rs, rs, c.calendar, with, decide, func() error { return s.store.AddClosure(ctx, cl) })
}

// DeleteClosure deletes a closure.
func (s *Service) DeleteClosure(ctx context.Context, id int64) error {
	defer s.Invalidate()
	return s.store.DeleteClosure(ctx, id)
}

// AddOpening stores a one-off extra opening of a bookable resource. It is
// refused when it adds no slot, when it overlaps the day's hours off their
// grid (it would move them, and seats are claimed by slot start), or when
// its new slots overlap a booking kept outside the hours (which holds no
// seat).
func (s *Service) AddOpening(ctx context.Context, o *Opening) error {
	if o.Start >= o.End {
		return Invalid(FieldError{"end", "L'orario di fine deve seguire quello di inizio."})
	}
	c, err := s.fresh(ctx)
	if err != nil {
		return err
	}
	r, ok := c.resources[o.ResourceID]
	if !ok || !r.Bookable {
		return Errorf(ENotFound, "La risorsa richiesta non esiste.")
	}
	future, err := s.store.FutureBookings(ctx, r.ID, s.opt.Now())
	if err != nil {
		return err
	}
	if fs := openingFits(r, c.calendar, *o, future); len(fs) > 0 {
		return Invalid(fs...)
	}
	err = s.store.AddOpening(ctx, o)
	s.Invalidate()
	if err == nil {
		s.offerAfter(ctx, r.ID)
	}
	return err
}

// RemoveOpening deletes the one-off opening o through decide for the
// bookings it orphans; the day's kept bookings follow the slots that come
// back.
func (s *Service) RemoveOpening(ctx context.Context, o Opening, decide Decide) (Outcome, error) {
	c, err := s.fresh(ctx)
	if err != nil {
		return Outcome{}, err
	}
	r, ok := c.resources[o.ResourceID]
	if !ok {
		return Outcome{}, Errorf(ENotFound, "La risorsa richiesta non esiste.")
	}
	without := c.calendar
	without.Openings = slices.DeleteFunc(slices.Clone(c.calendar.Openings), func(x Opening) bool { return x.ID == o.ID })
	out, err := s.change(ctx, []Resource{r}, []Resource{r}, c.calendar, without, decide, func() error { return s.store.DeleteOpening(ctx, o.ID) })
	if err != nil {
		return out, err
	}
	out.Unseated, err = s.realign(ctx, r, without, o.Date)
	return out, err
}

// DeleteResource deletes a node without future bookings.
func (s *Service) DeleteResource(ctx context.Context, r Resource) error {
	future, err := s.store.FutureBookings(ctx, r.ID, s.opt.Now())
	if err != nil {
		return err
	}
	if len(future) > 0 {
		return Errorf(EConflict, "«%s» ha %d prenotazioni future: non si può eliminare.", r.Name, len(future))
	}
	defer s.Invalidate()
	return s.store.DeleteResource(ctx, r.ID)
}

// change saves a change from olds under oldCal to news under newCal (the same
// resources, in the same order) by running save, after decide has settled
// the bookings it orphans; then it cancels those decide chose.
func (s *Service) change(ctx context.Context, olds, news []Resource, oldCal, newCal Calendar, decide Decide, save func() error) (Outcome, error) {
	var orph []Booking
	for i := range news {
		o, err := s.orphansOf(ctx, olds[i], oldCal, news[i], newCal)
		if err != nil {
			return Outcome{}, err
		}
		orph = append(orph, o...)
	}
	slices.SortStableFunc(orph, func(a, b Booking) int { return a.Start.Compare(b.Start) })
	var cancel map[string]bool
	var reason string
	if len(orph) > 0 {
		if decide == nil {
			return Outcome{}, Errorf(EConflict, "La modifica lascerebbe fuori dagli orari le prenotazioni %s.", codes(orph))
		}
		var ok bool
		var err error
		if cancel, reason, ok, err = decide(orph); err != nil {
			return Outcome{}, err
		}
		if !ok {
			return Outcome{}, ErrUndecided
		}
	}
	err := save()
	s.Invalidate()
	if err != nil {
		return Outcome{}, err
	}
	out := Outcome{Reason: reason}
	for _, b := range orph {
		if !cancel[b.ID] {
			out.Kept = append(out.Kept, b)
			continue
		}
		if _, err := s.store.Cancel(ctx, b.ID, reason); err != nil {
			if ErrorCode(err) == EConflict {
				continue // started meanwhile, or already cancelled
			}
			return out, err
		}
		out.Cancelled = append(out.Cancelled, b)
	}
	return out, nil
}

// orphansOf returns the future confirmed bookings of newRes that fall outside
// its slots under newCal but not under oldRes and oldCal: those the change
// leaves out. Bookings already outside (kept at an earlier change) are not
// asked about again.
func (s *Service) orphansOf(ctx context.Context, oldRes Resource, oldCal Calendar, newRes Resource, newCal Calendar) ([]Booking, error) {
	future, err := s.store.FutureBookings(ctx, newRes.ID, s.opt.Now())
	if err != nil {
		return nil, err
	}
	before := map[string]bool{}
	for _, b := range orphans(oldRes, oldCal, future) {
		before[b.ID] = true
	}
	var out []Booking
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
func orphans(res Resource, cal Calendar, bs []Booking) []Booking {
	var out []Booking
	seats := map[int64]int{}
	for _, b := range bs {
		if !res.Bookable || res.Schedule.SlotMinutes <= 0 {
			out = append(out, b)
			continue
		}
		slots, closed := SlotsOn(res, cal, DateOf(b.Start, Rome))
		i := slices.IndexFunc(slots, func(sl Slot) bool { return sl.Start.Equal(b.Start) })
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

// realign puts the seats of every future booking of res onto the new slots it
// overlaps, so that a changed slot grid never shows a kept booking's seat as
// free. A booking that overlaps no slot any more (kept outside the hours)
// keeps no seat: nothing can be booked over it. It returns the codes of the
// kept bookings that found no free seat in the new slots. With a non-zero
// day, only the bookings of that day are realigned.
func (s *Service) realign(ctx context.Context, res Resource, cal Calendar, day Date) ([]string, error) {
	future, err := s.store.FutureBookings(ctx, res.ID, s.opt.Now())
	if err != nil {
		return nil, err
	}
	var full []string
	for _, b := range future {
		if !day.IsZero() && DateOf(b.Start, Rome) != day {
			continue
		}
		slots, _ := SlotsOn(res, cal, DateOf(b.Start, Rome))
		var starts []time.Time
		for _, sl := range slots {
			if sl.Start.Before(b.End) && b.Start.Before(sl.End) {
				starts = append(starts, sl.Start)
			}
		}
		switch err := s.store.Realign(ctx, b.ID, res.ID, starts, res.Schedule.Capacity); ErrorCode(err) {
		case "":
		case EConflict:
			full = append(full, b.Code)
		default:
			return nil, err
		}
	}
	return full, nil
}

// openingFits checks that the one-off opening o only adds slots to its day
// under cal: every slot the day already has stays as it is (an opening off
// the slot grid that overlaps the day's hours would move them, and a
// booking's seats are claimed by slot start: a moved slot would show the
// booked seat as free), it adds at least one slot, and no new slot overlaps
// a confirmed booking of bs (one kept outside the hours holds no seat). The
// errors name the «Dalle» field.
func openingFits(res Resource, cal Calendar, o Opening, bs []Booking) []FieldError {
	before, _ := SlotsOn(res, cal, o.Date)
	with := cal
	with.Openings = append(slices.Clone(cal.Openings), o)
	after, _ := SlotsOn(res, with, o.Date)
	has := func(ss []Slot, s Slot) bool {
		return slices.ContainsFunc(ss, func(x Slot) bool { return x.Start.Equal(s.Start) && x.End.Equal(s.End) })
	}
	var moved, added []Slot
	for _, sl := range before {
		if !has(after, sl) {
			moved = append(moved, sl)
		}
	}
	for _, sl := range after {
		if !has(before, sl) {
			added = append(added, sl)
		}
	}
	step := strconv.Itoa(res.Schedule.SlotMinutes)
	span := o.Start.String() + "-" + o.End.String()
	if len(moved) > 0 {
		return []FieldError{{Field: "start", Message: "«Dalle»: l'apertura " + span + " si sovrappone agli slot già previsti quel giorno (" + slotList(before) +
			") senza seguirne la griglia di " + step + " minuti, e li sposterebbe. Scelga orari che comincino e finiscano dove cominciano o finiscono quegli slot, o fuori da essi."}}
	}
	if len(added) == 0 {
		msg := "«Dalle»: l'apertura " + span + " non aggiunge alcuno slot di " + step + " minuti"
		if len(before) > 0 {
			msg += " a quelli già previsti quel giorno (" + slotList(before) + ")"
		}
		return []FieldError{{Field: "start", Message: msg + "."}}
	}
	for _, b := range bs {
		for _, sl := range added {
			if sl.Start.Before(b.End) && b.Start.Before(sl.End) {
				return []FieldError{{Field: "start", Message: "«Dalle»: l'apertura " + span + " si sovrappone alla prenotazione " + b.Code + " delle " +
					b.Start.In(Rome).Format("15:04") + ", mantenuta fuori dagli orari: scelga altri orari."}}
			}
		}
	}
	return nil
}

// slotList is "09:00-09:30, 09:30-10:00".
func slotList(ss []Slot) string {
	parts := make([]string, len(ss))
	for i, s := range ss {
		parts[i] = s.Start.In(Rome).Format("15:04") + "-" + s.End.In(Rome).Format("15:04")
	}
	return strings.Join(parts, ", ")
}

func codes(bs []Booking) string {
	out := make([]string, len(bs))
	for i, b := range bs {
		out[i] = b.Code
	}
	return strings.Join(out, ", ")
}
