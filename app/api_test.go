package app

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/testdb"
)

// TestAPIWiring checks what app gives the JSON API: the hold override, the
// rate limits (on and off), the accounts (logins and bookings audited) and
// the base URL of the calendar files.
func TestAPIWiring(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			for _, limited := range []bool{true, false} {
				t.Run(fmt.Sprintf("rate limit %v", limited), func(t *testing.T) { testAPIWiring(t, d, limited) })
			}
		})
	}
}

func testAPIWiring(t *testing.T, dialect string, limited bool) {
	cfg := Config{Addr: "127.0.0.1:0", DatabaseURL: testdb.URL(t, dialect), BaseURL: "http://localhost:8080", Demo: true,
		HoldSeconds: 90, RateLimit: limited}
	cfg.Identity.Limits = auth.RateLimitOptions{HoldPerMinute: 1, HoldBurst: 1}
	a, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	srv := httptest.NewServer(a.Handler())
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	call := func(method, path, body string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}

	res, body := call("POST", "/api/v1/demo/login", `{"codice_fiscale":"RSSMRA70A01H501S","nome":"Mario","cognome":"Rossi"}`)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("demo login: %s %s", res.Status, body)
	}
	if es, err := a.Store.AuditLog(t.Context(), auth.AuditFilter{Action: auth.AuditLogin, Actor: "RSSMRA70A01H501S"}); err != nil || len(es) != 1 {
		t.Errorf("demo login audit: %+v %v", es, err)
	}

	// the first bookable resource of the demo Comune and two free slots
	_, body = call("GET", "/api/v1/resources", "")
	var tree []node
	json.Unmarshal(body, &tree)
	id := firstBookable(tree)
	if id == 0 {
		t.Fatalf("no bookable resource: %s", body)
	}
	res, body = call("GET", fmt.Sprintf("/api/v1/resources/%d", id), "")
	var detail struct {
		HoldMinutes int                  `json:"hold_minutes"`
		HoldSeconds int                  `json:"hold_seconds"`
		ExtraFields []booking.ExtraField `json:"extra_fields"`
	}
	json.Unmarshal(body, &detail)
	if res.StatusCode != 200 || detail.HoldMinutes != 2 || detail.HoldSeconds != 90 {
		t.Errorf("resource with --hold-seconds 90: %s", body)
	}
	extra := map[string]string{} // an answer to every required extra field
	for _, f := range detail.ExtraFields {
		switch {
		case !f.Required:
		case f.Type == "choice" && len(f.Options) > 0:
			extra[f.Name] = f.Options[0]
		case f.Type == "checkbox":
			extra[f.Name] = "true"
		default:
			extra[f.Name] = "Prova"
		}
	}
	extraJSON, _ := json.Marshal(extra)
	_, body = call("GET", fmt.Sprintf("/api/v1/resources/%d/availability?days=31", id), "")
	var av struct {
		Days []struct {
			Slots []struct{ Start, State string }
		}
	}
	json.Unmarshal(body, &av)
	var free []string
	for _, d := range av.Days {
		for _, s := range d.Slots {
			if s.State == "free" {
				free = append(free, s.Start)
			}
		}
	}
	if len(free) < 2 {
		t.Fatalf("fewer than two free slots in 31 days: %s", body)
	}

	res, body = call("POST", "/api/v1/holds", fmt.Sprintf(`{"resource_id":%d,"start":%q}`, id, free[0]))
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("hold: %s %s", res.Status, body)
	}
	var h struct{ ID string }
	json.Unmarshal(body, &h)
	res, body = call("POST", "/api/v1/holds", fmt.Sprintf(`{"resource_id":%d,"start":%q}`, id, free[1]))
	if limited {
		if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" ||
			!strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
			t.Errorf("second hold over a burst of 1: %s %v %s", res.Status, res.Header, body)
		}
	} else if res.StatusCode != http.StatusCreated {
		t.Errorf("second hold with --rate-limit off: %s %s", res.Status, body)
	} else {
		// The second hold released the first: one booking in progress at a time.
		json.Unmarshal(body, &h)
	}

	res, body = call("POST", "/api/v1/bookings", fmt.Sprintf(`{"hold_id":%q,"motivazione":"Rinnovo","telefono":"333 1234567","extra":%s}`, h.ID, extraJSON))
	if res.StatusCode != http.StatusCreated {
		t.Fatalf("confirm: %s %s", res.Status, body)
	}
	var b struct{ ID, Code string }
	json.Unmarshal(body, &b)
	if es, err := a.Store.AuditLog(t.Context(), auth.AuditFilter{Action: auth.AuditBookingConfirmed, Target: b.ID}); err != nil || len(es) != 1 {
		t.Errorf("confirm audit: %+v %v", es, err)
	}
	res, body = call("GET", "/api/v1/bookings/"+b.ID+"/calendar.ics", "")
	if res.StatusCode != 200 || !strings.Contains(string(body), "UID:"+b.ID+"@localhost") {
		t.Errorf("calendar.ics: %s %s", res.Status, body)
	}
	res, body = call("GET", "/api/v1/bookings/"+b.ID+"/receipt.pdf", "")
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("receipt.pdf: %s %.200s", res.Status, body)
	}
	if res, body = call("DELETE", "/api/v1/bookings/"+b.ID, ""); res.StatusCode != http.StatusNoContent {
		t.Fatalf("cancel: %s %s", res.Status, body)
	}
	if es, err := a.Store.AuditLog(t.Context(), auth.AuditFilter{Action: auth.AuditBookingCancelled, Target: b.ID}); err != nil || len(es) != 1 {
		t.Errorf("cancel audit: %+v %v", es, err)
	}
}

type node struct {
	ID       int64  `json:"id"`
	Bookable bool   `json:"bookable"`
	Children []node `json:"children"`
}

func firstBookable(ns []node) int64 {
	for _, n := range ns {
		if n.Bookable {
			return n.ID
		}
		if id := firstBookable(n.Children); id != 0 {
			return id
		}
	}
	return 0
}
