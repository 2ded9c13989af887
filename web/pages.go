package web

import (
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/codicefiscale"
	"github.com/prenota/prenota/places"
)

// Crumbs shared by the pages of the booking area.
var (
	crumbArea = Crumb{"Prenotazioni", "/area-prenotazioni"}
)

type homePage struct{ Layout }

func (s *server) home(w http.ResponseWriter, r *http.Request) error {
	l := s.layout(r, "", "Servizi online")
	l.Breadcrumb = nil
	l.PageFeedback = &PageFeedback{Page: "/"}
	return s.render(w, r, "home", homePage{l})
}

type areaPage struct{ Layout }

func (s *server) area(w http.ResponseWriter, r *http.Request) error {
	l := s.layout(r, "", "Prenotazioni", Crumb{"Prenotazioni", ""})
	l.PageFeedback = &PageFeedback{Page: "/area-prenotazioni"}
	return s.render(w, r, "area", areaPage{l})
}

// loginPage is "ACCESSO E AUTENTICAZIONE" (SPEC §2). A login method that
// is not configured is not shown.
type loginPage struct {
	Layout
	Next          string
	IP            string // "IP corrente": auth.ClientIP, which honours the trusted proxies
	SPIDURL       string
	CIEURL        string
	OIDCURL       string
	OIDCLabel     string
	Password      bool
	RecoverURL    string // "Recupera password"
	StaffURL      string // "Login assistenza"
	Demo          bool
	DemoUsers     []auth.DemoIdentity
	Error         string // a refusal of the whole page (too many attempts)
	Errors        []booking.FieldError
	CF, Nome      string
	Cognome, User string
}

func (p loginPage) Err(field string) string { return fieldMessage(p.Errors, field) }

// Any reports whether some login method is offered.
func (p loginPage) Any() bool {
	return p.SPIDURL != "" || p.CIEURL != "" || p.OIDCURL != "" || p.Password || p.Demo
}

func (s *server) loginPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderLogin(w, r, loginPage{}, http.StatusOK)
}

func (s *server) renderLogin(w http.ResponseWriter, r *http.Request, p loginPage, status int) error {
	p.Layout = s.layout(r, "", "Accesso e autenticazione", Crumb{"Accesso", ""})
	if p.Next == "" {
		p.Next = auth.SafeNext(r.URL.Query().Get("next"))
	}
	p.IP = auth.ClientIP(r)
	withNext := func(u string) string {
		if u == "" {
			return ""
		}
		return auth.LoginURL(u, p.Next)
	}
	p.SPIDURL, p.CIEURL, p.OIDCURL = withNext(s.cfg.SPIDLoginURL), withNext(s.cfg.CIELoginURL), withNext(s.cfg.OIDCLoginURL)
	p.OIDCLabel = s.cfg.OIDCLabel
	if p.OIDCLabel == "" {
		p.OIDCLabel = "Entra con SPID / CIE"
	}
	p.Password = s.cfg.PasswordLogin != nil
	p.RecoverURL, p.StaffURL = s.cfg.RecoverPasswordURL, s.cfg.StaffLoginURL
	p.Demo, p.DemoUsers = s.cfg.Demo, auth.DemoIdentities
	return s.render(w, r, "accedi", p, status)
}

// demoLogin starts a session for a test identity of the demo provider,
// through Accounts.Login (a new session token, the login audited) and
// within the login limit of the client's address.
func (s *server) demoLogin(w http.ResponseWriter, r *http.Request) error {
	if !s.cfg.Demo {
		return booking.Errorf(booking.ENotFound, "La pagina richiesta non esiste.")
	}
	r.ParseForm()
	next := auth.SafeNext(r.PostFormValue("next"))
	if err := s.cfg.Limits.Login(r); err != nil {
		msg, _ := limitMessage(w, err)
		return s.renderLogin(w, r, loginPage{Next: next, Error: msg}, http.StatusTooManyRequests)
	}
	cf := codicefiscale.Normalize(r.PostFormValue("cf"))
	nome, cognome := strings.TrimSpace(r.PostFormValue("nome")), strings.TrimSpace(r.PostFormValue("cognome"))
	known := false
	for _, d := range auth.DemoIdentities {
		known = known || d.Person.CodiceFiscale == cf
	}
	if !known {
		var fs []booking.FieldError
		if _, err := codicefiscale.Parse(cf); err != nil {
			fs = append(fs, booking.FieldError{Field: "cf", Message: cfMessage(err)})
		}
		if nome == "" || utf8.RuneCountInString(nome) > 100 {
			fs = append(fs, booking.FieldError{Field: "nome", Message: "Il campo Nome è obbligatorio (al massimo 100 caratteri)."})
		}
		if cognome == "" || utf8.RuneCountInString(cognome) > 100 {
			fs = append(fs, booking.FieldError{Field: "cognome", Message: "Il campo Cognome è obbligatorio (al massimo 100 caratteri)."})
		}
		if len(fs) > 0 {
			return s.renderLogin(w, r, loginPage{Next: next, Errors: fs, CF: r.PostFormValue("cf"), Nome: nome, Cognome: cognome}, http.StatusUnprocessableEntity)
		}
	}
	if err := s.startSession(r, auth.DemoLogin(cf, nome, cognome)); err != nil {
		return err
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

// passwordLogin answers the Credenziali form. PasswordLogin applies the
// login limit and the lockout and audits the attempt; the session then
// starts under a new token.
func (s *server) passwordLogin(w http.ResponseWriter, r *http.Request) error {
	if s.cfg.PasswordLogin == nil {
		return booking.Errorf(booking.ENotFound, "L'accesso con credenziali non è attivo.")
	}
	r.ParseForm()
	next := auth.SafeNext(r.PostFormValue("next"))
	id, err := s.cfg.PasswordLogin(r, r.PostFormValue("utente"), r.PostFormValue("password"))
	if err != nil {
		p := loginPage{Next: next, User: r.PostFormValue("utente")}
		status := http.StatusUnauthorized
		msg, limited := limitMessage(w, err)
		switch {
		case limited:
			status = http.StatusTooManyRequests
		case booking.ErrorCode(err) == booking.EUnauthorized:
			msg = booking.ErrorMessage(err)
		default:
			return err
		}
		p.Errors = []booking.FieldError{{Field: "utente", Message: msg}}
		return s.renderLogin(w, r, p, status)
	}
	id.At = time.Now()
	if err := s.sess.Login(r.Context(), id); err != nil {
		return booking.Internal(err)
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
	return nil
}

func (s *server) logout(w http.ResponseWriter, r *http.Request) error {
	id, ok := auth.Current(r.Context())
	if h, held := s.heldState(r); held && ok {
		s.svc.Release(r.Context(), h.ID, id.Subject)
	}
	if ok && id.SAML != nil && (id.Method == "spid" || id.Method == "cie") {
		// Single logout: the SAML provider ends the session here and at
		// the IdP (307 keeps the POST).
		http.Redirect(w, r, "/auth/"+id.Method+"/logout", http.StatusTemporaryRedirect)
		return nil
	}
	if err := s.endSession(r); err != nil {
		return err
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
	return nil
}

// cfMessage is the Italian message of a codice fiscale parse error.
func cfMessage(err error) string {
	if fe, ok := err.(*codicefiscale.FieldError); ok {
		return fe.Message
	}
	return "Il codice fiscale non è valido."
}

// treeNode is a node of the resource tree as the page shows it.
type treeNode struct {
	ID       int64
	Name     string
	Bookable bool
	Open     bool // a group that contains the selected resource
	Current  bool
	Children []treeNode
}

func buildTree(ns []*booking.Node, selected int64) ([]treeNode, bool) {
	var out []treeNode
	found := false
	for _, n := range ns {
		t := treeNode{ID: n.ID, Name: n.Name, Bookable: n.Bookable, Current: n.ID == selected}
		t.Children, t.Open = buildTree(n.Children, selected)
		if t.Current {
			t.Open = true
		}
		found = found || t.Open
		out = append(out, t)
	}
	return out, found
}

// prenotaPage is the "Prenotazioni Online" tab: the tree, and the welcome
// text or the chosen resource's card.
type prenotaPage struct {
	Layout
	Tree     []treeNode
	Welcome  []string
	Resource *booking.Resource
	MapURL   string
	Children []*booking.Node // of a chosen group
}

func (s *server) prenota(w http.ResponseWriter, r *http.Request) error {
	nodes, err := s.svc.Tree(r.Context())
	if err != nil {
		return err
	}
	p := prenotaPage{}
	var selected int64
	if v := r.URL.Query().Get("risorsa"); v != "" {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return booking.Errorf(booking.ENotFound, "La risorsa richiesta non esiste.")
		}
		res, err := s.svc.Resource(r.Context(), id)
		if err != nil {
			return err
		}
		selected, p.Resource = id, &res
		if res.Latitude != nil && res.Longitude != nil {
			lat, lon := strconv.FormatFloat(*res.Latitude, 'f', 5, 64), strconv.FormatFloat(*res.Longitude, 'f', 5, 64)
			p.MapURL = "https://www.openstreetmap.org/?mlat=" + lat + "&mlon=" + lon + "#map=17/" + lat + "/" + lon
		}
		if !res.Bookable {
			p.Children = findChildren(nodes, id)
		}
	}
	p.Tree, _ = buildTree(nodes, selected)
	st, err := s.svc.Settings(r.Context())
	if err != nil {
		return err
	}
	for _, para := range strings.Split(st.Welcome, "\n\n") {
		if strings.TrimSpace(para) != "" {
			p.Welcome = append(p.Welcome, para)
		}
	}
	title := "Prenotazioni Online"
	crumbs := []Crumb{crumbArea, {"Prenotazioni Online", ""}}
	if p.Resource != nil {
		title = p.Resource.Name
		crumbs = []Crumb{crumbArea, {"Prenotazioni Online", "/prenota"}, {p.Resource.Name, ""}}
	}
	p.Layout = s.layout(r, "prenota", title, crumbs...)
	return s.render(w, r, "prenota", p)
}

func findChildren(ns []*booking.Node, id int64) []*booking.Node {
	for _, n := range ns {
		if n.ID == id {
			return n.Children
		}
		if c := findChildren(n.Children, id); c != nil {
			return c
		}
	}
	return nil
}

// contoTerziPage is "Prenotazioni Online conto terzi" (SPEC §9).
type contoTerziPage struct {
	Layout
	Tab   string
	CF    string
	Error string
}

func (s *server) contoTerzi(w http.ResponseWriter, r *http.Request, id auth.Identity) error {
	p := contoTerziPage{CF: id.Impersonating}
	p.Layout = s.layout(r, "conto-terzi", "Prenotazioni Online conto terzi", crumbArea, Crumb{"Conto terzi", ""})
	return s.render(w, r, "conto_terzi", p)
}

func (s *server) impersonate(w http.ResponseWriter, r *http.Request, id auth.Identity) error {
	cf := codicefiscale.Normalize(r.PostFormValue("codice_fiscale"))
	code, err := codicefiscale.Parse(cf)
	if err != nil || cf == id.CodiceFiscale {
		msg := "Il codice fiscale del fruitore è il suo: per prenotare per sé usi la scheda Prenotazioni Online."
		if err != nil {
			msg = cfMessage(err)
		}
		p := contoTerziPage{CF: r.PostFormValue("codice_fiscale"), Error: msg}
		p.Layout = s.layout(r, "conto-terzi", "Prenotazioni Online conto terzi", crumbArea, Crumb{"Conto terzi", ""})
		return s.render(w, r, "conto_terzi", p, http.StatusUnprocessableEntity)
	}
	s.dropHold(r, id)
	if err := s.startImpersonation(r, id, code.Value); err != nil {
		return err
	}
	s.sess.Pop(r.Context(), draftKey)
	s.flash(r.Context(), "success", "Ora prenota per conto del fruitore con codice fiscale "+code.Value+". Scelga la risorsa da prenotare.")
	http.Redirect(w, r, "/prenota", http.StatusSeeOther)
	return nil
}

func (s *server) stopImpersonating(w http.ResponseWriter, r *http.Request, id auth.Identity) error {
	s.dropHold(r, id)
	if err := s.stopImpersonation(r, id); err != nil {
		return err
	}
	s.sess.Pop(r.Context(), draftKey)
	s.flash(r.Context(), "info", "Non sta più prenotando per conto terzi: le prossime prenotazioni saranno a suo nome.")
	http.Redirect(w, r, "/conto-terzi", http.StatusSeeOther)
	return nil
}

// infoPage is a page of plain paragraphs: privacy, legal notes, accessibility.
type infoPage struct {
	Layout
	Paragraphs []string
	Licence    bool // the legal notes' "Licenza dei contenuti"
}

func (s *server) info(w http.ResponseWriter, r *http.Request) error {
	var title string
	var paras []string
	licence := false
	switch r.URL.Path {
	case "/privacy":
		title = "Informativa privacy"
		paras = []string{
			"Il Comune tratta i dati personali inseriti nel servizio di prenotazione (nome, cognome, data e luogo di nascita, codice fiscale, email e telefono) solo per gestire l'appuntamento richiesto e inviare le comunicazioni che lo riguardano.",
			"Il servizio usa soltanto un cookie tecnico di sessione, necessario per l'accesso: nessun cookie di profilazione o di terze parti.",
			"I dati delle prenotazioni passate sono cancellati o resi anonimi dopo il periodo stabilito dal Comune. Per esercitare i suoi diritti (accesso, rettifica, cancellazione) scriva all'indirizzo indicato nei contatti.",
		}
	case "/note-legali":
		title = "Note legali"
		licence = true
		paras = []string{
			"I contenuti di questo servizio sono pubblicati dal Comune. Il software Prenota è libero e a sorgente aperto.",
			"La prenotazione è confermata solo dal messaggio di conferma con il codice di prenotazione.",
		}
	default:
		title = "Dichiarazione di accessibilità"
		paras = []string{
			"Il Comune si impegna a rendere accessibile il servizio di prenotazione online, in conformità alla Legge 4/2004 (Legge Stanca) e alle Linee guida AgID sull'accessibilità degli strumenti informatici.",
			"Il servizio è progettato per rispettare i criteri di successo delle WCAG 2.1 di livello AA: si può usare con la sola tastiera e con i lettori di schermo, e funziona anche senza JavaScript.",
			"Per segnalare un problema di accessibilità scriva all'indirizzo email indicato nei contatti.",
		}
	}
	l := s.layout(r, "", title, Crumb{title, ""})
	l.PageFeedback = &PageFeedback{Page: r.URL.Path}
	return s.render(w, r, "info", infoPage{Layout: l, Paragraphs: paras, Licence: licence})
}

// comuniOptions answers the autocomplete of Comune Nascita: <option>s for a
// <datalist>, filtered by the typed prefix and the chosen province.
func (s *server) comuniOptions(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	prefix := q.Get("comune_nascita")
	cs := places.SearchComuni(prefix, q.Get("provincia_nascita"), 30)
	var b strings.Builder
	for _, c := range cs {
		if c.Suppressed() {
			continue
		}
		fmt.Fprintf(&b, "<option value=\"%s\"></option>", html.EscapeString(c.Name))
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, err := w.Write([]byte(b.String()))
	return err
}
