package app

import (
	"context"
	"time"
)

// WaitlistEvery is how often the service offers to the waitlists the seats
// freed without a cancellation through the service (an expired hold, a
// lapsed offer, a cancellation in the back office). Meanwhile such a seat
// is never taken past the line: a hold on it offers it to the line first.
const WaitlistEvery = 2 * time.Second

// waitlist runs booking.Service.OfferAll every WaitlistEvery until ctx is
// done; a failed run is logged and retried at the next tick.
func (a *App) waitlist(ctx context.Context) {
	t := time.NewTicker(WaitlistEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if n, err := a.Service.OfferAll(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("waitlist offers", "err", err)
		} else if n > 0 {
			a.log.Info("waitlist offers", "offers", n)
		}
	}
}
