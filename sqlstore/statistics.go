package sqlstore

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prenota/prenota/booking"
)

// This file keeps the statistics' aggregates (booking.StatisticsStore). They
// read only what the retention purge keeps (resource, times, slots, status,
// cancelled_by, attendance, claims, ratings), so anonymised bookings count.

// period returns the SQL expression numbering the period of bounds (see
// BookingFigures) that the instant col falls in, with its arguments.
func period(col string, bounds []time.Time) (string, []any) {
	n := len(bounds) - 2 // the periods are 0 … n
	if n == 0 {
		return "0", nil
	}
	var b strings.Builder
	var args []any
	b.WriteString("CASE")
	for i := 1; i <= n; i++ {
		b.WriteString(" WHEN " + col + " < ? THEN ")
		b.WriteString(strconv.Itoa(i - 1))
		args = append(args, bounds[i].UnixMilli())
	}
	b.WriteString(" ELSE " + strconv.Itoa(n) + " END")
	return b.String(), args
}

// BookingFigures implements booking.StatisticsStore: the past days from
// statistics_days (statistics_days.go), the rest counted from the bookings,
// in one pass for the counts and one for the leads whose medians are taken.
func (s *Store) BookingFigures(ctx context.Context, bounds []time.Time) (map[int64][]booking.Figures, error) {
	if len(bounds) < 2 {
		return nil, booking.Internal(errors.New("sqlstore: BookingFigures needs two bounds"))
	}
	total := len(bounds) - 1
	out := map[int64][]booking.Figures{}
	get := func(id int64, p int) *booking.Figures {
		if out[id] == nil {
			out[id] = make([]booking.Figures, total+1)
		}
		return &out[id][p]
	}
	add := func(id int64, p int, f booking.Figures) {
		for _, t := range []*booking.Figures{get(id, p), get(id, total)} {
			t.Bookings += f.Bookings
			t.BookedSeats += f.BookedSeats
			t.CancelledByCitizen += f.CancelledByCitizen
			t.CancelledByComune += f.CancelledByComune
			t.Attended += f.Attended
			t.NoShow += f.NoShow
		}
	}
	type key struct {
		id int64
		p  int
	}
	leads := map[key][]int64{}
	addLead := func(id int64, p int, ls ...int64) {
		leads[key{id, p}] = append(leads[key{id, p}], ls...)
		leads[key{id, total}] = append(leads[key{id, total}], ls...)
	}
	periodOf := func(start int64) int {
		return sort.Search(total, func(i int) bool { return bounds[i+1].UnixMilli() > start })
	}

	kept, from, err := s.keptFigures(ctx, bounds)
	if err != nil {
		return nil, err
	}
	for _, d := range kept {
		p := periodOf(d.day)
		add(d.resource, p, d.f)
		addLead(d.resource, p, d.leads...)
	}
	if to := bounds[total].UnixMilli(); from < to {
		if err := s.countBookings(ctx, bounds, from, to, add, addLead, periodOf); err != nil {
			return nil, err
		}
	}
	for k, ls := range leads {
		slices.Sort(ls)
		mid := float64(ls[(len(ls)-1)/2]+ls[len(ls)/2]) / 2
		get(k.id, k.p).MedianLeadDays = mid / float64(24*time.Hour/time.Millisecond)
	}
	return out, nil
}

// countBookings counts the bookings starting in [from, to) by resource and
// period of bounds, and their leads.
func (s *Store) countBookings(ctx context.Context, bounds []time.Time, from, to int64, add func(int64, int, booking.Figures),
	addLead func(int64, int, ...int64), periodOf func(int64) int) error {
	per, perArgs := period("b.starts_at", bounds)
	args := append(append([]any{}, perArgs...), booking.Confirmed, booking.Confirmed, booking.Cancelled, booking.ByComune,
		booking.Cancelled, booking.ByComune, booking.Confirmed, Presente, booking.Confirmed, Assente, from, to)
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT b.resource_id, `+per+` AS p,
		SUM(CASE WHEN b.status = ? THEN 1 ELSE 0 END),
		SUM(CASE WHEN b.status = ? THEN b.slots ELSE 0 END),
		SUM(CASE WHEN b.status = ? AND COALESCE(b.cancelled_by, '') <> ? THEN 1 ELSE 0 END),
		SUM(CASE WHEN b.status = ? AND b.cancelled_by = ? THEN 1 ELSE 0 END),
		SUM(CASE WHEN b.status = ? AND a.state = ? THEN 1 ELSE 0 END),
		SUM(CASE WHEN b.status = ? AND a.state = ? THEN 1 ELSE 0 END)
		FROM bookings b LEFT JOIN `+s.attendanceIndex()+` ON a.booking_id = b.id
		WHERE b.starts_at >= ? AND b.starts_at < ?
		GROUP BY 1, 2`), args...)
	if err != nil {
		return wrap(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var p int
		var f booking.Figures
		if err := rows.Scan(&id, &p, &f.Bookings, &f.BookedSeats, &f.CancelledByCitizen, &f.CancelledByComune, &f.Attended, &f.NoShow); err != nil {
			return wrap(err)
		}
		add(id, p, f)
	}
	if err := rows.Err(); err != nil {
		return wrap(err)
	}
	rows.Close()

	// The leads of the confirmed bookings (read from the covering index,
	// sorted by the caller: cheaper on both engines than window sorts in
	// SQL).
	rows, err = s.r.QueryContext(ctx, s.q(`SELECT resource_id, starts_at, starts_at - created_at FROM bookings
		WHERE status = ? AND starts_at >= ? AND starts_at < ?`), booking.Confirmed, from, to)
	if err != nil {
		return wrap(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id, start, lead int64
		if err := rows.Scan(&id, &start, &lead); err != nil {
			return wrap(err)
		}
		addLead(id, periodOf(start), lead)
	}
	return wrap(rows.Err())
}

// attendanceIndex is the attendance table of the statistics' join. SQLite,
// without ANALYZE figures, would look the state up through the primary key
// and then the row; the covering index answers from itself.
func (s *Store) attendanceIndex() string {
	if s.dialect == SQLite {
		return "attendance a INDEXED BY attendance_statistics"
	}
	return "attendance a"
}

// JourneyFeedbackPage is the page of the end-of-journey rating ("Quanto è
// stato facile usare questo servizio?"): the statistics count only those
// answers, not the pages' "Quanto sono chiare le informazioni".
const JourneyFeedbackPage = "esito"

// FeedbackFigures implements booking.StatisticsStore.
func (s *Store) FeedbackFigures(ctx context.Context, from, to time.Time) (booking.Feedback, error) {
	var f booking.Feedback
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT rating, reason, COUNT(*) FROM feedback
		WHERE page = ? AND created_at >= ? AND created_at < ? GROUP BY rating, reason`), JourneyFeedbackPage, from.UnixMilli(), to.UnixMilli())
	if err != nil {
		return f, wrap(err)
	}
	defer rows.Close()
	reasons := map[string]int{}
	sum := 0
	for rows.Next() {
		var rating, n int
		var reason string
		if err := rows.Scan(&rating, &reason, &n); err != nil {
			return f, wrap(err)
		}
		if rating < 1 || rating > 5 {
			continue
		}
		f.Ratings[rating] += n
		f.Count += n
		sum += rating * n
		if reason != "" {
			reasons[reason] += n
		}
	}
	if err := rows.Err(); err != nil {
		return f, wrap(err)
	}
	if f.Count > 0 {
		f.Average = float64(sum) / float64(f.Count)
	}
	for r, n := range reasons {
		f.Reasons = append(f.Reasons, booking.ReasonCount{Reason: r, Count: n})
	}
	slices.SortFunc(f.Reasons, func(a, b booking.ReasonCount) int {
		if c := cmp.Compare(b.Count, a.Count); c != 0 {
			return c
		}
		return cmp.Compare(a.Reason, b.Reason)
	})
	return f, nil
}

// SlotFigures implements booking.StatisticsStore from the confirmed
// bookings' claims (one per seat and slot) and their attendance.
func (s *Store) SlotFigures(ctx context.Context, from, to time.Time) ([]booking.SlotFigure, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT c.resource_id, c.starts_at, COUNT(*), SUM(CASE WHEN a.state = ? THEN 1 ELSE 0 END)
		FROM claims c LEFT JOIN attendance a ON a.booking_id = c.booking_id
		WHERE c.booking_id IS NOT NULL AND c.starts_at >= ? AND c.starts_at < ?
		GROUP BY 1, 2`), Presente, from.UnixMilli(), to.UnixMilli())
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []booking.SlotFigure
	for rows.Next() {
		var f booking.SlotFigure
		var start int64
		if err := rows.Scan(&f.ResourceID, &start, &f.Booked, &f.Attended); err != nil {
			return nil, wrap(err)
		}
		f.Start = time.UnixMilli(start)
		out = append(out, f)
	}
	return out, wrap(rows.Err())
}
