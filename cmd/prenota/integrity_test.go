package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/internal/testdb"
	"github.com/prenota/prenota/sqlstore"
)

// TestConfigChangesAcrossInstances: a closure and a lowered capacity saved
// through one instance are enforced at once by the holds and confirms of the
// other, whose cached configuration is older; and the fair-use rules hold
// over HTTP. On PostgreSQL with two server processes, on SQLite with one.
func TestConfigChangesAcrossInstances(t *testing.T) {
	for _, dialect := range []string{"postgres", "sqlite"} {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			dbURL := testdb.URL(t, dialect)
			a := serve(t, dbURL)
			b := a
			if dialect == "postgres" {
				b = serve(t, dbURL)
			}
			admin := adminClient(t, dbURL, a)
			form := url.Values{"tipo": {"risorsa"}, "name": {"Sportello Integrità"}, "kind": {"presenza"}, "slot_minutes": {"30"},
				"capacity": {"50"}, "max_slots": {"1"}, "days_ahead": {"60"}, "min_notice_minutes": {"0"}, "hold_minutes": {"10"}}
			for wd := 0; wd < 7; wd++ {
				form.Set(fmt.Sprintf("hours_%d", wd), "09:00-12:00")
			}
			loc := postForm(t, admin, a+"/backoffice/risorse/nuova", form)
			page := strings.TrimSuffix(a+loc, "/")
			var id int64
			if _, err := fmt.Sscanf(loc, "/backoffice/risorse/%d", &id); err != nil {
				t.Fatalf("resource location %q", loc)
			}

			t.Run("closure", func(t *testing.T) {
				start, _ := firstFree(t, b, id)
				c := client(t, b, 0)
				hold := holdOn(t, c, b, id, start, http.StatusCreated)
				// b has just read the configuration for the hold; the
				// closure goes through a, and the confirm through b follows
				// at once, well within b's cache.
				postForm(t, admin, page+"/chiusure", url.Values{"from": {start[:10]}, "reason": {"Disinfestazione"}})
				status, p := confirmOn(t, c, b, hold, 0)
				if status != http.StatusGone || !strings.Contains(p.Detail, "chiuso o modificato dal Comune") {
					t.Fatalf("confirm after a closure on the other instance: %d %+v, want 410 naming the change", status, p)
				}
				other := client(t, b, 1)
				body := fmt.Sprintf(`{"resource_id":%d,"start":%q,"slots":1}`, id, start)
				if status, p := post(t, other, b+"/api/v1/holds", body); status != http.StatusUnprocessableEntity || !strings.Contains(p.String(), "Disinfestazione") {
					t.Fatalf("hold on the closed day: %d %+v, want 422 naming the closure", status, p)
				}
			})

			t.Run("capacity lowered from 50 to 5", func(t *testing.T) {
				start, free := firstFree(t, b, id)
				if free != 50 {
					t.Fatalf("free seats %d, want 50", free)
				}
				const n = 20
				clients, holds := make([]*http.Client, n), make([]string, n)
				for i := range clients {
					clients[i] = client(t, b, 100+i)
					holds[i] = holdOn(t, clients[i], b, id, start, http.StatusCreated)
				}
				form.Set("capacity", "5")
				postForm(t, admin, page, form)
				statuses := make([]int, n)
				details := make([]string, n)
				var wg sync.WaitGroup
				ready := make(chan struct{})
				for i := range clients {
					wg.Go(func() {
						<-ready
						var p problem
						statuses[i], p = confirmOn(t, clients[i], b, holds[i], 100+i)
						details[i] = p.Detail
					})
				}
				close(ready)
				wg.Wait()
				count := map[int]int{}
				for i, s := range statuses {
					count[s]++
					if s == http.StatusGone && !strings.Contains(details[i], "ridotto i posti") {
						t.Errorf("410 without the reason: %q", details[i])
					}
				}
				if count[http.StatusCreated] > 5 || count[http.StatusCreated]+count[http.StatusGone] != n {
					t.Fatalf("statuses %v, want at most 5 × 201 and the rest 410", count)
				}
				t.Logf("statuses %v", count)
				if state, free := slotState(t, a, id, start); free != 5-count[http.StatusCreated] {
					t.Fatalf("slot %s with %d free seats after %d bookings on 5", state, free, count[http.StatusCreated])
				}
			})

			t.Run("fair use", func(t *testing.T) {
				form.Set("per_person", "1")
				postForm(t, admin, page, form)
				c := client(t, b, 200)
				slots := freeSlots(t, b, id, 22)
				first := holdOn(t, c, b, id, slots[0], http.StatusCreated)
				// A second hold releases the first.
				second := holdOn(t, c, b, id, slots[1], http.StatusCreated)
				if status, p := confirmOn(t, c, b, first, 200); status != http.StatusGone {
					t.Fatalf("confirm of the released hold: %d %+v, want 410", status, p)
				}
				if status, p := confirmOn(t, c, b, second, 200); status != http.StatusCreated {
					t.Fatalf("first booking: %d %+v", status, p)
				}
				third := holdOn(t, c, b, id, slots[2], http.StatusCreated)
				status, p := confirmOn(t, c, b, third, 200)
				if status != http.StatusUnprocessableEntity || !strings.Contains(p.Detail, "Limite di prenotazioni per persona") ||
					len(p.Errors) != 1 || p.Errors[0].Field != "fruitore.codice_fiscale" {
					t.Fatalf("second booking over a limit of 1: %d %+v, want 422 naming the rule", status, p)
				}
				// Another citizen sends 20 hold-and-confirm requests at once:
				// at most one booking, and no other answer than 409, 410, 422.
				c = client(t, b, 201)
				var wg sync.WaitGroup
				var mu sync.Mutex
				count := map[int]int{}
				ready := make(chan struct{})
				for _, start := range slots[2:] {
					wg.Go(func() {
						<-ready
						body := fmt.Sprintf(`{"resource_id":%d,"start":%q,"slots":1}`, id, start)
						status, p := post(t, c, b+"/api/v1/holds", body)
						if status == http.StatusCreated {
							status, _ = confirmOn(t, c, b, p.ID, 201)
						}
						mu.Lock()
						count[status]++
						mu.Unlock()
					})
				}
				close(ready)
				wg.Wait()
				if count[http.StatusCreated] > 1 || count[http.StatusCreated]+count[http.StatusConflict]+count[http.StatusGone]+count[http.StatusUnprocessableEntity] != 20 {
					t.Fatalf("20 racing requests of one identity: %v, want at most one 201", count)
				}
				t.Logf("20 racing requests of one identity: %v", count)
				if n := countBookings(t, c, b); n > 1 {
					t.Fatalf("%d bookings of one codice fiscale on a resource limited to 1", n)
				}
			})
		})
	}
}

type problem struct {
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
	ID string `json:"id"`
}

func (p problem) String() string { b, _ := json.Marshal(p); return string(b) }

// adminClient adds an admin account to the database and logs it in on base.
func adminClient(t *testing.T, dbURL, base string) *http.Client {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	const password = "una-password-lunga"
	u, err := auth.NewUser("admin", "Amministratore", "admin@comune.demo.it", "", auth.RoleAdmin, password)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	postForm(t, c, base+"/auth/password", url.Values{"login": {"admin"}, "password": {password}, "next": {"/backoffice/"}})
	return c
}

// postForm posts a back-office form and wants 303; it returns the Location.
func postForm(t *testing.T, c *http.Client, target string, form url.Values) string {
	t.Helper()
	resp, err := c.PostForm(target, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST %s: %s\n%.2000s", target, resp.Status, body)
	}
	return resp.Header.Get("Location")
}

func post(t *testing.T, c *http.Client, target, body string) (int, problem) {
	resp, err := c.Post(target, "application/json", bytes.NewBufferString(body))
	if err != nil {
		t.Error(err)
		return 0, problem{}
	}
	defer resp.Body.Close()
	var p problem
	json.NewDecoder(resp.Body).Decode(&p)
	return resp.StatusCode, p
}

// holdOn holds the slot at start and wants status; it returns the hold's ID.
func holdOn(t *testing.T, c *http.Client, base string, resource int64, start string, want int) string {
	t.Helper()
	status, p := post(t, c, base+"/api/v1/holds", fmt.Sprintf(`{"resource_id":%d,"start":%q,"slots":1}`, resource, start))
	if status != want {
		t.Fatalf("hold %s: %d %+v, want %d", start, status, p, want)
	}
	return p.ID
}

// confirmOn confirms a hold for the citizen of client(t, base, i).
func confirmOn(t *testing.T, c *http.Client, base, hold string, i int) (int, problem) {
	born := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i)
	body := fmt.Sprintf(`{"hold_id":%q,"motivazione":"Rinnovo carta d'identità","telefono":"333 1234567","fruitore":{"nome":"Mario","cognome":"Rossi",
		"data_nascita":%q,"sesso":"M","nazione_nascita":"ITALIA","provincia_nascita":"RM","comune_nascita":"ROMA","codice_fiscale":%q,
		"email":"mario.rossi@example.it","telefono":"333 1234567"}}`, hold, born.Format("2006-01-02"), citizenCF(t, i))
	return post(t, c, base+"/api/v1/bookings", body)
}

// freeSlots returns the starts of the first n free slots of a resource.
func freeSlots(t *testing.T, base string, resource int64, n int) []string {
	t.Helper()
	resp, err := http.Get(fmt.Sprintf("%s/api/v1/resources/%d/availability?days=28", base, resource))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var av availability
	if err := json.NewDecoder(resp.Body).Decode(&av); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, d := range av.Days {
		for _, s := range d.Slots {
			if s.State == "free" && len(out) < n {
				out = append(out, s.Start)
			}
		}
	}
	if len(out) < n {
		t.Fatalf("%d free slots, want %d", len(out), n)
	}
	return out
}

func countBookings(t *testing.T, c *http.Client, base string) int {
	t.Helper()
	resp, err := c.Get(base + "/api/v1/bookings")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Total int `json:"total"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	return list.Total
}
