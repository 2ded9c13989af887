package notify_test

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/prenota/prenota/mailbox"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/testdb"
	"github.com/prenota/prenota/notify"
)

var discard = testLogger()

func testLogger() *slog.Logger {
	if os.Getenv("NOTIFY_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.DiscardHandler)
}

func pdfText(t *testing.T, data []byte) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatalf("pdftotext (Debian poppler-utils) is required: %v", err)
	}
	path := filepath.Join(t.TempDir(), "ricevuta.pdf")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

// Done means 1: the confirmation email over a real SMTP conversation.
func TestConfirmationEmail(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			srv := startSMTP(t)
			mailer, err := notify.NewSMTP(srv.URL(), 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			reg := prometheus.NewRegistry()
			metrics := notify.NewMetrics(reg)
			e.worker(notify.Config{Mailer: mailer, Metrics: metrics})
			b := e.book("Carte d'Identità Elettronica", "presentante", niccolo, 0)
			waitFor(t, 10*time.Second, "the confirmation", func() bool { return srv.count() == 1 })

			m := srv.messages()[0]
			start := b.Start.In(booking.Rome)
			if want := "Conferma Prenotazione - Fruitore: NICCOLÒ D'AMICO – 30/11/2001 – CF. DMCNCL01S30D612R"; m.Subject != want {
				t.Errorf("subject %q, want %q", m.Subject, want)
			}
			if want := "confirmation." + b.ID + "@comune.demo.it"; m.MessageID != want {
				t.Errorf("Message-ID %q, want %q", m.MessageID, want)
			}
			contains(t, "From", m.From, "Comune di Demo", "<noreply@comune.demo.it>")
			contains(t, "To", m.To, "niccolo.damico@example.org")
			if m.ReplyTo != "" {
				t.Errorf("Reply-To %q without a ReplyTo setting", m.ReplyTo)
			}
			contains(t, "text part", m.Text,
				"Gentile utente,",
				"il suo appuntamento è stato fissato come richiesto e trova riscontro nella ricevuta qui allegata.",
				"Appuntamento: Carte d'Identità Elettronica",
				"Data e ora: "+weekday(start)+" "+start.Format("02/01/2006")+" ore "+start.Format("15:04"),
				"Luogo: Corso Matteotti 8, Santarcangelo di Romagna RN",
				"Codice prenotazione: "+b.Code,
				"Dettagli e annullamento: https://prenota.comune.demo.it/prenotazioni/"+b.ID,
				"Ricordiamo che il giorno dell'appuntamento dovrà portare con sé i dati della prenotazione e l'eventuale documentazione occorrente.",
				"DOCUMENTI DA PRESENTARE",
				"Per ulteriori informazioni può telefonare al numero 0541 356211.", // the office's, not the Comune's 0541 356111
				"Grazie per aver utilizzato il servizio di appuntamento online del Comune di Demo.\nCordiali saluti.",
				"Questa mail è stata inviata da un account NoReply. Eventuali risposte a questa email non verranno gestite.")
			for _, no := range []string{"telefonic", "contattare lo", "0541 356111"} {
				if strings.Contains(m.Text, no) || strings.Contains(m.HTML, no) {
					t.Errorf("the email of an appointment in person says %q", no)
				}
			}
			contains(t, "HTML part", m.HTML, "<!doctype html>", "Gentile utente,", b.Code, "D&#39;AMICO",
				`<a href="https://prenota.comune.demo.it/prenotazioni/`+b.ID+`">`)
			if len(m.Attachments) != 2 {
				t.Fatalf("%d attachments, want 2", len(m.Attachments))
			}
			pdf, ics := m.Attachments[0], m.Attachments[1]
			if pdf.Name != "ricevuta-"+b.Code+".pdf" || !strings.HasPrefix(pdf.ContentType, "application/pdf") {
				t.Errorf("first attachment %s (%s)", pdf.Name, pdf.ContentType)
			}
			if ics.Name != "appuntamento-"+b.Code+".ics" || !strings.HasPrefix(ics.ContentType, "text/calendar") {
				t.Errorf("second attachment %s (%s)", ics.Name, ics.ContentType)
			}
			contains(t, "ics", string(ics.Data), "BEGIN:VCALENDAR", "UID:"+b.ID+"@prenota.comune.demo.it",
				"DTSTART:"+b.Start.UTC().Format("20060102T150405Z"), "STATUS:CONFIRMED")
			contains(t, "PDF", pdfText(t, pdf.Data),
				"CARTE D'IDENTITÀ ELETTRONICA", "CORSO MATTEOTTI 8, SANTARCANGELO DI ROMAGNA RN",
				"NICCOLÒ D'AMICO – 30/11/2001 – CF. DMCNCL01S30D612R",
				strings.ToUpper(weekday(start)[:1])+weekday(start)[1:]+" "+start.Format("02/01/2006")+" ore "+start.Format("15:04"),
				"DOCUMENTI DA PRESENTARE", "la tessera sanitaria (codice fiscale)", b.Code)

			if got := testutil.ToFloat64(metrics.Sent.WithLabelValues("email", "confirmation")); got != 1 {
				t.Errorf("sent metric %v, want 1", got)
			}
			if got := testutil.ToFloat64(metrics.Queued.WithLabelValues("email", "confirmation")); got != 1 {
				t.Errorf("queued metric %v, want 1", got)
			}
		})
	}
}

// Done means 3: an SMTP outage delays messages, never loses or doubles them.
func TestSMTPOutage(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			srv := startSMTP(t)
			srv.stop() // down from the start
			// Generous timeouts: on a loaded machine a send cut short after
			// the server accepted the message would be retried, and sent
			// twice; that is the at-least-once of a crash, not an outage.
			mailer, err := notify.NewSMTP(srv.URL(), 15*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			metrics := notify.NewMetrics(nil)
			e.worker(notify.Config{Mailer: mailer, Metrics: metrics, Concurrency: 4, Visibility: time.Minute, SendTimeout: 20 * time.Second,
				Backoff: func(int) time.Duration { return 200 * time.Millisecond }})
			ids := map[string]bool{}
			t0 := time.Now()
			for i := range 50 {
				p := niccolo
				p.Email = fmt.Sprintf("cittadino%02d@example.org", i)
				b := e.book("SALA N° 1 - piano 1°", fmt.Sprintf("presentante%02d", i), p, 0)
				ids["confirmation."+b.ID+"@comune.demo.it"] = true
			}
			t.Logf("%s: 50 bookings made", time.Since(t0))
			waitFor(t, 30*time.Second, "50 failed attempts", func() bool {
				return testutil.ToFloat64(metrics.Failed.WithLabelValues("email", "confirmation")) >= 50
			})
			t.Logf("%s: 50 failed", time.Since(t0))
			srv.restart()
			waitFor(t, 60*time.Second, "50 emails", func() bool { return srv.count() >= 50 })
			t.Logf("%s: 50 emails", time.Since(t0))
			// The deletion of a delivery follows the server's acceptance;
			// once none is queued, none can be sent again.
			waitFor(t, 10*time.Second, "no delivery queued", func() bool {
				n, err := e.store.PendingJobs(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				return n == 0
			})
			got := byMessageID(srv.messages())
			if srv.count() != 50 || len(got) != 50 {
				t.Fatalf("%d emails with %d Message-IDs, want 50 and 50", srv.count(), len(got))
			}
			for id, n := range got {
				if !ids[id] || n != 1 {
					t.Errorf("Message-ID %s arrived %d times (ours: %v)", id, n, ids[id])
				}
			}
			if testutil.ToFloat64(metrics.Retried.WithLabelValues("email", "confirmation")) < 50 {
				t.Error("retries not counted")
			}
		})
	}
}

// Done means 3: a worker that dies after the server accepted a message and
// before deleting it loses nothing and sends it at most once more; a refused
// DATA is retried.
func TestWorkerCrash(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			srv := startSMTP(t)
			srv.refuse = 1 // the first DATA gets a 451
			mailer, err := notify.NewSMTP(srv.URL(), 2*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			crashed := make(chan struct{})
			ts := &testStore{Store: e.store}
			cfg := notify.Config{Store: ts, Mailer: mailer, Visibility: time.Second, SendTimeout: 500 * time.Millisecond}
			_, stop := e.worker(cfg)
			ts.ackFails = func() { close(crashed) }
			b := e.book("Carte d'Identità Elettronica", "presentante", niccolo, 0)
			<-crashed
			stop() // the process is gone; its delivery stays hidden for Visibility
			if n := srv.count(); n != 1 {
				t.Fatalf("%d emails before the restart, want 1", n)
			}
			cfg.Store = e.store
			e.worker(cfg) // the process restarts
			waitFor(t, 10*time.Second, "the redelivery", func() bool { return srv.count() == 2 })
			// Once the redelivery is deleted from the queue, nothing more can come.
			waitFor(t, 20*time.Second, "no delivery queued", func() bool {
				n, err := e.store.PendingJobs(context.Background())
				return err == nil && n == 0
			})
			got := byMessageID(srv.messages())
			if id := "confirmation." + b.ID + "@comune.demo.it"; len(got) != 1 || got[id] != 2 {
				t.Errorf("got %v, want the confirmation twice (one duplicate)", got)
			}
		})
	}
}

// Done means 4: cancelling sends the cancellation email, with the reason.
func TestCancellationEmail(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			srv := startSMTP(t)
			mailer, err := notify.NewSMTP(srv.URL(), 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			e.worker(notify.Config{Mailer: mailer})
			b := e.book("Biblioteca Comunale", "presentante", niccolo, 0)
			waitFor(t, 10*time.Second, "the confirmation", func() bool { return srv.count() == 1 })
			if _, err := e.store.Cancel(context.Background(), b.ID, "chiusura straordinaria per sciopero"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, 10*time.Second, "the cancellation", func() bool { return srv.count() == 2 })
			m := srv.messages()[1]
			if want := "Annullamento Prenotazione - Fruitore: NICCOLÒ D'AMICO – 30/11/2001 – CF. DMCNCL01S30D612R"; m.Subject != want {
				t.Errorf("subject %q, want %q", m.Subject, want)
			}
			contains(t, "text part", m.Text, "il suo appuntamento è stato annullato.",
				"Motivo dell'annullamento: chiusura straordinaria per sciopero", "Codice prenotazione: "+b.Code, "Biblioteca Comunale")
			contains(t, "HTML part", m.HTML, "chiusura straordinaria per sciopero")
			if len(m.Attachments) != 1 {
				t.Fatalf("%d attachments, want the cancelling .ics", len(m.Attachments))
			}
			contains(t, "ics", string(m.Attachments[0].Data), "STATUS:CANCELLED", "UID:"+b.ID+"@prenota.comune.demo.it")
		})
	}
}

// Done means 4: the reminder goes out once for a booking whose reminder time
// has passed, never for a cancelled one. No SMTP server: the local mailbox.
func TestReminder(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			ctx := context.Background()
			kept := e.book("Biblioteca Comunale", "presentante", niccolo, 48*time.Hour)
			anna := niccolo
			anna.Nome, anna.Email = "ANNA", "anna@example.org"
			gone := e.book("Biblioteca Comunale", "altro", anna, 48*time.Hour)
			metrics := notify.NewMetrics(nil)
			rs := &roundsStore{Store: e.store}
			e.worker(notify.Config{Store: rs, Metrics: metrics, ReminderEvery: 20 * time.Millisecond, ReminderLead: 24 * time.Hour})
			mb := mailboxStore{e.store}
			waitFor(t, 10*time.Second, "2 confirmations in the mailbox", func() bool {
				_, n, _ := mb.MailboxEmails(ctx, 10, 0)
				return n == 2
			})
			if _, err := e.store.Cancel(ctx, gone.ID, ""); err != nil {
				t.Fatal(err)
			}
			// Confirmations and the cancellation, then nothing: no reminder is due.
			waitFor(t, 10*time.Second, "3 emails in the mailbox", func() bool {
				_, n, _ := mb.MailboxEmails(ctx, 10, 0)
				return n == 3
			})
			rs.waitRounds(t, 2) // two more looks for due reminders
			if n := testutil.ToFloat64(metrics.Queued.WithLabelValues("email", "reminder")); n != 0 {
				t.Fatalf("%v reminders queued before their time", n)
			}
			// A day before the later of the two appointments, both are due.
			later := kept.Start
			if gone.Start.After(later) {
				later = gone.Start
			}
			e.clock.Set(later.Add(-23 * time.Hour))
			waitFor(t, 10*time.Second, "the reminder", func() bool {
				_, n, _ := mb.MailboxEmails(ctx, 10, 0)
				return n == 4
			})
			rs.waitRounds(t, 2) // more looks: still one
			ms, n, err := mb.MailboxEmails(ctx, 10, 0)
			if err != nil || n != 4 {
				t.Fatalf("%d emails (%v), want 4", n, err)
			}
			var reminders []*mailbox.Parsed
			for _, m := range ms {
				p, err := mailbox.ParseEmail(m.Raw)
				if err != nil {
					t.Fatal(err)
				}
				if strings.HasPrefix(p.Subject, "Promemoria") {
					reminders = append(reminders, p)
				}
			}
			if len(reminders) != 1 {
				t.Fatalf("%d reminders, want 1", len(reminders))
			}
			r := reminders[0]
			if r.MessageID != "reminder."+kept.ID+"@comune.demo.it" || r.To != "<niccolo.damico@example.org>" {
				t.Errorf("reminder %s to %s, want the kept booking's", r.MessageID, r.To)
			}
			start := kept.Start.In(booking.Rome)
			contains(t, "reminder", r.Text, "le ricordiamo il suo appuntamento del "+start.Format("02/01/2006")+" alle ore "+start.Format("15:04"), kept.Code)
			if q := testutil.ToFloat64(metrics.Queued.WithLabelValues("email", "reminder")); q != 1 {
				t.Errorf("%v reminders queued, want 1", q)
			}
		})
	}
}

// appIO is a fake App IO: profiles by codice fiscale, and the messages posted.
type appIO struct {
	mu       sync.Mutex
	profiles map[string]string // CF → profile JSON; missing: 404
	messages []map[string]any
	keys     []string
	failNext int // answer 503 to that many message posts
}

func (a *appIO) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.keys = append(a.keys, r.Header.Get("Ocp-Apim-Subscription-Key"))
	var body map[string]any
	data, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(data, &body); err != nil || r.Method != http.MethodPost {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	cf, _ := body["fiscal_code"].(string)
	switch r.URL.Path {
	case "/api/v1/profiles":
		p, ok := a.profiles[cf]
		if !ok {
			http.Error(w, `{"title":"Not found"}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		io.WriteString(w, p)
	case "/api/v1/messages":
		if a.failNext > 0 {
			a.failNext--
			http.Error(w, "unavailable", http.StatusServiceUnavailable)
			return
		}
		a.messages = append(a.messages, body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"id":"01MSG%d"}`, len(a.messages))
	default:
		http.NotFound(w, r)
	}
}

// Done means: App IO as a second channel — profile 404 and sender_allowed
// false are skipped, otherwise the message is posted with the key; a 503 is
// retried.
func TestAppIO(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			onIO, notOnIO, refuses := niccolo, niccolo, niccolo
			notOnIO.CodiceFiscale, notOnIO.Email = "RSSMRA70A01H501S", "mario@example.org"
			refuses.CodiceFiscale, refuses.Email = "VRDGPP80A01H501U", "giuseppe@example.org"
			fake := &appIO{profiles: map[string]string{
				onIO.CodiceFiscale:    `{"sender_allowed":true,"preferred_languages":["it_IT"]}`,
				refuses.CodiceFiscale: `{"sender_allowed":false}`,
			}, failNext: 1}
			srv := httptest.NewServer(fake) // 127.0.0.1
			defer srv.Close()
			metrics := notify.NewMetrics(nil)
			e.worker(notify.Config{Metrics: metrics, AppIO: notify.NewAppIO(srv.URL, "chiave-di-prova", srv.Client())})
			b := e.book("Biblioteca Comunale", "p1", onIO, 0)
			e.book("Biblioteca Comunale", "p2", notOnIO, 0)
			e.book("Biblioteca Comunale", "p3", refuses, 0)
			waitFor(t, 10*time.Second, "3 emails and 3 App IO outcomes", func() bool {
				return testutil.ToFloat64(metrics.Sent.WithLabelValues("email", "confirmation")) == 3 &&
					testutil.ToFloat64(metrics.Sent.WithLabelValues("appio", "confirmation")) == 1 &&
					testutil.ToFloat64(metrics.Skipped.WithLabelValues("appio", "confirmation")) == 2
			})
			fake.mu.Lock()
			defer fake.mu.Unlock()
			if len(fake.messages) != 1 {
				t.Fatalf("%d App IO messages, want 1", len(fake.messages))
			}
			msg := fake.messages[0]
			if msg["fiscal_code"] != onIO.CodiceFiscale {
				t.Errorf("message to %v", msg["fiscal_code"])
			}
			content, _ := msg["content"].(map[string]any)
			subject, _ := content["subject"].(string)
			markdown, _ := content["markdown"].(string)
			if n := utf8.RuneCountInString(subject); n < 10 || n > 120 {
				t.Errorf("subject of %d characters: %q", n, subject)
			}
			if n := utf8.RuneCountInString(markdown); n < 80 || n > 10000 {
				t.Errorf("markdown of %d characters: %q", n, markdown)
			}
			contains(t, "subject", subject, "Prenotazione confermata: Biblioteca Comunale")
			contains(t, "markdown", markdown, b.Code, "Via Pascoli 3")
			for _, k := range fake.keys {
				if k != "chiave-di-prova" {
					t.Errorf("call with key %q", k)
				}
			}
			if r := testutil.ToFloat64(metrics.Retried.WithLabelValues("appio", "confirmation")); r != 1 {
				t.Errorf("%v App IO retries, want 1 (after the 503)", r)
			}
		})
	}
}

// Issue 10, done means 5: a message whose handling panics is retried with
// backoff, then parked after MaxAttempts; the other messages are delivered
// before and after, and the worker goes on.
func TestPoisonMessageParked(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			e := newEnv(t, dialect)
			srv := startSMTP(t)
			mailer, err := notify.NewSMTP(srv.URL(), 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			poison := e.book("Carte d'Identità Elettronica", "presentante1", niccolo, 0)
			ps := &poisonStore{Store: e.store, poison: poison.ID}
			var backoffs []int
			var mu sync.Mutex
			e.worker(notify.Config{Store: ps, Mailer: mailer, MaxAttempts: 3, Backoff: func(attempt int) time.Duration {
				mu.Lock()
				backoffs = append(backoffs, attempt)
				mu.Unlock()
				return 30 * time.Millisecond
			}})
			other := niccolo
			other.Email = "altro@example.org"
			good := e.book("Carte d'Identità Elettronica", "presentante2", other, 0)
			waitFor(t, 20*time.Second, "the poison message parked", func() bool {
				n, err := e.store.CountParked(context.Background())
				if err != nil {
					t.Fatal(err)
				}
				return n == 1
			})
			if n := ps.tries(); n != 3 {
				t.Errorf("the poison message was tried %d times, want 3", n)
			}
			mu.Lock()
			if !slices.Equal(backoffs, []int{1, 2}) {
				t.Errorf("backoff asked after attempts %v, want [1 2] (then parked)", backoffs)
			}
			mu.Unlock()
			parked, total, err := e.store.ParkedJobs(context.Background(), 10)
			if err != nil || total != 1 || len(parked) != 1 {
				t.Fatalf("ParkedJobs: %v %d %v", parked, total, err)
			}
			if p := parked[0]; p.Attempts != 3 || !strings.Contains(p.Error, "panic: runtime error: index out of range") ||
				!strings.Contains(string(p.Body), poison.ID) || p.ParkedAt.IsZero() {
				t.Errorf("parked: %+v (%s)", p, p.Body)
			}
			// The worker is still up: a booking made after the parking is sent too.
			late := e.book("Carte d'Identità Elettronica", "presentante3", other, 0)
			want := []string{"confirmation." + good.ID + "@comune.demo.it", "confirmation." + late.ID + "@comune.demo.it"}
			waitFor(t, 20*time.Second, "the other confirmations", func() bool {
				got := byMessageID(srv.messages())
				return got[want[0]] == 1 && got[want[1]] == 1
			})
			waitFor(t, 10*time.Second, "an empty queue", func() bool {
				n, err := e.store.PendingJobs(context.Background())
				return err == nil && n == 0
			})
			if got := byMessageID(srv.messages()); len(got) != 2 {
				t.Errorf("emails %v, want only the two good confirmations", got)
			}
			if n := ps.tries(); n != 3 {
				t.Errorf("the parked message was tried again: %d tries", n)
			}
		})
	}
}

// Issue 10, point 7: a serialization failure met while receiving (normal on
// PostgreSQL with several workers) is logged at debug level and retried; the
// message still goes out.
func TestSerializationFailureIsDebug(t *testing.T) {
	e := newEnv(t, "postgres")
	srv := startSMTP(t)
	mailer, err := notify.NewSMTP(srv.URL(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	var logs logLines
	log := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	e.worker(notify.Config{Store: &contendedStore{Store: e.store, fails: 3}, Mailer: mailer, Logger: log})
	b := e.book("Carte d'Identità Elettronica", "presentante", niccolo, 0)
	waitFor(t, 20*time.Second, "the confirmation", func() bool { return byMessageID(srv.messages())["confirmation."+b.ID+"@comune.demo.it"] == 1 })
	got := logs.matching("notify: receive delivery")
	if len(got) != 3 {
		t.Fatalf("%d log lines about receiving, want 3: %q", len(got), got)
	}
	for _, l := range got {
		if !strings.Contains(l, "level=DEBUG") || !strings.Contains(l, "40001") {
			t.Errorf("not a debug line about 40001: %s", l)
		}
	}
	if errs := logs.matching("level=ERROR"); len(errs) > 0 {
		t.Errorf("errors logged: %q", errs)
	}
}
