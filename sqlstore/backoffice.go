package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/prenota/prenota/account"
	"github.com/prenota/prenota/booking"
)

// This file keeps what the back office needs beyond booking.Store: the
// agenda of a resource with attendance marks, the resources assigned to each
// operatore, deleting nodes, closures and openings, and integration tokens.

// Attendance marks.
const (
	Presente = "presente" // the citizen came
	Assente  = "assente"  // "non presentato"
)

// Agenda returns the bookings (confirmed and cancelled) of a resource that
// start in [from, to), in order of start.
func (s *Store) Agenda(ctx context.Context, resourceID int64, from, to time.Time) ([]booking.AgendaEntry, error) {
	rows, err := s.r.QueryContext(ctx, s.q("SELECT "+bookingColumns+`, att_state, att_by FROM (
		SELECT b.*, COALESCE(a.state, '') AS att_state, COALESCE(a.marked_by, '') AS att_by
		FROM bookings b LEFT JOIN attendance a ON a.booking_id = b.id
		WHERE b.resource_id = ? AND b.starts_at >= ? AND b.starts_at < ?) x ORDER BY starts_at, created_at`), resourceID, ms(from), ms(to))
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []booking.AgendaEntry
	for rows.Next() {
		var e booking.AgendaEntry
		b, err := scanBooking(scanFunc(func(dest ...any) error { return rows.Scan(append(dest, &e.Attendance, &e.MarkedBy)...) }))
		if err != nil {
			return nil, wrap(err)
		}
		e.Booking = b
		out = append(out, e)
	}
	return out, wrap(rows.Err())
}

// FutureBookings returns the confirmed bookings of a resource that start
// after after, in order of start.
func (s *Store) FutureBookings(ctx context.Context, resourceID int64, after time.Time) ([]booking.Booking, error) {
	rows, err := s.r.QueryContext(ctx, s.q("SELECT "+bookingColumns+` FROM bookings
		WHERE resource_id = ? AND status = ? AND starts_at > ? ORDER BY starts_at, created_at`), resourceID, booking.Confirmed, ms(after))
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

// SetAttendance marks a booking Presente or Assente (replacing an earlier
// mark).
func (s *Store) SetAttendance(ctx context.Context, bookingID, state, by string, at time.Time) error {
	if state != Presente && state != Assente {
		return booking.Invalid(booking.FieldError{Field: "stato", Message: "Lo stato deve essere «presente» o «assente»."})
	}
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO attendance (booking_id, state, marked_by, marked_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (booking_id) DO UPDATE SET state = excluded.state, marked_by = excluded.marked_by, marked_at = excluded.marked_at`),
		bookingID, state, by, ms(at))
	return wrap(err)
}

// Assignments returns, for each operatore's login, the resources (or
// groups) assigned to them.
func (s *Store) Assignments(ctx context.Context) (map[string][]int64, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT login, resource_id FROM operator_resources ORDER BY login, resource_id")
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	out := map[string][]int64{}
	for rows.Next() {
		var login string
		var id int64
		if err := rows.Scan(&login, &id); err != nil {
			return nil, wrap(err)
		}
		out[login] = append(out[login], id)
	}
	return out, wrap(rows.Err())
}

// AssignedResources returns the resources (or groups) assigned to login.
func (s *Store) AssignedResources(ctx context.Context, login string) ([]int64, error) {
	rows, err := s.r.QueryContext(ctx, s.q("SELECT resource_id FROM operator_resources WHERE login = ? ORDER BY resource_id"), strings.ToLower(login))
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, wrap(err)
		}
		out = append(out, id)
	}
	return out, wrap(rows.Err())
}

// SetAssignments replaces the resources assigned to login.
func (s *Store) SetAssignments(ctx context.Context, login string, ids []int64) error {
	login = strings.ToLower(login)
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q("DELETE FROM operator_resources WHERE login = ?"), login); err != nil {
			return wrap(err)
		}
		for _, id := range ids {
			if _, err := tx.ExecContext(ctx, s.q("INSERT INTO operator_resources (login, resource_id) VALUES (?, ?) ON CONFLICT DO NOTHING"), login, id); err != nil {
				return wrap(err)
			}
		}
		return nil
	})
}

// Staff returns the accounts with role admin or operatore, by login.
func (s *Store) Staff(ctx context.Context) ([]account.User, error) {
	rows, err := s.r.QueryContext(ctx, s.q("SELECT "+userColumns+" FROM users WHERE role IN (?, ?) ORDER BY login"), string(account.RoleAdmin), string(account.RoleOperatore))
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []account.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, wrap(err)
		}
		out = append(out, u)
	}
	return out, wrap(rows.Err())
}

// StaffByCF returns the enabled admin or operatore account with codice
// fiscale cf (a staff member who logged in with SPID or CIE), or ENotFound.
func (s *Store) StaffByCF(ctx context.Context, cf string) (account.User, error) {
	if cf == "" {
		return account.User{}, booking.Errorf(booking.ENotFound, "Utente non trovato.")
	}
	u, err := scanUser(s.r.QueryRowContext(ctx, s.q("SELECT "+userColumns+` FROM users
		WHERE codice_fiscale = ? AND role IN (?, ?) AND disabled = 0 ORDER BY login LIMIT 1`), strings.ToUpper(cf), string(account.RoleAdmin), string(account.RoleOperatore)))
	if errors.Is(err, sql.ErrNoRows) {
		return account.User{}, booking.Errorf(booking.ENotFound, "Utente non trovato.")
	}
	return u, wrap(err)
}

// DeleteResource deletes a node that has no children and has never been
// booked, with its closures, openings and stale holds. EConflict otherwise:
// a node with bookings can be hidden instead.
func (s *Store) DeleteResource(ctx context.Context, id int64) error {
	return s.configTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var n int
		if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM resources WHERE parent_id = ?"), id).Scan(&n); err != nil {
			return wrap(err)
		}
		if n > 0 {
			return booking.Errorf(booking.EConflict, "La risorsa contiene altre risorse: le sposti o le elimini prima.")
		}
		if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM bookings WHERE resource_id = ?"), id).Scan(&n); err != nil {
			return wrap(err)
		}
		if n > 0 {
			return booking.Errorf(booking.EConflict, "La risorsa ha delle prenotazioni: non si può eliminare, ma si può nascondere.")
		}
		for _, q := range []string{"DELETE FROM claims WHERE resource_id = ?", "DELETE FROM holds WHERE resource_id = ?",
			"DELETE FROM closures WHERE resource_id = ?", "DELETE FROM openings WHERE resource_id = ?", "DELETE FROM operator_resources WHERE resource_id = ?"} {
			if _, err := tx.ExecContext(ctx, s.q(q), id); err != nil {
				return wrap(err)
			}
		}
		res, err := tx.ExecContext(ctx, s.q("DELETE FROM resources WHERE id = ?"), id)
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return booking.Errorf(booking.ENotFound, "La risorsa richiesta non esiste.")
		}
		return nil
	})
}

// Closure returns a closure (ResourceID 0 for the whole Comune's), or
// ENotFound.
func (s *Store) Closure(ctx context.Context, id int64) (booking.Closure, error) {
	c := booking.Closure{ID: id}
	var f, t string
	err := s.r.QueryRowContext(ctx, s.q("SELECT COALESCE(resource_id, 0), from_date, to_date, reason FROM closures WHERE id = ?"), id).Scan(&c.ResourceID, &f, &t, &c.Reason)
	if errors.Is(err, sql.ErrNoRows) {
		return c, booking.Errorf(booking.ENotFound, "La chiusura richiesta non esiste.")
	}
	if err != nil {
		return c, wrap(err)
	}
	if c.From, err = booking.ParseDate(f); err != nil {
		return c, wrap(err)
	}
	c.To, err = booking.ParseDate(t)
	return c, wrap(err)
}

// Opening returns a one-off opening, or ENotFound.
func (s *Store) Opening(ctx context.Context, id int64) (booking.Opening, error) {
	o := booking.Opening{ID: id}
	var d string
	err := s.r.QueryRowContext(ctx, s.q("SELECT resource_id, on_date, start_min, end_min, reason FROM openings WHERE id = ?"), id).Scan(&o.ResourceID, &d, &o.Start, &o.End, &o.Reason)
	if errors.Is(err, sql.ErrNoRows) {
		return o, booking.Errorf(booking.ENotFound, "L'apertura straordinaria richiesta non esiste.")
	}
	if err != nil {
		return o, wrap(err)
	}
	o.Date, err = booking.ParseDate(d)
	return o, wrap(err)
}

// DeleteClosure deletes a closure; ENotFound when there is none.
func (s *Store) DeleteClosure(ctx context.Context, id int64) error {
	return s.deleteOne(ctx, "DELETE FROM closures WHERE id = ?", id)
}

// DeleteOpening deletes a one-off opening; ENotFound when there is none.
func (s *Store) DeleteOpening(ctx context.Context, id int64) error {
	return s.deleteOne(ctx, "DELETE FROM openings WHERE id = ?", id)
}

func (s *Store) deleteOne(ctx context.Context, q string, id any) error {
	return s.configTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.q(q), id)
		if err != nil {
			return wrap(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return booking.Errorf(booking.ENotFound, "L'elemento richiesto non esiste.")
		}
		return nil
	})
}

// CreateToken stores t under the hex SHA-256 of the token.
func (s *Store) CreateToken(ctx context.Context, t account.Token, hash string) error {
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO integration_tokens (id, name, token_hash, scope, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)`),
		t.ID, t.Name, hash, t.Scope, t.CreatedBy, ms(t.CreatedAt))
	return wrap(err)
}

const tokenColumns = "id, name, scope, created_by, created_at, revoked_at, last_used"

func scanToken(sc interface{ Scan(...any) error }) (account.Token, error) {
	var t account.Token
	var created int64
	var revoked, used sql.NullInt64
	err := sc.Scan(&t.ID, &t.Name, &t.Scope, &t.CreatedBy, &created, &revoked, &used)
	t.CreatedAt = fromMS(created)
	if revoked.Valid {
		t.RevokedAt = fromMS(revoked.Int64)
	}
	if used.Valid {
		t.LastUsed = fromMS(used.Int64)
	}
	return t, err
}

// Tokens returns every integration token, newest first.
func (s *Store) Tokens(ctx context.Context) ([]account.Token, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT "+tokenColumns+" FROM integration_tokens ORDER BY created_at DESC, id")
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []account.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, wrap(err)
		}
		out = append(out, t)
	}
	return out, wrap(rows.Err())
}

// RevokeToken revokes a token at at; ENotFound when there is no valid token
// with id.
func (s *Store) RevokeToken(ctx context.Context, id string, at time.Time) error {
	res, err := s.w.ExecContext(ctx, s.q("UPDATE integration_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL"), ms(at), id)
	if err != nil {
		return wrap(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return booking.Errorf(booking.ENotFound, "Il token indicato non esiste o è già revocato.")
	}
	return nil
}

// TokenByHash returns the token whose hex SHA-256 is hash, revoked or not
// (the caller checks RevokedAt), or ENotFound.
func (s *Store) TokenByHash(ctx context.Context, hash string) (account.Token, error) {
	t, err := scanToken(s.r.QueryRowContext(ctx, s.q("SELECT "+tokenColumns+" FROM integration_tokens WHERE token_hash = ?"), hash))
	if errors.Is(err, sql.ErrNoRows) {
		return account.Token{}, booking.Errorf(booking.ENotFound, "Token sconosciuto.")
	}
	return t, wrap(err)
}

// CFOwner returns the login of the account, other than except, whose codice
// fiscale is cf; "" when there is none. A codice fiscale maps a SPID or CIE
// login to one account, so it must not belong to two.
func (s *Store) CFOwner(ctx context.Context, cf, except string) (string, error) {
	if cf == "" {
		return "", nil
	}
	var login string
	err := s.r.QueryRowContext(ctx, s.q("SELECT login FROM users WHERE codice_fiscale = ? AND login <> ? ORDER BY login LIMIT 1"),
		strings.ToUpper(cf), strings.ToLower(except)).Scan(&login)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return login, wrap(err)
}

// UpdateStaff changes the admin or operatore account login with change
// (which edits the name, email, codice fiscale, role or Disabled and may
// refuse with an error, returned as is), in one transaction. It refuses
// with account.ErrLastAdmin a change that leaves no enabled admin, and with
// EConflict (field codice_fiscale) a codice fiscale of another account;
// ENotFound when login is not a staff account. It returns the account
// before and after the change.
func (s *Store) UpdateStaff(ctx context.Context, login string, now time.Time, change func(u *account.User) error) (before, after account.User, err error) {
	login = strings.ToLower(strings.TrimSpace(login))
	err = s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		// Lock the enabled admins first: of two concurrent changes that each
		// leave one admin (two admins disabling each other), the second waits
		// for the first and then counts what it left. SQLite has one writer.
		if _, err := tx.ExecContext(ctx, s.q("UPDATE users SET updated_at = updated_at WHERE role = ? AND disabled = 0"), string(account.RoleAdmin)); err != nil {
			return wrap(err)
		}
		var err error
		before, err = scanUser(tx.QueryRowContext(ctx, s.q("SELECT "+userColumns+" FROM users WHERE login = ? AND role IN (?, ?)"),
			login, string(account.RoleAdmin), string(account.RoleOperatore)))
		if errors.Is(err, sql.ErrNoRows) {
			return booking.Errorf(booking.ENotFound, "L'account indicato non esiste o non è del personale.")
		}
		if err != nil {
			return wrap(err)
		}
		after = before
		if err := change(&after); err != nil {
			return err
		}
		after.CodiceFiscale = strings.ToUpper(after.CodiceFiscale)
		if after.CodiceFiscale != "" && after.CodiceFiscale != before.CodiceFiscale {
			var other string
			err := tx.QueryRowContext(ctx, s.q("SELECT login FROM users WHERE codice_fiscale = ? AND id <> ? ORDER BY login LIMIT 1"), after.CodiceFiscale, before.ID).Scan(&other)
			if err == nil {
				return &booking.Error{Code: booking.EConflict, Message: "Il codice fiscale è già di un altro account.",
					Fields: []booking.FieldError{{Field: "codice_fiscale", Message: "Codice fiscale: appartiene già all'account «" + other + "»."}}}
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return wrap(err)
			}
		}
		wasAdmin := before.Role == account.RoleAdmin && !before.Disabled
		if wasAdmin && (after.Role != account.RoleAdmin || after.Disabled) {
			var n int
			if err := tx.QueryRowContext(ctx, s.q("SELECT COUNT(*) FROM users WHERE role = ? AND disabled = 0 AND id <> ?"), string(account.RoleAdmin), before.ID).Scan(&n); err != nil {
				return wrap(err)
			}
			if n == 0 {
				return account.ErrLastAdmin
			}
		}
		disabled := 0
		if after.Disabled {
			disabled = 1
		}
		after.UpdatedAt = now
		_, err = tx.ExecContext(ctx, s.q("UPDATE users SET name = ?, email = ?, codice_fiscale = ?, role = ?, disabled = ?, updated_at = ? WHERE id = ?"),
			after.Name, after.Email, after.CodiceFiscale, string(after.Role), disabled, ms(now), before.ID)
		return wrap(err)
	})
	return before, after, err
}

// TouchToken records that token id was used at now, unless its last use
// recorded is after now-every: a token used many times a second costs one
// write a minute, not one a request.
func (s *Store) TouchToken(ctx context.Context, id string, now time.Time, every time.Duration) error {
	_, err := s.w.ExecContext(ctx, s.q("UPDATE integration_tokens SET last_used = ? WHERE id = ? AND (last_used IS NULL OR last_used <= ?)"),
		ms(now), id, ms(now.Add(-every)))
	return wrap(err)
}
