package web

import (
	"encoding/json"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/prenota/prenota/booking"
)

// The site around the booking (the Designers Italia Modello Comuni): the
// services catalogue, a scheda servizio per bookable resource, the topics
// page and the FAQ.

// card is a service of the catalogue: a scheda servizio here, or a page
// of the Comune elsewhere.
type card struct {
	Name, Text, URL string
	External        bool
}

// cardGroup is a heading of the catalogue with its cards.
type cardGroup struct {
	ID    string // anchor of its heading
	Name  string
	Cards []card
}

type catalogPage struct {
	Layout
	Query, Topic string
	Groups       []cardGroup
	Count        int
}

// services is the catalogue "Servizi": every bookable resource as a card,
// grouped by the tree's top groups, then the Comune's other services;
// ?q= searches names and texts, ?argomento= filters by topic.
func (s *server) services(w http.ResponseWriter, r *http.Request) error {
	nodes, err := s.svc.Tree(r.Context())
	if err != nil {
		return err
	}
	st, err := s.svc.Settings(r.Context())
	if err != nil {
		return err
	}
	p := catalogPage{Query: strings.TrimSpace(r.URL.Query().Get("q")), Topic: r.URL.Query().Get("argomento")}
	match := func(topics []string, texts ...string) bool {
		if p.Topic != "" && !slices.Contains(topics, p.Topic) {
			return false
		}
		q := strings.ToLower(p.Query)
		for _, t := range append(texts, topics...) {
			if strings.Contains(strings.ToLower(t), q) {
				return true
			}
		}
		return false
	}
	byName := map[string]int{}
	add := func(id, group string, c card) {
		i, ok := byName[group]
		if !ok {
			i = len(p.Groups)
			byName[group] = i
			p.Groups = append(p.Groups, cardGroup{ID: id, Name: group})
		}
		p.Groups[i].Cards = append(p.Groups[i].Cards, c)
		p.Count++
	}
	for _, n := range nodes {
		id, group := groupOf(n)
		for _, res := range bookables(n) {
			if match(res.Sheet.Topics, res.Name, res.Sheet.Summary, res.Description) {
				add(id, group, card{Name: res.Name, Text: summary(res.Resource), URL: "/servizi/" + strconv.FormatInt(res.ID, 10)})
			}
		}
	}
	for _, c := range st.Site.Services {
		if match(nil, c.Name, c.Description, c.Group) {
			add("altri-servizi", orDefault(c.Group, "Altri servizi"), card{Name: c.Name, Text: c.Description, URL: c.URL, External: true})
		}
	}
	p.Layout = s.layout(r, "servizi", "Servizi", Crumb{"Servizi", ""})
	p.PageFeedback = &PageFeedback{Page: "/servizi"}
	return s.render(w, r, "servizi", p)
}

// groupOf is the catalogue's group of the top node n: its anchor and name.
func groupOf(n *booking.Node) (string, string) {
	if n.Bookable {
		return "servizi-comune", "Servizi del Comune"
	}
	return "gruppo-" + strconv.FormatInt(n.ID, 10), n.Name
}

// bookables are the bookable resources of the subtree n, in tree order.
func bookables(n *booking.Node) []*booking.Node {
	if n.Bookable {
		return []*booking.Node{n}
	}
	var out []*booking.Node
	for _, c := range n.Children {
		out = append(out, bookables(c)...)
	}
	return out
}

// orDefault is v, or def when v is blank.
func orDefault(v, def string) string {
	if strings.TrimSpace(v) == "" {
		return def
	}
	return v
}

// summary is the short description of a resource: its sheet's, or the
// first sentence of its description.
func summary(r booking.Resource) string {
	if r.Sheet.Summary != "" {
		return r.Sheet.Summary
	}
	d := r.Description
	if i := strings.Index(d, ". "); i > 0 {
		d = d[:i+1]
	}
	return d
}

type sheetPage struct {
	Layout
	Resource booking.Resource
	Summary  string
	Sections []booking.Section
	Group    string
	MapURL   string
	Booking  string      // the booking flow's first step
	Calendar []string    // the booking window, for "Tempi e scadenze"
	JSONLD   template.JS // the GovernmentService description
}

// sheet is the scheda servizio of a bookable resource.
func (s *server) sheet(w http.ResponseWriter, r *http.Request) error {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return booking.Errorf(booking.ENotFound, "Il servizio richiesto non esiste.")
	}
	nodes, err := s.svc.Tree(r.Context())
	if err != nil {
		return err
	}
	var res *booking.Node
	var anchor, group string
	for _, n := range nodes {
		for _, b := range bookables(n) {
			if b.ID == id {
				res = b
				anchor, group = groupOf(n)
			}
		}
	}
	if res == nil {
		return booking.Errorf(booking.ENotFound, "Il servizio richiesto non esiste.")
	}
	path := "/servizi/" + strconv.FormatInt(id, 10)
	p := sheetPage{Resource: res.Resource, Summary: summary(res.Resource), Sections: res.Sections(), Group: group,
		Booking: "/prenota/" + strconv.FormatInt(id, 10) + "/disponibilita", MapURL: mapURL(res.Resource)}
	sc := res.Schedule
	p.Calendar = append(p.Calendar, "Durata di un appuntamento: "+strconv.Itoa(sc.SlotMinutes)+" minuti")
	if sc.DaysAhead > 0 {
		p.Calendar = append(p.Calendar, "Si prenota fino a "+strconv.Itoa(sc.DaysAhead)+" giorni prima")
	}
	if sc.OpenDay > 0 {
		p.Calendar = append(p.Calendar, "Le date del mese successivo si aprono il giorno "+strconv.Itoa(sc.OpenDay)+" di ogni mese alle "+sc.OpenTime.String())
	}
	if sc.MinNoticeMinutes > 0 {
		p.Calendar = append(p.Calendar, "Preavviso minimo: "+noticeText(sc.MinNoticeMinutes))
	}
	p.Layout = s.layout(r, "servizi", res.Name, Crumb{"Servizi", "/servizi"}, Crumb{group, "/servizi#" + anchor}, Crumb{res.Name, ""})
	p.TitleElement = "service-title"
	p.PageFeedback = &PageFeedback{Page: path}
	ld, err := governmentService(p, s.cfg.BaseURL, path)
	if err != nil {
		return booking.Internal(err)
	}
	p.JSONLD = ld
	return s.render(w, r, "servizio", p)
}

func noticeText(min int) string {
	switch {
	case min%(24*60) == 0:
		d := min / (24 * 60)
		if d == 1 {
			return "un giorno"
		}
		return strconv.Itoa(d) + " giorni"
	case min%60 == 0:
		h := min / 60
		if h == 1 {
			return "un'ora"
		}
		return strconv.Itoa(h) + " ore"
	}
	return strconv.Itoa(min) + " minuti"
}

// mapURL links the OpenStreetMap page of r's position, or "".
func mapURL(r booking.Resource) string {
	if r.Latitude == nil || r.Longitude == nil {
		return ""
	}
	lat, lon := strconv.FormatFloat(*r.Latitude, 'f', 5, 64), strconv.FormatFloat(*r.Longitude, 'f', 5, 64)
	return "https://www.openstreetmap.org/?mlat=" + lat + "&mlon=" + lon + "#map=17/" + lat + "/" + lon
}

// governmentService is the schema.org GovernmentService of a scheda
// servizio, as JSON-LD (json.Marshal escapes <, > and &, so it cannot end
// its <script>).
func governmentService(p sheetPage, base, path string) (template.JS, error) {
	base = strings.TrimRight(base, "/")
	type thing = map[string]any
	res := p.Resource
	provider := thing{"@type": "GovernmentOrganization", "name": p.ComuneName}
	if p.Address != "" {
		provider["address"] = p.Address
	}
	office := thing{"@type": "GovernmentOrganization", "name": orDefault(res.Office, p.ComuneName)}
	if res.Address != "" {
		office["address"] = res.Address
	}
	if res.Phone != "" {
		office["telephone"] = res.Phone
	}
	if res.Email != "" {
		office["email"] = res.Email
	}
	ld := thing{
		"@context":        "https://schema.org",
		"@type":           "GovernmentService",
		"name":            res.Name,
		"description":     p.Summary,
		"serviceType":     p.Group,
		"provider":        provider,
		"serviceOperator": office,
		"areaServed":      thing{"@type": "AdministrativeArea", "name": p.ComuneName},
		"url":             base + path,
		"availableChannel": thing{"@type": "ServiceChannel", "name": "Prenotazione online",
			"serviceUrl": base + p.Booking, "availableLanguage": "it"},
	}
	if len(res.Sheet.Topics) > 0 {
		ld["keywords"] = strings.Join(res.Sheet.Topics, ", ")
	}
	for _, sec := range p.Sections {
		if sec.ID == "a-chi-e-rivolto" {
			ld["audience"] = thing{"@type": "Audience", "audienceType": sec.Text}
		}
	}
	b, err := json.Marshal(ld)
	return template.JS(b), err
}

// topic is an argomento of the topics page with its services.
type topic struct {
	Name     string
	Services []card
}

type topicsPage struct {
	Layout
	Topics []topic
}

// topics is "Argomenti": the controlled vocabulary's topics that the
// services use, each with its services.
func (s *server) topics(w http.ResponseWriter, r *http.Request) error {
	nodes, err := s.svc.Tree(r.Context())
	if err != nil {
		return err
	}
	by := map[string][]card{}
	for _, n := range nodes {
		for _, b := range bookables(n) {
			for _, t := range b.Sheet.Topics {
				by[t] = append(by[t], card{Name: b.Name, URL: "/servizi/" + strconv.FormatInt(b.ID, 10)})
			}
		}
	}
	p := topicsPage{}
	for _, t := range booking.Topics {
		if len(by[t]) > 0 {
			p.Topics = append(p.Topics, topic{t, by[t]})
		}
	}
	p.Layout = s.layout(r, "argomenti", "Argomenti", Crumb{"Argomenti", ""})
	p.PageFeedback = &PageFeedback{Page: "/argomenti"}
	return s.render(w, r, "argomenti", p)
}

type faqPage struct {
	Layout
	Questions []struct{ Q, A string }
}

// faqs are the questions of the FAQ page.
var faqs = []struct{ Q, A string }{
	{"Come prenoto un appuntamento?", "Apra la pagina del servizio in «Servizi» e scelga «Prenota»: acceda con SPID o CIE, scelga il giorno e l'ora tra quelli disponibili, completi i suoi dati e confermi. Riceverà un'email con il codice di prenotazione."},
	{"Per quanto tempo resta riservato l'orario scelto?", "Per dieci minuti, il tempo di completare i dati e confermare: la pagina mostra il tempo che resta e permette di prolungarlo una volta. Poi l'orario torna disponibile per gli altri."},
	{"Come disdico una prenotazione?", "In «Le mie prenotazioni» apra la prenotazione e scelga «Disdici»: l'orario torna disponibile e riceverà un'email di conferma della disdetta."},
	{"Posso prenotare per un'altra persona?", "Sì, con «Prenotazioni Online conto terzi»: indichi il codice fiscale della persona per cui prenota; l'appuntamento sarà a suo nome."},
	{"Non ho ricevuto l'email di conferma: la prenotazione è valida?", "La prenotazione è valida se la pagina le ha mostrato il codice di prenotazione. La ritrova in «Le mie prenotazioni», dove può scaricare la ricevuta in PDF."},
	{"Cosa devo portare all'appuntamento?", "I documenti indicati nella sezione «Cosa serve» della pagina del servizio, e il codice di prenotazione (anche sul telefono)."},
}

// faq is "Domande frequenti", about booking online.
func (s *server) faq(w http.ResponseWriter, r *http.Request) error {
	p := faqPage{Layout: s.layout(r, "", "Domande frequenti", Crumb{"Domande frequenti", ""}), Questions: faqs}
	p.PageFeedback = &PageFeedback{Page: "/faq"}
	return s.render(w, r, "faq", p)
}
