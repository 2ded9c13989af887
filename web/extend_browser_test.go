package web_test

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/prenota/prenota/internal/browsertest"
)

// TestBrowserHoldExtension: a 30-second hold is in its last minute from the
// start: the warning offers "Prolunga", which gives the hold its time again
// once (the button then goes) and keeps the step; the booking is sent after
// the first expiry.
func TestBrowserHoldExtension(t *testing.T) {
	t.Parallel()
	base := serve(t, 30)
	ctx := browsertest.New(t, browsertest.Phone())
	browsertest.Navigate(ctx, t, base+"/accedi?next=/prenota/13/disponibilita")
	clickAndWait(ctx, t, `button.demo-identity[value="RSSMRA70A01H501S"]`, "/prenota/13/disponibilita")
	browsertest.Click(ctx, t, `label[for="`+slotID(14)[1:]+`"]`)
	held := time.Now()
	clickAndWait(ctx, t, "#continua", "/prenota/anagrafica")
	browsertest.WaitVisible(ctx, t, ".hold-banner-urgent .hold-warning")
	wantText(ctx, t, ".hold-warning", "prema «Prolunga»")
	check(ctx, t, "prolunga")
	clickAndWait(ctx, t, "#prolunga", "/prenota/anagrafica")
	wantText(ctx, t, "main .alert-success", "Il tempo è stato prolungato")
	if left := remaining(t, text(ctx, t, ".hold-remaining")); left <= 30*time.Second-time.Since(held) {
		t.Errorf("%v left after the extension", left)
	}
	if n := browsertest.Count(ctx, t, "#prolunga"); n != 0 {
		t.Error(`"Prolunga" offered again after the extension`)
	}
	check(ctx, t, "prolungata")
	clickAndWait(ctx, t, "#continua", "/prenota/conferma")
	run(ctx, t, "motivazione", chromedp.SendKeys("#f-motivazione", "Prova del tempo prolungato"))
	// Past the first expiry, the hold is still there.
	for time.Since(held) < 32*time.Second {
		time.Sleep(200 * time.Millisecond)
	}
	waitPath(ctx, t, "/prenota/conferma")
	clickAndWait(ctx, t, "#invia", "/prenotazioni/")
	wantText(ctx, t, ".alert-success", "La richiesta di prenotazione è conclusa")
}

// TestBrowserHoldExtensionNoJavaScript: "Prolunga" without scripts sends
// the step's form, so what was typed stays.
func TestBrowserHoldExtensionNoJavaScript(t *testing.T) {
	t.Parallel()
	base := serve(t, 0)
	ctx := browsertest.New(t, browsertest.NoJavaScript())
	browsertest.Navigate(ctx, t, base+"/accedi?next=/prenota/13/disponibilita")
	clickAndWait(ctx, t, `button.demo-identity[value="RSSMRA70A01H501S"]`, "/prenota/13/disponibilita")
	browsertest.Click(ctx, t, `label[for="`+slotID(15)[1:]+`"]`)
	clickAndWait(ctx, t, "#continua", "/prenota/anagrafica")
	until := text(ctx, t, ".hold-until")
	clickAndWait(ctx, t, "#continua", "/prenota/conferma")
	run(ctx, t, "motivazione", chromedp.SendKeys("#f-motivazione", "Senza script"), chromedp.SendKeys("#f-nota", "Una nota"))
	clickAndWait(ctx, t, "#prolunga", "/prenota/conferma")
	wantText(ctx, t, "main .alert-success", "Il tempo è stato prolungato")
	if got := text(ctx, t, ".hold-until"); got == until {
		t.Errorf("the banner still says %s after the extension", got)
	}
	if got := get(ctx, t, "motivazione", chromedp.Value("#f-motivazione")); got != "Senza script" {
		t.Errorf("motivazione %q after Prolunga, want what was typed", got)
	}
	if got := get(ctx, t, "nota", chromedp.Value("#f-nota")); got != "Una nota" {
		t.Errorf("nota %q after Prolunga, want what was typed", got)
	}
	if n := browsertest.Count(ctx, t, "#prolunga"); n != 0 {
		t.Error(`"Prolunga" offered again after the extension`)
	}
	check(ctx, t, "prolungata")
	clickAndWait(ctx, t, "#invia", "/prenotazioni/")
}

// remaining parses the banner's "mm:ss".
func remaining(t *testing.T, mmss string) time.Duration {
	t.Helper()
	m, s, ok := strings.Cut(strings.TrimSpace(mmss), ":")
	d, err := time.ParseDuration(m + "m" + s + "s")
	if !ok || err != nil {
		t.Fatalf("remaining time %q", mmss)
	}
	return d
}
