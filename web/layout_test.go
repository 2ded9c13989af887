package web

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestLayoutRenders renders a demo page inside the base layout and checks the
// Modello Comuni hooks. The browser tests (internal/browsertest) check the
// same page with selectors, axe-core and screenshots.
func TestLayoutRenders(t *testing.T) {
	pages := fstest.MapFS{"demo.html": {Data: []byte(
		`{{define "title"}}Prova{{end}}{{define "content"}}<p id="demo">Contenuto di prova</p>{{end}}`)}}
	tmpl, err := NewPageFS(pages, "demo.html")
	if err != nil {
		t.Fatal(err)
	}
	type demoPage struct {
		Layout
		Extra string
	}
	for _, tc := range []struct {
		name   string
		layout Layout
		want   []string
		absent []string
	}{
		{"anonymous", Layout{
			ComuneName: "Comune di Demo", Phone: "06 1234 5678", Email: "info@comune.demo.it",
			Address: "Piazza del Municipio 1", PageTitle: "Prova", Nav: "servizi",
			ManagementURL: "https://www.comune.demo.it/amministrazione", NewsURL: "https://www.comune.demo.it/novita",
			LiveURL: "https://www.comune.demo.it/vivere", ReportURL: "mailto:urp@comune.demo.it",
			Breadcrumb: []Crumb{{"Servizi online", "/"}, {"Prova", ""}},
			Flash:      Flash{Kind: "success", Text: "Prenotazione annullata"},
		}, []string{
			`<html lang="it">`,
			`<title>Prova - Comune di Demo</title>`,
			`href="/accedi" data-element="personal-area-login"`,
			`<div class="it-brand-title">Comune di Demo</div>`,
			`SERVIZI ONLINE — Lo Sportello telematico polifunzionale per il tuo Comune`,
			`data-element="main-navigation"`,
			`href="https://www.comune.demo.it/amministrazione" data-element="management"><span>Amministrazione</span>`,
			`href="https://www.comune.demo.it/novita" data-element="news"><span>Novità</span>`,
			`href="/servizi" data-element="all-services" aria-current="page"><span>Servizi</span>`,
			`href="https://www.comune.demo.it/vivere" data-element="live"><span>Vivere il Comune</span>`,
			`href="/argomenti" data-element="all-topics"`,
			`href="/faq" data-element="faq"`,
			`href="mailto:urp@comune.demo.it" data-element="report-inefficiency"`,
			`data-element="breadcrumb"`,
			`<li class="breadcrumb-item active" aria-current="page">Prova</li>`,
			`<h1 class="mt-3 mb-4" data-element="page-name">Prova</h1>`,
			`<div class="alert alert-success" role="status">Prenotazione annullata</div>`,
			`<p id="demo">Contenuto di prova</p>`,
			`data-element="contacts"`,
			`href="tel:0612345678"`,
			`data-element="privacy-policy-link"`,
			`data-element="legal-notes"`,
			`href="/accessibilita" data-element="accessibility-link"`,
			`WCAG 2.1`,
			`Vai al contenuto`,
			`src="` + StaticURL("vendor/js/htmx.min.js") + `"`,
			`href="` + StaticURL("vendor/css/bootstrap-italia.min.css") + `"`,
			`data-public-path="` + StaticURL("vendor/fonts") + `"`,
		}, []string{`Esci`}},
		{"logged in", Layout{ComuneName: "Comune di Demo", User: "Mario Rossi", PageTitle: "Prova",
			AccessibilityURL: "https://form.agid.gov.it/view/x"},
			[]string{`Mario Rossi`, `action="/esci"`, `href="https://form.agid.gov.it/view/x" data-element="accessibility-link"`},
			[]string{`data-element="breadcrumb"`, `class="alert`, `aria-current="page"`, `data-element="feedback"`, `data-element="report-inefficiency"`}},
		{"page feedback", Layout{ComuneName: "Comune di Demo", PageTitle: "Servizi", PageFeedback: &PageFeedback{Page: "/servizi"}},
			[]string{`data-element="feedback"`, `Quanto sono chiare le informazioni su questa pagina?`, `data-element="feedback-rate-5"`,
				`name="pagina" value="/servizi"`, `Quali sono stati gli aspetti che hai preferito?`, `Dove hai incontrato le maggiori difficoltà?`,
				`data-element="feedback-input-text"`},
			[]string{`data-element="feedback-rate-6"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if err := tmpl.ExecuteTemplate(&b, "layout", demoPage{Layout: tc.layout}); err != nil {
				t.Fatal(err)
			}
			html := b.String()
			for _, w := range tc.want {
				if !strings.Contains(html, w) {
					t.Errorf("missing %s", w)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(html, a) {
					t.Errorf("unexpected %s", a)
				}
			}
		})
	}
}

func TestNewPage(t *testing.T) {
	if _, err := NewPage(); err != nil {
		t.Fatalf("NewPage(): %v", err)
	}
	if _, err := NewPage("missing.html"); err == nil {
		t.Error("NewPage(missing.html): no error")
	}
}
