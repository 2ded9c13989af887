package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/backoffice"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/sqlstore"
)

// statsBookings is the year of history the statistics are measured on
// (issue: "a year for 150,000 bookings under 500 ms").
const statsBookings = 150000

// statsLimit is the answer time the statistics of a year must keep.
const statsLimit = 500 * time.Millisecond

// seedOutcomes gives the seeded year what the statistics count: about one
// booking in eleven cancelled (a third of them by the Comune), their seats
// freed; cancelled bookings added until there are statsBookings; attendance
// marked on the confirmed ones (one in sixteen absent); 5,000 ratings. It
// returns the bookings of the year.
func seedOutcomes(ctx context.Context, s *sqlstore.Store, seeded int) (int, error) {
	rs, err := s.Resources(ctx)
	if err != nil {
		return 0, err
	}
	var bookable []booking.Resource
	for _, r := range rs {
		if r.Bookable {
			bookable = append(bookable, r)
		}
	}
	tx, err := s.DB().BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	ins, err := tx.PrepareContext(ctx, s.Rebind(`INSERT INTO bookings (id, code, resource_id, resource_name, starts_at, ends_at, slots,
		presentante, fruitore_cf, fruitore, motivazione, telefono, nota, extra, status, created_at, cancelled_at, cancelled_by, hold_id)
		VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, '{}', 'Pratica', '333 1234567', '', '{}', 'cancelled', ?, ?, ?, ?)`))
	if err != nil {
		return 0, err
	}
	r := rand.New(rand.NewPCG(3, 4))
	yearAgo := time.Now().AddDate(-1, 0, 0)
	n := seeded
	for ; n < statsBookings; n++ {
		res := bookable[r.IntN(len(bookable))]
		start := yearAgo.Add(time.Duration(r.Int64N(int64(365 * 24 * time.Hour)))).Truncate(time.Hour)
		lead := time.Duration(1+r.IntN(60*24)) * time.Hour
		by := booking.ByCitizen
		if r.IntN(3) == 0 {
			by = booking.ByComune
		}
		id, cf := booking.NewID(), fmt.Sprintf("CITTADINO%07d", r.IntN(50000))
		if _, err := ins.ExecContext(ctx, id, booking.NewCode()+fmt.Sprint(n), res.ID, res.Name, start.UnixMilli(), start.Add(30*time.Minute).UnixMilli(),
			cf, cf, start.Add(-lead).UnixMilli(), start.Add(-time.Hour).UnixMilli(), by, id); err != nil {
			return 0, err
		}
	}
	for _, q := range []string{
		`UPDATE bookings SET status = 'cancelled', cancelled_at = starts_at - 3600000,
			cancelled_by = CASE WHEN substr(id, 1, 1) = 'a' THEN 'comune' ELSE 'cittadino' END
			WHERE status = 'confirmed' AND substr(id, 1, 1) IN ('a', 'b', 'c')`,
		`DELETE FROM claims WHERE booking_id IN (SELECT id FROM bookings WHERE status = 'cancelled')`,
		`INSERT INTO attendance (booking_id, state, marked_by, marked_at)
			SELECT id, CASE WHEN substr(id, 2, 1) IN ('a', 'b') THEN 'assente' ELSE 'presente' END, 'bench', ends_at
			FROM bookings WHERE status = 'confirmed'`,
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			return 0, err
		}
	}
	fb, err := tx.PrepareContext(ctx, s.Rebind(`INSERT INTO feedback (created_at, page, rating, reason, comment) VALUES (?, 'esito', ?, ?, '')`))
	if err != nil {
		return 0, err
	}
	reasons := []string{"chiaro", "veloce", "lento", "difficile"}
	for i := 0; i < 5000; i++ {
		at := yearAgo.Add(time.Duration(r.Int64N(int64(365 * 24 * time.Hour))))
		if _, err := fb.ExecContext(ctx, at.UnixMilli(), 1+r.IntN(5), reasons[r.IntN(len(reasons))]); err != nil {
			return 0, err
		}
	}
	if err := tx.Commit(); err != nil {
		return 0, err
	}
	// PostgreSQL's autovacuum analyzes tables after a load like this one, but
	// not at once: without the figures the planner sorts 150,000 rows on disk.
	if s.Dialect() == sqlstore.Postgres {
		if _, err := s.DB().ExecContext(ctx, "ANALYZE bookings, attendance, claims, feedback"); err != nil {
			return 0, err
		}
	}
	return n, nil
}

// benchStatistics asks GET /api/v1/statistics for the last 365 days, one
// request at a time with a read token, for d (at least 10 requests).
func benchStatistics(ctx context.Context, engine, base string, s *sqlstore.Store, d time.Duration) error {
	token := "prn_bench_" + booking.NewID()
	if err := s.CreateToken(ctx, auth.Token{ID: booking.NewID(), Name: "bench", Scope: auth.TokenRead, CreatedBy: "bench", CreatedAt: time.Now()},
		backoffice.HashToken(token)); err != nil {
		return err
	}
	today := booking.DateOf(time.Now(), booking.Rome)
	url := fmt.Sprintf("%s/api/v1/statistics?from=%s&to=%s", base, today.AddDays(-365), today.AddDays(-1))
	c := &http.Client{Timeout: 30 * time.Second, Transport: bearer(token)}
	// The first request computes and keeps the figures of each past day
	// (sqlstore/statistics_days.go); the next read them.
	start := time.Now()
	if _, err := get(c, url); err != nil {
		return err
	}
	fmt.Printf("%-9s %-28s %10s %9s\n", engine, "statistics, first (keeps)", "", time.Since(start).Round(time.Millisecond))
	res := run(max(d, 10*statsLimit), []*http.Client{c}, func(c *http.Client, _ *rand.Rand) (bool, error) { return get(c, url) })
	res.print(engine, "statistics of a year, 1 client")
	verdict := "within"
	if res.percentile(0.99) > statsLimit {
		verdict = "OVER"
	}
	fmt.Printf("%-9s %-28s %10d   (p99 %s the %s limit)\n", engine, "  statistics requests", len(res.latencies), verdict, statsLimit)
	return nil
}

// bearer adds an integration token to every request.
type bearer string

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+string(b))
	return http.DefaultTransport.RoundTrip(r)
}
