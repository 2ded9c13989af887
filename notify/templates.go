package notify

import (
	"bytes"
	"embed"
	"fmt"
	htmltemplate "html/template"
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
)

// Kinds are every kind, in order.
var Kinds = []Kind{Confirmation, Cancellation, Reminder}

// Data is what a message's templates see.
type Data struct {
	Settings booking.Settings
	Resource booking.Resource
	Booking  booking.Booking

	Comune        string // "Comune di Demo"
	ResourceName  string
	FruitoreLine  string // "NOME COGNOME – dd/mm/yyyy – CF. XXXXXXXXXXXXXXXX"
	Date          string // dd/mm/yyyy, Europe/Rome
	Time          string // hh:mm
	EndTime       string // hh:mm, or ""
	Address       string // where an in-person appointment takes place
	ByPhone       bool
	PhoneCall     string // who calls whom, a whole sentence; "" in person
	PhoneReminder string // the end of "In caso di appuntamento telefonico …"
	ContactPhone  string // to call for information or to cancel
	Documents     string // "DOCUMENTI DA PRESENTARE"
	Code          string
	CancelReason  string
	ReplyTo       string
	BaseURL       string
	BookingsURL   string // "Le mie prenotazioni"
}

// NewData derives the template data of a booking.
func NewData(st booking.Settings, r booking.Resource, b booking.Booking, baseURL string) Data {
	baseURL = strings.TrimRight(baseURL, "/")
	d := Data{Settings: st, Resource: r, Booking: b, Code: b.Code, CancelReason: strings.TrimSpace(b.CancelReason),
		ReplyTo: strings.TrimSpace(st.ReplyTo), BaseURL: baseURL, BookingsURL: baseURL + "/prenotazioni"}
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
	if !b.End.IsZero() {
		d.EndTime = b.End.In(booking.Rome).Format("15:04")
	}
	d.Address = first(r.Address, st.Address)
	d.ContactPhone = first(st.Phone, r.Phone)
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
// are embedded; Set replaces a kind's texts (the back office will), and is
// safe while messages are rendered.
type Templates struct {
	mu   sync.RWMutex
	sets map[Kind]*templateSet
}

type templateSet struct {
	text *texttemplate.Template
	html *htmltemplate.Template
}

// DefaultTemplates returns the built-in Italian texts.
func DefaultTemplates() *Templates {
	t := &Templates{sets: map[Kind]*templateSet{}}
	for _, k := range Kinds {
		text, html := DefaultSource(k)
		if err := t.Set(k, text, html); err != nil {
			panic(err) // the embedded defaults are tested
		}
	}
	return t
}

// DefaultSource returns the built-in sources of a kind's texts, for an editor
// to start from.
func DefaultSource(k Kind) (text, html string) {
	tb, err1 := defaultFS.ReadFile("templates/" + string(k) + ".txt")
	hb, err2 := defaultFS.ReadFile("templates/" + string(k) + ".html")
	if err1 != nil || err2 != nil {
		return "", ""
	}
	return string(tb), string(hb)
}

// Set replaces the texts of kind k with the given sources, after checking
// that they parse and render a sample booking. The shared blocks of the
// defaults are available to them and may be redefined.
func (t *Templates) Set(k Kind, textSrc, htmlSrc string) error {
	common, _ := defaultFS.ReadFile("templates/common.txt")
	tt, err := texttemplate.New(string(k)).Option("missingkey=error").Parse(string(common))
	if err == nil {
		tt, err = tt.Parse(textSrc)
	}
	if err != nil {
		return fmt.Errorf("notify: %s text template: %w", k, err)
	}
	commonHTML, _ := defaultFS.ReadFile("templates/common.html")
	ht, err := htmltemplate.New(string(k)).Option("missingkey=error").Parse(string(commonHTML))
	if err == nil {
		ht, err = ht.Parse(htmlSrc)
	}
	if err != nil {
		return fmt.Errorf("notify: %s HTML template: %w", k, err)
	}
	set := &templateSet{text: tt, html: ht}
	if _, err := set.render(sampleData()); err != nil {
		return fmt.Errorf("notify: %s: %w", k, err)
	}
	t.mu.Lock()
	t.sets[k] = set
	t.mu.Unlock()
	return nil
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
