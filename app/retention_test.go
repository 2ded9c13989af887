package app

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/testdb"
)

// TestRetentionJob: the service's retention job anonymises a booking that
// ended more than the Comune's period ago, once, audits the run, and stops
// with its context; the former owner then finds neither the booking nor
// its receipt or calendar file, on the pages or the API.
func TestRetentionJob(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) { testRetentionJob(t, d) })
	}
}

func testRetentionJob(t *testing.T, dialect string) {
	ctx := t.Context()
	var logs syncBuffer
	a, err := New(ctx, Config{Addr: "127.0.0.1:0", DatabaseURL: testdb.URL(t, dialect), BaseURL: "http://localhost:8080", Demo: true,
		PurgeEvery: -1, Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	// The Comune keeps personal data 12 months; Mario's appointment was
	// 13 months ago, another one a month ago.
	st, err := a.Store.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	st.RetentionMonths = 12
	if err := a.Service.SaveSettings(ctx, st); err != nil {
		t.Fatal(err)
	}
	mario := demoPerson(t, "RSSMRA70A01H501S")
	old := pastBooking(t, a, time.Now().AddDate(0, -13, 0), mario)
	recent := pastBooking(t, a, time.Now().AddDate(0, -1, 0), mario)

	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	c := newAuthzClient(t, srv.URL, "192.0.2.10")
	c.login(mario.CodiceFiscale)
	paths := []string{"/prenotazioni/" + old.ID, "/prenotazioni/" + old.ID + "/ricevuta.pdf", "/prenotazioni/" + old.ID + "/calendario.ics",
		"/api/v1/bookings/" + old.ID, "/api/v1/bookings/" + old.ID + "/receipt.pdf", "/api/v1/bookings/" + old.ID + "/calendar.ics"}
	for _, p := range paths {
		if r := c.get(p); r.status != http.StatusOK {
			t.Fatalf("before the purge, GET %s: %d", p, r.status)
		}
	}

	a.cfg.PurgeEvery = 20 * time.Millisecond
	stop := a.startRetention(ctx)
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, err := a.Store.Booking(ctx, old.ID)
		if err != nil {
			t.Fatal(err)
		}
		if b.Anonymised() {
			if b.Fruitore != (booking.Person{}) || b.Presentante != "" || b.Code != old.Code || b.Status != booking.Confirmed {
				t.Errorf("anonymised booking: %+v", b)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the retention job did not anonymise the old booking")
		}
		time.Sleep(20 * time.Millisecond)
	}
	// A few more runs, with nothing left to do.
	idle := strings.Count(logs.String(), "retention purge: nothing to do")
	for deadline := time.Now().Add(10 * time.Second); strings.Count(logs.String(), "retention purge: nothing to do") < idle+3; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the retention job did not run again")
		}
	}
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("the retention job did not stop with its context")
	}
	if b, _ := a.Store.Booking(ctx, recent.ID); b.Anonymised() || b.Fruitore.CodiceFiscale != mario.CodiceFiscale {
		t.Errorf("the recent booking was anonymised: %+v", b)
	}
	es := audited(t, a, auth.AuditFilter{Action: AuditRetentionPurge})
	if len(es) != 1 || es[0].Method != "job" || !strings.Contains(es[0].Detail, "conservazione 12 mesi") ||
		!strings.Contains(es[0].Detail, "prenotazioni anonimizzate: 1") {
		t.Errorf("audit of the runs: %+v, want one entry for the run that changed something", es)
	}

	// The receipt, calendar file and details of the anonymised booking are
	// no one's: 404, as for any booking of someone else.
	for _, p := range paths {
		if r := c.get(p); r.status != http.StatusNotFound {
			t.Errorf("after the purge, GET %s: %d, want 404", p, r.status)
		}
	}
	var list struct {
		Total int `json:"total"`
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	r := c.get("/api/v1/bookings")
	if err := json.Unmarshal([]byte(r.body), &list); err != nil || list.Total != 1 || list.Items[0].ID != recent.ID {
		t.Errorf("Mario's bookings after the purge: %d %s", r.status, r.body)
	}
	if p := c.get("/prenotazioni"); p.status != http.StatusOK || strings.Contains(p.body, old.Code) || !strings.Contains(p.body, recent.Code) {
		t.Errorf("Le mie prenotazioni after the purge: %d, old code shown %v", p.status, strings.Contains(p.body, old.Code))
	}

	// A run that only clears an expired session (as most hourly runs do)
	// erases no personal data and is not audited.
	if _, err := Purge(ctx, a.Store, a.log, "cli"); err != nil { // whatever is left first
		t.Fatal(err)
	}
	before := len(audited(t, a, auth.AuditFilter{Action: AuditRetentionPurge}))
	if err := a.Store.Sessions().Commit("scaduta", []byte("{}"), time.Now().Add(-24*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if p, err := Purge(ctx, a.Store, a.log, "cli"); err != nil || p.Sessions != 1 || p.Total() != p.Sessions+p.Holds+p.Claims {
		t.Errorf("purge of an expired session: %+v, %v", p, err)
	}
	if after := len(audited(t, a, auth.AuditFilter{Action: AuditRetentionPurge})); after != before {
		t.Errorf("a run that erased no personal data was audited: %d entries, were %d", after, before)
	}
}

// pastBooking books, for p, a 30-minute appointment at 10:00 on the day of
// when (in the past), with the clocks turned back to that morning.
func pastBooking(t *testing.T, a *App, when time.Time, p booking.Person) booking.Booking {
	t.Helper()
	ctx := context.Background()
	day := when.In(booking.Rome)
	morning := time.Date(day.Year(), day.Month(), day.Day(), 7, 0, 0, 0, booking.Rome)
	a.Store.SetClock(func() time.Time { return morning })
	defer a.Store.SetClock(nil)
	svc := booking.NewService(a.Store, booking.Options{Now: func() time.Time { return morning }})
	var hours []booking.OpeningRange
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		hours = append(hours, booking.OpeningRange{Weekday: wd, Start: 8 * 60, End: 18 * 60})
	}
	r := booking.Resource{Name: "Sportello " + morning.Format("2006-01-02"), Bookable: true, Kind: booking.InPerson,
		Schedule: booking.Schedule{SlotMinutes: 30, Capacity: 1, MaxSlots: 1, Hours: hours}}
	if err := svc.CreateResource(ctx, &r); err != nil {
		t.Fatal(err)
	}
	h, err := svc.Hold(ctx, booking.HoldRequest{ResourceID: r.ID, Start: morning.Add(3 * time.Hour), Slots: 1, Owner: p.CodiceFiscale})
	if err != nil {
		t.Fatal(err)
	}
	b, _, err := svc.Confirm(ctx, booking.ConfirmRequest{HoldID: h.ID, Presentante: p.CodiceFiscale, Fruitore: p,
		Motivazione: "Rinnovo carta d'identità", Telefono: p.Telefono, Nota: "Vengo con mia figlia"})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
