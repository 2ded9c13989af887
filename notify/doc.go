// Package notify delivers the messages of a booking — the confirmation with
// the PDF receipt and the .ics, the cancellation, and the reminder before the
// appointment — by email (SMTP, or the local mailbox of the demo) and, when
// the Comune has an API key, by App IO.
//
// The booking store writes an event to its outbox in the same transaction as
// the booking or cancellation. The Worker turns each event into one delivery
// per channel (atomically, deleting the event), and sends each delivery with
// retries and exponential backoff until it succeeds; see Worker for the
// delivery guarantee. Reminders are found by a periodic check and recorded,
// so each booking gets at most one.
//
// The texts are templates (Templates) with Italian defaults embedded from
// templates/; the back office can replace them.
package notify
