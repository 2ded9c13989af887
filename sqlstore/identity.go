package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"maragu.dev/goqite"

	"github.com/prenota/prenota/account"
	"github.com/prenota/prenota/booking"
)

// This file keeps identity and access data: accounts (auth.Store), failed
// login counters, password reset tokens, the audit log, and the one-time
// records of SAML logins (pending AuthnRequests, used assertion IDs).

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// CreateUser adds an account; a taken login is EConflict.
func (s *Store) CreateUser(ctx context.Context, u account.User) error {
	disabled := 0
	if u.Disabled {
		disabled = 1
	}
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO users (id, login, name, email, codice_fiscale, role, password_hash, disabled, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), u.ID, strings.ToLower(u.Login), u.Name, u.Email, u.CodiceFiscale, string(u.Role), u.PasswordHash, disabled, ms(u.CreatedAt), ms(u.UpdatedAt))
	if isUnique(err) {
		return &booking.Error{Code: booking.EConflict, Message: "Esiste già un utente con questo identificativo.",
			Fields: []booking.FieldError{{Field: "login", Message: "Questo identificativo è già usato: ne scelga un altro."}}}
	}
	return wrap(err)
}

const userColumns = `id, login, name, email, codice_fiscale, role, password_hash, disabled, created_at, updated_at`

func scanUser(sc interface{ Scan(...any) error }) (account.User, error) {
	var u account.User
	var role string
	var disabled int
	var created, updated int64
	err := sc.Scan(&u.ID, &u.Login, &u.Name, &u.Email, &u.CodiceFiscale, &role, &u.PasswordHash, &disabled, &created, &updated)
	u.Role, u.Disabled = account.Role(role), disabled != 0
	u.CreatedAt, u.UpdatedAt = fromMS(created), fromMS(updated)
	return u, err
}

// UserByLogin returns the account with login (case-insensitive), or
// ENotFound.
func (s *Store) UserByLogin(ctx context.Context, login string) (account.User, error) {
	u, err := scanUser(s.r.QueryRowContext(ctx, s.q("SELECT "+userColumns+" FROM users WHERE login = ?"), strings.ToLower(strings.TrimSpace(login))))
	if errors.Is(err, sql.ErrNoRows) {
		return account.User{}, booking.Errorf(booking.ENotFound, "Utente non trovato.")
	}
	return u, wrap(err)
}

// UsersByEmail returns the accounts with email (case-insensitive).
func (s *Store) UsersByEmail(ctx context.Context, email string) ([]account.User, error) {
	rows, err := s.r.QueryContext(ctx, s.q("SELECT "+userColumns+" FROM users WHERE lower(email) = ? ORDER BY login"), strings.ToLower(strings.TrimSpace(email)))
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var us []account.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, wrap(err)
		}
		us = append(us, u)
	}
	return us, wrap(rows.Err())
}

// LoginFailures returns the consecutive failed logins recorded under key
// and the time of the last one (zero when none).
func (s *Store) LoginFailures(ctx context.Context, key string) (int, time.Time, error) {
	var n int
	var last int64
	err := s.r.QueryRowContext(ctx, s.q("SELECT failures, last_at FROM login_failures WHERE key = ?"), key).Scan(&n, &last)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, time.Time{}, nil
	}
	if err != nil {
		return 0, time.Time{}, wrap(err)
	}
	return n, fromMS(last), nil
}

// AddLoginFailure records a failed login under key at now and returns the
// count, which starts again from 1 when the previous failure is older than
// resetAfter. One atomic statement, so concurrent failures all count.
func (s *Store) AddLoginFailure(ctx context.Context, key string, now time.Time, resetAfter time.Duration) (int, error) {
	var n int
	err := s.w.QueryRowContext(ctx, s.q(`INSERT INTO login_failures (key, failures, last_at) VALUES (?, 1, ?)
		ON CONFLICT (key) DO UPDATE SET
		  failures = CASE WHEN login_failures.last_at <= ? THEN 1 ELSE login_failures.failures + 1 END,
		  last_at = excluded.last_at
		RETURNING failures`), key, ms(now), ms(now.Add(-resetAfter))).Scan(&n)
	return n, wrap(err)
}

// ClearLoginFailures forgets the failures under key (after a success).
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	_, err := s.w.ExecContext(ctx, s.q("DELETE FROM login_failures WHERE key = ?"), key)
	return wrap(err)
}

// CreatePasswordReset stores a reset token's hash and enqueues message (a
// JSON auth.PasswordResetMessage) on the outbox, in one transaction: the
// email is sent if and only if the token exists.
func (s *Store) CreatePasswordReset(ctx context.Context, pr account.PasswordReset, message []byte) error {
	err := s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO password_resets (token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)`),
			pr.TokenHash, pr.UserID, ms(pr.CreatedAt), ms(pr.ExpiresAt)); err != nil {
			return wrap(err)
		}
		return wrap(s.outbox.SendTx(ctx, tx, goqite.Message{Body: message}))
	})
	if err == nil {
		s.enqueued()
	}
	return err
}

// UsePasswordReset consumes a live reset token, sets the new password hash
// and voids the account's other tokens, in one transaction. A token that
// does not exist is ENotFound; a used or expired one EGone.
func (s *Store) UsePasswordReset(ctx context.Context, tokenHash string, now time.Time, newHash string) (account.User, error) {
	var u account.User
	err := s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var userID string
		// The WHERE makes the consumption atomic: of two concurrent uses,
		// one updates the row and the other finds it used.
		err := tx.QueryRowContext(ctx, s.q(`UPDATE password_resets SET used_at = ?
			WHERE token_hash = ? AND used_at IS NULL AND expires_at > ? RETURNING user_id`), ms(now), tokenHash, ms(now)).Scan(&userID)
		if errors.Is(err, sql.ErrNoRows) {
			var one int
			if tx.QueryRowContext(ctx, s.q("SELECT 1 FROM password_resets WHERE token_hash = ?"), tokenHash).Scan(&one) == nil {
				return booking.Errorf(booking.EGone, "Il collegamento è già stato usato o è scaduto.")
			}
			return booking.Errorf(booking.ENotFound, "Collegamento non valido.")
		}
		if err != nil {
			return wrap(err)
		}
		if _, err := tx.ExecContext(ctx, s.q("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?"), newHash, ms(now), userID); err != nil {
			return wrap(err)
		}
		if _, err := tx.ExecContext(ctx, s.q("UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at IS NULL"), ms(now), userID); err != nil {
			return wrap(err)
		}
		u, err = scanUser(tx.QueryRowContext(ctx, s.q("SELECT "+userColumns+" FROM users WHERE id = ?"), userID))
		return wrap(err)
	})
	return u, err
}

// Audit appends an entry to the audit log.
func (s *Store) Audit(ctx context.Context, e account.AuditEntry) error {
	if e.At.IsZero() {
		e.At = time.Now()
	}
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO audit_log (at, actor, action, target, ip, method, detail) VALUES (?, ?, ?, ?, ?, ?, ?)`),
		ms(e.At), e.Actor, e.Action, e.Target, e.IP, e.Method, e.Detail)
	return wrap(err)
}

// auditWhere returns the WHERE clause of f and its arguments.
func auditWhere(f account.AuditFilter) (string, []any) {
	q := " WHERE 1 = 1"
	var args []any
	for _, c := range []struct{ col, v string }{{"actor", f.Actor}, {"action", f.Action}, {"target", f.Target}} {
		if c.v != "" {
			q += " AND " + c.col + " = ?"
			args = append(args, c.v)
		}
	}
	if who := strings.ToLower(strings.TrimSpace(f.Who)); who != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(who) + "%"
		// An account acts under its codice fiscale when it has one, else
		// under "utente:<login>" (account.User.Identity); either may be in the
		// log, as the codice fiscale may have been added later.
		q += ` AND (LOWER(actor) LIKE ? ESCAPE '\' OR actor IN (SELECT codice_fiscale FROM users WHERE codice_fiscale <> '' AND (LOWER(name) LIKE ? ESCAPE '\' OR login LIKE ? ESCAPE '\'))
			OR actor IN (SELECT 'utente:' || login FROM users WHERE LOWER(name) LIKE ? ESCAPE '\' OR login LIKE ? ESCAPE '\'))`
		args = append(args, like, like, like, like, like)
	}
	if !f.From.IsZero() {
		q += " AND at >= ?"
		args = append(args, ms(f.From))
	}
	if !f.To.IsZero() {
		q += " AND at < ?"
		args = append(args, ms(f.To))
	}
	return q, args
}

// AuditLog returns the entries matching f, oldest first (newest first
// with f.Newest).
func (s *Store) AuditLog(ctx context.Context, f account.AuditFilter) ([]account.AuditEntry, error) {
	es, _, err := s.SearchAudit(ctx, f)
	return es, err
}

// SearchAudit returns the entries matching f, at most f.Limit, and how
// many match in all.
func (s *Store) SearchAudit(ctx context.Context, f account.AuditFilter) ([]account.AuditEntry, int, error) {
	where, args := auditWhere(f)
	if f.Limit <= 0 {
		f.Limit = 100
	}
	order := " ORDER BY at, id"
	if f.Newest {
		order = " ORDER BY at DESC, id DESC"
	}
	args = append(args, f.Limit)
	rows, err := s.r.QueryContext(ctx, s.q("SELECT id, at, actor, action, target, ip, method, detail, COUNT(*) OVER () FROM audit_log"+where+order+" LIMIT ?"), args...)
	if err != nil {
		return nil, 0, wrap(err)
	}
	defer rows.Close()
	var es []account.AuditEntry
	total := 0
	for rows.Next() {
		var e account.AuditEntry
		var at int64
		if err := rows.Scan(&e.ID, &at, &e.Actor, &e.Action, &e.Target, &e.IP, &e.Method, &e.Detail, &total); err != nil {
			return nil, 0, wrap(err)
		}
		e.At = fromMS(at)
		es = append(es, e)
	}
	return es, total, wrap(rows.Err())
}

// PutAuthRequest stores a pending login request (a SAML AuthnRequest's
// state) under id until expires.
func (s *Store) PutAuthRequest(ctx context.Context, id string, data []byte, expires time.Time) error {
	_, err := s.w.ExecContext(ctx, s.q("INSERT INTO auth_requests (id, data, expires_at) VALUES (?, ?, ?)"), id, string(data), ms(expires))
	return wrap(err)
}

// TakeAuthRequest removes and returns the pending request id if it has not
// expired at now; ok is false when there is none (never stored, already
// taken, or expired). Of two concurrent takes only one gets it.
func (s *Store) TakeAuthRequest(ctx context.Context, id string, now time.Time) (data []byte, ok bool, err error) {
	var d string
	var exp int64
	err = s.w.QueryRowContext(ctx, s.q("DELETE FROM auth_requests WHERE id = ? RETURNING data, expires_at"), id).Scan(&d, &exp)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, wrap(err)
	}
	if exp <= ms(now) {
		return nil, false, nil
	}
	return []byte(d), true, nil
}

// ConsumeOnce records id as used until expires. It returns false when id
// is already recorded and has not expired at now (a replay). Used for SAML
// assertion IDs (one-time use), shared by every instance.
func (s *Store) ConsumeOnce(ctx context.Context, id string, expires, now time.Time) (bool, error) {
	// An expired record may be reused: take it over atomically.
	res, err := s.w.ExecContext(ctx, s.q(`INSERT INTO used_assertions (id, expires_at) VALUES (?, ?)
		ON CONFLICT (id) DO UPDATE SET expires_at = excluded.expires_at WHERE used_assertions.expires_at <= ?`), id, ms(expires), ms(now))
	if err != nil {
		return false, wrap(err)
	}
	n, err := res.RowsAffected()
	return n == 1, wrap(err)
}

// DeleteExpiredAuth removes expired login requests, used-assertion records
// older than their expiry, stale failure counters, old reset tokens and
// the shared rate-limit buckets unused for a day (long since full again).
// Housekeeping only: expiry is checked when they are read.
func (s *Store) DeleteExpiredAuth(ctx context.Context, now time.Time) error {
	n := ms(now)
	for _, q := range []string{
		"DELETE FROM auth_requests WHERE expires_at <= ?",
		"DELETE FROM used_assertions WHERE expires_at <= ?",
		"DELETE FROM password_resets WHERE expires_at <= ?",
		"DELETE FROM rate_limits WHERE at <= CAST(? AS BIGINT) - 86400000", // a day; the cast keeps PostgreSQL from typing ? as int4
	} {
		if _, err := s.w.ExecContext(ctx, s.q(q), n); err != nil {
			return wrap(err)
		}
	}
	_, err := s.w.ExecContext(ctx, s.q("DELETE FROM login_failures WHERE last_at <= ?"), n-(24*time.Hour).Milliseconds())
	return wrap(err)
}
