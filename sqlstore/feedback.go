package sqlstore

import (
	"context"
	"slices"
	"time"

	"github.com/prenota/prenota/booking"
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

// FeedbackPages sums up the ratings per page, the most answered first.
func (s *Store) FeedbackPages(ctx context.Context) ([]booking.PageFeedback, error) {
	rows, err := s.r.QueryContext(ctx, "SELECT page, rating, COUNT(*) FROM feedback GROUP BY page, rating ORDER BY page, rating")
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []booking.PageFeedback
	for rows.Next() {
		var page string
		var rating, n int
		if err := rows.Scan(&page, &rating, &n); err != nil {
			return nil, wrap(err)
		}
		if len(out) == 0 || out[len(out)-1].Page != page {
			out = append(out, booking.PageFeedback{Page: page})
		}
		p := &out[len(out)-1]
		if rating >= 1 && rating <= 5 {
			p.Ratings[rating] += n
			p.Count += n
			p.Average += float64(rating * n)
		}
	}
	for i := range out {
		if out[i].Count > 0 {
			out[i].Average /= float64(out[i].Count)
		}
	}
	slices.SortStableFunc(out, func(a, b booking.PageFeedback) int { return b.Count - a.Count })
	return out, wrap(rows.Err())
}

// FeedbackAnswers returns the latest limit answers of page ("" for every
// page), newest first.
func (s *Store) FeedbackAnswers(ctx context.Context, page string, limit int) ([]booking.FeedbackAnswer, error) {
	rows, err := s.r.QueryContext(ctx, s.q(`SELECT created_at, page, rating, reason, comment FROM feedback
		WHERE (? = '' OR page = ?) ORDER BY created_at DESC, id DESC LIMIT ?`), page, page, limit)
	if err != nil {
		return nil, wrap(err)
	}
	defer rows.Close()
	var out []booking.FeedbackAnswer
	for rows.Next() {
		var a booking.FeedbackAnswer
		var at int64
		if err := rows.Scan(&at, &a.Page, &a.Rating, &a.Reason, &a.Comment); err != nil {
			return nil, wrap(err)
		}
		a.At = time.UnixMilli(at)
		out = append(out, a)
	}
	return out, wrap(rows.Err())
}
