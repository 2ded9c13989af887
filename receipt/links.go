package receipt

import (
	"net/url"
	"strings"
	"time"
)

// CalendarLinks are the web addresses that open a new event, already filled
// in, in each calendar service; the confirmation page offers them.
type CalendarLinks struct {
	Google  string
	Yahoo   string
	Outlook string
}

// Links returns the calendar links of d's appointment, with UTC times. Their
// details carry the booking code and the fruitore's name but not the birth
// date or codice fiscale: a URL ends up in third parties' logs.
func Links(d Data) CalendarLinks {
	const compact = "20060102T150405Z"
	start, end := d.Booking.Start.UTC(), d.Booking.End.UTC()
	title, details, loc := d.summary(), d.details(""), d.location()
	return CalendarLinks{
		Google: "https://calendar.google.com/calendar/render?" + query(
			"action", "TEMPLATE",
			"text", title,
			"dates", start.Format(compact)+"/"+end.Format(compact),
			"details", details,
			"location", loc,
			"ctz", "Europe/Rome", // shows the event in Rome's time; the instants are UTC
		),
		Yahoo: "https://calendar.yahoo.com/?" + query(
			"v", "60",
			"title", title,
			"st", start.Format(compact),
			"et", end.Format(compact),
			"desc", details,
			"in_loc", loc,
		),
		Outlook: "https://outlook.live.com/calendar/0/deeplink/compose?" + query(
			"path", "/calendar/action/compose",
			"rru", "addevent",
			"subject", title,
			"startdt", start.Format(time.RFC3339),
			"enddt", end.Format(time.RFC3339),
			"body", details,
			"location", loc,
		),
	}
}

// queryEscaper undoes the escapes that url.QueryEscape makes but a query does
// not need (RFC 3986 allows "/" and ":" there), and writes spaces as %20:
// Outlook's deeplink shows a "+" literally.
var queryEscaper = strings.NewReplacer("+", "%20", "%2F", "/", "%3A", ":")

// query encodes key, value pairs in the order given.
func query(kv ...string) string {
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(kv[i]))
		b.WriteByte('=')
		b.WriteString(queryEscaper.Replace(url.QueryEscape(kv[i+1])))
	}
	return b.String()
}
