package sqlstore_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prenota/prenota/internal/testdb"
	"github.com/prenota/prenota/sqlstore"
)

// TestTakeToken: the shared token bucket allows its burst, then one token
// per 1/rate seconds, and counts every one of concurrent requests.
func TestTakeToken(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := t.Context()
		now := time.UnixMilli(1_800_000_000_000)
		for i := range 3 {
			if ok, _, err := s.TakeToken(ctx, "login-ip:192.0.2.1", 0.5, 3, now); !ok || err != nil {
				t.Fatalf("request %d of a burst of 3: %v %v", i+1, ok, err)
			}
		}
		ok, wait, err := s.TakeToken(ctx, "login-ip:192.0.2.1", 0.5, 3, now)
		if ok || err != nil || wait != 2*time.Second {
			t.Fatalf("fourth request: %v, wait %v, %v; want refused, wait 2s", ok, wait, err)
		}
		if ok, _, _ := s.TakeToken(ctx, "login-ip:192.0.2.2", 0.5, 3, now); !ok {
			t.Error("another key shares the bucket")
		}
		if ok, wait, _ := s.TakeToken(ctx, "login-ip:192.0.2.1", 0.5, 3, now.Add(time.Second)); ok || wait != time.Second {
			t.Errorf("after 1 s (half a token): %v, wait %v; want refused, wait 1s", ok, wait)
		}
		if ok, _, _ := s.TakeToken(ctx, "login-ip:192.0.2.1", 0.5, 3, now.Add(2*time.Second)); !ok {
			t.Error("after 2 s (a whole token): refused")
		}
		if ok, _, _ := s.TakeToken(ctx, "login-ip:192.0.2.1", 0.5, 3, now.Add(time.Hour)); !ok {
			t.Error("after an hour: refused")
		}

		var allowed atomic.Int32
		var wg sync.WaitGroup
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, _, err := s.TakeToken(ctx, "hold-id:RSSMRA70A01H501S", 0.2, 5, now)
				if err != nil {
					t.Error(err)
				}
				if ok {
					allowed.Add(1)
				}
			}()
		}
		wg.Wait()
		if n := allowed.Load(); n != 5 {
			t.Errorf("20 concurrent requests on a burst of 5: %d allowed", n)
		}
	})
}
