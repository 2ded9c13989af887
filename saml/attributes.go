package saml

import (
	"errors"
	"fmt"
	"strings"
	"time"

	gosaml "github.com/crewjam/saml"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/codicefiscale"
	"github.com/prenota/prenota/places"
)

// Attributes are the SPID/CIE attributes of an assertion, by name.
type Attributes map[string]string

func attributesOf(a *gosaml.Assertion) Attributes {
	out := Attributes{}
	for _, st := range a.AttributeStatements {
		for _, at := range st.Attributes {
			if len(at.Values) == 0 {
				continue
			}
			name := at.Name
			if name == "" {
				name = at.FriendlyName
			}
			out[name] = strings.TrimSpace(at.Values[0].Value)
		}
	}
	return out
}

// identityFrom maps a verified assertion to the identity and its certified
// anagrafica.
func identityFrom(a *gosaml.Assertion, method, idp string) (auth.Identity, error) {
	id, err := IdentityFromAttributes(attributesOf(a), method, idp)
	if err != nil {
		return id, err
	}
	if a.Subject != nil && a.Subject.NameID != nil {
		id.SAML = &auth.SAMLSession{NameID: a.Subject.NameID.Value, NameQualifier: a.Subject.NameID.NameQualifier}
		if len(a.AuthnStatements) > 0 {
			id.SAML.SessionIndex = a.AuthnStatements[0].SessionIndex
		}
	}
	return id, nil
}

// IdentityFromAttributes maps SPID/CIE attributes to an identity:
// fiscalNumber ("TINIT-" removed) is the subject and codice fiscale; name,
// familyName, dateOfBirth (YYYY-MM-DD), placeOfBirth (a Belfiore code: the
// comune and its province, or the foreign country), gender, email and
// mobilePhone fill the anagrafica, with what is missing taken from the
// codice fiscale (sex, birth date, birthplace). fiscalNumber is required
// and must be a valid codice fiscale.
func IdentityFromAttributes(at Attributes, method, idp string) (auth.Identity, error) {
	cf := StripTINIT(at["fiscalNumber"])
	if cf == "" {
		return auth.Identity{}, errors.New("the assertion has no fiscalNumber")
	}
	code, err := codicefiscale.Parse(cf)
	if err != nil {
		return auth.Identity{}, fmt.Errorf("fiscalNumber %q: %v", cf, err)
	}
	p := booking.Person{
		Nome:          at["name"],
		Cognome:       at["familyName"],
		CodiceFiscale: code.Value,
		Email:         at["email"],
		Telefono:      at["mobilePhone"],
		Sesso:         code.Sex,
	}
	switch g := strings.ToUpper(at["gender"]); g {
	case "M", "F":
		p.Sesso = g
	}
	if d, err := time.Parse(time.DateOnly, at["dateOfBirth"]); err == nil {
		p.DataNascita = booking.Date{Year: d.Year(), Month: d.Month(), Day: d.Day()}
	} else {
		d := code.BirthDate
		p.DataNascita = booking.Date{Year: d.Year(), Month: d.Month(), Day: d.Day()}
	}
	place := strings.ToUpper(strings.TrimSpace(at["placeOfBirth"]))
	if place == "" {
		place = code.Belfiore
	}
	setPlace(&p, place)
	p = p.Normalize()
	return auth.Identity{Subject: p.CodiceFiscale, CodiceFiscale: p.CodiceFiscale, Nome: p.Nome, Cognome: p.Cognome,
		Method: method, IdP: idp, Person: &p}, nil
}

// setPlace fills the birthplace from a Belfiore code.
func setPlace(p *booking.Person, code string) {
	if places.IsCountryCode(code) {
		if c, ok := places.CountryByBelfiore(code); ok {
			p.NazioneNascita = c.Name
		}
		return
	}
	if c, ok := places.ComuneByBelfiore(code); ok {
		p.NazioneNascita, p.ProvinciaNascita, p.ComuneNascita = booking.Italy, c.Province, c.Name
	}
}

// StripTINIT removes the "TINIT-" prefix SPID puts on fiscalNumber.
func StripTINIT(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	return strings.TrimPrefix(s, "TINIT-")
}
