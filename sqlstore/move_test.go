package sqlstore_test

import (
	"context"
	"fmt"
	"github.com/prenota/prenota/internal/testdb"
	"sync"
	"testing"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/sqlstore"
)

func bookSlot(t *testing.T, svc *booking.Service, r booking.Resource, owner string, start string) booking.Booking {
	t.Helper()
	ctx := context.Background()
	h, err := svc.Hold(ctx, booking.HoldRequest{ResourceID: r.ID, Start: slotAt(start), Slots: 1, Owner: owner})
	if err != nil {
		t.Fatalf("hold %s: %v", start, err)
	}
	b, _, err := svc.Confirm(ctx, confirmReq(h, ""))
	if err != nil {
		t.Fatalf("confirm %s: %v", start, err)
	}
	return b
}

// seatsOf counts the claims of booking id.
func seatsOf(t *testing.T, s *sqlstore.Store, id string) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRow(fmt.Sprintf("SELECT COUNT(*) FROM claims WHERE booking_id = '%s'", id)).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestMoveBooking: staff move a booking (old seat free, new seat taken, the
// sequence grows, the old start kept); the citizen's own move to a taken
// slot is refused with the booking intact; a citizen moves only their own
// booking and within its resource.
func TestMoveBooking(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		svc, r := fixture(t, s, 1)
		a := bookSlot(t, svc, r, "RSSMRA70A01H501S", "10:00")
		b := bookSlot(t, svc, r, "BNCGLI85M55I304Q", "12:00")

		moved, err := svc.Move(ctx, booking.MoveRequest{BookingID: a.ID, Start: slotAt("11:00")})
		if err != nil {
			t.Fatal(err)
		}
		if !moved.Start.Equal(slotAt("11:00")) || !moved.End.Equal(slotAt("11:30")) || moved.Sequence != 1 || !moved.MovedFrom.Equal(slotAt("10:00")) || moved.Code != a.Code {
			t.Fatalf("moved: %+v", moved)
		}
		occ, err := s.Occupancy(ctx, r.ID, slotAt("10:00"), slotAt("12:30"), "")
		if err != nil {
			t.Fatal(err)
		}
		if occ[slotAt("10:00").UnixMilli()].Taken != 0 || occ[slotAt("11:00").UnixMilli()].Taken != 1 || seatsOf(t, s, a.ID) != 1 {
			t.Fatalf("seats after the move: %v, %d of the booking", occ, seatsOf(t, s, a.ID))
		}
		if _, err := svc.Hold(ctx, booking.HoldRequest{ResourceID: r.ID, Start: slotAt("10:00"), Slots: 1, Owner: "altro"}); err != nil {
			t.Fatalf("the old seat is not free: %v", err)
		}

		// The citizen moves their own booking onto the seat a took: 409,
		// and b is as it was.
		_, err = svc.Move(ctx, booking.MoveRequest{BookingID: b.ID, Start: slotAt("11:00"), By: "BNCGLI85M55I304Q"})
		if code(err) != booking.EConflict {
			t.Fatalf("citizen's move to a taken slot: %v", err)
		}
		if got, _ := s.Booking(ctx, b.ID); !got.Start.Equal(slotAt("12:00")) || got.Sequence != 0 || !got.MovedFrom.IsZero() || seatsOf(t, s, b.ID) != 1 {
			t.Fatalf("after a refused move: %+v, %d seats", got, seatsOf(t, s, b.ID))
		}
		if _, err := svc.Move(ctx, booking.MoveRequest{BookingID: b.ID, Start: slotAt("15:00"), By: "RSSMRA70A01H501S"}); code(err) != booking.ENotFound {
			t.Fatalf("moving another's booking: %v", err)
		}
		if _, err := svc.Move(ctx, booking.MoveRequest{BookingID: b.ID, ResourceID: r.ID + 1000, Start: slotAt("15:00"), By: "BNCGLI85M55I304Q"}); code(err) != booking.EInvalid {
			t.Fatalf("citizen's move to another resource: %v", err)
		}
		got, err := svc.Move(ctx, booking.MoveRequest{BookingID: b.ID, Start: slotAt("15:00"), By: "BNCGLI85M55I304Q"})
		if err != nil || !got.Start.Equal(slotAt("15:00")) || got.Sequence != 1 || seatsOf(t, s, b.ID) != 1 {
			t.Fatalf("citizen's move: %+v %v", got, err)
		}
	})
}

// TestMoveDayRace: a day of 20 bookings moved to the next day while 50
// citizens race for that day's seats (capacity 3): all of the day moves or
// none, no slot has more claims than seats, every booking has exactly one.
func TestMoveDayRace(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		svc, r := fixture(t, s, 3)
		wed := booking.DateOf(slotAt("08:00"), booking.Rome)
		thu := wed.AddDays(1)
		var day []booking.Booking
		for i := 0; i < 20; i++ {
			c := booking.Clock(8*60 + 30*i)
			at, _ := wed.At(c, booking.Rome)
			day = append(day, bookSlot(t, svc, r, fmt.Sprintf("b-%02d", i), at.In(booking.Rome).Format("15:04")))
		}
		plan, err := svc.PlanDay(ctx, r.ID, wed, r.ID, thu)
		if err != nil || len(plan) != 20 || plan[0].Problem != "" || plan[19].To.In(booking.Rome).Format("2006-01-02 15:04") != "2026-12-10 17:30" {
			t.Fatalf("plan: %d moves, %v", len(plan), err)
		}
		var wg sync.WaitGroup
		start := make(chan struct{})
		var moveErr error
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			_, moveErr = svc.MoveDay(ctx, r.ID, wed, r.ID, thu)
		}()
		for i := 0; i < 50; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				at, _ := thu.At(booking.Clock(8*60+30*(i%20)), booking.Rome)
				_, err := svc.Hold(ctx, booking.HoldRequest{ResourceID: r.ID, Start: at, Slots: 1, Owner: fmt.Sprintf("c-%02d", i)})
				if err != nil && code(err) != booking.EConflict {
					t.Errorf("citizen %d: %v", i, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		if moveErr != nil && code(moveErr) != booking.EConflict {
			t.Fatalf("move: %v", moveErr)
		}
		want := wed
		if moveErr == nil {
			want = thu
		}
		t.Logf("move: %v", moveErr)
		for _, b := range day {
			got, err := s.Booking(ctx, b.ID)
			if err != nil || booking.DateOf(got.Start, booking.Rome) != want || got.Start.In(booking.Rome).Format("15:04") != b.Start.In(booking.Rome).Format("15:04") {
				t.Errorf("%s: %s, want on %s (%v)", b.Code, got.Start, want, err)
			}
			if n := seatsOf(t, s, b.ID); n != 1 {
				t.Errorf("%s has %d seats", b.Code, n)
			}
		}
		rows, err := s.DB().Query(fmt.Sprintf("SELECT starts_at, COUNT(*) FROM claims WHERE resource_id = %d GROUP BY starts_at HAVING COUNT(*) > 3", r.ID))
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var at, n int64
			rows.Scan(&at, &n)
			t.Errorf("slot %d has %d claims for 3 seats", at, n)
		}
	})
}
