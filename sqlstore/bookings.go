package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"maragu.dev/goqite"

	"github.com/prenota/prenota/booking"
)

// OnEnqueue makes the store call f after each committed transaction that
// put a message on the outbox (a booking, a cancellation, a password
// reset), so that the message worker starts on it at once instead of at
// its next poll. f must not block.
func (s *Store) OnEnqueue(f func()) { s.onEnqueue.Store(&f) }

// enqueued calls the OnEnqueue hook, if any.
func (s *Store) enqueued() {
	if f := s.onEnqueue.Load(); f != nil {
		(*f)()
	}
}

func (s *Store) enqueue(ctx context.Context, tx *sql.Tx, e booking.OutboxEvent) error {
	b, _ := json.Marshal(e)
	return wrap(s.outbox.SendTx(ctx, tx, goqite.Message{Body: b}))
}

const bookingColumns = `id, code, resource_id, resource_name, starts_at, ends_at, slots, presentante, fruitore, motivazione,
	telefono, nota, extra, status, created_at, cancelled_at, cancel_reason, hold_id, COALESCE(idempotency_key, ''), anonymised_at, sequence, moved_from, presentante_nome`

func scanBooking(sc interface{ Scan(...any) error }) (booking.Booking, error) {
	var b booking.Booking
	var start, end, created int64
	var cancelled, anonymised, movedFrom sql.NullInt64
	var fruitore, extra string
	err := sc.Scan(&b.ID, &b.Code, &b.ResourceID, &b.ResourceName, &start, &end, &b.Slots, &b.Presentante, &fruitore, &b.Motivazione,
		&b.Telefono, &b.Nota, &extra, &b.Status, &created, &cancelled, &b.CancelReason, &b.HoldID, &b.IdempotencyKey, &anonymised, &b.Sequence, &movedFrom, &b.PresentanteNome)
	if err != nil {
		return b, err
	}
	if err := json.Unmarshal([]byte(fruitore), &b.Fruitore); err != nil {
		return b, err
	}
	if err := json.Unmarshal([]byte(extra), &b.Extra); err != nil {
		return b, err
	}
	b.Start, b.End, b.CreatedAt = time.UnixMilli(start), time.UnixMilli(end), time.UnixMilli(created)
	if cancelled.Valid {
		b.CancelledAt = time.UnixMilli(cancelled.Int64)
	}
	if anonymised.Valid {
		b.AnonymisedAt = time.UnixMilli(anonymised.Int64)
	}
	if movedFrom.Valid {
		b.MovedFrom = time.UnixMilli(movedFrom.Int64)
	}
	return b, nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// Confirm turns a live hold into a booking, or returns the booking already
// made from the same hold or with the same idempotency key.
func (s *Store) Confirm(ctx context.Context, b *booking.Booking, g booking.Guard) (bool, error) {
	created := false
	err := s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		created = false
		if done, err := s.existing(ctx, tx, b); done || err != nil {
			return err
		}
		if err := s.checkVersion(ctx, tx, g.Version); err != nil {
			return err
		}
		var slots int
		var start, end int64
		var slotsJSON string
		err := tx.QueryRowContext(ctx, s.q("SELECT starts_at, ends_at, slots FROM holds WHERE id = ? AND owner = ?"), b.HoldID, b.Presentante).
			Scan(&start, &end, &slotsJSON)
		if err == sql.ErrNoRows {
			return booking.Errorf(booking.ENotFound, "La prenotazione temporanea indicata non esiste.")
		}
		if err != nil {
			return wrap(err)
		}
		var ss [][2]int64
		if err := json.Unmarshal([]byte(slotsJSON), &ss); err != nil {
			return wrap(err)
		}
		slots = len(ss)
		now, err := s.now(ctx, tx)
		if err != nil {
			return wrap(err)
		}
		if g.PerPerson > 0 {
			if err := s.checkPerPerson(ctx, tx, b, g.PerPerson, now); err != nil {
				return err
			}
		}
		id := booking.NewID()
		// Expiry and capacity are checked by the statement that converts the
		// claims: a seat beyond a lowered capacity is not converted.
		res, err := tx.ExecContext(ctx, s.q(`UPDATE claims SET booking_id = ?, expires_at = NULL
			WHERE hold_id = ? AND booking_id IS NULL AND expires_at > ? AND seat < ?`), id, b.HoldID, now, g.Capacity)
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); int(n) != slots {
			// A concurrent confirm of the same hold may have just won: answer its booking.
			if done, err := s.existing(ctx, tx, b); done || err != nil {
				return err
			}
			var beyond int
			if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM claims WHERE hold_id = ? AND booking_id IS NULL AND expires_at > ? AND seat >= ?"),
				b.HoldID, now, g.Capacity).Scan(&beyond); err != nil {
				return wrap(err)
			}
			if beyond > 0 {
				return booking.Errorf(booking.EGone, "Nel frattempo il Comune ha ridotto i posti disponibili e il posto che aveva riservato non c'è più. Scelga di nuovo l'orario.")
			}
			return booking.Errorf(booking.EGone, "La prenotazione temporanea non è più valida: il tempo per completarla è scaduto, oppure ne è stata avviata un'altra (si tiene un solo orario alla volta). Scelga di nuovo l'orario.")
		}
		fruitore, _ := json.Marshal(b.Fruitore)
		if b.Extra == nil {
			b.Extra = map[string]string{}
		}
		extra, _ := json.Marshal(b.Extra)
		for attempt := 0; ; attempt++ {
			code := booking.NewCode()
			var got string
			err := tx.QueryRowContext(ctx, s.q(`INSERT INTO bookings (id, code, resource_id, resource_name, starts_at, ends_at, slots, presentante,
				fruitore_cf, fruitore, motivazione, telefono, nota, extra, status, created_at, hold_id, idempotency_key, presentante_nome)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`),
				id, code, b.ResourceID, b.ResourceName, start, end, slots, b.Presentante, b.Fruitore.CodiceFiscale, string(fruitore),
				b.Motivazione, b.Telefono, b.Nota, string(extra), booking.Confirmed, now, b.HoldID, nullString(b.IdempotencyKey), b.PresentanteNome).Scan(&got)
			if err == nil {
				b.ID, b.Code, b.Start, b.End, b.Slots, b.Status, b.CreatedAt = id, code, time.UnixMilli(start), time.UnixMilli(end), slots, booking.Confirmed, time.UnixMilli(now)
				break
			}
			if err != sql.ErrNoRows {
				return wrap(err)
			}
			// A unique key is taken: the same request committed meanwhile, or
			// (very rarely) the random code exists already.
			if done, err := s.existing(ctx, tx, b); done || err != nil {
				return err
			}
			if attempt == 5 {
				return booking.Internal(errCodeSpace)
			}
		}
		created = true
		// Who books the resource leaves its waitlist (for that fruitore).
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM waitlist WHERE resource_id = ? AND subject = ?
			AND fruitore_cf = (SELECT fruitore_cf FROM holds WHERE id = ?)`), b.ResourceID, b.Presentante, b.HoldID); err != nil {
			return wrap(err)
		}
		return s.enqueue(ctx, tx, booking.OutboxEvent{Kind: booking.EventConfirmed, BookingID: id})
	})
	if created && err == nil {
		s.enqueued()
	}
	return created, err
}

// checkPerPerson refuses b when its fruitore has max future bookings of the
// resource already. On PostgreSQL the confirm first takes a transaction-level
// advisory lock on (resource, codice fiscale), so racing confirms for one
// person count one after the other (each count is a new statement, which
// sees the bookings committed while it waited) and nothing about the person
// is stored for it; SQLite has one writer.
func (s *Store) checkPerPerson(ctx context.Context, tx *sql.Tx, b *booking.Booking, max int, now int64) error {
	cf := b.Fruitore.CodiceFiscale
	if s.dialect == Postgres {
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", "persona/"+strconv.FormatInt(b.ResourceID, 10)+"/"+cf); err != nil {
			return wrap(err)
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM bookings WHERE fruitore_cf = ? AND resource_id = ? AND status = ? AND ends_at > ?"),
		cf, b.ResourceID, booking.Confirmed, now).Scan(&n); err != nil {
		return wrap(err)
	}
	if n >= max {
		return booking.PerPersonLimit(b.ResourceName, cf, max)
	}
	return nil
}

var errCodeSpace = errors.New("no free booking code after 6 attempts")

// Replay returns the booking already made from holdID or with key.
func (s *Store) Replay(ctx context.Context, presentante, holdID, key string) (booking.Booking, bool, error) {
	b := booking.Booking{Presentante: presentante, HoldID: holdID, IdempotencyKey: key}
	found, err := s.existing(ctx, s.r, &b)
	if !found {
		return booking.Booking{}, false, err
	}
	return b, true, err
}

// existing looks for the booking already made from b's hold or with b's
// idempotency key, and loads it into b.
func (s *Store) existing(ctx context.Context, q querier, b *booking.Booking) (bool, error) {
	found, err := scanBooking(q.QueryRowContext(ctx, s.q("SELECT "+bookingColumns+` FROM bookings
		WHERE presentante = ? AND (hold_id = ? OR idempotency_key = ?) ORDER BY created_at LIMIT 1`), b.Presentante, b.HoldID, nullString(b.IdempotencyKey)))
	if err == sql.ErrNoRows {
		return false, nil
	}
	if err != nil {
		return false, wrap(err)
	}
	if b.IdempotencyKey != "" && found.IdempotencyKey == b.IdempotencyKey && found.HoldID != b.HoldID {
		return false, &booking.Error{Code: booking.EConflict, Message: "La chiave di idempotenza è già stata usata per un'altra prenotazione.",
			Fields: []booking.FieldError{{Field: "Idempotency-Key", Message: "Questa chiave è già stata usata per un'altra prenotazione: ne usi una nuova per ogni prenotazione."}}}
	}
	*b = found
	return true, nil
}

// Booking returns a booking by ID.
func (s *Store) Booking(ctx context.Context, id string) (booking.Booking, error) {
	b, err := scanBooking(s.r.QueryRowContext(ctx, s.q("SELECT "+bookingColumns+" FROM bookings WHERE id = ?"), id))
	if err == sql.ErrNoRows {
		return b, booking.Errorf(booking.ENotFound, "La prenotazione richiesta non esiste.")
	}
	return b, wrap(err)
}

// BookingByCode returns a booking by code.
func (s *Store) BookingByCode(ctx context.Context, code string) (booking.Booking, error) {
	b, err := scanBooking(s.r.QueryRowContext(ctx, s.q("SELECT "+bookingColumns+" FROM bookings WHERE code = ?"), code))
	if err == sql.ErrNoRows {
		return b, booking.Errorf(booking.ENotFound, "La prenotazione richiesta non esiste.")
	}
	return b, wrap(err)
}

// Bookings returns subject's confirmed bookings and those the Comune
// cancelled (with a reason): the upcoming ones first, soonest on top, then
// the past ones, latest on top. Anonymised ones are no one's (their
// subjects are empty anyway).
func (s *Store) Bookings(ctx context.Context, subject string, limit, offset int) ([]booking.Booking, int, error) {
	now, err := s.now(ctx, s.r)
	if err != nil {
		return nil, 0, wrap(err)
	}
	rows, err := s.r.QueryContext(ctx, s.q("SELECT "+bookingColumns+`, COUNT(*) OVER () FROM bookings
		WHERE (presentante = ? OR fruitore_cf = ?) AND (status = ? OR cancel_reason <> '') AND anonymised_at IS NULL
		ORDER BY CASE WHEN starts_at > ? THEN 0 ELSE 1 END, CASE WHEN starts_at > ? THEN starts_at ELSE -starts_at END, id
		LIMIT ? OFFSET ?`), subject, subject, booking.Confirmed, now, now, limit, offset)
	if err != nil {
		return nil, 0, wrap(err)
	}
	defer rows.Close()
	var out []booking.Booking
	total := 0
	for rows.Next() {
		b, err := scanBooking(scanFunc(func(dest ...any) error { return rows.Scan(append(dest, &total)...) }))
		if err != nil {
			return nil, 0, wrap(err)
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, wrap(err)
	}
	if len(out) == 0 && offset > 0 {
		// Past the last page: the window function had no row to count on.
		err := s.r.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM bookings WHERE (presentante = ? OR fruitore_cf = ?) AND status = ? AND anonymised_at IS NULL"),
			subject, subject, booking.Confirmed).Scan(&total)
		return nil, total, wrap(err)
	}
	return out, total, nil
}

type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

// Cancel cancels a booking that has not started and frees its seats.
func (s *Store) Cancel(ctx context.Context, id, reason string) (booking.Booking, error) {
	var b booking.Booking
	err := s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		now, err := s.now(ctx, tx)
		if err != nil {
			return wrap(err)
		}
		// Only the Comune gives a reason (the citizen's cancellation has none).
		by := booking.ByCitizen
		if reason != "" {
			by = booking.ByComune
		}
		res, err := tx.ExecContext(ctx, s.q(`UPDATE bookings SET status = ?, cancelled_at = ?, cancel_reason = ?, cancelled_by = ?
			WHERE id = ? AND status = ? AND starts_at > ?`), booking.Cancelled, now, reason, by, id, booking.Confirmed, now)
		if err != nil {
			return wrap(err)
		}
		b, err = scanBooking(tx.QueryRowContext(ctx, s.q("SELECT "+bookingColumns+" FROM bookings WHERE id = ?"), id))
		if err == sql.ErrNoRows {
			return booking.Errorf(booking.ENotFound, "La prenotazione richiesta non esiste.")
		}
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			if b.Status == booking.Cancelled {
				return booking.Errorf(booking.EConflict, "La prenotazione è già stata annullata.")
			}
			return booking.Errorf(booking.EConflict, "L'appuntamento è già iniziato o passato: non si può più disdire.")
		}
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM claims WHERE booking_id = ?"), id); err != nil {
			return wrap(err)
		}
		return s.enqueue(ctx, tx, booking.OutboxEvent{Kind: booking.EventCancelled, BookingID: id})
	})
	if err == nil {
		s.enqueued()
	}
	return b, err
}

// Realign moves a confirmed booking's seats onto the given slot starts, after
// its resource's slot grid changed (the back office keeps bookings that still
// fit a new schedule): without it, a new slot overlapping the booking but not
// starting where one of its old slots started would show a free seat. It picks
// a free seat of each start; EConflict when one has none. Nothing happens for
// a booking that is not confirmed.
func (s *Store) Realign(ctx context.Context, bookingID string, resourceID int64, starts []time.Time, capacity int) error {
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		now, err := s.now(ctx, tx)
		if err != nil {
			return wrap(err)
		}
		var holdID string
		err = tx.QueryRowContext(ctx, s.q("SELECT hold_id FROM bookings WHERE id = ? AND status = ?"), bookingID, booking.Confirmed).Scan(&holdID)
		if err == sql.ErrNoRows {
			return nil
		}
		if err != nil {
			return wrap(err)
		}
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM claims WHERE booking_id = ?"), bookingID); err != nil {
			return wrap(err)
		}
		for _, start := range starts {
			ok, err := s.claimFreeSeat(ctx, tx, resourceID, start.UnixMilli(), capacity, holdID, now, now)
			if err != nil {
				return err
			}
			if !ok {
				return booking.Errorf(booking.EConflict, "Non c'è un posto libero alle %s per la prenotazione mantenuta.", start.In(booking.Rome).Format("02/01/2006 15:04"))
			}
		}
		// The seats were claimed as a hold expiring now: make them the booking's.
		_, err = tx.ExecContext(ctx, s.q("UPDATE claims SET booking_id = ?, expires_at = NULL WHERE hold_id = ? AND booking_id IS NULL"), bookingID, holdID)
		return wrap(err)
	})
}
