// Package receipt renders what a citizen keeps of a booking: the PDF receipt
// with a QR code of the booking code, the iCalendar (.ics) file, and the links
// that add the appointment to Google, Yahoo! and Outlook calendars.
//
// Output is in Italian. Dates and times are shown in Europe/Rome
// (booking.Rome) and written in UTC wherever a program reads them (iCalendar,
// calendar links), so daylight-saving changes cannot shift an appointment.
package receipt

import (
	"strings"
	"time"

	"github.com/prenota/prenota/booking"
)

// Data is everything a receipt says about one booking.
type Data struct {
	Settings booking.Settings
	Resource booking.Resource
	Booking  booking.Booking
	Logo     []byte // the Comune's crest, PNG or JPEG; optional
	// Presentante is the name of whoever booked for the fruitore (conto
	// terzi); when empty, Booking.BookedBy.
	Presentante string
}

// resourceName is the name of the booked resource, even if the resource has
// since been renamed or deleted (the booking keeps the name it was made with).
func (d Data) resourceName() string {
	if n := strings.TrimSpace(d.Resource.Name); n != "" {
		return n
	}
	return strings.TrimSpace(d.Booking.ResourceName)
}

func (d Data) byPhone() bool { return d.Resource.Kind == booking.ByPhone }

// address is where an in-person appointment takes place: the resource's
// address, or the town hall's when the resource has none.
func (d Data) address() string {
	if a := strings.TrimSpace(d.Resource.Address); a != "" {
		return a
	}
	return strings.TrimSpace(d.Settings.Address)
}

// location is the LOCATION of calendar entries.
func (d Data) location() string {
	if d.byPhone() {
		return "Appuntamento telefonico"
	}
	return d.address()
}

// summary is the title of calendar entries.
func (d Data) summary() string { return "Appuntamento: " + d.resourceName() }

// noticePhone is the number to call to cancel or to warn of a delay: the
// office's own, else the Comune's.
func (d Data) noticePhone() string {
	return firstNonEmpty(d.Resource.Phone, d.Settings.Phone)
}

// fruitoreLine is "NOME COGNOME – dd/mm/yyyy – CF. XXXXXXXXXXXXXXXX", leaving
// out the parts that are missing.
func (d Data) fruitoreLine() string {
	p := d.Booking.Fruitore
	parts := []string{strings.ToUpper(strings.TrimSpace(p.FullName()))}
	if !p.DataNascita.IsZero() {
		parts = append(parts, p.DataNascita.Italian())
	}
	if p.CodiceFiscale != "" {
		parts = append(parts, "CF. "+p.CodiceFiscale)
	}
	return strings.Join(parts, " – ")
}

// when is "Giovedì dd/mm/yyyy ore hh:mm – hh:mm" in Europe/Rome.
func (d Data) when() string {
	s := weekdays[d.Booking.Start.In(booking.Rome).Weekday()] + " " + rome(d.Booking.Start, "02/01/2006") + " ore " + rome(d.Booking.Start, "15:04")
	if !d.Booking.End.IsZero() {
		s += " – " + rome(d.Booking.End, "15:04")
	}
	return s
}

// phoneCall says who calls whom for a phone appointment, without the final
// full stop; the number is returned apart so that the PDF can set it in bold.
// It returns empty strings for an in-person appointment.
func (d Data) phoneCall() (text, number string) {
	if !d.byPhone() {
		return "", ""
	}
	if d.Resource.PhoneMode == booking.CitizenCalls {
		n := firstNonEmpty(d.Resource.PhoneNumber, d.Resource.Phone, d.Settings.Phone)
		return "Dovrà chiamare il numero", n
	}
	// OfficeCalls, and the default: the seed's e-mail says "sarete richiamati
	// al numero da voi indicato".
	called := "richiamato"
	if d.Booking.Fruitore.Sesso == "F" {
		called = "richiamata"
	}
	return "Sarà " + called + " al numero", firstNonEmpty(d.Booking.Telefono, d.Booking.Fruitore.Telefono)
}

// punctuality is the receipt's request to be on time, ending with the phone to
// call; the number is returned apart so that the PDF can set it in bold.
func (d Data) punctuality() (text, number string) {
	const s = "Al fine di consentire il regolare svolgimento di tutti gli incontri previsti nella giornata, si raccomanda la puntualità. In caso di impossibilità a presentarsi all'appuntamento, si prega di avvisare"
	if n := d.noticePhone(); n != "" {
		return s + " telefonando al n. ", n
	}
	return s + " l'ufficio.", ""
}

// details is the description of calendar entries. It names the fruitore
// but carries no codice fiscale or birth date: calendars sync to third
// parties. link, if not empty, is the booking's page.
func (d Data) details(link string) string {
	var b strings.Builder
	line := func(s string) { b.WriteString(s + "\n") }
	line("Codice prenotazione: " + d.Booking.Code)
	line("Fruitore: " + strings.ToUpper(strings.TrimSpace(d.Booking.Fruitore.FullName())))
	if o := strings.TrimSpace(d.Resource.Office); o != "" {
		line("Ufficio: " + o)
	}
	if t, n := d.phoneCall(); t != "" {
		line(t + " " + n + ".")
	}
	if n := d.noticePhone(); n != "" {
		line("In caso di impossibilità a presentarsi, avvisare telefonando al n. " + n + ".")
	}
	if docs := normalizeNewlines(d.Resource.Documents); docs != "" {
		line("")
		line("DOCUMENTI DA PRESENTARE")
		line(docs)
	}
	if link != "" {
		line("")
		line("Dettagli e annullamento: " + link)
	}
	return strings.TrimRight(b.String(), "\n")
}

// weekdays are the Italian names of time.Weekday, capitalised to open a line.
var weekdays = [...]string{"Domenica", "Lunedì", "Martedì", "Mercoledì", "Giovedì", "Venerdì", "Sabato"}

// rome formats t in Europe/Rome.
func rome(t time.Time, layout string) string { return t.In(booking.Rome).Format(layout) }

// normalizeNewlines turns CRLF and CR into LF and trims blank lines at the ends.
func normalizeNewlines(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	return strings.Trim(s, "\n \t")
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}
