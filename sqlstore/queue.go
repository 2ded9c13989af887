package sqlstore

import (
	"context"
	"database/sql"
	"math/rand/v2"
	"time"

	"github.com/prenota/prenota/booking"
)

// The queues of the waiting rooms (SPEC §15, booking.QueueStore). Every
// change of a queue first locks its queue_rooms row (an UPDATE that changes
// nothing), so on PostgreSQL the instances take turns and positions stay
// unique; SQLite has one writer. A poll is one read by primary key.

const ticketQuery = `
	SELECT r.waiting, r.tail, r.serving, r.sold_out, e.who IS NOT NULL, COALESCE(e.position, 0), COALESCE(e.admitted_until, 0)
	FROM queue_rooms r LEFT JOIN queue_entries e ON e.resource_id = r.resource_id AND e.opens_at = r.opens_at AND e.who = ?
	WHERE r.resource_id = ? AND r.opens_at = ?`

// QueueTicket returns who's ticket and the queue's counters.
func (s *Store) QueueTicket(ctx context.Context, q booking.QueueKey, who string) (booking.Ticket, error) {
	st, err := s.prepared(ctx, s.r, ticketQuery)
	if err != nil {
		return booking.Ticket{}, wrap(err)
	}
	return scanTicket(st.QueryRowContext(ctx, who, q.ResourceID, q.OpensAt.UnixMilli()))
}

func scanTicket(row *sql.Row) (booking.Ticket, error) {
	var t booking.Ticket
	var soldOut int
	var until int64
	err := row.Scan(&t.Waiting, &t.Tail, &t.Serving, &soldOut, &t.In, &t.Position, &until)
	if err == sql.ErrNoRows {
		return booking.Ticket{}, nil
	}
	if err != nil {
		return booking.Ticket{}, wrap(err)
	}
	t.SoldOut = soldOut == 1
	if until > 0 {
		t.AdmittedUntil = time.UnixMilli(until)
	}
	return t, nil
}

// JoinQueue puts who in the queue once. Before the opening the entry waits
// for the draw; after it, it takes the next position. An admission that
// ended unused queues again at the back.
func (s *Store) JoinQueue(ctx context.Context, q booking.QueueKey, who string, now time.Time) (booking.Ticket, bool, error) {
	var t booking.Ticket
	var created bool
	err := s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		created = false
		if err := s.lockQueue(ctx, tx, q, now); err != nil {
			return err
		}
		opens, at := q.OpensAt.UnixMilli(), now.UnixMilli()
		var pos, until sql.NullInt64
		err := tx.QueryRowContext(ctx, s.q("SELECT position, admitted_until FROM queue_entries WHERE resource_id = ? AND opens_at = ? AND who = ?"),
			q.ResourceID, opens, who).Scan(&pos, &until)
		switch {
		case err == sql.ErrNoRows && at < opens:
			created = true
			if _, err := tx.ExecContext(ctx, s.q("INSERT INTO queue_entries (resource_id, opens_at, who, rnd, joined_at) VALUES (?, ?, ?, ?, ?)"),
				q.ResourceID, opens, who, rand.Int64(), at); err != nil {
				return wrap(err)
			}
			if _, err := tx.ExecContext(ctx, s.q("UPDATE queue_rooms SET waiting = waiting + 1 WHERE resource_id = ? AND opens_at = ?"), q.ResourceID, opens); err != nil {
				return wrap(err)
			}
		case err == sql.ErrNoRows:
			created = true
			if err := s.queueAtBack(ctx, tx, q, who, at, true); err != nil {
				return err
			}
		case err != nil:
			return wrap(err)
		case until.Valid && until.Int64 <= at:
			if err := s.queueAtBack(ctx, tx, q, who, at, false); err != nil {
				return err
			}
		}
		t, err = scanTicket(tx.QueryRowContext(ctx, s.q(ticketQuery), who, q.ResourceID, opens))
		return err
	})
	return t, created, err
}

// queueAtBack gives who the next position (a new entry, or one whose
// admission ended).
func (s *Store) queueAtBack(ctx context.Context, tx *sql.Tx, q booking.QueueKey, who string, at int64, insert bool) error {
	var tail int64
	if err := tx.QueryRowContext(ctx, s.q("UPDATE queue_rooms SET tail = tail + 1 WHERE resource_id = ? AND opens_at = ? RETURNING tail"),
		q.ResourceID, q.OpensAt.UnixMilli()).Scan(&tail); err != nil {
		return wrap(err)
	}
	var err error
	if insert {
		_, err = tx.ExecContext(ctx, s.q("INSERT INTO queue_entries (resource_id, opens_at, who, rnd, position, joined_at) VALUES (?, ?, ?, 0, ?, ?)"),
			q.ResourceID, q.OpensAt.UnixMilli(), who, tail, at)
	} else {
		_, err = tx.ExecContext(ctx, s.q("UPDATE queue_entries SET position = ?, admitted_until = NULL, joined_at = ? WHERE resource_id = ? AND opens_at = ? AND who = ?"),
			tail, at, q.ResourceID, q.OpensAt.UnixMilli(), who)
	}
	return wrap(err)
}

// lockQueue creates the queue's row if needed and locks it until tx ends;
// from the opening on, it first draws the order of those who joined before.
func (s *Store) lockQueue(ctx context.Context, tx *sql.Tx, q booking.QueueKey, now time.Time) error {
	opens := q.OpensAt.UnixMilli()
	if _, err := tx.ExecContext(ctx, s.q("INSERT INTO queue_rooms (resource_id, opens_at) VALUES (?, ?) ON CONFLICT (resource_id, opens_at) DO NOTHING"), q.ResourceID, opens); err != nil {
		return wrap(err)
	}
	var drawn int
	if err := tx.QueryRowContext(ctx, s.q("UPDATE queue_rooms SET drawn = drawn WHERE resource_id = ? AND opens_at = ? RETURNING drawn"), q.ResourceID, opens).Scan(&drawn); err != nil {
		return wrap(err)
	}
	if drawn == 1 || now.UnixMilli() < opens {
		return nil
	}
	// The draw: everyone who joined before the opening, in the order of
	// their random keys, ahead of anyone who joins later.
	if _, err := tx.ExecContext(ctx, s.q(`
		UPDATE queue_entries SET position = d.n + (SELECT tail FROM queue_rooms WHERE resource_id = ? AND opens_at = ?)
		FROM (SELECT who, ROW_NUMBER() OVER (ORDER BY rnd, who) AS n FROM queue_entries
		      WHERE resource_id = ? AND opens_at = ? AND position IS NULL) d
		WHERE queue_entries.resource_id = ? AND queue_entries.opens_at = ? AND queue_entries.who = d.who`),
		q.ResourceID, opens, q.ResourceID, opens, q.ResourceID, opens); err != nil {
		return wrap(err)
	}
	_, err := tx.ExecContext(ctx, s.q("UPDATE queue_rooms SET drawn = 1, tail = tail + waiting, waiting = 0 WHERE resource_id = ? AND opens_at = ?"), q.ResourceID, opens)
	return wrap(err)
}

// AdvanceQueue draws at the opening and admits the next in line: with a
// rate, up to a.PerMinute a minute since the opening; automatically, as many
// as the free seats not already promised to an admitted citizen who has yet
// to hold one. Never more than a.FreeSeats at once; none when sold out.
func (s *Store) AdvanceQueue(ctx context.Context, q booking.QueueKey, now time.Time, a booking.Admit) error {
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := s.lockQueue(ctx, tx, q, now); err != nil {
			return err
		}
		opens, at := q.OpensAt.UnixMilli(), now.UnixMilli()
		if at < opens {
			return nil
		}
		var tail, serving int64
		if err := tx.QueryRowContext(ctx, s.q("SELECT tail, serving FROM queue_rooms WHERE resource_id = ? AND opens_at = ?"), q.ResourceID, opens).Scan(&tail, &serving); err != nil {
			return wrap(err)
		}
		step := int64(a.FreeSeats)
		if a.PerMinute > 0 {
			step = min(step, int64(a.PerMinute)*(at-opens)/time.Minute.Milliseconds()+1-serving)
		} else if serving < tail {
			// admitted, admission live, and no live hold or booking yet
			var idle int64
			if err := tx.QueryRowContext(ctx, s.q(`
				SELECT COUNT(*) FROM queue_entries e
				WHERE e.resource_id = ? AND e.opens_at = ? AND e.admitted_until > ?
				  AND NOT EXISTS (SELECT 1 FROM holds h JOIN claims c ON c.hold_id = h.id
				                  WHERE h.owner = e.who AND h.resource_id = e.resource_id
				                    AND (c.booking_id IS NOT NULL OR c.expires_at > ?))`),
				q.ResourceID, opens, at, at).Scan(&idle); err != nil {
				return wrap(err)
			}
			step -= idle
		}
		next := min(tail, serving+max(step, 0))
		if next > serving {
			if _, err := tx.ExecContext(ctx, s.q("UPDATE queue_entries SET admitted_until = ? WHERE resource_id = ? AND opens_at = ? AND position > ? AND position <= ?"),
				at+a.Validity.Milliseconds(), q.ResourceID, opens, serving, next); err != nil {
				return wrap(err)
			}
		}
		soldOut := 0
		if a.FreeSeats == 0 {
			soldOut = 1
		}
		_, err := tx.ExecContext(ctx, s.q("UPDATE queue_rooms SET serving = ?, sold_out = ? WHERE resource_id = ? AND opens_at = ?"), next, soldOut, q.ResourceID, opens)
		return wrap(err)
	})
}
