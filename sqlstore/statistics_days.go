package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/prenota/prenota/booking"
)

// This file keeps the figures of past days in statistics_days (migration
// 00020), so that the statistics of a year read one row per resource and
// day instead of every booking. The table is a cache that is never wrong:
// the triggers of bookings and attendance forget the day of any booking
// that changes (statistics_filled), and a forgotten day is computed again
// from the bookings when next asked for. Only days before today are kept:
// today's and future days change with every booking, so they are counted
// from the bookings each time.

// statisticsAttempts bounds how often BookingFigures fills the days a
// concurrent change forgot again before counting them from the bookings.
const statisticsAttempts = 3

// fillChunkDays is how many days one transaction fills at most: the writers
// wait for it (SQLite's single writer, PostgreSQL's lock), so a year is kept
// a week at a time.
const fillChunkDays = 7

// dayFigures are one resource's figures of one day.
type dayFigures struct {
	day, resource int64
	f             booking.Figures
	leads         []int64 // of the confirmed bookings, in ms
}

// cachedDays returns the midnights (Europe/Rome, unix ms) of the days of
// [bounds[0], last) that statistics_days may keep, followed by the end of
// the last one: the whole days before today (by the store's clock) inside
// bounds whose periods start at midnight. It returns nil when there are
// none.
func (s *Store) cachedDays(ctx context.Context, bounds []time.Time) ([]int64, error) {
	for _, b := range bounds {
		if l := b.In(booking.Rome); l.Hour() != 0 || l.Minute() != 0 || l.Second() != 0 || l.Nanosecond() != 0 {
			return nil, nil
		}
	}
	now, err := s.now(ctx, s.r)
	if err != nil {
		return nil, wrap(err)
	}
	today, _ := booking.DateOf(time.UnixMilli(now), booking.Rome).At(0, booking.Rome)
	end := min(today.UnixMilli(), bounds[len(bounds)-1].UnixMilli())
	var days []int64
	for d := booking.DateOf(bounds[0], booking.Rome); ; d = d.AddDays(1) {
		t, _ := d.At(0, booking.Rome)
		if t.UnixMilli() > end {
			break
		}
		days = append(days, t.UnixMilli())
	}
	if len(days) < 2 {
		return nil, nil
	}
	return days, nil
}

// readDays returns the kept figures of days (see cachedDays) and the
// indexes of the days not kept.
func (s *Store) readDays(ctx context.Context, days []int64) (out []dayFigures, missing []int, err error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT f.day, d.resource_id, d.bookings, d.booked_seats, d.cancelled_by_citizen,
		d.cancelled_by_comune, d.attended, d.no_show, d.leads
		FROM statistics_filled f LEFT JOIN statistics_days d ON d.day = f.day
		WHERE f.day >= ? AND f.day < ?`), days[0], days[len(days)-1])
	if err != nil {
		return nil, nil, wrap(err)
	}
	defer rows.Close()
	filled := map[int64]bool{}
	for rows.Next() {
		var day int64
		var id, bookings, seats, byCitizen, byComune, attended, noShow sql.NullInt64
		var leads sql.NullString
		if err := rows.Scan(&day, &id, &bookings, &seats, &byCitizen, &byComune, &attended, &noShow, &leads); err != nil {
			return nil, nil, wrap(err)
		}
		filled[day] = true
		if !id.Valid {
			continue // a day without bookings
		}
		d := dayFigures{day: day, resource: id.Int64, f: booking.Figures{Bookings: int(bookings.Int64), BookedSeats: int(seats.Int64),
			CancelledByCitizen: int(byCitizen.Int64), CancelledByComune: int(byComune.Int64), Attended: int(attended.Int64), NoShow: int(noShow.Int64)}}
		if leads.String != "" {
			for _, l := range strings.Split(leads.String, ",") {
				n, err := strconv.ParseInt(l, 10, 64)
				if err != nil {
					return nil, nil, wrap(err)
				}
				d.leads = append(d.leads, n)
			}
		}
		out = append(out, d)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, wrap(err)
	}
	for i, day := range days[:len(days)-1] {
		if !filled[day] {
			missing = append(missing, i)
		}
	}
	return out, missing, nil
}

// fillDays computes the figures of the days of [days[0], days[n-1]) from
// the bookings and keeps them. On PostgreSQL it first takes a lock that
// waits for the writers that have forgotten a day and are not committed
// yet, and holds back the next ones until it commits (their triggers then
// forget what it kept, if they change it): so no day is kept with figures a
// concurrent change has made old. On SQLite the writer is alone anyway.
func (s *Store) fillDays(ctx context.Context, days []int64) error {
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if s.dialect == Postgres {
			if _, err := tx.ExecContext(ctx, "LOCK TABLE statistics_filled IN SHARE ROW EXCLUSIVE MODE"); err != nil {
				return wrap(err)
			}
		}
		from, to := days[0], days[len(days)-1]
		rows, err := tx.QueryContext(ctx, s.q(`SELECT b.resource_id, b.starts_at, b.status, b.slots, COALESCE(b.cancelled_by, ''),
			COALESCE(a.state, ''), b.starts_at - b.created_at
			FROM bookings b LEFT JOIN attendance a ON a.booking_id = b.id
			WHERE b.starts_at >= ? AND b.starts_at < ?`), from, to)
		if err != nil {
			return wrap(err)
		}
		defer rows.Close()
		type key struct{ day, resource int64 }
		figs := map[key]*dayFigures{}
		for rows.Next() {
			var id, start, lead int64
			var slots int
			var status, by, state string
			if err := rows.Scan(&id, &start, &status, &slots, &by, &state, &lead); err != nil {
				return wrap(err)
			}
			i := sort.Search(len(days)-1, func(i int) bool { return days[i+1] > start })
			k := key{days[i], id}
			d := figs[k]
			if d == nil {
				d = &dayFigures{day: k.day, resource: id}
				figs[k] = d
			}
			count(&d.f, booking.Status(status), slots, by, state)
			if booking.Status(status) == booking.Confirmed {
				d.leads = append(d.leads, lead)
			}
		}
		if err := rows.Err(); err != nil {
			return wrap(err)
		}
		rows.Close()
		for _, q := range []string{`DELETE FROM statistics_days WHERE day >= ? AND day < ?`, `DELETE FROM statistics_filled WHERE day >= ? AND day < ?`} {
			if _, err := tx.ExecContext(ctx, s.q(q), from, to); err != nil {
				return wrap(err)
			}
		}
		var vals [][]any
		for _, d := range figs {
			slices.Sort(d.leads)
			ls := make([]string, len(d.leads))
			for i, l := range d.leads {
				ls[i] = strconv.FormatInt(l, 10)
			}
			vals = append(vals, []any{d.day, d.resource, d.f.Bookings, d.f.BookedSeats, d.f.CancelledByCitizen, d.f.CancelledByComune,
				d.f.Attended, d.f.NoShow, strings.Join(ls, ",")})
		}
		if err := s.insertRows(ctx, tx, `INSERT INTO statistics_days (day, resource_id, bookings, booked_seats, cancelled_by_citizen,
			cancelled_by_comune, attended, no_show, leads) VALUES `, vals); err != nil {
			return err
		}
		vals = vals[:0]
		for _, day := range days[:len(days)-1] {
			vals = append(vals, []any{day})
		}
		return s.insertRows(ctx, tx, `INSERT INTO statistics_filled (day) VALUES `, vals)
	})
}

// insertRows inserts rows with insert (ending in VALUES), a hundred a
// statement.
func (s *Store) insertRows(ctx context.Context, tx *sql.Tx, insert string, rows [][]any) error {
	for len(rows) > 0 {
		n := min(len(rows), 100)
		var b strings.Builder
		b.WriteString(insert)
		var args []any
		for i, r := range rows[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?" + strings.Repeat(", ?", len(r)-1) + ")")
			args = append(args, r...)
		}
		if _, err := tx.ExecContext(ctx, s.q(b.String()), args...); err != nil {
			return wrap(err)
		}
		rows = rows[n:]
	}
	return nil
}

// count adds one booking to f, as the statistics count it.
func count(f *booking.Figures, status booking.Status, slots int, cancelledBy, attendance string) {
	switch status {
	case booking.Confirmed:
		f.Bookings++
		f.BookedSeats += slots
		switch attendance {
		case Presente:
			f.Attended++
		case Assente:
			f.NoShow++
		}
	case booking.Cancelled:
		if cancelledBy == booking.ByComune {
			f.CancelledByComune++
		} else {
			f.CancelledByCitizen++
		}
	}
}

// keptFigures returns the figures of the kept days of bounds (see
// cachedDays), filling the days not kept, and the end of the days it
// covers: bounds[0] when it could not (no whole past day, or concurrent
// changes kept forgetting them).
func (s *Store) keptFigures(ctx context.Context, bounds []time.Time) ([]dayFigures, int64, error) {
	days, err := s.cachedDays(ctx, bounds)
	if err != nil || days == nil {
		return nil, bounds[0].UnixMilli(), err
	}
	for range statisticsAttempts {
		out, missing, err := s.readDays(ctx, days)
		if err != nil {
			return nil, 0, err
		}
		if len(missing) == 0 {
			return out, days[len(days)-1], nil
		}
		// Runs of consecutive missing days, a chunk at a time.
		for i := 0; i < len(missing); {
			j := i + 1
			for j < len(missing) && missing[j] == missing[j-1]+1 && j-i < fillChunkDays {
				j++
			}
			if err := s.fillDays(ctx, days[missing[i]:missing[j-1]+2]); err != nil {
				return nil, 0, err
			}
			i = j
		}
	}
	return nil, bounds[0].UnixMilli(), nil
}

// KeepStatistics computes and keeps the figures of the past days that the
// statistics may ask for (booking.MaxStatisticsDays back from today) and
// are not kept yet, so the first statistics of a period need not wait for
// them. The retention job calls it.
func (s *Store) KeepStatistics(ctx context.Context) error {
	now, err := s.now(ctx, s.r)
	if err != nil {
		return wrap(err)
	}
	today := booking.DateOf(time.UnixMilli(now), booking.Rome)
	from, _ := today.AddDays(-booking.MaxStatisticsDays).At(0, booking.Rome)
	to, _ := today.At(0, booking.Rome)
	_, _, err = s.keptFigures(ctx, []time.Time{from, to})
	return err
}
