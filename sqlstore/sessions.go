package sqlstore

import (
	"context"
	"database/sql"
	"time"
)

// Sessions is the session store (an scs.CtxStore) in the database.
type Sessions struct{ s *Store }

// Sessions returns the store's session store.
func (s *Store) Sessions() *Sessions { return &Sessions{s} }

// FindCtx returns the data of a live session.
func (ss *Sessions) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var b []byte
	err := ss.s.r.QueryRowContext(ctx, ss.s.q("SELECT data FROM sessions WHERE token = ? AND expiry > ?"), token, time.Now().UnixMilli()).Scan(&b)
	if err == sql.ErrNoRows {
		return nil, false, nil
	}
	return b, err == nil, err
}

// CommitCtx stores a session.
func (ss *Sessions) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	_, err := ss.s.w.ExecContext(ctx, ss.s.q(`INSERT INTO sessions (token, data, expiry) VALUES (?, ?, ?)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`), token, b, expiry.UnixMilli())
	return err
}

// DeleteCtx ends a session.
func (ss *Sessions) DeleteCtx(ctx context.Context, token string) error {
	_, err := ss.s.w.ExecContext(ctx, ss.s.q("DELETE FROM sessions WHERE token = ?"), token)
	return err
}

// Find implements scs.Store.
func (ss *Sessions) Find(token string) ([]byte, bool, error) {
	return ss.FindCtx(context.Background(), token)
}

// Commit implements scs.Store.
func (ss *Sessions) Commit(token string, b []byte, expiry time.Time) error {
	return ss.CommitCtx(context.Background(), token, b, expiry)
}

// Delete implements scs.Store.
func (ss *Sessions) Delete(token string) error { return ss.DeleteCtx(context.Background(), token) }

// DeleteExpired removes expired sessions and stale unconfirmed holds. It is
// housekeeping only: expiry is enforced when they are read.
func (s *Store) DeleteExpired(ctx context.Context) error {
	now := time.Now().UnixMilli()
	if _, err := s.w.ExecContext(ctx, s.q("DELETE FROM sessions WHERE expiry <= ?"), now); err != nil {
		return err
	}
	_, err := s.w.ExecContext(ctx, s.q(`DELETE FROM claims WHERE booking_id IS NULL AND expires_at <= ?`), now-time.Hour.Milliseconds())
	if err != nil {
		return err
	}
	_, err = s.w.ExecContext(ctx, s.q(`DELETE FROM holds WHERE expires_at <= ? AND NOT EXISTS (SELECT 1 FROM bookings WHERE bookings.hold_id = holds.id)`), now-time.Hour.Milliseconds())
	return err
}
