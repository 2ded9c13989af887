// Package app wires Prenota together: configuration, the store, the booking
// service, sessions and the HTTP handlers, with a Run/Close lifecycle that
// cmd/prenota and the tests share.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/demo"
	"github.com/prenota/prenota/sqlstore"
)

// Config is the whole configuration (SPEC §14).
type Config struct {
	Addr        string         // listen address, ":8080"
	DatabaseURL string         // "sqlite:PATH" or "postgres://…"
	BaseURL     string         // public URL
	Demo        bool           // demo identity provider, demo mailbox, demo Comune
	SMTPURL     string         // smtp://user:pass@host:port; empty: the local mailbox
	HoldSeconds int            // overrides every resource's hold duration when > 0
	RateLimit   bool           // per-IP and per-identity limits
	Identity    IdentityConfig // SPID, CIE, OIDC, credentials (see identity.go)
	Logger      *slog.Logger
	// Messages (see notify.go): App IO when AppIOKey is set (AppIOURL ""
	// means notify.DefaultAppIOURL); reminders ReminderBefore the
	// appointment (0: 24 hours).
	AppIOKey       string
	AppIOURL       string
	ReminderBefore time.Duration
	// NotifyMaxAttempts is how many times a message is tried before it is
	// parked as failed (0: notify.DefaultMaxAttempts).
	NotifyMaxAttempts int
	// PurgeEvery is how often the service applies the retention period of
	// personal data (retention.go): 0 means DefaultPurgeEvery, negative
	// never (for deployments that run prenota purge from cron).
	PurgeEvery time.Duration
	// Who may read /metrics: the addresses of MetricsAllow connecting
	// directly (nil: DefaultMetricsAllow, this host), and anyone with the
	// bearer MetricsToken when it is set.
	MetricsAllow []netip.Prefix
	MetricsToken string
	// RehearseClickDay, when > 0 (demo mode only), opens the demo's CIE
	// slots that long after start, its waiting room active from start
	// (SPEC §15, clickday.go).
	RehearseClickDay time.Duration
	// Now replaces the clock of the booking rules (tests only).
	Now func() time.Time
}

// Validate checks the configuration.
func (c Config) Validate() error {
	var errs []error
	if c.Addr == "" {
		errs = append(errs, errors.New("addr is required"))
	}
	if !strings.HasPrefix(c.DatabaseURL, "sqlite:") && !strings.HasPrefix(c.DatabaseURL, "postgres://") && !strings.HasPrefix(c.DatabaseURL, "postgresql://") {
		errs = append(errs, fmt.Errorf("database-url must be sqlite:PATH or postgres://…, got %q", c.DatabaseURL))
	}
	if !strings.HasPrefix(c.BaseURL, "http://") && !strings.HasPrefix(c.BaseURL, "https://") {
		errs = append(errs, fmt.Errorf("base-url must be an http(s) URL, got %q", c.BaseURL))
	}
	if c.RehearseClickDay != 0 && (!c.Demo || c.RehearseClickDay < 0) {
		errs = append(errs, errors.New("rehearse-click-day needs demo mode and a positive duration"))
	}
	if c.HoldSeconds < 0 {
		errs = append(errs, errors.New("hold-seconds must not be negative"))
	}
	return errors.Join(errs...)
}

// App is a running Prenota.
type App struct {
	cfg      Config
	log      *slog.Logger
	Store    *sqlstore.Store
	Service  *booking.Service
	Sessions *auth.Manager
	Identity *Identity // accounts, limits, SPID/CIE/OIDC (see identity.go)
	handler  http.Handler
	server   *http.Server
	ln       net.Listener

	messaging *messaging // message worker, metrics, demo mailbox (notify.go)
	metrics   *serviceMetrics
}

// New opens the database (applying migrations), loads the demo Comune in
// demo mode and builds the handlers.
func New(ctx context.Context, cfg Config) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	store, err := sqlstore.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, err
	}
	metrics := newServiceMetrics()
	svc := booking.NewService(meteredStore{store, metrics}, booking.Options{
		Now:          cfg.Now,
		HoldDuration: time.Duration(cfg.HoldSeconds) * time.Second,
		CheckPerson:  checkPerson,
		Queue:        store,
	})
	if cfg.Demo {
		if err := demo.Load(ctx, svc); err != nil {
			store.Close()
			return nil, fmt.Errorf("load demo data: %w", err)
		}
	}
	if cfg.RehearseClickDay > 0 {
		if err := demo.Rehearse(ctx, svc, svc.Now().Add(cfg.RehearseClickDay)); err != nil {
			store.Close()
			return nil, fmt.Errorf("rehearse click day: %w", err)
		}
	}
	sessions := auth.NewManager(store.Sessions(), auth.Options{Secure: strings.HasPrefix(cfg.BaseURL, "https://")})
	a := &App{cfg: cfg, log: log, Store: store, Service: svc, Sessions: sessions, metrics: metrics}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", a.healthz)
	if err := a.setupNotify(mux); err != nil {
		store.Close()
		return nil, err
	}
	if err := a.setupIdentity(ctx, mux); err != nil {
		store.Close()
		return nil, err
	}
	if cfg.Demo {
		if err := a.demoStaff(ctx); err != nil {
			store.Close()
			return nil, fmt.Errorf("demo staff: %w", err)
		}
	}
	mux.Handle("/api/", a.withTokens(recordRoute(a.apiHandler())))
	backoffice, err := a.backofficeHandler()
	if err != nil {
		store.Close()
		return nil, err
	}
	mux.Handle("/backoffice/", backoffice)
	mux.Handle("/backoffice", backoffice)
	mux.Handle("/dati-aperti/", backoffice) // the open data, public when the Comune turns it on
	pages, err := a.webHandler()
	if err != nil {
		store.Close()
		return nil, err
	}
	mux.Handle("/", pages)
	durations := metrics.register(a.Metrics(), store)
	a.handler = a.observe(recoverPanics(log, securityHeaders(cfg.Identity.Production, a.Identity.protect(sessions.Middleware(a.Identity.Accounts.Recheck(recordRoute(mux)))))), durations)
	return a, nil
}

// demoStaff creates the demo staff accounts (auth.DemoStaff) that are
// missing; a new demo operatore gets every resource, so its agendas are full.
func (a *App) demoStaff(ctx context.Context) error {
	created, err := a.Identity.Accounts.EnsureDemoStaff(ctx)
	if err != nil {
		return err
	}
	for _, login := range created {
		if u, err := a.Store.UserByLogin(ctx, login); err != nil || u.Role != auth.RoleOperatore {
			continue
		}
		rs, err := a.Store.Resources(ctx)
		if err != nil {
			return err
		}
		ids := make([]int64, 0, len(rs))
		for _, r := range rs {
			ids = append(ids, r.ID)
		}
		if err := a.Store.SetAssignments(ctx, login, ids); err != nil {
			return err
		}
	}
	return nil
}

// Handler returns the root HTTP handler.
func (a *App) Handler() http.Handler { return a.handler }

func (a *App) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := a.Store.Ping(ctx); err != nil {
		a.log.Error("healthz", "err", err)
		http.Error(w, "database unreachable", http.StatusServiceUnavailable)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ok\n"))
}

// Listen opens the listening socket; Addr then tells the bound address
// (useful with port 0).
func (a *App) Listen() error {
	ln, err := net.Listen("tcp", a.cfg.Addr)
	if err != nil {
		return err
	}
	a.ln = ln
	return nil
}

// Addr returns the bound address after Listen.
func (a *App) Addr() string { return a.ln.Addr().String() }

// Run serves until ctx is done, then shuts down gracefully: in-flight
// requests finish (up to 20 seconds), then background work stops.
func (a *App) Run(ctx context.Context) error {
	if a.ln == nil {
		if err := a.Listen(); err != nil {
			return err
		}
	}
	a.server = &http.Server{Handler: a.handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	errc := make(chan error, 1)
	go func() { errc <- a.server.Serve(a.ln) }()
	// The loops stop and are awaited before Run returns, so before Close
	// closes the database they use.
	defer background(ctx, a.housekeeping)()
	defer background(ctx, a.waitlist)()
	defer background(ctx, a.advanceQueues)()
	stopRetention := a.startRetention(ctx)
	defer stopRetention()
	stopNotify := a.startNotify(ctx)
	defer stopNotify() // after the HTTP shutdown: HTTP, then the message worker, then (Close) the database
	a.log.Info("serving", "addr", a.Addr(), "base_url", a.cfg.BaseURL, "demo", a.cfg.Demo, "database", string(a.Store.Dialect()))
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	return a.server.Shutdown(shutdown)
}

// background runs loop until ctx ends or stop is called; stop waits for it
// to return.
func background(ctx context.Context, loop func(context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		loop(ctx)
	}()
	return func() { cancel(); <-done }
}

// housekeeping deletes expired sessions and stale holds now and then; nothing
// depends on it for correctness.
func (a *App) housekeeping(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		if err := a.Store.DeleteExpired(ctx); err != nil && ctx.Err() == nil {
			a.log.Warn("housekeeping", "err", err)
		}
		a.identityHousekeeping(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Close releases the database.
func (a *App) Close() error { return a.Store.Close() }
