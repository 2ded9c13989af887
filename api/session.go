package api

import (
	"errors"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
)

// demoLoginBody is the body of POST /api/v1/demo/login.
type demoLoginBody struct {
	CodiceFiscale string `json:"codice_fiscale"`
	Nome          string `json:"nome"`
	Cognome       string `json:"cognome"`
}

// errNoSessions: the API was configured without a session manager.
var errNoSessions = errors.New("api: Config.Sessions is nil")

// maxNameRunes bounds nome and cognome.
const maxNameRunes = 100

// parseDemoLogin decodes and checks a demo login body. The codice fiscale is
// checked for its shape only (16 letters and digits): the demo provider
// accepts test identities.
func parseDemoLogin(data []byte) (demoLoginBody, error) {
	var b demoLoginBody
	if err := decodeJSON(data, &b, ""); err != nil {
		return b, err
	}
	b.CodiceFiscale = strings.ToUpper(strings.Join(strings.Fields(b.CodiceFiscale), ""))
	b.Nome, b.Cognome = strings.TrimSpace(b.Nome), strings.TrimSpace(b.Cognome)
	var fs []booking.FieldError
	switch {
	case b.CodiceFiscale == "":
		fs = append(fs, booking.FieldError{Field: "codice_fiscale", Message: "Il campo codice_fiscale è obbligatorio."})
	case !cfShape(b.CodiceFiscale):
		fs = append(fs, booking.FieldError{Field: "codice_fiscale", Message: "Il codice fiscale deve avere 16 caratteri, solo lettere e cifre (es. RSSMRA70A01H501S)."})
	}
	for _, f := range []struct{ name, v string }{{"nome", b.Nome}, {"cognome", b.Cognome}} {
		switch {
		case f.v == "":
			fs = append(fs, booking.FieldError{Field: f.name, Message: "Il campo " + f.name + " è obbligatorio."})
		case utf8.RuneCountInString(f.v) > maxNameRunes:
			fs = append(fs, booking.FieldError{Field: f.name, Message: "Il campo " + f.name + " può avere al massimo 100 caratteri."})
		}
	}
	if len(fs) > 0 {
		return b, booking.Invalid(fs...)
	}
	return b, nil
}

// cfShape reports whether s has the shape of a codice fiscale: 16 upper-case
// letters and digits.
func cfShape(s string) bool {
	if len(s) != 16 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// demoLogin answers POST /api/v1/demo/login (demo mode only): it starts a
// session for the test identity and returns it; 429 over the login limit
// of the client's address (every attempt counts, as for the other logins).
func (a *api) demoLogin(w http.ResponseWriter, r *http.Request) error {
	if err := a.limits.Login(r); err != nil {
		return err
	}
	data, err := readJSON(w, r)
	if err != nil {
		return err
	}
	b, err := parseDemoLogin(data)
	if err != nil {
		return err
	}
	id := auth.DemoLogin(b.CodiceFiscale, b.Nome, b.Cognome)
	switch {
	case a.accounts != nil:
		// A new session token (no fixation) and the login audited.
		if err := a.accounts.Login(r, id); err != nil {
			return err // already EInternal
		}
	case a.sessions != nil:
		if err := a.sessions.Login(r.Context(), id); err != nil {
			return booking.Internal(err)
		}
	default:
		return booking.Internal(errNoSessions)
	}
	return writeJSON(w, http.StatusOK, id)
}

// logout answers POST /api/v1/logout: 204, the session is ended (if any)
// and, with Accounts, the logout audited.
func (a *api) logout(w http.ResponseWriter, r *http.Request) error {
	var err error
	switch {
	case a.accounts != nil:
		err = a.accounts.Logout(r)
	case a.sessions != nil:
		err = a.sessions.Logout(r.Context())
	}
	if err != nil {
		return booking.Internal(err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
