package places

import "strings"

// Fold returns the search key of a name: upper case ASCII letters and digits,
// accents removed, and any run of other characters (spaces, apostrophes,
// hyphens, slashes, dots) turned into one space. So "Sant'Agata", "SANT
// AGATA" and "sant’agata" all fold to "SANT AGATA", and "Cantù" and the old
// spelling "CANTU'" both fold to "CANTU".
func Fold(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		r = FoldRune(r)
		switch {
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		default:
			space = true
		}
	}
	return b.String()
}

// FoldRune maps a letter to its upper-case unaccented Latin base letter
// ('è' and 'È' to 'E', 'ç' to 'C', 'ß' to 'S'); other runes are returned
// upper-cased and unchanged. Letters with no Latin base are returned as they
// are, so callers can drop them.
func FoldRune(r rune) rune {
	if r < 0x80 {
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}
	if f, ok := accents[r]; ok {
		return f
	}
	return r
}

var accents = func() map[rune]rune {
	m := map[rune]rune{}
	for base, letters := range map[rune]string{
		'A': "ÀÁÂÃÄÅĀĂĄàáâãäåāăąª",
		'C': "ÇĆĈĊČçćĉċč",
		'D': "ĎĐďđ",
		'E': "ÈÉÊËĒĔĖĘĚèéêëēĕėęě",
		'G': "ĜĞĠĢĝğġģ",
		'H': "ĤĦĥħ",
		'I': "ÌÍÎÏĨĪĬĮİìíîïĩīĭįı",
		'J': "Ĵĵ",
		'K': "Ķķ",
		'L': "ĹĻĽĿŁĺļľŀł",
		'N': "ÑŃŅŇñńņň",
		'O': "ÒÓÔÕÖØŌŎŐòóôõöøōŏőº",
		'R': "ŔŖŘŕŗř",
		'S': "ŚŜŞŠśŝşšß",
		'T': "ŢŤŦţťŧ",
		'U': "ÙÚÛÜŨŪŬŮŰŲùúûüũūŭůűų",
		'W': "Ŵŵ",
		'Y': "ÝŶŸýÿŷ",
		'Z': "ŹŻŽźżž",
	} {
		for _, r := range letters {
			m[r] = base
		}
	}
	return m
}()
