package backoffice_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"github.com/prenota/prenota/internal/browsertest"
)

// TestBrowserStatistics opens the Statistiche page in chromium at 1280 and
// 360 px: axe finds no WCAG 2.1 AA violation (also with a bad date), the
// page does not scroll sideways, every chart is an image with a title and a
// description and a table of its figures in its section, the tables show
// the API's figures, and printing hides the navigation and the forms.
func TestBrowserStatistics(t *testing.T) {
	_, base, _ := startStatsApp(t, "sqlite")
	api := newClient(t, base)
	api.login("admin")
	st := getStats(t, api, statsQuery)
	for _, view := range []struct {
		name string
		opt  browsertest.Option
	}{{"1280", browsertest.Desktop()}, {"360", browsertest.Phone()}} {
		t.Run(view.name, func(t *testing.T) {
			ctx := browsertest.New(t, view.opt)
			browsertest.Navigate(ctx, t, base+"/auth/password?next=/backoffice/")
			run(t, ctx, chromedp.SetValue("#login", "admin"), chromedp.SetValue("#password", password))
			browsertest.ClickAndLoad(ctx, t, "main form button[type=submit]")
			browsertest.ClickAndLoad(ctx, t, `nav a[href="/backoffice/statistiche"]`)
			waitText(t, ctx, "h1", "Statistiche")

			browsertest.Navigate(ctx, t, base+"/backoffice/statistiche?dal=2026-11-23&al=2026-12-13")
			browsertest.Axe(ctx, t, "statistiche "+view.name)
			browsertest.NoHorizontalScroll(ctx, t)
			browsertest.EnglishWords(ctx, t, "Back", "Open") // "Back office"; the licences' own names

			// Every chart: role img, named by its title and description, and
			// a table in the same section.
			bad := get(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('main svg')].filter(s => {
				const ids = (s.getAttribute('aria-labelledby') || '').split(' ');
				const t = s.querySelector('title'), d = s.querySelector('desc');
				return s.getAttribute('role') !== 'img' || !t || !d || !t.textContent.trim() || !d.textContent.trim() ||
					ids[0] !== t.id || ids[1] !== d.id || !s.closest('section').querySelector('table caption');
			}).map(s => s.id)`))
			charts := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('main svg[role=img]').length`))
			if len(bad) > 0 || charts != 4 { // occupancy, two resources' months, ratings
				t.Errorf("%d charts, without title, description or table: %v", charts, bad)
			}

			// The tables show the API's figures.
			type row struct {
				Resource string
				Month    string
				Figures  map[string]string
			}
			rows := get(t, ctx, chromedp.Evaluate[[]row](`[...document.querySelectorAll('tr[data-resource]')].map(tr => ({
				resource: tr.dataset.resource, month: tr.dataset.month || '',
				figures: Object.fromEntries([...tr.querySelectorAll('[data-figure]')].map(td => [td.dataset.figure, td.textContent.trim()]))}))`))
			if len(rows) != 6 {
				t.Fatalf("%d rows of figures, want 6", len(rows))
			}
			for _, r := range rows {
				for _, res := range st.Resources {
					if strconv.FormatInt(res.ID, 10) != r.Resource {
						continue
					}
					want := pageFigures(res.apiFigures)
					for _, m := range res.Months {
						if r.Month == m.Month+"-01" {
							want = pageFigures(m.apiFigures)
						}
					}
					for k, v := range want {
						if r.Figures[k] != v {
							t.Errorf("row %s %s: %s shows %q, the API %q", r.Resource, r.Month, k, r.Figures[k], v)
						}
					}
				}
			}
			browsertest.Screenshot(ctx, t, "statistiche")

			// Printing: no navigation, no forms; the figures stay.
			if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
				t.Fatal(err)
			}
			shown := get(t, ctx, chromedp.Evaluate[[]string](`['nav[aria-label="Back office"]', '#filtro-statistiche', '#form-dati-aperti', '#tabella-riepilogo']
				.filter(s => document.querySelector(s) && document.querySelector(s).getClientRects().length > 0)`))
			if len(shown) != 1 || shown[0] != "#tabella-riepilogo" {
				t.Errorf("printed: %v, want only the table", shown)
			}
			browsertest.Screenshot(ctx, t, "stampa")
			tctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			pdf, err := chromedp.Call(tctx, cdppage.PrintToPDF, cdppage.PrintToPDFParams{})
			if err != nil || len(pdf.Data) < 1000 || string(pdf.Data[:4]) != "%PDF" {
				t.Fatalf("print to PDF: %d bytes, %v", len(pdf.Data), err)
			}
			os.WriteFile(filepath.Join(browsertest.RepoRoot(t), "screenshots", "TestBrowserStatistics-"+view.name+"-stampa.pdf"), pdf.Data, 0o644)
			if _, err := chromedp.Call(ctx, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
				t.Fatal(err)
			}

			browsertest.Navigate(ctx, t, base+"/backoffice/statistiche?dal=31/02/2026&al=2026-12-13")
			browsertest.Axe(ctx, t, "statistiche, data errata "+view.name)
			if v := get(t, ctx, chromedp.Evaluate[string](`document.querySelector('#s-dal').getAttribute('aria-describedby') + '|' + document.querySelector('#s-dal-err').textContent`)); v == "" {
				t.Errorf("the bad date has no message")
			}
			browsertest.Screenshot(ctx, t, "errore")
		})
	}
}
