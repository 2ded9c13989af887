package backoffice

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prenota/prenota/booking"
)

func date(s string) booking.Date {
	d, err := booking.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return d
}

func TestBuildCalendar(t *testing.T) {
	res := booking.Resource{ID: 7, Bookable: true, Schedule: booking.Schedule{SlotMinutes: 30, Capacity: 1,
		Hours: []booking.OpeningRange{{Weekday: time.Monday, Start: 14 * 60, End: 16 * 60}, {Weekday: time.Monday, Start: 9 * 60, End: 12 * 60}}}}
	in := calendarInput{First: date("2026-12-01"), Today: date("2026-12-07"), Chosen: date("2026-12-14"),
		Settings: booking.Settings{PatronMonth: time.December, PatronDay: 10, PatronName: "San Prova"},
		Closures: []booking.Closure{
			{ID: 1, ResourceID: 7, From: date("2026-11-28"), To: date("2026-12-02"), Reason: "Trasloco"},
			{ID: 2, ResourceID: 0, From: date("2026-12-21"), To: date("2026-12-22"), Reason: "Elezioni"},
			{ID: 3, ResourceID: 8, From: date("2026-12-15"), To: date("2026-12-15")},
		},
		Openings: []booking.Opening{{ID: 4, ResourceID: 7, Date: date("2026-12-12"), Start: 9 * 60, End: 11 * 60}, {ID: 5, ResourceID: 8, Date: date("2026-12-12")}},
		Resource: &res, Action: "/backoffice/risorse/7", Path: "/backoffice/risorse/7", Keep: url.Values{"settimana": {"2026-12-14"}}}
	c := buildCalendar(in)
	if c.Caption != "dicembre 2026" || c.Month != "2026-12" || c.PrevURL != "/backoffice/risorse/7?mese=2026-11&settimana=2026-12-14" || c.NextURL != "/backoffice/risorse/7?mese=2027-01&settimana=2026-12-14" {
		t.Fatalf("calendar: %+v", c)
	}
	if len(c.Weeks) != 5 || c.Weeks[0][0].Date != date("2026-11-30") || c.Weeks[0][0].In || c.Weeks[4][6].Date != date("2027-01-03") {
		t.Fatalf("weeks: %d, from %v to %v", len(c.Weeks), c.Weeks[0][0].Date, c.Weeks[len(c.Weeks)-1][6].Date)
	}
	if c.Weekdays[0].Long != "lunedì" || c.Weekdays[6].Short != "dom" {
		t.Errorf("weekdays: %+v", c.Weekdays)
	}
	day := map[string]calDay{}
	for _, w := range c.Weeks {
		for _, d := range w {
			day[d.Date.String()] = d
		}
	}
	for _, tc := range []struct {
		name, day string
		check     func(calDay) bool
	}{
		{"today", "2026-12-07", func(d calDay) bool {
			return d.Today && d.Hours == "09:00-12:00, 14:00-16:00" && d.Label == "lunedì 7 dicembre 2026"
		}},
		{"holiday", "2026-12-08", func(d calDay) bool { return d.Holiday == "Immacolata Concezione" && d.Hours == "" }},
		{"patron", "2026-12-10", func(d calDay) bool { return strings.Contains(d.Holiday, "San Prova") }},
		{"closure from November: delete on the 1st", "2026-12-01", func(d calDay) bool { return len(d.Closures) == 1 && d.Closures[0].Delete }},
		{"closure continues", "2026-12-02", func(d calDay) bool { return len(d.Closures) == 1 && !d.Closures[0].Delete }},
		{"Comune closure", "2026-12-21", func(d calDay) bool {
			return len(d.Closures) == 1 && d.Closures[0].ResourceID == 0 && d.Closures[0].Delete
		}},
		{"Comune closure, 2nd day", "2026-12-22", func(d calDay) bool { return len(d.Closures) == 1 && !d.Closures[0].Delete }},
		{"another resource's closure", "2026-12-15", func(d calDay) bool { return len(d.Closures) == 0 }},
		{"opening", "2026-12-12", func(d calDay) bool { return len(d.Openings) == 1 && d.Openings[0].ID == 4 }},
		{"chosen", "2026-12-14", func(d calDay) bool {
			return d.Chosen && d.URL == "/backoffice/risorse/7?giorno=2026-12-14&mese=2026-12&settimana=2026-12-14"
		}},
		{"other month", "2026-11-30", func(d calDay) bool { return !d.In && d.Closures == nil && d.URL == "" }},
	} {
		if d := day[tc.day]; !tc.check(d) {
			t.Errorf("%s: %+v", tc.name, d)
		}
	}
	// The Comune's calendar shows only the Comune's closures, no hours.
	in.Resource, in.Keep = nil, nil
	c = buildCalendar(in)
	if c.Hours || c.ResourceID != 0 {
		t.Fatalf("Comune calendar: %+v", c)
	}
	for _, w := range c.Weeks {
		for _, d := range w {
			if len(d.Closures) > 0 && d.Date != date("2026-12-21") && d.Date != date("2026-12-22") || len(d.Openings) > 0 {
				t.Errorf("Comune calendar, %s: %+v", d.Date, d)
			}
		}
	}
}
