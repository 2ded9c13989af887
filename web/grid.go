package web

import (
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
	AnyFree  bool
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

// buildGrid arranges days (Monday first) into rows by wall-clock start.
// selected holds the starts (unix ms) to show checked.
func buildGrid(r booking.Resource, days []booking.Day, week, today booking.Date, selected map[int64]bool) gridView {
	g := gridView{Week: week.String(), NextWeek: week.AddDays(7).String(), MaxSlots: r.Schedule.MaxSlots, Capacity: r.Schedule.Capacity}
	if mondayOf(today).Before(week) {
		g.PrevWeek = week.AddDays(-7).String()
	}
	g.Caption = "Disponibilità di " + r.Name + " nella settimana dal " + days[0].Date.Italian() + " al " + days[len(days)-1].Date.Italian()
	var times []string
	byKey := map[string]booking.Cell{}
	for i, d := range days {
		t, _ := d.Date.At(0, booking.Rome)
		g.Days = append(g.Days, gridDay{Abbr: weekdayAbb[d.Date.Weekday()], Date: d.Date.Italian(), Short: d.Date.Italian()[:5],
			Long: longDate(t), Holiday: d.Holiday})
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
	var first, last *booking.Cell
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
			// A free slot, or one of the user's current hold (shown again when they
			// come back to change it), can be chosen.
			if c.State == booking.Free || (c.State == booking.HeldByYou && selected[ms]) {
				cell.Selectable, cell.State, cell.Checked = true, string(booking.Free), selected[ms]
				if cell.Checked {
					if first == nil || c.Start.Before(first.Start) {
						first = &c
					}
					if last == nil || c.End.After(last.End) {
						last = &c
					}
				}
				g.AnyFree = true
			}
			cell.Text, cell.Icon = stateInfo[cell.State][0], stateInfo[cell.State][1]
			row.Cells = append(row.Cells, cell)
		}
		g.Rows = append(g.Rows, row)
	}
	if first != nil {
		g.Selection = daFinoA(first.Start, last.End)
	}
	return g
}
