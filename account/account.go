// Package account holds the records of staff access that the store keeps:
// accounts and their roles, password resets, API tokens and the audit log.
// It is data only, so that the store can keep it without importing the
// HTTP side of auth (which re-exports these names).
package account

import (
	"strings"
	"time"

	"github.com/prenota/prenota/booking"
)

// Role is what an account may do.
type Role string

// The roles of accounts. Citizens have none: they log in with SPID/CIE.
const (
	RoleAdmin     Role = "admin"     // configures the Comune
	RoleOperatore Role = "operatore" // works a resource's agenda
	RoleTerzo     Role = "terzo"     // Soggetto Terzo Autorizzato: books on behalf of citizens
)

// ParseRole returns the role named s.
func ParseRole(s string) (Role, bool) {
	switch r := Role(strings.ToLower(strings.TrimSpace(s))); r {
	case RoleAdmin, RoleOperatore, RoleTerzo:
		return r, true
	}
	return "", false
}

// User is an account with a password: staff and authorised third parties
// only (there is no self-registration).
type User struct {
	ID            string
	Login         string // lower case
	Name          string // "Nome Cognome" as shown
	Email         string
	CodiceFiscale string // optional
	Role          Role
	PasswordHash  string // argon2id, PHC string format
	Disabled      bool
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Subject is the subject of the account's logins: its codice fiscale when
// it has one (so the bookings it makes for itself are its own as a citizen
// too), else "utente:<login>".
func (u User) Subject() string {
	if u.CodiceFiscale != "" {
		return u.CodiceFiscale
	}
	return "utente:" + u.Login
}

// PasswordReset is a pending "Recupera password": only the SHA-256 of the
// token sent by email is stored.
type PasswordReset struct {
	TokenHash string
	UserID    string
	CreatedAt time.Time
	ExpiresAt time.Time
}

// ErrLastAdmin is the conflict of a change that would leave the Comune
// without an enabled admin.
var ErrLastAdmin = &booking.Error{Code: booking.EConflict,
	Message: "È l'ultimo amministratore attivo: prima di disattivarlo o di cambiarne il ruolo nomini un altro amministratore."}
