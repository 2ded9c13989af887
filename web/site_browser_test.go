package web_test

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/prenota/prenota/internal/browsertest"
)

// pageFacts is what the crawl reads of a page in chromedp.
type pageFacts struct {
	Path  string              `json:"path"`
	Hooks [][]string          `json:"hooks"` // [data-element, href] in document order
	Menu  []string            `json:"menu"`  // the main menu's data-elements
	Fonts []string            `json:"fonts"` // first family of the computed font of every element with text
	Class []string            `json:"classes"`
	Index []string            `json:"index"`    // the page index's entries
	Heads []string            `json:"sections"` // the section titles (h2) of the content column
	LD    string              `json:"ld"`       // the metatag JSON-LD
	Texts map[string][]string `json:"texts"`    // text of some hooks
}

const factsJS = `(() => {
  const els = [...document.querySelectorAll('[data-element]')];
  const hooks = els.map(e => [e.dataset.element, e.getAttribute('href') || '']);
  const menu = [...document.querySelectorAll('[data-element="main-navigation"] > li > a')].map(a => a.dataset.element);
  const fonts = new Set(), classes = new Set();
  for (const e of document.querySelectorAll('body *')) {
    e.classList.forEach(c => classes.add(c));
    if ([...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) {
      fonts.add(getComputedStyle(e).fontFamily.split(',')[0].trim().replace(/["']/g, ''));
    }
  }
  const texts = {};
  for (const k of ['feedback-title', 'feedback-rating-question', 'feedback-rating-answer', 'legal-notes-section', 'legal-notes-body', 'service-status', 'service-title']) {
    texts[k] = [...document.querySelectorAll('[data-element="' + k + '"]')].map(e => e.textContent.trim().replace(/\s+/g, ' '));
  }
  const ld = document.querySelector('script[data-element="metatag"]');
  return {path: location.pathname, hooks, menu, fonts: [...fonts], classes: [...classes],
    index: [...document.querySelectorAll('[data-element="page-index"] a')].map(a => a.textContent.trim()),
    sections: [...document.querySelectorAll('.it-page-section > h2')].map(h => h.textContent.trim()),
    ld: ld ? ld.textContent : '', texts};
})()`

// biClasses are the class names Bootstrap Italia's stylesheet defines.
func biClasses(t *testing.T) map[string]bool {
	b, err := os.ReadFile(filepath.Join(browsertest.RepoRoot(t), "web/static/vendor/css/bootstrap-italia.min.css"))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, m := range regexp.MustCompile(`\.(-?[_a-zA-Z][_a-zA-Z0-9-]*)`).FindAllSubmatch(b, -1) {
		out[string(m[1])] = true
	}
	return out
}

func (f pageFacts) hrefs(element string) []string {
	var out []string
	for _, h := range f.Hooks {
		if h[0] == element {
			out = append(out, h[1])
		}
	}
	return out
}

// position is the index of the first hook element in document order, or -1.
func (f pageFacts) position(element string) int {
	return slices.IndexFunc(f.Hooks, func(h []string) bool { return h[0] == element })
}

// TestBrowserSiteCrawl walks the demo site from / as the conformity checker
// does, following only data-element hooks: the main menu, the catalogue's
// service cards, every scheda servizio with its hooks in the model's order
// and its GovernmentService, the booking flow, FAQ, disservizio, privacy,
// note legali, accessibility and topics. On every page: Bootstrap Italia's
// classes are the majority, the only fonts are Titillium Web, Lora and
// Roboto Mono, the feedback component is the model's, axe finds nothing,
// at 1280 and at 360 px.
func TestBrowserSiteCrawl(t *testing.T) {
	t.Parallel()
	base := serve(t, 0)
	bi := biClasses(t)
	ctx := browsertest.New(t, browsertest.Desktop())
	visited := map[string]pageFacts{}
	visit := func(path string) pageFacts {
		t.Helper()
		if f, ok := visited[path]; ok {
			return f
		}
		browsertest.Navigate(ctx, t, base+path)
		f := get(ctx, t, "facts of "+path, chromedp.Evaluate[pageFacts](factsJS))
		visited[path] = f
		if want := []string{"management", "news", "all-services", "live"}; !slices.Equal(f.Menu, want) {
			t.Errorf("%s: main menu %v, want %v", path, f.Menu, want)
		}
		for _, font := range f.Fonts {
			if font != "Titillium Web" && font != "Lora" && font != "Roboto Mono" {
				t.Errorf("%s: font %q", path, font)
			}
		}
		n := 0
		for _, c := range f.Class {
			if bi[c] {
				n++
			}
		}
		if 2*n <= len(f.Class) {
			t.Errorf("%s: %d of %d classes are Bootstrap Italia's", path, n, len(f.Class))
		}
		browsertest.Axe(ctx, t, path)
		return f
	}
	local := func(href string) string {
		u, err := url.Parse(href)
		if err != nil || (u.Host != "" && base != "http://"+u.Host) {
			return ""
		}
		return u.RequestURI()
	}
	one := func(f pageFacts, element string) string {
		t.Helper()
		hs := f.hrefs(element)
		if len(hs) == 0 || hs[0] == "" {
			t.Fatalf("%s: no %s link", f.Path, element)
		}
		return hs[0]
	}
	feedback := func(f pageFacts) {
		t.Helper()
		if f.position("feedback") < 0 || !slices.Equal(f.Texts["feedback-title"], []string{"Quanto sono chiare le informazioni su questa pagina?"}) {
			t.Errorf("%s: feedback component or its title missing: %v", f.Path, f.Texts["feedback-title"])
		}
		for i := 1; i <= 5; i++ {
			if f.position("feedback-rate-"+string(rune('0'+i))) < 0 {
				t.Errorf("%s: no feedback-rate-%d", f.Path, i)
			}
		}
		wantQ := []string{"Quali sono stati gli aspetti che hai preferito?", "Dove hai incontrato le maggiori difficoltà?"}
		wantA := []string{"Le indicazioni erano chiare", "Le indicazioni erano complete", "Capivo sempre che stavo procedendo correttamente", "Non ho avuto problemi tecnici", "Altro",
			"A volte le indicazioni non erano chiare", "A volte le indicazioni non erano complete", "A volte non capivo se stavo procedendo correttamente", "Ho avuto problemi tecnici", "Altro"}
		if !slices.Equal(f.Texts["feedback-rating-question"], wantQ) || !slices.Equal(f.Texts["feedback-rating-answer"], wantA) || f.position("feedback-input-text") < 0 {
			t.Errorf("%s: feedback questions %v answers %v", f.Path, f.Texts["feedback-rating-question"], f.Texts["feedback-rating-answer"])
		}
	}

	home := visit("/")
	feedback(home)
	browsertest.Screenshot(ctx, t, "home")
	if r := one(home, "report-inefficiency"); r != "https://www.comune.demo.it/segnala-disservizio" {
		t.Errorf("disservizio: %q", r)
	}
	faq := visit(local(one(home, "faq")))
	if faq.Path != "/faq" {
		t.Errorf("faq: %s", faq.Path)
	}
	visit(local(one(home, "privacy-policy-link")))
	visit(local(one(home, "accessibility-link")))
	legal := visit(local(one(home, "legal-notes")))
	if !slices.Equal(legal.Texts["legal-notes-section"], []string{"Licenza dei contenuti"}) || len(legal.Texts["legal-notes-body"]) != 1 ||
		!strings.HasPrefix(legal.Texts["legal-notes-body"][0], "In applicazione del principio open by default ai sensi dell’articolo 52 del decreto legislativo 7 marzo 2005, n. 82 (CAD)") ||
		!strings.Contains(legal.Texts["legal-notes-body"][0], "rilasciati con licenza CC-BY 4.0. Gli utenti sono quindi liberi di condividere") {
		t.Errorf("licence: %v %v", legal.Texts["legal-notes-section"], legal.Texts["legal-notes-body"])
	}
	browsertest.Screenshot(ctx, t, "note-legali")
	topics := visit(local(one(home, "all-topics")))
	if n := len(topics.hrefs("topic-element")); n < 10 {
		t.Errorf("topics page: %d topic-element links", n)
	}
	browsertest.Screenshot(ctx, t, "argomenti")
	area := visit(local(one(home, "appointment-booking")))
	feedback(area)
	catalogue := visit(local(one(home, "all-services")))
	feedback(catalogue)
	browsertest.Screenshot(ctx, t, "servizi")
	if catalogue.position("appointment-booking") < 0 {
		t.Error("catalogue: no appointment-booking")
	}
	var sheets []string
	for _, h := range catalogue.hrefs("service-link") {
		if p := local(h); p != "" {
			sheets = append(sheets, p)
		}
	}
	if len(sheets) < 10 || len(catalogue.hrefs("service-link")) != len(sheets)+3 {
		t.Fatalf("catalogue: %d service cards here, %d in all", len(sheets), len(catalogue.hrefs("service-link")))
	}
	order := []string{"service-title", "service-status", "service-description", "service-topic", "page-index",
		"service-addressed", "service-how-to", "service-needed", "service-achieved", "service-calendar-text", "service-booking-access", "service-area"}
	index := []string{"A chi è rivolto", "Descrizione", "Come fare", "Cosa serve", "Cosa si ottiene", "Tempi e scadenze"}
	for i, p := range sheets {
		f := visit(p)
		if i == 0 {
			browsertest.Screenshot(ctx, t, "servizio")
		}
		feedback(f)
		last := -1
		for _, e := range order {
			pos := f.position(e)
			if pos <= last {
				t.Errorf("%s: %s at %d, after %d (hooks %v)", p, e, pos, last, f.Hooks)
			}
			last = pos
		}
		if !slices.Equal(f.Texts["service-status"], []string{"Servizio attivo"}) {
			t.Errorf("%s: status %v", p, f.Texts["service-status"])
		}
		if !slices.Equal(f.Index, f.Heads) || !slices.Equal(f.Index[:6], index) ||
			!slices.Contains(f.Index, "Accedi al servizio") || f.Index[len(f.Index)-1] != "Contatti" {
			t.Errorf("%s: index %v, sections %v", p, f.Index, f.Heads)
		}
		var ld struct {
			Type, Name, Description, URL string
			Provider, AreaServed         struct{ Name string }
		}
		var raw map[string]json.RawMessage
		if err := json.Unmarshal([]byte(f.LD), &raw); err != nil {
			t.Errorf("%s: metatag: %v", p, err)
			continue
		}
		json.Unmarshal([]byte(f.LD), &ld)
		json.Unmarshal(raw["@type"], &ld.Type)
		if ld.Type != "GovernmentService" || ld.Name != f.Texts["service-title"][0] || ld.Description == "" ||
			ld.Provider.Name != "Comune di Demo" || ld.AreaServed.Name != "Comune di Demo" || ld.URL != "http://127.0.0.1"+p {
			t.Errorf("%s: GovernmentService %+v", p, ld)
		}
		// The booking flow: the Prenota button opens the week grid after the login.
		bookingPath := local(one(f, "service-booking-access"))
		if !regexp.MustCompile(`^/prenota/\d+/disponibilita$`).MatchString(bookingPath) || local(one(f, "appointment-booking")) != bookingPath {
			t.Errorf("%s: booking links %q %q", p, bookingPath, one(f, "appointment-booking"))
		}
	}
	// The booking flow from a scheda: login, then the grid of that service.
	browsertest.Navigate(ctx, t, base+sheets[0])
	clickAndWait(ctx, t, `[data-element="service-booking-access"]`, "/accedi")
	clickAndWait(ctx, t, `button.demo-identity[value="`+giuliaCF+`"]`, local(one(visited[sheets[0]], "service-booking-access")))

	// The same pages at 360 px: axe, and screenshots of the new ones.
	phone := browsertest.New(t, browsertest.Phone())
	for _, p := range slices.Sorted(func(yield func(string) bool) {
		for p := range visited {
			if !yield(p) {
				return
			}
		}
	}) {
		browsertest.Navigate(phone, t, base+p)
		browsertest.Axe(phone, t, "phone "+p)
		browsertest.NoHorizontalScroll(phone, t)
		if p == "/servizi" || p == sheets[0] || p == "/argomenti" || p == "/" {
			browsertest.Screenshot(phone, t, "phone-"+strings.ReplaceAll(p, "/", "_"))
		}
	}
	t.Logf("crawled %d pages, %d schede servizio", len(visited), len(sheets))
}
