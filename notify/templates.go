package notify

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"strings"
	"sync"
	texttemplate "text/template"
	"time"
	"unicode/utf8"

	"github.com/prenota/prenota/booking"
)

// Kind is the event a message tells of.
type Kind string

// The kinds of message.
const (
	Confirmation Kind = "confirmation" // the booking is made
	Cancellation Kind = "cancellation" // the booking is cancelled
	Reminder     Kind = "reminder"     // the appointment is near
	Moved        Kind = "moved"        // the booking is moved to another slot
)

// Kinds are every kind, in order.
var Kinds = []Kind{Confirmation, Cancellation, Reminder, Moved}

// Data is what a message's templates see.
type Data struct {
	Settings booking.Settings
	Resource booking.Resource
	Booking  booking.Booking

	Comune        string // "Comune di Demo"
	ResourceName  string
	FruitoreLine  string // "NOME COGNOME – dd/mm/yyyy – CF. XXXXXXXXXXXXXXXX"
	Weekday       string // "giovedì", of Date
	Date          string // dd/mm/yyyy, Europe/Rome
	Time          string // hh:mm
	OldDate       string // before the last move: dd/mm/yyyy, or "" if never moved
	OldTime       string // hh:mm
	EndTime       string // hh:mm, or ""
	Address       string // where an in-person appointment takes place
	ByPhone       bool
	PhoneCall     string // who calls whom, a whole sentence; "" in person
	PhoneReminder string // the end of "Ricordiamo che il giorno dell'appuntamento …" for a phone appointment
	ContactPhone  string // to call for information or to cancel
	Documents     string // "DOCUMENTI DA PRESENTARE"
	Code          string
	CancelReason  string
	ReplyTo       string
	BaseURL       string
	BookingsURL   string // "Le mie prenotazioni"
	BookingURL    string // the booking's page, where the citizen can cancel it
}

// NewData derives the template data of a booking.
func NewData(st booking.Settings, r booking.Resource, b booking.Booking, baseURL string) Data {
	baseURL = strings.TrimRight(baseURL, "/")
	d := Data{Settings: st, Resource: r, Booking: b, Code: b.Code, CancelReason: strings.TrimSpace(b.CancelReason),
		ReplyTo: strings.TrimSpace(st.ReplyTo), BaseURL: baseURL, BookingsURL: baseURL + "/prenotazioni"}
	if b.ID != "" {
		d.BookingURL = d.BookingsURL + "/" + b.ID
	}
	d.Comune = first(st.Name, "Comune")
	d.ResourceName = first(r.Name, b.ResourceName)
	p := b.Fruitore
	parts := []string{strings.ToUpper(strings.TrimSpace(p.FullName()))}
	if !p.DataNascita.IsZero() {
		parts = append(parts, p.DataNascita.Italian())
	}
	if p.CodiceFiscale != "" {
		parts = append(parts, "CF. "+p.CodiceFiscale)
	}
	d.FruitoreLine = strings.Join(parts, " – ")
	start := b.Start.In(booking.Rome)
	d.Date, d.Time = start.Format("02/01/2006"), start.Format("15:04")
	if !b.MovedFrom.IsZero() {
		old := b.MovedFrom.In(booking.Rome)
		d.OldDate, d.OldTime = old.Format("02/01/2006"), old.Format("15:04")
	}
	d.Weekday = weekdays[start.Weekday()]
	if !b.End.IsZero() {
		d.EndTime = b.End.In(booking.Rome).Format("15:04")
	}
	d.Address = first(r.Address, st.Address)
	d.ContactPhone = first(r.Phone, st.Phone) // the office's own, else the Comune's
	d.Documents = strings.Trim(strings.ReplaceAll(r.Documents, "\r\n", "\n"), "\n \t")
	d.ByPhone = r.Kind == booking.ByPhone
	d.PhoneReminder = "sarete richiamati al numero da voi indicato."
	if d.ByPhone {
		if r.PhoneMode == booking.CitizenCalls {
			n := first(r.PhoneNumber, r.Phone, st.Phone)
			d.PhoneCall = "Dovrà chiamare il numero " + n + "."
			d.PhoneReminder = "dovrete chiamare il numero " + n + "."
		} else {
			called := "richiamato"
			if p.Sesso == "F" {
				called = "richiamata"
			}
			d.PhoneCall = "Sarà " + called + " al numero " + first(b.Telefono, p.Telefono) + "."
		}
	}
	return d
}

// weekdays are the Italian names of time.Weekday.
var weekdays = [...]string{"domenica", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"}

func first(ss ...string) string {
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// Content is a rendered message, for every channel.
type Content struct {
	Subject   string // email subject
	Text      string // email plain-text part
	HTML      string // email HTML part (a whole document)
	IOSubject string // App IO subject, 10–120 characters
	Markdown  string // App IO body, 80–10000 characters
}

//go:embed templates
var defaultFS embed.FS

// Templates are the texts of the messages: for each kind, a text/template
// source defining "subject", "text", "io_subject" and "markdown", and an
// html/template source defining "html". Both may use the shared blocks of
// templates/common.txt and common.html ("details", "footer", …). The defaults
// are embedded; Set replaces a kind's sources, and Override (or Sync) puts
// the back office's version of its subject, text and HTML on top of them
// (Parts). Both are safe while messages are rendered.
type Templates struct {
	mu   sync.RWMutex
	base map[Kind]source
	over map[Kind]Parts // the overrides applied
	sets map[Kind]*templateSet
}

type source struct{ text, html string }

type templateSet struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// Parts are what the back office edits of a kind's texts: Go templates
// (https://pkg.go.dev/text/template) for the email's subject, its
// plain-text body and its HTML body, over the fields of Data, with the
// shared blocks ("details", "footer", and "reminders" in HTML) at hand. The
// App IO subject and text stay the built-in ones.
type Parts struct {
	Subject string
	Text    string
	HTML    string
}

// The fields of Parts, as PartError names them.
const (
	FieldSubject = "subject"
	FieldText    = "text"
	FieldHTML    = "html"
)

// ErrEmpty is the error of a PartError whose field is empty.
var ErrEmpty = errors.New("empty")

// PartError is a field of Parts that does not parse or does not render.
type PartError struct {
	Field string // FieldSubject, FieldText or FieldHTML
	Err   error
}

func (e *PartError) Error() string { return "notify: " + e.Field + " template: " + e.Err.Error() }
func (e *PartError) Unwrap() error { return e.Err }

// DefaultTemplates returns the built-in Italian texts.
func DefaultTemplates() *Templates {
	t := &Templates{base: map[Kind]source{}, over: map[Kind]Parts{}, sets: map[Kind]*templateSet{}}
	for _, k := range Kinds {
		text, html := DefaultSource(k)
		if err := t.Set(k, text, html); err != nil {
			panic(err) // the embedded defaults are tested
		}
	}
	return t
}

// DefaultSource returns the built-in sources of a kind's texts.
func DefaultSource(k Kind) (text, html string) {
	tb, err1 := defaultFS.ReadFile("templates/" + string(k) + ".txt")
	hb, err2 := defaultFS.ReadFile("templates/" + string(k) + ".html")
	if err1 != nil || err2 != nil {
		return "", ""
	}
	return string(tb), string(hb)
}

// DefaultParts returns the built-in subject, text and HTML of a kind, for
// an editor to start from.
func DefaultParts(k Kind) Parts {
	text, html := DefaultSource(k)
	body := func(src, name string) string {
		t, err := texttemplate.New("").Parse(src)
		if err != nil || t.Lookup(name) == nil {
			return ""
		}
		return t.Lookup(name).Tree.Root.String()
	}
	return Parts{Subject: body(text, "subject"), Text: body(text, "text"), HTML: body(html, "html")}
}

// CheckParts reports whether p can replace the texts of kind k: every field
// must be given, parse, and render a sample booking. The error is a
// *PartError naming the first field at fault.
func CheckParts(k Kind, p Parts) error {
	text, html := DefaultSource(k)
	if text == "" {
		return fmt.Errorf("notify: unknown kind %q", k)
	}
	for _, f := range []struct{ name, v string }{{FieldSubject, p.Subject}, {FieldText, p.Text}, {FieldHTML, p.HTML}} {
		if !booking.StorableText(f.v) {
			return &PartError{Field: f.name, Err: ErrNotText}
		}
	}
	_, err := build(source{text, html}, &p)
	return err
}

// ErrNotText is the error of a part that holds a NUL or invalid UTF-8.
var ErrNotText = errors.New(booking.TextMessage)

// Preview renders kind k with p (the built-in texts for a zero Parts) for a
// sample booking of the Comune whose settings are st.
func Preview(k Kind, p Parts, st booking.Settings) (Content, error) {
	text, html := DefaultSource(k)
	if text == "" {
		return Content{}, fmt.Errorf("notify: unknown kind %q", k)
	}
	var over *Parts
	if p != (Parts{}) {
		over = &p
	}
	set, err := build(source{text, html}, over)
	if err != nil {
		return Content{}, err
	}
	return set.render(PreviewData(k, st))
}

// Set replaces the sources of kind k's texts, after checking that they
// parse and render a sample booking (with the kind's override, if any). The
// shared blocks of the defaults are available to them and may be redefined.
func (t *Templates) Set(k Kind, textSrc, htmlSrc string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	src := source{textSrc, htmlSrc}
	var over *Parts
	if p, ok := t.over[k]; ok {
		over = &p
	}
	set, err := build(src, over)
	if err != nil {
		return fmt.Errorf("notify: %s: %w", k, err)
	}
	t.base[k], t.sets[k] = src, set
	return nil
}

// Override puts p on top of kind k's sources; nil removes the override.
func (t *Templates) Override(k Kind, p *Parts) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.override(k, p)
}

func (t *Templates) override(k Kind, p *Parts) error {
	src, ok := t.base[k]
	if !ok {
		return fmt.Errorf("notify: no templates for %q", k)
	}
	set, err := build(src, p)
	if err != nil {
		return fmt.Errorf("notify: %s: %w", k, err)
	}
	t.sets[k] = set
	if p == nil {
		delete(t.over, k)
	} else {
		t.over[k] = *p
	}
	return nil
}

// Sync makes the overrides those of over (kinds missing from it use their
// sources alone). Kinds whose override is unchanged are left as they are,
// so calling it before every message is cheap. An override that fails is
// dropped (the kind uses its sources alone) and reported in the error.
func (t *Templates) Sync(over map[Kind]Parts) error {
	t.mu.RLock()
	same := len(over) == len(t.over)
	for k, p := range over {
		if q, ok := t.over[k]; !ok || q != p {
			same = false
		}
	}
	t.mu.RUnlock()
	if same {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	var errs []error
	for k := range t.base {
		p, ok := over[k]
		q, had := t.over[k]
		switch {
		case ok && (!had || p != q):
			if err := t.override(k, &p); err != nil {
				errs = append(errs, err)
				if had {
					t.override(k, nil)
				}
			}
		case !ok && had:
			errs = append(errs, t.override(k, nil))
		}
	}
	return errors.Join(errs...)
}

// build parses a kind's texts: the shared blocks, the sources, and on top
// the parts of over, if any; then renders a sample booking.
func build(src source, over *Parts) (*templateSet, error) {
	common, _ := defaultFS.ReadFile("templates/common.txt")
	tt, err := texttemplate.New("common").Option("missingkey=error").Parse(string(common))
	if err == nil {
		tt, err = tt.Parse(src.text)
	}
	if err != nil {
		return nil, fmt.Errorf("text template: %w", err)
	}
	commonHTML, _ := defaultFS.ReadFile("templates/common.html")
	ht, err := htmltemplate.New("common").Option("missingkey=error").Parse(string(commonHTML))
	if err == nil {
		ht, err = ht.Parse(src.html)
	}
	if err != nil {
		return nil, fmt.Errorf("HTML template: %w", err)
	}
	if over != nil {
		for _, f := range []struct{ field, src string }{{FieldSubject, over.Subject}, {FieldText, over.Text}, {FieldHTML, over.HTML}} {
			if strings.TrimSpace(f.src) == "" {
				// (text/template would keep the old body of an empty one.)
				return nil, &PartError{Field: f.field, Err: ErrEmpty}
			}
			if f.field == FieldHTML {
				_, err = ht.New(f.field).Parse(f.src)
			} else {
				_, err = tt.New(f.field).Parse(f.src)
			}
			if err != nil {
				return nil, &PartError{Field: f.field, Err: err}
			}
		}
	}
	set := &templateSet{text: tt, html: ht}
	d := sampleData()
	for _, f := range []string{FieldSubject, FieldText} {
		var b bytes.Buffer
		if err := tt.ExecuteTemplate(&b, f, d); err != nil {
			return nil, &PartError{Field: f, Err: err}
		}
		if f == FieldSubject && oneLine(b.String()) == "" {
			return nil, &PartError{Field: f, Err: ErrEmpty}
		}
	}
	if err := ht.ExecuteTemplate(io.Discard, FieldHTML, d); err != nil {
		return nil, &PartError{Field: FieldHTML, Err: err}
	}
	if _, err := set.render(d); err != nil {
		return nil, err
	}
	return set, nil
}

// Render renders the message of kind k.
func (t *Templates) Render(k Kind, d Data) (Content, error) {
	t.mu.RLock()
	set := t.sets[k]
	t.mu.RUnlock()
	if set == nil {
		return Content{}, fmt.Errorf("notify: no templates for %q", k)
	}
	return set.render(d)
}

func (s *templateSet) render(d Data) (Content, error) {
	var c Content
	var err error
	text := func(name string) string {
		if err != nil {
			return ""
		}
		var b bytes.Buffer
		if e := s.text.ExecuteTemplate(&b, name, d); e != nil {
			err = e
		}
		return b.String()
	}
	c.Subject = oneLine(text("subject"))
	c.Text = strings.TrimSpace(text("text")) + "\n"
	c.IOSubject = oneLine(text("io_subject"))
	c.Markdown = strings.TrimSpace(text("markdown")) + "\n"
	if err != nil {
		return Content{}, err
	}
	var body bytes.Buffer
	if err := s.html.ExecuteTemplate(&body, "html", d); err != nil {
		return Content{}, err
	}
	var page bytes.Buffer
	if err := s.html.ExecuteTemplate(&page, "page", struct {
		Title string
		Data  Data
		Body  htmltemplate.HTML
	}{c.Subject, d, htmltemplate.HTML(body.String())}); err != nil { // body was escaped by the same template set
		return Content{}, err
	}
	c.HTML = page.String()
	c.IOSubject = clampRunes(c.IOSubject, 120)
	if utf8.RuneCountInString(c.IOSubject) < 10 {
		c.IOSubject = clampRunes(c.IOSubject+" – "+d.Comune, 120)
	}
	if utf8.RuneCountInString(c.Markdown) < 80 {
		// App IO refuses shorter bodies.
		c.Markdown += "\n" + d.Comune + " – servizio di prenotazione online. Codice prenotazione: " + d.Code + ".\n"
	}
	c.Markdown = clampRunes(c.Markdown, 10000)
	return c, nil
}

// oneLine joins the lines of s with spaces and trims it.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// clampRunes cuts s to at most n characters, ending with "…" when cut.
func clampRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

// sampleData is a booking that exercises every branch of the templates.
func sampleData() Data {
	start := time.Date(2026, time.March, 3, 9, 0, 0, 0, booking.Rome)
	st := booking.Settings{Name: "Comune di Esempio", Phone: "0541 000000", Address: "Piazza Grande 1", NoReply: "noreply@example.org"}
	r := booking.Resource{ID: 1, Name: "Sportello 1", Address: "Via Roma 1", Kind: booking.ByPhone, PhoneMode: booking.OfficeCalls, Documents: "Documento di identità"}
	b := booking.Booking{ID: "sample", Code: "AAAA-AAAA", ResourceID: 1, ResourceName: "Sportello 1", Start: start, End: start.Add(15 * time.Minute),
		Fruitore: booking.Person{Nome: "MARIO", Cognome: "ROSSI", DataNascita: booking.Date{Year: 1970, Month: time.January, Day: 1}, CodiceFiscale: "RSSMRA70A01H501S",
			Email: "mario@example.org", Telefono: "333 1234567"}, Telefono: "333 1234567", Status: booking.Cancelled, CancelReason: "prova"}
	return NewData(st, r, b, "https://prenota.example.org")
}

// PreviewData is a sample booking of kind k's message for the Comune whose
// settings are st (sample ones when st has no name): an appointment in
// person with documents to present, cancelled with a reason for a
// cancellation.
func PreviewData(k Kind, st booking.Settings) Data {
	if strings.TrimSpace(st.Name) == "" {
		st = booking.Settings{Name: "Comune di Esempio", Phone: "0541 000000", Address: "Piazza Grande 1", NoReply: "noreply@example.org"}
	}
	start := time.Now().In(booking.Rome).AddDate(0, 0, 7)
	start = time.Date(start.Year(), start.Month(), start.Day(), 9, 30, 0, 0, booking.Rome)
	r := booking.Resource{ID: 1, Name: "Sportello Anagrafe", Address: first(st.Address, "Piazza Grande 1"), Kind: booking.InPerson,
		Documents: "Documento di identità valido; tessera sanitaria (codice fiscale)."}
	b := booking.Booking{ID: "anteprima", Code: "K7MP-QX9C", ResourceID: 1, ResourceName: r.Name, Start: start, End: start.Add(20 * time.Minute),
		Fruitore: booking.Person{Nome: "NICCOLÒ", Cognome: "D'AMICO", DataNascita: booking.Date{Year: 2001, Month: time.November, Day: 30},
			CodiceFiscale: "DMCNCL01S30D612R", Email: "niccolo.damico@example.org", Telefono: "333 1234567"},
		Telefono: "333 1234567", Status: booking.Confirmed}
	if k == Cancellation {
		b.Status, b.CancelReason = booking.Cancelled, "Ufficio chiuso per un'assemblea sindacale."
	}
	return NewData(st, r, b, "https://prenota.example.org")
}
