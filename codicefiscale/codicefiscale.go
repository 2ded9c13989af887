// Package codicefiscale parses and validates the Italian codice fiscale of
// a natural person and checks that it agrees with the person's data.
//
// A codice fiscale has 16 characters: 3 letters from the surname, 3 from the
// name, the year of birth (2 digits), the month (a letter), the day (day+40
// for women), the Belfiore code of the comune or foreign country of birth
// (a letter and 3 digits) and a check character. When two people would get
// the same code, the Agenzia delle Entrate replaces digits, from the right,
// with the letters LMNPQRSTUV (omocodia); such codes are valid and decode to
// the same data.
//
// Errors are *FieldError values naming the form field they concern, with an
// Italian message for the user.
package codicefiscale

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prenota/prenota/places"
)

// Field names used in FieldError.Field, matching the personal-data form.
const (
	FieldCodiceFiscale  = "codice_fiscale"
	FieldNome           = "nome"
	FieldCognome        = "cognome"
	FieldDataNascita    = "data_nascita"
	FieldSesso          = "sesso"
	FieldComuneNascita  = "comune_nascita"
	FieldNazioneNascita = "nazione_nascita"
)

// Reason classifies a FieldError, so callers can react without parsing
// messages.
type Reason string

// Reasons of a FieldError.
const (
	ReasonRequired  Reason = "required"   // the value is empty
	ReasonLength    Reason = "length"     // not 16 characters
	ReasonFormat    Reason = "format"     // a character of the wrong kind
	ReasonCheckChar Reason = "check_char" // the check character does not match
	ReasonDate      Reason = "date"       // the encoded birth date does not exist
	ReasonInvalid   Reason = "invalid"    // a person's field cannot be encoded
	ReasonMismatch  Reason = "mismatch"   // the code disagrees with the person's data
)

// FieldError is a validation error about one form field.
type FieldError struct {
	Field   string // one of the Field* constants
	Reason  Reason
	Message string // Italian, for the user: says what is wrong and how to fix it
}

func (e *FieldError) Error() string { return e.Message }

func cfError(r Reason, format string, args ...any) *FieldError {
	return &FieldError{Field: FieldCodiceFiscale, Reason: r, Message: fmt.Sprintf(format, args...)}
}

// Code is a parsed, valid codice fiscale.
type Code struct {
	Value     string    // the normalized code as given, possibly omocodic
	Surname   string    // the 3 surname letters
	Name      string    // the 3 name letters
	BirthDate time.Time // UTC midnight; the century is inferred (see ParseAt)
	Sex       string    // "M" or "F"
	Belfiore  string    // place of birth, with omocodia undone, e.g. "H501"
	Omocodic  bool      // some digits were replaced by letters
}

// String returns the code as given (normalized).
func (c Code) String() string { return c.Value }

// Base returns the code with omocodia undone and its check character
// recomputed: the code the person would have without homonyms.
func (c Code) Base() string {
	b := []byte(c.Value[:15])
	for _, i := range digitPositions {
		b[i] = undoOmocode(b[i])
	}
	return string(b) + string(checkChar(string(b)))
}

// BornAbroad reports whether the place of birth is a foreign country.
func (c Code) BornAbroad() bool { return places.IsCountryCode(c.Belfiore) }

// Person is the data a codice fiscale encodes.
type Person struct {
	Nome, Cognome string
	DataNascita   time.Time // only the calendar date is used
	Sesso         string    // "M" or "F"
	// Belfiore is the code of the comune of birth (e.g. "H501") or, for
	// people born abroad, of the country (e.g. "Z110").
	Belfiore string
}

// Positions (0-based) of the characters that are digits in a code without
// omocodia: year, day and the digits of the Belfiore code.
var digitPositions = [...]int{6, 7, 9, 10, 12, 13, 14}

const (
	omocodes    = "LMNPQRSTUV" // replacements for 0..9
	monthLetter = "ABCDEHLMPRST"
)

// Normalize removes spaces (anywhere) and surrounding white space and
// upper-cases s, as users type codes with spaces and in lower case.
func Normalize(s string) string {
	return strings.ToUpper(strings.Join(strings.Fields(s), ""))
}

// Parse parses and validates a codice fiscale (after Normalize), inferring
// the century of birth against the current date. See ParseAt.
func Parse(s string) (Code, error) { return ParseAt(s, time.Now()) }

// ParseAt parses and validates a codice fiscale (after Normalize): its
// length, the kind of each character (allowing omocodia), the check
// character and the birth date. The two-digit year is taken in the most
// recent century that puts the birth date not after ref; a person born more
// than 100 years before ref is decoded 100 years too late, which Check does
// not mind since it compares years modulo 100.
//
// The Belfiore code is not looked up, so codes for places missing from the
// place data are still accepted; Check compares it with the person's place.
// Errors are *FieldError with Field "codice_fiscale".
func ParseAt(s string, ref time.Time) (Code, error) {
	v := Normalize(s)
	if v == "" {
		return Code{}, cfError(ReasonRequired, "Inserisca il codice fiscale")
	}
	if n := utf8.RuneCountInString(v); n != 16 {
		return Code{}, cfError(ReasonLength, "Il codice fiscale deve avere 16 caratteri (ne ha %d): controlli di averlo scritto per intero", n)
	}
	if len(v) != 16 {
		return Code{}, cfError(ReasonFormat, "Il codice fiscale può contenere solo lettere senza accenti e cifre")
	}
	for i := range 16 {
		c := v[i]
		switch {
		case isDigitPosition(i):
			if !isDigit(c) && strings.IndexByte(omocodes, c) < 0 {
				return Code{}, cfError(ReasonFormat, "Il codice fiscale non è valido: il %d° carattere (%c) dovrebbe essere una cifra", i+1, c)
			}
		case !isLetter(c):
			return Code{}, cfError(ReasonFormat, "Il codice fiscale non è valido: il %d° carattere (%c) dovrebbe essere una lettera", i+1, c)
		}
	}
	if checkChar(v[:15]) != v[15] {
		return Code{}, cfError(ReasonCheckChar, "Il carattere di controllo del codice fiscale non è corretto: controlli di averlo trascritto senza errori")
	}

	d := []byte(v)
	omocodic := false
	for _, i := range digitPositions {
		if !isDigit(d[i]) {
			omocodic = true
			d[i] = undoOmocode(d[i])
		}
	}
	year := int(d[6]-'0')*10 + int(d[7]-'0')
	month := strings.IndexByte(monthLetter, d[8]) + 1
	day := int(d[9]-'0')*10 + int(d[10]-'0')
	sex := "M"
	if day > 40 {
		sex, day = "F", day-40
	}
	if month == 0 {
		return Code{}, cfError(ReasonDate, "Il codice fiscale non è valido: il 9° carattere (%c) non indica un mese", v[8])
	}
	birth, ok := birthDate(year, time.Month(month), day, ref)
	if !ok {
		return Code{}, cfError(ReasonDate, "Il codice fiscale non è valido: la data di nascita che contiene non esiste")
	}
	return Code{
		Value:     v,
		Surname:   v[0:3],
		Name:      v[3:6],
		BirthDate: birth,
		Sex:       sex,
		Belfiore:  string(d[11:15]),
		Omocodic:  omocodic,
	}, nil
}

// birthDate resolves the century of a two-digit year: the latest date not
// after ref (falling back one more century for a 29 February that does not
// exist in the first choice).
func birthDate(yy int, m time.Month, d int, ref time.Time) (time.Time, bool) {
	if d < 1 || d > 31 {
		return time.Time{}, false
	}
	ref = ref.UTC()
	y := ref.Year()/100*100 + yy
	for range 3 {
		t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
		if t.Day() == d && !t.After(ref) { // Day() differs when the date overflowed
			return t, true
		}
		y -= 100
	}
	return time.Time{}, false
}

// checkChar computes the check character of the first 15 characters of a
// code (upper-case letters and digits).
func checkChar(s string) byte {
	// Values of characters in odd (1st, 3rd, ...) positions, for 0-9 and A-Z
	// alike; even positions are worth 0-9 and A=0..Z=25.
	odd := [26]int{1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23}
	sum := 0
	for i := range 15 {
		c := s[i]
		var v int
		if isDigit(c) {
			v = int(c - '0')
		} else {
			v = int(c - 'A')
		}
		if i%2 == 0 {
			sum += odd[v]
		} else {
			sum += v
		}
	}
	return byte('A' + sum%26)
}

func isDigitPosition(i int) bool {
	switch i {
	case 6, 7, 9, 10, 12, 13, 14:
		return true
	}
	return false
}

func undoOmocode(c byte) byte {
	if i := strings.IndexByte(omocodes, c); i >= 0 {
		return byte('0' + i)
	}
	return c
}

func isDigit(c byte) bool  { return c >= '0' && c <= '9' }
func isLetter(c byte) bool { return c >= 'A' && c <= 'Z' }
