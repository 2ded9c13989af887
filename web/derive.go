package web

import (
	"strings"
	"time"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/codicefiscale"
	"github.com/prenota/prenota/places"
)

// fromCF fills in, from a valid codice fiscale, the birth date, sex and
// birthplace that f leaves empty (a person without a certified identity:
// the citizen then checks them), and says whether it filled any. The
// century of the date is the one that puts it in the past at now.
func fromCF(f *anagraficaForm, now time.Time) bool {
	c, err := codicefiscale.ParseAt(f.CodiceFiscale, now)
	if err != nil {
		return false
	}
	filled := false
	if strings.TrimSpace(f.DataNascita) == "" {
		f.DataNascita, filled = c.BirthDate.Format("02/01/2006"), true
	}
	if f.Sesso == "" {
		f.Sesso, filled = c.Sex, true
	}
	nazione := strings.ToUpper(strings.TrimSpace(f.NazioneNascita))
	if strings.TrimSpace(f.ComuneNascita) != "" || strings.TrimSpace(f.ProvinciaNascita) != "" || (nazione != "" && nazione != booking.Italy) {
		return filled
	}
	if c.BornAbroad() {
		if k, ok := places.CountryByBelfiore(c.Belfiore); ok {
			f.NazioneNascita, filled = k.Name, true
		}
	} else if m, ok := places.ComuneByBelfiore(c.Belfiore); ok {
		f.NazioneNascita, f.ProvinciaNascita, f.ComuneNascita, filled = booking.Italy, m.Province, m.Name, true
	}
	return filled
}
