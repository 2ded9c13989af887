package auth

import (
	"context"
	"crypto/rand"
	"net/http"
	"strings"

	"github.com/prenota/prenota/booking"
)

// DemoIdentity is a test identity of the demo identity provider, with its
// certified anagrafica.
type DemoIdentity struct {
	Label  string // what the login page shows
	Person booking.Person
}

// Identity returns the identity the demo provider asserts.
func (d DemoIdentity) Identity() Identity {
	p := d.Person
	return Identity{Subject: p.CodiceFiscale, CodiceFiscale: p.CodiceFiscale, Nome: p.Nome, Cognome: p.Cognome, Method: "demo", Person: &p}
}

// DemoLogin returns the identity for a codice fiscale, nome and cognome given
// to the demo login; a known test identity brings its whole anagrafica.
func DemoLogin(cf, nome, cognome string) Identity {
	cf = strings.ToUpper(strings.TrimSpace(cf))
	for _, d := range DemoIdentities {
		if d.Person.CodiceFiscale == cf {
			return d.Identity()
		}
	}
	return Identity{Subject: cf, CodiceFiscale: cf, Nome: strings.ToUpper(strings.TrimSpace(nome)), Cognome: strings.ToUpper(strings.TrimSpace(cognome)), Method: "demo"}
}

// DemoIdentities are the test identities offered by the demo provider. Their
// codici fiscali are valid and consistent with their data.
var DemoIdentities = []DemoIdentity{
	{"Mario Rossi, nato a Roma", booking.Person{Nome: "MARIO", Cognome: "ROSSI", DataNascita: booking.Date{Year: 1970, Month: 1, Day: 1}, Sesso: "M", NazioneNascita: booking.Italy, ProvinciaNascita: "RM", ComuneNascita: "ROMA", CodiceFiscale: "RSSMRA70A01H501S", Email: "mario.rossi@example.it", Telefono: "333 1234567"}},
	{"Giulia Bianchi, nata a Santarcangelo di Romagna", booking.Person{Nome: "GIULIA", Cognome: "BIANCHI", DataNascita: booking.Date{Year: 1985, Month: 8, Day: 15}, Sesso: "F", NazioneNascita: booking.Italy, ProvinciaNascita: "RN", ComuneNascita: "SANTARCANGELO DI ROMAGNA", CodiceFiscale: "BNCGLI85M55I304Q", Email: "giulia.bianchi@example.it", Telefono: "347 7654321"}},
	{"Luca Ferrari, nato in Germania", booking.Person{Nome: "LUCA", Cognome: "FERRARI", DataNascita: booking.Date{Year: 1992, Month: 2, Day: 29}, Sesso: "M", NazioneNascita: "GERMANIA", CodiceFiscale: "FRRLCU92B29Z112V", Email: "luca.ferrari@example.it", Telefono: "+49 151 2345678"}},
	{"Niccolò D'Amico, nato a Firenze", booking.Person{Nome: "NICCOLÒ", Cognome: "D'AMICO", DataNascita: booking.Date{Year: 2001, Month: 11, Day: 30}, Sesso: "M", NazioneNascita: booking.Italy, ProvinciaNascita: "FI", ComuneNascita: "FIRENZE", CodiceFiscale: "DMCNCL01S30D612R", Email: "niccolo.damico@example.it", Telefono: "320 1112233"}},
}

// DemoAccount is a staff account of demo mode, entered from the demo
// identity page without a password.
type DemoAccount struct {
	Login, Name, Label string
	Role               Role
}

// DemoStaff are the test staff accounts of demo mode, so that a newcomer
// sees the back office at once.
var DemoStaff = []DemoAccount{
	{Login: "admin.prova", Name: "Amministratore Prova", Role: RoleAdmin, Label: "Amministratore di prova: configura risorse, orari, testi e personale"},
	{Login: "operatore.prova", Name: "Operatore Prova", Role: RoleOperatore, Label: "Operatore di prova: lavora le agende (presenze, annullamenti, prenotazioni allo sportello)"},
}

// EnsureDemoStaff creates the demo staff accounts that are missing, each
// with a random password no one knows (they are entered from the demo page
// only), and returns the logins it created. Call it in demo mode only.
func (a *Accounts) EnsureDemoStaff(ctx context.Context) ([]string, error) {
	var created []string
	for _, d := range DemoStaff {
		_, err := a.cfg.Store.UserByLogin(ctx, d.Login)
		if err == nil {
			continue
		}
		if booking.ErrorCode(err) != booking.ENotFound {
			return created, err
		}
		u, err := NewUser(d.Login, d.Name, d.Login+"@comune.demo.it", "", d.Role, rand.Text())
		if err != nil {
			return created, err
		}
		if err := a.AddUser(ctx, u, "demo"); err != nil {
			return created, err
		}
		created = append(created, d.Login)
	}
	return created, nil
}

// demoStaffLogin logs in as the demo staff account login, if it is one.
func (a *Accounts) demoStaffLogin(r *http.Request, login string) (Identity, error) {
	for _, d := range DemoStaff {
		if d.Login != login {
			continue
		}
		u, err := a.cfg.Store.UserByLogin(r.Context(), login)
		if err != nil {
			return Identity{}, err
		}
		if u.Disabled {
			return Identity{}, booking.Errorf(booking.EForbidden, "L'account di prova %s è stato disattivato nel back office.", login)
		}
		id := IdentityOf(u)
		return id, a.Login(r, id)
	}
	return Identity{}, booking.Invalid(booking.FieldError{Field: "staff", Message: "Scelga uno degli account di prova del personale."})
}
