package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/testdb"
	"github.com/prenota/prenota/sqlstore"
)

// instance is a second service over the same database, as another process
// would be: its own cache of the configuration, kept for an hour, so only
// the transactions' check of the configuration's version can tell it of a
// change made through the first.
func instance(s *sqlstore.Store) *booking.Service {
	return booking.NewService(s, booking.Options{Now: func() time.Time { return rulesNow }, ConfigTTL: time.Hour})
}

// holdMany makes n holds of one seat of the slot at start, each of its own
// owner ("presentante-0"…), through svc.
func holdMany(t *testing.T, svc *booking.Service, r booking.Resource, start time.Time, n int) []booking.Hold {
	t.Helper()
	hs := make([]booking.Hold, n)
	for i := range hs {
		h, err := svc.Hold(context.Background(), booking.HoldRequest{ResourceID: r.ID, Start: start, Slots: 1, Owner: fmt.Sprintf("presentante-%d", i)})
		if err != nil {
			t.Fatalf("hold %d: %v", i, err)
		}
		hs[i] = h
	}
	return hs
}

// confirmAll confirms every hold at once, each for fruitore cf, and counts
// the outcomes by error code ("" for a booking made).
func confirmAll(t *testing.T, svc *booking.Service, hs []booking.Hold, cf string) (map[booking.Code]int, []error) {
	t.Helper()
	var mu sync.Mutex
	count := map[booking.Code]int{}
	var errs []error
	var wg sync.WaitGroup
	start := make(chan struct{})
	for _, h := range hs {
		wg.Go(func() {
			<-start
			req := confirmReq(h, "")
			req.Fruitore = person(cf)
			_, _, err := svc.Confirm(context.Background(), req)
			mu.Lock()
			defer mu.Unlock()
			count[code(err)]++
			if err != nil {
				errs = append(errs, err)
			}
		})
	}
	close(start)
	wg.Wait()
	return count, errs
}

func TestClosureSeenByOtherInstance(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a, r := fixture(t, s, 2)
		b := instance(s)
		h, err := b.Hold(ctx, booking.HoldRequest{ResourceID: r.ID, Start: slotAt("10:00"), Slots: 1, Owner: "RSSMRA70A01H501S"})
		if err != nil {
			t.Fatal(err)
		}
		// b has cached the configuration; the closure is saved through a.
		day := booking.DateOf(slotAt("10:00"), booking.Rome)
		if _, err := a.AddClosure(ctx, &booking.Closure{ResourceID: r.ID, From: day, To: day, Reason: "Inventario"}, nil); err != nil {
			t.Fatal(err)
		}
		_, _, err = b.Confirm(ctx, confirmReq(h, ""))
		if code(err) != booking.EGone || !strings.Contains(err.Error(), "chiuso o modificato dal Comune") {
			t.Fatalf("confirm on a day closed through another instance: %v, want 410 naming the change", err)
		}
		_, err = b.Hold(ctx, booking.HoldRequest{ResourceID: r.ID, Start: slotAt("11:00"), Slots: 1, Owner: "BNCGLI85M55I304Q"})
		if code(err) != booking.EInvalid || !strings.Contains(booking.ErrorFields(err)[0].Message, "Inventario") {
			t.Fatalf("hold on a day closed through another instance: %v, want 422 naming the closure", err)
		}
	})
}

func TestLoweredCapacity(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		a, r := fixture(t, s, 50)
		b := instance(s)
		hs := holdMany(t, b, r, slotAt("10:00"), 20)
		r.Schedule.Capacity = 5
		if _, err := a.UpdateResource(ctx, r, nil); err != nil {
			t.Fatal(err)
		}
		count, errs := confirmAll(t, b, hs, "RSSMRA70A01H501S")
		if count[""] != 5 || count[booking.EGone] != 15 {
			t.Fatalf("outcomes %v, want 5 bookings and 15 × 410", count)
		}
		for _, err := range errs {
			if !strings.Contains(err.Error(), "ridotto i posti") {
				t.Errorf("410 without the reason: %v", err)
			}
		}
		if bs, err := s.FutureBookings(ctx, r.ID, rulesNow); err != nil || len(bs) != 5 {
			t.Fatalf("%d bookings stored (%v), want 5", len(bs), err)
		}
		// No seat is left beyond the new capacity for anyone.
		if _, err := b.Hold(ctx, booking.HoldRequest{ResourceID: r.ID, Start: slotAt("10:00"), Slots: 1, Owner: "someone-else"}); code(err) != booking.EConflict {
			t.Fatalf("hold on a full slot: %v", err)
		}
	})
}

func TestNewHoldReleasesPrevious(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		svc, r := fixture(t, s, 1)
		const mario = "RSSMRA70A01H501S"
		first, err := svc.Hold(ctx, booking.HoldRequest{ResourceID: r.ID, Start: slotAt("10:00"), Slots: 1, Owner: mario})
		if err != nil {
			t.Fatal(err)
		}
		second, err := svc.Hold(ctx, booking.HoldRequest{ResourceID: r.ID, Start: slotAt("11:00"), Slots: 1, Owner: mario})
		if err != nil {
			t.Fatal(err)
		}
		// The first slot is free again for someone else.
		if _, err := svc.Hold(ctx, booking.HoldRequest{ResourceID: r.ID, Start: slotAt("10:00"), Slots: 1, Owner: "BNCGLI85M55I304Q"}); err != nil {
			t.Fatalf("the released slot is not free: %v", err)
		}
		if _, _, err := svc.Confirm(ctx, confirmReq(first, "")); code(err) != booking.EGone || !strings.Contains(err.Error(), "un solo orario alla volta") {
			t.Fatalf("confirm of the released hold: %v, want 410", err)
		}
		if _, _, err := svc.Confirm(ctx, confirmReq(second, "")); err != nil {
			t.Fatalf("confirm of the new hold: %v", err)
		}
		// A booking is not a hold in progress: a new hold leaves it alone.
		if _, err := svc.Hold(ctx, booking.HoldRequest{ResourceID: r.ID, Start: slotAt("12:00"), Slots: 1, Owner: mario}); err != nil {
			t.Fatal(err)
		}
		bs, _, err := svc.Bookings(ctx, mario, 1)
		if err != nil || len(bs) != 1 || bs[0].Status != booking.Confirmed {
			t.Fatalf("bookings after a new hold: %+v %v", bs, err)
		}
		// Racing holds of one identity take turns: one is left.
		var wg sync.WaitGroup
		ready := make(chan struct{})
		for i := range 20 {
			wg.Go(func() {
				<-ready
				svc.Hold(ctx, booking.HoldRequest{ResourceID: r.ID, Start: slotAt("08:00").AddDate(0, 0, 1).Add(time.Duration(i) * 30 * time.Minute), Slots: 1, Owner: "FRRLCU92B29Z112V"})
			})
		}
		close(ready)
		wg.Wait()
		days, err := svc.Availability(ctx, r.ID, booking.DateOf(slotAt("08:00").AddDate(0, 0, 1), booking.Rome), 1, "FRRLCU92B29Z112V")
		if err != nil {
			t.Fatal(err)
		}
		mine := 0
		for _, c := range days[0].Cells {
			if c.State == booking.HeldByYou {
				mine++
			}
		}
		if mine != 1 {
			t.Fatalf("%d slots held by one identity after 20 racing holds, want 1", mine)
		}
		// Conto terzi: one hold in progress per fruitore.
		terzo := "utente:caf"
		forA, err := svc.Hold(ctx, booking.HoldRequest{ResourceID: r.ID, Start: slotAt("13:00"), Slots: 1, Owner: terzo, For: "VRDLGU80A01H501X"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Hold(ctx, booking.HoldRequest{ResourceID: r.ID, Start: slotAt("14:00"), Slots: 1, Owner: terzo, For: "BNCGLI85M55I304Q"}); err != nil {
			t.Fatal(err)
		}
		if h, err := s.Hold(ctx, forA.ID); err != nil || !h.ExpiresAt.After(time.Now()) || h.For != "VRDLGU80A01H501X" {
			t.Fatalf("the hold for another fruitore was released: %+v %v", h, err)
		}
		days, err = svc.Availability(ctx, r.ID, booking.DateOf(slotAt("13:00"), booking.Rome), 1, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range days[0].Cells {
			if at := c.Start.In(booking.Rome).Format("15:04"); (at == "13:00" || at == "14:00") && c.State != booking.Taken {
				t.Errorf("%s is %s, want taken by the two holds of conto terzi", at, c.State)
			}
		}
	})
}

func TestPerPersonLimit(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		svc, r := fixture(t, s, 30)
		r.Schedule.PerPerson = 1
		if _, err := svc.UpdateResource(ctx, r, nil); err != nil {
			t.Fatal(err)
		}
		const mario = "RSSMRA70A01H501S"
		h, err := svc.Hold(ctx, booking.HoldRequest{ResourceID: r.ID, Start: slotAt("10:00"), Slots: 1, Owner: mario})
		if err != nil {
			t.Fatal(err)
		}
		first, _, err := svc.Confirm(ctx, confirmReq(h, ""))
		if err != nil {
			t.Fatal(err)
		}
		h, err = svc.Hold(ctx, booking.HoldRequest{ResourceID: r.ID, Start: slotAt("11:00"), Slots: 1, Owner: mario})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = svc.Confirm(ctx, confirmReq(h, ""))
		if code(err) != booking.EInvalid || !strings.Contains(err.Error(), "Limite di prenotazioni per persona") {
			t.Fatalf("second booking over a limit of 1: %v, want 422 naming the rule", err)
		}
		if fs := booking.ErrorFields(err); len(fs) != 1 || fs[0].Field != "fruitore.codice_fiscale" || !strings.Contains(fs[0].Message, "disdica") {
			t.Fatalf("fields %+v", fs)
		}
		// Once the first is cancelled, a new one can be made.
		if _, err := svc.Cancel(ctx, first.ID, mario); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Confirm(ctx, confirmReq(h, "")); err != nil {
			t.Fatalf("booking after cancelling the first: %v", err)
		}
		// 20 presentanti race to book for one fruitore on another slot: one
		// wins. Three rounds, so that the later ones race on connections
		// already open.
		for i, cf := range []string{"BNCGLI85M55I304Q", "VRDLGU80A01H501X", "NREGNN75C41F205P"} {
			hs := holdMany(t, svc, r, slotAt("15:00").Add(time.Duration(i)*30*time.Minute), 20)
			count, _ := confirmAll(t, svc, hs, cf)
			if count[""] != 1 || count[booking.EInvalid] != 19 {
				t.Fatalf("racing confirms for %s: %v, want 1 booking and 19 × 422", cf, count)
			}
		}
		// A limit counts future bookings of this resource only.
		other := booking.Resource{Name: "Altro sportello", Bookable: true, Kind: booking.InPerson, Schedule: r.Schedule}
		other.Schedule.PerPerson = 0
		if err := svc.CreateResource(ctx, &other); err != nil {
			t.Fatal(err)
		}
		h, err = svc.Hold(ctx, booking.HoldRequest{ResourceID: other.ID, Start: slotAt("10:00"), Slots: 1, Owner: mario})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Confirm(ctx, confirmReq(h, "")); err != nil {
			t.Fatalf("booking of another resource: %v", err)
		}
	})
}
