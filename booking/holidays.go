package booking

import (
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
	var hs []Holiday
	for md, name := range fixedHolidays {
		d := Date{year, time.Month(md[0]), md[1]}
		if _, ok := (Settings{}).HolidayOn(d); ok {
			hs = append(hs, Holiday{d, name})
		}
	}
	easter := Easter(year)
	hs = append(hs, Holiday{easter, "Pasqua"}, Holiday{easter.AddDays(1), "Lunedì dell'Angelo"})
	sortHolidays(hs)
	return hs
}

func sortHolidays(hs []Holiday) {
	slices.SortFunc(hs, func(a, b Holiday) int { return a.Date.compare(b.Date) })
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

// HolidayOn returns the holiday on d, if any. It is on the path of every
// availability request, so it checks d directly instead of listing the year.
func (s Settings) HolidayOn(d Date) (Holiday, bool) {
	if d.Month == s.PatronMonth && d.Day == s.PatronDay && s.PatronDay != 0 {
		return Holiday{d, "Festa del santo patrono" + patronSuffix(s.PatronName)}, true
	}
	// San Francesco d'Assisi (4 October) is again a national holiday from 2026 (L. 151/2025).
	if name, ok := fixedHolidays[[2]int{int(d.Month), d.Day}]; ok && (d.Month != time.October || d.Year >= 2026) {
		return Holiday{d, name}, true
	}
	if d.Month == time.March || d.Month == time.April {
		switch easter := Easter(d.Year); d {
		case easter:
			return Holiday{d, "Pasqua"}, true
		case easter.AddDays(1):
			return Holiday{d, "Lunedì dell'Angelo"}, true
		}
	}
	return Holiday{}, false
}

// fixedHolidays are the national holidays on the same day every year.
var fixedHolidays = map[[2]int]string{
	{1, 1}: "Capodanno", {1, 6}: "Epifania", {4, 25}: "Festa della Liberazione", {5, 1}: "Festa del Lavoro",
	{6, 2}: "Festa della Repubblica", {8, 15}: "Ferragosto", {10, 4}: "San Francesco d'Assisi", {11, 1}: "Ognissanti",
	{12, 8}: "Immacolata Concezione", {12, 25}: "Natale", {12, 26}: "Santo Stefano",
}
