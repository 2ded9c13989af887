package codicefiscale

import (
	"fmt"
	"strings"

	"github.com/prenota/prenota/places"
)

// Compute returns the codice fiscale (without omocodia) of p. Names are
// encoded after folding accents (À to A) and dropping anything that is not
// a letter (apostrophes, spaces, hyphens). p.Belfiore must be a known comune
// or country code. Errors are *FieldError naming the offending field.
func Compute(p Person) (string, error) {
	sur, err := surnameCode(p.Cognome)
	if err != nil {
		return "", err
	}
	name, err := nameCode(p.Nome)
	if err != nil {
		return "", err
	}
	if p.DataNascita.IsZero() {
		return "", &FieldError{Field: FieldDataNascita, Reason: ReasonRequired, Message: "Inserisca la data di nascita"}
	}
	if y := p.DataNascita.Year(); y < 1800 || y > 9999 {
		return "", &FieldError{Field: FieldDataNascita, Reason: ReasonInvalid, Message: "La data di nascita non è valida: la scriva come gg/mm/aaaa"}
	}
	sex := strings.ToUpper(strings.TrimSpace(p.Sesso))
	if sex != "M" && sex != "F" {
		return "", &FieldError{Field: FieldSesso, Reason: ReasonInvalid, Message: "Indichi il sesso (M o F)"}
	}
	code := strings.ToUpper(strings.TrimSpace(p.Belfiore))
	if !knownPlace(code) {
		field, what := placeField(code)
		return "", &FieldError{Field: field, Reason: ReasonInvalid, Message: fmt.Sprintf("Scelga %s dall'elenco", what)}
	}
	y, m, d := p.DataNascita.Date()
	if sex == "F" {
		d += 40
	}
	s := fmt.Sprintf("%s%s%02d%c%02d%s", sur, name, y%100, monthLetter[m-1], d, code)
	return s + string(checkChar(s)), nil
}

// Check compares the codice fiscale cf with the person's data and returns
// one FieldError for each field that disagrees, in form order (cognome,
// nome, data_nascita, sesso, comune_nascita or nazione_nascita), or a single
// error on codice_fiscale when cf itself is not valid. Empty fields of p are
// not compared (requiring them is the form's job). Omocodic codes are
// compared on their decoded data; the birth year is compared modulo 100,
// the only part a codice fiscale carries. It returns nil when all agree.
func Check(cf string, p Person) []FieldError {
	c, err := Parse(cf)
	if err != nil {
		return []FieldError{*err.(*FieldError)}
	}
	var errs []FieldError
	mismatch := func(field, msg string) {
		errs = append(errs, FieldError{Field: field, Reason: ReasonMismatch, Message: msg})
	}
	if strings.TrimSpace(p.Cognome) != "" {
		if sur, err := surnameCode(p.Cognome); err != nil || sur != c.Surname {
			mismatch(FieldCognome, "Il cognome non corrisponde al codice fiscale: controlli il cognome o il codice fiscale")
		}
	}
	if strings.TrimSpace(p.Nome) != "" {
		if name, err := nameCode(p.Nome); err != nil || name != c.Name {
			mismatch(FieldNome, "Il nome non corrisponde al codice fiscale: controlli il nome (tutti i nomi, se ne ha più di uno) o il codice fiscale")
		}
	}
	if !p.DataNascita.IsZero() {
		y, m, d := p.DataNascita.Date()
		cy, cm, cd := c.BirthDate.Date()
		if y%100 != cy%100 || m != cm || d != cd {
			mismatch(FieldDataNascita, "La data di nascita non corrisponde al codice fiscale: controlli la data di nascita o il codice fiscale")
		}
	}
	if sex := strings.ToUpper(strings.TrimSpace(p.Sesso)); sex != "" && sex != c.Sex {
		mismatch(FieldSesso, "Il sesso non corrisponde al codice fiscale: controlli il sesso indicato o il codice fiscale")
	}
	if code := strings.ToUpper(strings.TrimSpace(p.Belfiore)); code != "" && !samePlace(code, c.Belfiore) {
		if places.IsCountryCode(code) {
			mismatch(FieldNazioneNascita, "Lo stato di nascita non corrisponde al codice fiscale: controlli lo stato di nascita o il codice fiscale")
		} else {
			mismatch(FieldComuneNascita, "Il comune di nascita non corrisponde al codice fiscale: controlli il comune e la provincia di nascita o il codice fiscale; se il comune è stato soppresso o unito ad altri, lo scelga con il nome che aveva alla data di nascita")
		}
	}
	return errs
}

// samePlace reports whether the person's place and the code's agree: the
// same Belfiore code, or two codes of one comune re-established under a new
// code with the same name and province (e.g. BELLAGIO A744 and M335), which
// people easily pick by mistake.
func samePlace(person, code string) bool {
	if person == code {
		return true
	}
	a, okA := places.ComuneByBelfiore(person)
	b, okB := places.ComuneByBelfiore(code)
	return okA && okB && a.Name == b.Name && a.Province == b.Province
}

func knownPlace(code string) bool {
	if places.IsCountryCode(code) {
		_, ok := places.CountryByBelfiore(code)
		return ok
	}
	_, ok := places.ComuneByBelfiore(code)
	return ok
}

func placeField(code string) (field, what string) {
	if places.IsCountryCode(code) {
		return FieldNazioneNascita, "lo stato di nascita"
	}
	return FieldComuneNascita, "il comune di nascita"
}

// letters splits a name into its consonants and vowels (upper case, accents
// folded), ignoring anything that is not a letter A-Z after folding.
func letters(s string) (consonants, vowels []byte) {
	for _, r := range s {
		r = places.FoldRune(r)
		if r < 'A' || r > 'Z' {
			continue
		}
		if strings.ContainsRune("AEIOU", r) {
			vowels = append(vowels, byte(r))
		} else {
			consonants = append(consonants, byte(r))
		}
	}
	return consonants, vowels
}

// surnameCode is the first three consonants, then vowels, then X.
func surnameCode(s string) (string, error) {
	cons, vows := letters(s)
	if len(cons)+len(vows) == 0 {
		return "", &FieldError{Field: FieldCognome, Reason: ReasonRequired, Message: "Inserisca il cognome"}
	}
	return pad(append(cons, vows...)), nil
}

// nameCode is like surnameCode, except that a name with four or more
// consonants uses the 1st, 3rd and 4th (GIANFRANCO: GFR).
func nameCode(s string) (string, error) {
	cons, vows := letters(s)
	if len(cons)+len(vows) == 0 {
		return "", &FieldError{Field: FieldNome, Reason: ReasonRequired, Message: "Inserisca il nome"}
	}
	if len(cons) >= 4 {
		return string([]byte{cons[0], cons[2], cons[3]}), nil
	}
	return pad(append(cons, vows...)), nil
}

func pad(b []byte) string {
	for len(b) < 3 {
		b = append(b, 'X')
	}
	return string(b[:3])
}
