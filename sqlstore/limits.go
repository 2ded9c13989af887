package sqlstore

import (
	"context"
	"strings"
	"time"
)

// takeToken is a token bucket in one atomic statement: the bucket refills
// at rate tokens a millisecond since its last request, up to burst; a
// request takes a token when there is a whole one. Every expression of the
// UPDATE reads the row as it was, so allowed and tokens agree; concurrent
// requests of several instances queue on the row lock and each sees the
// previous one's result.
var takeToken = strings.NewReplacer(
	"{refill}", "(rate_limits.tokens + (CASE WHEN excluded.at > rate_limits.at THEN excluded.at - rate_limits.at ELSE 0 END) * CAST(? AS DOUBLE PRECISION))",
	"{burst}", "CAST(? AS DOUBLE PRECISION)",
).Replace(`INSERT INTO rate_limits (key, tokens, at, allowed) VALUES (?, ?, ?, TRUE)
	ON CONFLICT (key) DO UPDATE SET
	  tokens = CASE WHEN {refill} > {burst} THEN {burst} - 1
	                WHEN {refill} >= 1 THEN {refill} - 1
	                ELSE {refill} END,
	  allowed = CASE WHEN {refill} >= 1 THEN TRUE ELSE FALSE END,
	  at = CASE WHEN excluded.at > rate_limits.at THEN excluded.at ELSE rate_limits.at END
	RETURNING tokens, allowed`)

// TakeToken takes a token from the bucket key, shared by every instance
// using this database (auth.LimitStore): rate tokens a second, at most
// burst. When there is none it returns false and how long until there is.
func (s *Store) TakeToken(ctx context.Context, key string, rate, burst float64, now time.Time) (bool, time.Duration, error) {
	perMs := rate / 1000
	args := []any{key, burst - 1, ms(now),
		perMs, burst, burst, // tokens: the first WHEN
		perMs, perMs, // the second
		perMs, // ELSE
		perMs, // allowed
	}
	var tokens float64
	var allowed bool
	if err := s.w.QueryRowContext(ctx, s.q(takeToken), args...).Scan(&tokens, &allowed); err != nil {
		return false, 0, wrap(err)
	}
	if allowed {
		return true, 0, nil
	}
	return false, time.Duration((1 - tokens) / rate * float64(time.Second)), nil
}
