package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/prenota/prenota/booking"
)

// Occupancy returns the live claims of a resource's slots in [from, to);
// Mine counts the viewer's holds and the bookings they made from them.
func (s *Store) Occupancy(ctx context.Context, resourceID int64, from, to time.Time, viewer string) (map[int64]booking.Occupancy, error) {
	now, err := s.now(ctx, s.r)
	if err != nil {
		return nil, wrap(err)
	}
	st, err := s.prepared(ctx, s.r, `
		SELECT c.starts_at, COUNT(*),
		       SUM(CASE WHEN h.owner = ? THEN 1 ELSE 0 END)
		FROM claims c LEFT JOIN holds h ON h.id = c.hold_id
		WHERE c.resource_id = ? AND c.starts_at >= ? AND c.starts_at < ?
		  AND (c.booking_id IS NOT NULL OR c.expires_at > ?)
		GROUP BY c.starts_at`)
	if err != nil {
		return nil, wrap(err)
	}
	rows, err := st.QueryContext(ctx, viewer, resourceID, from.UnixMilli(), to.UnixMilli(), now)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	occ := map[int64]booking.Occupancy{}
	for rows.Next() {
		var start int64
		var taken, mine int
		if err := rows.Scan(&start, &taken, &mine); err != nil {
			return nil, wrap(err)
		}
		occ[start] = booking.Occupancy{Taken: taken, Mine: mine > 0}
	}
	return occ, wrap(rows.Err())
}

// CreateHold claims one seat of each slot of h, in ascending order, all or
// nothing (see docs/design.md for why this cannot double-book), after
// releasing the owner's previous unconfirmed holds for the same fruitore.
func (s *Store) CreateHold(ctx context.Context, h *booking.Hold, g booking.Guard, d time.Duration) error {
	slots := make([][2]int64, len(h.Slots))
	for i, sl := range h.Slots {
		slots[i] = [2]int64{sl.Start.UnixMilli(), sl.End.UnixMilli()}
	}
	slotsJSON, _ := json.Marshal(slots)
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		now, err := s.holdNow(ctx, tx)
		if err != nil {
			return wrap(err)
		}
		if err := s.checkVersion(ctx, tx, g.Version); err != nil {
			return err
		}
		if err := s.releaseOwn(ctx, tx, h.Owner, h.For, now); err != nil {
			return err
		}
		id := booking.NewID()
		expires := now + d.Milliseconds()
		ins, err := s.txStmt(ctx, tx, insertHold)
		if err != nil {
			return wrap(err)
		}
		if _, err := ins.ExecContext(ctx, id, h.ResourceID, h.Owner, h.For, slots[0][0], slots[len(slots)-1][1], string(slotsJSON), now, expires); err != nil {
			return wrap(err)
		}
		for i, sl := range slots {
			// A seat that is free while citizens wait for it goes to them
			// first: a freed seat is never taken past the line.
			if g.Offer.Period > 0 {
				if _, err := s.offerSlot(ctx, tx, h.ResourceID, h.Slots[i], g.Offer, now, h.Owner, h.For); err != nil {
					return err
				}
			}
			ok, err := s.claimFreeSeat(ctx, tx, h.ResourceID, sl[0], g.Capacity, id, now, expires)
			if err != nil {
				return err
			}
			if !ok {
				return booking.Errorf(booking.EConflict, "Lo slot scelto non è più disponibile: un altro utente lo ha appena prenotato. Ne scelga un altro.")
			}
		}
		h.ID, h.ExpiresAt = id, time.UnixMilli(expires)
		return nil
	})
}

const (
	insertHold = `INSERT INTO holds (id, resource_id, owner, fruitore_cf, starts_at, ends_at, slots, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	releaseOwnClaims = `DELETE FROM claims WHERE booking_id IS NULL
		AND hold_id IN (SELECT id FROM holds WHERE owner = ? AND fruitore_cf = ?)`
	releaseOwnHolds = `UPDATE holds SET expires_at = ? WHERE owner = ? AND fruitore_cf = ? AND expires_at > ?
		AND NOT EXISTS (SELECT 1 FROM bookings WHERE bookings.hold_id = holds.id)`
	seatsTaken = `SELECT seat FROM claims WHERE resource_id = ? AND starts_at = ?
		AND (booking_id IS NOT NULL OR expires_at > ?)`
	// claimSeat takes a seat over only from an expired hold.
	claimSeat = `INSERT INTO claims (resource_id, starts_at, seat, hold_id, booking_id, expires_at)
		VALUES (?, ?, ?, ?, NULL, ?)
		ON CONFLICT (resource_id, starts_at, seat) DO UPDATE
		SET hold_id = excluded.hold_id, booking_id = NULL, expires_at = excluded.expires_at
		WHERE claims.booking_id IS NULL AND claims.expires_at <= ?
		RETURNING seat`
)

// releaseOwn frees the seats of owner's unconfirmed holds for fruitore (one
// booking in progress at a time per identity, and per fruitore in conto
// terzi) and ends them now: confirming one then answers 410, and the
// retention job deletes them with the other expired holds.
func (s *Store) releaseOwn(ctx context.Context, tx *sql.Tx, owner, fruitore string, now int64) error {
	if s.dialect == Postgres {
		// Racing holds of one identity take turns (SQLite has one writer), so
		// each releases the one committed before it.
		if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", owner+"/"+fruitore); err != nil {
			return wrap(err)
		}
	}
	claims, err := s.txStmt(ctx, tx, releaseOwnClaims)
	if err != nil {
		return wrap(err)
	}
	if _, err := claims.ExecContext(ctx, owner, fruitore); err != nil {
		return wrap(err)
	}
	holds, err := s.txStmt(ctx, tx, releaseOwnHolds)
	if err != nil {
		return wrap(err)
	}
	_, err = holds.ExecContext(ctx, now, owner, fruitore, now)
	return wrap(err)
}

// holdNow reads the database clock for a hold. On PostgreSQL it also lets
// this transaction commit without waiting for its WAL flush: a hold lives
// minutes, and a crash that loses the last holds of a fraction of a second
// only frees those seats (their holders then get 410 on confirming).
// Visibility and locking, hence the seat invariant, are unchanged; bookings
// keep synchronous commits.
func (s *Store) holdNow(ctx context.Context, tx *sql.Tx) (int64, error) {
	if s.dialect != Postgres || s.clock != nil {
		return s.now(ctx, tx)
	}
	var ms int64
	var setting string
	err := tx.QueryRowContext(ctx, "SELECT (EXTRACT(EPOCH FROM now()) * 1000)::bigint, set_config('synchronous_commit', 'off', true)").Scan(&ms, &setting)
	return ms, err
}

// claimFreeSeat claims a free seat of one slot. The seats already taken are read
// first only to skip them; the claim itself is the atomic upsert, which takes
// a seat over only from an expired hold.
func (s *Store) claimFreeSeat(ctx context.Context, tx *sql.Tx, resourceID, start int64, capacity int, holdID string, now, expires int64) (bool, error) {
	taken, err := s.txStmt(ctx, tx, seatsTaken)
	if err != nil {
		return false, wrap(err)
	}
	claim, err := s.txStmt(ctx, tx, claimSeat)
	if err != nil {
		return false, wrap(err)
	}
	rows, err := taken.QueryContext(ctx, resourceID, start, now)
	if err != nil {
		return false, wrap(err)
	}
	used := map[int]bool{}
	for rows.Next() {
		var seat int
		if err := rows.Scan(&seat); err != nil {
			rows.Close()
			return false, wrap(err)
		}
		used[seat] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, wrap(err)
	}
	for seat := 0; seat < capacity; seat++ {
		if used[seat] {
			continue
		}
		var got int
		err := claim.QueryRowContext(ctx, resourceID, start, seat, holdID, expires, now).Scan(&got)
		switch {
		case err == sql.ErrNoRows:
			continue // taken meanwhile by another transaction
		case err != nil:
			return false, wrap(err)
		}
		return true, nil
	}
	return false, nil
}

// Hold returns a hold by ID.
func (s *Store) Hold(ctx context.Context, id string) (booking.Hold, error) {
	var h booking.Hold
	var start, end, expires int64
	var slotsJSON string
	var extended sql.NullInt64
	err := s.r.QueryRowContext(ctx, s.q("SELECT id, resource_id, owner, fruitore_cf, starts_at, ends_at, slots, expires_at, extended_at FROM holds WHERE id = ?"), id).
		Scan(&h.ID, &h.ResourceID, &h.Owner, &h.For, &start, &end, &slotsJSON, &expires, &extended)
	h.Extended = extended.Valid
	if err == sql.ErrNoRows {
		return h, booking.Errorf(booking.ENotFound, "La prenotazione temporanea indicata non esiste.")
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
	h.Start, h.End, h.ExpiresAt = time.UnixMilli(start), time.UnixMilli(end), time.UnixMilli(expires)
	return h, nil
}

// ReleaseHold frees the seats of owner's unconfirmed hold.
func (s *Store) ReleaseHold(ctx context.Context, id, owner string) error {
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM holds WHERE id = ? AND owner = ?"), id, owner).Scan(&n); err != nil {
			return wrap(err)
		}
		if n == 0 {
			return booking.Errorf(booking.ENotFound, "La prenotazione temporanea indicata non esiste.")
		}
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM claims WHERE hold_id = ? AND booking_id IS NULL"), id); err != nil {
			return wrap(err)
		}
		// The hold row stays while a booking refers to it; an unconfirmed one goes.
		_, err := tx.ExecContext(ctx, s.q("DELETE FROM holds WHERE id = ? AND NOT EXISTS (SELECT 1 FROM bookings WHERE hold_id = ?)"), id, id)
		return wrap(err)
	})
}

// ExtendHold pushes back the expiry of owner's live, unconfirmed hold and
// of its seats by d, once. The seats stay the same rows of claims: the
// hold's claims are live, so no one else can have taken them over, and the
// statement moves only claims still live and still the hold's.
func (s *Store) ExtendHold(ctx context.Context, id, owner string, d time.Duration) (time.Time, error) {
	var expires int64
	err := s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		now, err := s.now(ctx, tx)
		if err != nil {
			return wrap(err)
		}
		var slotsJSON string
		err = tx.QueryRowContext(ctx, s.q(`UPDATE holds SET expires_at = expires_at + ?, extended_at = ?
			WHERE id = ? AND owner = ? AND extended_at IS NULL AND expires_at > ?
			  AND NOT EXISTS (SELECT 1 FROM bookings WHERE bookings.hold_id = holds.id)
			RETURNING expires_at, slots`), d.Milliseconds(), now, id, owner, now).Scan(&expires, &slotsJSON)
		if err == sql.ErrNoRows {
			return s.whyNotExtended(ctx, tx, id, owner)
		}
		if err != nil {
			return wrap(err)
		}
		var slots [][2]int64
		if err := json.Unmarshal([]byte(slotsJSON), &slots); err != nil {
			return wrap(err)
		}
		res, err := tx.ExecContext(ctx, s.q(`UPDATE claims SET expires_at = ?
			WHERE hold_id = ? AND booking_id IS NULL AND expires_at > ?`), expires, id, now)
		if err != nil {
			return wrap(err)
		}
		if n, err := res.RowsAffected(); err != nil || n != int64(len(slots)) {
			return booking.Errorf(booking.EGone, "Il tempo per completare la prenotazione è scaduto: non si può più prolungare.")
		}
		return nil
	})
	return time.UnixMilli(expires), err
}

// whyNotExtended says why ExtendHold changed no hold.
func (s *Store) whyNotExtended(ctx context.Context, tx *sql.Tx, id, owner string) error {
	var extended sql.NullInt64
	var booked int
	err := tx.QueryRowContext(ctx, s.q(`SELECT extended_at, (SELECT COUNT(*) FROM bookings WHERE hold_id = holds.id)
		FROM holds WHERE id = ? AND owner = ?`), id, owner).Scan(&extended, &booked)
	switch {
	case err == sql.ErrNoRows:
		return booking.Errorf(booking.ENotFound, "La prenotazione temporanea indicata non esiste.")
	case err != nil:
		return wrap(err)
	case booked > 0:
		return booking.Errorf(booking.EGone, "La prenotazione è già stata inviata: non c'è più nulla da prolungare.")
	case extended.Valid:
		return booking.Errorf(booking.EConflict, "Il tempo per completare la prenotazione si può prolungare una volta sola, ed è già stato prolungato.")
	}
	return booking.Errorf(booking.EGone, "Il tempo per completare la prenotazione è scaduto: non si può più prolungare.")
}
