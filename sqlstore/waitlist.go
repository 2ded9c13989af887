package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"maragu.dev/goqite"

	"github.com/prenota/prenota/booking"
)

// JoinWaitlist puts e at the end of its resource's line.
func (s *Store) JoinWaitlist(ctx context.Context, e *booking.WaitEntry) error {
	times, _ := json.Marshal(e.Times)
	if e.Times == nil {
		times = []byte("[]")
	}
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		now, err := s.now(ctx, tx)
		if err != nil {
			return wrap(err)
		}
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM waitlist WHERE resource_id = ? AND subject = ? AND fruitore_cf = ? AND state = ?"),
			e.ResourceID, e.Subject, e.For, booking.Lapsed); err != nil {
			return wrap(err)
		}
		err = tx.QueryRowContext(ctx, s.q(`INSERT INTO waitlist (resource_id, subject, fruitore_cf, email, from_date, to_date, times, created_at, state)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`),
			e.ResourceID, e.Subject, e.For, e.Email, e.From.String(), e.To.String(), string(times), now, booking.Waiting).Scan(&e.ID)
		if err == sql.ErrNoRows {
			return &booking.Error{Code: booking.EConflict, Message: "È già in lista d'attesa per questa risorsa.",
				Fields: []booking.FieldError{{Field: "resource_id", Message: "È già in lista d'attesa per questa risorsa: può vedere o togliere la richiesta in «Le mie prenotazioni»."}}}
		}
		if err != nil {
			return wrap(err)
		}
		e.CreatedAt, e.State = time.UnixMilli(now), booking.Waiting
		return nil
	})
}

// waitColumns reads an entry with its position in line (counting the
// entries before it that are not lapsed) and its offer's hold. An offered
// entry whose hold is no longer live reads as lapsed, before the job marks it.
const waitColumns = `w.id, w.resource_id, w.subject, w.fruitore_cf, w.email, w.from_date, w.to_date, w.times, w.created_at,
	CASE WHEN w.state = 'offered' AND (h.id IS NULL OR h.expires_at <= ?) THEN 'lapsed' ELSE w.state END,
	CASE WHEN w.state = 'lapsed' OR (w.state = 'offered' AND (h.id IS NULL OR h.expires_at <= ?)) THEN 0
	     ELSE (SELECT COUNT(*) FROM waitlist p WHERE p.resource_id = w.resource_id AND p.state <> 'lapsed' AND p.id <= w.id) END,
	w.offers, COALESCE(h.id, ''), COALESCE(h.starts_at, 0), COALESCE(h.ends_at, 0), COALESCE(h.expires_at, 0)
	FROM waitlist w LEFT JOIN holds h ON h.id = w.hold_id AND w.state = 'offered'`

func (s *Store) waitEntries(ctx context.Context, where string, args ...any) ([]booking.WaitEntry, error) {
	now, err := s.now(ctx, s.r)
	if err != nil {
		return nil, wrap(err)
	}
	rows, err := s.r.QueryContext(ctx, s.q("SELECT "+waitColumns+" WHERE "+where), append([]any{now, now}, args...)...)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []booking.WaitEntry
	for rows.Next() {
		var e booking.WaitEntry
		var from, to, times string
		var created, start, end, expires int64
		if err := rows.Scan(&e.ID, &e.ResourceID, &e.Subject, &e.For, &e.Email, &from, &to, &times, &created,
			&e.State, &e.Position, &e.Offers, &e.HoldID, &start, &end, &expires); err != nil {
			return nil, wrap(err)
		}
		e.From, _ = booking.ParseDate(from)
		e.To, _ = booking.ParseDate(to)
		if err := json.Unmarshal([]byte(times), &e.Times); err != nil {
			return nil, wrap(err)
		}
		e.CreatedAt = time.UnixMilli(created)
		if e.State == booking.Offered {
			e.Start, e.End, e.ExpiresAt = time.UnixMilli(start), time.UnixMilli(end), time.UnixMilli(expires)
		} else {
			e.HoldID = ""
		}
		out = append(out, e)
	}
	return out, wrap(rows.Err())
}

// Waitlist returns subject's entries, by resource.
func (s *Store) Waitlist(ctx context.Context, subject string) ([]booking.WaitEntry, error) {
	return s.waitEntries(ctx, "w.subject = ? ORDER BY w.resource_id, w.id", subject)
}

// ResourceWaitlist returns a resource's entries in line order, lapsed last.
func (s *Store) ResourceWaitlist(ctx context.Context, resourceID int64) ([]booking.WaitEntry, error) {
	return s.waitEntries(ctx, "w.resource_id = ? ORDER BY CASE WHEN w.state = 'lapsed' THEN 1 ELSE 0 END, w.id", resourceID)
}

// LeaveWaitlist deletes an entry and passes its outstanding offer on.
func (s *Store) LeaveWaitlist(ctx context.Context, id int64, subject string, terms func(int64) booking.OfferTerms) (booking.WaitEntry, error) {
	var e booking.WaitEntry
	err := s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		now, err := s.now(ctx, tx)
		if err != nil {
			return wrap(err)
		}
		var holdID sql.NullString
		err = tx.QueryRowContext(ctx, s.q("SELECT resource_id, subject, fruitore_cf, state, hold_id FROM waitlist WHERE id = ? AND (subject = ? OR ? = '')"),
			id, subject, subject).Scan(&e.ResourceID, &e.Subject, &e.For, &e.State, &holdID)
		if err == sql.ErrNoRows {
			return booking.Errorf(booking.ENotFound, "La richiesta di lista d'attesa indicata non esiste.")
		}
		if err != nil {
			return wrap(err)
		}
		e.ID = id
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM waitlist WHERE id = ?"), id); err != nil {
			return wrap(err)
		}
		if !holdID.Valid || e.State != booking.Offered {
			return nil
		}
		// Release the offer, unless it became a booking, and pass its seat on.
		h, err := s.holdTx(ctx, tx, holdID.String)
		if err != nil || !h.ExpiresAt.After(time.UnixMilli(now)) {
			return err
		}
		res, err := tx.ExecContext(ctx, s.q("DELETE FROM claims WHERE hold_id = ? AND booking_id IS NULL"), h.ID)
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM holds WHERE id = ?"), h.ID); err != nil {
			return wrap(err)
		}
		for _, sl := range h.Slots {
			if _, err := s.offerSlot(ctx, tx, e.ResourceID, sl, terms(e.ResourceID), now, "", ""); err != nil {
				return err
			}
		}
		return nil
	})
	return e, err
}

// holdTx reads a hold in tx; ENotFound gives a zero hold and no error.
func (s *Store) holdTx(ctx context.Context, tx *sql.Tx, id string) (booking.Hold, error) {
	var h booking.Hold
	var slotsJSON string
	var expires int64
	err := tx.QueryRowContext(ctx, s.q("SELECT id, slots, expires_at FROM holds WHERE id = ?"), id).Scan(&h.ID, &slotsJSON, &expires)
	if err == sql.ErrNoRows {
		return h, nil
	}
	if err != nil {
		return h, wrap(err)
	}
	var slots [][2]int64
	if err := json.Unmarshal([]byte(slotsJSON), &slots); err != nil {
		return h, wrap(err)
	}
	for _, sl := range slots {
		h.Slots = append(h.Slots, booking.Slot{Start: time.UnixMilli(sl[0]), End: time.UnixMilli(sl[1])})
	}
	h.ExpiresAt = time.UnixMilli(expires)
	return h, nil
}

// WaitingDays returns the span of a resource's waiting entries.
func (s *Store) WaitingDays(ctx context.Context, resourceID int64) (booking.Date, booking.Date, bool, error) {
	var from, to sql.NullString
	err := s.r.QueryRowContext(ctx, s.q("SELECT MIN(from_date), MAX(to_date) FROM waitlist WHERE resource_id = ? AND state = ?"),
		resourceID, booking.Waiting).Scan(&from, &to)
	if err != nil || !from.Valid {
		return booking.Date{}, booking.Date{}, false, wrap(err)
	}
	f, err := booking.ParseDate(from.String)
	if err != nil {
		return f, f, false, wrap(err)
	}
	t, err := booking.ParseDate(to.String)
	return f, t, err == nil, wrap(err)
}

// WaitingResources returns the resources whose line is not empty.
func (s *Store) WaitingResources(ctx context.Context) ([]int64, error) {
	rows, err := s.r.QueryContext(ctx, s.q("SELECT DISTINCT resource_id FROM waitlist WHERE state <> ? ORDER BY resource_id"), booking.Lapsed)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, wrap(err)
		}
		ids = append(ids, id)
	}
	return ids, wrap(rows.Err())
}

// OfferSlots ends lapsed offers and offers the free seats of slots.
func (s *Store) OfferSlots(ctx context.Context, resourceID int64, slots []booking.Slot, t booking.OfferTerms) ([]booking.Offer, error) {
	var out []booking.Offer
	err := s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		out = out[:0]
		now, err := s.now(ctx, tx)
		if err != nil {
			return wrap(err)
		}
		if _, err := tx.ExecContext(ctx, s.q(lapseOffers), booking.Lapsed, resourceID, booking.Offered, now); err != nil {
			return wrap(err)
		}
		for _, sl := range slots {
			o, err := s.offerSlot(ctx, tx, resourceID, sl, t, now, "", "")
			if err != nil {
				return err
			}
			out = append(out, o...)
		}
		return nil
	})
	return out, err
}

const (
	// lapseOffers ends the offers whose hold is no longer live (expired, or
	// released by a newer hold of the citizen's); a confirmed one has left
	// the line already.
	lapseOffers = `UPDATE waitlist SET state = ?, hold_id = NULL
		WHERE resource_id = ? AND state = ?
		AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.id = waitlist.hold_id AND h.expires_at > ?)`
	suitors = `SELECT id, subject, fruitore_cf, email, from_date, to_date, times FROM waitlist
		WHERE resource_id = ? AND state = ? AND from_date <= ? AND to_date >= ? ORDER BY id`
	takeEntry = `UPDATE waitlist SET state = ?, hold_id = ?, offers = offers + 1 WHERE id = ? AND state = ?`
	undoEntry = `UPDATE waitlist SET state = ?, hold_id = NULL, offers = offers - 1 WHERE id = ?`
)

// offerSlot offers the free seats of one slot to the waiting entries it
// suits, first in line first (skipping the entry of skipOwner for skipFor,
// who is holding the slot), each as a hold of the entry's subject claimed
// by the same statement as any hold. On PostgreSQL an entry is taken by
// the UPDATE of its row, so two transactions never offer it twice.
func (s *Store) offerSlot(ctx context.Context, tx *sql.Tx, resourceID int64, sl booking.Slot, t booking.OfferTerms, now int64, skipOwner, skipFor string) ([]booking.Offer, error) {
	expiry, ok := t.Expiry(sl.Start, time.UnixMilli(now))
	if !ok {
		return nil, nil
	}
	day := booking.DateOf(sl.Start, booking.Rome).String()
	q, err := s.txStmt(ctx, tx, suitors)
	if err != nil {
		return nil, wrap(err)
	}
	rows, err := q.QueryContext(ctx, resourceID, booking.Waiting, day, day)
	if err != nil {
		return nil, wrap(err)
	}
	var line []booking.WaitEntry
	for rows.Next() {
		var e booking.WaitEntry
		var from, to, times string
		if err := rows.Scan(&e.ID, &e.Subject, &e.For, &e.Email, &from, &to, &times); err != nil {
			rows.Close()
			return nil, wrap(err)
		}
		e.From, _ = booking.ParseDate(from)
		e.To, _ = booking.ParseDate(to)
		_ = json.Unmarshal([]byte(times), &e.Times)
		if e.Suits(sl) && (e.Subject != skipOwner || e.For != skipFor) {
			line = append(line, e)
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, wrap(err)
	}
	var out []booking.Offer
	slotsJSON, _ := json.Marshal([][2]int64{{sl.Start.UnixMilli(), sl.End.UnixMilli()}})
	for _, e := range line {
		holdID := booking.NewID()
		res, err := tx.ExecContext(ctx, s.q(takeEntry), booking.Offered, holdID, e.ID, booking.Waiting)
		if err != nil {
			return nil, wrap(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			continue // offered meanwhile by another transaction
		}
		ins, err := s.txStmt(ctx, tx, insertHold)
		if err != nil {
			return nil, wrap(err)
		}
		if _, err := ins.ExecContext(ctx, holdID, resourceID, e.Subject, e.For, sl.Start.UnixMilli(), sl.End.UnixMilli(), string(slotsJSON), now, expiry.UnixMilli()); err != nil {
			return nil, wrap(err)
		}
		got, err := s.claimFreeSeat(ctx, tx, resourceID, sl.Start.UnixMilli(), t.Capacity, holdID, now, expiry.UnixMilli())
		if err != nil {
			return nil, err
		}
		if !got {
			if _, err := tx.ExecContext(ctx, s.q(undoEntry), booking.Waiting, e.ID); err != nil {
				return nil, wrap(err)
			}
			_, err := tx.ExecContext(ctx, s.q("DELETE FROM holds WHERE id = ?"), holdID)
			return out, wrap(err)
		}
		o := booking.Offer{EntryID: e.ID, HoldID: holdID, ResourceID: resourceID, Email: e.Email, CodiceFiscale: first(e.For, e.Subject),
			Start: sl.Start, End: sl.End, ExpiresAt: expiry}
		body, _ := json.Marshal(booking.OfferMessage{Kind: booking.EventOffer, Offer: o})
		if err := s.outbox.SendTx(ctx, tx, goqite.Message{Body: body}); err != nil {
			return nil, wrap(err)
		}
		out = append(out, o)
	}
	return out, nil
}

func first(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
