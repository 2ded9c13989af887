package sqlstore_test

import (
	"context"
	"github.com/prenota/prenota/internal/testdb"
	"reflect"
	"testing"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/statsfixture"
	"github.com/prenota/prenota/sqlstore"
)

// TestStatisticsKeptDays: the statistics of past days are read from the
// kept figures of each day, and every kind of change to a booking or its
// attendance on a kept day, made by any statement, shows in the next
// figures exactly as a count from the bookings alone gives them.
func TestStatisticsKeptDays(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := statsfixture.Load(t, s) // the clock is after the period: every day of it is past
		exec := func(t *testing.T, q string, args ...any) {
			t.Helper()
			if _, err := s.DB().ExecContext(ctx, s.Rebind(q), args...); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
		}
		figures := func(t *testing.T) booking.Statistics {
			t.Helper()
			st, err := booking.ComputeStatistics(ctx, s, statsfixture.From, statsfixture.To, nil)
			if err != nil {
				t.Fatal(err)
			}
			return st
		}
		// fresh forgets every kept day first, so the figures are counted
		// from the bookings.
		fresh := func(t *testing.T) booking.Statistics {
			t.Helper()
			exec(t, "DELETE FROM statistics_filled")
			return figures(t)
		}

		first := figures(t)
		days := 21 // 23 November to 13 December
		if n := count(t, s, "SELECT COUNT(*) FROM statistics_filled"); n != days {
			t.Fatalf("%d days kept, want %d", n, days)
		}
		if got := first.Resources[0].Total; got != statsfixture.DeskTotal {
			t.Fatalf("desk total from the kept days = %+v, want %+v", got, statsfixture.DeskTotal)
		}
		// The kept rows are what is read: a figure changed in them (never
		// done outside this test) shows.
		rows := count(t, s, "SELECT COUNT(*) FROM statistics_days WHERE resource_id = ?", f.Desk.ID)
		exec(t, "UPDATE statistics_days SET bookings = bookings + 100 WHERE resource_id = ?", f.Desk.ID)
		if got, want := figures(t).Resources[0].Total.Bookings, statsfixture.DeskTotal.Bookings+100*rows; rows == 0 || got != want {
			t.Fatalf("desk bookings = %d, want the kept rows' %d (%d rows)", got, want, rows)
		}
		if got := fresh(t).Resources[0].Total; got != statsfixture.DeskTotal {
			t.Fatalf("desk total counted again = %+v, want %+v", got, statsfixture.DeskTotal)
		}

		id := func(name string) string { return f.Bookings[name].ID }
		for _, c := range []struct {
			name    string
			changes []string
			id      string
		}{
			{"attendance changed", []string{"UPDATE attendance SET state = 'assente' WHERE booking_id = ?"}, id("d1")},
			{"attendance removed", []string{"DELETE FROM attendance WHERE booking_id = ?"}, id("d5")},
			{"attendance added", []string{"INSERT INTO attendance (booking_id, state, marked_by, marked_at) VALUES (?, 'presente', 'test', 0)"}, id("d3")},
			{"cancelled by the Comune", []string{"UPDATE bookings SET status = 'cancelled', cancelled_by = 'comune' WHERE id = ?"}, id("d7")},
			{"moved a day later", []string{"UPDATE bookings SET starts_at = starts_at + 86400000, ends_at = ends_at + 86400000 WHERE id = ?"}, id("r4")},
			{"booked a day earlier", []string{"UPDATE bookings SET created_at = created_at - 86400000 WHERE id = ?"}, id("r1")},
			{"deleted", []string{"DELETE FROM attendance WHERE booking_id = ?", "DELETE FROM claims WHERE booking_id = ?", "DELETE FROM bookings WHERE id = ?"}, id("r3")},
		} {
			t.Run(c.name, func(t *testing.T) {
				before := figures(t)
				for _, q := range c.changes {
					exec(t, q, c.id)
				}
				got := figures(t)
				if reflect.DeepEqual(got, before) {
					t.Fatalf("the figures did not change")
				}
				if want := fresh(t); !reflect.DeepEqual(got, want) {
					t.Fatalf("figures after the change\n%+v\nwant (counted from the bookings)\n%+v", got, want)
				}
			})
		}
	})
}

// TestKeepStatistics: the retention job's call keeps every past day the
// statistics may ask for, and the figures read from them are the fixture's.
func TestKeepStatistics(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		statsfixture.Load(t, s)
		if err := s.KeepStatistics(ctx); err != nil {
			t.Fatal(err)
		}
		if n := count(t, s, "SELECT COUNT(*) FROM statistics_filled"); n != booking.MaxStatisticsDays {
			t.Fatalf("%d days kept, want %d", n, booking.MaxStatisticsDays)
		}
		st, err := booking.ComputeStatistics(ctx, s, statsfixture.From, statsfixture.To, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := st.Resources[0].Total; got != statsfixture.DeskTotal {
			t.Errorf("desk total = %+v, want %+v", got, statsfixture.DeskTotal)
		}
		if got := st.Resources[1].Total; got != statsfixture.RoomTotal {
			t.Errorf("room total = %+v, want %+v", got, statsfixture.RoomTotal)
		}
	})
}
