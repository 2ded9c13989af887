package booking

import (
	"cmp"
	"fmt"
	"time"
	_ "time/tzdata" // Europe/Rome must work on machines without zoneinfo.
)

// Rome is the time zone of every schedule.
var Rome = mustLoad("Europe/Rome")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// Date is a civil date, with no time zone.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the civil date of t in loc.
func DateOf(t time.Time, loc *time.Location) Date {
	y, m, d := t.In(loc).Date()
	return Date{y, m, d}
}

// ParseDate parses YYYY-MM-DD.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("invalid date %q", s)
	}
	return DateOf(t, time.UTC), nil
}

// ParseItalianDate parses dd/mm/yyyy.
func ParseItalianDate(s string) (Date, error) {
	t, err := time.Parse("02/01/2006", s)
	if err != nil {
		return Date{}, fmt.Errorf("invalid date %q", s)
	}
	return DateOf(t, time.UTC), nil
}

// String formats the date as YYYY-MM-DD.
func (d Date) String() string { return fmt.Sprintf("%04d-%02d-%02d", d.Year, d.Month, d.Day) }

// Italian formats the date as dd/mm/yyyy.
func (d Date) Italian() string { return fmt.Sprintf("%02d/%02d/%04d", d.Day, d.Month, d.Year) }

// IsZero reports whether d is the zero date.
func (d Date) IsZero() bool { return d.Year == 0 }

// AddDays returns the date n days after d.
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC), time.UTC)
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC).Weekday()
}

// Before reports whether d is before e.
func (d Date) Before(e Date) bool { return d.compare(e) < 0 }

func (d Date) compare(e Date) int {
	if c := cmp.Compare(d.Year, e.Year); c != 0 {
		return c
	}
	if c := cmp.Compare(d.Month, e.Month); c != 0 {
		return c
	}
	return cmp.Compare(d.Day, e.Day)
}

// At returns the instant of the wall-clock time c on d in loc, and whether that
// wall-clock time exists. In the hour skipped when clocks go forward it does
// not, and the instant returned is the one the clocks show after the jump
// (02:30 becomes 03:30). In the hour repeated when clocks go back, the first
// of the two instants is returned.
func (d Date) At(c Clock, loc *time.Location) (time.Time, bool) {
	day, min := d.AddDays(int(c)/(24*60)), int(c)%(24*60)
	h, m := min/60, min%60
	t := time.Date(day.Year, day.Month, day.Day, h, m, 0, 0, loc)
	if e := t.Add(-time.Hour); e.Hour() == h && e.Minute() == m && DateOf(e, loc) == day {
		t = e // the repeated hour: take its first occurrence
	}
	return t, t.Hour() == h && t.Minute() == m && DateOf(t, loc) == day
}

// MarshalText implements encoding.TextMarshaler.
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Clock is a wall-clock time of day in minutes after midnight.
type Clock int

// ParseClock parses HH:MM.
func ParseClock(s string) (Clock, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("invalid time %q", s)
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil || h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("invalid time %q", s)
	}
	return Clock(h*60 + m), nil
}

// String formats c as HH:MM.
func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// MarshalText implements encoding.TextMarshaler.
func (c Clock) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler.
func (c *Clock) UnmarshalText(b []byte) error {
	v, err := ParseClock(string(b))
	if err != nil {
		return err
	}
	*c = v
	return nil
}
