// Command prenota runs the Prenota booking service.
//
//	prenota serve     serve HTTP (applies migrations first)
//	prenota migrate   apply the database migrations and exit
//	prenota demo      load the demo Comune into an empty database and exit
//	prenota user add  create an account for staff or an authorised third party
//	prenota purge     apply the retention period of personal data once and exit
//	prenota backup    copy the database while it runs (backup.go)
//	prenota restore   load a backup into an empty database (backup.go)
//	prenota version   print the version and the database schema it knows
//
// Every flag has a PRENOTA_* environment variable (see SPEC §14); flags win.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/prenota/prenota/app"
	"github.com/prenota/prenota/demo"
	"github.com/prenota/prenota/notify"
	"github.com/prenota/prenota/sqlstore"
)

func main() {
	app.TuneGC()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "prenota:", err)
		os.Exit(1)
	}
}

const usage = `usage: prenota <command> [flags]

commands:
  serve     serve HTTP (applies migrations first)
  migrate   apply the database migrations and exit
  demo      load the demo Comune into an empty database and exit
  user add  create an account (prenota user add --login L --name N --email E [--cf CF] [--role R])
  purge     apply the Comune's retention period of personal data once and exit (for cron)
  backup    --to FILE: a checked copy of the database, while the service runs
  restore   --from FILE: load a backup into an empty database
  version   print the version and the database schema it knows
  saml keygen  write the SP key and AgID-profile certificate (prenota saml keygen -h)

flags (each also read from the PRENOTA_* variable in brackets):
`

func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		newFlags(getenv, stderr).fs.PrintDefaults()
		return nil
	}
	cmd := args[0]
	if cmd == "user" {
		return runUser(ctx, args[1:], getenv, os.Stdin, stderr)
	}
	if sub, ok := subcommands[cmd]; ok {
		return sub(ctx, args[1:], getenv, stderr)
	}
	f := newFlags(getenv, stderr)
	if err := f.fs.Parse(args[1:]); err != nil {
		return err
	}
	if err := f.err; err != nil {
		return err
	}
	cfg := f.cfg
	logger, err := app.NewLogger(stderr, f.logFormat, f.level)
	if err != nil {
		return err
	}
	cfg.Logger = logger
	switch cmd {
	case "serve":
		a, err := app.New(ctx, cfg)
		if err != nil {
			return err
		}
		defer a.Close()
		return a.Run(ctx)
	case "migrate":
		s, err := sqlstore.Open(ctx, cfg.DatabaseURL)
		if err != nil {
			return err
		}
		return s.Close()
	case "demo":
		cfg.Demo = true
		a, err := app.New(ctx, cfg) // loads the demo Comune into an empty database
		if err != nil {
			return err
		}
		defer a.Close()
		fmt.Fprintln(stderr, "demo Comune loaded:", demo.Settings.Name)
		return nil
	case "purge":
		return runPurge(ctx, cfg, stderr)
	}
	return fmt.Errorf("unknown command %q (try: prenota help)", cmd)
}

// subcommands with flags of their own, each in its file.
var subcommands = map[string]func(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error{
	"backup":  runBackup,
	"restore": runRestore,
	"version": runVersion,
	"saml":    runSAML,
}

type flags struct {
	fs        *flag.FlagSet
	cfg       app.Config
	level     slog.Level
	logFormat string
	err       error
}

func newFlags(getenv func(string) string, out io.Writer) *flags {
	f := &flags{fs: flag.NewFlagSet("prenota", flag.ContinueOnError)}
	f.fs.SetOutput(out)
	env := func(name, def string) string {
		if v := getenv(name); v != "" {
			return v
		}
		return def
	}
	boolEnv := func(name string, def bool) bool {
		v := strings.ToLower(getenv(name))
		switch v {
		case "":
			return def
		case "1", "true", "on", "yes":
			return true
		case "0", "false", "off", "no":
			return false
		}
		f.err = errors.Join(f.err, fmt.Errorf("%s: want 1/0 or on/off, got %q", name, v))
		return def
	}
	holdDefault := 0
	if v := getenv("PRENOTA_HOLD_SECONDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			f.err = errors.Join(f.err, fmt.Errorf("PRENOTA_HOLD_SECONDS: want a number of seconds, got %q", v))
		}
		holdDefault = n
	}
	c := &f.cfg
	f.fs.StringVar(&c.Addr, "addr", env("PRENOTA_ADDR", ":8080"), "listen address [PRENOTA_ADDR]")
	f.fs.StringVar(&c.DatabaseURL, "database-url", env("PRENOTA_DATABASE_URL", "sqlite:./data/prenota.db"), "sqlite:PATH or postgres://… [PRENOTA_DATABASE_URL]")
	f.fs.StringVar(&c.BaseURL, "base-url", env("PRENOTA_BASE_URL", "http://localhost:8080"), "public URL, for links in emails and SAML [PRENOTA_BASE_URL]")
	f.fs.BoolVar(&c.Demo, "demo", boolEnv("PRENOTA_DEMO", false), "demo mode: demo identity provider, demo mailbox, demo Comune [PRENOTA_DEMO]")
	f.fs.StringVar(&c.SMTPURL, "smtp-url", env("PRENOTA_SMTP_URL", ""), "smtp://user:pass@host:port or smtps://…; empty: the local mailbox [PRENOTA_SMTP_URL]")
	rehearseDefault := time.Duration(0)
	if v := getenv("PRENOTA_REHEARSE_CLICK_DAY"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			f.err = errors.Join(f.err, fmt.Errorf("PRENOTA_REHEARSE_CLICK_DAY: want a duration such as 2m, got %q", v))
		} else {
			rehearseDefault = d
		}
	}
	f.fs.DurationVar(&c.RehearseClickDay, "rehearse-click-day", rehearseDefault, "demo only: the demo's CIE slots open this long after start, its waiting room active from start [PRENOTA_REHEARSE_CLICK_DAY]")
	f.fs.IntVar(&c.HoldSeconds, "hold-seconds", holdDefault, "overrides every resource's hold duration [PRENOTA_HOLD_SECONDS]")
	// App IO's key is a secret: PRENOTA_APPIO_KEY_FILE names a file holding it.
	appIOKey := env("PRENOTA_APPIO_KEY", "")
	if path := getenv("PRENOTA_APPIO_KEY_FILE"); path != "" && appIOKey == "" {
		if b, err := os.ReadFile(path); err != nil {
			f.err = errors.Join(f.err, fmt.Errorf("PRENOTA_APPIO_KEY_FILE: %w", err))
		} else {
			appIOKey = strings.TrimSpace(string(b))
		}
	}
	f.fs.StringVar(&c.AppIOKey, "appio-key", appIOKey, "App IO API key of the Comune's service; empty: no App IO messages [PRENOTA_APPIO_KEY, PRENOTA_APPIO_KEY_FILE]")
	f.fs.StringVar(&c.AppIOURL, "appio-url", env("PRENOTA_APPIO_URL", "https://api.io.pagopa.it"), "App IO API [PRENOTA_APPIO_URL]")
	reminderDefault := 24 * time.Hour
	if v := getenv("PRENOTA_REMINDER_BEFORE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			f.err = errors.Join(f.err, fmt.Errorf("PRENOTA_REMINDER_BEFORE: want a duration such as 24h, got %q", v))
		} else {
			reminderDefault = d
		}
	}
	f.fs.DurationVar(&c.ReminderBefore, "reminder-before", reminderDefault, "how long before the appointment the reminder is sent [PRENOTA_REMINDER_BEFORE]")
	attemptsDefault := notify.DefaultMaxAttempts
	if v := getenv("PRENOTA_NOTIFY_MAX_ATTEMPTS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			f.err = errors.Join(f.err, fmt.Errorf("PRENOTA_NOTIFY_MAX_ATTEMPTS: want a number of attempts, at least 1, got %q", v))
		} else {
			attemptsDefault = n
		}
	}
	f.fs.IntVar(&c.NotifyMaxAttempts, "notify-max-attempts", attemptsDefault, "attempts at sending a message before it is parked as failed (shown in the back office) [PRENOTA_NOTIFY_MAX_ATTEMPTS]")
	c.PurgeEvery = app.DefaultPurgeEvery
	if v := getenv("PRENOTA_PURGE_EVERY"); v != "" {
		if err := f.setPurgeEvery(v); err != nil {
			f.err = errors.Join(f.err, fmt.Errorf("PRENOTA_PURGE_EVERY: %w", err))
		}
	}
	f.fs.Func("purge-every", "how often serve applies the retention period of personal data, or off (then run prenota purge from cron) (default 1h) [PRENOTA_PURGE_EVERY]", f.setPurgeEvery)
	c.RateLimit = true
	f.fs.Func("rate-limit", "on/off: per-IP and per-identity limits on login and holds (default on) [PRENOTA_RATE_LIMIT]", f.setRateLimit)
	if v := getenv("PRENOTA_RATE_LIMIT"); v != "" {
		if err := f.setRateLimit(v); err != nil {
			f.err = errors.Join(f.err, fmt.Errorf("PRENOTA_RATE_LIMIT: %w", err))
		}
	}
	f.identityFlags(getenv)
	f.opsFlags(getenv)
	f.fs.TextVar(&f.level, "log-level", levelOf(env("PRENOTA_LOG_LEVEL", "info")), "debug, info, warn or error [PRENOTA_LOG_LEVEL]")
	return f
}

func (f *flags) setPurgeEvery(v string) error {
	if s := strings.ToLower(v); s == "off" || s == "0" {
		f.cfg.PurgeEvery = -1
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < time.Minute {
		return fmt.Errorf("want a duration of at least 1m, such as 1h, or off; got %q", v)
	}
	f.cfg.PurgeEvery = d
	return nil
}

// runPurge runs "prenota purge": the retention purge of the running service,
// once (see app.Purge), for deployments that prefer cron to the service's
// own hourly run (--purge-every off).
func runPurge(ctx context.Context, cfg app.Config, stderr io.Writer) error {
	s, err := sqlstore.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer s.Close()
	p, err := app.Purge(ctx, s, cfg.Logger, "cli")
	if err != nil {
		return fmt.Errorf("purge: %w (done before the error: %s)", err, p)
	}
	fmt.Fprintln(stderr, "purge:", p)
	return nil
}

func (f *flags) setRateLimit(v string) error {
	switch strings.ToLower(v) {
	case "on", "1", "true":
		f.cfg.RateLimit = true
	case "off", "0", "false":
		f.cfg.RateLimit = false
	default:
		return fmt.Errorf("want on or off, got %q", v)
	}
	return nil
}

func levelOf(s string) *slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		l = slog.LevelInfo
	}
	return &l
}
