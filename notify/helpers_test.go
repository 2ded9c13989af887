package notify_test

import (
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/jackc/pgx/v5/pgconn"
	"maragu.dev/goqite"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/demo"
	"github.com/prenota/prenota/internal/testdb"
	"github.com/prenota/prenota/mailbox"
	"github.com/prenota/prenota/notify"
	"github.com/prenota/prenota/sqlstore"
)

// clock is a settable clock shared by the service, the store and the worker.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time  { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

// env is a database with the demo Comune and a booking service over it.
type env struct {
	t     *testing.T
	store *sqlstore.Store
	svc   *booking.Service
	clock *clock
}

func newEnv(t *testing.T, dialect string) *env {
	t.Helper()
	store := testdb.Open(t, dialect)
	c := &clock{t: time.Now().Truncate(time.Second)}
	store.SetClock(c.Now)
	svc := booking.NewService(store, booking.Options{Now: c.Now})
	if err := demo.Load(context.Background(), svc); err != nil {
		t.Fatal(err)
	}
	return &env{t: t, store: store, svc: svc, clock: c}
}

func (e *env) resource(name string) booking.Resource {
	e.t.Helper()
	rs, err := e.store.Resources(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	for _, r := range rs {
		if r.Name == name {
			return r
		}
	}
	e.t.Fatalf("no resource %q", name)
	return booking.Resource{}
}

var niccolo = booking.Person{Nome: "NICCOLÒ", Cognome: "D'AMICO", DataNascita: booking.Date{Year: 2001, Month: time.November, Day: 30}, Sesso: "M",
	NazioneNascita: "ITALIA", ProvinciaNascita: "FI", ComuneNascita: "FIRENZE", CodiceFiscale: "DMCNCL01S30D612R",
	Email: "niccolo.damico@example.org", Telefono: "333 1234567"}

// book makes a booking of resource for p on the first free slot at least
// after from (zero: any), through the service.
func (e *env) book(resource, owner string, p booking.Person, after time.Duration) booking.Booking {
	e.t.Helper()
	ctx := context.Background()
	r := e.resource(resource)
	now := e.clock.Now()
	days, err := e.svc.Availability(ctx, r.ID, booking.DateOf(now, booking.Rome), 31, owner)
	if err != nil {
		e.t.Fatal(err)
	}
	for _, d := range days {
		for _, c := range d.Cells {
			if c.State != booking.Free || c.Start.Before(now.Add(after)) {
				continue
			}
			h, err := e.svc.Hold(ctx, booking.HoldRequest{ResourceID: r.ID, Start: c.Start, Slots: 1, Owner: owner})
			if err != nil {
				var de *booking.Error
				if errors.As(err, &de) && de.Code == booking.EConflict {
					continue
				}
				e.t.Fatal(err)
			}
			b, _, err := e.svc.Confirm(ctx, booking.ConfirmRequest{HoldID: h.ID, Presentante: owner, Fruitore: p,
				Motivazione: "Rinnovo della carta scaduta", Telefono: "333 1234567"})
			if err != nil {
				e.t.Fatal(err)
			}
			return b
		}
	}
	e.t.Fatalf("no free slot of %s", resource)
	return booking.Booking{}
}

// testStore is the store as the worker sees it; ackFails makes the next
// AckJob, and every one after it, fail after calling it, to play a crash
// between send and delete (a dead process deletes nothing more).
type testStore struct {
	*sqlstore.Store
	mu       sync.Mutex
	ackFails func()
	dead     bool
}

func (s *testStore) AckJob(ctx context.Context, id goqite.ID) error {
	s.mu.Lock()
	f := s.ackFails
	s.ackFails = nil
	if f != nil {
		s.dead = true
	}
	dead := s.dead
	s.mu.Unlock()
	if f != nil {
		f()
	}
	if dead {
		return errors.New("crash: the process died before deleting the delivery")
	}
	return s.Store.AckJob(ctx, id)
}

// mailboxStore adapts the store to mailbox.Store.
type mailboxStore struct{ *sqlstore.Store }

func (m mailboxStore) MailboxEmails(ctx context.Context, limit, offset int) ([]mailbox.StoredEmail, int, error) {
	ms, n, err := m.MailboxMessages(ctx, limit, offset)
	var out []mailbox.StoredEmail
	for _, x := range ms {
		out = append(out, mailbox.StoredEmail{ID: x.ID, Received: x.Received, Raw: x.Raw})
	}
	return out, n, err
}

func (m mailboxStore) MailboxEmail(ctx context.Context, id int64) (mailbox.StoredEmail, error) {
	x, err := m.MailboxMessageByID(ctx, id)
	return mailbox.StoredEmail{ID: x.ID, Received: x.Received, Raw: x.Raw}, err
}

// worker starts a worker over e's store; it stops when the test ends.
func (e *env) worker(cfg notify.Config) (*notify.Worker, context.CancelFunc) {
	e.t.Helper()
	if cfg.Store == nil {
		cfg.Store = e.store
	}
	cfg.BaseURL = "https://prenota.comune.demo.it"
	if cfg.Now == nil {
		cfg.Now = e.clock.Now
	}
	if cfg.Poll == 0 {
		cfg.Poll = 20 * time.Millisecond
	}
	if cfg.Backoff == nil {
		cfg.Backoff = func(int) time.Duration { return 50 * time.Millisecond }
	}
	if cfg.MaxAttempts == 0 {
		// Retried every few milliseconds, a message would be parked within
		// seconds of an outage; with the default backoff DefaultMaxAttempts
		// last about a day. Tests of parking set their own.
		cfg.MaxAttempts = 1 << 20
	}
	if cfg.Visibility == 0 {
		cfg.Visibility = 10 * time.Second
		cfg.SendTimeout = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = discard
	}
	w, err := notify.NewWorker(cfg)
	if err != nil {
		e.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	stop := func() { cancel(); <-done }
	e.t.Cleanup(stop)
	return w, stop
}

// smtpServer is an in-process SMTP server on 127.0.0.1 that keeps every
// message it accepts.
type smtpServer struct {
	t    *testing.T
	addr string

	mu       sync.Mutex
	srv      *smtp.Server
	ln       net.Listener
	msgs     [][]byte
	refuse   int    // DATA commands to refuse
	received func() // called after a message is accepted
}

func startSMTP(t *testing.T) *smtpServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &smtpServer{t: t, addr: ln.Addr().String()}
	s.serve(ln)
	t.Cleanup(s.stop)
	return s
}

func (s *smtpServer) URL() string { return "smtp://" + s.addr + "?tls=none" }

func (s *smtpServer) serve(ln net.Listener) {
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	s.mu.Lock()
	s.srv, s.ln = srv, ln
	s.mu.Unlock()
	go srv.Serve(ln)
}

// stop closes the server: connections are refused.
func (s *smtpServer) stop() {
	s.mu.Lock()
	srv, ln := s.srv, s.ln
	s.srv, s.ln = nil, nil
	s.mu.Unlock()
	if srv != nil {
		// Close the listener too: Close does not when Serve has not started yet.
		ln.Close()
		srv.Close()
	}
}

// restart serves again on the same address.
func (s *smtpServer) restart() {
	s.t.Helper()
	var ln net.Listener
	var err error
	for range 50 {
		if ln, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatal(err)
	}
	s.serve(ln)
}

func (s *smtpServer) messages() []*mailbox.Parsed {
	s.t.Helper()
	s.mu.Lock()
	raws := append([][]byte(nil), s.msgs...)
	s.mu.Unlock()
	var out []*mailbox.Parsed
	for _, r := range raws {
		p, err := mailbox.ParseEmail(r)
		if err != nil {
			s.t.Fatal(err)
		}
		out = append(out, p)
	}
	return out
}

func (s *smtpServer) count() int { s.mu.Lock(); defer s.mu.Unlock(); return len(s.msgs) }

func (s *smtpServer) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s}, nil }

type smtpSession struct {
	s        *smtpServer
	from, to string
}

func (x *smtpSession) Reset()        {}
func (x *smtpSession) Logout() error { return nil }
func (x *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	x.from = from
	return nil
}
func (x *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	x.to = to
	return nil
}
func (x *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	x.s.mu.Lock()
	if x.s.refuse > 0 {
		x.s.refuse--
		x.s.mu.Unlock()
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	x.s.msgs = append(x.s.msgs, b)
	f := x.s.received
	x.s.mu.Unlock()
	if f != nil {
		f()
	}
	return nil
}

// waitFor polls cond until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func byMessageID(ms []*mailbox.Parsed) map[string]int {
	n := map[string]int{}
	for _, m := range ms {
		n[m.MessageID]++
	}
	return n
}

func contains(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(text, w) {
			t.Errorf("%s lacks %q; it is:\n%s", what, w, text)
		}
	}
}

// poisonStore panics while the worker reads the booking poison, as a
// rendering bug on one message would, and counts those attempts.
type poisonStore struct {
	*sqlstore.Store
	poison   string
	mu       sync.Mutex
	attempts int
}

func (s *poisonStore) Booking(ctx context.Context, id string) (booking.Booking, error) {
	if id == s.poison {
		s.mu.Lock()
		s.attempts++
		s.mu.Unlock()
		var table []int
		_ = table[len(id)] // index out of range: a real runtime panic
	}
	return s.Store.Booking(ctx, id)
}

func (s *poisonStore) tries() int { s.mu.Lock(); defer s.mu.Unlock(); return s.attempts }

// contendedStore answers the first fails receptions of a delivery with
// PostgreSQL's serialization failure, as the store does when another
// worker's serializable transaction wins.
type contendedStore struct {
	*sqlstore.Store
	mu    sync.Mutex
	fails int
}

func (s *contendedStore) ReceiveJob(ctx context.Context, visibility time.Duration) (*goqite.Message, int, error) {
	s.mu.Lock()
	fail := s.fails > 0
	s.fails--
	s.mu.Unlock()
	if fail {
		return nil, 0, booking.Internal(&pgconn.PgError{Severity: "ERROR", Code: "40001", Message: "could not serialize access due to concurrent update"})
	}
	return s.Store.ReceiveJob(ctx, visibility)
}

// logLines is a slog destination that keeps the lines.
type logLines struct {
	mu    sync.Mutex
	lines []string
}

func (l *logLines) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, string(p))
	return len(p), nil
}

func (l *logLines) matching(s string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	for _, x := range l.lines {
		if strings.Contains(x, s) {
			out = append(out, x)
		}
	}
	return out
}

// roundsStore counts the worker's looks for due reminders, so that a test can
// wait for the worker to have looked again instead of sleeping.
type roundsStore struct {
	*sqlstore.Store
	mu     sync.Mutex
	rounds int
}

func (s *roundsStore) DueReminders(ctx context.Context, lead time.Duration, limit int) ([]string, error) {
	ids, err := s.Store.DueReminders(ctx, lead, limit)
	s.mu.Lock()
	s.rounds++
	s.mu.Unlock()
	return ids, err
}

// waitRounds waits until the worker has completed n more looks.
func (s *roundsStore) waitRounds(t *testing.T, n int) {
	t.Helper()
	s.mu.Lock()
	want := s.rounds + n + 1 // the look under way when called does not count
	s.mu.Unlock()
	waitFor(t, 10*time.Second, "the worker to look for reminders again", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.rounds >= want
	})
}

// weekday is the Italian name of t's weekday.
func weekday(t time.Time) string {
	return [...]string{"domenica", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"}[t.Weekday()]
}
