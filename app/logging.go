package app

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"regexp"
	"strings"
)

// NewLogger returns the service's logger: JSON lines (format "json", for
// log shipping) or slog's text (format "text" or "", for a terminal), at
// level, with personal data left out (see redact).
func NewLogger(w io.Writer, format string, level slog.Leveler) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: level, ReplaceAttr: redactAttr}
	var h slog.Handler
	switch format {
	case "", "text":
		h = slog.NewTextHandler(w, opts)
	case "json":
		h = slog.NewJSONHandler(w, opts)
	default:
		return nil, fmt.Errorf("log-format must be text or json, got %q", format)
	}
	return slog.New(redactingHandler{h}), nil
}

// Keys whose values are a citizen's personal data: never written.
var personalKeys = map[string]bool{
	"cf": true, "codice_fiscale": true, "subject": true, "actor": true, "presentante": true,
	"nome": true, "cognome": true, "name": true, "email": true, "to": true, "telefono": true, "phone": true,
	"motivazione": true, "nota": true, "comment": true, "body": true,
}

// Codici fiscali (omocodia included) and email addresses inside other
// values (an SMTP error naming the recipient, a message).
var (
	cfPattern    = regexp.MustCompile(`(?i)\b[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-EHLMPRST][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]\b`)
	emailPattern = regexp.MustCompile(`[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}`)
)

// redact removes codici fiscali and email addresses from s.
func redact(s string) string {
	if !strings.ContainsRune(s, '@') && len(s) < 16 {
		return s
	}
	s = cfPattern.ReplaceAllString(s, "[codice fiscale]")
	return emailPattern.ReplaceAllString(s, "[email]")
}

func redactAttr(_ []string, a slog.Attr) slog.Attr {
	if personalKeys[strings.ToLower(a.Key)] {
		return slog.String(a.Key, "[omesso]")
	}
	switch v := a.Value.Resolve(); v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, redact(v.String()))
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, redact(err.Error()))
		}
		if s, ok := v.Any().(fmt.Stringer); ok {
			return slog.String(a.Key, redact(s.String()))
		}
	}
	return a
}

// redactingHandler also scrubs the message, which ReplaceAttr never sees.
type redactingHandler struct{ slog.Handler }

func (h redactingHandler) Handle(ctx context.Context, r slog.Record) error {
	if m := redact(r.Message); m != r.Message {
		nr := slog.NewRecord(r.Time, r.Level, m, r.PC)
		r.Attrs(func(a slog.Attr) bool { nr.AddAttrs(a); return true })
		r = nr
	}
	return h.Handler.Handle(ctx, r)
}

func (h redactingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return redactingHandler{h.Handler.WithAttrs(as)}
}

func (h redactingHandler) WithGroup(name string) slog.Handler {
	return redactingHandler{h.Handler.WithGroup(name)}
}
