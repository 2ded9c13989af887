package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/prenota/prenota/booking"
)

// Purged counts what one run of Purge changed, table by table.
type Purged struct {
	Bookings int64 // bookings whose personal data were emptied
	Holds    int64 // holds deleted: expired ones, and those of bookings past the period
	Claims   int64 // seats of expired holds deleted
	Sessions int64 // expired sessions deleted
	Messages int64 // queued messages of anonymised bookings deleted
	Mailbox  int64 // emails of the local mailbox older than the period deleted
	Parked   int64 // messages parked as undeliverable before the period deleted
	Feedback int64 // feedback comments older than the period emptied (ratings kept)
	Waitlist int64 // waitlist entries whose days are over deleted
	Audit    int64 // audit entries older than twice the period deleted
}

// Total is the number of rows changed.
func (p Purged) Total() int64 {
	return p.Bookings + p.Holds + p.Claims + p.Sessions + p.Messages + p.Mailbox + p.Parked + p.Feedback + p.Waitlist + p.Audit
}

// String lists the non-zero counts, for logs and the audit log.
func (p Purged) String() string {
	var parts []string
	for _, c := range []struct {
		name string
		n    int64
	}{{"prenotazioni anonimizzate", p.Bookings}, {"prenotazioni temporanee", p.Holds}, {"posti scaduti", p.Claims},
		{"sessioni scadute", p.Sessions}, {"messaggi in coda", p.Messages}, {"email della casella locale", p.Mailbox},
		{"messaggi non recapitati", p.Parked}, {"commenti di valutazione", p.Feedback}, {"richieste di lista d'attesa", p.Waitlist}, {"voci del registro", p.Audit}} {
		if c.n > 0 {
			parts = append(parts, fmt.Sprintf("%s: %d", c.name, c.n))
		}
	}
	if len(parts) == 0 {
		return "nulla da cancellare"
	}
	return strings.Join(parts, ", ")
}

// defaultPurgeBatch bounds the rows one statement of Purge changes: each
// batch is its own short transaction, so the purge never holds SQLite's
// single writer (or PostgreSQL's row locks) for long, however much is due.
// Store.purgeBatch overrides it in tests.
const defaultPurgeBatch = 500

// staleHold is how long after expiring a hold is kept, as DeleteExpired
// does: a confirm arriving just after expiry still finds it and is told the
// time ran out (410) rather than that it never existed.
const staleHold = time.Hour

// The statements of Purge. Each changes at most a batch of rows (the
// LIMIT, always the last argument) and repeats its condition outside the
// subquery: on PostgreSQL a concurrent run that waited for a row lock
// re-checks the condition on the row as committed, and skips a row the other
// run has just done. Every statement is idempotent: a row it changed no
// longer matches.
const (
	// The personal data of a booking: the fruitore's anagrafica (names,
	// codice fiscale, birth data, sex, email, phone), the presentante (the
	// subject linking it to an account, also the richiedente of a conto
	// terzi booking), the free texts the citizen or staff wrote about the
	// person (motivazione, nota, extra fields, cancel reason) and the
	// idempotency key. Kept for statistics: resource, times, slots, status,
	// code, creation and cancellation times, attendance.
	purgeBookings = `UPDATE bookings SET presentante = '', presentante_nome = '', fruitore_cf = '', fruitore = '{}', motivazione = '', telefono = '',
		nota = '', extra = '{}', cancel_reason = '', idempotency_key = NULL, anonymised_at = ?
		WHERE anonymised_at IS NULL AND ends_at < ?
		AND id IN (SELECT id FROM bookings WHERE anonymised_at IS NULL AND ends_at < ? ORDER BY ends_at LIMIT ?)`
	// A hold carries its owner's subject. Holds whose slots ended before
	// the cutoff (confirmed or not) and unconfirmed ones expired for a while
	// have no purpose left. No index serves ends_at on purpose: an hourly
	// scan of holds is cheaper than one more index to update on every hold
	// of a click day.
	purgeHolds = `DELETE FROM holds WHERE (ends_at < ? OR expires_at <= ? AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.hold_id = holds.id))
		AND id IN (SELECT h.id FROM holds h WHERE h.ends_at < ? OR h.expires_at <= ? AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.hold_id = h.id) LIMIT ?)`
	purgeClaims = `DELETE FROM claims WHERE booking_id IS NULL AND expires_at <= ?
		AND (resource_id, starts_at, seat) IN (SELECT resource_id, starts_at, seat FROM claims WHERE booking_id IS NULL AND expires_at <= ? LIMIT ?)`
	purgeSessions = `DELETE FROM sessions WHERE expiry <= ?
		AND token IN (SELECT token FROM sessions WHERE expiry <= ? LIMIT ?)`
	// Messages go from the queue when delivered; one still there for an
	// anonymised booking never got through (the queue retries for ever) and
	// could not be sent any more: it has no address left. %s is the
	// message's booking ID, extracted by the engine's own functions (bodies
	// are JSON: Event or a notify delivery).
	purgeMessages = `DELETE FROM goqite WHERE queue IN (?, ?)
		AND id IN (SELECT id FROM goqite WHERE queue IN (?, ?)
			AND EXISTS (SELECT 1 FROM bookings b WHERE b.id = %s AND b.anonymised_at IS NOT NULL) LIMIT ?)`
	purgeMailbox = `DELETE FROM mailbox WHERE received_at < ?
		AND id IN (SELECT id FROM mailbox WHERE received_at < ? LIMIT ?)`
	// A parked message keeps its delivery and its last error, which may
	// name an address; it is there for staff to see for a while, not for ever.
	purgeParked = `DELETE FROM notify_parked WHERE parked_at < ?
		AND id IN (SELECT id FROM notify_parked WHERE parked_at < ? LIMIT ?)`
	purgeFeedback = `UPDATE feedback SET comment = '' WHERE created_at < ? AND comment <> ''
		AND id IN (SELECT id FROM feedback WHERE created_at < ? AND comment <> '' LIMIT ?)`
	// A waitlist entry names its citizen and an email address; once its
	// last day is past it can never be offered anything.
	purgeWaitlist = `DELETE FROM waitlist WHERE to_date < ?
		AND id IN (SELECT id FROM waitlist WHERE to_date < ? LIMIT ?)`
	purgeAudit = `DELETE FROM audit_log WHERE at < ?
		AND id IN (SELECT id FROM audit_log WHERE at < ? ORDER BY at LIMIT ?)`
)

// messageBookingID is the SQL expression of a goqite message's booking ID.
func (s *Store) messageBookingID() string {
	if s.dialect == Postgres {
		return `substring(convert_from(goqite.body, 'UTF8') from '"booking_id":"([^"]*)"')`
	}
	// SQLite reads a BLOB given to its JSON functions as JSONB: cast first,
	// and skip a body that is not JSON rather than fail the purge.
	return `CASE WHEN json_valid(CAST(goqite.body AS TEXT)) THEN json_extract(CAST(goqite.body AS TEXT), '$.booking_id') END`
}

// Cutoffs returns, for a retention period of months at now, the instant
// before which a booking's end makes it due for anonymisation, and the one
// before which audit entries are deleted (twice the period). Months are
// calendar months of Europe/Rome.
func Cutoffs(now time.Time, months int) (data, audit time.Time) {
	local := now.In(booking.Rome)
	return local.AddDate(0, -months, 0), local.AddDate(0, -2*months, 0)
}

// Purge applies the retention period of months (SPEC §12, GDPR) by the
// database clock: it empties the personal data of the bookings, of any
// status, whose appointment ended more than months ago, and deletes what has
// no purpose left (see the purge statements and docs/design.md). It is
// idempotent and safe to run from several instances at once; each table is
// done in batches of short transactions. EInvalid when months < 1. On error
// the counts say what was done before it.
func (s *Store) Purge(ctx context.Context, months int) (Purged, error) {
	var p Purged
	if months < 1 {
		return p, booking.Invalid(booking.FieldError{Field: "retention_months", Message: booking.RetentionMessage})
	}
	nowMS, err := s.now(ctx, s.r)
	if err != nil {
		return p, wrap(err)
	}
	now := time.UnixMilli(nowMS)
	dataCut, auditCut := Cutoffs(now, months)
	today := booking.DateOf(now, booking.Rome).String()
	cut, acut, stale := dataCut.UnixMilli(), auditCut.UnixMilli(), nowMS-staleHold.Milliseconds()
	steps := []struct {
		n     *int64
		query string
		args  []any
	}{
		// Bookings first: the messages step deletes the queue's messages of
		// the bookings anonymised.
		{&p.Bookings, purgeBookings, []any{nowMS, cut, cut}},
		{&p.Holds, purgeHolds, []any{cut, stale, cut, stale}},
		{&p.Claims, purgeClaims, []any{stale, stale}},
		{&p.Sessions, purgeSessions, []any{nowMS, nowMS}},
		{&p.Messages, fmt.Sprintf(purgeMessages, s.messageBookingID()), []any{OutboxQueue, JobsQueue, OutboxQueue, JobsQueue}},
		{&p.Mailbox, purgeMailbox, []any{cut, cut}},
		{&p.Parked, purgeParked, []any{cut, cut}},
		{&p.Feedback, purgeFeedback, []any{cut, cut}},
		{&p.Waitlist, purgeWaitlist, []any{today, today}},
		{&p.Audit, purgeAudit, []any{acut, acut}},
	}
	for _, st := range steps {
		n, err := s.batches(ctx, st.query, st.args...)
		*st.n = n
		if err != nil {
			return p, err
		}
	}
	return p, nil
}

// batches runs query (whose last placeholder is the batch size) in its own
// transaction until a run changes fewer rows than a batch, and returns
// the rows changed.
func (s *Store) batches(ctx context.Context, query string, args ...any) (int64, error) {
	query = s.q(query)
	batch := int64(defaultPurgeBatch)
	if s.purgeBatch > 0 {
		batch = int64(s.purgeBatch)
	}
	args = append(args, batch)
	var total int64
	for {
		var n int64
		err := s.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
			res, err := tx.ExecContext(ctx, query, args...)
			if err != nil {
				return wrap(err)
			}
			n, err = res.RowsAffected()
			return wrap(err)
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < batch {
			return total, nil
		}
	}
}
