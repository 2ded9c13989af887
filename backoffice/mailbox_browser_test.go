package backoffice_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/browsertest"
)

// TestBrowserDemoMailbox opens the confirmation of a booking in the demo
// mailbox, as a Comune trying the service would: the list, the message, its
// HTML part shown in the page's frame (the security headers of the service
// must let the mailbox frame it), and axe-core on both pages.
func TestBrowserDemoMailbox(t *testing.T) {
	a, base := startApp(t, "sqlite")
	b := book(t, a, "13", at(booking.DateOf(monday, booking.Rome), "10:00"), 0)
	mailFor(t, a.Store, "Conferma")

	ctx := browsertest.New(t, browsertest.Desktop())
	browsertest.Navigate(ctx, t, base+"/demo/posta")
	browsertest.Axe(ctx, t, "posta di prova")
	browsertest.ClickAndLoad(ctx, t, `main a[href^="/demo/posta/"]`)
	browsertest.WaitVisible(ctx, t, `iframe[title="Versione HTML del messaggio"]`)
	browsertest.Axe(ctx, t, "messaggio")
	if s := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('main').innerText`)); !strings.Contains(s, b.Code) {
		t.Errorf("the message page does not show the booking's code %s", b.Code)
	}
	// The sandboxed frame runs in a process of its own: a target of the
	// browser, whose document must be the message (not the error page of a
	// refused frame).
	var shown string
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline) && !strings.Contains(shown, b.Code); time.Sleep(200 * time.Millisecond) {
		ts, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, ti := range ts {
			if ti.Type != "iframe" {
				continue
			}
			// Not cancelled: that would close the frame; the test's
			// browser goes at its end.
			fctx, _ := chromedp.NewContext(ctx, chromedp.WithTargetID(ti.TargetID))
			tctx, cancel := context.WithTimeout(fctx, 5*time.Second)
			shown, _ = chromedp.Run(tctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ''`))
			cancel()
		}
	}
	if !strings.Contains(shown, b.Code) {
		t.Fatalf("the message's HTML part is not shown in its frame; the frame shows %q", shown)
	}
}
