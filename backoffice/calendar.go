package backoffice

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/prenota/prenota/booking"
)

// The month calendar of the resource page and of the Comune's closures: a
// table of weeks (Monday first) whose cells show the holidays, closures,
// one-off openings and regular hours of each day, with the buttons that
// delete closures and openings.

// calendar is one month, ready for the "calendar" template.
type calendar struct {
	Caption     string // "dicembre 2026"
	Month       string // "2026-12"
	PrevURL     string // links to the neighbouring months (other parameters kept)
	NextURL     string
	TodayURL    string
	PrevCaption string
	NextCaption string
	Weekdays    []calWeekday
	Weeks       [][]calDay
	// Action is the path the delete forms hang from: "/backoffice/risorse/7"
	// (…/chiusure/{cid}/elimina, …/aperture/{oid}/elimina) or "/backoffice"
	// for the Comune's closures.
	Action string
	// ResourceID is the resource shown, 0 for the Comune: the Comune's
	// closures are deleted only from the Comune's page.
	ResourceID int64
	Hours      bool // show each day's regular opening hours
}

type calWeekday struct{ Short, Long string }

// calDay is one cell; cells of the neighbouring months are blank.
type calDay struct {
	Date     booking.Date
	In       bool
	Today    bool
	Chosen   bool
	URL      string // chooses the day for the add forms
	Label    string // "lunedì 14 dicembre 2026"
	Holiday  string
	Closures []calClosure
	Openings []booking.Opening
	Hours    string // regular hours, "09:00-12:00, 14:00-16:00"; "" when none
}

// calClosure is a closure in a cell; Delete marks the cell that carries
// its delete button (its first day in the month), so a closure of many
// days has one button.
type calClosure struct {
	booking.Closure
	Delete bool
}

// monthParams reads the month to show ("mese", YYYY-MM) and the chosen day
// ("giorno", YYYY-MM-DD, which also picks its month), default today's month.
func monthParams(r *http.Request, today booking.Date) (first, chosen booking.Date) {
	if d, err := booking.ParseDate(strings.TrimSpace(r.FormValue("giorno"))); err == nil && d.Year >= 2000 && d.Year <= 2200 {
		chosen = d
	}
	first = booking.Date{Year: today.Year, Month: today.Month, Day: 1}
	if !chosen.IsZero() {
		first = booking.Date{Year: chosen.Year, Month: chosen.Month, Day: 1}
	}
	if d, err := booking.ParseDate(strings.TrimSpace(r.FormValue("mese")) + "-01"); err == nil && d.Year >= 2000 && d.Year <= 2200 {
		first = d
	}
	return first, chosen
}

// addMonths returns the first day of the month n months from the month of first.
func addMonths(first booking.Date, n int) booking.Date {
	t := time.Date(first.Year, first.Month+time.Month(n), 1, 12, 0, 0, 0, time.UTC)
	return booking.Date{Year: t.Year(), Month: t.Month(), Day: 1}
}

func monthKey(d booking.Date) string { return d.String()[:7] }

func monthCaption(d booking.Date) string { return months[d.Month] + " " + itoa(d.Year) }

// gridRange returns the first (a Monday) and last (a Sunday) day of the
// weeks that show the month of first.
func gridRange(first booking.Date) (from, to booking.Date) {
	from = first.AddDays(-((int(first.Weekday()) + 6) % 7))
	last := addMonths(first, 1).AddDays(-1)
	to = last.AddDays((7 - int(last.Weekday())) % 7)
	return from, to
}

// calendarInput is what buildCalendar shows.
type calendarInput struct {
	First, Today, Chosen booking.Date
	Settings             booking.Settings
	Closures             []booking.Closure // of the resource and the Comune's (or only the Comune's)
	Openings             []booking.Opening
	Resource             *booking.Resource // nil for the Comune
	Action               string
	Path                 string     // the page's path: links stay right on a page answering a POST
	Keep                 url.Values // query parameters the month links keep (the week preview's)
}

// buildCalendar lays out the month of in.First. It is a pure function of its
// input.
func buildCalendar(in calendarInput) calendar {
	c := calendar{Caption: monthCaption(in.First), Month: monthKey(in.First), Action: in.Action}
	link := func(q url.Values) string {
		v := url.Values{}
		for k, vs := range in.Keep {
			v[k] = vs
		}
		for k, vs := range q {
			v[k] = vs
		}
		return in.Path + "?" + v.Encode()
	}
	prev, next := addMonths(in.First, -1), addMonths(in.First, 1)
	c.PrevURL, c.NextURL = link(url.Values{"mese": {monthKey(prev)}}), link(url.Values{"mese": {monthKey(next)}})
	c.TodayURL = link(url.Values{"mese": {monthKey(in.Today)}})
	c.PrevCaption, c.NextCaption = monthCaption(prev), monthCaption(next)
	for _, wd := range weekOrder {
		c.Weekdays = append(c.Weekdays, calWeekday{Short: weekdays[wd][:3], Long: weekdays[wd]})
	}
	if in.Resource != nil {
		c.ResourceID, c.Hours = in.Resource.ID, true
	}
	from, to := gridRange(in.First)
	var week []calDay
	for d := from; !to.Before(d); d = d.AddDays(1) {
		cell := calDay{Date: d, In: d.Month == in.First.Month && d.Year == in.First.Year}
		if cell.In {
			cell.Today, cell.Chosen = d == in.Today, d == in.Chosen
			cell.Label = italianDay(d)
			cell.URL = link(url.Values{"mese": {monthKey(in.First)}, "giorno": {d.String()}})
			if h, ok := in.Settings.HolidayOn(d); ok {
				cell.Holiday = h.Name
			}
			for _, cl := range in.Closures {
				// Covers(0, d) holds only for the Comune's closures.
				if cl.Covers(c.ResourceID, d) {
					cell.Closures = append(cell.Closures, calClosure{Closure: cl, Delete: d == cl.From || d == in.First})
				}
			}
			if in.Resource != nil {
				for _, o := range in.Openings {
					if o.ResourceID == in.Resource.ID && o.Date == d {
						cell.Openings = append(cell.Openings, o)
					}
				}
				cell.Hours = hoursOn(in.Resource.Schedule, d.Weekday())
			}
		}
		week = append(week, cell)
		if len(week) == 7 {
			c.Weeks = append(c.Weeks, week)
			week = nil
		}
	}
	return c
}

// hoursOn is the regular hours of weekday wd: "09:00-12:00, 14:00-16:00".
func hoursOn(s booking.Schedule, wd time.Weekday) string {
	var rs []booking.OpeningRange
	for _, h := range s.Hours {
		if h.Weekday == wd {
			rs = append(rs, h)
		}
	}
	slices.SortFunc(rs, func(a, b booking.OpeningRange) int { return int(a.Start - b.Start) })
	parts := make([]string, len(rs))
	for i, h := range rs {
		parts[i] = h.Start.String() + "-" + h.End.String()
	}
	return strings.Join(parts, ", ")
}

// monthCalendar reads what the month of the request shows and lays it out:
// for res, its closures, the Comune's, its openings and its hours; for a nil
// res, the Comune's closures.
func (s *server) monthCalendar(r *http.Request, res *booking.Resource, action, path string) (calendar, booking.Date, error) {
	today := booking.DateOf(s.svc.Now(), booking.Rome)
	first, chosen := monthParams(r, today)
	from, to := gridRange(first)
	set, err := s.svc.Settings(r.Context())
	if err != nil {
		return calendar{}, chosen, err
	}
	cs, err := s.store.Closures(r.Context(), from, to)
	if err != nil {
		return calendar{}, chosen, err
	}
	in := calendarInput{First: first, Today: today, Chosen: chosen, Settings: set, Closures: cs, Resource: res, Action: action, Path: path, Keep: url.Values{}}
	if res != nil {
		if in.Openings, err = s.store.Openings(r.Context(), from, to); err != nil {
			return calendar{}, chosen, err
		}
		if w := strings.TrimSpace(r.FormValue("settimana")); w != "" {
			in.Keep.Set("settimana", w)
		}
	}
	return buildCalendar(in), chosen, nil
}

// fieldErr reports whether fs has an error for field.
func fieldErr(fs []booking.FieldError, field string) bool {
	return slices.ContainsFunc(fs, func(f booking.FieldError) bool { return f.Field == field })
}

// closureForm is the add-closure form as typed.
type closureForm struct {
	From, To, Reason string
	Errors           []booking.FieldError
}

// parseClosure reads the add-closure form for resource id (0: the whole
// Comune). Every error names its field.
func parseClosure(r *http.Request, id int64, today booking.Date) (closureForm, booking.Closure, []booking.FieldError) {
	f := closureForm{From: strings.TrimSpace(r.PostFormValue("from")), To: strings.TrimSpace(r.PostFormValue("to")), Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	var fs []booking.FieldError
	from, err := parseDay(f.From)
	if err != nil {
		fs = append(fs, booking.FieldError{Field: "from", Message: "«Dal»: indichi il primo giorno di chiusura (gg/mm/aaaa)."})
	}
	to := from
	if f.To != "" {
		var err2 error
		if to, err2 = parseDay(f.To); err2 != nil {
			fs = append(fs, booking.FieldError{Field: "to", Message: "«Al»: indichi l'ultimo giorno di chiusura (gg/mm/aaaa), o lo lasci vuoto per chiudere un giorno solo."})
		}
	}
	switch {
	case len(fs) > 0:
	case to.Before(from):
		fs = append(fs, booking.FieldError{Field: "to", Message: "«Al»: l'ultimo giorno di chiusura non può precedere il primo."})
	case to.Before(today):
		fs = append(fs, booking.FieldError{Field: "to", Message: "«Al»: la chiusura sarebbe già finita; indichi giorni da oggi in poi."})
	case from.AddDays(366).Before(to):
		fs = append(fs, booking.FieldError{Field: "to", Message: "«Al»: una chiusura dura al massimo un anno."})
	}
	fs = append(fs, booking.CheckTexts("reason", f.Reason)...)
	if len([]rune(f.Reason)) > 200 {
		fs = append(fs, booking.FieldError{Field: "reason", Message: "«Motivo»: al massimo 200 caratteri."})
	}
	f.Errors = fs
	return f, booking.Closure{ResourceID: id, From: from, To: to, Reason: f.Reason}, fs
}

// openingForm is the add-opening form as typed.
type openingForm struct {
	Date, Start, End, Reason string
	Errors                   []booking.FieldError
}

// parseOpening reads the add-opening form of resource id. Every error names
// its field.
func parseOpening(r *http.Request, id int64, today booking.Date) (openingForm, booking.Opening, []booking.FieldError) {
	f := openingForm{Date: strings.TrimSpace(r.PostFormValue("date")), Start: strings.TrimSpace(r.PostFormValue("start")),
		End: strings.TrimSpace(r.PostFormValue("end")), Reason: strings.TrimSpace(r.PostFormValue("reason"))}
	var fs []booking.FieldError
	d, err := parseDay(f.Date)
	switch {
	case err != nil:
		fs = append(fs, booking.FieldError{Field: "date", Message: "«Giorno»: indichi il giorno dell'apertura straordinaria (gg/mm/aaaa)."})
	case d.Before(today):
		fs = append(fs, booking.FieldError{Field: "date", Message: "«Giorno»: il giorno è già passato."})
	}
	start, err1 := booking.ParseClock(normClock(f.Start))
	if err1 != nil {
		fs = append(fs, booking.FieldError{Field: "start", Message: "«Dalle»: scriva l'ora di inizio come 09:00."})
	}
	end, err2 := booking.ParseClock(normClock(f.End))
	if err2 != nil {
		fs = append(fs, booking.FieldError{Field: "end", Message: "«Alle»: scriva l'ora di fine come 12:00."})
	}
	if err1 == nil && err2 == nil && end <= start {
		fs = append(fs, booking.FieldError{Field: "end", Message: "«Alle»: l'ora di fine deve seguire quella di inizio."})
	}
	fs = append(fs, booking.CheckTexts("reason", f.Reason)...)
	if len([]rune(f.Reason)) > 200 {
		fs = append(fs, booking.FieldError{Field: "reason", Message: "«Motivo»: al massimo 200 caratteri."})
	}
	f.Errors = fs
	return f, booking.Opening{ResourceID: id, Date: d, Start: start, End: end, Reason: f.Reason}, fs
}
