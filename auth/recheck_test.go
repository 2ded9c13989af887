package auth_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/internal/testdb"
)

// A session of an account logged in with credentials follows the account:
// a new role applies at the next request, and a disabled account's session
// ends there (both engines).
func TestRecheck(t *testing.T) {
	testdb.EachDialect(t, func(t *testing.T, d string) {
		e := newEnv(t, d, nil)
		for _, u := range []struct {
			login string
			role  auth.Role
		}{{"capo", auth.RoleAdmin}, {"mrossi", auth.RoleOperatore}} {
			u, err := auth.NewUser(u.login, "Maria Rossi", u.login+"@comune.example.it", "", u.role, "una password lunga e segreta")
			if err != nil {
				t.Fatal(err)
			}
			if err := e.acc.AddUser(t.Context(), u, "cli"); err != nil {
				t.Fatal(err)
			}
		}
		res, body := e.post(t, e.client, "/auth/password", url.Values{"login": {"mrossi"}, "password": {"una password lunga e segreta"}})
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("login: %s %s", res.Status, body)
		}
		if id, ok := e.whoami(t, e.client); !ok || id.Role != auth.RoleOperatore {
			t.Fatalf("after login: %+v %v", id, ok)
		}
		change := func(f func(u *auth.User)) {
			t.Helper()
			if _, _, err := e.store.UpdateStaff(t.Context(), "mrossi", time.Now(), func(u *auth.User) error { f(u); return nil }); err != nil {
				t.Fatal(err)
			}
		}
		change(func(u *auth.User) { u.Role = auth.RoleAdmin })
		if id, ok := e.whoami(t, e.client); !ok || id.Role != auth.RoleAdmin || id.Subject != "utente:mrossi" {
			t.Errorf("after the role change: %+v %v", id, ok)
		}
		change(func(u *auth.User) { u.Disabled = true })
		if id, ok := e.whoami(t, e.client); ok {
			t.Errorf("the disabled account's session still works: %+v", id)
		}
		change(func(u *auth.User) { u.Disabled = false })
		if id, ok := e.whoami(t, e.client); ok {
			t.Errorf("re-enabling the account revived its ended session: %+v", id)
		}
	})
}
