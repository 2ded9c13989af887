package api

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	ical "github.com/emersion/go-ical"
)

// book makes a booking of c's at the desk on 10 December at hh:mm, for
// luigi, and returns it.
func (e *env) book(c *client, hh, mm int) bookingJSON {
	e.t.Helper()
	var h holdJSON
	r := c.do("POST", "/api/v1/holds", holdBodyJSON(e.desk, slotAt(hh, mm), 1))
	r.status(e.t, http.StatusCreated)
	r.json(e.t, &h)
	var b bookingJSON
	r = c.do("POST", "/api/v1/bookings", fmt.Sprintf(`{"hold_id":%q,"fruitore":%s,"motivazione":"Rinnovo","telefono":"333 7654321"}`, h.ID, luigi))
	r.status(e.t, http.StatusCreated)
	r.json(e.t, &b)
	return b
}

// pdfText extracts the text of a PDF with pdftotext (poppler-utils), which
// must be installed: a receipt that no reader can open must fail the test.
func pdfText(t *testing.T, pdf []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatalf("pdftotext (poppler-utils) is required to check the receipt: %v", err)
	}
	f := filepath.Join(t.TempDir(), "ricevuta.pdf")
	if err := os.WriteFile(f, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", f, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext cannot read the receipt: %v", err)
	}
	return string(out)
}

// calendarEvent parses an iCalendar file with emersion/go-ical (not the
// library that wrote it) and returns its calendar and only event.
func calendarEvent(t *testing.T, raw []byte) (*ical.Calendar, *ical.Event) {
	t.Helper()
	cal, err := ical.NewDecoder(bytes.NewReader(raw)).Decode()
	if err != nil {
		t.Fatalf("go-ical cannot parse the file: %v\n%s", err, raw)
	}
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events, want 1:\n%s", len(evs), raw)
	}
	return cal, &evs[0]
}

func propText(t *testing.T, props ical.Props, name string) string {
	t.Helper()
	p := props.Get(name)
	if p == nil {
		return ""
	}
	v, err := p.Text()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return v
}

func TestReceipt(t *testing.T) {
	forEachDialect(t, func(t *testing.T, e *env) {
		l := e.login(luigiCF, "Luigi", "Verdi")
		m := e.login(marioCF, "Mario", "Rossi")
		b := e.book(l, 9, 0)
		pdfPath := "/api/v1/bookings/" + b.ID + "/receipt.pdf"
		icsPath := "/api/v1/bookings/" + b.ID + "/calendar.ics"

		checkPDF := func(t *testing.T, want ...string) string {
			t.Helper()
			r := l.do("GET", pdfPath, "")
			r.status(t, http.StatusOK)
			if ct := r.header.Get("Content-Type"); ct != "application/pdf" {
				t.Errorf("Content-Type %q", ct)
			}
			if cd := r.header.Get("Content-Disposition"); cd != `inline; filename="ricevuta-`+b.Code+`.pdf"` {
				t.Errorf("Content-Disposition %q", cd)
			}
			if cc := r.header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q: a receipt holds personal data", cc)
			}
			if !bytes.HasPrefix(r.body, []byte("%PDF-")) {
				t.Fatalf("not a PDF: %.40q", r.body)
			}
			text := pdfText(t, r.body)
			for _, w := range append([]string{b.Code}, want...) {
				if !strings.Contains(text, w) {
					t.Errorf("the receipt does not say %q:\n%s", w, text)
				}
			}
			return text
		}
		checkICS := func(t *testing.T, method, status string) {
			t.Helper()
			r := l.do("GET", icsPath, "")
			r.status(t, http.StatusOK)
			if ct := r.header.Get("Content-Type"); ct != "text/calendar; charset=utf-8; method="+method {
				t.Errorf("Content-Type %q", ct)
			}
			if cd := r.header.Get("Content-Disposition"); cd != `attachment; filename="prenotazione-`+b.Code+`.ics"` {
				t.Errorf("Content-Disposition %q", cd)
			}
			cal, ev := calendarEvent(t, r.body)
			if got := propText(t, cal.Props, ical.PropMethod); got != method {
				t.Errorf("METHOD %q, want %q", got, method)
			}
			if got := propText(t, ev.Props, ical.PropUID); got != b.ID+"@prenota.test" {
				t.Errorf("UID %q, want %s@prenota.test", got, b.ID)
			}
			if got := propText(t, ev.Props, ical.PropStatus); got != status {
				t.Errorf("STATUS %q, want %q", got, status)
			}
			// 09:00 in Rome on 10 December is 08:00 UTC, written as UTC.
			if v := ev.Props.Get(ical.PropDateTimeStart); v == nil || v.Value != "20261210T080000Z" {
				t.Errorf("DTSTART %+v, want 20261210T080000Z", v)
			}
			start, err := ev.Props.DateTime(ical.PropDateTimeStart, time.UTC)
			if want := time.Date(2026, 12, 10, 8, 0, 0, 0, time.UTC); err != nil || !start.Equal(want) {
				t.Errorf("start %v (%v), want %v", start, err, want)
			}
			end, err := ev.Props.DateTime(ical.PropDateTimeEnd, time.UTC)
			if want := time.Date(2026, 12, 10, 8, 30, 0, 0, time.UTC); err != nil || !end.Equal(want) {
				t.Errorf("end %v (%v), want %v", end, err, want)
			}
		}

		t.Run("receipt.pdf", func(t *testing.T) {
			checkPDF(t, "SPORTELLO PROVE", "VIA ROMA 1", "LUIGI VERDI", "VRDLGU80A01F205X", "10/12/2026 ore 09:00")
		})
		t.Run("calendar.ics", func(t *testing.T) { checkICS(t, "PUBLISH", "CONFIRMED") })
		t.Run("someone else's", func(t *testing.T) {
			m.do("GET", pdfPath, "").problem(t, http.StatusNotFound, "")
			m.do("GET", icsPath, "").problem(t, http.StatusNotFound, "")
		})
		t.Run("unauthenticated", func(t *testing.T) {
			e.anon().do("GET", pdfPath, "").problem(t, http.StatusUnauthorized, "")
			e.anon().do("GET", icsPath, "").problem(t, http.StatusUnauthorized, "")
		})
		t.Run("unknown", func(t *testing.T) {
			l.do("GET", "/api/v1/bookings/nessuna/receipt.pdf", "").problem(t, http.StatusNotFound, "")
			l.do("GET", "/api/v1/bookings/a.b/calendar.ics", "").problem(t, http.StatusNotFound, "id")
		})
		t.Run("method not allowed", func(t *testing.T) {
			l.do("DELETE", pdfPath, "").problem(t, http.StatusMethodNotAllowed, "")
		})
		t.Run("resource hidden since", func(t *testing.T) {
			ctx := context.Background()
			res, err := e.store.Resource(ctx, e.desk)
			must(t, err)
			res.Hidden = true
			_, err = e.svc.UpdateResource(ctx, res, nil)
			must(t, err)
			l.do("GET", fmt.Sprintf("/api/v1/resources/%d", e.desk), "").problem(t, http.StatusNotFound, "")
			checkPDF(t, "SPORTELLO PROVE", "VIA ROMA 1", "Documento d'identità")
			checkICS(t, "PUBLISH", "CONFIRMED")
		})
		t.Run("cancelled", func(t *testing.T) {
			l.do("DELETE", "/api/v1/bookings/"+b.ID, "").status(t, http.StatusNoContent)
			checkICS(t, "CANCEL", "CANCELLED")
			checkPDF(t, "ANNULLATA")
		})
	})
}

// TestCalendarWithoutBaseURL: the calendar file needs the public URL; its
// absence is an internal error, logged, not a file with a made-up UID.
func TestCalendarWithoutBaseURL(t *testing.T) {
	var log syncBuffer
	e := newEnv(t, "sqlite", func(_ *env, c *Config) {
		c.BaseURL = ""
		c.Logger = slog.New(slog.NewTextHandler(&log, nil))
	})
	l := e.login(luigiCF, "Luigi", "Verdi")
	b := e.book(l, 9, 0)
	l.do("GET", "/api/v1/bookings/"+b.ID+"/calendar.ics", "").problem(t, http.StatusInternalServerError, "")
	if !strings.Contains(log.String(), "Config.BaseURL is empty") {
		t.Errorf("log: %s", log.String())
	}
	l.do("GET", "/api/v1/bookings/"+b.ID+"/receipt.pdf", "").status(t, http.StatusOK)
}

// syncBuffer is a bytes.Buffer for logs written by server goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
