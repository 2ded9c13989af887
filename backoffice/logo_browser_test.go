package backoffice_test

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/prenota/prenota/internal/browsertest"
)

// TestBrowserLogo uploads the Comune's logo through the texts form in
// chromium, as an admin would, and checks the header of the back office and
// of the portal showing it, the file stored as sent, and both pages against
// axe-core's WCAG 2.1 AA rules; then a file that is not an image is refused
// next to its field (SQLite only).
func TestBrowserLogo(t *testing.T) {
	a, base := startApp(t, "sqlite")
	logo := tinyPNG(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "stemma.png")
	notImage := filepath.Join(dir, "stemma-finto.png")
	if err := os.WriteFile(file, logo, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(notImage, []byte("<html>non sono un'immagine</html>"), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx := browsertest.New(t, browsertest.Desktop())
	browsertest.Navigate(ctx, t, base+"/auth/password?next=/backoffice/testi")
	run(t, ctx, chromedp.SetValue("#login", "admin"), chromedp.SetValue("#password", password))
	browsertest.Click(ctx, t, "main form button[type=submit]")
	browsertest.WaitVisible(ctx, t, "#t-logo")
	run(t, ctx, chromedp.SetUploadFiles("#t-logo", []string{file}))
	browsertest.ClickAndLoad(ctx, t, `form[action="/backoffice/testi"] button[type=submit]`)
	browsertest.WaitVisible(ctx, t, ".alert-success")
	browsertest.WaitVisible(ctx, t, `.it-brand-wrapper img[src="/logo"]`)
	browsertest.WaitVisible(ctx, t, `img.logo-preview[src="/logo"]`)
	loaded := get(t, ctx, chromedp.Evaluate[bool](`[...document.querySelectorAll('img[src="/logo"]')].every(i => i.complete && i.naturalWidth === 4)`))
	if !loaded {
		t.Error("the logo's images did not load as a 4×4 picture")
	}
	browsertest.Axe(ctx, t, "testi con il logo")
	if st, err := a.Store.Settings(t.Context()); err != nil || !bytes.Equal(st.Logo, logo) {
		t.Fatalf("stored logo: %d bytes, %v", len(st.Logo), err)
	}

	browsertest.Navigate(ctx, t, base+"/")
	alt := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('.it-brand-wrapper img[src="/logo"]')?.alt || ''`))
	if alt == "" {
		t.Error("the portal's header shows no logo with a text alternative")
	}
	browsertest.Axe(ctx, t, "portale con il logo")
	browsertest.Screenshot(ctx, t, "portale-con-logo")

	browsertest.Navigate(ctx, t, base+"/backoffice/testi")
	run(t, ctx, chromedp.SetValue("#t-phone", "0123 999999"), chromedp.SetUploadFiles("#t-logo", []string{notImage}))
	browsertest.ClickAndLoad(ctx, t, `form[action="/backoffice/testi"] button[type=submit]`)
	browsertest.WaitVisible(ctx, t, "#t-logo-err")
	phone := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('#t-phone').value`))
	if phone != "0123 999999" {
		t.Errorf("the refused form lost the typed phone: %q", phone)
	}
	browsertest.Axe(ctx, t, "testi con un file che non è un'immagine")
	if p := newClient(t, base).get("/logo"); p.status != http.StatusOK || p.body != string(logo) {
		t.Errorf("a refused upload changed the logo: %d", p.status)
	}
}
