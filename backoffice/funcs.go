package backoffice

import (
	"html/template"
	"strings"
	"time"

	"github.com/prenota/prenota/booking"
)

var weekdays = [...]string{"domenica", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"}

var months = [...]string{"", "gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"}

// italianDay is "lunedì 7 dicembre 2026".
func italianDay(d booking.Date) string {
	return weekdays[d.Weekday()] + " " + itoa(d.Day) + " " + months[d.Month] + " " + itoa(d.Year)
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b []byte
	neg := n < 0
	if neg {
		n = -n
	}
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	if neg {
		b = append([]byte{'-'}, b...)
	}
	return string(b)
}

var funcs = template.FuncMap{
	"date":       func(t time.Time) string { return t.In(booking.Rome).Format("02/01/2006") },
	"clock":      func(t time.Time) string { return t.In(booking.Rome).Format("15:04") },
	"dateTime":   func(t time.Time) string { return t.In(booking.Rome).Format("02/01/2006 15:04") },
	"italianDay": italianDay,
	"weekday":    func(d booking.Date) string { return weekdays[d.Weekday()] },
	"attendance": func(s string) string {
		switch s {
		case "presente":
			return "Presente"
		case "assente":
			return "Non presentato"
		}
		return ""
	},
	"stateLabel": func(s booking.State) string {
		switch s {
		case booking.Free:
			return "Libero"
		case booking.Taken:
			return "Occupato"
		case booking.Closed:
			return "Chiuso"
		case booking.Past:
			return "Passato"
		case booking.NotYetOpen:
			return "Non ancora prenotabile"
		}
		return string(s)
	},
	"indent":   func(d int) string { return strings.Repeat("— ", d) },
	"fieldErr": fieldErr,
	"monthOf":  monthKey,
	"join":     strings.Join,
	"percent":  percent,
	"decimal":  decimal,
	"month":    monthName,
	"plural":   plural,
}

// plural is "1 posto", "2 posti".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return itoa(n) + " " + many
}
