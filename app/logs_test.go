package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/internal/testdb"
)

// The citizen of TestLogsWithoutPersonalData: every one of these strings
// is personal data that no log line may hold.
const (
	logCF          = "VRDGLN85M41F205W"
	logNome        = "Giuliana"
	logCognome     = "Verdolini"
	logEmail       = "giuliana.verdolini@example.org"
	logPhone       = "347 9876543"
	logMotivazione = "Separazione consensuale dal coniuge"
)

// TestLogsWithoutPersonalData runs a citizen's whole journey (login, hold,
// a refused and a good confirmation, receipt, calendar file, cancellation,
// the emails sent) and a back-office session (login, search by codice
// fiscale, the booking's page, a cancellation by staff) with JSON logs at
// debug level, then checks every line: a request line for each request,
// and none of the citizen's codice fiscale, names, email, phone or
// motivazione anywhere.
func TestLogsWithoutPersonalData(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) { testLogs(t, d) })
	}
}

func testLogs(t *testing.T, dialect string) {
	var logs syncBuffer
	logger, err := NewLogger(&logs, "json", slog.LevelDebug)
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(t.Context(), Config{Addr: "127.0.0.1:0", DatabaseURL: testdb.URL(t, dialect), BaseURL: "http://localhost:8080",
		Demo: true, RateLimit: true, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Listen(); err != nil {
		t.Fatal(err)
	}
	base := "http://" + a.Addr()
	ctx, stop := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { stop(); <-done }()

	requests := 0
	call := func(c *http.Client, method, path, ctype, body string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		if ctype != "" {
			req.Header.Set("Content-Type", ctype)
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		requests++
		return res.StatusCode, b
	}
	jar, _ := cookiejar.New(nil)
	citizen := &http.Client{Jar: jar}
	const js = "application/json"
	if st, b := call(citizen, "POST", "/api/v1/demo/login", js, fmt.Sprintf(`{"codice_fiscale":%q,"nome":%q,"cognome":%q}`, logCF, logNome, logCognome)); st != 200 {
		t.Fatalf("demo login: %d %s", st, b)
	}
	_, b := call(citizen, "GET", "/api/v1/resources", "", "")
	var tree []node
	json.Unmarshal(b, &tree)
	id := firstBookable(tree)
	_, b = call(citizen, "GET", fmt.Sprintf("/api/v1/resources/%d/availability?days=31", id), "", "")
	var av struct {
		Days []struct {
			Slots []struct{ Start, State string }
		}
	}
	json.Unmarshal(b, &av)
	var free []string
	for _, d := range av.Days {
		for _, s := range d.Slots {
			if s.State == "free" {
				free = append(free, s.Start)
			}
		}
	}
	if len(free) < 2 {
		t.Fatalf("fewer than two free slots: %s", b)
	}
	fruitore := fmt.Sprintf(`{"nome":%q,"cognome":%q,"data_nascita":"1985-08-01","sesso":"F","nazione_nascita":"ITALIA","provincia_nascita":"MI",`+
		`"comune_nascita":"MILANO","codice_fiscale":%q,"email":%q,"telefono":%q}`, logNome, logCognome, logCF, logEmail, logPhone)
	var bookings, codes []string
	for i, start := range free[:2] {
		st, b := call(citizen, "POST", "/api/v1/holds", js, fmt.Sprintf(`{"resource_id":%d,"start":%q}`, id, start))
		if st != http.StatusCreated {
			t.Fatalf("hold: %d %s", st, b)
		}
		var h struct{ ID string }
		json.Unmarshal(b, &h)
		if i == 0 { // a refused confirmation echoes nothing of the person into the log
			if st, b := call(citizen, "POST", "/api/v1/bookings", js, fmt.Sprintf(`{"hold_id":%q,"fruitore":{"nome":%q,"email":"non-una-email %s"},"motivazione":%q}`,
				h.ID, logNome, logEmail, logMotivazione)); st != http.StatusUnprocessableEntity {
				t.Fatalf("bad confirmation: %d %s", st, b)
			}
		}
		st, b = call(citizen, "POST", "/api/v1/bookings", js, fmt.Sprintf(`{"hold_id":%q,"fruitore":%s,"motivazione":%q,"telefono":%q,"extra":%s}`,
			h.ID, fruitore, logMotivazione, logPhone, requiredExtras(t, citizen, base, id)))
		if st != http.StatusCreated {
			t.Fatalf("confirm: %d %s", st, b)
		}
		var bk struct{ ID, Code string }
		json.Unmarshal(b, &bk)
		bookings = append(bookings, bk.ID)
		codes = append(codes, bk.Code)
	}
	for _, p := range []string{"/api/v1/bookings", "/api/v1/bookings/" + bookings[0], "/api/v1/bookings/" + bookings[0] + "/receipt.pdf",
		"/api/v1/bookings/" + bookings[0] + "/calendar.ics", "/", "/prenotazioni"} {
		if st, b := call(citizen, "GET", p, "", ""); st != 200 {
			t.Errorf("GET %s: %d %.200s", p, st, b)
		}
	}
	// the confirmations are sent before the bookings are cancelled
	waitMail := func(want int) {
		t.Helper()
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			_, n, err := a.Store.MailboxMessages(t.Context(), 10, 0)
			if err == nil && n >= want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d emails after 30 s (%v), want %d; log:\n%s", n, err, want, logs.String())
			}
		}
	}
	waitMail(2)
	if st, b := call(citizen, "DELETE", "/api/v1/bookings/"+bookings[0], "", ""); st != http.StatusNoContent {
		t.Fatalf("cancel: %d %s", st, b)
	}

	// the back office
	u, err := auth.NewUser("ufficio.anagrafe", "Ufficio Anagrafe", "anagrafe@comune.demo.it", "", auth.RoleAdmin, "password-molto-lunga-1")
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Identity.Accounts.AddUser(t.Context(), u, "test"); err != nil {
		t.Fatal(err)
	}
	jar2, _ := cookiejar.New(nil)
	staff := &http.Client{Jar: jar2}
	form := "application/x-www-form-urlencoded"
	if st, b := call(staff, "POST", "/auth/password", form, "login="+logCF+"&password=sbagliata"); st != http.StatusUnauthorized {
		t.Errorf("login with a codice fiscale: %d %.200s", st, b)
	}
	if st, b := call(staff, "POST", "/auth/password", form, "login=ufficio.anagrafe&password=password-molto-lunga-1&next=/backoffice/"); st != 200 {
		t.Fatalf("staff login: %d %.300s", st, b)
	}
	if st, b := call(staff, "GET", "/backoffice/cerca?codice="+logCF, "", ""); st != http.StatusOK {
		t.Errorf("search by codice fiscale: %d %.200s", st, b)
	}
	for _, p := range []string{"/backoffice/cerca?codice=" + codes[1], "/backoffice/prenotazioni/" + bookings[1], fmt.Sprintf("/backoffice/agenda/%d", id)} {
		if st, b := call(staff, "GET", p, "", ""); st != 200 {
			t.Errorf("GET %s: %d %.200s", p, st, b)
		}
	}
	if st, b := call(staff, "POST", "/backoffice/prenotazioni/"+bookings[1]+"/annulla", form,
		url.Values{"motivo": {"Annullata su richiesta di " + logNome + " " + logCognome + ", " + logPhone}}.Encode()); st != 200 {
		t.Errorf("staff cancellation: %d %.300s", st, b)
	}
	waitMail(4) // two confirmations, two cancellations
	for deadline := time.Now().Add(10 * time.Second); strings.Count(logs.String(), `"notify: sent"`) < 4; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no log of the four messages sent:\n%s", logs.String())
		}
	}

	out := logs.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	seen := 0
	for _, line := range lines {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a JSON line: %q", line)
		}
		if rec["msg"] == "request" {
			seen++
			for _, k := range []string{"method", "route", "status", "duration_ms", "request_id"} {
				if _, ok := rec[k]; !ok {
					t.Errorf("request line without %s: %s", k, line)
				}
			}
		}
	}
	if seen < requests {
		t.Errorf("%d request lines for %d requests", seen, requests)
	}
	for _, s := range []string{logCF, logNome, logCognome, logEmail, logPhone, strings.ReplaceAll(logPhone, " ", ""), logMotivazione} {
		for _, line := range lines {
			if strings.Contains(strings.ToLower(line), strings.ToLower(s)) {
				t.Errorf("a log line holds %q: %s", s, line)
			}
		}
	}
	t.Logf("%d log lines, %d request lines, %d requests", len(lines), seen, requests)
}

// requiredExtras answers the required extra fields of resource id, as JSON.
func requiredExtras(t *testing.T, c *http.Client, base string, id int64) string {
	res, err := c.Get(fmt.Sprintf("%s/api/v1/resources/%d", base, id))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var detail struct {
		ExtraFields []struct {
			Name, Type string
			Required   bool
			Options    []string
		} `json:"extra_fields"`
	}
	json.NewDecoder(res.Body).Decode(&detail)
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
	b, _ := json.Marshal(extra)
	return string(b)
}
