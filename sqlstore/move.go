package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/prenota/prenota/booking"
)

// MoveBookings implements booking.Store: in one transaction it frees the
// seats of every booking moved, then claims the new ones in ascending
// (start, seat) order as the global order of claims requires (see
// docs/design.md), each with the claim statement under the capacity; a
// seat taken by another booking or a live hold fails the whole move.
func (s *Store) MoveBookings(ctx context.Context, moves []booking.Move, g booking.Guard) ([]booking.Booking, error) {
	var out []booking.Booking
	err := s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		out = out[:0]
		now, err := s.now(ctx, tx)
		if err != nil {
			return wrap(err)
		}
		if err := s.checkVersion(ctx, tx, g.Version); err != nil {
			return err
		}
		type claim struct {
			resource, start int64
			hold            string
		}
		var claims []claim
		holds := map[string]string{} // booking id → hold id
		for _, m := range moves {
			var holdID string
			var start int64
			var status booking.Status
			err := tx.QueryRowContext(ctx, s.q("SELECT hold_id, starts_at, status FROM bookings WHERE id = ?"), m.BookingID).Scan(&holdID, &start, &status)
			if err == sql.ErrNoRows {
				return booking.Errorf(booking.ENotFound, "La prenotazione da spostare non esiste.")
			}
			if err != nil {
				return wrap(err)
			}
			if status != booking.Confirmed || start <= now {
				return booking.Errorf(booking.EConflict, "Una prenotazione da spostare è annullata o il suo appuntamento è già iniziato.")
			}
			if _, err := tx.ExecContext(ctx, s.q("DELETE FROM claims WHERE booking_id = ?"), m.BookingID); err != nil {
				return wrap(err)
			}
			holds[m.BookingID] = holdID
			for _, sl := range m.Slots {
				claims = append(claims, claim{m.ResourceID, sl.Start.UnixMilli(), holdID})
			}
		}
		slices.SortFunc(claims, func(a, b claim) int {
			return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(a.resource, b.resource))
		})
		for _, c := range claims {
			ok, err := s.claimFreeSeat(ctx, tx, c.resource, c.start, g.Capacity, c.hold, now, now)
			if err != nil {
				return err
			}
			if !ok {
				return booking.Errorf(booking.EConflict, "Alle %s non c'è più un posto libero: nulla è stato spostato.",
					time.UnixMilli(c.start).In(booking.Rome).Format("02/01/2006 15:04"))
			}
		}
		for _, m := range moves {
			// The seats were claimed as a hold expiring now: make them the booking's.
			if _, err := tx.ExecContext(ctx, s.q("UPDATE claims SET booking_id = ?, expires_at = NULL WHERE hold_id = ? AND booking_id IS NULL"),
				m.BookingID, holds[m.BookingID]); err != nil {
				return wrap(err)
			}
			first, last := m.Slots[0], m.Slots[len(m.Slots)-1]
			if _, err := tx.ExecContext(ctx, s.q(`UPDATE bookings SET moved_from = starts_at, starts_at = ?, ends_at = ?, slots = ?,
				resource_id = ?, resource_name = ?, sequence = sequence + 1 WHERE id = ?`),
				first.Start.UnixMilli(), last.End.UnixMilli(), len(m.Slots), m.ResourceID, m.ResourceName, m.BookingID); err != nil {
				return wrap(err)
			}
			b, err := scanBooking(tx.QueryRowContext(ctx, s.q("SELECT "+bookingColumns+" FROM bookings WHERE id = ?"), m.BookingID))
			if err != nil {
				return wrap(err)
			}
			out = append(out, b)
			if err := s.enqueue(ctx, tx, booking.OutboxEvent{Kind: booking.EventMoved, BookingID: m.BookingID}); err != nil {
				return err
			}
		}
		return nil
	})
	return out, err
}
