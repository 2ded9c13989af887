package app

import (
	"context"
	"log/slog"
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/prenota/prenota/internal/browsertest"
	"github.com/prenota/prenota/internal/testdb"
)

// TestBrowserDemoStaff is `make run` on a fresh clone: a new database in
// demo mode, and a newcomer who, from the demo identity page, enters the
// back office as the test admin (who configures the Comune) and as the
// test operatore (who works the agendas, all assigned to it). The page
// passes axe-core's WCAG 2.1 AA rules at 1280 and 360 px.
func TestBrowserDemoStaff(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) { testBrowserDemoStaff(t, d) })
	}
}

func testBrowserDemoStaff(t *testing.T, dialect string) {
	a, err := New(t.Context(), Config{Addr: "127.0.0.1:0", DatabaseURL: testdb.URL(t, dialect), BaseURL: "http://localhost:8080", Demo: true,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if err := a.Listen(); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	defer func() { stop(); <-done }()
	base := "http://" + a.Addr()

	for _, tc := range []struct {
		login, device string
		opt           browsertest.Option
		admin         bool
	}{
		{"admin.prova", "1280", browsertest.Desktop(), true},
		{"operatore.prova", "360", browsertest.Phone(), false},
	} {
		t.Run(tc.login, func(t *testing.T) {
			b := browsertest.New(t, tc.opt)
			browsertest.Navigate(b, t, base+"/auth/demo?next=/prenota")
			browsertest.Axe(b, t, "demo identities "+tc.device)
			browsertest.NoHorizontalScroll(b, t)
			browsertest.EnglishWords(b, t)
			browsertest.Screenshot(b, t, "identita-di-prova-"+tc.device)
			browsertest.ClickAndLoad(b, t, `form:has(input[name=staff][value="`+tc.login+`"]) button`)
			loc, err := chromedp.Run(b, chromedp.Location())
			if err != nil {
				t.Fatal(err)
			}
			if u, _ := url.Parse(loc); u == nil || u.Path != "/backoffice/" {
				t.Fatalf("after entering as %s: at %s, want /backoffice/", tc.login, loc)
			}
			browsertest.Axe(b, t, "back office "+tc.login)
			browsertest.Screenshot(b, t, "backoffice-"+tc.device)
			admin := browsertest.Count(b, t, `a[href="/backoffice/risorse"]`) > 0
			if admin != tc.admin {
				t.Errorf("%s sees the resources' configuration: %v, want %v", tc.login, admin, tc.admin)
			}
			if n := browsertest.Count(b, t, `a[href^="/backoffice/agenda/"]`); n == 0 {
				t.Errorf("%s sees no agenda", tc.login)
			}
		})
	}
}
