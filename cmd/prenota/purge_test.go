package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prenota/prenota/app"
	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/testdb"
	"github.com/prenota/prenota/sqlstore"
)

// TestPurgeCommand: "prenota purge" applies the Comune's retention period
// once (the default 24 months here), says what it did, audits it, and a
// second run finds nothing to do.
func TestPurgeCommand(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, d string) {
		ctx := t.Context()
		url := testdb.URL(t, d)
		oldID, recentID := seedPastBookings(t, url)
		env := func(string) string { return "" }
		var out bytes.Buffer
		if err := run(ctx, []string{"purge", "--database-url", url}, env, &out); err != nil {
			t.Fatalf("prenota purge: %v\n%s", err, out.String())
		}
		if !strings.Contains(out.String(), "purge: prenotazioni anonimizzate: 1") {
			t.Errorf("first run said:\n%s", out.String())
		}
		out.Reset()
		if err := run(ctx, []string{"purge", "--database-url", url}, env, &out); err != nil {
			t.Fatalf("prenota purge again: %v", err)
		}
		if !strings.Contains(out.String(), "purge: nulla da cancellare") {
			t.Errorf("second run said:\n%s", out.String())
		}
		s, err := sqlstore.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		if b, _ := s.Booking(ctx, oldID); !b.Anonymised() || b.Fruitore.CodiceFiscale != "" {
			t.Errorf("old booking after prenota purge: %+v", b)
		}
		if b, _ := s.Booking(ctx, recentID); b.Anonymised() {
			t.Errorf("recent booking anonymised: %+v", b)
		}
		es, err := s.AuditLog(ctx, auth.AuditFilter{Action: app.AuditRetentionPurge})
		if err != nil || len(es) != 1 || es[0].Method != "cli" || !strings.Contains(es[0].Detail, "conservazione 24 mesi") {
			t.Errorf("audit: %+v %v", es, err)
		}
	})
}

// seedPastBookings makes two bookings for Mario Rossi, 25 months and one
// month ago, with the clocks turned back.
func seedPastBookings(t *testing.T, url string) (old, recent string) {
	t.Helper()
	ctx := context.Background()
	s, err := sqlstore.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	p := auth.DemoIdentities[0].Person
	var ids []string
	for i, months := range []int{-25, -1} {
		day := time.Now().AddDate(0, months, 0).In(booking.Rome)
		morning := time.Date(day.Year(), day.Month(), day.Day(), 7, 0, 0, 0, booking.Rome)
		s.SetClock(func() time.Time { return morning })
		svc := booking.NewService(s, booking.Options{Now: func() time.Time { return morning }})
		if i == 0 {
			if err := svc.SaveSettings(ctx, booking.Settings{Name: "Comune di Prova"}); err != nil {
				t.Fatal(err)
			}
		}
		r := booking.Resource{Name: "Sportello", Bookable: true, Kind: booking.InPerson,
			Schedule: booking.Schedule{SlotMinutes: 30, Capacity: 1, MaxSlots: 1, Hours: []booking.OpeningRange{{Weekday: morning.Weekday(), Start: 8 * 60, End: 18 * 60}}}}
		if err := svc.CreateResource(ctx, &r); err != nil {
			t.Fatal(err)
		}
		h, err := svc.Hold(ctx, booking.HoldRequest{ResourceID: r.ID, Start: morning.Add(3 * time.Hour), Slots: 1, Owner: p.CodiceFiscale})
		if err != nil {
			t.Fatal(err)
		}
		b, _, err := svc.Confirm(ctx, booking.ConfirmRequest{HoldID: h.ID, Presentante: p.CodiceFiscale, Fruitore: p, Motivazione: "Certificato", Telefono: p.Telefono})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, b.ID)
	}
	return ids[0], ids[1]
}

func TestPurgeEveryFlag(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		args []string
		want time.Duration
		err  string
	}{
		{"default hourly", nil, nil, time.Hour, ""},
		{"from the environment", map[string]string{"PRENOTA_PURGE_EVERY": "30m"}, nil, 30 * time.Minute, ""},
		{"off: cron runs prenota purge", map[string]string{"PRENOTA_PURGE_EVERY": "off"}, nil, -1, ""},
		{"flag over environment", map[string]string{"PRENOTA_PURGE_EVERY": "off"}, []string{"--purge-every", "2h"}, 2 * time.Hour, ""},
		{"too often", nil, []string{"--purge-every", "10s"}, 0, "at least 1m"},
		{"not a duration", map[string]string{"PRENOTA_PURGE_EVERY": "sempre"}, nil, 0, "PRENOTA_PURGE_EVERY"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := parse(t, tt.env, tt.args...)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one with %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if f.cfg.PurgeEvery != tt.want {
				t.Fatalf("PurgeEvery %v, want %v", f.cfg.PurgeEvery, tt.want)
			}
		})
	}
}
