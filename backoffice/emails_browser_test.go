package backoffice_test

import (
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/prenota/prenota/internal/browsertest"
)

// TestBrowserEmailTemplates checks the email templates' editor in chromium
// against axe-core's WCAG 2.1 AA rules: the list, the editor with its
// preview, and the editor refusing a broken template (SQLite only).
func TestBrowserEmailTemplates(t *testing.T) {
	_, base := startApp(t, "sqlite")
	ctx := browsertest.New(t, browsertest.Desktop())
	browsertest.Navigate(ctx, t, base+"/auth/password?next=/backoffice/testi/email")
	run(t, ctx, chromedp.SetValue("#login", "admin"), chromedp.SetValue("#password", password))
	browsertest.ClickAndLoad(ctx, t, "main form button[type=submit]")
	browsertest.WaitVisible(ctx, t, `a[href="/backoffice/testi/email/conferma"]`)
	browsertest.Axe(ctx, t, "modelli delle email")
	browsertest.Screenshot(ctx, t, "elenco")

	browsertest.Navigate(ctx, t, base+"/backoffice/testi/email/conferma")
	browsertest.WaitVisible(ctx, t, `iframe[title="Anteprima della versione HTML"]`)
	browsertest.Axe(ctx, t, "modello conferma")
	browsertest.Screenshot(ctx, t, "conferma")

	run(t, ctx, chromedp.SetValue("#em-subject", "Conferma {{.Code"))
	browsertest.ClickAndLoad(ctx, t, `button[value="salva"]`)
	browsertest.WaitVisible(ctx, t, "#em-subject-err")
	browsertest.Axe(ctx, t, "modello con un errore")
}
