package backoffice

import (
	"bytes"
	"encoding/csv"
	"hash/crc32"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/notify"
	"github.com/prenota/prenota/receipt"
)

// FuzzTexts feeds any text (every plane, combining marks, right-to-left
// scripts, controls, NUL, invalid UTF-8) into every text field of a booking,
// its resource and the Comune's settings, then renders what is made of
// them: the PDF receipt, the confirmation and cancellation emails (templates
// and MIME message), the .ics and the agenda CSV. Nothing may panic or fail
// to render, and the receipt's text (pdftotext) holds the plain words of the
// motivazione.
func FuzzTexts(f *testing.F) {
	seeds := map[string]bool{}
	for _, seed := range [][4]string{
		{"Rinnovo carta 😀", "NICCOLÒ", "Comune di Santarcangelo 🏛️", "niccolo@example.org"},
		{"e\u0301 a\u0308\u0323 combinati", "שלום עליכם", "مرحبا \u202Eabc\u202C", "+39 333 1234567"},
		{"nul\x00 e \xff\xfe non UTF-8", "\x00", "\xed\xa0\x80", "\xc3"},
		{"𝄞 𠜎 \U0010FFFD \uFFFF fine", "ZWJ 👩\u200d👩\u200d👧 👍🏽", "\t\r\n\v\f", "=HYPERLINK(\"x\")"},
		{"", "", "", ""},
		{strings.Repeat("parolalunghissimasenzaspazi", 30), strings.Repeat("ẞ", 200), strings.Repeat("\u0301", 50), strings.Repeat("@", 300)},
	} {
		f.Add(seed[0], seed[1], seed[2], seed[3])
		seeds[seed[0]] = true
	}
	pdftotext, _ := exec.LookPath("pdftotext")
	tpl := notify.DefaultTemplates()
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, a, b, c, d string) {
		start := time.Date(2026, 12, 9, 9, 0, 0, 0, booking.Rome)
		st := booking.Settings{Name: c, Province: b, Welcome: a, Phone: d, Email: d, Address: c, NoReply: d, ReplyTo: d, PatronName: b}
		res := booking.Resource{ID: 7, Name: b, Office: b, Address: d, Phone: d, Email: d, Kind: booking.InPerson, Documents: a + "\n" + c,
			Description: c, ExtraFields: []booking.ExtraField{{Name: "x", Label: c, Type: "text"}, {Name: b, Label: a, Type: "text"}}}
		if len(a)%2 == 1 {
			res.Kind, res.PhoneMode, res.PhoneNumber = booking.ByPhone, booking.CitizenCalls, d
		}
		bk := booking.Booking{ID: "q3k7m2x9v4b6n8p5r1t0wyzs2a", Code: "K7MP-QX9C", ResourceID: 7, ResourceName: b, Start: start, End: start.Add(30 * time.Minute),
			Status: booking.Confirmed, Presentante: d, Motivazione: a, Telefono: d, Nota: b, Extra: map[string]string{"x": c, b: a, a: d},
			CreatedAt: start.Add(-48 * time.Hour),
			Fruitore: booking.Person{Nome: b, Cognome: c, DataNascita: booking.Date{Year: 1970, Month: 1, Day: 1}, Sesso: "M", NazioneNascita: c,
				ProvinciaNascita: b, ComuneNascita: c, CodiceFiscale: a, Email: d, Telefono: d}}

		var pdf bytes.Buffer
		if err := receipt.PDF(&pdf, receipt.Data{Settings: st, Resource: res, Booking: bk}); err != nil {
			t.Fatalf("PDF: %v", err)
		}
		ics, err := receipt.ICS(receipt.Data{Settings: st, Resource: res, Booking: bk}, "https://prenota.comune.demo.it")
		if err != nil {
			t.Fatalf("ICS: %v", err)
		}
		for _, k := range []notify.Kind{notify.Confirmation, notify.Cancellation} {
			b := bk
			if k == notify.Cancellation {
				b.Status, b.CancelledAt, b.CancelReason = booking.Cancelled, start.Add(-time.Hour), c
			}
			content, err := tpl.Render(k, notify.NewData(st, res, b, "https://prenota.comune.demo.it"))
			if err != nil {
				t.Fatalf("%s: %v", k, err)
			}
			e := &notify.Email{MessageID: string(k) + "." + b.ID + "@comune.demo.it", FromName: st.Name, From: "noreply@comune.demo.it",
				To: "niccolo@example.org", Subject: content.Subject, Text: content.Text, HTML: content.HTML, Date: start,
				Attachments: []notify.Attachment{{Name: "ricevuta-" + b.Code + ".pdf", ContentType: "application/pdf", Data: pdf.Bytes()},
					{Name: "appuntamento-" + b.Code + ".ics", ContentType: receipt.ICSContentType(b), Data: ics}}}
			if _, err := e.Bytes(); err != nil {
				t.Fatalf("%s email: %v", k, err)
			}
		}
		data, err := agendaFile(res, []booking.AgendaEntry{{Booking: bk, Attendance: "presente"}})
		if err != nil {
			t.Fatalf("agenda CSV: %v", err)
		}
		r := csv.NewReader(bytes.NewReader(data))
		r.Comma, r.FieldsPerRecord, r.LazyQuotes = ';', -1, true
		if _, err := r.ReadAll(); err != nil {
			t.Fatalf("agenda CSV does not parse: %v", err)
		}

		// The plain words of the motivazione are in the receipt's text:
		// checked for one input in eight (and the seeds), since running
		// pdftotext costs more than everything above.
		if crc32.ChecksumIEEE([]byte(a))%8 != 0 && !seeds[a] {
			return
		}
		var words []string
		for _, w := range strings.Split(a, " ") {
			if n := len(w); n >= 3 && n <= 20 && strings.Trim(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == "" {
				words = append(words, w)
			}
		}
		if len(words) == 0 {
			return
		}
		if pdftotext == "" {
			t.Fatal("pdftotext not found: install poppler-utils")
		}
		path := filepath.Join(dir, "ricevuta.pdf")
		if err := os.WriteFile(path, pdf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command(pdftotext, "-enc", "UTF-8", path, "-").Output()
		if err != nil {
			t.Fatalf("pdftotext: %v", err)
		}
		text := strings.Join(strings.Fields(string(out)), " ")
		for _, w := range words {
			if !strings.Contains(text, w) {
				t.Fatalf("the receipt's text lacks %q of the motivazione %q:\n%s", w, a, text)
			}
		}
	})
}
