package sqlstore

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// Sessions is the session store (an scs.CtxStore) in the database.
//
// With an idle timeout, scs commits the session on every request only to
// push its expiry forward. Sessions skips such a write when the data is the
// one read for this request and the stored expiry is less than
// ExpirySlack old: the idle timeout is then exact to within ExpirySlack, and
// a read-only request costs no write.
type Sessions struct {
	s    *Store
	mu   sync.Mutex
	seen map[string]seenSession // token → what this instance last read or wrote
}

type seenSession struct {
	data   string
	expiry int64
}

// ExpirySlack is how stale a session's stored expiry may be before a
// request that does not change the session writes it again.
const ExpirySlack = time.Minute

// maxSeen bounds the memory of Sessions' write-skipping.
const maxSeen = 100_000

// Sessions returns the store's session store.
func (s *Store) Sessions() *Sessions { return &Sessions{s: s, seen: map[string]seenSession{}} }

func (ss *Sessions) remember(token string, data []byte, expiry int64) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if len(ss.seen) >= maxSeen {
		clear(ss.seen)
	}
	ss.seen[token] = seenSession{string(data), expiry}
}

// FindCtx returns the data of a live session.
func (ss *Sessions) FindCtx(ctx context.Context, token string) ([]byte, bool, error) {
	var b []byte
	var expiry int64
	st, err := ss.s.prepared(ctx, ss.s.r, "SELECT data, expiry FROM sessions WHERE token = ? AND expiry > ?")
	if err != nil {
		return nil, false, err
	}
	err = st.QueryRowContext(ctx, token, time.Now().UnixMilli()).Scan(&b, &expiry)
	if err == sql.ErrNoRows {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	ss.remember(token, b, expiry)
	return b, true, nil
}

// CommitCtx stores a session.
func (ss *Sessions) CommitCtx(ctx context.Context, token string, b []byte, expiry time.Time) error {
	ms := expiry.UnixMilli()
	ss.mu.Lock()
	seen, ok := ss.seen[token]
	ss.mu.Unlock()
	if ok && seen.data == string(b) && ms-seen.expiry < ExpirySlack.Milliseconds() {
		return nil
	}
	_, err := ss.s.w.ExecContext(ctx, ss.s.q(`INSERT INTO sessions (token, data, expiry) VALUES (?, ?, ?)
		ON CONFLICT (token) DO UPDATE SET data = excluded.data, expiry = excluded.expiry`), token, b, ms)
	if err == nil {
		ss.remember(token, b, ms)
	}
	return err
}

// DeleteCtx ends a session.
func (ss *Sessions) DeleteCtx(ctx context.Context, token string) error {
	ss.mu.Lock()
	delete(ss.seen, token)
	ss.mu.Unlock()
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
