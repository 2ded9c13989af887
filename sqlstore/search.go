package sqlstore

import (
	"context"
	"strings"

	"github.com/prenota/prenota/booking"
)

// SearchBookings returns at most limit bookings of the resources ids, latest
// first, whose fruitore has the codice fiscale cf or, when cf is "", whose
// name ("NOME COGNOME" or "COGNOME NOME") contains name. Bookings whose
// personal data were deleted are not found.
func (s *Store) SearchBookings(ctx context.Context, ids []int64, cf, name string, limit int) ([]booking.Booking, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	where, args := "fruitore_cf = ?", []any{cf}
	if cf == "" {
		nome, cognome := "json_extract(fruitore, '$.nome')", "json_extract(fruitore, '$.cognome')"
		if s.dialect == Postgres {
			nome, cognome = "(fruitore::jsonb ->> 'nome')", "(fruitore::jsonb ->> 'cognome')"
		}
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(name) + "%"
		where = "(" + nome + " || ' ' || " + cognome + ` LIKE ? ESCAPE '\' OR ` + cognome + " || ' ' || " + nome + ` LIKE ? ESCAPE '\')`
		args = []any{like, like}
	}
	in := strings.Repeat(", ?", len(ids))[2:]
	for _, id := range ids {
		args = append(args, id)
	}
	args = append(args, limit)
	rows, err := s.r.QueryContext(ctx, s.q("SELECT "+bookingColumns+" FROM bookings WHERE "+where+
		" AND resource_id IN ("+in+") AND anonymised_at IS NULL ORDER BY starts_at DESC, id LIMIT ?"), args...)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []booking.Booking
	for rows.Next() {
		b, err := scanBooking(rows)
		if err != nil {
			return nil, wrap(err)
		}
		out = append(out, b)
	}
	return out, wrap(rows.Err())
}
