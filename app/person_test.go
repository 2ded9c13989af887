package app

import (
	"testing"
	"time"

	"github.com/prenota/prenota/booking"
)

// TestProvinceAsTyped: the province of birth may be the sigla in any case
// or the name; the sigla is kept.
func TestProvinceAsTyped(t *testing.T) {
	for in, want := range map[string]string{"MI": "MI", "mi": "MI", "Milano": "MI", "milano": "MI", " MILANO ": "MI",
		"Forlì-Cesena": "FC", "forli cesena": "FC", "Reggio nell'Emilia": "RE", "Monza e della Brianza": "MB"} {
		p := booking.Person{Nome: "MARIO", Cognome: "ROSSI", DataNascita: booking.Date{Year: 1970, Month: time.January, Day: 1}, Sesso: "M",
			NazioneNascita: booking.Italy, ProvinciaNascita: in, ComuneNascita: "MILANO", CodiceFiscale: "RSSMRA70A01F205Z"}
		fs := checkPerson(&p)
		if p.ProvinciaNascita != want {
			t.Errorf("%q: provincia %q, want %q (%v)", in, p.ProvinciaNascita, want, fs)
		}
	}
	p := booking.Person{NazioneNascita: booking.Italy, ProvinciaNascita: "Atlantide", ComuneNascita: "MILANO"}
	if fs := checkPerson(&p); len(fs) == 0 || fs[0].Field != "provincia_nascita" || p.ProvinciaNascita != "Atlantide" {
		t.Errorf("unknown province: %v, %q", fs, p.ProvinciaNascita)
	}
}
