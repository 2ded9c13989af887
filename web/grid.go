package web

import (
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/prenota/prenota/booking"
)

// gridView is the week grid of SPEC §4 as the template shows it: a table
// with one column per day and one row per slot start time.
type gridView struct {
	Caption  string
	Days     []gridDay
	Rows     []gridRow
	Week     string // the Monday shown, YYYY-MM-DD
	PrevWeek string // "" on the current week: no going back in time
	NextWeek string
	MaxSlots int
	Capacity int
	Free     int // free slots
	// Closures names the closed days: "martedì 08/12: Immacolata Concezione".
	Closures []string
	// Opens says when the week's slots not yet open open, if any.
	Opens string
	// FirstFree is the first day with a free slot ("mercoledì 23 dicembre
	// 2026") when the week shown has none, FirstFreeWeek its Monday.
	FirstFree, FirstFreeWeek string
	// Announce is read out after a week change: "Settimana dal 7 al 13
	// dicembre: 23 orari liberi".
	Announce string
	// Selection is "da … a …" of the checked slots, when there are any.
	Selection string
}

type gridDay struct {
	Abbr    string // "LUN"
	Date    string // "07/12/2026"
	Short   string // "07/12"
	Long    string // "lunedì 7 dicembre 2026"
	Holiday string
}

type gridRow struct {
	Time  string
	Cells []gridCell
}

// gridCell is one cell; a day without a slot at that time is an empty
// closed cell (Slot false).
type gridCell struct {
	Slot       bool
	State      string // booking.State, or "selected"
	Text       string // for screen readers and the legend: "Libero", …
	Icon       string
	Value      string // RFC 3339 start, the checkbox value
	ID         string
	DataDay    string
	Start      string // RFC 3339
	End        string
	Range      string // "da 07/12/2026 10:00 a 07/12/2026 11:00"
	Checked    bool
	Selectable bool
	Seats      int
	Capacity   int
}

// stateInfo gives each state its text and Bootstrap Italia icon: state is
// never shown by colour alone.
var stateInfo = map[string][2]string{
	string(booking.Past):       {"Non prenotabile, orario passato", "it-clock"},
	string(booking.Closed):     {"Chiuso", "it-minus-circle"},
	string(booking.Free):       {"Libero", "it-check-circle"},
	string(booking.Taken):      {"Occupato", "it-ban"},
	string(booking.NotYetOpen): {"Non ancora prenotabile", "it-locked"},
	string(booking.HeldByYou):  {"Già riservato a lei", "it-user"},
	"selected":                 {"Selezionato", "it-star-full"},
}

// legend lists the states in the order the seed explains them.
var legend = []string{"free", "selected", "taken", "past", "not_yet_open", "closed", "held_by_you"}

type legendItem struct{ State, Text, Icon string }

func legendItems() []legendItem {
	var out []legendItem
	for _, s := range legend {
		out = append(out, legendItem{s, stateInfo[s][0], stateInfo[s][1]})
	}
	return out
}

// mondayOf returns the Monday of d's week.
func mondayOf(d booking.Date) booking.Date {
	wd := int(d.Weekday()+6) % 7 // Monday 0 … Sunday 6
	return d.AddDays(-wd)
}

// buildGrid arranges days (Monday first) into rows by wall-clock start, as
// seen at now. selected holds the starts (unix ms) to show checked, held
// those of the viewer's hold in progress (they can be chosen again or left
// out).
func buildGrid(r booking.Resource, days []booking.Day, week booking.Date, now time.Time, selected, held map[int64]bool) gridView {
	today := booking.DateOf(now, booking.Rome)
	g := gridView{Week: week.String(), NextWeek: week.AddDays(7).String(), MaxSlots: r.Schedule.MaxSlots, Capacity: r.Schedule.Capacity}
	if mondayOf(today).Before(week) {
		g.PrevWeek = week.AddDays(-7).String()
	}
	first, last := days[0].Date, days[len(days)-1].Date
	g.Caption = "Disponibilità di " + r.Name + " nella settimana dal " + first.Italian() + " al " + last.Italian()
	var times []string
	byKey := map[string]booking.Cell{}
	for i, d := range days {
		t, _ := d.Date.At(0, booking.Rome)
		g.Days = append(g.Days, gridDay{Abbr: weekdayAbb[d.Date.Weekday()], Date: d.Date.Italian(), Short: d.Date.Italian()[:5],
			Long: longDate(t), Holiday: d.Holiday})
		if d.Holiday != "" {
			g.Closures = append(g.Closures, weekdays[d.Date.Weekday()]+" "+d.Date.Italian()[:5]+": "+d.Holiday)
		}
		for _, c := range d.Cells {
			hm := rome(c.Start).Format("15:04")
			if !slices.Contains(times, hm) {
				times = append(times, hm)
			}
			key := strconv.Itoa(i) + " " + hm
			if _, dup := byKey[key]; !dup { // the repeated hour of a DST change shows once
				byKey[key] = c
			}
		}
	}
	slices.Sort(times)
	var opens time.Time // the earliest opening of a slot not yet open
	var from, to *booking.Cell
	for _, hm := range times {
		row := gridRow{Time: hm}
		for i := range days {
			c, ok := byKey[strconv.Itoa(i)+" "+hm]
			if !ok {
				row.Cells = append(row.Cells, gridCell{State: "closed", Text: "Nessuno slot", Icon: stateInfo["closed"][1]})
				continue
			}
			st := string(c.State)
			ms := c.Start.UnixMilli()
			cell := gridCell{Slot: true, State: st, Value: c.Start.Format(time.RFC3339), ID: "s" + strconv.FormatInt(ms/1000, 10),
				DataDay: days[i].Date.String(), Start: c.Start.Format(time.RFC3339), End: c.End.Format(time.RFC3339),
				Range: daFinoA(c.Start, c.End), Seats: c.FreeSeats, Capacity: r.Schedule.Capacity}
			cell.Text, cell.Icon = stateInfo[st][0], stateInfo[st][1]
			switch c.State {
			case booking.Free:
				cell.Selectable, cell.Checked = true, selected[ms]
				g.Free++
			case booking.HeldByYou:
				// One of the hold in progress (shown again when the viewer comes
				// back to change it) can be chosen again or left out; a booking
				// of the viewer's is only shown.
				if held[ms] {
					cell.Selectable, cell.Checked = true, selected[ms]
				}
			case booking.Past:
				if c.Start.After(now) {
					cell.Text = "Non prenotabile: si prenota fino a " + notice(r.Schedule.MinNoticeMinutes) + " prima"
				}
			case booking.NotYetOpen:
				o := r.Schedule.OpensAt(c.Start)
				cell.Text = "Non ancora prenotabile: " + opensText(o)
				if opens.IsZero() || o.Before(opens) {
					opens = o
				}
			}
			if cell.Checked {
				if from == nil || c.Start.Before(from.Start) {
					from = &c
				}
				if to == nil || c.End.After(to.End) {
					to = &c
				}
			}
			row.Cells = append(row.Cells, cell)
		}
		g.Rows = append(g.Rows, row)
	}
	if from != nil {
		g.Selection = daFinoA(from.Start, to.End)
	}
	if !opens.IsZero() {
		g.Opens = "Gli orari non ancora prenotabili di questa settimana si prenotano " + opensText(opens) + "."
	}
	g.Announce = "Settimana " + weekSpan(first, last) + ": " + freeText(g.Free)
	return g
}

// opensText is "dal 01/01 alle 08:00".
func opensText(t time.Time) string {
	t = rome(t)
	return "dal " + t.Format("02/01") + " alle " + t.Format("15:04")
}

// notice is a minimum notice in words: "24 ore", "1 ora", "30 minuti".
func notice(minutes int) string {
	switch {
	case minutes == 60:
		return "1 ora"
	case minutes%60 == 0:
		return strconv.Itoa(minutes/60) + " ore"
	case minutes == 1:
		return "1 minuto"
	}
	return strconv.Itoa(minutes) + " minuti"
}

// weekSpan is "dal 7 al 13 dicembre" or "dal 28 dicembre 2026 al 3 gennaio 2027".
func weekSpan(a, b booking.Date) string {
	switch {
	case a.Year != b.Year:
		return fmt.Sprintf("dal %d %s %d al %d %s %d", a.Day, months[a.Month], a.Year, b.Day, months[b.Month], b.Year)
	case a.Month != b.Month:
		return fmt.Sprintf("dal %d %s al %d %s", a.Day, months[a.Month], b.Day, months[b.Month])
	}
	return fmt.Sprintf("dal %d al %d %s", a.Day, b.Day, months[b.Month])
}

// freeText is "23 orari liberi", "1 orario libero", "nessun orario libero".
func freeText(n int) string {
	switch n {
	case 0:
		return "nessun orario libero"
	case 1:
		return "1 orario libero"
	}
	return strconv.Itoa(n) + " orari liberi"
}

// SeatsText is the free seats of a slot with several: "12 posti", "1 posto".
func (c gridCell) SeatsText() string {
	switch {
	case c.Capacity <= 1 || c.State != string(booking.Free):
		return ""
	case c.Seats == 1:
		return "1 posto"
	}
	return strconv.Itoa(c.Seats) + " posti"
}
