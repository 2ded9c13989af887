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
	"time"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/testdb"
)

// TestWaitlistAPI: the waitlist calls of SPEC §16 on the demo Comune, with
// their problem+json answers naming the field in Italian.
func TestWaitlistAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			a, err := New(t.Context(), Config{Addr: "127.0.0.1:0", DatabaseURL: testdb.URL(t, d), BaseURL: "http://localhost:8080", Demo: true})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			srv := httptest.NewServer(a.Handler())
			defer srv.Close()
			client := func(cf, nome string) func(method, path, body string) (int, string, []byte) {
				jar, _ := cookiejar.New(nil)
				c := &http.Client{Jar: jar}
				call := func(method, path, body string) (int, string, []byte) {
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
					return res.StatusCode, res.Header.Get("Content-Type"), b
				}
				if cf != "" {
					if st, _, b := call("POST", "/api/v1/demo/login", fmt.Sprintf(`{"codice_fiscale":%q,"nome":%q,"cognome":"Prova"}`, cf, nome)); st != 200 {
						t.Fatalf("login %s: %d %s", cf, st, b)
					}
				}
				return call
			}
			mario, anna, nobody := client("RSSMRA70A01H501S", "Mario"), client("VRDNNA80A41H501X", "Anna"), client("", "")
			_, _, body := mario("GET", "/api/v1/resources", "")
			var tree []node
			json.Unmarshal(body, &tree)
			id := firstBookable(tree)
			today := booking.DateOf(time.Now(), booking.Rome)

			if st, _, b := nobody("POST", "/api/v1/waitlist", fmt.Sprintf(`{"resource_id":%d}`, id)); st != http.StatusUnauthorized {
				t.Errorf("anonymous join: %d %s", st, b)
			}
			for _, c := range []struct{ body, field string }{
				{`{"from":"` + today.String() + `"}`, "resource_id"},
				{fmt.Sprintf(`{"resource_id":%d,"from":"2026-13-01"}`, id), "from"},
				{fmt.Sprintf(`{"resource_id":%d,"from":%q}`, id, today.AddDays(-1)), "from"},
				{fmt.Sprintf(`{"resource_id":%d,"from":%q,"to":%q}`, id, today.AddDays(3), today.AddDays(2)), "to"},
				{fmt.Sprintf(`{"resource_id":%d,"times":[{"from":"12:00","to":"09:00"}]}`, id), "times[0]"},
				{fmt.Sprintf(`{"resource_id":%d,"times":[{"from":"9","to":"10:00"}]}`, id), "times[0]"},
				{fmt.Sprintf(`{"resource_id":%d,"email":"non-una-email"}`, id), "email"},
				{`{"resource_id":999999}`, "resource_id"},
			} {
				st, ct, b := mario("POST", "/api/v1/waitlist", c.body)
				var p struct {
					Status int
					Errors []struct{ Field, Message string }
				}
				json.Unmarshal(b, &p)
				if st < 400 || !strings.HasPrefix(ct, "application/problem+json") || len(p.Errors) == 0 || p.Errors[0].Field != c.field || p.Errors[0].Message == "" {
					t.Errorf("%s: %d %s %s", c.body, st, ct, b)
				}
			}

			// The demo resource has free seats: the first in line is offered one at once.
			st, _, b := mario("POST", "/api/v1/waitlist", fmt.Sprintf(`{"resource_id":%d,"from":%q,"to":%q,"email":"mario@example.it"}`, id, today, today.AddDays(30)))
			var e struct {
				ID              int64
				ResourceID      int64 `json:"resource_id"`
				From, To, State string
				Position        int
				HoldID          string `json:"hold_id"`
				Start, End      string
				ExpiresAt       string `json:"expires_at"`
			}
			json.Unmarshal(b, &e)
			if st != http.StatusCreated || e.ID == 0 || e.ResourceID != id || e.From != today.String() || e.State != "offered" || e.Position != 1 || e.HoldID == "" {
				t.Fatalf("join: %d %s", st, b)
			}
			for _, v := range []string{e.Start, e.End, e.ExpiresAt} {
				if _, err := time.Parse(time.RFC3339, v); err != nil {
					t.Errorf("offer time %q: %v", v, err)
				}
			}
			if st, ct, b := mario("POST", "/api/v1/waitlist", fmt.Sprintf(`{"resource_id":%d}`, id)); st != http.StatusConflict || !strings.HasPrefix(ct, "application/problem+json") ||
				!strings.Contains(string(b), `"field":"resource_id"`) {
				t.Errorf("second join: %d %s", st, b)
			}
			st, _, b = mario("GET", "/api/v1/waitlist", "")
			var list []map[string]any
			json.Unmarshal(b, &list)
			if st != 200 || len(list) != 1 || list[0]["state"] != "offered" || list[0]["hold_id"] != e.HoldID || list[0]["expires_at"] != e.ExpiresAt {
				t.Fatalf("list: %d %s", st, b)
			}
			if st, _, b := anna("GET", "/api/v1/waitlist", ""); st != 200 || strings.TrimSpace(string(b)) != "[]" {
				t.Errorf("anna's list: %d %s", st, b)
			}
			path := fmt.Sprintf("/api/v1/waitlist/%d", e.ID)
			if st, _, b := anna("DELETE", path, ""); st != http.StatusNotFound {
				t.Errorf("anna deletes mario's entry: %d %s", st, b)
			}
			if st, _, b := mario("DELETE", "/api/v1/waitlist/abc", ""); st != http.StatusNotFound || !strings.Contains(string(b), `"field":"id"`) {
				t.Errorf("bad id: %d %s", st, b)
			}
			if st, _, b := mario("DELETE", path, ""); st != http.StatusNoContent {
				t.Fatalf("delete: %d %s", st, b)
			}
			if h, err := a.Store.Hold(t.Context(), e.HoldID); err == nil {
				t.Errorf("the declined offer's hold is still there: %+v", h)
			}
			if st, _, b := mario("GET", "/api/v1/waitlist", ""); st != 200 || strings.TrimSpace(string(b)) != "[]" {
				t.Errorf("list after delete: %d %s", st, b)
			}
		})
	}
}
