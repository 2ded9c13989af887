package receipt

import (
	"bytes"
	"flag"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/makiuchi-d/gozxing"
	gozxingqr "github.com/makiuchi-d/gozxing/qrcode"

	"github.com/prenota/prenota/booking"
)

var (
	update = flag.Bool("update", false, "rewrite the golden files in testdata")
	keep   = flag.String("keep", "", "also write the rendered PDFs and page PNGs to this directory, to look at them")
)

func inRome(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, booking.Rome)
}

// sample is an in-person booking on 2026-10-25, the day Rome falls back from
// summer time: 09:00 there is 08:00Z.
func sample() Data {
	lat, lon := 44.0634, 12.4466
	return Data{
		Settings: booking.Settings{
			Name:     "Comune di Santarcangelo di Romagna",
			Province: "Provincia di Rimini",
			Phone:    "0541 356111",
			Email:    "protocollo@comune.santarcangelo.rn.it",
			NoReply:  "noreply@comune.santarcangelo.rn.it",
			Address:  "Piazza Ganganelli 1, 47822 Santarcangelo di Romagna RN",
		},
		Resource: booking.Resource{
			ID:        7,
			Name:      "Carte d'Identità Elettronica",
			Office:    "Servizio Demografici",
			Address:   "Piazza Ganganelli 1, Santarcangelo di Romagna RN",
			Latitude:  &lat,
			Longitude: &lon,
			Kind:      booking.InPerson,
			Documents: "PER TUTTI:\r\n- 1) DICHIARAZIONE DI RESIDENZA - allegato 1 pubblicato sul sito internet dei Servizi Demografici\n" +
				"- 2) Fototessera recente; la vecchia carta d'identità, se c'è.\n\n" +
				"Il modulo, compilato in ogni sua parte deve essere firmato (in originale) da tutti i componenti maggiorenni e può essere presentato anche da uno solo dei componenti.",
		},
		Booking: booking.Booking{
			ID:           "q3k7m2x9v4b6n8p5r1t0wyzs2a",
			Code:         "K7MP-QX9C",
			ResourceID:   7,
			ResourceName: "Carte d'Identità Elettronica",
			Start:        inRome(2026, time.October, 25, 9, 0),
			End:          inRome(2026, time.October, 25, 9, 15),
			Slots:        1,
			Fruitore: booking.Person{
				Nome: "NICCOLÒ", Cognome: "D'AMICO", Sesso: "M",
				DataNascita:   booking.Date{Year: 1970, Month: time.January, Day: 1},
				CodiceFiscale: "DMCNCL70A01I304X",
				Email:         "niccolo.damico@example.it",
				Telefono:      "333 1234567",
			},
			Motivazione: "Rinnovo della carta scaduta",
			Telefono:    "333 1234567",
			Status:      booking.Confirmed,
			CreatedAt:   inRome(2026, time.October, 20, 17, 42),
		},
	}
}

// phoneSample is sample as a phone appointment on 2026-03-29, the day Rome
// springs forward: 09:00 there is 07:00Z.
func phoneSample(mode booking.PhoneMode) Data {
	d := sample()
	d.Resource.Name = "Colloquio con l'Ufficiale d'Anagrafe"
	d.Resource.Kind = booking.ByPhone
	d.Resource.PhoneMode = mode
	d.Resource.PhoneNumber = "0541 356200"
	d.Resource.Documents = ""
	d.Booking.Fruitore = booking.Person{Nome: "ANNA", Cognome: "GIÀ", Sesso: "F", CodiceFiscale: "GIANNA80A41H294Z",
		DataNascita: booking.Date{Year: 1980, Month: time.January, Day: 1}, Telefono: "333 7654321"}
	d.Booking.Telefono = "333 7654321"
	d.Booking.Start = inRome(2026, time.March, 29, 9, 0)
	d.Booking.End = inRome(2026, time.March, 29, 9, 30)
	return d
}

func cancelledSample() Data {
	d := sample()
	d.Booking.Status = booking.Cancelled
	d.Booking.CancelledAt = inRome(2026, time.October, 22, 8, 5)
	return d
}

// logo is a small crest-like PNG.
func logo(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 60, 80))
	for y := range 80 {
		for x := range 60 {
			c := color.RGBA{0, 102, 204, 255}
			if (x-30)*(x-30)+(y-40)*(y-40) < 400 {
				c = color.RGBA{255, 204, 0, 255}
			}
			img.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// tool returns the path of a poppler-utils program, failing the test if it
// is missing: the receipt's text must be checked, not assumed.
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found: install poppler-utils (apt-get install -y poppler-utils) to test the PDF receipt", name)
	}
	return p
}

// renderPDF writes d's receipt to a file and returns its path.
func renderPDF(t *testing.T, name string, d Data) string {
	t.Helper()
	var buf bytes.Buffer
	if err := PDF(&buf, d); err != nil {
		t.Fatalf("PDF: %v", err)
	}
	dir := t.TempDir()
	if *keep != "" {
		dir = *keep
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, name+".pdf")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// pdfText is the PDF's text as pdftotext -layout reads it, with runs of
// white space (line wraps, layout padding) made single spaces.
func pdfText(t *testing.T, path string) string {
	t.Helper()
	out, err := exec.Command(tool(t, "pdftotext"), "-layout", "-enc", "UTF-8", path, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

func TestPDFText(t *testing.T) {
	withLogo := sample()
	withLogo.Logo = logo(t)
	foreign := sample()
	foreign.Booking.Fruitore.Nome, foreign.Booking.Fruitore.Cognome = "ŁUKASZ", "DRAGIĆ"
	long := sample()
	long.Resource.Documents = strings.Repeat("- Documento d'identità in corso di validità, o denuncia di smarrimento.\n", 60) + "ULTIMA RIGA DEI DOCUMENTI"
	noPhone := sample()
	noPhone.Settings.Phone = ""
	// Characters the fonts lack: outside the BMP (emoji), other scripts, a
	// combining accent (composed with its letter), controls, invalid UTF-8.
	unicodeText := sample()
	unicodeText.Booking.Motivazione = "Rinnovo carta 😀 e\u0301 שלום \x00\xff fine"
	unicodeText.Settings.Name = "Comune di Santarcangelo di Romagna 🏛️"
	unicodeText.Resource.Documents = "Documenti 👍🏽: carta d'identità\nULTIMA RIGA 𝄞"
	unicodeText.Booking.Fruitore.Nome = "NICCOLÒ\u200d"
	noPhone.Resource.Phone = ""
	officePhone := sample()
	officePhone.Resource.Phone = "0541 356222"
	contoTerzi := sample()
	contoTerzi.Presentante = "Anna Verdi"

	common := []string{
		"COMUNE DI SANTARCANGELO DI ROMAGNA",
		"Provincia di Rimini",
		"SERVIZIO DEMOGRAFICI",
		"RICEVUTA DI PRENOTAZIONE",
		"Così come segue:",
		"Codice prenotazione: K7MP-QX9C",
		"Al fine di consentire il regolare svolgimento di tutti gli incontri previsti nella giornata, si raccomanda la puntualità. In caso di impossibilità a presentarsi all'appuntamento, si prega di avvisare",
	}
	inPerson := []string{
		"L'appuntamento con CARTE D'IDENTITÀ ELETTRONICA in PIAZZA GANGANELLI 1, SANTARCANGELO DI ROMAGNA RN è stato prenotato da:",
		"Domenica 25/10/2026 ore 09:00 – 09:15",
		"telefonando al n. 0541 356111.",
		"DOCUMENTI DA PRESENTARE PER TUTTI:",
		"- 1) DICHIARAZIONE DI RESIDENZA - allegato 1",
		"- 2) Fototessera recente; la vecchia carta d'identità, se c'è.",
		"può essere presentato anche da uno solo dei componenti.",
		"Motivazione: Rinnovo della carta scaduta",
		"Presenti questo codice o il codice QR allo sportello.",
		"Prenotazione effettuata il 20/10/2026 alle 17:42",
		"Pagina 1 di 1",
	}
	tests := []struct {
		name    string
		data    Data
		want    []string
		notWant []string
	}{
		{"in presenza", sample(), append([]string{"NICCOLÒ D'AMICO – 01/01/1970 – CF. DMCNCL70A01I304X"}, inPerson...),
			[]string{"ANNULLATA", "telefonic", "richiamat"}},
		{"con logo", withLogo, append([]string{"NICCOLÒ D'AMICO – 01/01/1970 – CF. DMCNCL70A01I304X"}, inPerson...), nil},
		{"nome straniero", foreign, []string{"ŁUKASZ DRAGIĆ – 01/01/1970 – CF. DMCNCL70A01I304X"}, nil},
		{"telefonico, richiama l'ufficio", phoneSample(booking.OfficeCalls), []string{
			"L'appuntamento telefonico con COLLOQUIO CON L'UFFICIALE D'ANAGRAFE è stato prenotato da:",
			"ANNA GIÀ – 01/01/1980 – CF. GIANNA80A41H294Z",
			"Domenica 29/03/2026 ore 09:00 – 09:30",
			"Sarà richiamata al numero 333 7654321.",
			"Tenga a portata di mano questo codice",
		}, []string{"PIAZZA GANGANELLI 1, SANTARCANGELO DI ROMAGNA RN è", "DOCUMENTI DA PRESENTARE", "Dovrà chiamare"}},
		{"telefonico, chiama il cittadino", phoneSample(booking.CitizenCalls), []string{
			"Dovrà chiamare il numero 0541 356200.",
		}, []string{"richiamat"}},
		{"annullata", cancelledSample(), []string{"PRENOTAZIONE ANNULLATA il 22/10/2026 alle 08:05", "Codice prenotazione: K7MP-QX9C"}, nil},
		{"documenti lunghi", long, []string{"ULTIMA RIGA DEI DOCUMENTI", "Pagina 1 di 2", "Pagina 2 di 2"}, nil},
		{"caratteri che i font non hanno", unicodeText, []string{
			"COMUNE DI SANTARCANGELO DI ROMAGNA ?",
			"Motivazione: Rinnovo carta ? é ???? ? fine",
			"DOCUMENTI DA PRESENTARE Documenti ??: carta d'identità ULTIMA RIGA ?",
			"NICCOLÒ D'AMICO",
		}, []string{"\x00", "😀"}},
		{"telefono dell'ufficio", officePhone, []string{"telefonando al n. 0541 356222."}, []string{"telefonando al n. 0541 356111"}},
		{"conto terzi", contoTerzi, []string{
			"L'appuntamento con CARTE D'IDENTITÀ ELETTRONICA in PIAZZA GANGANELLI 1, SANTARCANGELO DI ROMAGNA RN è stato prenotato da ANNA VERDI per:",
			"NICCOLÒ D'AMICO – 01/01/1970 – CF. DMCNCL70A01I304X",
		}, []string{"prenotato da:"}},
		{"senza telefono del Comune", noPhone, []string{"si prega di avvisare l'ufficio."}, []string{"telefonando al n."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			text := pdfText(t, renderPDF(t, strings.ReplaceAll(tc.name, " ", "_"), tc.data))
			for _, s := range append(common, tc.want...) {
				if !strings.Contains(text, s) {
					t.Errorf("receipt lacks %q; its text:\n%s", s, text)
				}
			}
			for _, s := range tc.notWant {
				if strings.Contains(text, s) {
					t.Errorf("receipt has %q; its text:\n%s", s, text)
				}
			}
		})
	}
}

func TestPDFMetadataAndDeterminism(t *testing.T) {
	d := sample()
	d.Logo = logo(t)
	var a, b bytes.Buffer
	if err := PDF(&a, d); err != nil {
		t.Fatal(err)
	}
	if err := PDF(&b, d); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two renderings of the same booking differ")
	}

	path := filepath.Join(t.TempDir(), "r.pdf")
	if err := os.WriteFile(path, a.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(tool(t, "pdfinfo"), "-isodates", path).Output()
	if err != nil {
		t.Fatalf("pdfinfo: %v", err)
	}
	info := string(out)
	for _, want := range []string{
		"Title:           Ricevuta di prenotazione K7MP-QX9C",
		"Author:          Comune di Santarcangelo di Romagna",
		"Subject:         Appuntamento: Carte d'Identità Elettronica",
		"CreationDate:    2026-10-20T15:42:00Z",
		"Page size:       595.28 x 841.89 pts (A4)",
		"Pages:           1",
	} {
		if !strings.Contains(info, want) {
			t.Errorf("pdfinfo lacks %q:\n%s", want, info)
		}
	}
}

func TestPDFErrors(t *testing.T) {
	noCode := sample()
	noCode.Booking.Code = ""
	badLogo := sample()
	badLogo.Logo = []byte("GIF89a not a crest")
	for name, d := range map[string]Data{"no code": noCode, "bad logo": badLogo} {
		if err := PDF(&bytes.Buffer{}, d); err == nil {
			t.Errorf("%s: PDF succeeded", name)
		}
	}
}

// decodeQR reads the one QR code in img with ZXing's decoder (gozxing).
func decodeQR(t *testing.T, img image.Image) string {
	t.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		t.Fatal(err)
	}
	hints := map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true}
	res, err := gozxingqr.NewQRCodeReader().Decode(bmp, hints)
	if err != nil {
		t.Fatalf("decoding the QR code: %v", err)
	}
	return res.GetText()
}

// TestPDFQR decodes the QR code as printed: the page rendered at 150 dpi.
func TestPDFQR(t *testing.T) {
	for _, d := range []Data{sample(), phoneSample(booking.CitizenCalls)} {
		d.Booking.Code = "XT4W-9PKA"
		path := renderPDF(t, "qr_"+string(d.Resource.Kind), d)
		prefix := strings.TrimSuffix(path, ".pdf")
		if out, err := exec.Command(tool(t, "pdftoppm"), "-png", "-r", "150", "-f", "1", "-l", "1", "-singlefile", path, prefix).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v\n%s", err, out)
		}
		f, err := os.Open(prefix + ".png")
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := decodeQR(t, img); got != "XT4W-9PKA" {
			t.Errorf("QR on the page decodes to %q, want XT4W-9PKA", got)
		}
	}
}

func TestQR(t *testing.T) {
	for _, size := range []int{200, -4} {
		b, err := QR("K7MP-QX9C", size)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if size > 0 && img.Bounds().Dx() != size {
			t.Errorf("QR(…, %d) is %d pixels wide", size, img.Bounds().Dx())
		}
		if got := decodeQR(t, img); got != "K7MP-QX9C" {
			t.Errorf("QR(…, %d) decodes to %q", size, got)
		}
	}
	if _, err := QR("", 100); err == nil {
		t.Error("QR of an empty code succeeded")
	}
}

// TestPDFLogoDepth: a crest of 16 bits per channel is embedded with 8 and
// prints in its colours, as one of 8 bits does (pdfimages, pdftoppm).
func TestPDFLogoDepth(t *testing.T) {
	eight := logo(t)
	src, err := png.Decode(bytes.NewReader(eight))
	if err != nil {
		t.Fatal(err)
	}
	deep := image.NewNRGBA64(src.Bounds())
	for y := range 80 {
		for x := range 60 {
			deep.Set(x, y, src.At(x, y))
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, deep); err != nil {
		t.Fatal(err)
	}
	if cfg, _ := png.DecodeConfig(bytes.NewReader(buf.Bytes())); cfg.ColorModel != color.RGBA64Model && cfg.ColorModel != color.NRGBA64Model {
		t.Fatalf("the test logo is %v, want 16 bits per channel", cfg.ColorModel)
	}
	for name, l := range map[string][]byte{"8 bit": eight, "16 bit": buf.Bytes()} {
		t.Run(name, func(t *testing.T) {
			d := sample()
			d.Logo = l
			path := renderPDF(t, "logo_"+strings.ReplaceAll(name, " ", "_"), d)
			out, err := exec.Command(tool(t, "pdfimages"), "-list", path).Output()
			if err != nil {
				t.Fatalf("pdfimages: %v", err)
			}
			// page num type width height color comp bpc …: the crest, 60×80, RGB, 8 bits.
			var found bool
			for _, line := range strings.Split(string(out), "\n") {
				f := strings.Fields(line)
				if len(f) > 7 && f[2] == "image" && f[3] == "60" && f[4] == "80" {
					found = true
					if f[5] != "rgb" || f[7] != "8" {
						t.Errorf("crest embedded as %s with %s bits: %s", f[5], f[7], line)
					}
				}
			}
			if !found {
				t.Fatalf("no 60×80 image in the PDF:\n%s", out)
			}
			prefix := strings.TrimSuffix(path, ".pdf")
			if out, err := exec.Command(tool(t, "pdftoppm"), "-png", "-r", "72", "-singlefile", path, prefix).CombinedOutput(); err != nil {
				t.Fatalf("pdftoppm: %v\n%s", err, out)
			}
			f, err := os.Open(prefix + ".png")
			if err != nil {
				t.Fatal(err)
			}
			page, err := png.Decode(f)
			f.Close()
			if err != nil {
				t.Fatal(err)
			}
			// The crest is 18×24 mm at (20, 15) mm: its centre is yellow, a
			// corner blue. 72 dpi is 72/25.4 pixels a millimetre.
			px := func(mm float64) int { return int(mm * 72 / 25.4) }
			for _, c := range []struct {
				what       string
				x, y       float64
				r, g, b, _ uint32
			}{
				{"centre", 29, 27, 255, 204, 0, 0},
				{"corner", 22, 17, 0, 102, 204, 0},
			} {
				r, g, b, _ := page.At(px(c.x), px(c.y)).RGBA()
				r, g, b = r>>8, g>>8, b>>8
				near := func(a, b uint32) bool { return a+40 >= b && b+40 >= a }
				if !near(r, c.r) || !near(g, c.g) || !near(b, c.b) {
					t.Errorf("crest's %s prints as rgb(%d, %d, %d), want about rgb(%d, %d, %d)", c.what, r, g, b, c.r, c.g, c.b)
				}
			}
		})
	}
}

// TestPDFTagged: the receipt is a tagged PDF in Italian whose structure
// reads in order (pdfinfo -struct-text), on one page and on two.
func TestPDFTagged(t *testing.T) {
	withLogo := sample()
	withLogo.Logo = logo(t)
	long := sample()
	long.Resource.Documents = strings.Repeat("- Documento d'identità in corso di validità, o denuncia di smarrimento.\n", 60) + "ULTIMA RIGA DEI DOCUMENTI"
	for name, c := range map[string]struct {
		d     Data
		pages string
		order []string // the structure's lines, in this order
	}{
		"con logo": {withLogo, "1", []string{"Document", "Figure", "H1 (block)", `"COMUNE DI SANTARCANGELO DI ROMAGNA"`, `"Provincia di Rimini"`,
			`"NICCOLÒ D'AMICO – 01/01/1970 – CF. DMCNCL70A01I304X"`, `"Così come segue:Domenica 25/10/2026 ore 09:00 – 09:15"`,
			`"Codice prenotazione: K7MP-QX9CPresenti questo codice o il codice QR allo sportello."`, "Figure", "H2 (block)", `"DOCUMENTI DA PRESENTARE"`}},
		"due pagine": {long, "2", []string{"H1 (block)", "H2 (block)", "P (block)", `"Comune di Santarcangelo`, "P (block)", "ULTIMA RIGA DEI DOCUMENTI", `"Comune di Santarcangelo`}},
	} {
		t.Run(name, func(t *testing.T) {
			path := renderPDF(t, "tagged_"+strings.ReplaceAll(name, " ", "_"), c.d)
			out, err := exec.Command(tool(t, "pdfinfo"), path).CombinedOutput()
			if err != nil {
				t.Fatalf("pdfinfo: %v\n%s", err, out)
			}
			for _, want := range []string{"Tagged:          yes", "Pages:           " + c.pages, "Title:           Ricevuta di prenotazione K7MP-QX9C"} {
				if !strings.Contains(string(out), want) {
					t.Errorf("pdfinfo lacks %q:\n%s", want, out)
				}
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(raw, []byte("/Lang (it-IT)")) || !bytes.Contains(raw, []byte("/MarkInfo <</Marked true>>")) {
				t.Error("the catalog lacks /Lang it-IT or /MarkInfo")
			}
			st, err := exec.Command(tool(t, "pdfinfo"), "-struct-text", path).CombinedOutput()
			if err != nil {
				t.Fatalf("pdfinfo -struct-text: %v\n%s", err, st)
			}
			rest := string(st)
			for _, want := range c.order {
				i := strings.Index(rest, want)
				if i < 0 {
					t.Fatalf("the structure lacks %q after what came before:\n%s", want, st)
				}
				rest = rest[i+len(want):]
			}
			if text := pdfText(t, path); !strings.Contains(text, "Codice prenotazione: K7MP-QX9C") {
				t.Errorf("pdftotext no longer reads the receipt: %s", text)
			}
		})
	}
}
