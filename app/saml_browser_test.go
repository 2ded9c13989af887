package app

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/browsertest"
	"github.com/prenota/prenota/internal/testdb"
)

// demoWithIdP starts the application as `make run` does (demo mode with
// the demo IdPs) on a loopback server whose URL is its base URL, as the
// SAML Destination and Audience checks need.
func demoWithIdP(t *testing.T) string {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	dir := t.TempDir()
	cfg := Config{Addr: "127.0.0.1:0", DatabaseURL: testdb.URL(t, "sqlite"), BaseURL: base, Demo: true}
	cfg.Identity.DemoIdP = true
	cfg.Identity.SAMLKey, cfg.Identity.SAMLCert = filepath.Join(dir, "saml.key"), filepath.Join(dir, "saml.crt")
	a, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	srv.Config.Handler = a.Handler()
	srv.Start()
	t.Cleanup(srv.Close)
	return base
}

// waitPath waits until the browser has loaded path (after the auto-posted
// forms of a SAML exchange) with an element that matches selector.
func waitPath(ctx context.Context, t *testing.T, path, selector string) {
	t.Helper()
	sel, _ := json.Marshal(selector)
	script := `document.readyState === 'complete' && document.querySelector(` + string(sel) + `) ? location.pathname : ''`
	deadline := time.Now().Add(30 * time.Second)
	var got string
	for time.Now().Before(deadline) {
		tctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		got, _ = chromedp.Run(tctx, chromedp.Evaluate[string](script))
		cancel()
		if got == path {
			return
		}
		time.Sleep(50 * time.Millisecond) // polling the browser, bounded by the deadline
	}
	tctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	where, _ := chromedp.Run(tctx, chromedp.Evaluate[string](`location.pathname + '\n' + document.body.innerText`))
	t.Fatalf("no %s on %s; the browser shows %s", selector, path, where)
}

// session reads the browser's session as the page's own scripts could.
func session(ctx context.Context, t *testing.T) (auth.Identity, bool) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	id, err := chromedp.Run(tctx, chromedp.Evaluate[*auth.Identity](`fetch('/auth/sessione').then(r => r.ok ? r.json() : null)`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatal(err)
	}
	if id == nil {
		return auth.Identity{}, false
	}
	return *id, true
}

func pageCheck(ctx context.Context, t *testing.T, name string) {
	t.Helper()
	browsertest.Axe(ctx, t, name)
	browsertest.NoHorizontalScroll(ctx, t)
	browsertest.Screenshot(ctx, t, name)
}

// TestBrowserSAMLDemo: on the demo as `make run` serves it, "Entra con
// SPID" → the IdP chooser → the demo SPID IdP → back logged in with the
// chosen identity's certified anagrafica, then "Esci" logs out through
// single logout; the same with CIE on a phone; "Annullo l'accesso" at the
// IdP shows the nr25 page (chooser and nr25 page at 1280 and 360 px).
func TestBrowserSAMLDemo(t *testing.T) {
	base := demoWithIdP(t)
	mario := auth.DemoIdentities[0].Person
	giulia := auth.DemoIdentities[1].Person
	for _, tc := range []struct {
		name, button string
		opt          browsertest.Option
		who          booking.Person
		full         bool // SPID's attributes (CIE releases four)
	}{
		{"spid", "Entra con SPID", browsertest.Desktop(), mario, true},
		{"cie", "Entra con CIE", browsertest.Phone(), giulia, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := browsertest.New(t, tc.opt)
			browsertest.Navigate(ctx, t, base+"/accedi")
			pageCheck(ctx, t, "accedi")
			browsertest.ClickAndLoad(ctx, t, "#accesso-"+tc.name+" a.btn")
			if tc.name == "spid" {
				waitPath(ctx, t, "/auth/spid/login", "#gestori a.gestore")
				if n := browsertest.Count(ctx, t, "#gestori a.gestore"); n != 1 {
					t.Errorf("%d IdPs in the chooser, want the demo's", n)
				}
				pageCheck(ctx, t, "scelta-gestore")
				browsertest.ClickAndLoad(ctx, t, "#gestori a.gestore")
			}
			waitPath(ctx, t, "/demo/idp/"+tc.name+"/sso", "button.identita")
			pageCheck(ctx, t, "gestore-di-prova")
			browsertest.ClickAndLoad(ctx, t, `button.identita[value="`+tc.who.CodiceFiscale+`"]`)
			waitPath(ctx, t, "/", "form[action='/esci'] button")
			id, ok := session(ctx, t)
			if !ok {
				t.Fatal("not logged in after the IdP's Response")
			}
			p := id.Person
			if id.Method != tc.name || p == nil || p.CodiceFiscale != tc.who.CodiceFiscale || p.Nome != tc.who.Nome || p.Cognome != tc.who.Cognome ||
				p.DataNascita != tc.who.DataNascita || p.ComuneNascita != tc.who.ComuneNascita || p.Sesso != tc.who.Sesso {
				t.Fatalf("identity %+v person %+v, want %s's anagrafica", id, p, tc.who.CodiceFiscale)
			}
			if tc.full && p.Email != tc.who.Email {
				t.Errorf("SPID email %q, want %q", p.Email, tc.who.Email)
			}
			if !tc.full && p.Email != "" {
				t.Errorf("CIE released an email %q", p.Email)
			}
			if !strings.Contains(id.IdP, "/demo/idp/"+tc.name+"/metadata") || id.SAML == nil {
				t.Errorf("IdP %q, SAML session %+v", id.IdP, id.SAML)
			}
			pageCheck(ctx, t, "dopo-accesso")

			// Esci: the session ends here and at the IdP (its
			// LogoutResponse brings the browser back to the home page).
			// The documents the browser asks for on the way (redirects too).
			var mu sync.Mutex
			var visited []string
			lctx, stop := context.WithCancel(ctx)
			chromedp.Listen(lctx, func(ev any) {
				if n, ok := ev.(*network.EventRequestWillBeSent); ok && n.Type == network.ResourceTypeDocument {
					mu.Lock()
					visited = append(visited, n.Request.Method+" "+n.Request.URL)
					mu.Unlock()
				}
			})
			browsertest.ClickAndLoad(ctx, t, "form[action='/esci'] button")
			waitPath(ctx, t, "/", `a[href="/accedi"]`)
			stop()
			mu.Lock()
			trail := strings.Join(visited, " → ")
			mu.Unlock()
			t.Log("Esci:", trail)
			for _, want := range []string{"/auth/" + tc.name + "/logout", "/demo/idp/" + tc.name + "/slo", "/auth/" + tc.name + "/slo"} {
				if !strings.Contains(trail, "POST "+base+want) {
					t.Errorf("Esci did not go through %s: %s", want, trail)
				}
			}
			if id, ok := session(ctx, t); ok {
				t.Errorf("still logged in after Esci: %+v", id)
			}
		})
	}
	for size, opt := range map[string]browsertest.Option{"1280": browsertest.Desktop(), "360": browsertest.Phone()} {
		t.Run("annullato-"+size, func(t *testing.T) {
			ctx := browsertest.New(t, opt)
			browsertest.Navigate(ctx, t, base+"/auth/spid/login")
			pageCheck(ctx, t, "scelta-gestore")
			browsertest.Navigate(ctx, t, base+"/accedi")
			browsertest.ClickAndLoad(ctx, t, "#accesso-cie a.btn")
			waitPath(ctx, t, "/demo/idp/cie/sso", "button.altro")
			browsertest.ClickAndLoad(ctx, t, `button.altro[value="nr25"]`)
			waitPath(ctx, t, "/auth/cie/acs", "[data-anomalia='nr25']")
			pageCheck(ctx, t, "accesso-annullato")
			if _, ok := session(ctx, t); ok {
				t.Error("logged in after cancelling at the IdP")
			}
		})
	}
}
