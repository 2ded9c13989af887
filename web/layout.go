// Package web renders the citizen pages: html/template pages inside the
// Modello Comuni layout (Bootstrap Italia 2.x, htmx 2.x), and the embedded
// static files under versioned, long-cached URLs.
package web

import (
	"embed"

	"errors"
	"github.com/prenota/prenota/booking"
	"html/template"
	"io/fs"
	"strings"
)

// templateFS holds the page templates. templates/layout.html defines "layout",
// the page furniture of the Designers Italia "Modello Comuni" (header, main
// navigation, breadcrumb, page title, footer); a page template fills its blocks
// "title" (optional, the <title> before " - <Comune>") and "content".
//
//go:embed templates
var templateFS embed.FS

// Layout is what the base layout shows around every page. Page structs embed
// it, so that the layout reads its fields directly:
//
//	type resourcePage struct {
//		web.Layout
//		Resource booking.Resource
//	}
//
// The Comune's fields come from configuration and are the same on every page.
type Layout struct {
	ComuneName string // "Comune di Demo": brand title, <title>, footer
	ComuneURL  string // the Comune's own website, linked from the slim header; "" hides the link
	Address    string // footer contacts: postal address of the offices
	Phone      string // footer contacts: switchboard
	Email      string // footer contacts: general or PEC address
	// AccessibilityURL is the Comune's accessibility declaration (usually on
	// form.agid.gov.it); "" links /accessibilita.
	AccessibilityURL string
	// Logo says the Comune's logo is set: the header brand shows the image
	// served at /logo instead of the generic icon.
	Logo bool
	// The main menu's links to the Comune's main site (Amministrazione,
	// Novità, Vivere il Comune) and the footer's "Segnala disservizio".
	ManagementURL, NewsURL, LiveURL, ReportURL string

	// Feedback is the page-feedback component ("Quanto sono chiare le
	// informazioni su questa pagina?") shown under the content; nil hides it.
	PageFeedback *PageFeedback

	User string // display name of the logged-in user; "" shows the login button
	// Nav is the active item of the main menu: "servizi" or "argomenti"
	// (the booking pages' "prenota", "prenotazioni", "conto-terzi" mark none).
	Nav        string
	Breadcrumb []Crumb // from the home page to the current page, which comes last
	PageTitle  string  // the <h1> and the start of <title>
	// TitleElement is the checker's data-element of the <h1>: "" is
	// "page-name", a scheda servizio's is "service-title".
	TitleElement string
	Flash        Flash // one message shown above the content; zero shows nothing
	// Impersonating is the codice fiscale of the fruitore when the user books
	// for someone else (conto terzi): a banner says so, with "Termina prenotazione per conto terzi".
	Impersonating string
}

// SetComune fills the Comune's fields of l from its settings.
func (l *Layout) SetComune(st booking.Settings) {
	l.ComuneName, l.Address, l.Phone, l.Email = st.Name, st.Address, st.Phone, st.Email
	l.Logo = len(st.Logo) > 0
	if st.A11yURL != "" && st.A11yURL != "/accessibilita" {
		l.AccessibilityURL = st.A11yURL
	}
	l.ComuneURL = st.Site.MainURL
	home := func(v string) string {
		if v != "" {
			return v
		}
		if st.Site.MainURL != "" {
			return st.Site.MainURL
		}
		return "/"
	}
	l.ManagementURL, l.NewsURL, l.LiveURL = home(st.Site.ManagementURL), home(st.Site.NewsURL), home(st.Site.LiveURL)
	l.ReportURL = st.ReportHref()
}

// PageFeedback is the page-feedback component of the Modello Comuni for
// the page at Page (its path), stored with the answers.
type PageFeedback struct {
	Page  string
	Done  bool
	Error string
}

// Stars are the five ratings.
func (PageFeedback) Stars() []int { return []int{1, 2, 3, 4, 5} }

// Positive and Negative are the model's answers to the follow-up
// questions of a rating above 3 and of one up to 3.
func (PageFeedback) Positive() []string { return positiveReasons }
func (PageFeedback) Negative() []string { return negativeReasons }

// Crumb is one breadcrumb item. The last item is the current page and is not
// linked.
type Crumb struct {
	Label string
	URL   string
}

// Flash is a message for the user shown above the page content, such as
// "Prenotazione annullata". Kind is a Bootstrap Italia alert colour:
// "success", "info", "warning" or "danger" (the default).
type Flash struct {
	Kind string
	Text string
}

// Funcs returns the template functions every page may use:
//
//	static "vendor/js/htmx.min.js"  → the versioned URL (StaticURL)
//	icon "it-user"                  → the URL of a Bootstrap Italia sprite icon
func Funcs() template.FuncMap {
	return template.FuncMap{
		"static": StaticURL,
		"icon": func(id string) string {
			return StaticURL("vendor/svg/sprites.svg") + "#" + id
		},
		// lastIndex is len-1, for the current page of a breadcrumb.
		"lastIndex": func(items []Crumb) int { return len(items) - 1 },
		// dict builds the data of a partial template from key, value pairs:
		// {{template "input" dict "Name" "nome" "Label" "Nome"}}.
		"dict": func(kv ...any) (map[string]any, error) {
			if len(kv)%2 != 0 {
				return nil, errors.New("dict: odd number of arguments")
			}
			m := make(map[string]any, len(kv)/2)
			for i := 0; i < len(kv); i += 2 {
				k, ok := kv[i].(string)
				if !ok {
					return nil, errors.New("dict: keys must be strings")
				}
				m[k] = kv[i+1]
			}
			return m, nil
		},
		// telHref keeps the digits and a leading + of a phone number.
		"telHref": func(phone string) string {
			return strings.Map(func(r rune) rune {
				if r >= '0' && r <= '9' || r == '+' {
					return r
				}
				return -1
			}, phone)
		},
	}
}

// NewPage parses the base layout and the page templates of web/templates
// that match patterns (e.g. "resource.html"), for a handler to execute as
// t.ExecuteTemplate(w, "layout", page). Parse every page once at start: a
// missing or broken template is an error then, not at request time.
func NewPage(patterns ...string) (*template.Template, error) {
	sub, err := fs.Sub(templateFS, "templates")
	if err != nil {
		return nil, err
	}
	return NewPageFS(sub, patterns...)
}

// NewPageFS is like NewPage with the page templates read from fsys; tests use
// it to render pages of their own inside the real layout.
func NewPageFS(fsys fs.FS, patterns ...string) (*template.Template, error) {
	t, err := template.New("").Funcs(Funcs()).ParseFS(templateFS, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	if len(patterns) == 0 {
		return t, nil
	}
	return t.ParseFS(fsys, patterns...)
}
