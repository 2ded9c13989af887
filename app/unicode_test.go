package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prenota/prenota/internal/testdb"
)

// TestEmojiThroughAPI is issue 10's "done means 2": over HTTP, on each engine,
// a booking whose motivazione has an emoji (and a Comune whose name has one)
// is made, its receipt downloads and reads, its confirmation email arrives
// over SMTP, and the server stays up; a NUL in the nota is a 422 naming it.
// The province of birth is typed by name and stored as its sigla.
func TestEmojiThroughAPI(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) { testEmojiThroughAPI(t, d) })
	}
}

func testEmojiThroughAPI(t *testing.T, dialect string) {
	mx := startMailServer(t)
	ctx, cancel := context.WithCancel(t.Context())
	a, err := New(ctx, Config{Addr: "127.0.0.1:0", DatabaseURL: testdb.URL(t, dialect), BaseURL: "http://localhost:8080", Demo: true,
		SMTPURL: mx.url(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	set, err := a.Service.Settings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	set.Name = "Comune di Santarcangelo 🏛️"
	if err := a.Service.SaveSettings(ctx, set); err != nil {
		t.Fatal(err)
	}
	if err := a.Listen(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	base := "http://" + a.Addr()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	call := func(method, path, body string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v (is the server still up?)", method, path, err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	if st, body := call("POST", "/api/v1/demo/login", `{"codice_fiscale":"DMCNCL01S30D612R","nome":"NICCOLÒ","cognome":"D'AMICO"}`); st != http.StatusOK {
		t.Fatalf("demo login: %d %s", st, body)
	}
	_, body := call("GET", "/api/v1/resources", "")
	var tree []namedNode
	json.Unmarshal(body, &tree)
	rid := findResource(tree, "Carte d'Identità Elettronica")
	_, body = call("GET", fmt.Sprintf("/api/v1/resources/%d/availability?days=31", rid), "")
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
		t.Fatalf("fewer than 2 free slots in 31 days: %s", body)
	}
	hold := func(start string) string {
		t.Helper()
		st, body := call("POST", "/api/v1/holds", fmt.Sprintf(`{"resource_id":%d,"start":%q}`, rid, start))
		if st != http.StatusCreated {
			t.Fatalf("hold: %d %s", st, body)
		}
		var h struct{ ID string }
		json.Unmarshal(body, &h)
		return h.ID
	}
	fruitore := `{"nome":"NICCOLÒ","cognome":"D'AMICO","data_nascita":"2001-11-30","sesso":"M","nazione_nascita":"ITALIA",` +
		`"provincia_nascita":"Firenze","comune_nascita":"FIRENZE","codice_fiscale":"DMCNCL01S30D612R","email":"niccolo.damico@example.org","telefono":"333 1234567"}`

	// A NUL in the nota: 422 naming it, and nothing written.
	h := hold(free[0])
	st, body := call("POST", "/api/v1/bookings", fmt.Sprintf(`{"hold_id":%q,"fruitore":%s,"motivazione":"Rinnovo","telefono":"333 1234567","nota":"prima\u0000dopo"}`, h, fruitore))
	var p struct {
		Errors []struct{ Field, Message string }
	}
	json.Unmarshal(body, &p)
	if st != http.StatusUnprocessableEntity || len(p.Errors) != 1 || p.Errors[0].Field != "nota" || p.Errors[0].Message == "" {
		t.Fatalf("NUL in nota: %d %s, want 422 naming nota", st, body)
	}

	st, body = call("POST", "/api/v1/bookings", fmt.Sprintf(`{"hold_id":%q,"fruitore":%s,"motivazione":"Rinnovo carta 😀","telefono":"333 1234567"}`, h, fruitore))
	if st != http.StatusCreated {
		t.Fatalf("booking with an emoji: %d %s", st, body)
	}
	var b struct {
		ID, Code, Motivazione string
		Fruitore              struct {
			ProvinciaNascita string `json:"provincia_nascita"`
		}
	}
	json.Unmarshal(body, &b)
	if b.Motivazione != "Rinnovo carta 😀" {
		t.Errorf("motivazione stored as %q", b.Motivazione)
	}
	if b.Fruitore.ProvinciaNascita != "FI" { // typed as its name
		t.Errorf("provincia_nascita stored as %q, want FI", b.Fruitore.ProvinciaNascita)
	}

	req, _ := http.NewRequest("GET", base+"/api/v1/bookings/"+b.ID+"/receipt.pdf", nil)
	res, err := c.Do(req)
	if err != nil {
		t.Fatalf("receipt.pdf: %v", err)
	}
	pdf, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("receipt.pdf: %d %v", res.StatusCode, err)
	}
	path := filepath.Join(t.TempDir(), "ricevuta.pdf")
	if err := os.WriteFile(path, pdf, 0o600); err != nil {
		t.Fatal(err)
	}
	wantIn(t, "downloaded receipt", pdfToText(t, path), "COMUNE DI SANTARCANGELO", "Motivazione: Rinnovo carta", b.Code)

	mx.wait(t, 1)
	_, m := mx.message(t, 0)
	if !strings.HasPrefix(m.Subject, "Conferma Prenotazione") || len(m.Attachments) != 2 {
		t.Fatalf("confirmation: %q with %d attachments", m.Subject, len(m.Attachments))
	}
	wantIn(t, "confirmation text", m.Text, "Comune di Santarcangelo 🏛️", b.Code)
	if err := os.WriteFile(path, m.Attachments[0].Data, 0o600); err != nil {
		t.Fatal(err)
	}
	wantIn(t, "emailed receipt", pdfToText(t, path), "Motivazione: Rinnovo carta", b.Code)

	if st, body := call("GET", "/healthz", ""); st != http.StatusOK {
		t.Errorf("healthz after all this: %d %s", st, body)
	}
}
