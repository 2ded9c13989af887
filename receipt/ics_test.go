package receipt

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	ical "github.com/emersion/go-ical"

	"github.com/prenota/prenota/booking"
)

const baseURL = "https://prenota.comune.santarcangelo.rn.it/"

// TestICS reads the files back with emersion/go-ical, a parser independent of
// the arran4/golang-ical writer, and compares them with golden files.
func TestICS(t *testing.T) {
	tests := []struct {
		name        string
		data        Data
		method      string
		status      string
		sequence    int
		start, end  time.Time // UTC
		location    string
		description []string
	}{
		{"confermata, giorno del cambio dell'ora d'autunno", sample(), "PUBLISH", "CONFIRMED", 0,
			time.Date(2026, 10, 25, 8, 0, 0, 0, time.UTC), time.Date(2026, 10, 25, 8, 15, 0, 0, time.UTC),
			"Piazza Ganganelli 1, Santarcangelo di Romagna RN",
			[]string{
				"Codice prenotazione: K7MP-QX9C",
				"Fruitore: NICCOLÒ D'AMICO\n",
				"Ufficio: Servizio Demografici",
				"In caso di impossibilità a presentarsi, avvisare telefonando al n. 0541 356111.",
				"DOCUMENTI DA PRESENTARE\nPER TUTTI:\n- 1) DICHIARAZIONE DI RESIDENZA",
				"la vecchia carta d'identità, se c'è.\n\nIl modulo",
				"Dettagli e annullamento: https://prenota.comune.santarcangelo.rn.it/prenotazioni/q3k7m2x9v4b6n8p5r1t0wyzs2a",
			}},
		{"telefonica, giorno del cambio dell'ora di primavera", phoneSample(booking.OfficeCalls), "PUBLISH", "CONFIRMED", 0,
			time.Date(2026, 3, 29, 7, 0, 0, 0, time.UTC), time.Date(2026, 3, 29, 7, 30, 0, 0, time.UTC),
			"Appuntamento telefonico",
			[]string{"Fruitore: ANNA GIÀ\n", "Sarà richiamata al numero 333 7654321."}},
		{"annullata", cancelledSample(), "CANCEL", "CANCELLED", 1,
			time.Date(2026, 10, 25, 8, 0, 0, 0, time.UTC), time.Date(2026, 10, 25, 8, 15, 0, 0, time.UTC),
			"Piazza Ganganelli 1, Santarcangelo di Romagna RN",
			[]string{"Codice prenotazione: K7MP-QX9C"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw, err := ICS(tc.data, baseURL)
			if err != nil {
				t.Fatal(err)
			}
			checkFolding(t, raw)
			golden(t, "ics_"+goldenName(tc.name)+".ics", raw)
			// No codice fiscale or birth date anywhere (the file syncs to
			// third-party calendars), even folded across lines.
			unfolded := strings.ReplaceAll(string(raw), "\r\n ", "")
			p := tc.data.Booking.Fruitore
			for _, no := range []string{p.CodiceFiscale, "CF.", p.DataNascita.Italian()} {
				if strings.Contains(unfolded, no) {
					t.Errorf("the .ics has %q:\n%s", no, unfolded)
				}
			}

			cal, err := ical.NewDecoder(bytes.NewReader(raw)).Decode()
			if err != nil {
				t.Fatalf("go-ical cannot parse the file: %v\n%s", err, raw)
			}
			text := func(props ical.Props, name string) string {
				t.Helper()
				v, err := props.Text(name)
				if err != nil {
					t.Errorf("%s: %v", name, err)
				}
				return v
			}
			if got := text(cal.Props, ical.PropProductID); got != "-//Prenota//Prenota//IT" {
				t.Errorf("PRODID = %q", got)
			}
			if got := text(cal.Props, ical.PropVersion); got != "2.0" {
				t.Errorf("VERSION = %q", got)
			}
			if got := text(cal.Props, ical.PropMethod); got != tc.method {
				t.Errorf("METHOD = %q, want %q", got, tc.method)
			}
			events := cal.Events()
			if len(events) != 1 {
				t.Fatalf("%d events, want 1", len(events))
			}
			ev := events[0].Props
			if got := text(ev, ical.PropUID); got != tc.data.Booking.ID+"@prenota.comune.santarcangelo.rn.it" {
				t.Errorf("UID = %q", got)
			}
			if got := text(ev, ical.PropStatus); got != tc.status {
				t.Errorf("STATUS = %q, want %q", got, tc.status)
			}
			if seq, err := ev.Get(ical.PropSequence).Int(); err != nil || seq != tc.sequence {
				t.Errorf("SEQUENCE = %d (%v), want %d", seq, err, tc.sequence)
			}
			for prop, want := range map[string]time.Time{ical.PropDateTimeStart: tc.start, ical.PropDateTimeEnd: tc.end} {
				p := ev.Get(prop)
				if p == nil || !strings.HasSuffix(p.Value, "Z") || p.Params.Get(ical.ParamTimezoneID) != "" {
					t.Errorf("%s is not a UTC date-time: %+v", prop, p)
					continue
				}
				got, err := ev.DateTime(prop, nil)
				if err != nil || !got.Equal(want) {
					t.Errorf("%s = %v (%v), want %v", prop, got, err, want)
				}
			}
			stamp, err := ev.DateTime(ical.PropDateTimeStamp, nil)
			if err != nil || stamp.IsZero() {
				t.Errorf("DTSTAMP = %v (%v)", stamp, err)
			}
			var alarms []*ical.Component
			for _, c := range events[0].Children {
				if c.Name == ical.CompAlarm {
					alarms = append(alarms, c)
				}
			}
			if tc.method == "CANCEL" {
				if len(alarms) != 0 {
					t.Errorf("a cancellation has %d alarms", len(alarms))
				}
			} else if len(alarms) != 1 {
				t.Errorf("%d alarms, want a reminder", len(alarms))
			} else {
				a := alarms[0].Props
				trigger, err := a.Get(ical.PropTrigger).Duration()
				if err != nil || trigger != -24*time.Hour || text(a, ical.PropAction) != "DISPLAY" || text(a, ical.PropDescription) == "" {
					t.Errorf("alarm %+v: trigger %v (%v), want a displayed reminder the day before", a, trigger, err)
				}
			}
			if got := text(ev, ical.PropSummary); got != "Appuntamento: "+tc.data.Resource.Name {
				t.Errorf("SUMMARY = %q", got)
			}
			if got := text(ev, ical.PropLocation); got != tc.location {
				t.Errorf("LOCATION = %q, want %q", got, tc.location)
			}
			desc := text(ev, ical.PropDescription)
			for _, want := range tc.description {
				if !strings.Contains(desc, want) {
					t.Errorf("DESCRIPTION lacks %q:\n%s", want, desc)
				}
			}
			if u, err := ev.URI(ical.PropURL); err != nil || u.String() != "https://prenota.comune.santarcangelo.rn.it/prenotazioni/"+tc.data.Booking.ID {
				t.Errorf("URL = %v (%v)", u, err)
			}
			org := ev.Get(ical.PropOrganizer)
			if org == nil || org.Value != "mailto:protocollo@comune.santarcangelo.rn.it" || org.Params.Get(ical.ParamCommonName) != "Comune di Santarcangelo di Romagna" {
				t.Errorf("ORGANIZER = %+v", org)
			}
			if att := ev.Get(ical.PropAttendee); (att != nil) != (tc.method == "CANCEL") {
				t.Errorf("ATTENDEE = %+v with METHOD %s", att, tc.method)
			} else if att != nil && att.Params.Get(ical.ParamCommonName) != "NICCOLÒ D’AMICO" {
				t.Errorf("ATTENDEE CN = %q", att.Params.Get(ical.ParamCommonName))
			}
		})
	}
}

// TestICSSameEvent checks that the cancellation names the event it cancels.
func TestICSSameEvent(t *testing.T) {
	uid := func(d Data) string {
		raw, err := ICS(d, baseURL)
		if err != nil {
			t.Fatal(err)
		}
		cal, err := ical.NewDecoder(bytes.NewReader(raw)).Decode()
		if err != nil {
			t.Fatal(err)
		}
		return cal.Events()[0].Props.Get(ical.PropUID).Value
	}
	if a, b := uid(sample()), uid(cancelledSample()); a != b {
		t.Errorf("confirmed UID %q, cancelled UID %q", a, b)
	}
}

func TestICSErrors(t *testing.T) {
	noID := sample()
	noID.Booking.ID = ""
	backwards := sample()
	backwards.Booking.End = backwards.Booking.Start.Add(-time.Minute)
	tests := []struct {
		name string
		data Data
		base string
	}{
		{"no ID", noID, baseURL},
		{"end before start", backwards, baseURL},
		{"relative base URL", sample(), "/prenota"},
		{"empty base URL", sample(), ""},
	}
	for _, tc := range tests {
		if _, err := ICS(tc.data, tc.base); err == nil {
			t.Errorf("%s: ICS succeeded", tc.name)
		}
	}
}

func TestICSContentType(t *testing.T) {
	if got := ICSContentType(sample().Booking); got != "text/calendar; charset=utf-8; method=PUBLISH" {
		t.Errorf("confirmed: %q", got)
	}
	if got := ICSContentType(cancelledSample().Booking); got != "text/calendar; charset=utf-8; method=CANCEL" {
		t.Errorf("cancelled: %q", got)
	}
}

// checkFolding checks RFC 5545 §3.1: CRLF line ends, at most 75 octets a line.
func checkFolding(t *testing.T, raw []byte) {
	t.Helper()
	if !bytes.HasSuffix(raw, []byte("\r\n")) {
		t.Error("the file does not end with CRLF")
	}
	for i, line := range strings.Split(strings.TrimSuffix(string(raw), "\r\n"), "\r\n") {
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i+1, line)
		}
		if len(line) > 75 {
			t.Errorf("line %d is %d octets: %q", i+1, len(line), line)
		}
	}
}

func TestLinks(t *testing.T) {
	tests := []struct {
		name             string
		data             Data
		compact, rfc3339 [2]string
		location         string
	}{
		{"ora solare", sample(), [2]string{"20261025T080000Z", "20261025T081500Z"},
			[2]string{"2026-10-25T08:00:00Z", "2026-10-25T08:15:00Z"}, "Piazza Ganganelli 1, Santarcangelo di Romagna RN"},
		{"ora legale", phoneSample(booking.CitizenCalls), [2]string{"20260329T070000Z", "20260329T073000Z"},
			[2]string{"2026-03-29T07:00:00Z", "2026-03-29T07:30:00Z"}, "Appuntamento telefonico"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			l := Links(tc.data)
			title := "Appuntamento: " + tc.data.Resource.Name
			check := func(service, link, prefix string, want map[string]string, detailsKey string) {
				t.Helper()
				if !strings.HasPrefix(link, prefix) {
					t.Errorf("%s link %q does not start with %q", service, link, prefix)
				}
				if strings.Contains(link, "+") {
					t.Errorf("%s link writes spaces as +: %s", service, link)
				}
				u, err := url.Parse(link)
				if err != nil {
					t.Fatalf("%s: %v", service, err)
				}
				q := u.Query()
				for k, v := range want {
					if q.Get(k) != v {
						t.Errorf("%s %s = %q, want %q", service, k, q.Get(k), v)
					}
				}
				details := q.Get(detailsKey)
				if !strings.Contains(details, "Codice prenotazione: K7MP-QX9C") || !strings.Contains(details, "Fruitore: ") {
					t.Errorf("%s %s lacks the code or fruitore: %q", service, detailsKey, details)
				}
				if cf := tc.data.Booking.Fruitore.CodiceFiscale; strings.Contains(details, cf) {
					t.Errorf("%s link carries the codice fiscale", service)
				}
			}
			check("Google", l.Google, "https://calendar.google.com/calendar/render?action=TEMPLATE&", map[string]string{
				"text": title, "dates": tc.compact[0] + "/" + tc.compact[1], "location": tc.location,
			}, "details")
			check("Yahoo", l.Yahoo, "https://calendar.yahoo.com/?v=60&", map[string]string{
				"title": title, "st": tc.compact[0], "et": tc.compact[1], "in_loc": tc.location,
			}, "desc")
			check("Outlook", l.Outlook, "https://outlook.live.com/calendar/0/deeplink/compose?path=/calendar/action/compose&rru=addevent&", map[string]string{
				"subject": title, "startdt": tc.rfc3339[0], "enddt": tc.rfc3339[1], "location": tc.location,
			}, "body")
		})
	}
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run go test -update if the change is intended)\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

func goldenName(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		default:
			return '_'
		}
	}, strings.ToLower(strings.SplitN(s, ",", 2)[0]))
}
