package booking

import (
	"slices"
	"time"
)

// Slot is one bookable interval of a resource.
type Slot struct {
	Start time.Time
	End   time.Time
}

// State is what a viewer sees in a cell of the week grid.
type State string

// The states of a cell (SPEC §4).
const (
	Past       State = "past"         // started, or too close to start: not bookable
	Closed     State = "closed"       // holiday, closure
	Free       State = "free"         // bookable now
	Taken      State = "taken"        // booked, or held by someone else
	NotYetOpen State = "not_yet_open" // outside the booking window: opens later
	HeldByYou  State = "held_by_you"  // held or booked by the viewer
)

// Cell is a slot as seen by a viewer.
type Cell struct {
	Slot
	State     State
	FreeSeats int // 0 unless State is Free
}

// Day is one day of availability.
type Day struct {
	Date  Date
	Cells []Cell
	// Holiday names the holiday or closure that closes the day, if any.
	Holiday string
}

// Calendar holds what closes or opens days beyond the weekly hours.
type Calendar struct {
	Settings Settings
	Closures []Closure
	Openings []Opening
}

// SlotsOn returns the slots of resource r on day d and, when the day is
// closed by a holiday or closure, its name: the slots are then those the day
// would have had.
func SlotsOn(r Resource, cal Calendar, d Date) (slots []Slot, closedBy string) {
	s := r.Schedule
	if s.SlotMinutes <= 0 {
		return nil, ""
	}
	var ranges []OpeningRange
	wd := d.Weekday()
	for _, h := range s.Hours {
		if h.Weekday == wd {
			ranges = append(ranges, h)
		}
	}
	for _, o := range cal.Openings {
		if o.ResourceID == r.ID && o.Date == d {
			ranges = append(ranges, OpeningRange{Weekday: wd, Start: o.Start, End: o.End})
		}
	}
	slices.SortFunc(ranges, func(a, b OpeningRange) int { return int(a.Start - b.Start) })
	step := Clock(s.SlotMinutes)
	// Ranges in start order, and each slot only from the end of the previous
	// one: overlapping ranges (a one-off opening inside the weekly hours, off
	// their grid) never yield overlapping slots, which would seat two people
	// at one counter at once.
	next := Clock(-1)
	for _, h := range ranges {
		for c := h.Start; c+step <= h.End; c += step {
			if c < next {
				continue
			}
			start, ok := d.At(c, Rome)
			if !ok {
				continue // the wall-clock time does not exist on a spring-forward day
			}
			end, _ := d.At(c+step, Rome)
			next = c + step
			slots = append(slots, Slot{start, end})
		}
	}
	if h, ok := cal.Settings.HolidayOn(d); ok {
		return slots, h.Name
	}
	for _, c := range cal.Closures {
		if c.Covers(r.ID, d) {
			if c.Reason == "" {
				return slots, "Chiusura"
			}
			return slots, c.Reason
		}
	}
	return slots, ""
}

// OpensAt returns when a slot starting at start becomes bookable under s.
func (s Schedule) OpensAt(start time.Time) time.Time {
	d := DateOf(start, Rome)
	var opens time.Time
	if s.DaysAhead > 0 {
		opens, _ = d.AddDays(-s.DaysAhead).At(0, Rome)
	}
	if s.OpenDay > 0 {
		prev := time.Date(d.Year, d.Month-1, 1, 12, 0, 0, 0, time.UTC)
		t, _ := Date{prev.Year(), prev.Month(), s.OpenDay}.At(s.OpenTime, Rome)
		if t.After(opens) {
			opens = t
		}
	}
	if s.Room != nil && s.Room.OpensAt.After(opens) {
		opens = s.Room.OpensAt
	}
	return opens
}

// Occupancy is how many seats of a slot are claimed, and whether the viewer
// holds or booked one of them.
type Occupancy struct {
	Taken int
	Mine  bool
}

// StateAt returns the state of slot sl of r for a viewer at now, given the
// slot's occupancy and whether its day is closed.
func StateAt(r Resource, sl Slot, closed bool, occ Occupancy, now time.Time) (State, int) {
	switch {
	case closed:
		return Closed, 0
	case !sl.Start.After(now.Add(time.Duration(r.Schedule.MinNoticeMinutes) * time.Minute)):
		return Past, 0
	case occ.Mine:
		return HeldByYou, 0
	case now.Before(r.Schedule.OpensAt(sl.Start)):
		return NotYetOpen, 0
	}
	free := r.Schedule.Capacity - occ.Taken
	if free <= 0 {
		return Taken, 0
	}
	return Free, free
}

// CounterStateAt is the state of slot sl of r for staff booking at the
// counter at now: the online minimum notice does not apply, so any free
// slot that has not ended can be booked, the one under way included (a
// citizen who walks in at 14:05 takes the 14:00 slot). The opening rules
// still apply.
func CounterStateAt(r Resource, sl Slot, closed bool, occ Occupancy, now time.Time) (State, int) {
	switch {
	case closed:
		return Closed, 0
	case !sl.End.After(now):
		return Past, 0
	case now.Before(r.Schedule.OpensAt(sl.Start)):
		return NotYetOpen, 0
	}
	free := r.Schedule.Capacity - occ.Taken
	if free <= 0 {
		return Taken, 0
	}
	return Free, free
}

// Availability returns days consecutive days of r from from, as seen by a
// viewer at now with the given occupancy (keyed by slot start, unix ms).
func Availability(r Resource, cal Calendar, from Date, days int, now time.Time, occ map[int64]Occupancy) []Day {
	return availability(r, cal, from, days, now, occ, StateAt)
}

func availability(r Resource, cal Calendar, from Date, days int, now time.Time, occ map[int64]Occupancy,
	stateAt func(Resource, Slot, bool, Occupancy, time.Time) (State, int)) []Day {
	out := make([]Day, days)
	for i := range out {
		d := from.AddDays(i)
		slots, closedBy := SlotsOn(r, cal, d)
		day := Day{Date: d, Holiday: closedBy, Cells: make([]Cell, len(slots))}
		for j, sl := range slots {
			st, free := stateAt(r, sl, closedBy != "", occ[sl.Start.UnixMilli()], now)
			day.Cells[j] = Cell{Slot: sl, State: st, FreeSeats: free}
		}
		out[i] = day
	}
	return out
}
