package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/codicefiscale"
	"github.com/prenota/prenota/internal/testdb"
)

// TestBackupWhileBooking backs up the database of a running `prenota serve`
// while 50 citizens book, restores the copy into a new, empty database,
// serves it, and finds there every booking answered 201 before the backup
// began. A restore into a database that has tables is refused.
func TestBackupWhileBooking(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, d string) {
		url := testdb.URL(t, d)
		base := serve(t, url)
		file := filepath.Join(t.TempDir(), "prenota.backup")
		var target string
		if d == "sqlite" {
			target = "sqlite:" + filepath.Join(t.TempDir(), "restored.db")
		} else {
			target = newPostgresDatabase(t, url)
		}
		testBackupWhileBooking(t, base, url, file, target)
	})
}

type answered struct {
	id, code string
	c        *http.Client
}

func testBackupWhileBooking(t *testing.T, base, url, file, target string) {
	slots := bookableSlots(t, base)
	const clients = 50
	var (
		mu     sync.Mutex
		booked []answered
		stop   = make(chan struct{})
		wg     sync.WaitGroup
	)
	for i := range clients {
		c := client(t, base, 500+i)
		who := fruitore(t, 500+i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < 200; n++ {
				select {
				case <-stop:
					return
				default:
				}
				s := slots[rand.IntN(len(slots))]
				if b, ok := bookSlot(t, c, base, s, who); ok {
					mu.Lock()
					booked = append(booked, answered{b.ID, b.Code, c})
					mu.Unlock()
				}
			}
		}()
	}
	count := func() int { mu.Lock(); defer mu.Unlock(); return len(booked) }
	for deadline := time.Now().Add(60 * time.Second); count() < 30; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			close(stop)
			wg.Wait()
			t.Fatalf("only %d bookings in a minute", count())
		}
	}
	mu.Lock()
	before := append([]answered(nil), booked...) // answered 201 before the backup began
	mu.Unlock()
	var out bytes.Buffer
	err := run(t.Context(), []string{"backup", "--database-url", url, "--to", file}, noEnv, &out)
	during := count() - len(before)
	close(stop)
	wg.Wait()
	if err != nil {
		t.Fatalf("backup: %v\n%s", err, out.String())
	}
	t.Logf("%d bookings before the backup, %d answered while it ran, %d in all; %s", len(before), during, count(), strings.TrimSpace(out.String()))

	err = run(t.Context(), []string{"restore", "--database-url", url, "--from", file}, noEnv, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "not empty") || !strings.Contains(err.Error(), "bookings") {
		t.Errorf("restore into the live database: %v, want a refusal naming its tables", err)
	}
	if err := run(t.Context(), []string{"restore", "--database-url", target, "--from", file}, noEnv, io.Discard); err != nil {
		t.Fatalf("restore into an empty database: %v", err)
	}
	restored := serve(t, target)
	for _, b := range before {
		resp, err := b.c.Get(restored + "/api/v1/bookings/" + b.id)
		if err != nil {
			t.Fatal(err)
		}
		var got struct{ ID, Code, Status string }
		json.NewDecoder(resp.Body).Decode(&got)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || got.Code != b.code || got.Status != string(booking.Confirmed) {
			t.Errorf("booking %s (%s) in the restored database: %s %+v", b.id, b.code, resp.Status, got)
		}
	}
}

func noEnv(string) string { return "" }

type slot struct {
	resource int64
	start    string
	extra    string // JSON answers to the required extra fields
}

// bookableSlots lists the free slots of the next four weeks of every
// bookable resource of the demo Comune.
func bookableSlots(t *testing.T, base string) []slot {
	var tree []apiNode
	getJSON(t, base+"/api/v1/resources", &tree)
	var out []slot
	var walk func([]apiNode)
	walk = func(ns []apiNode) {
		for _, n := range ns {
			walk(n.Children)
			if !n.Bookable {
				continue
			}
			var detail struct {
				ExtraFields []booking.ExtraField `json:"extra_fields"`
			}
			getJSON(t, fmt.Sprintf("%s/api/v1/resources/%d", base, n.ID), &detail)
			extra := map[string]string{}
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
			ej, _ := json.Marshal(extra)
			var av availability
			getJSON(t, fmt.Sprintf("%s/api/v1/resources/%d/availability?days=28", base, n.ID), &av)
			for _, d := range av.Days {
				for _, s := range d.Slots {
					if s.State == "free" {
						out = append(out, slot{n.ID, s.Start, string(ej)})
					}
				}
			}
		}
	}
	walk(tree)
	if len(out) < 100 {
		t.Fatalf("only %d free slots in the demo Comune", len(out))
	}
	return out
}

type apiNode struct {
	ID       int64     `json:"id"`
	Bookable bool      `json:"bookable"`
	Children []apiNode `json:"children"`
}

func getJSON(t *testing.T, url string, v any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
}

type bookingAnswer struct{ ID, Code string }

// bookSlot holds and confirms s; false when the seat is gone or a rule
// refuses it.
func bookSlot(t *testing.T, c *http.Client, base string, s slot, fruitore string) (bookingAnswer, bool) {
	resp, err := c.Post(base+"/api/v1/holds", "application/json", strings.NewReader(fmt.Sprintf(`{"resource_id":%d,"start":%q,"slots":1}`, s.resource, s.start)))
	if err != nil {
		t.Error(err)
		return bookingAnswer{}, false
	}
	var h struct{ ID string }
	json.NewDecoder(resp.Body).Decode(&h)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		return bookingAnswer{}, false
	}
	resp, err = c.Post(base+"/api/v1/bookings", "application/json", strings.NewReader(fmt.Sprintf(`{"hold_id":%q,"fruitore":%s,"motivazione":"Rinnovo","telefono":"333 1234567","extra":%s}`, h.ID, fruitore, s.extra)))
	if err != nil {
		t.Error(err)
		return bookingAnswer{}, false
	}
	defer resp.Body.Close()
	var b bookingAnswer
	json.NewDecoder(resp.Body).Decode(&b)
	return b, resp.StatusCode == http.StatusCreated
}

// newPostgresDatabase creates an empty database on the server of url,
// dropped when the test ends, and returns its URL with url's search_path.
func newPostgresDatabase(t *testing.T, url string) string {
	db, err := sql.Open("pgx", testdb.PostgresDSN())
	if err != nil {
		t.Fatal(err)
	}
	name := "restore_" + booking.NewID()
	if _, err := db.Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Exec("DROP DATABASE " + name + " WITH (FORCE)")
		db.Close()
	})
	i := strings.LastIndex(url, "/")
	j := strings.Index(url[i:], "?")
	return url[:i+1] + name + url[i+j:]
}

// fruitore is the anagrafica, as JSON, of the citizen client(t, base, i) logs in.
func fruitore(t *testing.T, i int) string {
	born := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i)
	cf, err := codicefiscale.Compute(codicefiscale.Person{Nome: "Mario", Cognome: "Rossi", Sesso: "M", Belfiore: "H501", DataNascita: born})
	if err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf(`{"nome":"Mario","cognome":"Rossi","data_nascita":%q,"sesso":"M","nazione_nascita":"ITALIA","provincia_nascita":"RM",`+
		`"comune_nascita":"ROMA","codice_fiscale":%q,"email":"mario.rossi%d@example.org","telefono":"333 1234567"}`, born.Format(time.DateOnly), cf, i)
}
