package backoffice

import (
	"bytes"
	"encoding/csv"
	"strings"
)

// csvFile is a CSV export as staff open it in a spreadsheet: UTF-8 with a
// byte order mark (so that Excel reads the accents), semicolons (the list
// separator of Italian locales), CRLF line ends, and no cell a spreadsheet
// would run as a formula (see csvCell).
type csvFile struct {
	buf bytes.Buffer
	w   *csv.Writer
}

func newCSV() *csvFile {
	f := &csvFile{}
	f.buf.WriteString("\uFEFF")
	f.w = csv.NewWriter(&f.buf)
	f.w.Comma = ';'
	f.w.UseCRLF = true
	return f
}

// row adds a line of cells.
func (f *csvFile) row(cells ...string) {
	out := make([]string, len(cells))
	for i, c := range cells {
		out[i] = csvCell(c)
	}
	f.w.Write(out)
}

// bytes returns the file.
func (f *csvFile) bytes() ([]byte, error) {
	f.w.Flush()
	return f.buf.Bytes(), f.w.Error()
}

// csvCell neutralises a cell that a spreadsheet would read as a formula
// (CSV injection: a motivazione of "=HYPERLINK(…)" typed by anyone): one
// that starts with = + - @, a tab or a carriage return gets a leading
// apostrophe, so it is shown as the text it is.
func csvCell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}
