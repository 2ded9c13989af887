package sqlstore

import (
	"context"
	"time"
)

// Feedback is one answer to the satisfaction widget of the citizen pages.
type Feedback struct {
	At      time.Time
	Page    string // where the widget was shown
	Rating  int    // 1 to 5 stars
	Reason  string // the aspect chosen (liked, or found hard)
	Comment string // free text
}

// SaveFeedback stores one rating.
func (s *Store) SaveFeedback(ctx context.Context, f Feedback) error {
	if f.At.IsZero() {
		f.At = time.Now()
	}
	_, err := s.w.ExecContext(ctx, s.q(`INSERT INTO feedback (created_at, page, rating, reason, comment) VALUES (?, ?, ?, ?, ?)`),
		f.At.UnixMilli(), f.Page, f.Rating, f.Reason, f.Comment)
	return wrap(err)
}

// FeedbackSummary returns how many ratings of each value (index 1 to 5) were given.
func (s *Store) FeedbackSummary(ctx context.Context) ([6]int, error) {
	var out [6]int
	rows, err := s.r.QueryContext(ctx, "SELECT rating, COUNT(*) FROM feedback GROUP BY rating")
	if err != nil {
		return out, wrap(err)
	}
	defer rows.Close()
	for rows.Next() {
		var r, n int
		if err := rows.Scan(&r, &n); err != nil {
			return out, wrap(err)
		}
		if r >= 1 && r <= 5 {
			out[r] = n
		}
	}
	return out, wrap(rows.Err())
}
