package notify_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"maragu.dev/goqite"

	"github.com/prenota/prenota/internal/testdb"
	"github.com/prenota/prenota/notify"
)

// TestPasswordResetEmail: the "Recupera password" message that the auth
// package puts on the outbox goes out by SMTP once, retried through an
// outage; one whose link has expired meanwhile is not sent.
func TestPasswordResetEmail(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		srv := startSMTP(t)
		srv.refuse = 1 // the first attempt fails
		mailer, err := notify.NewSMTP(srv.URL(), 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		now := e.clock.Now()
		for _, m := range []map[string]any{
			{"kind": "password_reset", "to": "anna.verdi@comune.demo.it", "name": "Anna Verdi", "login": "op1",
				"link": "https://prenota.comune.demo.it/auth/recupera-password/nuova?token=abc", "expires_at": now.Add(30 * time.Minute)},
			{"kind": "password_reset", "to": "scaduto@comune.demo.it", "name": "Link Scaduto", "login": "op2",
				"link": "https://prenota.comune.demo.it/auth/recupera-password/nuova?token=old", "expires_at": now.Add(-time.Minute)},
		} {
			body, _ := json.Marshal(m)
			if err := e.store.Outbox().Send(context.Background(), goqite.Message{Body: body}); err != nil {
				t.Fatal(err)
			}
		}
		metrics := notify.NewMetrics(nil)
		e.worker(notify.Config{Mailer: mailer, Metrics: metrics})
		waitFor(t, 20*time.Second, "the reset email", func() bool { return srv.count() >= 1 })
		waitFor(t, 10*time.Second, "no delivery queued", func() bool {
			n, err := e.store.PendingJobs(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			return n == 0
		})
		msgs := srv.messages()
		if len(msgs) != 1 {
			t.Fatalf("%d emails, want 1", len(msgs))
		}
		m := msgs[0]
		contains(t, "to", m.To, "anna.verdi@comune.demo.it")
		contains(t, "subject", m.Subject, "Recupera password - Comune di")
		contains(t, "text", m.Text, "Gentile Anna Verdi", "account op1", "https://prenota.comune.demo.it/auth/recupera-password/nuova?token=abc", "vale una sola volta")
		contains(t, "html", m.HTML, `href="https://prenota.comune.demo.it/auth/recupera-password/nuova?token=abc"`, "<strong>op1</strong>")
		if !strings.HasPrefix(m.MessageID, "password_reset.") || strings.Contains(m.MessageID, "abc") {
			t.Errorf("Message-ID %q", m.MessageID)
		}
	})
}
