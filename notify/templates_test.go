package notify_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/notify"
)

// The back office edits DefaultParts: saved unchanged, they render exactly
// the built-in messages.
func TestDefaultPartsRoundTrip(t *testing.T) {
	st := booking.Settings{Name: "Comune di Demo", Phone: "0541 356111", Address: "Piazza Ganganelli 1"}
	for _, k := range notify.Kinds {
		p := notify.DefaultParts(k)
		if p.Subject == "" || p.Text == "" || p.HTML == "" {
			t.Fatalf("%s: empty default parts %+v", k, p)
		}
		if err := notify.CheckParts(k, p); err != nil {
			t.Errorf("%s: defaults refused: %v", k, err)
		}
		want, err := notify.Preview(k, notify.Parts{}, st)
		if err != nil {
			t.Fatal(err)
		}
		got, err := notify.Preview(k, p, st)
		if err != nil {
			t.Fatal(err)
		}
		if got != want {
			t.Errorf("%s: the default parts render differently:\n%+v\nwant\n%+v", k, got, want)
		}
	}
	c, _ := notify.Preview(notify.Cancellation, notify.Parts{}, st)
	if !strings.HasPrefix(c.Subject, "Annullamento Prenotazione - Fruitore: NICCOLÒ D'AMICO – 30/11/2001") ||
		!strings.Contains(c.Text, "Motivo dell'annullamento") || !strings.Contains(c.HTML, "Comune di Demo") {
		t.Errorf("cancellation preview: %+v", c)
	}
}

func TestCheckParts(t *testing.T) {
	ok := notify.DefaultParts(notify.Confirmation)
	for _, c := range []struct {
		name  string
		edit  func(p *notify.Parts)
		field string
		empty bool
	}{
		{"subject does not parse", func(p *notify.Parts) { p.Subject = "Conferma {{.Code" }, notify.FieldSubject, false},
		{"unknown field in text", func(p *notify.Parts) { p.Text = "Codice {{.Codice}}" }, notify.FieldText, false},
		{"unclosed if in HTML", func(p *notify.Parts) { p.HTML = "{{if .ByPhone}}<p>telefono</p>" }, notify.FieldHTML, false},
		{"unknown block in HTML", func(p *notify.Parts) { p.HTML = `{{template "nessuno" .}}` }, notify.FieldHTML, false},
		{"empty subject", func(p *notify.Parts) { p.Subject = "  " }, notify.FieldSubject, true},
		{"subject rendering empty", func(p *notify.Parts) { p.Subject = "{{if false}}x{{end}}" }, notify.FieldSubject, true},
		{"empty text", func(p *notify.Parts) { p.Text = "" }, notify.FieldText, true},
	} {
		p := ok
		c.edit(&p)
		err := notify.CheckParts(notify.Confirmation, p)
		var pe *notify.PartError
		if !errors.As(err, &pe) || pe.Field != c.field || errors.Is(err, notify.ErrEmpty) != c.empty {
			t.Errorf("%s: %v, want a PartError on %s (empty %v)", c.name, err, c.field, c.empty)
		}
	}
}

func TestSync(t *testing.T) {
	tpl := notify.DefaultTemplates()
	d := notify.PreviewData(notify.Confirmation, booking.Settings{})
	subject := func() string {
		c, err := tpl.Render(notify.Confirmation, d)
		if err != nil {
			t.Fatal(err)
		}
		return c.Subject
	}
	def := subject()
	p := notify.DefaultParts(notify.Confirmation)
	p.Subject = "Appuntamento confermato: {{.Code}}"
	if err := tpl.Sync(map[notify.Kind]notify.Parts{notify.Confirmation: p}); err != nil {
		t.Fatal(err)
	}
	if got := subject(); got != "Appuntamento confermato: K7MP-QX9C" {
		t.Errorf("overridden subject %q", got)
	}
	bad := p
	bad.Text = "{{.Nessuno}}"
	if err := tpl.Sync(map[notify.Kind]notify.Parts{notify.Confirmation: bad}); err == nil {
		t.Error("a broken override was applied")
	}
	if got := subject(); got != def {
		t.Errorf("after a broken override the subject is %q, want the default %q", got, def)
	}
	tpl.Sync(map[notify.Kind]notify.Parts{notify.Confirmation: p})
	if err := tpl.Sync(nil); err != nil {
		t.Fatal(err)
	}
	if got := subject(); got != def {
		t.Errorf("after removing the override the subject is %q, want %q", got, def)
	}
}
