package api

import (
	"context"
	"fmt"
	"github.com/prenota/prenota/internal/httperr"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prenota/prenota/booking"
)

// withQueue gives the env's service the store's waiting-room queues.
func withQueue(e *env, c *Config) {
	e.svc = booking.NewService(e.store, booking.Options{Now: e.clock.Now, ConfigTTL: time.Nanosecond, Queue: e.store})
	c.Service = e.svc
}

// TestQueueAPI: while the desk's waiting room is active a hold needs an
// admission (403 not-admitted naming the queue); joining is once per
// codice fiscale across sessions; once admitted, the hold is made.
func TestQueueAPI(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		desk, err := e.svc.Resource(ctx, e.desk)
		must(t, err)
		opens := start.Add(30 * time.Minute)
		desk.Schedule.Room = &booking.Room{OpensAt: opens, BeforeMinutes: 60}
		_, err = e.svc.UpdateResource(ctx, desk, nil)
		must(t, err)

		var res struct {
			Queue struct {
				Active  bool    `json:"active"`
				OpensAt *string `json:"opens_at"`
			} `json:"queue"`
		}
		e.anon().do("GET", fmt.Sprintf("/api/v1/resources/%d", e.desk), "").json(t, &res)
		if !res.Queue.Active || res.Queue.OpensAt == nil || *res.Queue.OpensAt != "2026-12-09T09:30:00+01:00" {
			t.Fatalf("resource queue = %+v, want active, opens 09:30", res.Queue)
		}

		m := e.login(marioCF, "Mario", "Rossi")
		path := fmt.Sprintf("/api/v1/resources/%d/queue", e.desk)
		holdBody := fmt.Sprintf(`{"resource_id":%d,"start":"2026-12-09T10:00:00+01:00"}`, e.desk)
		var p httperr.Problem
		r := m.do("POST", "/api/v1/holds", holdBody)
		r.json(t, &p)
		r.problem(t, http.StatusForbidden, "")
		if !strings.HasSuffix(p.Type, "not-admitted") || p.Queue != path {
			t.Fatalf("hold without admission: %s; want type …not-admitted and queue %s", r.body, path)
		}
		m.do("GET", path, "").problem(t, http.StatusNotFound, "")

		var place struct {
			State         string  `json:"state"`
			Position      *int64  `json:"position"`
			Ahead         *int64  `json:"ahead"`
			ETASeconds    int64   `json:"eta_seconds"`
			PollAfter     int64   `json:"poll_after_seconds"`
			AdmittedUntil *string `json:"admitted_until"`
		}
		r = m.do("POST", path, "")
		r.status(t, http.StatusCreated)
		r.json(t, &place)
		if place.State != "waiting" || place.Position != nil || place.PollAfter < 1 || place.ETASeconds < 1 {
			t.Fatalf("joined before the opening: %s", r.body)
		}
		// Another session of the same person keeps the one place.
		m2 := e.login(marioCF, "Mario", "Rossi")
		m2.do("POST", path, "").status(t, http.StatusOK)
		l := e.login(luigiCF, "Luigi", "Verdi")
		l.do("POST", path, "").status(t, http.StatusCreated)

		e.clock.Add(31 * time.Minute)
		must(t, e.svc.AdvanceQueues(ctx))
		for _, c := range []*client{m, m2, l} {
			r = c.do("GET", path, "")
			r.status(t, http.StatusOK)
			r.json(t, &place)
			if place.State != "admitted" || place.Position == nil || *place.Position < 1 || *place.Position > 2 || place.AdmittedUntil == nil {
				t.Fatalf("after the opening: %s, want admitted at 1 or 2", r.body)
			}
			if cc := r.header.Get("Cache-Control"); !strings.HasPrefix(cc, "private") {
				t.Fatalf("poll Cache-Control %q, want private", cc)
			}
		}
		m2.do("POST", "/api/v1/holds", holdBody).status(t, http.StatusCreated)
	}, withQueue)
}
