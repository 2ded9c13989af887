package auth

import (
	"context"
	"github.com/prenota/prenota/account"
	"strings"
	"time"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/codicefiscale"
)

// The account records live in package account (the store keeps them
// without importing auth); these names keep auth's callers unchanged.
type (
	Role          = account.Role
	User          = account.User
	PasswordReset = account.PasswordReset
)

// The roles of accounts. Citizens have none: they log in with SPID/CIE.
const (
	RoleAdmin     = account.RoleAdmin
	RoleOperatore = account.RoleOperatore
	RoleTerzo     = account.RoleTerzo
)

// ParseRole returns the role named s.
func ParseRole(s string) (Role, bool) { return account.ParseRole(s) }

// IdentityOf returns the identity of a logged-in account: its subject is
// User.Subject, its name split from "Nome Cognome".
func IdentityOf(u User) Identity {
	id := Identity{Subject: u.Subject(), Login: u.Login, Role: u.Role, Method: "password", CodiceFiscale: u.CodiceFiscale}
	nome, cognome, _ := strings.Cut(strings.TrimSpace(u.Name), " ")
	id.Nome, id.Cognome = strings.ToUpper(nome), strings.ToUpper(strings.TrimSpace(cognome))
	return id
}

// Store is what the accounts need from the database (sqlstore.Store).
// Not-found errors are booking errors with code ENotFound; a duplicate login
// is EConflict.
type Store interface {
	Auditor
	CreateUser(ctx context.Context, u User) error
	UserByLogin(ctx context.Context, login string) (User, error)
	UsersByEmail(ctx context.Context, email string) ([]User, error)

	// LoginFailures returns the consecutive failures recorded under key and
	// when the last one happened.
	LoginFailures(ctx context.Context, key string) (n int, last time.Time, err error)
	// AddLoginFailure records a failure under key at now, starting again
	// from 1 when the last one is older than resetAfter, and returns the
	// count.
	AddLoginFailure(ctx context.Context, key string, now time.Time, resetAfter time.Duration) (int, error)
	ClearLoginFailures(ctx context.Context, key string) error

	// CreatePasswordReset stores pr and enqueues message on the outbox in
	// the same transaction.
	CreatePasswordReset(ctx context.Context, pr PasswordReset, message []byte) error
	// UsePasswordReset consumes the unused, unexpired reset with tokenHash,
	// sets the user's password hash to newHash and voids the user's other
	// resets, in one transaction. It returns the user; ENotFound (or EGone
	// when used or expired) otherwise.
	UsePasswordReset(ctx context.Context, tokenHash string, now time.Time, newHash string) (User, error)
}

// NewUser checks the fields of an account to create and returns it with
// the password hashed. Errors are booking.Invalid with the fields at fault.
func NewUser(login, name, email, cf string, role Role, password string) (User, error) {
	if fs := booking.CheckTexts("login", login, "name", name, "email", email, "codice_fiscale", cf, "password", password); len(fs) > 0 {
		return User{}, booking.Invalid(fs...)
	}
	u := User{ID: booking.NewID(), Login: strings.ToLower(strings.TrimSpace(login)), Name: strings.Join(strings.Fields(name), " "),
		Email: strings.TrimSpace(email), Role: role}
	var fs []booking.FieldError
	if len(u.Login) < 3 || len(u.Login) > 64 || strings.ContainsAny(u.Login, " \t\r\n:/") {
		fs = append(fs, booking.FieldError{Field: "login", Message: "L'identificativo utente deve avere da 3 a 64 caratteri, senza spazi, «:» e «/»."})
	}
	if u.Name == "" {
		fs = append(fs, booking.FieldError{Field: "name", Message: "Il nome è obbligatorio."})
	}
	if !strings.Contains(u.Email, "@") {
		fs = append(fs, booking.FieldError{Field: "email", Message: "L'indirizzo email non è valido: lo scriva nella forma nome@dominio.it."})
	}
	if cf = codicefiscale.Normalize(cf); cf != "" {
		if _, err := codicefiscale.Parse(cf); err != nil {
			fs = append(fs, booking.FieldError{Field: "codice_fiscale", Message: err.Error()})
		}
		u.CodiceFiscale = cf
	}
	if _, ok := ParseRole(string(role)); !ok {
		fs = append(fs, booking.FieldError{Field: "role", Message: "Il ruolo deve essere admin, operatore o terzo."})
	}
	if msg := PasswordProblem(password); msg != "" {
		fs = append(fs, booking.FieldError{Field: "password", Message: msg})
	}
	if len(fs) > 0 {
		return User{}, booking.Invalid(fs...)
	}
	h, err := HashPassword(password, DefaultArgon2)
	if err != nil {
		return User{}, booking.Internal(err)
	}
	u.PasswordHash = h
	return u, nil
}

// PasswordProblem says, in Italian, what is wrong with a new password, or
// "" when it is acceptable: at least 12 characters, at most 256.
func PasswordProblem(pw string) string {
	n := len([]rune(pw))
	switch {
	case n < 12:
		return "La password deve avere almeno 12 caratteri."
	case n > 256:
		return "La password può avere al massimo 256 caratteri."
	case strings.TrimSpace(pw) == "":
		return "La password non può essere fatta di soli spazi."
	}
	return ""
}

// EditUser checks and applies a change of an account's name, email, codice
// fiscale (optional; it maps a SPID or CIE login to the account) and role.
// Errors are booking.Invalid with the fields at fault, each message naming
// its field; u is unchanged then.
func EditUser(u *User, name, email, cf string, role Role) error {
	name = strings.Join(strings.Fields(name), " ")
	email = strings.TrimSpace(email)
	var fs []booking.FieldError
	if name == "" {
		fs = append(fs, booking.FieldError{Field: "name", Message: "Nome e cognome: il campo è obbligatorio."})
	} else if len([]rune(name)) > 200 {
		fs = append(fs, booking.FieldError{Field: "name", Message: "Nome e cognome: al massimo 200 caratteri."})
	}
	if at := strings.LastIndex(email, "@"); at < 1 || at == len(email)-1 || strings.ContainsAny(email, " \t\r\n<>,;") || len(email) > 254 {
		fs = append(fs, booking.FieldError{Field: "email", Message: "Email: l'indirizzo non è valido, lo scriva nella forma nome@dominio.it."})
	}
	if cf = codicefiscale.Normalize(cf); cf != "" {
		if _, err := codicefiscale.Parse(cf); err != nil {
			fs = append(fs, booking.FieldError{Field: "codice_fiscale", Message: err.Error() + "."})
		}
	}
	if _, ok := ParseRole(string(role)); !ok {
		fs = append(fs, booking.FieldError{Field: "role", Message: "Ruolo: scelga amministratore o operatore."})
	}
	if len(fs) > 0 {
		return booking.Invalid(fs...)
	}
	u.Name, u.Email, u.CodiceFiscale, u.Role = name, email, cf, role
	return nil
}

// ErrLastAdmin is the conflict of a change that would leave the Comune
// without an enabled admin.
var ErrLastAdmin = account.ErrLastAdmin
