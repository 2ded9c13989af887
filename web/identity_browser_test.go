package web_test

import (
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/prenota/prenota/internal/browsertest"
)

// TestBrowserIdentityPages opens the forms of the identity routes (the staff
// login, password recovery, conto terzi, the demo identities, logout) on a
// phone: each is in the portal's layout, titled, passes axe-core's WCAG 2.1
// AA rules and does not scroll sideways; a wrong password is answered on
// the same page, keeping the login typed.
func TestBrowserIdentityPages(t *testing.T) {
	t.Parallel()
	base := serve(t, 0)
	ctx := browsertest.New(t, browsertest.Phone())
	for _, p := range []struct{ path, title, name string }{
		{"/auth/password?next=/backoffice/", "Accesso con credenziali", "accesso-credenziali"},
		{"/auth/recupera-password", "Recupera password", "recupera-password"},
		{"/auth/recupera-password/nuova?token=prova", "Scelga una nuova password", "nuova-password"},
		{"/auth/demo?next=/prenota", "Identità di prova (DEMO)", "identita-di-prova"},
		{"/auth/conto-terzi", "Prenotazioni Online conto terzi", "conto-terzi"},
		{"/auth/logout", "Esci dal servizio", "esci"},
	} {
		browsertest.Navigate(ctx, t, base+p.path)
		if n := browsertest.Count(ctx, t, ".it-header-wrapper, .it-footer"); n != 2 {
			t.Errorf("%s: not in the portal's layout (%d header/footer)", p.path, n)
		}
		wantText(ctx, t, `h1[data-element="page-name"]`, p.title)
		check(ctx, t, p.name)
	}

	browsertest.Navigate(ctx, t, base+"/auth/password?next=/backoffice/")
	run(ctx, t, "credentials", chromedp.SetValue("#login", "admin"), chromedp.SetValue("#password", "non-è-questa-la-password"))
	browsertest.ClickAndLoad(ctx, t, "main form button[type=submit]")
	wantText(ctx, t, ".alert-danger", "Identificativo utente o password non corretti")
	if login := get(ctx, t, "login", chromedp.Evaluate[string](`document.querySelector('#login').value`)); login != "admin" {
		t.Errorf("the login typed is lost: %q", login)
	}
	if status := get(ctx, t, "status", chromedp.Evaluate[int](`fetch(location.href, {method: 'POST', body: new URLSearchParams({login: 'admin', password: 'sbagliata-ancora'})}).then(r => r.status)`, chromedp.EvalAwaitPromise)); status != http.StatusUnauthorized {
		t.Errorf("wrong password: status %d", status)
	}
	check(ctx, t, "accesso-credenziali-errore")
}
