package mailbox

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
)

// Parsed is an email read back: its headers, its text and HTML parts and
// its attachments.
type Parsed struct {
	Header      mail.Header
	Subject     string // decoded
	From        string
	To          string
	ReplyTo     string
	MessageID   string // without angle brackets
	Date        string
	Text        string
	HTML        string
	Attachments []Attachment
}

// Attachment is a file attached to an email read back.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

var wordDecoder = mime.WordDecoder{}

// ParseEmail reads an RFC 5322 message with MIME parts, such as notify.Email.Bytes
// writes.
func ParseEmail(raw []byte) (*Parsed, error) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("notify: parse email: %w", err)
	}
	dec := func(s string) string {
		if d, err := wordDecoder.DecodeHeader(s); err == nil {
			return d
		}
		return s
	}
	p := &Parsed{Header: m.Header, Subject: dec(m.Header.Get("Subject")), From: dec(m.Header.Get("From")), To: dec(m.Header.Get("To")),
		ReplyTo: dec(m.Header.Get("Reply-To")), Date: m.Header.Get("Date"),
		MessageID: strings.Trim(strings.TrimSpace(m.Header.Get("Message-Id")), "<>")}
	if err := p.part(m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Header.Get("Content-Disposition"), m.Body); err != nil {
		return nil, err
	}
	return p, nil
}

func (p *Parsed) part(contentType, encoding, disposition string, body io.Reader) error {
	if contentType == "" {
		contentType = "text/plain; charset=utf-8"
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("notify: parse email: content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mt, "multipart/") {
		r := multipart.NewReader(body, params["boundary"])
		for {
			part, err := r.NextRawPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("notify: parse email: %w", err)
			}
			if err := p.part(part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"), part.Header.Get("Content-Disposition"), part); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, newlineStripper{body})
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	}
	data, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("notify: parse email: %w", err)
	}
	disp, dparams, _ := mime.ParseMediaType(disposition)
	switch {
	case disp != "attachment" && mt == "text/plain" && p.Text == "":
		p.Text = strings.ReplaceAll(string(data), "\r\n", "\n")
	case disp != "attachment" && mt == "text/html" && p.HTML == "":
		p.HTML = strings.ReplaceAll(string(data), "\r\n", "\n")
	default:
		name := dparams["filename"]
		if name == "" {
			name = params["name"]
		}
		p.Attachments = append(p.Attachments, Attachment{Name: dec1(name), ContentType: contentType, Data: data})
	}
	return nil
}

func dec1(s string) string {
	if d, err := wordDecoder.DecodeHeader(s); err == nil {
		return d
	}
	return s
}

// newlineStripper drops CR and LF, which base64 bodies are wrapped with.
type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(b []byte) (int, error) {
	for {
		k, err := n.r.Read(b)
		j := 0
		for _, c := range b[:k] {
			if c != '\r' && c != '\n' {
				b[j] = c
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}
