package receipt

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	_ "image/jpeg" // Logo may be a JPEG.
	"image/png"
	"io"
	"strings"

	"github.com/go-pdf/fpdf"

	"github.com/prenota/prenota/booking"
)

// Titillium Web, the design system's typeface, rather than fpdf's core fonts:
// those are limited to cp1252, and the names of citizens born abroad need
// letters such as Ł or Ć. See fonts/README.md.
//
//go:embed fonts/TitilliumWeb-Regular.ttf fonts/TitilliumWeb-Bold.ttf
var fonts embed.FS

const (
	font        = "titillium"
	pageW       = 210.0 // A4, mm
	margin      = 20.0
	contentW    = pageW - 2*margin
	lineH       = 5.6 // body line height, mm
	bodySize    = 11.0
	qrSide      = 34.0 // printed QR code, mm
	logoHeight  = 24.0
	logoMaxW    = 40.0
	headerTop   = 15.0
	footerSpace = 22.0
)

// Colours: the design system's primary blue for rules and headings, near-black text.
var (
	blue  = [3]int{0, 102, 204}
	ink   = [3]int{26, 26, 26}
	grey  = [3]int{92, 111, 130}
	tint  = [3]int{240, 246, 252}
	alert = [3]int{204, 51, 77}
)

// PDF writes the A4 receipt of d.Booking to w: the Comune and its crest, the
// office, the appointment (resource, address or who calls whom, date and time
// in Europe/Rome), the fruitore, the request to be on time with the phone for
// notices, the booking code with its QR code, and the documents to bring.
// A cancelled booking is marked as such. The output depends only on d, so the
// same booking always gives the same bytes.
// It fails if the booking has no code or start, or the logo is not a PNG or JPEG.
func PDF(w io.Writer, d Data) error {
	b := d.Booking
	if b.Code == "" || b.Start.IsZero() {
		return errors.New("receipt: booking without code or start time")
	}
	pdf := fpdf.New("P", "mm", "A4", "")
	for _, f := range []struct{ style, file string }{{"", "fonts/TitilliumWeb-Regular.ttf"}, {"B", "fonts/TitilliumWeb-Bold.ttf"}} {
		ttf, err := fonts.ReadFile(f.file)
		if err != nil {
			return fmt.Errorf("receipt: %w", err)
		}
		pdf.AddUTF8FontFromBytes(font, f.style, ttf)
	}

	created := b.CreatedAt
	if created.IsZero() {
		created = b.Start
	}
	modified := created
	if b.Status == booking.Cancelled && !b.CancelledAt.IsZero() {
		modified = b.CancelledAt
	}
	pdf.SetTitle("Ricevuta di prenotazione "+b.Code, true)
	pdf.SetSubject(printable(d.summary()), true)
	pdf.SetAuthor(printable(d.Settings.Name), true)
	pdf.SetCreator("Prenota", true)
	pdf.SetProducer("Prenota", true)
	pdf.SetLang("it-IT")
	// fpdf writes these dates without a zone offset, which readers take as UTC.
	pdf.SetCreationDate(created.UTC())
	pdf.SetModificationDate(modified.UTC())
	pdf.SetCatalogSort(true) // deterministic object order, for stable output

	pdf.SetMargins(margin, headerTop, margin)
	pdf.SetAutoPageBreak(true, footerSpace)
	pdf.AliasNbPages("")
	t := newTagger(pdf)
	pdf.SetFooterFunc(func() {
		t.begin("P", "")
		footer(pdf, d)
		t.end()
	})
	pdf.AddPage()

	if err := header(pdf, t, d); err != nil {
		return err
	}
	body(pdf, t, d)
	if err := codeBox(pdf, t, d); err != nil {
		return err
	}
	documents(pdf, t, d)
	t.end()

	var raw bytes.Buffer
	if err := pdf.Output(&raw); err != nil {
		return fmt.Errorf("receipt: writing PDF: %w", err)
	}
	tagged, err := t.tag(raw.Bytes())
	if err != nil {
		return err
	}
	_, err = w.Write(tagged)
	return err
}

// header draws the crest, the Comune's name and province, a rule, and the office.
func header(pdf *fpdf.Fpdf, t *tagger, d Data) error {
	textX := margin
	bottom := headerTop + 16
	if len(d.Logo) > 0 {
		cfg, format, err := image.DecodeConfig(bytes.NewReader(d.Logo))
		if err != nil || (format != "png" && format != "jpeg") || cfg.Height == 0 {
			return errors.New("receipt: the logo is not a PNG or JPEG image")
		}
		w := logoHeight * float64(cfg.Width) / float64(cfg.Height)
		h := logoHeight
		if w > logoMaxW {
			w, h = logoMaxW, logoMaxW*float64(cfg.Height)/float64(cfg.Width)
		}
		logo, err := eightBit(d.Logo, cfg)
		if err != nil {
			return err
		}
		opt := fpdf.ImageOptions{ImageType: strings.ToUpper(format), ReadDpi: false}
		pdf.RegisterImageOptionsReader("logo", opt, bytes.NewReader(logo))
		t.begin("Figure", "Stemma del "+strings.TrimSpace(d.Settings.Name))
		pdf.ImageOptions("logo", margin, headerTop, w, h, false, opt, 0, "")
		t.end()
		textX = margin + w + 6
		bottom = max(bottom, headerTop+h)
	}

	name := printable(strings.ToUpper(strings.TrimSpace(d.Settings.Name)))
	avail := pageW - margin - textX
	size := 20.0
	pdf.SetFont(font, "B", size)
	for size > 12 && pdf.GetStringWidth(name) > avail {
		size -= 0.5
		pdf.SetFontSize(size)
	}
	setColor(pdf, ink)
	pdf.SetXY(textX, headerTop+2)
	t.begin("H1", "")
	pdf.MultiCell(avail, size*0.45, name, "", "L", false)
	t.end()
	if p := strings.TrimSpace(d.Settings.Province); p != "" {
		t.begin("P", "")
		defer t.end()
		pdf.SetFont(font, "", 12)
		setColor(pdf, grey)
		pdf.SetX(textX)
		pdf.CellFormat(avail, 6.5, printable(p), "", 1, "L", false, 0, "")
	}
	bottom = max(bottom, pdf.GetY())

	y := bottom + 4
	pdf.SetDrawColor(blue[0], blue[1], blue[2])
	pdf.SetLineWidth(0.6)
	pdf.Line(margin, y, pageW-margin, y)

	pdf.SetXY(margin, y+3)
	t.begin("P", "")
	pdf.SetFont(font, "B", 12.5)
	setColor(pdf, blue)
	office := printable(strings.ToUpper(strings.TrimSpace(d.Resource.Office)))
	pdf.CellFormat(contentW/2, 7, office, "", 0, "L", false, 0, "")
	pdf.SetFont(font, "", 10)
	setColor(pdf, grey)
	pdf.CellFormat(contentW/2, 7, "RICEVUTA DI PRENOTAZIONE", "", 1, "R", false, 0, "")
	t.end()
	pdf.Ln(5)
	return nil
}

// eightBit returns a PNG of 16 bits per channel as one of 8 (the same for
// any other image): fpdf embeds only the high bytes' stream of a 16-bit one
// as if it were 8-bit, and the crest shows as a faint outline.
func eightBit(logo []byte, cfg image.Config) ([]byte, error) {
	var to color.Model
	switch cfg.ColorModel {
	case color.RGBA64Model, color.NRGBA64Model:
		to = color.NRGBAModel
	case color.Gray16Model:
		to = color.GrayModel
	default:
		return logo, nil
	}
	src, err := png.Decode(bytes.NewReader(logo))
	if err != nil {
		return nil, errors.New("receipt: the logo is not a valid PNG image")
	}
	b := src.Bounds()
	var dst draw.Image = image.NewNRGBA(b)
	if to == color.GrayModel {
		dst = image.NewGray(b)
	}
	draw.Draw(dst, b, src, b.Min, draw.Src)
	var buf bytes.Buffer
	if err := png.Encode(&buf, dst); err != nil {
		return nil, fmt.Errorf("receipt: converting the logo: %w", err)
	}
	return buf.Bytes(), nil
}

// body writes the appointment as the seed's receipt words it.
func body(pdf *fpdf.Fpdf, t *tagger, d Data) {
	defer t.end()
	b := d.Booking
	if b.Status == booking.Cancelled {
		t.begin("P", "")
		cancelled(pdf, b)
	}
	t.begin("P", "")
	setColor(pdf, ink)
	resource := strings.ToUpper(d.resourceName())
	if d.byPhone() {
		write(pdf, bodySize, "", "L'appuntamento telefonico con ")
		write(pdf, bodySize, "B", resource)
	} else {
		write(pdf, bodySize, "", "L'appuntamento con ")
		write(pdf, bodySize, "B", resource)
		if a := d.address(); a != "" {
			write(pdf, bodySize, "", " in ")
			write(pdf, bodySize, "B", strings.ToUpper(a))
		}
	}
	p := strings.TrimSpace(d.Presentante)
	if p == "" {
		p = d.Booking.BookedBy()
	}
	if p != "" {
		write(pdf, bodySize, "", " è stato prenotato da ")
		write(pdf, bodySize, "B", strings.ToUpper(p))
		write(pdf, bodySize, "", " per:")
	} else {
		write(pdf, bodySize, "", " è stato prenotato da:")
	}
	pdf.Ln(lineH + 2.5)

	t.begin("P", "")
	write(pdf, 12, "B", d.fruitoreLine())
	pdf.Ln(lineH + 3.5)

	t.begin("P", "")
	write(pdf, bodySize, "", "Così come segue:")
	pdf.Ln(lineH + 1.5)
	write(pdf, 14, "B", d.when())
	pdf.Ln(lineH + 2)
	if text, number := d.phoneCall(); text != "" {
		t.begin("P", "")
		write(pdf, bodySize, "", text+" ")
		writeNumber(pdf, "", number)
		pdf.Ln(lineH + 1)
	}
	if m := strings.TrimSpace(b.Motivazione); m != "" {
		t.begin("P", "")
		write(pdf, bodySize, "", "Motivazione: ")
		write(pdf, bodySize, "B", m)
		pdf.Ln(lineH + 1)
	}
	pdf.Ln(2.5)

	t.begin("P", "")
	text, number := d.punctuality()
	if number == "" {
		write(pdf, bodySize, "", text)
	} else {
		write(pdf, bodySize, "", strings.TrimSuffix(text, "n. "))
		writeNumber(pdf, "n. ", number)
	}
	pdf.Ln(lineH + 6)
}

// cancelled draws a red notice that the booking no longer holds.
func cancelled(pdf *fpdf.Fpdf, b booking.Booking) {
	msg := "PRENOTAZIONE ANNULLATA"
	if !b.CancelledAt.IsZero() {
		msg += " il " + rome(b.CancelledAt, "02/01/2006 alle 15:04")
	}
	if r := strings.TrimSpace(b.CancelReason); r != "" {
		msg += " – " + r
	}
	pdf.SetFont(font, "B", 12)
	pdf.SetDrawColor(alert[0], alert[1], alert[2])
	pdf.SetLineWidth(0.5)
	setColor(pdf, alert)
	pdf.MultiCell(contentW, 8, printable(msg), "1", "C", false)
	pdf.Ln(5)
}

// codeBox draws a tinted panel with the booking code and its QR code.
func codeBox(pdf *fpdf.Fpdf, t *tagger, d Data) error {
	png, err := QR(d.Booking.Code, -8)
	if err != nil {
		return err
	}
	const boxH = qrSide + 6
	if pdf.GetY()+boxH > 297-footerSpace {
		pdf.AddPage()
	}
	y := pdf.GetY()
	pdf.SetFillColor(tint[0], tint[1], tint[2])
	pdf.SetDrawColor(blue[0], blue[1], blue[2])
	pdf.SetLineWidth(0.3)
	pdf.Rect(margin, y, contentW, boxH, "FD")

	pdf.SetXY(margin+6, y+9)
	t.begin("P", "")
	pdf.SetFont(font, "", 12)
	setColor(pdf, ink)
	label := "Codice prenotazione: "
	pdf.CellFormat(pdf.GetStringWidth(label), 9, label, "", 0, "LA", false, 0, "")
	pdf.SetFont(font, "B", 20)
	setColor(pdf, blue)
	pdf.CellFormat(70, 9, printable(d.Booking.Code), "", 1, "LA", false, 0, "")

	pdf.SetXY(margin+6, y+21)
	pdf.SetFont(font, "", 10)
	setColor(pdf, grey)
	hint := "Presenti questo codice o il codice QR allo sportello."
	if d.byPhone() {
		hint = "Tenga a portata di mano questo codice durante la telefonata."
	}
	pdf.MultiCell(contentW-qrSide-16, 5, hint, "", "L", false)

	opt := fpdf.ImageOptions{ImageType: "PNG"}
	pdf.RegisterImageOptionsReader("qr", opt, bytes.NewReader(png))
	t.begin("Figure", "Codice QR della prenotazione "+d.Booking.Code)
	pdf.ImageOptions("qr", pageW-margin-qrSide-3, y+3, qrSide, qrSide, false, opt, 0, "")
	t.end()
	pdf.SetXY(margin, y+boxH+8)
	return nil
}

// documents writes the resource's "DOCUMENTI DA PRESENTARE" text, if any.
func documents(pdf *fpdf.Fpdf, t *tagger, d Data) {
	docs := printable(normalizeNewlines(d.Resource.Documents))
	if docs == "" {
		return
	}
	if pdf.GetY()+30 > 297-footerSpace {
		pdf.AddPage()
	}
	pdf.SetFont(font, "B", 12.5)
	setColor(pdf, blue)
	t.begin("H2", "")
	pdf.CellFormat(contentW, 7, "DOCUMENTI DA PRESENTARE", "", 1, "L", false, 0, "")
	t.end()
	pdf.SetDrawColor(blue[0], blue[1], blue[2])
	pdf.SetLineWidth(0.3)
	pdf.Line(margin, pdf.GetY(), pageW-margin, pdf.GetY())
	pdf.Ln(3)
	pdf.SetFont(font, "", bodySize-0.5)
	setColor(pdf, ink)
	t.begin("P", "")
	pdf.MultiCell(contentW, lineH-0.4, docs, "", "L", false)
	t.end()
}

// footer prints the Comune's contacts, when the booking was made, and the page.
func footer(pdf *fpdf.Fpdf, d Data) {
	s := d.Settings
	pdf.SetY(-17)
	pdf.SetDrawColor(200, 205, 210)
	pdf.SetLineWidth(0.2)
	pdf.Line(margin, pdf.GetY(), pageW-margin, pdf.GetY())
	pdf.Ln(1.5)
	var contacts []string
	for _, c := range []string{s.Name, s.Address, prefixed("Tel. ", s.Phone), s.Email} {
		if c = strings.TrimSpace(c); c != "" {
			contacts = append(contacts, c)
		}
	}
	pdf.SetFont(font, "", 8.5)
	setColor(pdf, grey)
	pdf.MultiCell(contentW, 4, printable(strings.Join(contacts, " · ")), "", "L", false)
	made := ""
	if c := d.Booking.CreatedAt; !c.IsZero() {
		made = "Prenotazione effettuata il " + rome(c, "02/01/2006 alle 15:04")
	}
	pdf.CellFormat(contentW*0.7, 4, made, "", 0, "L", false, 0, "")
	pdf.CellFormat(contentW*0.3, 4, fmt.Sprintf("Pagina %d di {nb}", pdf.PageNo()), "", 1, "R", false, 0, "")
}

// write adds text in the flow of the paragraph, wrapping at the margins.
func write(pdf *fpdf.Fpdf, size float64, style, text string) {
	pdf.SetFont(font, style, size)
	pdf.Write(lineH*size/bodySize, printable(text))
}

// writeNumber writes prefix, the phone number in bold and a full stop,
// starting a new line first rather than splitting them.
func writeNumber(pdf *fpdf.Fpdf, prefix, number string) {
	number = printable(number)
	pdf.SetFont(font, "", bodySize)
	w := pdf.GetStringWidth(prefix + ".")
	pdf.SetFont(font, "B", bodySize)
	w += pdf.GetStringWidth(number)
	if pdf.GetX()+w > pageW-margin {
		pdf.Ln(lineH)
	}
	write(pdf, bodySize, "", prefix)
	write(pdf, bodySize, "B", number)
	write(pdf, bodySize, "", ".")
}

func setColor(pdf *fpdf.Fpdf, c [3]int) { pdf.SetTextColor(c[0], c[1], c[2]) }

func prefixed(prefix, s string) string {
	if strings.TrimSpace(s) == "" {
		return ""
	}
	return prefix + s
}
