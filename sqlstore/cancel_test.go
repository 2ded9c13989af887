package sqlstore_test

import (
	"context"
	"database/sql/driver"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"modernc.org/sqlite"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/testdb"
	"github.com/prenota/prenota/sqlstore"
)

// cancels maps the owner of a hold to the cancel function of its request;
// cancelledAt maps a hold to when cancel_request cancelled its request.
var cancels, cancelledAt sync.Map

// interruptWithin is how long a statement cancelled by cancel_request keeps
// working (see slowClaims): far longer than the driver takes to interrupt it.
const interruptWithin = 300 * time.Millisecond

// On SQLite, cancel_request(owner, hold) cancels the request of owner from
// inside a running statement; busy(hold, n) then stays true for
// interruptWithin (n ties it to a row, so that SQLite calls it for each).
func init() {
	sqlite.MustRegisterScalarFunction("cancel_request", 2, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		if cancel, ok := cancels.Load(args[0]); ok {
			cancelledAt.LoadOrStore(args[1], time.Now())
			cancel.(context.CancelFunc)()
		}
		return int64(1), nil
	})
	sqlite.MustRegisterScalarFunction("busy", 2, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
		at, ok := cancelledAt.Load(args[0])
		return ok && time.Since(at.(time.Time)) < interruptWithin, nil
	})
}

// slowClaims makes claiming a seat for an owner named "annulla-…" slow, so
// that its request is cancelled while the INSERT runs, after its hold row
// is written: on SQLite the statement cancels the request itself and keeps
// working for interruptWithin (unless interrupted); on PostgreSQL it sleeps,
// and the request is cancelled once the sleeps have started.
func slowClaims(t *testing.T, s *sqlstore.Store, sleepers int) {
	t.Helper()
	ctx := context.Background()
	ddl := []string{
		`CREATE TABLE pad (n INTEGER)`,
		`WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c WHERE n < 1000) INSERT INTO pad SELECT n FROM c`,
		`CREATE TRIGGER slow_claim AFTER INSERT ON claims
		 WHEN (SELECT owner FROM holds WHERE id = NEW.hold_id) LIKE 'annulla-%'
		 BEGIN
		   SELECT cancel_request(owner, id) FROM holds WHERE id = NEW.hold_id;
		   SELECT count(*) FROM pad a, pad b WHERE busy(NEW.hold_id, a.n);
		 END`,
	}
	if s.Dialect() == sqlstore.Postgres {
		ddl = []string{
			`CREATE FUNCTION slow_claim() RETURNS trigger LANGUAGE plpgsql AS $$
			 BEGIN
			   IF (SELECT owner FROM holds WHERE id = NEW.hold_id) LIKE 'annulla-%' THEN
			     PERFORM pg_sleep(2);
			   END IF;
			   RETURN NEW;
			 END $$`,
			`CREATE TRIGGER slow_claim AFTER INSERT ON claims FOR EACH ROW EXECUTE FUNCTION slow_claim()`,
		}
	}
	for _, q := range ddl {
		if _, err := s.DB().ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if s.Dialect() != sqlstore.Postgres {
		return
	}
	stopped := make(chan struct{})
	t.Cleanup(func() { <-stopped })
	go func() {
		defer close(stopped)
		deadline := time.Now().Add(20 * time.Second)
		for time.Now().Before(deadline) {
			var n int
			if err := s.DB().QueryRowContext(ctx, `SELECT count(*) FROM pg_stat_activity
				WHERE datname = current_database() AND wait_event = 'PgSleep' AND query LIKE '%INSERT INTO claims%'`).Scan(&n); err != nil {
				t.Error(err)
				break
			}
			if n >= sleepers {
				break
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancels.Range(func(owner, cancel any) bool {
			if strings.HasPrefix(owner.(string), "annulla-postgres-") {
				cancel.(context.CancelFunc)()
			}
			return true
		})
	}()
}

// TestCancelledWrites: a request abandoned while its write runs (a double
// submit) fails none of the writes committed with it, and its own write is
// all or nothing.
func TestCancelledWrites(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		svc, r := fixture(t, s, 100)
		const n, every = 60, 6
		owners := make([]string, n)
		for i := range owners {
			owners[i] = fmt.Sprintf("user-%s-%d", s.Dialect(), i)
			if i%every == 0 {
				owners[i] = fmt.Sprintf("annulla-%s-%d", s.Dialect(), i)
			}
		}
		// The cancelled holds take a slot each, apart from the others' two,
		// so that on PostgreSQL none waits for another's seat.
		apart := []string{"08:00", "08:30", "09:00", "09:30", "11:00", "11:30", "12:00", "12:30", "13:00", "13:30"}
		req := func(i int) booking.HoldRequest {
			if i%every == 0 {
				return booking.HoldRequest{ResourceID: r.ID, Start: slotAt(apart[i/every]), Slots: 1, Owner: owners[i]}
			}
			return booking.HoldRequest{ResourceID: r.ID, Start: slotAt("10:00"), Slots: 2, Owner: owners[i]}
		}
		slowClaims(t, s, n/every)
		errs, ctxs := make([]error, n), make([]context.Context, n)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i, owner := range owners {
			rctx := ctx
			if strings.HasPrefix(owner, "annulla-") {
				var cancel context.CancelFunc
				rctx, cancel = context.WithCancel(ctx)
				cancels.Store(owner, cancel)
				t.Cleanup(func() { cancels.Delete(owner); cancel() })
			}
			ctxs[i] = rctx
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, errs[i] = svc.Hold(rctx, req(i))
			}()
		}
		close(start)
		wg.Wait()

		// The seats each owner's holds claim, and the claims without a hold.
		claimed := map[string]int{}
		rows, err := s.DB().QueryContext(ctx, `SELECT h.owner, COUNT(c.seat) FROM holds h
			LEFT JOIN claims c ON c.hold_id = h.id GROUP BY h.id, h.owner`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var owner string
			var seats int
			if err := rows.Scan(&owner, &seats); err != nil {
				t.Fatal(err)
			}
			if _, dup := claimed[owner]; dup {
				t.Errorf("%s has two holds", owner)
			}
			claimed[owner] = seats
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		rows.Close()
		var orphans int
		if err := s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM claims WHERE hold_id NOT IN (SELECT id FROM holds)`).Scan(&orphans); err != nil {
			t.Fatal(err)
		}
		if orphans != 0 {
			t.Errorf("%d claims without their hold", orphans)
		}

		failed, applied := 0, 0
		for i, owner := range owners {
			seats, held := claimed[owner]
			if !strings.HasPrefix(owner, "annulla-") {
				if errs[i] != nil || seats != 2 {
					failed++
					t.Errorf("%s (not cancelled): err %v, %d seats committed, want nil and 2", owner, errs[i], seats)
				}
				continue
			}
			if ctxs[i].Err() == nil {
				t.Errorf("%s: its write never reached the claim that cancels it (err %v)", owner, errs[i])
			}
			switch {
			case !held:
				if errs[i] == nil {
					t.Errorf("%s (cancelled): no error, but nothing committed", owner)
				}
			case seats == 1:
				applied++
			default:
				t.Errorf("%s (cancelled): half written, hold with %d of 1 seats (err %v)", owner, seats, errs[i])
			}
		}
		t.Logf("%s: %d of %d cancelled holds applied; %d of %d other holds failed", s.Dialect(), applied, n/every, failed, n-n/every)
	})
}
