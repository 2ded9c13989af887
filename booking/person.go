package booking

import (
	"net/mail"
	"strings"
	"time"
)

// Italy is the value of NazioneNascita for people born in Italy.
const Italy = "ITALIA"

// Normalize trims every field, upper-cases names, places and the codice fiscale.
func (p Person) Normalize() Person {
	up := func(s string) string { return strings.ToUpper(strings.Join(strings.Fields(s), " ")) }
	p.Nome, p.Cognome = up(p.Nome), up(p.Cognome)
	p.Sesso = up(p.Sesso)
	p.NazioneNascita, p.ProvinciaNascita, p.ComuneNascita = up(p.NazioneNascita), up(p.ProvinciaNascita), up(p.ComuneNascita)
	p.CodiceFiscale = strings.ReplaceAll(up(p.CodiceFiscale), " ", "")
	p.Email = strings.TrimSpace(p.Email)
	p.Telefono = strings.TrimSpace(p.Telefono)
	return p
}

// Check returns the field errors of a normalized anagrafica (only those of
// texts that cannot be stored, if any), apart from the
// codice fiscale's consistency (see PersonChecker). Field names are those of
// the API's anagrafica object.
func (p Person) Check(today Date) []FieldError { return p.check(today, true) }

// check is Check with the email required or, at the counter, optional.
func (p Person) check(today Date, emailRequired bool) []FieldError {
	if fs := p.texts(); len(fs) > 0 {
		return fs
	}
	var fs []FieldError
	req := func(field, v, label string) bool {
		if v == "" {
			fs = append(fs, FieldError{field, "Il campo " + label + " è obbligatorio."})
			return false
		}
		return true
	}
	req("nome", p.Nome, "Nome")
	req("cognome", p.Cognome, "Cognome")
	if p.DataNascita.IsZero() {
		fs = append(fs, FieldError{"data_nascita", "Il campo Data di Nascita è obbligatorio: la scriva nel formato gg/mm/aaaa."})
	} else if !p.DataNascita.Before(today) || p.DataNascita.Before(Date{1900, time.January, 1}) {
		fs = append(fs, FieldError{"data_nascita", "La Data di Nascita deve essere una data passata, dopo il 1900."})
	}
	if req("nazione_nascita", p.NazioneNascita, "Nazione Nascita") && p.NazioneNascita == Italy {
		req("provincia_nascita", p.ProvinciaNascita, "Provincia Nascita")
		req("comune_nascita", p.ComuneNascita, "Comune Nascita")
	}
	if p.Sesso != "M" && p.Sesso != "F" {
		fs = append(fs, FieldError{"sesso", "Il campo Sesso è obbligatorio: scelga Maschio o Femmina."})
	}
	req("codice_fiscale", p.CodiceFiscale, "Codice Fiscale Fruitore")
	if p.Email != "" || emailRequired && req("email", p.Email, "Email") {
		if a, err := mail.ParseAddress(p.Email); err != nil || a.Address != p.Email || !strings.Contains(p.Email[strings.LastIndex(p.Email, "@"):], ".") {
			fs = append(fs, FieldError{"email", "L'indirizzo email non è valido: lo scriva nella forma nome@dominio.it."})
		}
	}
	if req("telefono", p.Telefono, "Telefono") {
		if msg := PhoneProblem(p.Telefono); msg != "" {
			fs = append(fs, FieldError{"telefono", msg})
		}
	}
	return fs
}

// PersonChecker checks what needs outside data: the codice fiscale and its
// consistency with the person's name, birth date, sex and birthplace, and that
// the places exist. It returns the fields that disagree.
// It may complete p: a province given by name becomes its sigla.
type PersonChecker func(p *Person) []FieldError
