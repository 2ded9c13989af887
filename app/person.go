package app

import (
	"time"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/codicefiscale"
	"github.com/prenota/prenota/places"
)

// checkPerson checks an anagrafica against the official place lists and its
// codice fiscale against the person's data. A province given by name
// ("Milano") becomes its sigla.
func checkPerson(p *booking.Person) []booking.FieldError {
	var fs []booking.FieldError
	cfp := codicefiscale.Person{Nome: p.Nome, Cognome: p.Cognome, Sesso: p.Sesso,
		DataNascita: time.Date(p.DataNascita.Year, p.DataNascita.Month, p.DataNascita.Day, 0, 0, 0, 0, time.UTC)}
	if p.NazioneNascita == booking.Italy {
		if pr, ok := places.FindProvince(p.ProvinciaNascita); ok {
			p.ProvinciaNascita = pr.Sigla
		} else {
			fs = append(fs, booking.FieldError{Field: "provincia_nascita", Message: "La provincia di nascita non è riconosciuta: indichi la sigla (es. RM, MI, RN) o il nome (es. Milano)."})
		}
		cs := places.Comuni(p.ComuneNascita)
		for i, c := range cs {
			if c.Province == p.ProvinciaNascita || i == 0 {
				cfp.Belfiore = c.Belfiore // the one in the given province, else the current one
			}
		}
		if len(cs) == 0 {
			fs = append(fs, booking.FieldError{Field: "comune_nascita", Message: "Il comune di nascita non è nell'elenco ISTAT: controlli come è scritto, o lo scelga tra i suggerimenti."})
		}
	} else {
		c, ok := places.CountryByName(p.NazioneNascita)
		if !ok {
			fs = append(fs, booking.FieldError{Field: "nazione_nascita", Message: "La nazione di nascita non è riconosciuta: la scriva in italiano (es. FRANCIA, GERMANIA) o la scelga tra i suggerimenti."})
		}
		cfp.Belfiore = c.Belfiore
	}
	// A place not found is not compared with the code (its Belfiore is
	// empty), so the code is still checked: every error at once.
	for _, e := range codicefiscale.Check(p.CodiceFiscale, cfp) {
		fs = append(fs, booking.FieldError{Field: e.Field, Message: e.Message})
	}
	return fs
}
