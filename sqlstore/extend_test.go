package sqlstore_test

import (
	"context"
	"github.com/prenota/prenota/internal/testdb"
	"testing"
	"time"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/sqlstore"
)

// TestExtendHold: "Prolunga" gives a live hold its duration again, once, on
// the same seats (another user still cannot take them after the first
// expiry); a second extension, an expired hold, another identity's hold, a
// confirmed one and a Comune that turned it off are refused.
func TestExtendHold(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		dbNow := time.Now()
		s.SetClock(func() time.Time { return dbNow })
		svc, r := fixture(t, s, 1)
		const mario, giulia = "RSSMRA70A01H501S", "BNCGLI85M55I304Q"
		a, err := svc.Hold(ctx, booking.HoldRequest{ResourceID: r.ID, Start: slotAt("10:00"), Slots: 2, Owner: mario})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.ExtendHold(ctx, a.ID, giulia); code(err) != booking.ENotFound {
			t.Fatalf("extending another's hold: %v", err)
		}
		dbNow = dbNow.Add(9 * time.Minute)
		e, err := svc.ExtendHold(ctx, a.ID, mario)
		if err != nil {
			t.Fatal(err)
		}
		if want := a.ExpiresAt.Add(10 * time.Minute); !e.ExpiresAt.Equal(want) || !e.Extended {
			t.Fatalf("extended until %v (extended %v), want %v", e.ExpiresAt, e.Extended, want)
		}
		if h, err := s.Hold(ctx, a.ID); err != nil || !h.ExpiresAt.Equal(e.ExpiresAt) || !h.Extended {
			t.Fatalf("stored hold %+v, %v", h, err)
		}
		if _, err := svc.ExtendHold(ctx, a.ID, mario); code(err) != booking.EConflict {
			t.Fatalf("second extension: %v", err)
		}
		// Past the first expiry the seats are still the hold's.
		dbNow = dbNow.Add(5 * time.Minute)
		if _, err := svc.Hold(ctx, booking.HoldRequest{ResourceID: r.ID, Start: slotAt("10:30"), Slots: 1, Owner: giulia}); code(err) != booking.EConflict {
			t.Fatalf("a seat of the extended hold taken by another: %v", err)
		}
		b, _, err := svc.Confirm(ctx, confirmReq(a, "k1"))
		if err != nil {
			t.Fatalf("confirming the extended hold: %v", err)
		}
		if !b.End.Equal(slotAt("11:00")) {
			t.Errorf("booking ends %v", b.End)
		}
		if _, err := svc.ExtendHold(ctx, a.ID, mario); code(err) != booking.EGone {
			t.Fatalf("extending a confirmed hold: %v", err)
		}

		// An expired hold cannot be extended.
		c, err := svc.Hold(ctx, booking.HoldRequest{ResourceID: r.ID, Start: slotAt("12:00"), Slots: 1, Owner: giulia})
		if err != nil {
			t.Fatal(err)
		}
		dbNow = dbNow.Add(10*time.Minute + time.Millisecond)
		if _, err := svc.ExtendHold(ctx, c.ID, giulia); code(err) != booking.EGone {
			t.Fatalf("extending an expired hold: %v", err)
		}

		// The Comune may turn it off.
		st, err := svc.Settings(ctx)
		if err != nil {
			t.Fatal(err)
		}
		st.NoHoldExtension = true
		if err := svc.SaveSettings(ctx, st); err != nil {
			t.Fatal(err)
		}
		d, err := svc.Hold(ctx, booking.HoldRequest{ResourceID: r.ID, Start: slotAt("13:00"), Slots: 1, Owner: giulia})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.ExtendHold(ctx, d.ID, giulia); code(err) != booking.EForbidden {
			t.Fatalf("extension the Comune turned off: %v", err)
		}
	})
}
