package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"maragu.dev/goqite"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/receipt"
)

// Store is what the worker needs of the database. *sqlstore.Store implements
// it: the booking events come from its outbox, written in the same
// transaction as the booking or the cancellation.
type Store interface {
	Settings(ctx context.Context) (booking.Settings, error)
	Resource(ctx context.Context, id int64) (booking.Resource, error)
	Booking(ctx context.Context, id string) (booking.Booking, error)

	// ReceiveEvent returns the next booking event of the outbox, or nil.
	ReceiveEvent(ctx context.Context) (*goqite.Message, error)
	// FanOut enqueues an event's deliveries and deletes the event, atomically.
	FanOut(ctx context.Context, event goqite.ID, deliveries [][]byte) error
	// ReceiveJob returns the next due delivery and its reception count, or nil.
	ReceiveJob(ctx context.Context, visibility time.Duration) (*goqite.Message, int, error)
	// AckJob deletes a delivery that is done.
	AckJob(ctx context.Context, id goqite.ID) error
	// RetryJob makes a delivery due again after delay.
	RetryJob(ctx context.Context, id goqite.ID, delay time.Duration) error
	// ParkJob takes a delivery out of the queue for good, keeping it, the
	// attempts made and the last error for the back office.
	ParkJob(ctx context.Context, id goqite.ID, attempts int, reason string) error
	// DueReminders returns bookings whose reminder is due and not yet queued.
	DueReminders(ctx context.Context, lead time.Duration, limit int) ([]string, error)
	// QueueReminder records a booking's reminder and enqueues its
	// deliveries, atomically, once per booking; false when it did nothing.
	QueueReminder(ctx context.Context, bookingID string, deliveries [][]byte) (bool, error)
	// DeliverLocal stores an email in the local mailbox and deletes its
	// delivery, atomically.
	DeliverLocal(ctx context.Context, job goqite.ID, messageID string, raw []byte) error
}

// Channel is a way of reaching the citizen.
type Channel string

// The channels.
const (
	EmailChannel Channel = "email"
	AppIOChannel Channel = "appio"
)

// job is the body of a delivery: one message of one kind, on one channel,
// about one booking.
type job struct {
	Kind      Kind    `json:"kind"`
	Channel   Channel `json:"channel"`
	BookingID string  `json:"booking_id"`
	// Reset is the outbox message of a PasswordReset, which is about an
	// account, not a booking.
	Reset json.RawMessage `json:"reset,omitempty"`
	// Offer is the outbox message of a WaitlistOffer, which is about a hold.
	Offer json.RawMessage `json:"offer,omitempty"`
}

// Delivery says what a queued delivery's body is about (for a parked one,
// see Store.ParkJob); ok is false when the body is not a delivery.
func Delivery(body []byte) (kind Kind, channel Channel, bookingID string, ok bool) {
	var j job
	if err := json.Unmarshal(body, &j); err != nil || j.Kind == "" {
		return "", "", "", false
	}
	return j.Kind, j.Channel, j.BookingID, true
}

// Config configures a Worker. Store is required; the rest has defaults.
type Config struct {
	Store     Store
	Templates *Templates // nil: DefaultTemplates()
	// Overrides, when set, returns the back office's versions of the texts
	// (see Parts), by kind. It is called before each message is rendered,
	// so that a change applies to the next message.
	Overrides func(ctx context.Context) (map[Kind]Parts, error)
	// Mailer sends the emails; nil delivers them to the local mailbox in the
	// database (Store.DeliverLocal), which the demo shows.
	Mailer Mailer
	// AppIO, when set, sends every message to App IO too.
	AppIO   *AppIO
	BaseURL string // for links and the iCalendar UID
	Metrics *Metrics
	Logger  *slog.Logger
	// Now is the clock that tells whether an appointment has started, for
	// reminders; default time.Now. Which reminders are due is judged by the
	// database clock.
	Now func() time.Time
	// ReminderLead is how long before the appointment the reminder goes out
	// (default 24 hours); ReminderEvery is how often due reminders are looked
	// for (default one minute).
	ReminderLead  time.Duration
	ReminderEvery time.Duration
	// Poll is how often an idle worker looks for work (default one second).
	Poll time.Duration
	// Visibility is how long a delivery being sent stays hidden from other
	// workers (default five minutes); a worker that dies meanwhile leaves it
	// to be received again after it. SendTimeout (default one minute) bounds
	// one attempt and must be shorter.
	Visibility  time.Duration
	SendTimeout time.Duration
	// Backoff is the delay before attempt+1 after attempt failed; default
	// DefaultBackoff.
	Backoff func(attempt int) time.Duration
	// MaxAttempts is how many times a delivery is tried (default
	// DefaultMaxAttempts); after the last failure it is parked.
	MaxAttempts int
	// Concurrency is the number of deliveries sent at once (default 1).
	Concurrency int
}

// DefaultMaxAttempts is how many times a delivery is tried before it is
// parked: with DefaultBackoff, about a day of trying, so that an SMTP outage
// of some hours loses nothing while a message that cannot be sent stops.
const DefaultMaxAttempts = 30

// DefaultBackoff waits 10s, 30s, 1m, 5m, 15m, 30m, then every hour.
func DefaultBackoff(attempt int) time.Duration {
	steps := []time.Duration{10 * time.Second, 30 * time.Second, time.Minute, 5 * time.Minute, 15 * time.Minute, 30 * time.Minute}
	if attempt >= 1 && attempt <= len(steps) {
		return steps[attempt-1]
	}
	return time.Hour
}

// Worker turns booking events into messages and delivers them: confirmation
// and cancellation emails (with the PDF receipt and the .ics), reminders the
// day before, and the same messages on App IO when configured.
//
// Delivery is at least once. A delivery is deleted only after the server
// accepted the message; a failed attempt is retried with backoff, and after
// MaxAttempts failures the delivery is parked (Store.ParkJob). A panic while
// handling a delivery fails that attempt only. A delivery received more than
// MaxAttempts times (the process died while sending it, each time) is parked
// without another try.
// If the worker dies after the server accepted a message and before the
// deletion is committed, the message is sent once more when its visibility
// timeout ends: at most one duplicate per crash, recognisable by its stable
// Message-ID ("<kind>.<booking ID>@<domain>"). The local mailbox stores and
// deletes in one transaction, so it gets each message exactly once.
type Worker struct {
	cfg  Config
	tpl  *Templates
	m    *Metrics
	log  *slog.Logger
	wake chan struct{}

	// built keeps the emails of failed sends, so that retries during an
	// outage do not render the PDF again each time; bounded, FIFO.
	mu    sync.Mutex
	built map[goqite.ID]*Email
	order []goqite.ID
}

const maxBuilt = 64

func (w *Worker) cached(id goqite.ID) *Email {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.built[id]
}

func (w *Worker) keep(id goqite.ID, e *Email) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.built[id]; ok {
		return
	}
	if len(w.order) >= maxBuilt {
		delete(w.built, w.order[0])
		w.order = w.order[1:]
	}
	w.built[id] = e
	w.order = append(w.order, id)
}

func (w *Worker) forget(id goqite.ID) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.built[id]; !ok {
		return
	}
	delete(w.built, id)
	for i, x := range w.order {
		if x == id {
			w.order = append(w.order[:i], w.order[i+1:]...)
			break
		}
	}
}

// NewWorker checks cfg and returns a worker; Run starts it.
func NewWorker(cfg Config) (*Worker, error) {
	if cfg.Store == nil {
		return nil, errors.New("notify: a Store is required")
	}
	if u, err := url.Parse(cfg.BaseURL); err != nil || u.Host == "" {
		return nil, fmt.Errorf("notify: base URL %q is not absolute", cfg.BaseURL)
	}
	if cfg.Templates == nil {
		cfg.Templates = DefaultTemplates()
	}
	if cfg.Metrics == nil {
		cfg.Metrics = NewMetrics(nil)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ReminderLead <= 0 {
		cfg.ReminderLead = 24 * time.Hour
	}
	if cfg.ReminderEvery <= 0 {
		cfg.ReminderEvery = time.Minute
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	if cfg.Visibility <= 0 {
		cfg.Visibility = 5 * time.Minute
	}
	if cfg.SendTimeout <= 0 {
		cfg.SendTimeout = min(time.Minute, cfg.Visibility/2)
	}
	if cfg.SendTimeout >= cfg.Visibility {
		return nil, errors.New("notify: SendTimeout must be shorter than Visibility")
	}
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 1
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	return &Worker{cfg: cfg, tpl: cfg.Templates, m: cfg.Metrics, log: cfg.Logger, wake: make(chan struct{}, 1), built: map[goqite.ID]*Email{}}, nil
}

// Wake makes an idle worker look for work at once rather than at its next
// poll (after a booking, say). It never blocks.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run delivers messages until ctx is done. A message being sent when ctx ends
// is finished (acknowledged or scheduled for retry) first: the worker stops
// between messages. It returns nil.
func (w *Worker) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for i := range w.cfg.Concurrency {
		wg.Go(func() { w.loop(ctx, i == 0) })
	}
	wg.Wait()
	return nil
}

func (w *Worker) loop(ctx context.Context, leader bool) {
	var nextReminders time.Time
	for ctx.Err() == nil {
		if w.step(ctx, leader, &nextReminders) {
			continue
		}
		select {
		case <-ctx.Done():
		case <-w.wake:
		case <-time.After(w.cfg.Poll):
		}
	}
}

// step does one round of work and reports whether there was any. A panic
// (deliveries have their own recovery, see tryDeliver) is logged and ends
// the round, not the worker.
func (w *Worker) step(ctx context.Context, leader bool, nextReminders *time.Time) (busy bool) {
	defer func() {
		if v := recover(); v != nil {
			w.log.Error("notify: worker round failed", "err", booking.Panicked(v))
			busy = false
		}
	}()
	if leader {
		if now := time.Now(); !now.Before(*nextReminders) {
			*nextReminders = now.Add(w.cfg.ReminderEvery)
			w.queueReminders(ctx)
		}
		busy = w.fanOut(ctx)
	}
	if w.deliverOne(ctx) {
		busy = true
	}
	return busy
}

// channels are the channels every message goes to.
func (w *Worker) channels() []Channel {
	if w.cfg.AppIO != nil {
		return []Channel{EmailChannel, AppIOChannel}
	}
	return []Channel{EmailChannel}
}

func (w *Worker) deliveries(k Kind, bookingID string) [][]byte {
	var out [][]byte
	for _, c := range w.channels() {
		b, _ := json.Marshal(job{Kind: k, Channel: c, BookingID: bookingID})
		out = append(out, b)
	}
	return out
}

func (w *Worker) countQueued(k Kind) {
	for _, c := range w.channels() {
		w.m.Queued.WithLabelValues(string(c), string(k)).Inc()
	}
}

// fanOut turns one booking event into its deliveries; it reports whether
// there was an event.
func (w *Worker) fanOut(ctx context.Context) bool {
	m, err := w.cfg.Store.ReceiveEvent(ctx)
	if err != nil {
		if ctx.Err() == nil {
			w.retryLater("notify: receive event", err)
		}
		return false
	}
	if m == nil {
		return false
	}
	var ev booking.OutboxEvent
	var kind Kind
	if err := json.Unmarshal(m.Body, &ev); err == nil {
		switch ev.Kind {
		case booking.EventConfirmed:
			kind = Confirmation
		case booking.EventCancelled:
			kind = Cancellation
		case booking.EventMoved:
			kind = Moved
		}
	}
	var ds [][]byte
	if ev.Kind == booking.EventPasswordReset {
		kind = PasswordReset
		b, _ := json.Marshal(job{Kind: PasswordReset, Channel: EmailChannel, Reset: m.Body})
		ds = [][]byte{b}
	} else if ev.Kind == string(WaitlistOffer) {
		kind = WaitlistOffer
		ds = w.offerDeliveries(m.Body)
	} else if kind == "" || ev.BookingID == "" {
		w.log.Warn("notify: unknown outbox event dropped", "body", string(m.Body))
	} else {
		ds = w.deliveries(kind, ev.BookingID)
	}
	if err := w.cfg.Store.FanOut(context.WithoutCancel(ctx), m.ID, ds); err != nil {
		w.retryLater("notify: fan out event", err, "booking", ev.BookingID)
		return false
	}
	if kind == PasswordReset {
		w.m.Queued.WithLabelValues(string(EmailChannel), string(kind)).Inc()
	} else if len(ds) > 0 {
		w.countQueued(kind)
	}
	return true
}

// queueReminders queues the reminders that are due.
func (w *Worker) queueReminders(ctx context.Context) {
	ids, err := w.cfg.Store.DueReminders(ctx, w.cfg.ReminderLead, 500)
	if err != nil {
		if ctx.Err() == nil {
			w.retryLater("notify: due reminders", err)
		}
		return
	}
	for _, id := range ids {
		ok, err := w.cfg.Store.QueueReminder(ctx, id, w.deliveries(Reminder, id))
		if err != nil {
			if ctx.Err() == nil {
				w.retryLater("notify: queue reminder", err, "booking", id)
			}
			return
		}
		if ok {
			w.countQueued(Reminder)
		}
	}
}

// errSkip means there is nothing to deliver; the delivery is deleted.
var errSkip = errors.New("nothing to deliver")

// deliverOne sends one due delivery, if any, and reports whether there was one.
func (w *Worker) deliverOne(ctx context.Context) bool {
	m, attempt, err := w.cfg.Store.ReceiveJob(ctx, w.cfg.Visibility)
	if err != nil {
		if ctx.Err() == nil {
			w.retryLater("notify: receive delivery", err)
		}
		return false
	}
	if m == nil {
		return false
	}
	// From here on the message is finished even if ctx ends: the worker
	// stops between messages.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.cfg.SendTimeout+30*time.Second)
	defer cancel()
	var j job
	if err := json.Unmarshal(m.Body, &j); err != nil || (j.BookingID == "" && j.Kind != PasswordReset && j.Kind != WaitlistOffer) {
		w.log.Warn("notify: malformed delivery dropped", "body", string(m.Body))
		w.ack(ctx, m.ID, j)
		return true
	}
	ch, kind := string(j.Channel), string(j.Kind)
	if attempt > w.cfg.MaxAttempts {
		w.park(ctx, m.ID, j, attempt-1, "il processo si è interrotto a ogni tentativo di invio")
		return true
	}
	if attempt > 1 {
		w.m.Retried.WithLabelValues(ch, kind).Inc()
	}
	sendCtx, cancelSend := context.WithTimeout(ctx, w.cfg.SendTimeout)
	err = w.tryDeliver(sendCtx, m.ID, j)
	cancelSend()
	switch {
	case err == nil:
		w.m.Sent.WithLabelValues(ch, kind).Inc()
		w.log.Info("notify: sent", "channel", ch, "kind", kind, "booking", j.BookingID, "attempt", attempt)
	case errors.Is(err, errSkip):
		w.m.Skipped.WithLabelValues(ch, kind).Inc()
		w.log.Info("notify: skipped", "channel", ch, "kind", kind, "booking", j.BookingID, "why", err)
		w.ack(ctx, m.ID, j)
	case attempt >= w.cfg.MaxAttempts:
		w.m.Failed.WithLabelValues(ch, kind).Inc()
		w.park(ctx, m.ID, j, attempt, err.Error())
	default:
		w.m.Failed.WithLabelValues(ch, kind).Inc()
		delay := w.cfg.Backoff(attempt)
		w.log.Warn("notify: send failed, will retry", "channel", ch, "kind", kind, "booking", j.BookingID, "attempt", attempt, "retry_in", delay, "err", err)
		if err := persist(ctx, func() error { return w.cfg.Store.RetryJob(ctx, m.ID, delay) }); err != nil {
			// The visibility timeout brings it back anyway.
			w.log.Error("notify: schedule retry", "err", err, "booking", j.BookingID)
		}
	}
	return true
}

// retryLater logs the failure of a step that the next round does again: at
// debug level when it is a serialization failure or a deadlock of
// PostgreSQL, which the queue's serializable transactions meet as a matter
// of course when several workers run; as an error otherwise.
func (w *Worker) retryLater(msg string, err error, args ...any) {
	level := slog.LevelError
	if transient(err) {
		level = slog.LevelDebug
	}
	w.log.Log(context.Background(), level, msg, append([]any{"err", err}, args...)...)
}

// transient reports whether err is PostgreSQL's serialization failure
// (SQLSTATE 40001) or deadlock (40P01).
func transient(err error) bool {
	var pe interface{ SQLState() string }
	return errors.As(err, &pe) && (pe.SQLState() == "40001" || pe.SQLState() == "40P01")
}

// tryDeliver is deliver with a panic turned into the attempt's error.
func (w *Worker) tryDeliver(ctx context.Context, id goqite.ID, j job) (err error) {
	defer func() {
		if v := recover(); v != nil {
			err = booking.Panicked(v)
		}
	}()
	return w.deliver(ctx, id, j)
}

// park gives up on a delivery after attempts failed ones.
func (w *Worker) park(ctx context.Context, id goqite.ID, j job, attempts int, reason string) {
	w.forget(id)
	w.log.Error("notify: delivery parked as failed, it will not be retried", "channel", j.Channel, "kind", j.Kind, "booking", j.BookingID,
		"attempts", attempts, "err", reason)
	if err := persist(ctx, func() error { return w.cfg.Store.ParkJob(ctx, id, attempts, reason) }); err != nil {
		w.log.Error("notify: park delivery", "err", err, "booking", j.BookingID)
	}
}

func (w *Worker) ack(ctx context.Context, id goqite.ID, j job) {
	if err := persist(ctx, func() error { return w.cfg.Store.AckJob(ctx, id) }); err != nil {
		w.log.Error("notify: delivered but not acknowledged: it will be sent again", "err", err, "channel", j.Channel, "kind", j.Kind, "booking", j.BookingID)
	}
}

// persist runs op, an idempotent change of a delivery (deleting it,
// delaying it), again after a failure, a few times within a second: on
// PostgreSQL the queue's transactions of concurrent workers fail now and
// then with a serialization error, and a deletion lost that way would send
// the message twice.
func persist(ctx context.Context, op func() error) error {
	var err error
	for attempt := 1; ; attempt++ {
		if err = op(); err == nil || attempt == 6 {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Duration(attempt) * 30 * time.Millisecond):
		}
	}
}

// deliver sends one delivery and acknowledges it.
func (w *Worker) deliver(ctx context.Context, id goqite.ID, j job) error {
	if j.Kind == PasswordReset {
		return w.deliverReset(ctx, id, j)
	}
	if j.Kind == WaitlistOffer {
		return w.deliverOffer(ctx, id, j)
	}
	b, err := w.cfg.Store.Booking(ctx, j.BookingID)
	if err != nil {
		var de *booking.Error
		if errors.As(err, &de) && de.Code == booking.ENotFound {
			return fmt.Errorf("%w: booking %s does not exist", errSkip, j.BookingID)
		}
		return err
	}
	switch j.Kind {
	case Confirmation:
		if b.Status != booking.Confirmed {
			// Cancelled before its confirmation went out: the cancellation
			// message says it all.
			return fmt.Errorf("%w: booking cancelled before its confirmation was sent", errSkip)
		}
	case Reminder:
		if b.Status != booking.Confirmed {
			return fmt.Errorf("%w: booking cancelled", errSkip)
		}
		if !b.Start.After(w.cfg.Now()) {
			return fmt.Errorf("%w: appointment already started", errSkip)
		}
	case Moved:
		if b.Status != booking.Confirmed {
			return fmt.Errorf("%w: booking cancelled after its move", errSkip)
		}
	case Cancellation:
	default:
		return fmt.Errorf("%w: unknown kind %q", errSkip, j.Kind)
	}
	st, err := w.cfg.Store.Settings(ctx)
	if err != nil {
		return err
	}
	r, err := w.cfg.Store.Resource(ctx, b.ResourceID)
	if err != nil {
		var de *booking.Error
		if !errors.As(err, &de) || de.Code != booking.ENotFound {
			return err
		}
		r = booking.Resource{Name: b.ResourceName} // deleted since: the booking keeps its name
	}
	if w.cfg.Overrides != nil {
		over, err := w.cfg.Overrides(ctx)
		if err != nil {
			return err
		}
		if err := w.tpl.Sync(over); err != nil {
			// Checked when saved, so unexpected: the built-in texts go out.
			w.log.Error("notify: the back office's email templates do not work; using the built-in ones", "err", err)
		}
	}
	d := NewData(st, r, b, w.cfg.BaseURL)
	c, err := w.tpl.Render(j.Kind, d)
	if err != nil {
		return err
	}
	switch j.Channel {
	case EmailChannel:
		return w.sendEmail(ctx, id, j, d, c)
	case AppIOChannel:
		if w.cfg.AppIO == nil {
			return fmt.Errorf("%w: App IO is not configured any more", errSkip)
		}
		if b.Fruitore.CodiceFiscale == "" {
			return fmt.Errorf("%w: no codice fiscale", errSkip)
		}
		if _, err := w.cfg.AppIO.Send(ctx, b.Fruitore.CodiceFiscale, c.IOSubject, c.Markdown); err != nil {
			if errors.Is(err, ErrNotOnIO) {
				return fmt.Errorf("%w: %v", errSkip, err)
			}
			return err
		}
		w.ack(ctx, id, j)
		return nil
	}
	return fmt.Errorf("%w: unknown channel %q", errSkip, j.Channel)
}

func (w *Worker) sendEmail(ctx context.Context, id goqite.ID, j job, d Data, c Content) error {
	b := d.Booking
	to := strings.TrimSpace(b.Fruitore.Email)
	if to == "" {
		return fmt.Errorf("%w: the fruitore has no email", errSkip)
	}
	e := w.cached(id)
	if e == nil {
		var err error
		if e, err = w.email(j.Kind, d, c); err != nil {
			return err
		}
	}
	if w.cfg.Mailer == nil {
		raw, err := e.Bytes()
		if err != nil {
			return err
		}
		return w.cfg.Store.DeliverLocal(ctx, id, e.MessageID, raw)
	}
	if err := w.cfg.Mailer.Send(ctx, e); err != nil {
		w.keep(id, e)
		return err
	}
	w.forget(id)
	w.ack(ctx, id, j)
	return nil
}

// email builds the email of a message, with its attachments: the PDF receipt
// and the .ics for a confirmation, the cancelling .ics for a cancellation,
// the receipt for a reminder.
func (w *Worker) email(k Kind, d Data, c Content) (*Email, error) {
	b := d.Booking
	from := strings.TrimSpace(d.Settings.NoReply)
	if from == "" {
		u, _ := url.Parse(w.cfg.BaseURL)
		from = "noreply@" + u.Hostname()
	}
	domain := from[strings.LastIndex(from, "@")+1:]
	e := &Email{
		MessageID: string(k) + "." + b.ID + "@" + domain,
		FromName:  d.Comune,
		From:      from,
		ReplyTo:   d.ReplyTo,
		To:        strings.TrimSpace(b.Fruitore.Email),
		Subject:   c.Subject,
		Text:      c.Text,
		HTML:      c.HTML,
		Date:      w.cfg.Now(),
	}
	if a, err := mail.ParseAddress(e.To); err == nil && a.Name == "" {
		e.To = a.Address
	}
	rd := receipt.Data{Settings: d.Settings, Resource: d.Resource, Booking: b, Logo: d.Settings.Logo}
	pdf := func() error {
		var buf bytes.Buffer
		if err := receipt.PDF(&buf, rd); err != nil {
			return err
		}
		e.Attachments = append(e.Attachments, Attachment{Name: "ricevuta-" + b.Code + ".pdf", ContentType: "application/pdf", Data: buf.Bytes()})
		return nil
	}
	ics := func() error {
		data, err := receipt.ICS(rd, w.cfg.BaseURL)
		if err != nil {
			return err
		}
		e.Attachments = append(e.Attachments, Attachment{Name: "appuntamento-" + b.Code + ".ics", ContentType: receipt.ICSContentType(b), Data: data})
		return nil
	}
	var err error
	switch k {
	case Confirmation:
		if !b.CreatedAt.IsZero() {
			e.Date = b.CreatedAt
		}
		if err = pdf(); err == nil {
			err = ics()
		}
	case Cancellation:
		if !b.CancelledAt.IsZero() {
			e.Date = b.CancelledAt
		}
		err = ics()
	case Reminder:
		err = pdf()
	case Moved:
		// One message per move: the calendar file's SEQUENCE tells them apart.
		e.MessageID = string(k) + "-" + strconv.Itoa(b.Sequence) + "." + b.ID + "@" + domain
		if err = pdf(); err == nil {
			err = ics()
		}
	}
	return e, err
}
