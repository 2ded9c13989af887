package sqlstore_test

import (
	"context"
	"math"
	"reflect"
	"testing"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/statsfixture"
	"github.com/prenota/prenota/internal/testdb"
	"github.com/prenota/prenota/sqlstore"
)

// TestStatistics: every figure of the fixture's period equals the one
// computed by hand, per resource, per month and in total; and the same after
// the retention purge has anonymised every booking.
func TestStatistics(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		f := statsfixture.Load(t, s)
		check := func(t *testing.T) {
			st, err := booking.ComputeStatistics(ctx, s, statsfixture.From, statsfixture.To, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(st.Resources) != 2 || st.Resources[0].ID != f.Desk.ID || st.Resources[1].ID != f.Room.ID {
				t.Fatalf("resources = %+v, want the desk then the room", st.Resources)
			}
			for _, c := range []struct {
				name          string
				got           booking.ResourceStatistics
				nov, dec, all booking.Figures
				occupancy     float64
			}{
				{"desk", st.Resources[0], statsfixture.DeskNovember, statsfixture.DeskDecember, statsfixture.DeskTotal, statsfixture.DeskOccupancy},
				{"room", st.Resources[1], statsfixture.RoomNovember, statsfixture.RoomDecember, statsfixture.RoomTotal, statsfixture.RoomOccupancy},
			} {
				if len(c.got.Months) != 2 || c.got.Months[0].Month != (booking.Date{Year: 2026, Month: 11, Day: 1}) ||
					c.got.Months[1].Month != (booking.Date{Year: 2026, Month: 12, Day: 1}) {
					t.Fatalf("%s: months %+v", c.name, c.got.Months)
				}
				if c.got.Months[0].Figures != c.nov {
					t.Errorf("%s November = %+v, want %+v", c.name, c.got.Months[0].Figures, c.nov)
				}
				if c.got.Months[1].Figures != c.dec {
					t.Errorf("%s December = %+v, want %+v", c.name, c.got.Months[1].Figures, c.dec)
				}
				if c.got.Total != c.all {
					t.Errorf("%s total = %+v, want %+v", c.name, c.got.Total, c.all)
				}
				if got := c.got.Total.Occupancy(); math.Abs(got-c.occupancy) > 1e-12 {
					t.Errorf("%s occupancy = %v, want %v", c.name, got, c.occupancy)
				}
			}
			if fb := st.Feedback; fb.Count != 3 || math.Abs(fb.Average-statsfixture.Feedback.Average) > 1e-12 ||
				fb.Ratings != statsfixture.Feedback.Ratings || !reflect.DeepEqual(fb.Reasons, statsfixture.Feedback.Reasons) {
				t.Errorf("feedback = %+v, want %+v", fb, statsfixture.Feedback)
			}

			// One month: the figures of November, which are also the total.
			nov, err := booking.ComputeStatistics(ctx, s, statsfixture.From, booking.Date{Year: 2026, Month: 11, Day: 30}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(nov.Resources) != 2 || len(nov.Resources[0].Months) != 1 || nov.Resources[0].Total != statsfixture.DeskNovember ||
				nov.Resources[0].Months[0].Figures != statsfixture.DeskNovember || nov.Resources[1].Total != statsfixture.RoomNovember {
				t.Errorf("November alone = %+v", nov.Resources)
			}

			// One resource only, as an operatore assigned to the room sees it.
			only, err := booking.ComputeStatistics(ctx, s, statsfixture.From, statsfixture.To, func(id int64) bool { return id == f.Room.ID })
			if err != nil {
				t.Fatal(err)
			}
			if len(only.Resources) != 1 || only.Resources[0].Total != statsfixture.RoomTotal {
				t.Errorf("room only = %+v", only.Resources)
			}

			rows, err := booking.OpenData(ctx, s, statsfixture.From, statsfixture.To)
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != statsfixture.OpenDataRows {
				t.Errorf("open data has %d rows, want %d", len(rows), statsfixture.OpenDataRows)
			}
			want := map[booking.OpenDataRow]bool{
				// d2's two slots, not attended; r1–r3 fill 23 November 14:00.
				{Resource: "Sportello anagrafe", Date: booking.Date{Year: 2026, Month: 11, Day: 24}, Hour: 9, SeatsOffered: 2, Booked: 2}:        true,
				{Resource: "Sala studio", Date: booking.Date{Year: 2026, Month: 11, Day: 23}, Hour: 14, SeatsOffered: 3, Booked: 3, Attended: 2}: true,
				{Resource: "Sala studio", Date: booking.Date{Year: 2026, Month: 12, Day: 12}, Hour: 14, SeatsOffered: 3, Booked: 1}:              true,
			}
			offered, booked, attended := 0, 0, 0
			for _, r := range rows {
				delete(want, r)
				offered += r.SeatsOffered
				booked += r.Booked
				attended += r.Attended
				if r.Date == (booking.Date{Year: 2026, Month: 12, Day: 8}) {
					t.Errorf("open data has a row on the holiday: %+v", r)
				}
			}
			if len(want) > 0 {
				t.Errorf("open data lacks %+v", want)
			}
			// Seats offered 48 + 39; booked 6 + 4, less nothing: every
			// confirmed booking holds its seats; attended d1, d5, d7, r1, r2.
			if offered != 87 || booked != 10 || attended != 5 {
				t.Errorf("open data sums: offered %d booked %d attended %d, want 87 10 5", offered, booked, attended)
			}
		}
		t.Run("kept", check)

		f.Clock.Set(purgeNow.AddDate(0, 1, 0))
		p, err := s.Purge(ctx, booking.DefaultRetentionMonths)
		if err != nil {
			t.Fatal(err)
		}
		if p.Bookings != int64(len(f.Bookings)) {
			t.Fatalf("purge anonymised %d bookings, want %d", p.Bookings, len(f.Bookings))
		}
		if n := count(t, s, "SELECT COUNT(*) FROM bookings WHERE anonymised_at IS NULL OR cancel_reason <> ''"); n != 0 {
			t.Fatalf("%d bookings kept personal data or a reason after the purge", n)
		}
		t.Run("purged", check)
	})
}

// TestStatisticsPeriod: a period that ends before it starts, or lasts over
// two years, is refused naming the field.
func TestStatisticsPeriod(t *testing.T) {
	for _, c := range []struct {
		name     string
		from, to booking.Date
		ok       bool
	}{
		{"one day", statsfixture.From, statsfixture.From, true},
		{"two years", booking.Date{Year: 2025, Month: 1, Day: 1}, booking.Date{Year: 2026, Month: 12, Day: 31}, true},
		{"reversed", statsfixture.To, statsfixture.From, false},
		{"too long", booking.Date{Year: 2024, Month: 1, Day: 1}, booking.Date{Year: 2026, Month: 12, Day: 31}, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := booking.CheckPeriod(c.from, c.to)
			if c.ok != (err == nil) {
				t.Fatalf("CheckPeriod(%v, %v) = %v", c.from, c.to, err)
			}
			if !c.ok {
				if fs := booking.ErrorFields(err); booking.ErrorCode(err) != booking.EInvalid || len(fs) != 1 || fs[0].Field != "to" {
					t.Fatalf("error %v, want EInvalid on the field to", err)
				}
			}
		})
	}
}
