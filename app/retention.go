package app

import (
	"context"
	"log/slog"
	"strconv"
	"time"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/sqlstore"
)

// AuditRetentionPurge is the audit action of a retention purge that erased
// personal data (not one that only cleared expired sessions and holds, as
// nearly every hourly run does); its detail lists the counts.
const AuditRetentionPurge = "retention_purge"

// DefaultPurgeEvery is how often the service runs the retention purge.
const DefaultPurgeEvery = time.Hour

// Purge applies the Comune's retention period once (SPEC §12, GDPR): it
// reads the period from the settings, so a change in the back office applies
// at the next run with no restart; purges (sqlstore.Store.Purge); logs the
// counts; and, when personal data was erased, writes an audit entry whose method
// says who ran it ("job" for the service, "cli" for prenota purge).
func Purge(ctx context.Context, store *sqlstore.Store, log *slog.Logger, by string) (sqlstore.Purged, error) {
	st, err := store.Settings(ctx)
	if err != nil {
		return sqlstore.Purged{}, err
	}
	months := st.Retention()
	p, err := store.Purge(ctx, months)
	if p.Total() > 0 {
		log.Info("retention purge", "months", months, "anonymised", p.Bookings, "holds", p.Holds, "claims", p.Claims,
			"sessions", p.Sessions, "messages", p.Messages, "mailbox", p.Mailbox, "parked", p.Parked, "feedback_comments", p.Feedback, "waitlist", p.Waitlist, "audit_entries", p.Audit)
		detail := "conservazione " + strconv.Itoa(months) + " mesi; " + p.String()
		if err != nil {
			detail += " (interrotta da un errore)"
		}
		// The audit entry records what was done even when the run stopped
		// half-way; a fresh context, so that one cut short by shutdown still
		// leaves its record.
		if p.Bookings+p.Messages+p.Mailbox+p.Parked+p.Feedback+p.Waitlist+p.Audit > 0 {
			actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			if aerr := store.Audit(actx, auth.AuditEntry{Action: AuditRetentionPurge, Target: "retention", Method: by, Detail: detail}); aerr != nil {
				log.Error("retention purge: audit", "err", aerr)
			}
		}
	} else if err == nil {
		log.Debug("retention purge: nothing to do", "months", months)
	}
	return p, err
}

// retention runs Purge, then keeps the statistics of the past days, now
// and then every period until ctx is done; a failed run is logged and
// retried at the next tick.
func (a *App) retention(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if _, err := Purge(ctx, a.Store, a.log, "job"); err != nil && ctx.Err() == nil {
			a.log.Error("retention purge", "err", err)
		}
		if err := a.Store.KeepStatistics(ctx); err != nil && ctx.Err() == nil {
			a.log.Error("statistics of past days", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// startRetention starts the retention job unless cfg.PurgeEvery is
// negative; stop ends it and waits for a run in progress to stop (the purge
// stops between batches).
func (a *App) startRetention(ctx context.Context) (stop func()) {
	every := a.cfg.PurgeEvery
	if every < 0 {
		return func() {}
	}
	if every == 0 {
		every = DefaultPurgeEvery
	}
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.retention(ctx, every)
	}()
	return func() { cancel(); <-done }
}
