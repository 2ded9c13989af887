package booking

import (
	"net/mail"
	"net/url"
	"slices"
	"strings"
)

// Sheet holds the texts of a resource's "scheda servizio", the service page
// of the Designers Italia Modello Comuni. Empty texts are hidden, except the
// sections the model requires, which Sections fills from the resource.
type Sheet struct {
	Summary  string   `json:"summary,omitempty"`  // short description under the title
	Topics   []string `json:"topics,omitempty"`   // from Topics, the model's controlled vocabulary
	Audience string   `json:"audience,omitempty"` // "A chi è rivolto"
	HowTo    string   `json:"how_to,omitempty"`   // "Come fare"
	Outcome  string   `json:"outcome,omitempty"`  // "Cosa si ottiene"
	Timing   string   `json:"timing,omitempty"`   // "Tempi e scadenze"
	Cost     string   `json:"cost,omitempty"`     // "Quanto costa"
	More     string   `json:"more,omitempty"`     // "Ulteriori informazioni"
}

// Section is one section of a scheda servizio, in the model's order.
type Section struct {
	ID      string // anchor of the page index: "a-chi-e-rivolto"
	Title   string // "A chi è rivolto"
	Element string // the checker's data-element of the text, or ""
	Text    string // plain text, paragraphs separated by blank lines
	// Page says the page draws the section from the resource: "Accedi al
	// servizio", "Condizioni di servizio", "Contatti".
	Page bool
}

// Sections returns the sections of r's scheda servizio in the model's
// order (those with Page set are drawn by the page from the resource): the
// required ones ("A chi è rivolto", "Descrizione", "Come
// fare", "Cosa serve", "Cosa si ottiene", "Tempi e scadenze") prefilled when
// empty, the others only when written.
func (r Resource) Sections() []Section {
	s := r.Sheet
	or := func(v, def string) string {
		if strings.TrimSpace(v) == "" {
			return def
		}
		return v
	}
	how := "Prenoti l'appuntamento online con il pulsante «Prenota» qui sotto: scelga il giorno e l'ora tra quelli disponibili, completi i suoi dati e confermi. Riceverà per email la conferma con il codice di prenotazione."
	if r.Kind == ByPhone {
		how += " L'appuntamento è telefonico: " + strings.ToLower(r.PhoneMode.Label()) + "."
	}
	docs := "Un documento di riconoscimento valido e il codice di prenotazione."
	if r.Kind == ByPhone {
		docs = "Il codice di prenotazione e un numero di telefono a cui essere raggiunti."
	}
	secs := []Section{
		{"a-chi-e-rivolto", "A chi è rivolto", "service-addressed", or(s.Audience, "A cittadini, residenti e non, imprese e associazioni che hanno bisogno di questo servizio del Comune."), false},
		{"descrizione", "Descrizione", "", or(r.Description, r.Name), false},
		{"come-fare", "Come fare", "service-how-to", or(s.HowTo, how), false},
		{"cosa-serve", "Cosa serve", "service-needed", or(r.Documents, docs), false},
		{"cosa-si-ottiene", "Cosa si ottiene", "service-achieved", or(s.Outcome, "Un appuntamento con l'ufficio nel giorno e nell'ora scelti."), false},
		{"tempi-e-scadenze", "Tempi e scadenze", "service-calendar-text", or(s.Timing, "Le date disponibili sono quelle mostrate dal calendario delle prenotazioni. L'appuntamento si può disdire online fino al suo inizio."), false},
		{"quanto-costa", "Quanto costa", "", s.Cost, false},
		{"accedi-al-servizio", "Accedi al servizio", "", "", true},
		{"ulteriori-informazioni", "Ulteriori informazioni", "", s.More, false},
		{"condizioni-di-servizio", "Condizioni di servizio", "", "", true},
		{"contatti", "Contatti", "", "", true},
	}
	return slices.DeleteFunc(secs, func(x Section) bool { return !x.Page && strings.TrimSpace(x.Text) == "" })
}

// Label is how a phone appointment works, in words.
func (m PhoneMode) Label() string {
	if m == CitizenCalls {
		return "All'ora dell'appuntamento chiami il numero indicato"
	}
	return "Un operatore la richiama al numero indicato"
}

// validate checks the sheet's texts and topics.
func (s Sheet) validate() []FieldError {
	fs := CheckTexts("summary", s.Summary, "audience", s.Audience, "how_to", s.HowTo, "outcome", s.Outcome,
		"timing", s.Timing, "cost", s.Cost, "more", s.More)
	if len([]rune(s.Summary)) > 160 {
		fs = append(fs, FieldError{"summary", "La descrizione breve è di al massimo 160 caratteri."})
	}
	for _, t := range s.Topics {
		if !slices.Contains(Topics, t) {
			fs = append(fs, FieldError{"topics", "L'argomento «" + t + "» non è nel vocabolario controllato del Modello Comuni."})
		}
	}
	return fs
}

// Topics are the "argomenti" of the Modello Comuni's controlled vocabulary.
var Topics = []string{
	"Accesso all'informazione", "Acqua", "Agricoltura", "Anagrafe", "Animale domestico", "Aria",
	"Assistenza agli invalidi", "Assistenza sociale", "Associazioni", "Bilancio", "Commercio al minuto",
	"Commercio all'ingrosso", "Commercio ambulante", "Comunicazione istituzionale", "Comunicazione politica",
	"Concorsi", "Covid-19", "Elezioni", "Energie rinnovabili", "Estero", "Foreste", "Formazione professionale",
	"Gemellaggi", "Gestione rifiuti", "Giustizia", "Igiene pubblica", "Immigrazione", "Imposte", "Imprese",
	"Inquinamento", "Integrazione sociale", "Isolamento termico", "Istruzione", "Lavoro", "Matrimonio",
	"Mercato", "Mobilità sostenibile", "Morte", "Nascita", "Parcheggi", "Patrimonio culturale", "Pesca",
	"Piano di sviluppo", "Pista ciclabile", "PNRR", "Politica commerciale", "Polizia", "Prodotti alimentari",
	"Protezione civile", "Residenza", "Risposta alle emergenze", "Sistema giuridico", "Spazio Verde", "Sport",
	"Sviluppo sostenibile", "Tassa sui servizi", "Tempo libero", "Trasparenza amministrativa",
	"Trasporto pubblico", "Turismo", "Urbanizzazione", "Viaggi", "Zone pedonali", "ZTL",
}

// Site is the Comune's site around the services (the Modello Comuni's main
// menu and footer): links to the Comune's main site, the disservizio
// report, and the services not bookable here.
type Site struct {
	MainURL       string `json:"main_url,omitempty"`       // the Comune's main site
	ManagementURL string `json:"management_url,omitempty"` // "Amministrazione"
	NewsURL       string `json:"news_url,omitempty"`       // "Novità"
	LiveURL       string `json:"live_url,omitempty"`       // "Vivere il Comune"
	// Report is where "Segnala disservizio" leads: a URL, or an email
	// address (linked as mailto:); "" uses the Comune's email.
	Report   string         `json:"report,omitempty"`
	Services []ExternalCard `json:"services,omitempty"`
}

// ExternalCard is a service of the Comune that is not booked here: a card of
// the catalogue linking to its own page (SUAP, SUE, pagamenti).
type ExternalCard struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	URL         string `json:"url"`
	Group       string `json:"group,omitempty"` // the catalogue's heading; "" is "Altri servizi"
}

// ReportHref is the href of "Segnala disservizio": Report as a link, an
// email as mailto:, or mailto: the Comune's email.
func (s Settings) ReportHref() string {
	v := strings.TrimSpace(s.Site.Report)
	if v == "" {
		v = s.Email
	}
	if v == "" {
		return ""
	}
	if strings.Contains(v, "://") || strings.HasPrefix(v, "/") {
		return v
	}
	return "mailto:" + v
}

// validate checks the site's links: absolute http(s) URLs (or a local path),
// the report a URL or an email address, each card with a name and a URL.
func (s Site) validate() []FieldError {
	var fs []FieldError
	link := func(field, v string) {
		if v != "" && !isLink(v) {
			fs = append(fs, FieldError{field, "Indichi un indirizzo web completo, come https://www.comune.demo.it/amministrazione."})
		}
	}
	link("main_url", s.MainURL)
	link("management_url", s.ManagementURL)
	link("news_url", s.NewsURL)
	link("live_url", s.LiveURL)
	fs = append(fs, CheckTexts("main_url", s.MainURL, "management_url", s.ManagementURL, "news_url", s.NewsURL, "live_url", s.LiveURL, "report", s.Report)...)
	if r := strings.TrimSpace(s.Report); r != "" && !isLink(r) {
		if a, err := mail.ParseAddress(r); err != nil || a.Address != r {
			fs = append(fs, FieldError{"report", "Indichi l'indirizzo della pagina di segnalazione (https://…) o un indirizzo email."})
		}
	}
	for _, c := range s.Services {
		fs = append(fs, CheckTexts("services", c.Name+c.Description+c.URL+c.Group)...)
		if strings.TrimSpace(c.Name) == "" || !isLink(c.URL) {
			fs = append(fs, FieldError{"services", "Ogni servizio esterno ha un nome e un indirizzo web completo (https://…)."})
		}
	}
	return fs
}

// isLink reports whether v is an absolute http(s) URL or a local path.
func isLink(v string) bool {
	if strings.HasPrefix(v, "/") && !strings.HasPrefix(v, "//") {
		return true
	}
	u, err := url.Parse(v)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
