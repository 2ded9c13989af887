package sqlstore_test

import (
	"context"
	"fmt"
	"github.com/prenota/prenota/internal/testdb"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/sqlstore"
)

var dec9 = booking.Date{Year: 2026, Month: 12, Day: 9}

// join puts subject in r's line for the slot of 9 December at 10:00.
func join(t *testing.T, svc *booking.Service, r booking.Resource, subject string) booking.WaitEntry {
	t.Helper()
	e, err := svc.JoinWaitlist(context.Background(), booking.JoinRequest{ResourceID: r.ID, Subject: subject, Email: subject + "@example.it", From: dec9, To: dec9,
		Times: []booking.TimeRange{{From: 10 * 60, To: 10*60 + 30}}})
	if err != nil {
		t.Fatalf("join %s: %v", subject, err)
	}
	return e
}

// entryOf returns subject's entry for r (state "" when there is none).
func entryOf(t *testing.T, svc *booking.Service, r booking.Resource, subject string) booking.WaitEntry {
	t.Helper()
	es, err := svc.Waitlist(context.Background(), subject)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range es {
		if e.ResourceID == r.ID {
			return e
		}
	}
	return booking.WaitEntry{}
}

// book holds and confirms the slot at hhmm for owner.
func book(t *testing.T, svc *booking.Service, r booking.Resource, owner, hhmm string) booking.Booking {
	t.Helper()
	h, err := svc.Hold(context.Background(), booking.HoldRequest{ResourceID: r.ID, Start: slotAt(hhmm), Slots: 1, Owner: owner})
	if err != nil {
		t.Fatalf("hold for %s: %v", owner, err)
	}
	b, _, err := svc.Confirm(context.Background(), confirmReq(h, ""))
	if err != nil {
		t.Fatalf("confirm for %s: %v", owner, err)
	}
	return b
}

func cellAt(t *testing.T, svc *booking.Service, r booking.Resource, viewer, hhmm string) booking.Cell {
	t.Helper()
	days, err := svc.Availability(context.Background(), r.ID, dec9, 1, viewer)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range days[0].Cells {
		if c.Slot.Start.Equal(slotAt(hhmm)) {
			return c
		}
	}
	t.Fatalf("no cell at %s", hhmm)
	return booking.Cell{}
}

// TestWaitlistOffers: a cancelled seat goes to the first in line as a hold
// (taken for everyone else), declining passes it on, confirming books it and
// leaves the line; the only other join, a duplicate, is refused.
func TestWaitlistOffers(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		svc, r := fixture(t, s, 1)
		a := book(t, svc, r, "AAAAAA70A01H501A", "10:00")
		b := join(t, svc, r, "BBBBBB70A01H501B")
		c := join(t, svc, r, "CCCCCC70A01H501C")
		if b.Position != 1 || c.Position != 2 || b.State != booking.Waiting {
			t.Fatalf("positions: B %+v, C %+v", b, c)
		}
		if _, err := svc.JoinWaitlist(ctx, booking.JoinRequest{ResourceID: r.ID, Subject: b.Subject, Email: "b@example.it"}); code(err) != booking.EConflict {
			t.Fatalf("second entry of B: %v", err)
		}
		if _, err := svc.Cancel(ctx, a.ID, a.Presentante); err != nil {
			t.Fatal(err)
		}
		b = entryOf(t, svc, r, b.Subject)
		if b.State != booking.Offered || b.HoldID == "" || !b.Start.Equal(slotAt("10:00")) || b.Offers != 1 {
			t.Fatalf("B after the cancellation: %+v", b)
		}
		if max := slotAt("10:00").Add(-time.Duration(r.Schedule.MinNoticeMinutes) * time.Minute); b.ExpiresAt.After(max) || b.ExpiresAt.Before(time.Now().Add(59*time.Minute)) {
			t.Fatalf("offer expires at %v", b.ExpiresAt)
		}
		if cell := cellAt(t, svc, r, "DDDDDD70A01H501D", "10:00"); cell.State != booking.Taken {
			t.Fatalf("the offered seat shows %s to others", cell.State)
		}
		if cell := cellAt(t, svc, r, b.Subject, "10:00"); cell.State != booking.HeldByYou {
			t.Fatalf("the offered seat shows %s to B", cell.State)
		}
		if _, err := svc.Hold(ctx, booking.HoldRequest{ResourceID: r.ID, Start: slotAt("10:00"), Slots: 1, Owner: "DDDDDD70A01H501D"}); code(err) != booking.EConflict {
			t.Fatalf("a fourth citizen's hold on the offered seat: %v", err)
		}
		if _, err := svc.LeaveWaitlist(ctx, b.ID, b.Subject); err != nil {
			t.Fatal(err)
		}
		if e := entryOf(t, svc, r, b.Subject); e.ID != 0 {
			t.Fatalf("B still listed: %+v", e)
		}
		c = entryOf(t, svc, r, c.Subject)
		if c.State != booking.Offered || c.Position != 1 || !c.Start.Equal(slotAt("10:00")) {
			t.Fatalf("C after B declined: %+v", c)
		}
		h, err := s.Hold(ctx, c.HoldID)
		if err != nil || h.Owner != c.Subject {
			t.Fatalf("C's offer hold: %+v, %v", h, err)
		}
		got, _, err := svc.Confirm(ctx, confirmReq(h, "c"))
		if err != nil || got.Status != booking.Confirmed || !got.Start.Equal(slotAt("10:00")) {
			t.Fatalf("C confirms: %+v, %v", got, err)
		}
		if e := entryOf(t, svc, r, c.Subject); e.ID != 0 {
			t.Fatalf("C still in line after booking: %+v", e)
		}
		assertSeats(t, s, r.ID, 1)
	})
}

// TestWaitlistLapse: an offer that runs out goes to the next in line, and
// when nobody waits the seat is free for everyone.
func TestWaitlistLapse(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		dbNow := time.Now()
		s.SetClock(func() time.Time { return dbNow })
		svc, r := fixture(t, s, 1)
		a := book(t, svc, r, "AAAAAA70A01H501A", "10:00")
		b := join(t, svc, r, "BBBBBB70A01H501B")
		c := join(t, svc, r, "CCCCCC70A01H501C")
		if _, err := svc.Cancel(ctx, a.ID, a.Presentante); err != nil {
			t.Fatal(err)
		}
		if b = entryOf(t, svc, r, b.Subject); b.State != booking.Offered {
			t.Fatalf("B: %+v", b)
		}
		dbNow = dbNow.Add(61 * time.Minute)
		if b = entryOf(t, svc, r, b.Subject); b.State != booking.Lapsed || b.Position != 0 {
			t.Fatalf("B after the offer period: %+v", b)
		}
		if n, err := svc.OfferAll(ctx); err != nil || n != 1 {
			t.Fatalf("job: %d offers, %v", n, err)
		}
		if c = entryOf(t, svc, r, c.Subject); c.State != booking.Offered || c.Position != 1 {
			t.Fatalf("C after B's offer lapsed: %+v", c)
		}
		dbNow = dbNow.Add(61 * time.Minute)
		if n, err := svc.OfferAll(ctx); err != nil || n != 0 {
			t.Fatalf("job with nobody waiting: %d offers, %v", n, err)
		}
		if _, err := svc.Hold(ctx, booking.HoldRequest{ResourceID: r.ID, Start: slotAt("10:00"), Slots: 1, Owner: "DDDDDD70A01H501D"}); err != nil {
			t.Fatalf("the seat is not free for everyone once the line is empty: %v", err)
		}
		// A lapsed entry may join again, at the end of the line.
		if e := join(t, svc, r, b.Subject); e.State != booking.Waiting || e.Position != 1 {
			t.Fatalf("B joins again: %+v", e)
		}
	})
}

// TestWaitlistCapacityIncrease: new seats go to the line in order.
func TestWaitlistCapacityIncrease(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		svc, r := fixture(t, s, 1)
		for _, hhmm := range []string{"08:00", "08:30", "09:00"} {
			book(t, svc, r, "AAAAAA70A01H501A", hhmm)
		}
		// Waiting for 08:00–09:30 only: the other slots of the day stay free.
		var es []booking.WaitEntry
		for _, sub := range []string{"BBBBBB70A01H501B", "CCCCCC70A01H501C", "DDDDDD70A01H501D", "EEEEEE70A01H501E"} {
			e, err := svc.JoinWaitlist(ctx, booking.JoinRequest{ResourceID: r.ID, Subject: sub, Email: "x@example.it", From: dec9, To: dec9,
				Times: []booking.TimeRange{{From: 8 * 60, To: 9*60 + 30}}})
			if err != nil || e.State != booking.Waiting {
				t.Fatalf("join %s: %+v, %v", sub, e, err)
			}
			es = append(es, e)
		}
		r.Schedule.Capacity = 2
		if _, err := svc.UpdateResource(ctx, r, nil); err != nil {
			t.Fatal(err)
		}
		want := []string{"08:00", "08:30", "09:00", ""}
		for i, e := range es {
			got := entryOf(t, svc, r, e.Subject)
			if want[i] == "" {
				if got.State != booking.Waiting || got.Position != 4 {
					t.Fatalf("%s: %+v", e.Subject, got)
				}
				continue
			}
			if got.State != booking.Offered || !got.Start.Equal(slotAt(want[i])) {
				t.Fatalf("%s should be offered %s: %+v", e.Subject, want[i], got)
			}
		}
		assertSeats(t, s, r.ID, 6)
	})
}

// TestRacingWaitlist: 100 citizens wait for any slot of a full day; 20
// bookings are cancelled at once while 50 others read the grid and hold
// every cell they see free. Every freed seat goes to the first 20 in line,
// none to the others, and no slot holds more than its seat.
func TestRacingWaitlist(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		svc, r := fixture(t, s, 1)
		var bookings []booking.Booking
		for m := 8 * 60; m < 18*60; m += 30 {
			bookings = append(bookings, book(t, svc, r, fmt.Sprintf("AAAAAA70A01H%03dA", m/30), fmt.Sprintf("%02d:%02d", m/60, m%60)))
		}
		var line []booking.WaitEntry
		for i := range 100 {
			e, err := svc.JoinWaitlist(ctx, booking.JoinRequest{ResourceID: r.ID, Subject: fmt.Sprintf("WAIT%03d", i), Email: "w@example.it", From: dec9, To: dec9})
			if err != nil || e.State != booking.Waiting || e.Position != i+1 {
				t.Fatalf("join %d: %+v, %v", i, e, err)
			}
			line = append(line, e)
		}
		var cancelling, hammering sync.WaitGroup
		var done atomic.Bool
		var stolen, tried atomic.Int64
		start := make(chan struct{})
		for _, b := range bookings {
			cancelling.Go(func() {
				<-start
				if _, err := svc.Cancel(ctx, b.ID, b.Presentante); err != nil {
					t.Errorf("cancel %s: %v", b.Code, err)
				}
			})
		}
		for i := range 50 {
			hammering.Go(func() {
				owner := fmt.Sprintf("HAMMER%02d", i)
				<-start
				for round := 0; !done.Load() || round < 2; round++ {
					days, err := svc.Availability(ctx, r.ID, dec9, 1, owner)
					if err != nil {
						t.Error(err)
						return
					}
					for _, c := range days[0].Cells {
						if c.State != booking.Free {
							continue
						}
						tried.Add(1)
						_, err := svc.Hold(ctx, booking.HoldRequest{ResourceID: r.ID, Start: c.Slot.Start, Slots: 1, Owner: owner})
						switch code(err) {
						case "":
							stolen.Add(1)
						case booking.EConflict:
						default:
							t.Errorf("hold: %v", err)
						}
					}
				}
			})
		}
		close(start)
		cancelling.Wait()
		done.Store(true)
		hammering.Wait()
		t.Logf("the hammering citizens tried %d holds on cells they saw free", tried.Load())
		if n := stolen.Load(); n != 0 {
			t.Errorf("%d freed seats went to citizens not in line", n)
		}
		offered := map[time.Time]string{}
		for i, e := range line {
			got := entryOf(t, svc, r, e.Subject)
			switch {
			case i < len(bookings) && got.State != booking.Offered:
				t.Errorf("%s, %d° in line, is %s", e.Subject, i+1, got.State)
			case i >= len(bookings) && (got.State != booking.Waiting || got.Position != i+1):
				t.Errorf("%s, %d° in line, is %s at %d", e.Subject, i+1, got.State, got.Position)
			case got.State == booking.Offered:
				if other, dup := offered[got.Start]; dup {
					t.Errorf("%s offered to %s and %s", got.Start, other, e.Subject)
				}
				offered[got.Start] = e.Subject
			}
		}
		if len(offered) != len(bookings) {
			t.Errorf("%d slots offered, want %d", len(offered), len(bookings))
		}
		var over int
		if err := s.DB().QueryRow(s.Rebind("SELECT COUNT(*) FROM claims WHERE resource_id = ? AND seat >= 1"), r.ID).Scan(&over); err != nil || over != 0 {
			t.Errorf("%d seats over capacity (%v)", over, err)
		}
		assertSeats(t, s, r.ID, len(bookings))
	})
}

// TestPurgeWaitlist: the retention purge deletes the entries whose last day
// is past, and only those.
func TestPurgeWaitlist(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		svc, r := fixture(t, s, 1)
		book(t, svc, r, "AAAAAA70A01H501A", "10:00")
		old := join(t, svc, r, "BBBBBB70A01H501B")
		later, err := svc.JoinWaitlist(ctx, booking.JoinRequest{ResourceID: r.ID, Subject: "CCCCCC70A01H501C", Email: "c@example.it",
			From: dec9, To: dec9.AddDays(1), Times: []booking.TimeRange{{From: 10 * 60, To: 10*60 + 30}}})
		if err != nil {
			t.Fatal(err)
		}
		s.SetClock(func() time.Time { return slotAt("12:00").Add(24 * time.Hour) }) // 10 December
		p, err := s.Purge(ctx, 24)
		if err != nil || p.Waitlist != 1 {
			t.Fatalf("purge: %+v, %v", p, err)
		}
		if e := entryOf(t, svc, r, old.Subject); e.ID != 0 {
			t.Fatalf("entry of 9 December kept: %+v", e)
		}
		if e := entryOf(t, svc, r, later.Subject); e.ID != later.ID {
			t.Fatalf("entry until 10 December deleted: %+v", e)
		}
	})
}
