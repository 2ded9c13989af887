package app

import (
	"bytes"
	"errors"
	"log/slog"
	"strings"
	"testing"
)

// TestLoggerRedacts: attributes that name personal data are left out, and
// codici fiscali and email addresses are cut from messages, strings and
// errors, in both formats.
func TestLoggerRedacts(t *testing.T) {
	for _, format := range []string{"text", "json"} {
		var b bytes.Buffer
		log, err := NewLogger(&b, format, slog.LevelDebug)
		if err != nil {
			t.Fatal(err)
		}
		log.With("email", "anna@example.org").Debug("audit log for RSSMRA70A01H501S",
			"cf", "RSSMRA70A01H501S", "motivazione", "Cambio di residenza",
			"err", errors.New("550 5.1.1 <giulia.bianchi@example.it>: no such user"),
			slog.Group("req", "detail", "omocodia RSSMRA70A01H50MX"), "booking", "b5scygkomvahbccpbfchwdysve")
		out := b.String()
		for _, s := range []string{"RSSMRA70A01H501S", "RSSMRA70A01H50MX", "anna@example.org", "giulia.bianchi@example.it", "Cambio di residenza"} {
			if strings.Contains(out, s) {
				t.Errorf("%s: %q in %s", format, s, out)
			}
		}
		for _, s := range []string{"b5scygkomvahbccpbfchwdysve", "[omesso]", "[codice fiscale]", "[email]", "no such user"} {
			if !strings.Contains(out, s) {
				t.Errorf("%s: %q missing from %s", format, s, out)
			}
		}
	}
	if _, err := NewLogger(&bytes.Buffer{}, "xml", slog.LevelInfo); err == nil {
		t.Error("log format xml accepted")
	}
}
