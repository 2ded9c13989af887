package browsertest_test

import (
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/prenota/prenota/internal/browsertest"
	"github.com/prenota/prenota/web"
)

type demoPage struct {
	web.Layout
}

// demoServer serves the demo page in the real layout, and the static files,
// on 127.0.0.1.
func demoServer(t *testing.T) *httptest.Server {
	t.Helper()
	if err := web.CheckStatic(); err != nil {
		t.Fatal(err)
	}
	tmpl, err := web.NewPageFS(os.DirFS("testdata"), "demo.html")
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /static/", web.Static())
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		render(w, tmpl, demoPage{Layout: demoLayout(r.URL.Query().Get("utente"))})
	})
	srv := httptest.NewUnstartedServer(mux)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.Listener = l
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func demoLayout(user string) web.Layout {
	return web.Layout{
		ComuneName:       "Comune di Demo",
		ComuneURL:        "https://www.comune.demo.it/",
		Address:          "Piazza del Municipio 1, 00100 Demo (DM)",
		Phone:            "06 1234 5678",
		Email:            "protocollo@comune.demo.it",
		AccessibilityURL: "https://form.agid.gov.it/view/demo",
		User:             user,
		Nav:              "prenota",
		Breadcrumb: []web.Crumb{
			{Label: "Servizi online", URL: "/"},
			{Label: "Prenotazioni", URL: "/prenota"},
			{Label: "Pagina di prova"},
		},
		PageTitle: "Pagina di prova",
		Flash:     web.Flash{Kind: "info", Text: "Prenotazione annullata."},
	}
}

func render(w http.ResponseWriter, t *template.Template, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := t.ExecuteTemplate(w, "layout", data); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
}

func TestLayout(t *testing.T) {
	srv := demoServer(t)
	for _, tc := range []struct {
		name string
		opts []browsertest.Option
		path string
	}{
		{"desktop", []browsertest.Option{browsertest.Desktop()}, "/"},
		{"phone", []browsertest.Option{browsertest.Phone()}, "/"},
		{"desktop-utente", []browsertest.Option{browsertest.Desktop()}, "/?utente=Mario+Rossi"},
		{"phone-senza-js", []browsertest.Option{browsertest.Phone(), browsertest.NoJavaScript()}, "/"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := browsertest.New(t, tc.opts...)
			browsertest.Navigate(ctx, t, srv.URL+tc.path)
			browsertest.Screenshot(ctx, t, "demo")
			browsertest.Axe(ctx, t, "demo "+tc.name)
			browsertest.NoHorizontalScroll(ctx, t)
			browsertest.EnglishWords(ctx, t)
			if tc.name == "phone" {
				// Bootstrap Italia's script opens the main menu.
				browsertest.Click(ctx, t, ".custom-navbar-toggler")
				browsertest.WaitVisible(ctx, t, `.navbar-collapsable.expanded [data-element="main-navigation"]`)
				// The menu slides in: wait until no animation or transition runs.
				for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
					running, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.getAnimations().filter(a => a.playState === "running").length`))
					if err != nil {
						t.Fatal(err)
					}
					if running == 0 {
						break
					}
					if time.Now().After(deadline) {
						t.Fatalf("the menu still moves after 10 s (%d animations)", running)
					}
				}
				browsertest.Screenshot(ctx, t, "menu")
				browsertest.Axe(ctx, t, "demo menu aperto")
				browsertest.EnglishWords(ctx, t)
			}
			for _, sel := range modelloComuni {
				if n := browsertest.Count(ctx, t, sel); n != 1 {
					t.Errorf("%s: %d elements, want 1", sel, n)
				}
			}
		})
	}
}

// modelloComuni are the hooks of the Modello Comuni page furniture (SPEC §12)
// that the layout must carry exactly once.
var modelloComuni = []string{
	`html[lang="it"]`,
	`.it-header-wrapper .it-header-slim-wrapper [data-element="personal-area-login"]`,
	`.it-header-wrapper .it-header-center-wrapper .it-brand-wrapper .it-brand-title`,
	`.it-header-wrapper .it-header-center-wrapper .it-brand-tagline`,
	`.it-header-wrapper .it-header-navbar-wrapper [data-element="main-navigation"]`,
	`[data-element="breadcrumb"]`,
	`h1[data-element="page-name"]`,
	`.it-footer .it-footer-main [data-element="contacts"]`,
	`.it-footer [data-element="privacy-policy-link"]`,
	`.it-footer [data-element="legal-notes"]`,
	`.it-footer [data-element="accessibility-link"]`,
	`a.visually-hidden-focusable[href="#main-container"]`,
	`main#main-container`,
}

// recorder is a testing.TB that records failures instead of failing, to test
// that the checks do fail.
type recorder struct {
	testing.TB
	errors []string
}

func (r *recorder) Error(args ...any) { r.errors = append(r.errors, fmt.Sprint(args...)) }
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// TestChecksFail makes sure the checks catch a bad page: missing labels and
// alt text, English words, a page wider than the phone.
func TestChecksFail(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Content-Security-Policy", "script-src 'self'")
		fmt.Fprint(w, `<!doctype html><html><head><title>x</title>
<meta name="viewport" content="width=device-width, initial-scale=1"></head>
<body><main><img src="data:,"><input type="text"><button type="submit">Submit</button>
<script>document.title = 'inline'</script>
<div style="width:2000px">largo</div></main></body></html>`)
	}))
	defer srv.Close()

	ctx := browsertest.New(t, browsertest.Phone())
	browsertest.Navigate(ctx, t, srv.URL)

	vs, err := browsertest.AxeCheck(ctx, t)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, v := range vs {
		ids = append(ids, v.ID)
	}
	for _, want := range []string{"html-has-lang", "image-alt", "label"} {
		if !slices.Contains(ids, want) {
			t.Errorf("axe violations %v lack %s", ids, want)
		}
	}

	rec := &recorder{TB: t}
	browsertest.Axe(ctx, rec, "bad page")
	browsertest.EnglishWords(ctx, rec)
	browsertest.NoHorizontalScroll(ctx, rec)
	if len(rec.errors) != 4 {
		t.Fatalf("got %d failures, want 4 (CSP, axe, English, scroll): %q", len(rec.errors), rec.errors)
	}
	for i, want := range []string{"script-src-elem refused inline", "image-alt", `"Submit"`, "scrolls horizontally"} {
		if !strings.Contains(rec.errors[i], want) {
			t.Errorf("failure %d lacks %s:\n%s", i, want, rec.errors[i])
		}
	}
	t.Logf("how a failure reads:\n%s", strings.Join(rec.errors, "\n"))
}
