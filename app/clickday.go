package app

import (
	"context"
	"time"
)

// QueueTick is how often each instance advances the waiting rooms: draws
// at the opening, admits the next in line, tells the queue it is sold out.
const QueueTick = time.Second

// advanceQueues runs the waiting rooms' admissions until ctx is done.
func (a *App) advanceQueues(ctx context.Context) {
	t := time.NewTicker(QueueTick)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if err := a.Service.AdvanceQueues(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("waiting rooms", "err", err)
		}
	}
}
