package backoffice

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/web"
)

// This file manages the staff accounts: edit the name, email, codice
// fiscale (for SPID and CIE) and role, disable and enable, and send a
// "Recupera password" email. An admin may not disable or demote themselves,
// and the last enabled admin stays one (auth.ErrLastAdmin).

// staffPage edits one staff account.
type staffPage struct {
	web.Layout
	Admin  bool
	U      auth.User // as stored
	Self   bool      // the account of who is editing
	Form   map[string]string
	Errors []booking.FieldError
}

// Err is the message of the field's error, "" when it has none.
func (p staffPage) Err(field string) string {
	for _, e := range p.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// staffAccount returns the admin or operatore account of the path's login.
// formField is an input of a form with its value and error.
type formField struct {
	Name, ID, Label, Type, Value, Err string
}

// Field returns the input name of the form, labelled label.
func (p staffPage) Field(name, id, label, typ string) formField {
	return formField{Name: name, ID: id, Label: label, Type: typ, Value: p.Form[name], Err: p.Err(name)}
}

func (s *server) staffAccount(r *http.Request) (auth.User, error) {
	u, err := s.store.UserByLogin(r.Context(), r.PathValue("login"))
	if err == nil && u.Role != auth.RoleAdmin && u.Role != auth.RoleOperatore {
		err = booking.Errorf(booking.ENotFound, "L'account indicato non esiste o non è del personale.")
	}
	if booking.ErrorCode(err) == booking.ENotFound {
		err = booking.Errorf(booking.ENotFound, "L'account indicato non esiste o non è del personale.")
	}
	return u, err
}

func (s *server) staffPageOf(r *http.Request, st *staff, u auth.User) staffPage {
	p := staffPage{Layout: s.layout(r, "Account di "+u.Name, web.Crumb{Label: "Personale e risorse", URL: "/backoffice/operatori"}, web.Crumb{Label: u.Name}),
		Admin: true, U: u, Self: u.Login == st.Login,
		Form: map[string]string{"name": u.Name, "email": u.Email, "codice_fiscale": u.CodiceFiscale, "role": string(u.Role)}}
	return p
}

func (s *server) editStaff(w http.ResponseWriter, r *http.Request, st *staff) error {
	u, err := s.staffAccount(r)
	if err != nil {
		return err
	}
	return s.render(w, r, "operatore", s.staffPageOf(r, st, u))
}

// saveStaff saves the account form; invalid fields show it again with what
// was typed (422, or 409 for a conflict).
func (s *server) saveStaff(w http.ResponseWriter, r *http.Request, st *staff) error {
	u, err := s.staffAccount(r)
	if err != nil {
		return err
	}
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	role, _ := auth.ParseRole(f("role"))
	if role == auth.RoleTerzo {
		role = ""
	}
	if u.Login == st.Login && u.Role == auth.RoleAdmin && role != auth.RoleAdmin {
		err = booking.Invalid(booking.FieldError{Field: "role", Message: "Ruolo: non può togliere a se stesso il ruolo di amministratore; lo chieda a un altro amministratore."})
	} else {
		var before, after auth.User
		before, after, err = s.store.UpdateStaff(r.Context(), u.Login, s.svc.Now(), func(x *auth.User) error {
			return auth.EditUser(x, f("name"), f("email"), f("codice_fiscale"), role)
		})
		if err == nil {
			if d := staffChanges(before, after); d != "" {
				s.audit(r, AuditStaffUpdated, u.Login, d)
			}
			return s.redirect(w, r, "/backoffice/operatori/"+url.PathEscape(u.Login), "success", "L'account «"+u.Login+"» è stato salvato.")
		}
	}
	code := booking.ErrorCode(err)
	if code != booking.EInvalid && code != booking.EConflict {
		return err
	}
	p := s.staffPageOf(r, st, u)
	for _, k := range []string{"name", "email", "codice_fiscale", "role"} {
		p.Form[k] = f(k)
	}
	p.Errors = booking.ErrorFields(err)
	if err == auth.ErrLastAdmin {
		p.Errors = []booking.FieldError{{Field: "role", Message: "Ruolo: «" + u.Login + "» è l'ultimo amministratore attivo; prima di cambiarne il ruolo nomini un altro amministratore."}}
	}
	if len(p.Errors) == 0 {
		p.Errors = []booking.FieldError{{Field: "name", Message: booking.ErrorMessage(err)}}
	}
	p.Flash = web.Flash{Kind: "danger", Text: "Controlli i campi indicati: l'account non è stato salvato."}
	status := http.StatusUnprocessableEntity
	if code == booking.EConflict {
		status = http.StatusConflict
	}
	return s.render(w, r, "operatore", p, status)
}

// staffChanges describes what changed, for the audit log.
func staffChanges(a, b auth.User) string {
	var out []string
	for _, c := range []struct{ label, from, to string }{
		{"nome", a.Name, b.Name}, {"email", a.Email, b.Email}, {"codice fiscale", a.CodiceFiscale, b.CodiceFiscale}, {"ruolo", string(a.Role), string(b.Role)},
	} {
		if c.from != c.to {
			from, to := c.from, c.to
			if from == "" {
				from = "(nessuno)"
			}
			if to == "" {
				to = "(nessuno)"
			}
			out = append(out, c.label+": "+from+" → "+to)
		}
	}
	return strings.Join(out, "; ")
}

// setStaffDisabled disables (or enables again) an account: a disabled
// account can no longer log in, and its open sessions lose the back office
// at their next request (staffOf reads the account every time).
func (s *server) setStaffDisabled(disable bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, st *staff) error {
		u, err := s.staffAccount(r)
		if err != nil {
			return err
		}
		if disable && u.Login == st.Login {
			err = booking.Errorf(booking.EConflict, "Non può disattivare il proprio account: lo chieda a un altro amministratore.")
		} else {
			_, _, err = s.store.UpdateStaff(r.Context(), u.Login, s.svc.Now(), func(x *auth.User) error { x.Disabled = disable; return nil })
		}
		if err == auth.ErrLastAdmin {
			err = booking.Errorf(booking.EConflict, "«%s» è l'ultimo amministratore attivo: prima di disattivarlo nomini un altro amministratore.", u.Login)
		}
		if booking.ErrorCode(err) == booking.EConflict {
			p := s.staffPageOf(r, st, u)
			p.Flash = web.Flash{Kind: "danger", Text: booking.ErrorMessage(err)}
			return s.render(w, r, "operatore", p, http.StatusConflict)
		}
		if err != nil {
			return err
		}
		if disable {
			s.audit(r, AuditStaffDisabled, u.Login, u.Name)
			return s.redirect(w, r, "/backoffice/operatori/"+url.PathEscape(u.Login), "success", "L'account «"+u.Login+"» è stato disattivato: non può più accedere.")
		}
		s.audit(r, AuditStaffEnabled, u.Login, u.Name)
		return s.redirect(w, r, "/backoffice/operatori/"+url.PathEscape(u.Login), "success", "L'account «"+u.Login+"» è stato riattivato.")
	}
}

// sendStaffReset emails the account a single-use link to choose a new
// password ("Recupera password", delivered by the outbox worker).
func (s *server) sendStaffReset(w http.ResponseWriter, r *http.Request, st *staff) error {
	u, err := s.staffAccount(r)
	if err != nil {
		return err
	}
	if _, err := s.cfg.Accounts.SendPasswordReset(r.Context(), u.Login); booking.ErrorCode(err) == booking.EConflict {
		p := s.staffPageOf(r, st, u)
		p.Flash = web.Flash{Kind: "danger", Text: booking.ErrorMessage(err)}
		return s.render(w, r, "operatore", p, http.StatusConflict)
	} else if err != nil {
		return err
	}
	s.audit(r, AuditStaffPasswordMail, u.Login, u.Email)
	return s.redirect(w, r, "/backoffice/operatori/"+url.PathEscape(u.Login), "success",
		"Abbiamo inviato a "+u.Email+" un collegamento per scegliere una nuova password. La password attuale resta valida finché non viene cambiata.")
}
