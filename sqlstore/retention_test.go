package sqlstore_test

import (
	"context"
	"encoding/json"
	"reflect"
	"sync"
	"testing"
	"time"

	"maragu.dev/goqite"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/testdb"
	"github.com/prenota/prenota/sqlstore"
)

const (
	cfMario  = "RSSMRA70A01H501S"
	cfGiulia = "BNCGLI85M55I304Q"
)

// purgeNow is the database clock of the purge: two years after the
// appointments of 9 December 2026, at noon. With the default 24 months the
// cutoff is 9 December 2026 at 12:00.
var purgeNow = time.Date(2028, 12, 9, 12, 0, 0, 0, booking.Rome)

// bookAt holds and confirms one slot at hhmm on 9 December 2026 for
// presentante, the appointment being for fruitore.
func bookAt(t *testing.T, svc *booking.Service, r booking.Resource, hhmm, presentante, fruitore, key string) booking.Booking {
	t.Helper()
	ctx := context.Background()
	h, err := svc.Hold(ctx, booking.HoldRequest{ResourceID: r.ID, Start: slotAt(hhmm), Slots: 1, Owner: presentante})
	if err != nil {
		t.Fatal(err)
	}
	req := confirmReq(h, key)
	req.Fruitore, req.Nota, req.Extra = person(fruitore), "Porto anche il passaporto scaduto", map[string]string{"pratica": "PR-2026-118"}
	b, _, err := svc.Confirm(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// purgeFixture is fixture with capacity 2 and an extra confirmation field
// "pratica".
func purgeFixture(t *testing.T, s *sqlstore.Store) (*booking.Service, booking.Resource) {
	t.Helper()
	svc, r := fixture(t, s, 2)
	r.ExtraFields = []booking.ExtraField{{Name: "pratica", Label: "Numero pratica", Type: "text"}}
	if _, err := svc.UpdateResource(context.Background(), r, nil); err != nil {
		t.Fatal(err)
	}
	return svc, r
}

func mustBooking(t *testing.T, s *sqlstore.Store, id string) booking.Booking {
	t.Helper()
	b, err := s.Booking(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// queued returns the booking IDs of the queued messages (outbox events and
// deliveries), one per message; "" for a body that is not JSON.
func queued(t *testing.T, s *sqlstore.Store) map[string]int {
	t.Helper()
	rows, err := s.DB().Query("SELECT body FROM goqite")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var body []byte
		if err := rows.Scan(&body); err != nil {
			t.Fatal(err)
		}
		var m struct {
			BookingID string `json:"booking_id"`
		}
		json.Unmarshal(body, &m)
		out[m.BookingID]++
	}
	return out
}

func count(t *testing.T, s *sqlstore.Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.DB().QueryRow(s.Rebind(query), args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// TestPurge: bookings whose appointment ended before the cutoff lose their
// personal data and nothing else; later ones keep everything; what has no
// purpose left is deleted; a second run changes nothing.
func TestPurge(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		s.SetClock(func() time.Time { return rulesNow })
		svc, r := purgeFixture(t, s)
		// Before the cutoff (ends before 12:00): Mario for himself, Giulia
		// for Mario (conto terzi), Giulia for herself (then cancelled with a
		// reason). After it: Mario at 14:00.
		own := bookAt(t, svc, r, "10:00", cfMario, cfMario, "chiave-1")
		terzi := bookAt(t, svc, r, "09:00", cfGiulia, cfMario, "")
		cancelled := bookAt(t, svc, r, "11:00", cfGiulia, cfGiulia, "")
		if _, err := s.Cancel(ctx, cancelled.ID, "Richiesta telefonica di Giulia Bianchi"); err != nil {
			t.Fatal(err)
		}
		later := bookAt(t, svc, r, "14:00", cfMario, cfMario, "")
		if err := s.SetAttendance(ctx, own.ID, sqlstore.Presente, "utente:op1", rulesNow); err != nil {
			t.Fatal(err)
		}
		// An unconfirmed hold, long expired, and its seat.
		stale, err := svc.Hold(ctx, booking.HoldRequest{ResourceID: r.ID, Start: slotAt("16:00"), Slots: 1, Owner: cfGiulia})
		if err != nil {
			t.Fatal(err)
		}
		// A delivery of the first booking that never got through, and one
		// that is not JSON (left alone).
		flavor := goqite.SQLFlavorSQLite
		if s.Dialect() == sqlstore.Postgres {
			flavor = goqite.SQLFlavorPostgreSQL
		}
		jobs := goqite.New(goqite.NewOpts{DB: s.DB(), Name: sqlstore.JobsQueue, SQLFlavor: flavor})
		for _, body := range []string{`{"kind":"confirmation","channel":"email","booking_id":"` + own.ID + `"}`, "non è JSON"} {
			if err := jobs.Send(ctx, goqite.Message{Body: []byte(body)}); err != nil {
				t.Fatal(err)
			}
		}
		// Sessions, feedback, audit entries and demo-mailbox emails on
		// either side of their cutoffs.
		sessions := s.Sessions()
		for token, expiry := range map[string]time.Time{"scaduta": purgeNow.Add(-time.Hour), "viva": purgeNow.Add(time.Hour)} {
			if err := sessions.CommitCtx(ctx, token, []byte("{}"), expiry); err != nil {
				t.Fatal(err)
			}
		}
		for _, f := range []sqlstore.Feedback{
			{At: time.Date(2026, 6, 1, 9, 0, 0, 0, booking.Rome), Page: "esito", Rating: 2, Reason: "Altro", Comment: "Sono Mario Rossi, 333 1234567"},
			{At: time.Date(2026, 6, 2, 9, 0, 0, 0, booking.Rome), Page: "esito", Rating: 5},
			{At: time.Date(2028, 6, 1, 9, 0, 0, 0, booking.Rome), Page: "esito", Rating: 4, Reason: "Altro", Comment: "Tutto chiaro"},
		} {
			if err := s.SaveFeedback(ctx, f); err != nil {
				t.Fatal(err)
			}
		}
		for _, at := range []time.Time{time.Date(2024, 12, 1, 9, 0, 0, 0, booking.Rome), time.Date(2025, 6, 1, 9, 0, 0, 0, booking.Rome)} {
			if err := s.Audit(ctx, auth.AuditEntry{At: at, Actor: cfMario, Action: auth.AuditLogin, IP: "192.0.2.1", Method: "spid"}); err != nil {
				t.Fatal(err)
			}
		}
		for id, at := range map[string]time.Time{"<vecchia@prenota>": time.Date(2026, 12, 1, 9, 0, 0, 0, booking.Rome), "<nuova@prenota>": purgeNow.Add(-24 * time.Hour)} {
			if _, err := s.DB().Exec(s.Rebind("INSERT INTO mailbox (message_id, received_at, raw) VALUES (?, ?, ?)"), id, at.UnixMilli(), []byte("To: mario@example.it\r\n\r\nCiao")); err != nil {
				t.Fatal(err)
			}
		}
		for id, at := range map[string]time.Time{"parcheggiato-vecchio": time.Date(2026, 12, 1, 9, 0, 0, 0, booking.Rome), "parcheggiato-nuovo": purgeNow.Add(-24 * time.Hour)} {
			if _, err := s.DB().Exec(s.Rebind("INSERT INTO notify_parked (id, body, attempts, error, parked_at) VALUES (?, ?, 30, ?, ?)"),
				id, []byte(`{"kind":"confirmation"}`), "550 <mario@example.it>: no such user", at.UnixMilli()); err != nil {
				t.Fatal(err)
			}
		}
		before := map[string]booking.Booking{}
		for _, b := range []booking.Booking{own, terzi, cancelled, later} {
			before[b.ID] = mustBooking(t, s, b.ID)
		}
		if _, total, _ := s.Bookings(ctx, cfMario, 10, 0); total != 3 {
			t.Fatalf("Mario's list before the purge: %d bookings, want 3", total)
		}
		if q := queued(t, s); q[own.ID] != 2 || q[cancelled.ID] != 2 || q[later.ID] != 1 {
			t.Fatalf("queue before the purge: %v", q)
		}

		s.SetClock(func() time.Time { return purgeNow })
		got, err := s.Purge(ctx, booking.DefaultRetentionMonths)
		if err != nil {
			t.Fatal(err)
		}
		want := sqlstore.Purged{Bookings: 3, Holds: 4, Claims: 1, Sessions: 1, Messages: 5, Mailbox: 1, Parked: 1, Feedback: 1, Audit: 1}
		if got != want {
			t.Fatalf("purged %+v, want %+v", got, want)
		}

		// Before the cutoff: personal data empty, the rest unchanged.
		for _, b := range []booking.Booking{own, terzi, cancelled} {
			w := before[b.ID]
			w.Presentante, w.Fruitore, w.Motivazione, w.Telefono, w.Nota, w.Extra = "", booking.Person{}, "", "", "", map[string]string{}
			w.CancelReason, w.IdempotencyKey, w.AnonymisedAt = "", "", time.UnixMilli(purgeNow.UnixMilli())
			if a := mustBooking(t, s, b.ID); !reflect.DeepEqual(a, w) {
				t.Errorf("booking at %s after the purge:\n got %+v\nwant %+v", b.Start.In(booking.Rome).Format("15:04"), a, w)
			}
		}
		if c := mustBooking(t, s, cancelled.ID); c.Status != booking.Cancelled || c.CancelledAt.IsZero() {
			t.Errorf("the cancelled booking lost its status: %+v", c)
		}
		// After it: untouched.
		if a := mustBooking(t, s, later.ID); !reflect.DeepEqual(a, before[later.ID]) || a.Anonymised() {
			t.Errorf("booking after the cutoff changed:\n got %+v\nwant %+v", a, before[later.ID])
		}
		// The code still finds the booking (and stays unique), attendance stays.
		if b, err := s.BookingByCode(ctx, own.Code); err != nil || b.ID != own.ID {
			t.Errorf("by code: %v %v", b.ID, err)
		}
		agenda, err := s.Agenda(ctx, r.ID, slotAt("08:00"), slotAt("18:00"))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range agenda {
			if e.ID == own.ID && (e.Attendance != sqlstore.Presente || e.Fruitore.Cognome != "") {
				t.Errorf("agenda entry after the purge: attendance %q, fruitore %+v", e.Attendance, e.Fruitore)
			}
		}
		// The citizens' lists and lookups no longer reach the anonymised ones.
		if bs, total, _ := s.Bookings(ctx, cfMario, 10, 0); total != 1 || len(bs) != 1 || bs[0].ID != later.ID {
			t.Errorf("Mario's list after the purge: %d bookings", total)
		}
		if _, total, _ := s.Bookings(ctx, cfGiulia, 10, 0); total != 0 {
			t.Errorf("Giulia's list after the purge: %d bookings", total)
		}
		if _, err := svc.Booking(ctx, own.ID, cfMario); code(err) != booking.ENotFound {
			t.Errorf("the former owner still sees the anonymised booking: %v", err)
		}
		// Holds of the past bookings and the stale one are gone, with the stale seat.
		for _, id := range []string{own.HoldID, terzi.HoldID, cancelled.HoldID, stale.ID} {
			if _, err := s.Hold(ctx, id); code(err) != booking.ENotFound {
				t.Errorf("hold %s: %v, want gone", id, err)
			}
		}
		if _, err := s.Hold(ctx, later.HoldID); err != nil {
			t.Errorf("the hold of the later booking: %v", err)
		}
		if n := count(t, s, "SELECT COUNT(*) FROM claims WHERE hold_id = ?", stale.ID); n != 0 {
			t.Errorf("%d seats of the stale hold left", n)
		}
		if q := queued(t, s); len(q) != 2 || q[later.ID] != 1 || q[""] != 1 {
			t.Errorf("queue after the purge: %v, want the later booking's event and the malformed message", q)
		}
		if n := count(t, s, "SELECT COUNT(*) FROM sessions WHERE token = ?", "viva"); n != 1 {
			t.Error("a live session was deleted")
		}
		if n := count(t, s, "SELECT COUNT(*) FROM sessions"); n != 1 {
			t.Errorf("%d sessions left, want 1", n)
		}
		if n := count(t, s, "SELECT COUNT(*) FROM mailbox WHERE message_id = ?", "<nuova@prenota>"); n != 1 || count(t, s, "SELECT COUNT(*) FROM mailbox") != 1 {
			t.Error("mailbox: want only the recent email")
		}
		if sum, _ := s.FeedbackSummary(ctx); sum != [6]int{0, 0, 1, 0, 1, 1} {
			t.Errorf("ratings changed: %v", sum)
		}
		if n := count(t, s, "SELECT COUNT(*) FROM feedback WHERE comment <> ''"); n != 1 || count(t, s, "SELECT COUNT(*) FROM feedback WHERE comment = ?", "Tutto chiaro") != 1 {
			t.Error("feedback: want only the recent comment kept")
		}
		if es, _ := s.AuditLog(ctx, auth.AuditFilter{Actor: cfMario}); len(es) != 1 || es[0].At.Year() != 2025 {
			t.Errorf("audit log after the purge: %+v", es)
		}

		// Idempotent: a second run, a few minutes later, changes nothing.
		s.SetClock(func() time.Time { return purgeNow.Add(5 * time.Minute) })
		if again, err := s.Purge(ctx, booking.DefaultRetentionMonths); err != nil || again != (sqlstore.Purged{}) {
			t.Fatalf("second run: %+v %v", again, err)
		}
		if a := mustBooking(t, s, own.ID); !a.AnonymisedAt.Equal(purgeNow) {
			t.Errorf("second run changed the anonymisation time: %v", a.AnonymisedAt)
		}
		if _, err := s.Purge(ctx, 0); code(err) != booking.EInvalid {
			t.Errorf("0 months: %v, want EInvalid", err)
		}
	})
}

// TestPurgeConcurrent: several purges at once, in small batches, anonymise
// each due booking exactly once between them.
func TestPurgeConcurrent(t *testing.T) {
	testdb.Each(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		s.SetClock(func() time.Time { return rulesNow })
		s.SetPurgeBatch(3)
		svc, r := purgeFixture(t, s)
		due := 0
		for _, hhmm := range []string{"08:00", "08:30", "09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "12:00"} {
			for _, cf := range []string{cfMario, cfGiulia} {
				bookAt(t, svc, r, hhmm, cf, cf, "")
				if hhmm < "11:30" { // ends by noon
					due++
				}
			}
		}
		s.SetClock(func() time.Time { return purgeNow })
		var wg sync.WaitGroup
		results := make([]sqlstore.Purged, 4)
		errs := make([]error, len(results))
		for i := range results {
			wg.Go(func() { results[i], errs[i] = s.Purge(ctx, 24) })
		}
		wg.Wait()
		var total int64
		for i := range results {
			if errs[i] != nil {
				t.Fatalf("purge %d: %v", i, errs[i])
			}
			total += results[i].Bookings
		}
		if total != int64(due) {
			t.Errorf("%d bookings anonymised in all, want %d (%+v)", total, due, results)
		}
		if n := count(t, s, "SELECT COUNT(*) FROM bookings WHERE anonymised_at IS NOT NULL AND presentante = '' AND fruitore_cf = ''"); n != due {
			t.Errorf("%d bookings anonymised, want %d", n, due)
		}
		if n := count(t, s, "SELECT COUNT(*) FROM bookings WHERE anonymised_at IS NULL AND presentante <> ''"); n != 4 {
			t.Errorf("%d bookings kept, want 4 (11:30 and 12:00)", n)
		}
	})
}
