package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"maragu.dev/goqite"
)

// ParkedJob is a delivery the worker gave up on (see ParkJob).
type ParkedJob struct {
	ID       string
	Body     []byte // the delivery as queued (the notify package's JSON)
	Attempts int
	Error    string
	ParkedAt time.Time
}

// maxParkedError bounds the stored reason: the first line of an error with a
// stack is what a reader needs, the log has the rest.
const maxParkedError = 2000

// ParkJob moves a delivery out of the queue into notify_parked, in one
// transaction, with the number of attempts made and the last error: it is
// never received again. A delivery no longer queued is left alone.
func (s *Store) ParkJob(ctx context.Context, id goqite.ID, attempts int, reason string) error {
	reason = strings.ReplaceAll(strings.ToValidUTF8(reason, "?"), "\x00", "")
	if len(reason) > maxParkedError {
		reason = strings.ToValidUTF8(reason[:maxParkedError], "")
	}
	return s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		now, err := s.now(ctx, tx)
		if err != nil {
			return wrap(err)
		}
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO notify_parked (id, body, attempts, error, parked_at)
			SELECT id, body, ?, ?, ? FROM goqite WHERE id = ? AND queue = ?
			ON CONFLICT (id) DO NOTHING`), attempts, reason, now, string(id), JobsQueue); err != nil {
			return wrap(err)
		}
		_, err = tx.ExecContext(ctx, s.q("DELETE FROM goqite WHERE id = ? AND queue = ?"), string(id), JobsQueue)
		return wrap(err)
	})
}

// ParkedJobs returns the limit most recently parked deliveries and how many
// there are in all.
func (s *Store) ParkedJobs(ctx context.Context, limit int) ([]ParkedJob, int, error) {
	n, err := s.CountParked(ctx)
	if err != nil {
		return nil, 0, err
	}
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT id, body, attempts, error, parked_at FROM notify_parked
		ORDER BY parked_at DESC, id LIMIT ?`), limit)
	if err != nil {
		return nil, 0, wrap(err)
	}
	defer rows.Close()
	var out []ParkedJob
	for rows.Next() {
		var p ParkedJob
		var at int64
		if err := rows.Scan(&p.ID, &p.Body, &p.Attempts, &p.Error, &at); err != nil {
			return nil, 0, wrap(err)
		}
		p.ParkedAt = time.UnixMilli(at).UTC()
		out = append(out, p)
	}
	return out, n, wrap(rows.Err())
}

// CountParked counts the parked deliveries.
func (s *Store) CountParked(ctx context.Context) (int, error) {
	var n int
	err := s.r.QueryRowContext(ctx, "SELECT COUNT(*) FROM notify_parked").Scan(&n)
	return n, wrap(err)
}
