package auth

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/httperr"
)

// Register mounts the endpoints of Accounts on mux:
//
//	GET  /auth/providers              the login methods (JSON)
//	GET  /auth/sessione               the session's identity (JSON; 401 without)
//	GET  /auth/password               credentials form
//	POST /auth/password               login with login, password, next
//	GET  /auth/logout                 confirmation form
//	POST /auth/logout                 ends the session (server-side), then next
//	GET  /auth/recupera-password      asks for the login or email
//	POST /auth/recupera-password      emails a single-use link
//	GET  /auth/recupera-password/nuova?token=…  new password form
//	POST /auth/recupera-password/nuova          sets it
//	GET  /auth/conto-terzi            form for the fruitore's codice fiscale
//	POST /auth/conto-terzi            starts conto terzi (codice_fiscale, next)
//	POST /auth/conto-terzi/fine       stops it ("Disconnetti")
//	GET, POST /auth/demo              the demo identity provider (demo mode only)
//
// Forms answer with a redirect (303) to next, a same-origin path; clients
// that send Accept: application/json get JSON or problem+json instead.
func (a *Accounts) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /auth/providers", a.providers)
	mux.HandleFunc("GET /auth/sessione", a.session)
	mux.HandleFunc("GET /auth/password", func(w http.ResponseWriter, r *http.Request) {
		a.render(w, r, http.StatusOK, "password", pageData{Title: "Accesso con credenziali", Next: SafeNext(r.FormValue("next"))})
	})
	mux.HandleFunc("POST /auth/password", a.passwordLogin)
	mux.HandleFunc("GET /auth/logout", func(w http.ResponseWriter, r *http.Request) {
		a.render(w, r, http.StatusOK, "logout", pageData{Title: "Esci dal servizio", Next: SafeNext(r.FormValue("next"))})
	})
	mux.HandleFunc("POST /auth/logout", a.logout)
	mux.HandleFunc("GET /auth/recupera-password", func(w http.ResponseWriter, r *http.Request) {
		a.render(w, r, http.StatusOK, "recover", pageData{Title: "Recupera password"})
	})
	mux.HandleFunc("POST /auth/recupera-password", a.recover)
	mux.HandleFunc("GET /auth/recupera-password/nuova", func(w http.ResponseWriter, r *http.Request) {
		a.render(w, r, http.StatusOK, "newpassword", pageData{Title: "Scelga una nuova password", Token: r.FormValue("token")})
	})
	mux.HandleFunc("POST /auth/recupera-password/nuova", a.newPassword)
	mux.HandleFunc("GET /auth/conto-terzi", func(w http.ResponseWriter, r *http.Request) {
		a.render(w, r, http.StatusOK, "contoterzi", pageData{Title: "Prenotazioni Online conto terzi", Next: SafeNext(r.FormValue("next"))})
	})
	mux.HandleFunc("POST /auth/conto-terzi", a.startImpersonation)
	mux.HandleFunc("POST /auth/conto-terzi/fine", a.stopImpersonation)
	if a.cfg.Demo {
		mux.HandleFunc("GET /auth/demo", func(w http.ResponseWriter, r *http.Request) {
			a.render(w, r, http.StatusOK, "demo", pageData{Title: "Identità di prova (DEMO)", Next: SafeNext(r.FormValue("next")), Demo: DemoIdentities, DemoStaff: DemoStaff})
		})
		mux.HandleFunc("POST /auth/demo", a.demoLogin)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// done answers a successful form: JSON for programs, else 303 to next.
func done(w http.ResponseWriter, r *http.Request, next string, v any) {
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, v)
		return
	}
	http.Redirect(w, r, SafeNext(next), http.StatusSeeOther)
}

// formOrJSON reads the request's fields from a form or a JSON object.
func formOrJSON(r *http.Request) (map[string]string, error) {
	m := map[string]string{}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		if err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<16)).Decode(&m); err != nil {
			return nil, booking.Errorf(booking.EInvalid, "Il corpo della richiesta non è un oggetto JSON di stringhe.")
		}
		return m, storable(m)
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 1<<16)
	if err := r.ParseForm(); err != nil {
		return nil, booking.Errorf(booking.EInvalid, "Il modulo inviato non è leggibile.")
	}
	for k := range r.PostForm {
		m[k] = r.PostForm.Get(k)
	}
	return m, storable(m)
}

// storable refuses, naming them, the fields of a form that cannot be stored
// (NUL, invalid UTF-8): they would reach the database as logins, emails or
// codici fiscali.
func storable(m map[string]string) error {
	var pairs []string
	for _, k := range slices.Sorted(maps.Keys(m)) {
		pairs = append(pairs, k, m[k])
	}
	if fs := booking.CheckTexts(pairs...); len(fs) > 0 {
		return booking.Invalid(fs...)
	}
	return nil
}

func (a *Accounts) providers(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, a.Providers(r.FormValue("next")))
}

func (a *Accounts) session(w http.ResponseWriter, r *http.Request) {
	id, ok := Current(r.Context())
	if !ok {
		httperr.Write(w, httperr.ProblemOf(booking.Errorf(booking.EUnauthorized, "Nessuna sessione: acceda con SPID, CIE o le credenziali.")))
		return
	}
	writeJSON(w, http.StatusOK, id)
}

func (a *Accounts) passwordLogin(w http.ResponseWriter, r *http.Request) {
	f, err := formOrJSON(r)
	if err != nil && f != nil && !wantsJSON(r) {
		// A login that cannot be stored: the form again, with the message.
		a.render(w, r, httperr.Status(err), "password", pageData{Title: "Accesso con credenziali", Error: booking.ErrorMessage(err), Next: SafeNext(f["next"])})
		return
	}
	if err != nil {
		a.ErrorPage(w, r, "Accesso con credenziali", err)
		return
	}
	next := SafeNext(f["next"])
	if err := a.Limits().Login(r); err != nil {
		a.ErrorPage(w, r, "Accesso con credenziali", err)
		return
	}
	id, err := a.Authenticate(r.Context(), f["login"], f["password"], ClientIP(r))
	if err == nil {
		err = a.Login(r, id)
	}
	if err != nil {
		if wantsJSON(r) {
			a.ErrorPage(w, r, "Accesso con credenziali", err)
			return
		}
		status := httperr.Status(err)
		WriteRetryAfter(w, err)
		msg := booking.ErrorMessage(err)
		if _, ok := RetryAfter(err); ok {
			msg = err.Error()
		}
		if status == http.StatusInternalServerError {
			a.log.Error("password login", "err", err)
		}
		a.render(w, r, status, "password", pageData{Title: "Accesso con credenziali", Error: msg, Next: next, Login: f["login"]})
		return
	}
	done(w, r, next, id)
}

func (a *Accounts) logout(w http.ResponseWriter, r *http.Request) {
	if err := a.Logout(r); err != nil {
		a.ErrorPage(w, r, "Esci", booking.Internal(err))
		return
	}
	if wantsJSON(r) {
		w.WriteHeader(http.StatusNoContent)
		return
	}
	http.Redirect(w, r, SafeNext(r.FormValue("next")), http.StatusSeeOther)
}

const recoverNotice = "Se l'identificativo o l'email corrisponde a un account, riceverà a breve un'email con un collegamento valido per 30 minuti e utilizzabile una sola volta. Controlli anche la posta indesiderata."

func (a *Accounts) recover(w http.ResponseWriter, r *http.Request) {
	f, err := formOrJSON(r)
	if err == nil {
		err = a.Limits().Login(r)
	}
	if err == nil {
		err = a.RequestPasswordReset(r.Context(), f["login"], ClientIP(r))
	}
	if err != nil {
		a.ErrorPage(w, r, "Recupera password", err)
		return
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusAccepted, map[string]string{"message": recoverNotice})
		return
	}
	a.render(w, r, http.StatusOK, "recover", pageData{Title: "Recupera password", Notice: recoverNotice})
}

func (a *Accounts) newPassword(w http.ResponseWriter, r *http.Request) {
	f, err := formOrJSON(r)
	if err == nil {
		err = a.Limits().Login(r)
	}
	if err != nil {
		a.ErrorPage(w, r, "Scelga una nuova password", err)
		return
	}
	_, err = a.ResetPassword(r.Context(), f["token"], f["password"], ClientIP(r))
	if err != nil {
		if wantsJSON(r) {
			a.ErrorPage(w, r, "Scelga una nuova password", err)
			return
		}
		d := pageData{Title: "Scelga una nuova password", Error: booking.ErrorMessage(err)}
		if booking.ErrorCode(err) == booking.EInvalid {
			d.Token = f["token"] // a weak password: let them try again
		}
		a.render(w, r, httperr.Status(err), "newpassword", d)
		return
	}
	if wantsJSON(r) {
		writeJSON(w, http.StatusOK, map[string]string{"message": "Password aggiornata."})
		return
	}
	a.render(w, r, http.StatusOK, "newpassword", pageData{Title: "Password aggiornata", Notice: "La nuova password è salvata: ora può accedere con le sue credenziali."})
}

func (a *Accounts) demoLogin(w http.ResponseWriter, r *http.Request) {
	f, err := formOrJSON(r)
	if err == nil {
		err = a.Limits().Login(r)
	}
	if err != nil {
		a.ErrorPage(w, r, "Identità di prova", err)
		return
	}
	if login := f["staff"]; login != "" {
		id, err := a.demoStaffLogin(r, login)
		if err != nil {
			a.ErrorPage(w, r, "Identità di prova", err)
			return
		}
		done(w, r, f["next"], id)
		return
	}
	cf := strings.ToUpper(strings.Join(strings.Fields(f["codice_fiscale"]), ""))
	if len(cf) != 16 {
		a.ErrorPage(w, r, "Identità di prova", booking.Invalid(booking.FieldError{Field: "codice_fiscale", Message: "Scelga un'identità di prova o scriva un codice fiscale di 16 caratteri."}))
		return
	}
	id := DemoLogin(cf, f["nome"], f["cognome"])
	if err := a.Login(r, id); err != nil {
		a.ErrorPage(w, r, "Identità di prova", err)
		return
	}
	done(w, r, f["next"], id)
}

func (a *Accounts) startImpersonation(w http.ResponseWriter, r *http.Request) {
	f, err := formOrJSON(r)
	var id Identity
	if err == nil {
		id, err = a.StartImpersonation(r, f["codice_fiscale"])
	}
	if err != nil {
		a.ErrorPage(w, r, "Prenotazioni Online conto terzi", err)
		return
	}
	done(w, r, f["next"], id)
}

func (a *Accounts) stopImpersonation(w http.ResponseWriter, r *http.Request) {
	f, err := formOrJSON(r)
	var id Identity
	if err == nil {
		id, err = a.StopImpersonation(r)
	}
	if err != nil {
		a.ErrorPage(w, r, "Prenotazioni Online conto terzi", err)
		return
	}
	done(w, r, f["next"], id)
}
