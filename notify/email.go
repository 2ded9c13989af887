package notify

import (
	"bytes"
	"context"
	"fmt"
	"net"
	netmail "net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	mail "github.com/wneessen/go-mail"
)

// Email is an email ready to be sent.
type Email struct {
	MessageID   string // without angle brackets; stable per (booking, kind)
	FromName    string
	From        string
	ReplyTo     string // optional
	To          string
	Subject     string
	Text        string
	HTML        string
	Date        time.Time
	Attachments []Attachment
}

// Attachment is a file attached to an email.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// Msg builds the go-mail message: a multipart/mixed of a
// multipart/alternative (text, HTML) and the attachments.
func (e *Email) Msg() (*mail.Msg, error) {
	m := mail.NewMsg()
	from, err := netmail.ParseAddress(e.From)
	if err != nil {
		return nil, fmt.Errorf("notify: From %q: %w", e.From, err)
	}
	// The display name is the Comune's, as typed in the back office:
	// net/mail quotes or encodes it, whatever it holds, so that no name
	// stops the mails.
	m.FromMailAddress(&netmail.Address{Name: displayName(e.FromName), Address: from.Address})
	if err := m.To(e.To); err != nil {
		return nil, fmt.Errorf("notify: To %q: %w", e.To, err)
	}
	if e.ReplyTo != "" {
		if err := m.ReplyTo(e.ReplyTo); err != nil {
			return nil, fmt.Errorf("notify: Reply-To %q: %w", e.ReplyTo, err)
		}
	}
	m.Subject(e.Subject)
	m.SetMessageIDWithValue(e.MessageID)
	date := e.Date
	if date.IsZero() {
		date = time.Now()
	}
	m.SetDateWithValue(date)
	// An automatic message: no out-of-office replies, please.
	m.SetGenHeader(mail.HeaderXAutoResponseSuppress, "All")
	m.SetGenHeader("Auto-Submitted", "auto-generated")
	m.SetBodyString(mail.TypeTextPlain, e.Text)
	if e.HTML != "" {
		m.AddAlternativeString(mail.TypeTextHTML, e.HTML)
	}
	for _, a := range e.Attachments {
		if err := m.AttachReader(a.Name, bytes.NewReader(a.Data), mail.WithFileContentType(mail.ContentType(a.ContentType))); err != nil {
			return nil, fmt.Errorf("notify: attach %s: %w", a.Name, err)
		}
	}
	return m, nil
}

// displayName is name as a header can carry it: valid UTF-8 on one line.
func displayName(name string) string {
	return strings.Join(strings.FieldsFunc(strings.ToValidUTF8(name, "\uFFFD"), func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
}

// Bytes returns the email as an RFC 5322 message.
func (e *Email) Bytes() ([]byte, error) {
	m, err := e.Msg()
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if _, err := m.WriteTo(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Mailer sends emails.
type Mailer interface {
	// Send delivers e; an error means it may not have been delivered and
	// the send will be retried.
	Send(ctx context.Context, e *Email) error
}

// SMTP sends email through an SMTP server.
type SMTP struct {
	host    string
	port    int
	options []mail.Option
}

// NewSMTP parses an SMTP URL: smtp://[user:pass@]host[:port] (STARTTLS when
// the server offers it, port 25 by default; ?tls=required demands it,
// ?tls=none refuses it) or smtps://[user:pass@]host[:port] (TLS from the
// start, port 465 by default).
func NewSMTP(rawURL string, timeout time.Duration) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("notify: SMTP URL: %w", err)
	}
	if u.Hostname() == "" {
		return nil, fmt.Errorf("notify: SMTP URL %q has no host", redact(u))
	}
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	opts := []mail.Option{mail.WithTimeout(timeout)}
	port := 0
	if p := u.Port(); p != "" {
		port, err = strconv.Atoi(p)
		if err != nil || port < 1 || port > 65535 {
			return nil, fmt.Errorf("notify: SMTP URL %q: bad port", redact(u))
		}
	}
	switch u.Scheme {
	case "smtp":
		if port == 0 {
			port = mail.DefaultPort
		}
		policy := mail.TLSOpportunistic
		switch strings.ToLower(u.Query().Get("tls")) {
		case "", "opportunistic":
		case "required", "starttls":
			policy = mail.TLSMandatory
		case "none", "off":
			policy = mail.NoTLS
		default:
			return nil, fmt.Errorf("notify: SMTP URL: tls must be required, opportunistic or none")
		}
		opts = append(opts, mail.WithTLSPolicy(policy))
	case "smtps":
		if port == 0 {
			port = mail.DefaultPortSSL
		}
		opts = append(opts, mail.WithSSL())
	default:
		return nil, fmt.Errorf("notify: SMTP URL must start with smtp:// or smtps://")
	}
	opts = append(opts, mail.WithPort(port))
	if u.User != nil {
		pass, _ := u.User.Password()
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(u.User.Username()), mail.WithPassword(pass))
	}
	return &SMTP{host: u.Hostname(), port: port, options: opts}, nil
}

func redact(u *url.URL) string {
	c := *u
	if c.User != nil {
		c.User = url.User(c.User.Username())
	}
	return c.String()
}

// Addr is the server's host:port.
func (s *SMTP) Addr() string { return net.JoinHostPort(s.host, strconv.Itoa(s.port)) }

// Send delivers e in one SMTP session.
func (s *SMTP) Send(ctx context.Context, e *Email) error {
	m, err := e.Msg()
	if err != nil {
		return err
	}
	c, err := mail.NewClient(s.host, s.options...)
	if err != nil {
		return err
	}
	return c.DialAndSendWithContext(ctx, m)
}
