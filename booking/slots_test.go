package booking

import (
	"strings"
	"testing"
	"time"
)

func clock(s string) Clock {
	c, err := ParseClock(s)
	if err != nil {
		panic(err)
	}
	return c
}

func date(s string) Date {
	d, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func everyDay(start, end string) []OpeningRange {
	var hs []OpeningRange
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		hs = append(hs, OpeningRange{Weekday: wd, Start: clock(start), End: clock(end)})
	}
	return hs
}

func starts(slots []Slot) []string {
	var out []string
	for _, s := range slots {
		out = append(out, s.Start.In(Rome).Format("15:04")+"="+s.Start.UTC().Format("15:04Z"))
	}
	return out
}

func TestSlotsAcrossDaylightSaving(t *testing.T) {
	r := Resource{ID: 1, Bookable: true, Schedule: Schedule{SlotMinutes: 60, Capacity: 1, MaxSlots: 1, Hours: everyDay("00:00", "05:00")}}
	tests := []struct {
		name string
		day  string
		want []string
	}{
		{"ordinary winter day", "2026-03-28", []string{"00:00=23:00Z", "01:00=00:00Z", "02:00=01:00Z", "03:00=02:00Z", "04:00=03:00Z"}},
		// Clocks jump from 02:00 to 03:00: there is no 02:00 slot, and no other moves.
		{"spring forward", "2026-03-29", []string{"00:00=23:00Z", "01:00=00:00Z", "03:00=01:00Z", "04:00=02:00Z"}},
		{"ordinary summer day", "2026-03-30", []string{"00:00=22:00Z", "01:00=23:00Z", "02:00=00:00Z", "03:00=01:00Z", "04:00=02:00Z"}},
		// Clocks go back from 03:00 to 02:00: the repeated 02:00 is one slot, not two.
		{"fall back", "2026-10-25", []string{"00:00=22:00Z", "01:00=23:00Z", "02:00=00:00Z", "03:00=02:00Z", "04:00=03:00Z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			slots, closed := SlotsOn(r, Calendar{}, date(tt.day))
			if closed != "" {
				t.Fatalf("closed by %q", closed)
			}
			got := starts(slots)
			if len(got) != len(tt.want) {
				t.Fatalf("slots %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("slots %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestOfficeHoursUnchangedOnDaylightSavingDays(t *testing.T) {
	// A Sunday office (a market-day counter) opens 08:30–12:30 on both change days.
	r := Resource{ID: 1, Bookable: true, Schedule: Schedule{SlotMinutes: 20, Capacity: 1, MaxSlots: 1, Hours: everyDay("08:30", "12:30")}}
	for _, day := range []string{"2026-03-29", "2026-10-25"} {
		slots, _ := SlotsOn(r, Calendar{}, date(day))
		if len(slots) != 12 {
			t.Fatalf("%s: %d slots, want 12", day, len(slots))
		}
		first, last := slots[0], slots[len(slots)-1]
		if got := first.Start.In(Rome).Format("15:04"); got != "08:30" {
			t.Errorf("%s: first slot at %s", day, got)
		}
		if got := last.End.In(Rome).Format("15:04"); got != "12:30" {
			t.Errorf("%s: last slot ends at %s", day, got)
		}
		for _, s := range slots {
			if s.End.Sub(s.Start) != 20*time.Minute {
				t.Errorf("%s: slot %v lasts %v", day, s.Start, s.End.Sub(s.Start))
			}
		}
	}
}

func TestSeedGrid(t *testing.T) {
	// The seed's SALA CONFERENZE grid: 80-minute slots from 08:00.
	r := Resource{ID: 1, Bookable: true, Schedule: Schedule{SlotMinutes: 80, Capacity: 1, MaxSlots: 2, Hours: everyDay("08:00", "17:20")}}
	slots, _ := SlotsOn(r, Calendar{}, date("2026-12-09"))
	want := []string{"08:00", "09:20", "10:40", "12:00", "13:20", "14:40", "16:00"}
	if len(slots) != len(want) {
		t.Fatalf("got %v", starts(slots))
	}
	for i, s := range slots {
		if got := s.Start.In(Rome).Format("15:04"); got != want[i] {
			t.Errorf("slot %d at %s, want %s", i, got, want[i])
		}
	}
}

func TestHolidays(t *testing.T) {
	s := Settings{PatronMonth: time.September, PatronDay: 29, PatronName: "San Michele Arcangelo"}
	tests := []struct {
		day     string
		holiday string
	}{
		{"2027-03-28", "Pasqua"},
		{"2027-03-29", "Lunedì dell'Angelo"},
		{"2026-04-06", "Lunedì dell'Angelo"},
		{"2026-04-25", "Festa della Liberazione"},
		{"2026-06-02", "Festa della Repubblica"},
		{"2026-12-08", "Immacolata Concezione"},
		{"2026-12-25", "Natale"},
		{"2026-12-26", "Santo Stefano"},
		{"2027-01-06", "Epifania"},
		{"2026-10-04", "San Francesco d'Assisi"},
		{"2026-09-29", "Festa del santo patrono (San Michele Arcangelo)"},
		{"2026-12-09", ""},
		{"2027-03-30", ""},
	}
	for _, tt := range tests {
		t.Run(tt.day, func(t *testing.T) {
			h, ok := s.HolidayOn(date(tt.day))
			if ok != (tt.holiday != "") || h.Name != tt.holiday {
				t.Fatalf("HolidayOn = %q, %v; want %q", h.Name, ok, tt.holiday)
			}
		})
	}
	for year, want := range map[int]string{2024: "2024-03-31", 2025: "2025-04-20", 2026: "2026-04-05", 2027: "2027-03-28", 2038: "2038-04-25"} {
		if got := Easter(year).String(); got != want {
			t.Errorf("Easter(%d) = %s, want %s", year, got, want)
		}
	}
}

func TestClosedDaysAndStates(t *testing.T) {
	r := Resource{ID: 7, Bookable: true, Schedule: Schedule{SlotMinutes: 30, Capacity: 2, MaxSlots: 2,
		Hours: everyDay("09:00", "10:00"), DaysAhead: 10, MinNoticeMinutes: 60}}
	cal := Calendar{
		Settings: Settings{},
		Closures: []Closure{{ResourceID: 7, From: date("2026-12-10"), To: date("2026-12-11"), Reason: "Inventario"}, {ResourceID: 8, From: date("2026-12-14"), To: date("2026-12-14")}},
		Openings: []Opening{{ResourceID: 7, Date: date("2026-12-12"), Start: clock("15:00"), End: clock("16:00")}},
	}
	now := time.Date(2026, 12, 7, 9, 10, 0, 0, Rome) // Monday 09:10
	at := func(d, c string) int64 { t, _ := date(d).At(clock(c), Rome); return t.UnixMilli() }
	occ := map[int64]Occupancy{
		at("2026-12-09", "09:00"): {Taken: 2},
		at("2026-12-09", "09:30"): {Taken: 1},
		at("2026-12-13", "09:00"): {Taken: 1, Mine: true},
	}
	days := Availability(r, cal, date("2026-12-07"), 14, now, occ)
	state := func(day, c string) (State, int) {
		for _, d := range days {
			if d.Date.String() != day {
				continue
			}
			for _, cell := range d.Cells {
				if cell.Start.In(Rome).Format("15:04") == c {
					return cell.State, cell.FreeSeats
				}
			}
		}
		t.Fatalf("no cell %s %s", day, c)
		return "", 0
	}
	tests := []struct {
		day, at string
		state   State
		free    int
	}{
		{"2026-12-07", "09:00", Past, 0},       // started
		{"2026-12-07", "09:30", Past, 0},       // within the minimum notice
		{"2026-12-08", "09:00", Closed, 0},     // Immacolata
		{"2026-12-09", "09:00", Taken, 0},      // both seats taken
		{"2026-12-09", "09:30", Free, 1},       // one seat left
		{"2026-12-10", "09:00", Closed, 0},     // closure of this resource
		{"2026-12-12", "15:00", Free, 2},       // one-off extra opening
		{"2026-12-13", "09:00", HeldByYou, 0},  // the viewer's hold
		{"2026-12-14", "09:00", Free, 2},       // another resource's closure
		{"2026-12-17", "09:00", Free, 2},       // 10 days ahead: open
		{"2026-12-18", "09:00", NotYetOpen, 0}, // 11 days ahead
	}
	for _, tt := range tests {
		st, free := state(tt.day, tt.at)
		if st != tt.state || free != tt.free {
			t.Errorf("%s %s: %s (%d free), want %s (%d free)", tt.day, tt.at, st, free, tt.state, tt.free)
		}
	}
	if len(days) != 14 || days[1].Holiday != "Immacolata Concezione" || days[3].Holiday != "Inventario" {
		t.Errorf("days: %d, holidays %q %q", len(days), days[1].Holiday, days[3].Holiday)
	}
}

func TestMonthlyOpening(t *testing.T) {
	// Next month's slots open on the 1st at 08:00.
	s := Schedule{OpenDay: 1, OpenTime: clock("08:00")}
	slot := time.Date(2026, 12, 15, 9, 0, 0, 0, Rome)
	want := time.Date(2026, 11, 1, 8, 0, 0, 0, Rome)
	if got := s.OpensAt(slot); !got.Equal(want) {
		t.Fatalf("OpensAt = %v, want %v", got, want)
	}
	jan := time.Date(2027, 1, 5, 9, 0, 0, 0, Rome)
	if got := s.OpensAt(jan); !got.Equal(time.Date(2026, 12, 1, 8, 0, 0, 0, Rome)) {
		t.Fatalf("OpensAt(January) = %v", got)
	}
	r := Resource{Bookable: true, Schedule: Schedule{SlotMinutes: 30, Capacity: 1, MaxSlots: 1, OpenDay: 1, OpenTime: clock("08:00")}}
	before := time.Date(2026, 12, 1, 7, 59, 59, 0, Rome)
	after := time.Date(2026, 12, 1, 8, 0, 0, 0, Rome)
	sl := Slot{Start: jan, End: jan.Add(30 * time.Minute)}
	if st, _ := StateAt(r, sl, false, Occupancy{}, before); st != NotYetOpen {
		t.Errorf("at 07:59:59: %s", st)
	}
	if st, _ := StateAt(r, sl, false, Occupancy{}, after); st != Free {
		t.Errorf("at 08:00: %s", st)
	}
}

func TestCodes(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 2000; i++ {
		c := NewCode()
		if len(c) != 9 || c[4] != '-' {
			t.Fatalf("code %q", c)
		}
		for _, r := range c {
			switch r {
			case '0', 'O', '1', 'I', 'L', '2', 'Z', '5', 'S', '8', 'B':
				t.Fatalf("ambiguous character in %q", c)
			}
		}
		if seen[c] {
			t.Fatalf("duplicate code %q after %d", c, i)
		}
		seen[c] = true
	}
}

func TestOverlappingRangesGiveNoOverlappingSlots(t *testing.T) {
	r := Resource{ID: 3, Bookable: true, Schedule: Schedule{SlotMinutes: 30, Capacity: 1, MaxSlots: 1,
		Hours: []OpeningRange{{Weekday: time.Wednesday, Start: clock("09:00"), End: clock("11:00")}}}}
	// A one-off opening off the weekly grid, starting inside the weekly hours.
	cal := Calendar{Openings: []Opening{{ResourceID: 3, Date: date("2026-12-09"), Start: clock("10:15"), End: clock("12:15")}}}
	slots, _ := SlotsOn(r, cal, date("2026-12-09"))
	var got []string
	for i, s := range slots {
		got = append(got, s.Start.In(Rome).Format("15:04"))
		if i > 0 && s.Start.Before(slots[i-1].End) {
			t.Fatalf("slot %s overlaps the previous one: %v", got[i], got)
		}
	}
	// The week gives 09:00–11:00; the opening goes on from 11:15, on its own grid.
	if want := "09:00 09:30 10:00 10:30 11:15 11:45"; strings.Join(got, " ") != want {
		t.Fatalf("slots %v, want %s", got, want)
	}
}

// TestCounterState: at the counter the minimum notice does not apply; the
// slot under way can be booked, one that has ended cannot, a closed day and
// a full slot stay so, and the opening rule holds.
func TestCounterState(t *testing.T) {
	r := Resource{ID: 7, Bookable: true, Schedule: Schedule{SlotMinutes: 20, Capacity: 2, MaxSlots: 1,
		Hours: everyDay("09:00", "12:00"), DaysAhead: 10, MinNoticeMinutes: 120}}
	now := time.Date(2026, 12, 9, 9, 5, 0, 0, Rome)
	slot := func(c string) Slot {
		s, _ := date("2026-12-09").At(clock(c), Rome)
		return Slot{Start: s, End: s.Add(20 * time.Minute)}
	}
	far, _ := date("2026-12-30").At(clock("09:00"), Rome)
	for _, c := range []struct {
		what   string
		sl     Slot
		closed bool
		occ    Occupancy
		want   State
		free   int
	}{
		{"ended", slot("08:40"), false, Occupancy{}, Past, 0},
		{"under way", slot("09:00"), false, Occupancy{Taken: 1}, Free, 1},
		{"within the notice", slot("09:20"), false, Occupancy{}, Free, 2},
		{"full", slot("09:40"), false, Occupancy{Taken: 2}, Taken, 0},
		{"closed", slot("10:00"), true, Occupancy{}, Closed, 0},
		{"not yet open", Slot{Start: far, End: far.Add(20 * time.Minute)}, false, Occupancy{}, NotYetOpen, 0},
	} {
		if st, free := CounterStateAt(r, c.sl, c.closed, c.occ, now); st != c.want || free != c.free {
			t.Errorf("%s: %s %d, want %s %d", c.what, st, free, c.want, c.free)
		}
		if c.what == "within the notice" {
			if st, _ := StateAt(r, c.sl, false, c.occ, now); st != Past {
				t.Errorf("online, a slot within the notice is %s, want past", st)
			}
		}
	}
}
