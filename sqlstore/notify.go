package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"maragu.dev/goqite"

	"github.com/prenota/prenota/booking"
)

// JobsQueue is the name of the goqite queue of deliveries: one message per
// (booking event, channel), made from the outbox's booking events by
// FanOut and from due reminders by QueueReminder. Each is retried on its own,
// so a failing channel never repeats a channel that succeeded.
const JobsQueue = "notify"

// jobs returns the deliveries queue; a message received from it stays
// invisible to other receivers for visibility.
func (s *Store) jobs(visibility time.Duration) *goqite.Queue {
	flavor := goqite.SQLFlavorSQLite
	if s.dialect == Postgres {
		flavor = goqite.SQLFlavorPostgreSQL
	}
	if visibility <= 0 {
		visibility = 5 * time.Minute
	}
	// MaxReceive is huge for the same reason as the outbox's: the queue
	// never drops a message; the worker parks one that keeps failing
	// (ParkJob), where the back office shows it.
	return goqite.New(goqite.NewOpts{DB: s.w, Name: JobsQueue, SQLFlavor: flavor, MaxReceive: 1 << 30, Timeout: visibility})
}

// ReceiveEvent returns the next booking event of the outbox (see Event), or
// nil when there is none. The event stays invisible for a minute: call FanOut
// before that.
func (s *Store) ReceiveEvent(ctx context.Context) (*goqite.Message, error) {
	m, err := s.outbox.Receive(ctx)
	return m, wrap(err)
}

// FanOut enqueues the deliveries of one booking event and deletes the event,
// in one transaction: each event becomes its deliveries exactly once.
func (s *Store) FanOut(ctx context.Context, event goqite.ID, deliveries [][]byte) error {
	q := s.jobs(0)
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		for _, d := range deliveries {
			if err := q.SendTx(ctx, tx, goqite.Message{Body: d}); err != nil {
				return wrap(err)
			}
		}
		return wrap(s.outbox.DeleteTx(ctx, tx, event))
	})
}

// ReceiveJob returns the next due delivery, or nil when there is none. It
// stays invisible to other receivers for visibility (default five minutes),
// after which it is received again unless deleted (AckJob) or delayed
// (RetryJob). attempt counts the receptions, this one included.
func (s *Store) ReceiveJob(ctx context.Context, visibility time.Duration) (m *goqite.Message, attempt int, err error) {
	m, err = s.jobs(visibility).Receive(ctx)
	if err != nil || m == nil {
		return nil, 0, wrap(err)
	}
	// goqite does not return the count; it is in its table, which is ours.
	if err := s.w.QueryRowContext(ctx, s.q("SELECT received FROM goqite WHERE id = ?"), m.ID).Scan(&attempt); err != nil {
		return nil, 0, wrap(err)
	}
	return m, attempt, nil
}

// AckJob deletes a delivered (or pointless) delivery.
func (s *Store) AckJob(ctx context.Context, id goqite.ID) error {
	return wrap(s.jobs(0).Delete(ctx, id))
}

// RetryJob makes a delivery due again after delay.
func (s *Store) RetryJob(ctx context.Context, id goqite.ID, delay time.Duration) error {
	return wrap(s.jobs(0).Extend(ctx, id, max(delay, 0)))
}

// PendingJobs counts the deliveries not yet delivered, due or not.
func (s *Store) PendingJobs(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM goqite WHERE queue IN (?, ?)"), JobsQueue, OutboxQueue).Scan(&n)
	return n, wrap(err)
}

// DueReminders returns up to limit confirmed bookings whose reminder time
// (start minus lead) has passed by the database clock, that have not started
// and have no reminder queued yet. Bookings made after their reminder time
// get none: the confirmation has just told them everything.
func (s *Store) DueReminders(ctx context.Context, lead time.Duration, limit int) ([]string, error) {
	now, err := s.now(ctx, s.r)
	if err != nil {
		return nil, wrap(err)
	}
	ms := lead.Milliseconds()
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT b.id FROM bookings b
		WHERE b.status = ? AND b.starts_at > ? AND b.starts_at <= ? AND b.created_at < b.starts_at - ?
		AND NOT EXISTS (SELECT 1 FROM notify_reminders r WHERE r.booking_id = b.id)
		ORDER BY b.starts_at LIMIT ?`), booking.Confirmed, now, now+ms, ms, limit)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, wrap(err)
		}
		ids = append(ids, id)
	}
	return ids, wrap(rows.Err())
}

// QueueReminder records the reminder of a booking and enqueues its
// deliveries, in one transaction, if the booking is still confirmed and has
// not started and no reminder was queued before. It reports whether it did.
func (s *Store) QueueReminder(ctx context.Context, bookingID string, deliveries [][]byte) (bool, error) {
	queued := false
	q := s.jobs(0)
	err := s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		queued = false
		now, err := s.now(ctx, tx)
		if err != nil {
			return wrap(err)
		}
		var got string
		err = tx.QueryRowContext(ctx, s.q(`INSERT INTO notify_reminders (booking_id, queued_at)
			SELECT id, ? FROM bookings WHERE id = ? AND status = ? AND starts_at > ?
			ON CONFLICT (booking_id) DO NOTHING RETURNING booking_id`), now, bookingID, booking.Confirmed, now).Scan(&got)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return wrap(err)
		}
		for _, d := range deliveries {
			if err := q.SendTx(ctx, tx, goqite.Message{Body: d}); err != nil {
				return wrap(err)
			}
		}
		queued = true
		return nil
	})
	return queued, err
}

// MailboxMessage is an email of the local mailbox.
type MailboxMessage struct {
	ID        int64
	MessageID string
	Received  time.Time
	Raw       []byte // RFC 5322
}

// DeliverLocal stores an email in the local mailbox and deletes its delivery,
// in one transaction: the local mailbox gets each message exactly once. A
// message whose Message-ID is there already is not stored again.
func (s *Store) DeliverLocal(ctx context.Context, job goqite.ID, messageID string, raw []byte) error {
	q := s.jobs(0)
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO mailbox (message_id, received_at, raw) VALUES (?, ?, ?)
			ON CONFLICT (message_id) DO NOTHING`), messageID, time.Now().UnixMilli(), raw); err != nil {
			return wrap(err)
		}
		return wrap(q.DeleteTx(ctx, tx, job))
	})
}

// MailboxMessages returns a page of the local mailbox, newest first, and the
// number of messages.
func (s *Store) MailboxMessages(ctx context.Context, limit, offset int) ([]MailboxMessage, int, error) {
	var total int
	if err := s.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM mailbox").Scan(&total); err != nil {
		return nil, 0, wrap(err)
	}
	rows, err := s.r.QueryContext(ctx, s.q("SELECT id, message_id, received_at, raw FROM mailbox ORDER BY id DESC LIMIT ? OFFSET ?"), limit, offset)
	if err != nil {
		return nil, 0, wrap(err)
	}
	defer rows.Close()
	var out []MailboxMessage
	for rows.Next() {
		m, err := scanMailbox(rows)
		if err != nil {
			return nil, 0, wrap(err)
		}
		out = append(out, m)
	}
	return out, total, wrap(rows.Err())
}

// MailboxMessageByID returns one email of the local mailbox, or ENotFound.
func (s *Store) MailboxMessageByID(ctx context.Context, id int64) (MailboxMessage, error) {
	m, err := scanMailbox(s.r.QueryRowContext(ctx, s.q("SELECT id, message_id, received_at, raw FROM mailbox WHERE id = ?"), id))
	if err == sql.ErrNoRows {
		return m, booking.Errorf(booking.ENotFound, "Il messaggio richiesto non esiste.")
	}
	return m, wrap(err)
}

func scanMailbox(sc interface{ Scan(...any) error }) (MailboxMessage, error) {
	var m MailboxMessage
	var received int64
	err := sc.Scan(&m.ID, &m.MessageID, &received, &m.Raw)
	m.Received = time.UnixMilli(received)
	return m, err
}

// QueueStats are the depth of a queue and the age of its oldest message.
type QueueStats struct {
	Depth     int
	OldestAge time.Duration
}

// OutboxStats reads the depth and the oldest message of each queue
// (OutboxQueue, JobsQueue) at now, for the metrics.
func (s *Store) OutboxStats(ctx context.Context, now time.Time) (map[string]QueueStats, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT queue, count(*), min(created) FROM goqite GROUP BY queue")
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	out := map[string]QueueStats{}
	for rows.Next() {
		var q string
		var n int
		var oldest any // TEXT (RFC 3339) on SQLite, TIMESTAMPTZ on PostgreSQL
		if err := rows.Scan(&q, &n, &oldest); err != nil {
			return nil, wrap(err)
		}
		st := QueueStats{Depth: n}
		switch v := oldest.(type) {
		case time.Time:
			st.OldestAge = now.Sub(v)
		case string:
			if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
				st.OldestAge = now.Sub(t)
			}
		}
		out[q] = QueueStats{Depth: st.Depth, OldestAge: max(st.OldestAge, 0)}
	}
	return out, wrap(rows.Err())
}
