package booking

import (
	"cmp"
	"slices"
	"time"
)

// Easter returns the date of Easter Sunday in the Gregorian calendar
// (the anonymous Gregorian algorithm).
func Easter(year int) Date {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return Date{year, time.Month(month), day}
}

// Holiday is a day on which every resource of the Comune is closed.
type Holiday struct {
	Date Date
	Name string
}

// NationalHolidays returns the Italian national holidays of year, Easter
// Sunday and Monday included, in date order.
func NationalHolidays(year int) []Holiday {
	easter := Easter(year)
	hs := []Holiday{
		{Date{year, time.January, 1}, "Capodanno"},
		{Date{year, time.January, 6}, "Epifania"},
		{easter, "Pasqua"},
		{easter.AddDays(1), "Lunedì dell'Angelo"},
		{Date{year, time.April, 25}, "Festa della Liberazione"},
		{Date{year, time.May, 1}, "Festa del Lavoro"},
		{Date{year, time.June, 2}, "Festa della Repubblica"},
		{Date{year, time.August, 15}, "Ferragosto"},
		{Date{year, time.November, 1}, "Ognissanti"},
		{Date{year, time.December, 8}, "Immacolata Concezione"},
		{Date{year, time.December, 25}, "Natale"},
		{Date{year, time.December, 26}, "Santo Stefano"},
	}
	// San Francesco d'Assisi is again a national holiday from 2026 (L. 151/2025).
	if year >= 2026 {
		hs = append(hs, Holiday{Date{year, time.October, 4}, "San Francesco d'Assisi"})
	}
	sortHolidays(hs)
	return hs
}

func sortHolidays(hs []Holiday) {
	slices.SortFunc(hs, func(a, b Holiday) int { return cmp.Compare(a.Date.String(), b.Date.String()) })
}

// Holidays returns the national holidays of year plus the patron saint's day
// of the Comune, if set.
func (s Settings) Holidays(year int) []Holiday {
	hs := NationalHolidays(year)
	if s.PatronMonth != 0 && s.PatronDay != 0 {
		hs = append(hs, Holiday{Date{year, s.PatronMonth, s.PatronDay}, "Festa del santo patrono" + patronSuffix(s.PatronName)})
		sortHolidays(hs)
	}
	return hs
}

func patronSuffix(name string) string {
	if name == "" {
		return ""
	}
	return " (" + name + ")"
}

// HolidayOn returns the holiday on d, if any.
func (s Settings) HolidayOn(d Date) (Holiday, bool) {
	for _, h := range s.Holidays(d.Year) {
		if h.Date == d {
			return h, true
		}
	}
	return Holiday{}, false
}
