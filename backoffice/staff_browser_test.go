package backoffice_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/internal/browsertest"
)

// TestBrowserStaff drives, in chromium as an admin, the staff account of
// an operatore (an invalid edit, then a valid one, disabling and enabling
// it), the integration tokens with their last use and the audit log with
// its filter, and checks each page and state against axe-core's WCAG 2.1
// AA rules (SQLite only).
func TestBrowserStaff(t *testing.T) {
	a, base := startApp(t, "sqlite")
	ctx := browsertest.New(t, browsertest.Desktop())
	text := func(sel string) string {
		t.Helper()
		return get(t, ctx, chromedp.Evaluate[string](`(document.querySelector(`+"`"+sel+"`"+`) || {}).innerText || ''`))
	}
	browsertest.Navigate(ctx, t, base+"/auth/password?next=/backoffice/operatori")
	run(t, ctx, chromedp.SetValue("#login", "admin"), chromedp.SetValue("#password", password))
	browsertest.ClickAndLoad(ctx, t, "main form button[type=submit]")
	browsertest.WaitVisible(ctx, t, `a[href="/backoffice/operatori/op1"]`)
	browsertest.Axe(ctx, t, "operatori")

	// A new account with invalid fields.
	run(t, ctx, chromedp.SetValue("#u-login", "x"), chromedp.SetValue("#u-name", "Nuova Persona"), chromedp.SetValue("#u-email", "nuova"),
		chromedp.SetValue("#u-pw", "corta"))
	browsertest.ClickAndLoad(ctx, t, "#nuovo-account button[type=submit]")
	browsertest.WaitVisible(ctx, t, "#u-login.is-invalid")
	if v := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('#u-name').value + '|' + document.querySelector('#u-email').value`)); v != "Nuova Persona|nuova" {
		t.Errorf("typed values not kept: %q", v)
	}
	browsertest.Axe(ctx, t, "operatori with errors")

	// An invalid edit shows the errors by their fields and keeps the values.
	browsertest.ClickAndLoad(ctx, t, `a[href="/backoffice/operatori/op1"]`)
	browsertest.WaitVisible(ctx, t, "#account-form")
	browsertest.Axe(ctx, t, "account")
	// (SetValue refuses an empty value.)
	get(t, ctx, chromedp.Evaluate[bool](`(document.querySelector('#s-name').value = '', true)`))
	run(t, ctx, chromedp.SetValue("#s-email", "anna.verdi"), chromedp.SetValue("#s-cf", "FRRLCU92B29Z112X"))
	browsertest.ClickAndLoad(ctx, t, "#account-form button[type=submit]")
	browsertest.WaitVisible(ctx, t, "#s-email.is-invalid")
	if s := text("main"); !strings.Contains(s, "Nome e cognome: il campo è obbligatorio.") || !strings.Contains(s, "Email: l'indirizzo non è valido") ||
		!strings.Contains(s, "carattere di controllo del codice fiscale") {
		t.Fatalf("errors of the form:\n%s", s)
	}
	if v := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('#s-email').value + '|' + document.querySelector('#s-cf').value`)); v != "anna.verdi|FRRLCU92B29Z112X" {
		t.Errorf("typed values not kept: %q", v)
	}
	browsertest.Axe(ctx, t, "account with errors")
	browsertest.Screenshot(ctx, t, "backoffice-account-errori")

	// A valid edit, with the codice fiscale for SPID and CIE.
	cf := auth.DemoIdentities[2].Person.CodiceFiscale
	run(t, ctx, chromedp.SetValue("#s-name", "Luca Ferrari"), chromedp.SetValue("#s-email", "luca.ferrari@comune.demo.it"), chromedp.SetValue("#s-cf", strings.ToLower(cf)))
	browsertest.ClickAndLoad(ctx, t, "#account-form button[type=submit]")
	browsertest.WaitVisible(ctx, t, ".alert-success")
	if u, _ := a.Store.UserByLogin(context.Background(), "op1"); u.Name != "Luca Ferrari" || u.CodiceFiscale != cf || u.Email != "luca.ferrari@comune.demo.it" {
		t.Fatalf("saved account: %+v", u)
	}
	browsertest.Axe(ctx, t, "account saved")

	// Disabled and enabled again by the buttons.
	browsertest.ClickAndLoad(ctx, t, `form[action$="/disattiva"] button[type=submit]`)
	browsertest.WaitVisible(ctx, t, `form[action$="/riattiva"]`)
	if u, _ := a.Store.UserByLogin(context.Background(), "op1"); !u.Disabled {
		t.Fatal("op1 not disabled")
	}
	if s := text("#account-stato"); !strings.Contains(s, "Disattivato") {
		t.Errorf("state shown: %q", s)
	}
	browsertest.Axe(ctx, t, "account disabled")
	browsertest.ClickAndLoad(ctx, t, `form[action$="/riattiva"] button[type=submit]`)
	browsertest.WaitVisible(ctx, t, `form[action$="/disattiva"]`)
	browsertest.ClickAndLoad(ctx, t, `form[action$="/password"] button[type=submit]`)
	// The page before had a success message too: wait for the new one.
	waitText(t, ctx, ".alert-success", "luca.ferrari@comune.demo.it")
	// One's own account has no disable button.
	browsertest.Navigate(ctx, t, base+"/backoffice/operatori/admin")
	if n := browsertest.Count(ctx, t, `form[action$="/disattiva"]`); n != 0 || !strings.Contains(text("main"), "È il suo account") {
		t.Errorf("own account: %d disable forms", n)
	}
	browsertest.Navigate(ctx, t, base+"/backoffice/operatori")
	if s := text("main"); !strings.Contains(s, "Luca Ferrari (op1)") || !strings.Contains(s, cf) {
		t.Errorf("operatori after the edit:\n%s", s)
	}
	browsertest.Axe(ctx, t, "operatori after the edit")

	// A token made by the form and used by the API shows its last use.
	browsertest.Navigate(ctx, t, base+"/backoffice/token")
	run(t, ctx, chromedp.SetValue("#tk-name", "Totem"), chromedp.SetValue("#tk-scope", "read"))
	browsertest.ClickAndLoad(ctx, t, `form[action="/backoffice/token"] button[type=submit]`)
	browsertest.WaitVisible(ctx, t, "#nuovo-token")
	token := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('#nuovo-token').value`))
	browsertest.Axe(ctx, t, "token created")
	api := newClient(t, base)
	api.bearer = token
	want(t, "api", api.get("/api/v1/resources"), http.StatusOK)
	browsertest.Navigate(ctx, t, base+"/backoffice/token")
	if s := text("table"); !strings.Contains(s, "Ultimo uso") || !regexp.MustCompile(`Totem\s+Lettura\s+\d\d/\d\d/\d{4} \d\d:\d\d\s+\d\d/\d\d/\d{4} \d\d:\d\d\s+Valido`).MatchString(s) {
		t.Errorf("token table:\n%s", s)
	}
	browsertest.Axe(ctx, t, "token")

	// The audit log, filtered by part of a name and by an action.
	browsertest.Navigate(ctx, t, base+"/backoffice/audit")
	browsertest.Axe(ctx, t, "audit")
	run(t, ctx, chromedp.SetValue("#a-chi", "PROVA adm"), chromedp.SetValue("#a-azione", "staff_updated"))
	browsertest.ClickAndLoad(ctx, t, "#filtro-registro button[type=submit]")
	browsertest.WaitVisible(ctx, t, `#registro tr[data-action="staff_updated"]`)
	if s := text("#registro-conteggio"); !strings.Contains(s, "1 attività corrisponde al filtro") {
		t.Errorf("count: %q", s)
	}
	if s := text("#registro tbody"); !strings.Contains(s, "Account del personale modificato") || !strings.Contains(s, "nome: Prova op1 → Luca Ferrari") {
		t.Errorf("audit rows:\n%s", s)
	}
	if v := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('#a-chi').value + '|' + document.querySelector('#a-azione').value`)); v != "PROVA adm|staff_updated" {
		t.Errorf("filter not kept: %q", v)
	}
	browsertest.Axe(ctx, t, "audit filtered")
	browsertest.Screenshot(ctx, t, "backoffice-audit-filtrato")
	csvURL := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('a[href^="/backoffice/audit/registro.csv"]').href`))
	if u, _ := url.Parse(csvURL); u.Query().Get("chi") != "PROVA adm" || u.Query().Get("azione") != "staff_updated" {
		t.Errorf("csv link %s", csvURL)
	}
	csv := get(t, ctx, chromedp.Evaluate[string](`fetch(document.querySelector('a[href^="/backoffice/audit/registro.csv"]').href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	if !strings.Contains(csv, ";Account del personale modificato;staff_updated;op1;") || strings.Count(csv, "\r\n") != 2 {
		t.Errorf("csv:\n%s", csv)
	}
	// A wrong range is said by its field.
	browsertest.Navigate(ctx, t, base+"/backoffice/audit?dal=2026-12-07&al=2026-12-01")
	browsertest.WaitVisible(ctx, t, "#a-al.is-invalid")
	browsertest.Axe(ctx, t, "audit with a wrong range")
	browsertest.Screenshot(ctx, t, "backoffice-audit-filtro")
}
