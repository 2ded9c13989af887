package receipt

import (
	"strings"
	"sync"
	"unicode"

	"golang.org/x/image/font/sfnt"
	"golang.org/x/text/unicode/norm"
)

// missing stands, in the PDF, for a character the embedded fonts cannot draw
// (an emoji, a script other than Latin, Greek or Cyrillic): the reader sees
// that something was there, and the rest of the text stays readable.
const missing = "?"

// drawable reports whether both embedded fonts have a glyph for a rune. fpdf
// knows only the Basic Multilingual Plane and panics on runes beyond it, so
// every text goes through printable first.
var drawable = sync.OnceValue(func() func(rune) bool {
	var fonts2 [0x10000]uint8 // per BMP rune, how many of the two fonts draw it
	for _, file := range []string{"fonts/TitilliumWeb-Regular.ttf", "fonts/TitilliumWeb-Bold.ttf"} {
		ttf, err := fonts.ReadFile(file)
		if err != nil {
			panic("receipt: embedded font: " + err.Error())
		}
		f, err := sfnt.Parse(ttf)
		if err != nil {
			panic("receipt: embedded font: " + err.Error())
		}
		var buf sfnt.Buffer
		for r := rune(0x20); r <= 0xFFFF; r++ {
			if g, err := f.GlyphIndex(&buf, r); err == nil && g != 0 {
				fonts2[r]++
			}
		}
	}
	return func(r rune) bool { return r >= 0 && r <= 0xFFFF && fonts2[r] == 2 }
})

// printable returns s as the PDF can draw it: composed (NFC, so that a letter
// typed with a combining accent prints as the accented letter), control
// characters other than the newline dropped, invisible marks and format
// characters the fonts lack dropped, and any other character they lack
// replaced by missing.
func printable(s string) string {
	s = norm.NFC.String(strings.ToValidUTF8(s, "\uFFFD"))
	ok := drawable()
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n' || ok(r):
			b.WriteRune(r)
		case r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r) || unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf, unicode.Variation_Selector):
		default:
			b.WriteString(missing)
		}
	}
	return b.String()
}
