package app

import (
	"context"
	"math"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/prenota/prenota/backoffice"
	"github.com/prenota/prenota/mailbox"
	"github.com/prenota/prenota/notify"
	"github.com/prenota/prenota/sqlstore"
	"github.com/prenota/prenota/web"
)

// messaging is the message worker and what shows its work: the metrics and,
// in demo mode, the local mailbox.
type messaging struct {
	worker   *notify.Worker
	registry *prometheus.Registry
}

// setupNotify builds the message worker (SMTP when configured, otherwise the
// local mailbox; App IO when a key is configured; the texts as edited in the
// back office at /backoffice/testi/email), serves /metrics and, in
// demo mode, the mailbox pages at /demo/posta.
func (a *App) setupNotify(mux *http.ServeMux) error {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	metrics := notify.NewMetrics(reg)
	// Every series from zero, so rate() and the alerts see the first message.
	for _, ch := range []notify.Channel{notify.EmailChannel, notify.AppIOChannel} {
		for _, k := range []notify.Kind{notify.Confirmation, notify.Cancellation, notify.Reminder} {
			for _, v := range []*prometheus.CounterVec{metrics.Queued, metrics.Sent, metrics.Retried, metrics.Failed, metrics.Skipped} {
				v.WithLabelValues(string(ch), string(k))
			}
		}
	}
	cfg := notify.Config{
		Store:        a.Store,
		BaseURL:      a.cfg.BaseURL,
		Metrics:      metrics,
		Logger:       a.log,
		ReminderLead: a.cfg.ReminderBefore,
		Overrides:    emailTemplates(a.Store),
		MaxAttempts:  a.cfg.NotifyMaxAttempts,
	}
	if a.cfg.SMTPURL != "" {
		m, err := notify.NewSMTP(a.cfg.SMTPURL, 30*time.Second)
		if err != nil {
			return err
		}
		cfg.Mailer = m
	}
	if a.cfg.AppIOKey != "" {
		cfg.AppIO = notify.NewAppIO(a.cfg.AppIOURL, a.cfg.AppIOKey, nil)
	}
	w, err := notify.NewWorker(cfg)
	if err != nil {
		return err
	}
	a.messaging = &messaging{worker: w, registry: reg}
	a.Store.OnEnqueue(w.Wake) // a committed booking's email leaves at once, not at the next poll
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "prenota", Name: "outbox_parked",
		Help: "Messages parked as failed after their last attempt: never sent, listed on the back office's home page."},
		func() float64 {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			n, err := a.Store.CountParked(ctx)
			if err != nil {
				return math.NaN()
			}
			return float64(n)
		}))
	allow := a.cfg.MetricsAllow
	if allow == nil {
		allow = DefaultMetricsAllow
	}
	mux.Handle("GET /metrics", guardMetrics(promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}), allow, a.cfg.MetricsToken))
	if a.cfg.Demo {
		h := mailbox.Handler(mailboxStore{a.Store}, mailbox.Options{StaticURL: web.StaticURL, Logger: a.log})
		mux.Handle(mailbox.Path, h)
		mux.Handle(mailbox.Path+"/", h)
	}
	return nil
}

// Metrics is the registry served at /metrics; other parts may register theirs.
func (a *App) Metrics() *prometheus.Registry { return a.messaging.registry }

// startNotify runs the worker until ctx ends or stop is called; stop waits
// for it to finish the message it is sending.
func (a *App) startNotify(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.messaging.worker.Run(ctx)
	}()
	return func() { cancel(); <-done }
}

// mailboxStore adapts the store to the mailbox pages.
type mailboxStore struct{ *sqlstore.Store }

func (m mailboxStore) MailboxEmails(ctx context.Context, limit, offset int) ([]mailbox.StoredEmail, int, error) {
	ms, n, err := m.MailboxMessages(ctx, limit, offset)
	out := make([]mailbox.StoredEmail, 0, len(ms))
	for _, x := range ms {
		out = append(out, mailbox.StoredEmail{ID: x.ID, Received: x.Received, Raw: x.Raw})
	}
	return out, n, err
}

func (m mailboxStore) MailboxEmail(ctx context.Context, id int64) (mailbox.StoredEmail, error) {
	x, err := m.MailboxMessageByID(ctx, id)
	return mailbox.StoredEmail{ID: x.ID, Received: x.Received, Raw: x.Raw}, err
}

// emailTemplates gives the worker the back office's versions of the email
// templates (booking.EmailTemplate), read before each message.
func emailTemplates(s *sqlstore.Store) func(ctx context.Context) (map[notify.Kind]notify.Parts, error) {
	return func(ctx context.Context) (map[notify.Kind]notify.Parts, error) {
		ts, err := s.EmailTemplates(ctx)
		if err != nil {
			return nil, err
		}
		out := make(map[notify.Kind]notify.Parts, len(ts))
		for k, t := range ts {
			out[notify.Kind(k)] = notify.Parts{Subject: t.Subject, Text: t.Text, HTML: t.HTML}
		}
		return out, nil
	}
}

// parkedMessages lists, for the back office, the deliveries the worker parked.
func parkedMessages(s *sqlstore.Store) func(ctx context.Context, limit int) ([]backoffice.ParkedMessage, int, error) {
	return func(ctx context.Context, limit int) ([]backoffice.ParkedMessage, int, error) {
		ps, n, err := s.ParkedJobs(ctx, limit)
		out := make([]backoffice.ParkedMessage, 0, len(ps))
		for _, p := range ps {
			kind, channel, bookingID, _ := notify.Delivery(p.Body)
			out = append(out, backoffice.ParkedMessage{At: p.ParkedAt, Kind: kind, Channel: channel, BookingID: bookingID, Attempts: p.Attempts, Error: p.Error})
		}
		return out, n, err
	}
}
