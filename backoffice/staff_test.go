package backoffice_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/internal/testdb"
	"github.com/prenota/prenota/mailbox"
	"github.com/prenota/prenota/sqlstore"
)

// staffAudit returns the details of the entries of action on target.
func staffAudit(t *testing.T, s *sqlstore.Store, action, target string) []string {
	t.Helper()
	var out []string
	for _, e := range auditLog(t, s, auth.AuditFilter{Action: action, Target: target}) {
		out = append(out, e.Actor+": "+e.Detail)
	}
	return out
}

// TestStaffAccounts edits, demotes, disables and re-enables staff accounts
// and sends a password reset email, over HTTP on both engines; an open
// session follows every change at its next request.
func TestStaffAccounts(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			a, base := startApp(t, dialect)
			admin := newClient(t, base)
			admin.login("admin")
			op := newClient(t, base)
			op.login("op1")

			want(t, "operatori", admin.get("/backoffice/operatori"), http.StatusOK, `href="/backoffice/operatori/op1"`, "op1@comune.demo.it")
			want(t, "edit page", admin.get("/backoffice/operatori/op1"), http.StatusOK, `id="s-name"`, `value="Prova op1"`, "Disattiva l'account")
			want(t, "unknown account", admin.get("/backoffice/operatori/nessuno"), http.StatusNotFound)
			want(t, "operatore edits", op.post("/backoffice/operatori/op1", url.Values{"name": {"X"}, "email": {"x@y.it"}, "role": {"admin"}}), http.StatusForbidden)

			// A new account with invalid fields: the errors by their fields, the values kept.
			p := admin.post("/backoffice/operatori", url.Values{"login": {"x"}, "name": {"Nuova Persona"}, "email": {"nuova"}, "codice_fiscale": {"RSSMRA70A01H501S"},
				"role": {"admin"}, "password": {"corta"}})
			want(t, "invalid new account", p, http.StatusUnprocessableEntity, `id="u-login-err"`, "L&#39;identificativo utente deve avere da 3 a 64 caratteri",
				`id="u-email-err"`, `id="u-pw-err"`, "La password deve avere almeno 12 caratteri", `value="Nuova Persona"`, `value="RSSMRA70A01H501S"`, `<option value="admin" selected>`)

			// Invalid fields: each error names its field, and what was typed stays.
			p = admin.post("/backoffice/operatori/op1", url.Values{"name": {"  "}, "email": {"non-una-email"}, "codice_fiscale": {"RSSMRA70A01H501X"}, "role": {"operatore"}})
			want(t, "invalid edit", p, http.StatusUnprocessableEntity, "Nome e cognome: il campo è obbligatorio.", "Email: l&#39;indirizzo non è valido",
				"carattere di controllo del codice fiscale", `value="non-una-email"`, `value="RSSMRA70A01H501X"`, `aria-invalid="true"`)
			// A codice fiscale of another account is refused.
			cf := auth.DemoIdentities[1].Person.CodiceFiscale
			want(t, "cf of admin", admin.post("/backoffice/operatori/admin", url.Values{"name": {"Prova admin"}, "email": {"admin@comune.demo.it"},
				"codice_fiscale": {cf}, "role": {"admin"}}), http.StatusSeeOther)
			p = admin.post("/backoffice/operatori/op1", url.Values{"name": {"Anna Verdi"}, "email": {"anna.verdi@comune.demo.it"}, "codice_fiscale": {strings.ToLower(cf)}, "role": {"operatore"}})
			want(t, "taken cf", p, http.StatusConflict, "Codice fiscale: appartiene già all&#39;account «admin»", `value="Anna Verdi"`)

			cf = auth.DemoIdentities[2].Person.CodiceFiscale
			want(t, "edit", admin.post("/backoffice/operatori/op1", url.Values{"name": {" Anna  Verdi "}, "email": {"anna.verdi@comune.demo.it"},
				"codice_fiscale": {strings.ToLower(cf)}, "role": {"operatore"}}), http.StatusSeeOther)
			u, err := a.Store.UserByLogin(context.Background(), "op1")
			if err != nil || u.Name != "Anna Verdi" || u.Email != "anna.verdi@comune.demo.it" || u.CodiceFiscale != cf || u.Role != auth.RoleOperatore {
				t.Fatalf("edited account: %+v %v", u, err)
			}
			if d := staffAudit(t, a.Store, "staff_updated", "op1"); len(d) != 1 || !strings.Contains(d[0], "nome: Prova op1 → Anna Verdi") ||
				!strings.Contains(d[0], "codice fiscale: (nessuno) → "+cf) || !strings.HasPrefix(d[0], "utente:admin: ") {
				t.Errorf("audit of the edit: %q", d)
			}

			// Promoted, the operatore's open session is an admin's at once;
			// demoted again, it loses the admin pages at once.
			want(t, "operatore on audit", op.get("/backoffice/audit"), http.StatusForbidden)
			want(t, "promote", admin.post("/backoffice/operatori/op1", url.Values{"name": {"Anna Verdi"}, "email": {"anna.verdi@comune.demo.it"}, "codice_fiscale": {cf}, "role": {"admin"}}), http.StatusSeeOther)
			want(t, "promoted on audit", op.get("/backoffice/audit"), http.StatusOK)
			want(t, "demote", admin.post("/backoffice/operatori/op1", url.Values{"name": {"Anna Verdi"}, "email": {"anna.verdi@comune.demo.it"}, "codice_fiscale": {cf}, "role": {"operatore"}}), http.StatusSeeOther)
			want(t, "demoted on audit", op.get("/backoffice/audit"), http.StatusForbidden)
			want(t, "demoted at home", op.get("/backoffice/"), http.StatusOK)

			// Guard rails: an admin neither demotes nor disables themselves.
			p = admin.post("/backoffice/operatori/admin", url.Values{"name": {"Prova admin"}, "email": {"admin@comune.demo.it"}, "role": {"operatore"}})
			want(t, "self demotion", p, http.StatusUnprocessableEntity, "Ruolo: non può togliere a se stesso il ruolo di amministratore", `value="Prova admin"`)
			want(t, "self disable", admin.post("/backoffice/operatori/admin/disattiva", nil), http.StatusConflict, "Non può disattivare il proprio account")
			want(t, "own page", admin.get("/backoffice/operatori/admin"), http.StatusOK, "È il suo account")
			if u, _ := a.Store.UserByLogin(context.Background(), "admin"); u.Role != auth.RoleAdmin || u.Disabled {
				t.Fatalf("admin changed: %+v", u)
			}

			// Disabled, the operatore's open session ends at its next request
			// (back to the login page), and the password stops working;
			// enabled again, the password works.
			want(t, "disable", admin.post("/backoffice/operatori/op1/disattiva", nil), http.StatusSeeOther)
			want(t, "disabled account", admin.get("/backoffice/operatori/op1"), http.StatusOK, "Disattivato", "Riattiva l'account")
			if p := op.get("/backoffice/"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/auth/password") {
				t.Fatalf("disabled session: %d to %q, want the login page", p.status, p.header.Get("Location"))
			}
			want(t, "disabled login", newClient(t, base).post("/auth/password", url.Values{"login": {"op1"}, "password": {password}, "next": {"/backoffice/"}}), http.StatusUnauthorized)
			want(t, "no reset while disabled", admin.post("/backoffice/operatori/op1/password", nil), http.StatusConflict, "L&#39;account è disattivato")
			want(t, "enable", admin.post("/backoffice/operatori/op1/riattiva", nil), http.StatusSeeOther)
			op.login("op1")
			want(t, "enabled account", op.get("/backoffice/"), http.StatusOK)

			// The password reset email, through the outbox to the mailbox.
			want(t, "send reset", admin.post("/backoffice/operatori/op1/password", nil), http.StatusSeeOther)
			m := mailFor(t, a.Store, "Recupera password")
			link := regexp.MustCompile(`http://127\.0\.0\.1/auth/recupera-password/nuova\?token=[A-Za-z0-9_%-]+`).FindString(m.Text)
			if !strings.Contains(m.To, "anna.verdi@comune.demo.it") || link == "" || !strings.Contains(m.Text, "op1") || !strings.Contains(m.HTML, "Scelga una nuova password") {
				t.Fatalf("reset email to %q:\n%s", m.To, m.Text)
			}
			lu, _ := url.Parse(link)
			const newPassword = "la nuova password di anna"
			want(t, "new password", newClient(t, base).post("/auth/recupera-password/nuova", url.Values{"token": {lu.Query().Get("token")}, "password": {newPassword}}), http.StatusOK)
			if p := newClient(t, base).post("/auth/password", url.Values{"login": {"op1"}, "password": {newPassword}, "next": {"/backoffice/"}}); p.status != http.StatusSeeOther {
				t.Fatalf("login with the new password: %d", p.status)
			}

			// A login that looks like an email address gets the email too.
			want(t, "login with @", admin.post("/backoffice/operatori", url.Values{"login": {"tributi@ufficio"}, "name": {"Ufficio Tributi"},
				"email": {"tributi@comune.demo.it"}, "role": {"operatore"}, "password": {password}}), http.StatusSeeOther)
			want(t, "send reset to tributi@ufficio", admin.post("/backoffice/operatori/tributi@ufficio/password", nil), http.StatusSeeOther, "")
			if !mailTo(t, a.Store, "tributi@comune.demo.it", "Recupera password") {
				t.Error("no reset email for tributi@ufficio")
			}

			// Every change is audited, by the admin.
			acts := auditActions(t, a.Store, "utente:admin")
			for _, act := range []string{"staff_updated", "staff_disabled", "staff_enabled", "staff_password_reset_sent"} {
				if acts[act] == 0 {
					t.Errorf("audit: no %s by admin (%v)", act, acts)
				}
			}
		})
	}
}

// TestLastAdmin: the last enabled admin can be neither disabled nor
// demoted, even by two admins disabling each other at the same moment.
func TestLastAdmin(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			a, base := startApp(t, dialect)
			ctx := context.Background()
			// demo mode's test admin (auth.DemoStaff) would be one more admin
			if _, _, err := a.Store.UpdateStaff(ctx, "admin.prova", a.Service.Now(), func(u *auth.User) error { u.Disabled = true; return nil }); err != nil {
				t.Fatal(err)
			}
			admin := newClient(t, base)
			admin.login("admin")
			want(t, "second admin", admin.post("/backoffice/operatori", url.Values{"login": {"admin2"}, "name": {"Seconda Amministratrice"}, "email": {"admin2@comune.demo.it"},
				"role": {"admin"}, "password": {password}}), http.StatusSeeOther)
			admin2 := newClient(t, base)
			admin2.login("admin2")

			// admin2 disables admin: the last admin, admin2, now stays one.
			want(t, "disable admin", admin2.post("/backoffice/operatori/admin/disattiva", nil), http.StatusSeeOther)
			if p := admin.get("/backoffice/operatori"); p.status != http.StatusSeeOther || !strings.HasPrefix(p.header.Get("Location"), "/auth/password") {
				t.Fatalf("disabled admin's session: %d to %q, want the login page", p.status, p.header.Get("Location"))
			}
			for _, change := range []func(*auth.User) error{
				func(u *auth.User) error { u.Disabled = true; return nil },
				func(u *auth.User) error { u.Role = auth.RoleOperatore; return nil },
			} {
				if _, _, err := a.Store.UpdateStaff(ctx, "admin2", a.Service.Now(), change); err != auth.ErrLastAdmin {
					t.Fatalf("last admin changed: %v", err)
				}
			}
			want(t, "enable admin", admin2.post("/backoffice/operatori/admin/riattiva", nil), http.StatusSeeOther)

			// Two admins disabling each other at once: one wins.
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, login := range []string{"admin", "admin2"} {
				wg.Go(func() {
					_, _, errs[i] = a.Store.UpdateStaff(ctx, login, a.Service.Now(), func(u *auth.User) error { u.Disabled = true; return nil })
				})
			}
			wg.Wait()
			if (errs[0] == nil) == (errs[1] == nil) || (errs[0] != nil && errs[0] != auth.ErrLastAdmin) || (errs[1] != nil && errs[1] != auth.ErrLastAdmin) {
				t.Fatalf("concurrent disabling: %v, %v", errs[0], errs[1])
			}
			staff, _ := a.Store.Staff(ctx)
			enabled := 0
			for _, u := range staff {
				if u.Role == auth.RoleAdmin && !u.Disabled {
					enabled++
				}
			}
			if enabled != 1 {
				t.Fatalf("%d enabled admins", enabled)
			}
		})
	}
}

// mailTo waits for a message to to whose subject starts with prefix.
func mailTo(t *testing.T, s *sqlstore.Store, to, prefix string) bool {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		msgs, _, err := s.MailboxMessages(context.Background(), 100, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if p, err := mailbox.ParseEmail(m.Raw); err == nil && strings.Contains(p.To, to) && strings.HasPrefix(p.Subject, prefix) {
				return true
			}
		}
	}
	return false
}
