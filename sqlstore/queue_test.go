package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/testdb"
	"github.com/prenota/prenota/sqlstore"
)

// roomClock is the service and database clock of the waiting-room tests.
type roomClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *roomClock) now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *roomClock) set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// roomOpens is the opening moment of the tests' click day: 07:30 on rulesNow's day.
var roomOpens = rulesNow.Add(30 * time.Minute)

// roomFixture makes a service over s with a resource of one seat a slot,
// 08:00–09:00 every day, bookable 4 days ahead (8 seats at the opening:
// 8 December is a holiday),
// with a waiting room opening at roomOpens (active from 07:15, automatic).
func roomFixture(t *testing.T, s *sqlstore.Store, clock *roomClock) (*booking.Service, booking.Resource) {
	t.Helper()
	ctx := context.Background()
	s.SetClock(clock.now)
	svc := booking.NewService(s, booking.Options{Now: clock.now, Queue: s, HoldDuration: 30 * time.Minute})
	if err := svc.SaveSettings(ctx, booking.Settings{Name: "Comune di Prova"}); err != nil {
		t.Fatal(err)
	}
	var hours []booking.OpeningRange
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		hours = append(hours, booking.OpeningRange{Weekday: wd, Start: 8 * 60, End: 9 * 60})
	}
	r := booking.Resource{Name: "Carte d'identità", Bookable: true, Kind: booking.InPerson,
		Schedule: booking.Schedule{SlotMinutes: 30, Capacity: 1, MaxSlots: 1, Hours: hours, DaysAhead: 4,
			Room: &booking.Room{OpensAt: roomOpens}}}
	if err := svc.CreateResource(ctx, &r); err != nil {
		t.Fatal(err)
	}
	return svc, r
}

// spearman is the rank correlation of two rankings of the same n items
// (permutations of 1..n).
func spearman(a, b []int64) float64 {
	n := float64(len(a))
	var d2 float64
	for i := range a {
		d := float64(a[i] - b[i])
		d2 += d * d
	}
	return 1 - 6*d2/(n*(n*n-1))
}

func TestQueueFairOrder(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		clock := &roomClock{t: rulesNow.Add(20 * time.Minute)}
		svc, r := roomFixture(t, s, clock)
		const before, after = 300, 100
		for i := range before {
			clock.set(rulesNow.Add(20*time.Minute + time.Duration(i)*time.Second))
			p, created, err := svc.JoinQueue(ctx, r.ID, fmt.Sprintf("PRE%04d", i))
			if err != nil || !created || p.State != booking.QueueWaiting || p.Position != 0 || p.Ahead != -1 {
				t.Fatalf("join %d before the opening: %+v created %v, %v", i, p, created, err)
			}
		}
		clock.set(roomOpens.Add(time.Second))
		if err := svc.AdvanceQueues(ctx); err != nil {
			t.Fatal(err)
		}
		for i := range after {
			clock.set(roomOpens.Add(time.Duration(2+i) * time.Second))
			if _, _, err := svc.JoinQueue(ctx, r.ID, fmt.Sprintf("POST%04d", i)); err != nil {
				t.Fatal(err)
			}
		}
		joined, drawn := make([]int64, before), make([]int64, before)
		seen := map[int64]bool{}
		for i := range before {
			p, err := svc.QueuePlace(ctx, r.ID, fmt.Sprintf("PRE%04d", i))
			if err != nil {
				t.Fatal(err)
			}
			if p.Position < 1 || p.Position > before || seen[p.Position] {
				t.Fatalf("PRE%04d drawn at %d: want a unique position in 1..%d", i, p.Position, before)
			}
			seen[p.Position] = true
			joined[i], drawn[i] = int64(i+1), p.Position
		}
		// |ρ| of a random order of 300 exceeds 0.25 with probability < 1e-5.
		if rho := spearman(joined, drawn); rho > 0.25 || rho < -0.25 {
			t.Fatalf("pre-opening order vs join order: ρ = %.3f, want about 0 (a random draw)", rho)
		}
		for i := range after {
			p, err := svc.QueuePlace(ctx, r.ID, fmt.Sprintf("POST%04d", i))
			if err != nil || p.Position != int64(before+1+i) {
				t.Fatalf("POST%04d at %d (%v), want %d: arrival order behind the draw", i, p.Position, err, before+1+i)
			}
		}
		if p, err := svc.QueuePlace(ctx, r.ID, "NOBODY"); booking.ErrorCode(err) != booking.ENotFound {
			t.Fatalf("place of someone not in the queue: %+v, %v; want not found", p, err)
		}
	})
}

func TestQueueAdmissionSoldOutExpiry(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		clock := &roomClock{t: rulesNow}
		svc, r := roomFixture(t, s, clock)
		// Before the room is active: no queue, and the slots are not open.
		if p, _, err := svc.JoinQueue(ctx, r.ID, "A"); err != nil || p.State != booking.NoRoom {
			t.Fatalf("join before the room is active: %+v, %v", p, err)
		}
		clock.set(rulesNow.Add(20 * time.Minute))
		const n = 12
		who := func(i int) string { return fmt.Sprintf("CF%02d", i) }
		for i := range n {
			if _, _, err := svc.JoinQueue(ctx, r.ID, who(i)); err != nil {
				t.Fatal(err)
			}
		}
		// One place per codice fiscale: joining again (another session,
		// another browser) keeps it.
		if _, created, err := svc.JoinQueue(ctx, r.ID, who(0)); err != nil || created {
			t.Fatalf("second join of the same identity: created %v, %v", created, err)
		}
		slots := []time.Time{}
		for _, d := range []int{0, 2, 3, 4} {
			for _, hm := range [][2]int{{8, 0}, {8, 30}} {
				slots = append(slots, time.Date(2026, 12, 7+d, hm[0], hm[1], 0, 0, booking.Rome))
			}
		}
		hold := func(i int, start time.Time) (booking.Hold, error) {
			return svc.Hold(ctx, booking.HoldRequest{ResourceID: r.ID, Start: start, Slots: 1, Owner: who(i)})
		}
		if _, err := hold(0, slots[0]); !errors.Is(err, booking.ErrNotAdmitted) || booking.ErrorCode(err) != booking.EForbidden {
			t.Fatalf("hold while waiting: %v, want not admitted (forbidden)", err)
		}
		clock.set(roomOpens.Add(time.Second))
		if err := svc.AdvanceQueues(ctx); err != nil {
			t.Fatal(err)
		}
		// 8 free seats: the first 8 in the drawn order are admitted.
		byPos := map[int64]int{}
		for i := range n {
			p, err := svc.QueuePlace(ctx, r.ID, who(i))
			if err != nil {
				t.Fatal(err)
			}
			byPos[p.Position] = i
			if want := p.Position <= 8; (p.State == booking.Admitted) != want {
				t.Fatalf("%s at %d: %s, admitted want %v", who(i), p.Position, p.State, want)
			}
			if p.State == booking.Admitted && !p.AdmittedUntil.Equal(roomOpens.Add(time.Second+10*time.Minute)) {
				t.Fatalf("admitted until %v, want 10 minutes from admission", p.AdmittedUntil)
			}
		}
		if _, err := hold(byPos[9], slots[0]); !errors.Is(err, booking.ErrNotAdmitted) {
			t.Fatalf("hold of the 9th in line: %v, want not admitted", err)
		}
		var holds []booking.Hold
		for k := range 8 {
			h, err := hold(byPos[int64(k+1)], slots[k])
			if err != nil {
				t.Fatalf("hold of admitted %d: %v", k+1, err)
			}
			holds = append(holds, h)
		}
		if err := svc.AdvanceQueues(ctx); err != nil {
			t.Fatal(err)
		}
		for pos := int64(9); pos <= n; pos++ {
			if p, _ := svc.QueuePlace(ctx, r.ID, who(byPos[pos])); p.State != booking.SoldOut {
				t.Fatalf("position %d after the last seat went: %s, want sold_out", pos, p.State)
			}
		}
		// A seat that comes back admits the next in line, once it is no
		// longer promised to the admitted citizen who let it go.
		if err := svc.Release(ctx, holds[3].ID, who(byPos[4])); err != nil {
			t.Fatal(err)
		}
		if err := svc.AdvanceQueues(ctx); err != nil {
			t.Fatal(err)
		}
		if p, _ := svc.QueuePlace(ctx, r.ID, who(byPos[9])); p.State != booking.QueueWaiting {
			t.Fatalf("9th in line while the 4th's admission lasts: %s, want waiting", p.State)
		}
		clock.set(roomOpens.Add(10*time.Minute + 2*time.Second)) // the first admissions end, the holds last 30 minutes
		if err := svc.AdvanceQueues(ctx); err != nil {
			t.Fatal(err)
		}
		if p, _ := svc.QueuePlace(ctx, r.ID, who(byPos[9])); p.State != booking.Admitted {
			t.Fatalf("9th in line after a seat came back: %s, want admitted", p.State)
		}
		if p, _ := svc.QueuePlace(ctx, r.ID, who(byPos[10])); p.State != booking.QueueWaiting {
			t.Fatalf("10th in line: %s, want waiting", p.State)
		}
		// The admission ends after its validity: no hold, and joining
		// again queues at the back.
		clock.set(roomOpens.Add(21 * time.Minute))
		if _, err := hold(byPos[9], slots[3]); !errors.Is(err, booking.ErrNotAdmitted) {
			t.Fatalf("hold after the admission ended: %v, want not admitted", err)
		}
		if p, _ := svc.QueuePlace(ctx, r.ID, who(byPos[9])); !p.Expired {
			t.Fatalf("place after the admission ended: %+v, want expired", p)
		}
		if p, _, err := svc.JoinQueue(ctx, r.ID, who(byPos[9])); err != nil || p.Position != n+1 || p.State != booking.QueueWaiting {
			t.Fatalf("join again after expiry: %+v, %v; want position %d, waiting", p, err, n+1)
		}
	})
}

// Several instances on one PostgreSQL share one queue: joins through two
// stores at once get unique, gapless positions.
func TestQueueTwoInstances(t *testing.T) {
	url := testdb.URL(t, "postgres")
	ctx := context.Background()
	var svcs []*booking.Service
	var r booking.Resource
	clock := &roomClock{t: roomOpens.Add(time.Second)}
	for i := range 2 {
		s, err := sqlstore.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if i == 0 {
			_, r = roomFixture(t, s, clock)
		}
		s.SetClock(clock.now)
		svcs = append(svcs, booking.NewService(s, booking.Options{Now: clock.now, Queue: s}))
	}
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			if _, _, err := svcs[i%2].JoinQueue(ctx, r.ID, fmt.Sprintf("CF%04d", i)); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for i := range n {
		p, err := svcs[(i+1)%2].QueuePlace(ctx, r.ID, fmt.Sprintf("CF%04d", i))
		if err != nil {
			t.Fatal(err)
		}
		if p.Position < 1 || p.Position > n || seen[p.Position] {
			t.Fatalf("position %d: want unique in 1..%d across instances", p.Position, n)
		}
		seen[p.Position] = true
	}
}
