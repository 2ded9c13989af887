package receipt

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/prenota/prenota/booking"
)

// ProdID is the PRODID of every iCalendar file.
const ProdID = "-//Prenota//Prenota//IT"

// ICS returns the booking as an RFC 5545 iCalendar file with one VEVENT.
//
// A confirmed booking is published (METHOD:PUBLISH, STATUS:CONFIRMED,
// SEQUENCE:0); a cancelled one cancels the same event (METHOD:CANCEL,
// STATUS:CANCELLED, SEQUENCE one more than the confirmed one's); each move of
// the booking adds one to the SEQUENCE, so a calendar that imported the first
// file updates or removes the entry on importing the next. A confirmed one has
// a VALARM reminder a day before. The description names the fruitore without
// codice fiscale or birth date. The UID is
// "<booking ID>@<host of baseURL>" and the URL is baseURL + "/prenotazioni/<ID>".
// Times are in UTC. DTSTAMP is when the booking was made (or cancelled), so
// the same booking always gives the same bytes; the current time if unknown. Lines are folded at 75
// octets and end with CRLF.
//
// It fails if the booking has no ID, start or end, or baseURL has no host.
func ICS(d Data, baseURL string) ([]byte, error) {
	b := d.Booking
	if b.ID == "" || b.Start.IsZero() || b.End.IsZero() || !b.End.After(b.Start) {
		return nil, errors.New("receipt: booking without ID or valid start and end")
	}
	base, err := url.Parse(strings.TrimRight(baseURL, "/"))
	if err != nil || base.Host == "" || (base.Scheme != "https" && base.Scheme != "http") {
		return nil, fmt.Errorf("receipt: base URL %q is not an absolute http(s) URL", baseURL)
	}
	link := base.JoinPath("prenotazioni", b.ID).String()
	cancelled := b.Status == booking.Cancelled

	cal := ics.NewCalendarFor("Prenota")
	cal.SetProductId(ProdID)
	cal.SetCalscale("GREGORIAN")
	// Each move of the booking increments the sequence; cancelling, once more.
	method, status, sequence := ics.MethodPublish, ics.ObjectStatusConfirmed, b.Sequence
	if cancelled {
		method, status, sequence = ics.MethodCancel, ics.ObjectStatusCancelled, b.Sequence+1
	}
	cal.SetMethod(method)

	ev := cal.AddEvent(b.ID + "@" + base.Hostname())
	ev.SetDtStampTime(stamp(b))
	if !b.CreatedAt.IsZero() {
		ev.SetCreatedTime(b.CreatedAt)
	}
	if cancelled && !b.CancelledAt.IsZero() {
		ev.SetLastModifiedAt(b.CancelledAt)
	}
	ev.SetSequence(sequence)
	ev.SetStatus(status)
	ev.SetStartAt(b.Start)
	ev.SetEndAt(b.End)
	ev.SetSummary(d.summary())
	if loc := d.location(); loc != "" {
		ev.SetLocation(loc)
	}
	if !d.byPhone() && d.Resource.Latitude != nil && d.Resource.Longitude != nil {
		ev.SetGeo(*d.Resource.Latitude, *d.Resource.Longitude)
	}
	ev.SetDescription(d.details(link))
	ev.SetURL(link)
	// The appointment names the citizen: keep it out of calendars the
	// citizen shares.
	ev.SetClass(ics.ClassificationPrivate)
	if !cancelled {
		// A reminder the day before.
		a := ev.AddAlarm()
		a.SetAction(ics.ActionDisplay)
		a.SetTrigger("-P1D")
		a.SetProperty(ics.ComponentPropertyDescription, "Domani: "+d.summary())
	}
	// RFC 5546 wants an ORGANIZER in PUBLISH and CANCEL, and an ATTENDEE in
	// CANCEL, so that clients match the cancellation to the entry.
	if org := firstNonEmpty(d.Settings.Email, d.Settings.NoReply); org != "" {
		ev.SetOrganizer("mailto:"+org, cnParams(d.Settings.Name)...)
	}
	if cancelled && d.Booking.Fruitore.Email != "" {
		ev.AddAttendee("mailto:"+d.Booking.Fruitore.Email, cnParams(d.Booking.Fruitore.FullName())...)
	}

	var sb strings.Builder
	if err := cal.SerializeTo(&sb, ics.WithNewLineWindows); err != nil {
		return nil, fmt.Errorf("receipt: writing iCalendar: %w", err)
	}
	return []byte(sb.String()), nil
}

// ICSContentType is the MIME type of the booking's iCalendar file, with the
// method that mail clients look for to offer "add to calendar" or "remove".
func ICSContentType(b booking.Booking) string {
	if b.Status == booking.Cancelled {
		return "text/calendar; charset=utf-8; method=CANCEL"
	}
	return "text/calendar; charset=utf-8; method=PUBLISH"
}

// stamp is the DTSTAMP: when this version of the event came to be.
func stamp(b booking.Booking) time.Time {
	switch {
	case b.Status == booking.Cancelled && !b.CancelledAt.IsZero():
		return b.CancelledAt
	case !b.CreatedAt.IsZero():
		return b.CreatedAt
	default:
		return time.Now()
	}
}

// cnParams gives a CN parameter for name, or none if golang-ical would write
// it wrongly: it backslash-escapes , ; : ' and " in parameter values, which
// RFC 5545 does not allow. An ASCII apostrophe (D'AMICO, Sant'Arcangelo)
// becomes the typographic one, which needs no escaping.
func cnParams(name string) []ics.PropertyParameter {
	name = strings.ReplaceAll(strings.TrimSpace(name), "'", "’")
	if name == "" || strings.ContainsAny(name, ",;:\"\\") {
		return nil
	}
	return []ics.PropertyParameter{ics.WithCN(name)}
}
