package booking

import (
	"cmp"
	"context"
	"slices"
	"time"
)

// Who cancelled a booking (the store keeps it through the retention purge).
const (
	ByCitizen = "cittadino"
	ByComune  = "comune"
)

// Figures are what a resource did in a period (SPEC §17). Bookings count by
// the start of their appointment.
type Figures struct {
	// SeatsOffered are the seats of the slots generated for the period from
	// the resource's schedule, one-off openings, holidays and closures: a
	// closed day offers none.
	SeatsOffered int
	// Bookings are the confirmed (not cancelled) bookings; BookedSeats their
	// seats, one per slot.
	Bookings           int
	BookedSeats        int
	CancelledByCitizen int
	CancelledByComune  int
	// Attended and NoShow are the confirmed bookings marked present and
	// absent in the agenda.
	Attended int
	NoShow   int
	// MedianLeadDays is the median, over Bookings, of the days between
	// booking and appointment; 0 without bookings.
	MedianLeadDays float64
}

// Occupancy is BookedSeats / SeatsOffered (0 when nothing was offered).
func (f Figures) Occupancy() float64 {
	if f.SeatsOffered == 0 {
		return 0
	}
	return float64(f.BookedSeats) / float64(f.SeatsOffered)
}

// NoShowRate is NoShow over the bookings marked present or absent (0 when
// none was marked).
func (f Figures) NoShowRate() float64 {
	if f.Attended+f.NoShow == 0 {
		return 0
	}
	return float64(f.NoShow) / float64(f.Attended+f.NoShow)
}

// Feedback sums up the satisfaction ratings of a period.
type Feedback struct {
	Count   int
	Average float64 // 0 without ratings
	Ratings [6]int  // how many of each value, index 1 to 5
	Reasons []ReasonCount
}

// ReasonCount is how often a reason was chosen with a rating.
type ReasonCount struct {
	Reason string
	Count  int
}

// SlotFigure is how many seats of one slot were booked and attended.
type SlotFigure struct {
	ResourceID int64
	Start      time.Time
	Booked     int
	Attended   int
}

// StatisticsStore is what the statistics read.
type StatisticsStore interface {
	Settings(ctx context.Context) (Settings, error)
	Resources(ctx context.Context) ([]Resource, error)
	Closures(ctx context.Context, from, to Date) ([]Closure, error)
	Openings(ctx context.Context, from, to Date) ([]Opening, error)
	// BookingFigures returns, per resource, the figures of the bookings
	// (SeatsOffered left 0) whose appointment starts in each period
	// [bounds[i], bounds[i+1]) at index i, and in the whole [bounds[0],
	// bounds[n-1]) at index n-1.
	BookingFigures(ctx context.Context, bounds []time.Time) (map[int64][]Figures, error)
	// FeedbackFigures sums up the ratings given in [from, to).
	FeedbackFigures(ctx context.Context, from, to time.Time) (Feedback, error)
	// SlotFigures returns the booked seats of each slot starting in [from,
	// to) that has any.
	SlotFigures(ctx context.Context, from, to time.Time) ([]SlotFigure, error)
}

// MonthFigures are the figures of one calendar month (or of its part inside
// the period asked for).
type MonthFigures struct {
	Month Date // the first day of the month
	Figures
}

// ResourceStatistics are the figures of one resource over the period and
// month by month.
type ResourceStatistics struct {
	ID     int64
	Name   string
	Total  Figures
	Months []MonthFigures
}

// Statistics are the figures of a period, From to To inclusive.
type Statistics struct {
	From, To  Date
	Resources []ResourceStatistics
	Feedback  Feedback
}

// MaxStatisticsDays bounds the period of the statistics: about two years.
const MaxStatisticsDays = 732

// CheckPeriod validates a statistics period: from not after to, at most
// MaxStatisticsDays days. EInvalid names the field at fault.
func CheckPeriod(from, to Date) error {
	if to.Before(from) {
		return Invalid(FieldError{"to", "La data di fine non può precedere quella di inizio."})
	}
	if !to.Before(from.AddDays(MaxStatisticsDays)) {
		return Invalid(FieldError{"to", "Il periodo può durare al massimo due anni: scelga una data di fine più vicina."})
	}
	return nil
}

// ComputeStatistics returns the figures of the days from to to (inclusive,
// Europe/Rome) for the resources include accepts (every one when nil): the
// bookable ones and any other with bookings in the period, in the tree's
// order. EInvalid for a period CheckPeriod refuses.
func ComputeStatistics(ctx context.Context, st StatisticsStore, from, to Date, include func(id int64) bool) (Statistics, error) {
	if err := CheckPeriod(from, to); err != nil {
		return Statistics{}, err
	}
	out := Statistics{From: from, To: to}
	months := monthsOf(from, to)
	bounds := make([]time.Time, 0, len(months)+1)
	for _, m := range months {
		t, _ := m.At(0, Rome)
		if m.Before(from) {
			t, _ = from.At(0, Rome)
		}
		bounds = append(bounds, t)
	}
	end, _ := to.AddDays(1).At(0, Rome)
	bounds = append(bounds, end)

	all, err := st.Resources(ctx)
	if err != nil {
		return out, err
	}
	settings, err := st.Settings(ctx)
	if err != nil {
		return out, err
	}
	closures, err := st.Closures(ctx, from, to)
	if err != nil {
		return out, err
	}
	openings, err := st.Openings(ctx, from, to)
	if err != nil {
		return out, err
	}
	cal := Calendar{Settings: settings, Closures: closures, Openings: openings}
	figs, err := st.BookingFigures(ctx, bounds)
	if err != nil {
		return out, err
	}
	for _, r := range treeOrder(all) {
		if include != nil && !include(r.ID) {
			continue
		}
		fs, booked := figs[r.ID]
		if !r.Bookable && !booked {
			continue
		}
		if !booked {
			fs = make([]Figures, len(bounds))
		}
		rs := ResourceStatistics{ID: r.ID, Name: r.Name, Total: fs[len(fs)-1]}
		rs.Total.SeatsOffered = 0
		for i, m := range months {
			f := fs[i]
			f.SeatsOffered = 0
			last := m.AddDays(40)
			last = Date{last.Year, last.Month, 1}.AddDays(-1)
			first := m
			if first.Before(from) {
				first = from
			}
			if to.Before(last) {
				last = to
			}
			for d := first; !last.Before(d); d = d.AddDays(1) {
				if slots, closedBy := SlotsOn(r, cal, d); closedBy == "" {
					f.SeatsOffered += len(slots) * r.Schedule.Capacity
				}
			}
			rs.Total.SeatsOffered += f.SeatsOffered
			rs.Months = append(rs.Months, MonthFigures{Month: m, Figures: f})
		}
		out.Resources = append(out.Resources, rs)
	}
	out.Feedback, err = st.FeedbackFigures(ctx, bounds[0], end)
	return out, err
}

// monthsOf returns the first day of each month touching [from, to].
func monthsOf(from, to Date) []Date {
	var out []Date
	for m := (Date{from.Year, from.Month, 1}); !to.Before(m); {
		out = append(out, m)
		next := m.AddDays(40)
		m = Date{next.Year, next.Month, 1}
	}
	return out
}

// treeOrder lists the resources depth first, in the tree's order.
func treeOrder(all []Resource) []Resource {
	var out []Resource
	var walk func(ns []*Node)
	walk = func(ns []*Node) {
		for _, n := range ns {
			out = append(out, n.Resource)
			walk(n.Children)
		}
	}
	walk(Tree(all, false))
	return out
}

// OpenDataRow is one line of the open-data export: what one resource
// offered, and what was booked and attended, in one hour of one day. It
// holds no personal data.
type OpenDataRow struct {
	Resource     string
	Date         Date
	Hour         int // 0–23, Europe/Rome
	SeatsOffered int
	Booked       int
	Attended     int
}

// OpenData returns the open-data rows of the days from to to (inclusive) for
// every bookable resource and any other with booked seats: one per resource,
// day and hour with seats offered or booked, in order of resource (the
// tree's), day and hour. EInvalid for a period CheckPeriod refuses.
func OpenData(ctx context.Context, st StatisticsStore, from, to Date) ([]OpenDataRow, error) {
	if err := CheckPeriod(from, to); err != nil {
		return nil, err
	}
	all, err := st.Resources(ctx)
	if err != nil {
		return nil, err
	}
	settings, err := st.Settings(ctx)
	if err != nil {
		return nil, err
	}
	closures, err := st.Closures(ctx, from, to)
	if err != nil {
		return nil, err
	}
	openings, err := st.Openings(ctx, from, to)
	if err != nil {
		return nil, err
	}
	cal := Calendar{Settings: settings, Closures: closures, Openings: openings}
	start, _ := from.At(0, Rome)
	end, _ := to.AddDays(1).At(0, Rome)
	slots, err := st.SlotFigures(ctx, start, end)
	if err != nil {
		return nil, err
	}
	type key struct {
		id   int64
		date Date
		hour int
	}
	rows := map[key]*OpenDataRow{}
	at := func(r Resource, t time.Time) *OpenDataRow {
		t = t.In(Rome)
		k := key{r.ID, DateOf(t, Rome), t.Hour()}
		if rows[k] == nil {
			rows[k] = &OpenDataRow{Resource: r.Name, Date: k.date, Hour: k.hour}
		}
		return rows[k]
	}
	byID := map[int64]Resource{}
	order := map[int64]int{}
	for i, r := range treeOrder(all) {
		byID[r.ID], order[r.ID] = r, i
		if !r.Bookable {
			continue
		}
		for d := from; !to.Before(d); d = d.AddDays(1) {
			ss, closedBy := SlotsOn(r, cal, d)
			if closedBy != "" {
				continue
			}
			for _, sl := range ss {
				at(r, sl.Start).SeatsOffered += r.Schedule.Capacity
			}
		}
	}
	for _, s := range slots {
		r, ok := byID[s.ResourceID]
		if !ok {
			continue
		}
		row := at(r, s.Start)
		row.Booked += s.Booked
		row.Attended += s.Attended
	}
	keys := make([]key, 0, len(rows))
	for k := range rows {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b key) int {
		if c := cmp.Compare(order[a.id], order[b.id]); c != 0 {
			return c
		}
		if c := a.date.compare(b.date); c != 0 {
			return c
		}
		return cmp.Compare(a.hour, b.hour)
	})
	out := make([]OpenDataRow, len(keys))
	for i, k := range keys {
		out[i] = *rows[k]
	}
	return out, nil
}

// FirstFreeDays is how far FirstFree looks: about three months.
const FirstFreeDays = 93

// FirstFree returns the first slot of resource id that a citizen could hold
// now ("prima disponibilità"), looking days ahead from today; ok is false
// when there is none, or when citizens cannot book the resource (a hidden
// one, or a group).
func (s *Service) FirstFree(ctx context.Context, id int64, days int) (sl Slot, ok bool, err error) {
	today := DateOf(s.Now(), Rome)
	for done := 0; done < days; done += MaxDays {
		n := min(MaxDays, days-done)
		ds, err := s.Availability(ctx, id, today.AddDays(done), n, "")
		if c := ErrorCode(err); c == ENotFound || c == EInvalid {
			return Slot{}, false, nil
		}
		if err != nil {
			return Slot{}, false, err
		}
		for _, d := range ds {
			for _, c := range d.Cells {
				if c.State == Free {
					return c.Slot, true, nil
				}
			}
		}
	}
	return Slot{}, false, nil
}

// Licence is a licence the open data may be published under.
type Licence struct {
	ID   string // SPDX identifier
	Name string
	URL  string
}

// OpenDataLicences are the licences the Comune may choose; the first, the
// default, is the one the Italian open-data guidelines recommend.
var OpenDataLicences = []Licence{
	{"CC-BY-4.0", "Creative Commons Attribuzione 4.0 Internazionale (CC BY 4.0)", "https://creativecommons.org/licenses/by/4.0/"},
	{"CC0-1.0", "Creative Commons Zero 1.0 Universale (CC0 1.0)", "https://creativecommons.org/publicdomain/zero/1.0/"},
	{"IODL-2.0", "Italian Open Data License 2.0 (IODL 2.0)", "https://www.dati.gov.it/iodl/2.0/"},
}

// Licence returns the open data's licence: OpenDataLicence, or the default
// when it is not set or unknown.
func (s Settings) Licence() Licence {
	for _, l := range OpenDataLicences {
		if l.ID == s.OpenDataLicence {
			return l
		}
	}
	return OpenDataLicences[0]
}
