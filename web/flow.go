package web

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/places"
)

// Session keys of the booking in progress.
const (
	holdKey  = "web.hold"       // heldSlots: the hold placed by "Continua"
	draftKey = "web.anagrafica" // anagraficaForm: what the user typed in step 2
	notesKey = "web.conferma"   // confirmDraft: what the user typed in step 3, kept when the hold runs out
	lapseKey = "web.scaduta"    // heldSlots: the hold that ran out, offered again on the grid
)

// confirmDraft is what was typed in step 3.
type confirmDraft struct {
	Motivazione, Nota string
	Extra             map[string]string
}

// keepNotes keeps what was typed in step 3 for when the slots are held again.
func (s *server) keepNotes(r *http.Request, p confermaPage) {
	b, _ := json.Marshal(confirmDraft{p.Motivazione, p.Nota, p.Extra})
	s.sess.Put(r.Context(), notesKey, string(b))
}

// lapse ends the hold h that ran out (msg says why): the grid it came from tells the user
// and offers the same slots again.
func (s *server) lapse(w http.ResponseWriter, r *http.Request, id auth.Identity, h heldSlots, msg string) {
	s.dropHold(r, id)
	b, _ := json.Marshal(h)
	s.sess.Put(r.Context(), lapseKey, string(b))
	s.flash(r.Context(), "warning", msg)
	http.Redirect(w, r, h.gridURL(), http.StatusSeeOther)
}

// heldSlots is the hold of the booking in progress, kept in the session.
type heldSlots struct {
	ID         string    `json:"id"`
	ResourceID int64     `json:"resource_id"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	ExpiresAt  time.Time `json:"expires_at"`
	Slots      int       `json:"slots"`
	Week       string    `json:"week"`
	Extended   bool      `json:"extended,omitempty"` // "Prolunga" was used
}

func (h heldSlots) gridURL() string {
	return fmt.Sprintf("/prenota/%d/disponibilita?settimana=%s", h.ResourceID, h.Week)
}

func (s *server) heldState(r *http.Request) (heldSlots, bool) {
	var h heldSlots
	v := s.sess.Get(r.Context(), holdKey)
	if v == "" || json.Unmarshal([]byte(v), &h) != nil || h.ID == "" {
		return heldSlots{}, false
	}
	return h, true
}

// dropHold releases the hold in progress, if any, and forgets it.
func (s *server) dropHold(r *http.Request, id auth.Identity) (heldSlots, bool) {
	h, ok := s.heldState(r)
	if ok {
		if err := s.svc.Release(r.Context(), h.ID, id.Subject); err != nil && booking.ErrorCode(err) != booking.ENotFound {
			s.log.Warn("web: release hold", "hold", h.ID, "err", err)
		}
	}
	s.sess.Pop(r.Context(), holdKey)
	return h, ok
}

const expiredText = "Il tempo per completare la prenotazione è scaduto: lo slot è stato liberato. Se lo desidera, scelga di nuovo un orario e prema «Continua»."

// requireHold returns the live hold in progress; without one it redirects
// (to the tree, or, when the hold expired, back to the grid with a message)
// and returns false.
func (s *server) requireHold(w http.ResponseWriter, r *http.Request, id auth.Identity) (heldSlots, bool) {
	h, ok := s.heldState(r)
	if !ok {
		s.flash(r.Context(), "info", "Non c'è una prenotazione in corso: scelga una risorsa e un orario.")
		http.Redirect(w, r, "/prenota", http.StatusSeeOther)
		return h, false
	}
	if !time.Now().Before(h.ExpiresAt) {
		s.lapse(w, r, id, h, expiredText)
		return h, false
	}
	return h, true
}

// holdBanner is "Attenzione — Restano mm:ss per completare la prenotazione".
type holdBanner struct {
	ExpiresAt string // RFC 3339, for the countdown script
	Remaining string // "09:55" at render time
	Until     string // "10:42": the expiry time, for readers without JavaScript
	// Extend is set when "Prolunga" is offered: the id of the step's form
	// that the button sends (so that what was typed is kept), "" for the
	// banner's own.
	Extend *string
}

// bannerOf is the banner of the hold h on a step whose form has the id
// form ("" for none).
func (s *server) bannerOf(r *http.Request, h heldSlots, form string) *holdBanner {
	d := max(time.Until(h.ExpiresAt), 0)
	sec := int(d.Round(time.Second).Seconds())
	b := &holdBanner{ExpiresAt: h.ExpiresAt.Format(time.RFC3339), Remaining: fmt.Sprintf("%02d:%02d", sec/60, sec%60),
		Until: rome(h.ExpiresAt).Format("15:04:05")}
	if st, err := s.svc.Settings(r.Context()); err == nil && st.HoldExtension() && !h.Extended {
		b.Extend = &form
	}
	return b
}

// stepPage is what the three steps share.
type stepPage struct {
	Layout
	Step     int // 1 Disponibilità, 2 Anagrafica, 3 Conferma, 4 done
	Resource booking.Resource
	Hold     *holdBanner
	Errors   []booking.FieldError
}

// Err returns the message of field's error, "" when it has none.
func (p stepPage) Err(field string) string { return fieldMessage(p.Errors, field) }

func fieldMessage(fs []booking.FieldError, field string) string {
	for _, f := range fs {
		if f.Field == field {
			return f.Message
		}
	}
	return ""
}

func (s *server) stepLayout(r *http.Request, res booking.Resource, title string) Layout {
	return s.layout(r, "prenota", title, crumbArea, Crumb{"Prenotazioni Online", "/prenota"},
		Crumb{res.Name, fmt.Sprintf("/prenota?risorsa=%d", res.ID)}, Crumb{title, ""})
}

// disponibilitaPage is step 1: the week grid.
type disponibilitaPage struct {
	stepPage
	Grid   gridView
	Legend []legendItem
	Error  string
	Again  *againForm
}

// againForm holds again, in one click, the slots of a hold that ran out
// while they are still free.
type againForm struct {
	Slots []string // RFC 3339 starts
	Week  string
	Text  string // "mercoledì 9 dicembre 2026, dalle 10:00 alle 12:00"
}

// againOf offers the slots of h again if days shows them all free.
func againOf(h heldSlots, days []booking.Day) *againForm {
	a := againForm{Week: h.Week, Text: span(h.Start, h.End)}
	for _, d := range days {
		for _, c := range d.Cells {
			if !c.Start.Before(h.Start) && !h.End.Before(c.End) {
				if c.State != booking.Free {
					return nil
				}
				a.Slots = append(a.Slots, c.Start.Format(time.RFC3339))
			}
		}
	}
	if len(a.Slots) != h.Slots {
		return nil
	}
	return &a
}

func (s *server) bookableResource(r *http.Request) (booking.Resource, error) {
	rid, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		return booking.Resource{}, booking.Errorf(booking.ENotFound, "La risorsa richiesta non esiste.")
	}
	res, err := s.svc.Resource(r.Context(), rid)
	if err != nil {
		return res, err
	}
	if !res.Bookable {
		return res, booking.Errorf(booking.ENotFound, "La risorsa indicata è un gruppo: scelga una delle risorse che contiene.")
	}
	return res, nil
}

func (s *server) availability(w http.ResponseWriter, r *http.Request, id auth.Identity) error {
	res, err := s.bookableResource(r)
	if err != nil {
		return err
	}
	if handled, err := s.queueGate(w, r, id, res, false); handled || err != nil {
		return err
	}
	return s.renderGrid(w, r, id, res, r.URL.Query().Get("settimana"), nil, "", http.StatusOK)
}

// renderGrid shows the week of week (any day of it; "" the current one)
// with the starts in picked, or else the hold in progress, selected.
func (s *server) renderGrid(w http.ResponseWriter, r *http.Request, id auth.Identity, res booking.Resource, week string, picked []time.Time, errText string, status int) error {
	today := booking.DateOf(s.svc.Now(), booking.Rome)
	monday := mondayOf(today)
	if d, err := booking.ParseDate(week); err == nil && monday.Before(mondayOf(d)) {
		monday = mondayOf(d)
	}
	if monday.Before(today.AddDays(-6)) {
		monday = mondayOf(today)
	}
	days, err := s.svc.Availability(r.Context(), res.ID, monday, 7, id.Subject)
	if err != nil {
		return err
	}
	selected, held := map[int64]bool{}, map[int64]bool{}
	for _, t := range picked {
		selected[t.UnixMilli()] = true
	}
	p := disponibilitaPage{stepPage: stepPage{Step: 1, Resource: res}, Legend: legendItems(), Error: errText}
	if h, ok := s.heldState(r); ok && h.ResourceID == res.ID && time.Now().Before(h.ExpiresAt) {
		p.Hold = s.bannerOf(r, h, "")
		if slots, err := s.slotsOf(r, res, h.Start); err == nil {
			for _, sl := range slots {
				if !sl.Start.Before(h.Start) && !h.End.Before(sl.End) {
					held[sl.Start.UnixMilli()] = true
					if picked == nil {
						selected[sl.Start.UnixMilli()] = true
					}
				}
			}
		}
	}
	p.Grid = buildGrid(res, days, monday, s.svc.Now(), selected, held)
	var lapsed heldSlots
	if json.Unmarshal([]byte(s.sess.Get(r.Context(), lapseKey)), &lapsed) == nil && lapsed.ResourceID == res.ID && len(held) == 0 {
		p.Again = againOf(lapsed, days)
	}
	if p.Grid.Free == 0 {
		if d, ok, err := s.firstFree(r, res, id, today); err != nil {
			return err
		} else if ok && mondayOf(d) != monday {
			t, _ := d.At(0, booking.Rome)
			p.Grid.FirstFree, p.Grid.FirstFreeWeek = longDate(t), mondayOf(d).String()
		}
	}
	p.Layout = s.stepLayout(r, res, "Disponibilità")
	return s.render(w, r, "disponibilita", p, status)
}

// firstFree returns the first day from today with a free slot, looking as
// far as the booking window reaches (a year at most).
func (s *server) firstFree(r *http.Request, res booking.Resource, id auth.Identity, today booking.Date) (booking.Date, bool, error) {
	end := today.AddDays(366)
	if n := res.Schedule.DaysAhead; n > 0 && n < 366 {
		end = today.AddDays(n + 1)
	}
	for from := today; from.Before(end); from = from.AddDays(booking.MaxDays) {
		days, err := s.svc.Availability(r.Context(), res.ID, from, booking.MaxDays, id.Subject)
		if err != nil {
			return booking.Date{}, false, err
		}
		for _, d := range days {
			for _, c := range d.Cells {
				if c.State == booking.Free {
					return d.Date, true, nil
				}
			}
		}
	}
	return booking.Date{}, false, nil
}

func (s *server) slotsOf(r *http.Request, res booking.Resource, on time.Time) ([]booking.Slot, error) {
	cal, err := s.svc.Calendar(r.Context())
	if err != nil {
		return nil, err
	}
	slots, _ := booking.SlotsOn(res, cal, booking.DateOf(on, booking.Rome))
	return slots, nil
}

// hold answers "Continua" on the grid: it checks that the chosen slots are
// consecutive slots of one day and holds them.
func (s *server) hold(w http.ResponseWriter, r *http.Request, id auth.Identity) error {
	res, err := s.bookableResource(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return booking.Invalid(booking.FieldError{Field: "slot", Message: "La richiesta non è valida."})
	}
	week := r.PostFormValue("settimana")
	var picked []time.Time
	for _, v := range r.PostForm["slot"] {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			return s.renderGrid(w, r, id, res, week, nil, "Lo slot scelto non è valido: ne scelga uno nella tabella.", http.StatusUnprocessableEntity)
		}
		picked = append(picked, t)
	}
	slices.SortFunc(picked, func(a, b time.Time) int { return a.Compare(b) })
	picked = slices.CompactFunc(picked, func(a, b time.Time) bool { return a.Equal(b) })
	fail := func(msg string) error {
		return s.renderGrid(w, r, id, res, week, picked, msg, http.StatusUnprocessableEntity)
	}
	if len(picked) == 0 {
		return fail("Scelga almeno uno slot libero (in verde) per proseguire.")
	}
	if len(picked) > res.Schedule.MaxSlots {
		if res.Schedule.MaxSlots == 1 {
			return fail("Per questa risorsa si può prenotare un solo slot alla volta.")
		}
		return fail(fmt.Sprintf("Può scegliere al massimo %d slot consecutivi.", res.Schedule.MaxSlots))
	}
	slots, err := s.slotsOf(r, res, picked[0])
	if err != nil {
		return err
	}
	i := slices.IndexFunc(slots, func(sl booking.Slot) bool { return sl.Start.Equal(picked[0]) })
	if i < 0 || i+len(picked) > len(slots) {
		return fail("Gli slot scelti devono essere consecutivi e nello stesso giorno.")
	}
	for k, t := range picked {
		if !slots[i+k].Start.Equal(t) || (k > 0 && !slots[i+k].Start.Equal(slots[i+k-1].End)) {
			return fail("Gli slot scelti devono essere consecutivi e nello stesso giorno.")
		}
	}
	// The hold limits of the identity and the address count well-formed
	// requests, the ones that reach the database.
	if err := s.cfg.Limits.Hold(r); err != nil {
		msg, ok := limitMessage(w, err)
		if !ok {
			return err
		}
		return s.renderGrid(w, r, id, res, week, picked, msg, http.StatusTooManyRequests)
	}
	// The slots of the hold in progress, unchanged: go on with it (holding
	// them again would restart its time).
	if h, ok := s.heldState(r); ok && h.ResourceID == res.ID && time.Now().Before(h.ExpiresAt) &&
		picked[0].Equal(h.Start) && slots[i+len(picked)-1].End.Equal(h.End) {
		http.Redirect(w, r, "/prenota/anagrafica", http.StatusSeeOther)
		return nil
	}
	s.dropHold(r, id)
	h, err := s.svc.Hold(r.Context(), booking.HoldRequest{ResourceID: res.ID, Start: picked[0], Slots: len(picked), Owner: id.Subject, For: id.Impersonating})
	if err != nil {
		switch booking.ErrorCode(err) {
		case booking.EConflict:
			return s.renderGrid(w, r, id, res, week, []time.Time{}, "Lo slot non è più disponibile: un altro utente lo ha appena riservato. La tabella è aggiornata: ne scelga un altro.", http.StatusConflict)
		case booking.EInvalid:
			return fail(booking.ErrorMessage(err))
		}
		return s.notAdmitted(w, r, id, res, err)
	}
	b, _ := json.Marshal(heldSlots{ID: h.ID, ResourceID: res.ID, Start: h.Start, End: h.End, ExpiresAt: h.ExpiresAt, Slots: len(h.Slots),
		Week: mondayOf(booking.DateOf(h.Start, booking.Rome)).String()})
	s.sess.Put(r.Context(), holdKey, string(b))
	s.sess.Pop(r.Context(), lapseKey)
	http.Redirect(w, r, "/prenota/anagrafica", http.StatusSeeOther)
	return nil
}

// release answers "Clicca qui" of the banner: the hold ends at once.
func (s *server) release(w http.ResponseWriter, r *http.Request, id auth.Identity) error {
	h, ok := s.dropHold(r, id)
	if !ok {
		http.Redirect(w, r, "/prenota", http.StatusSeeOther)
		return nil
	}
	s.flash(r.Context(), "info", "La prenotazione in corso è stata annullata e lo slot è di nuovo libero. Può scegliere un altro orario.")
	http.Redirect(w, r, h.gridURL(), http.StatusSeeOther)
	return nil
}

// expired is where the countdown sends the user at zero. The step's form
// is posted there, so that what was typed is kept for when the slots are
// held again.
func (s *server) expired(w http.ResponseWriter, r *http.Request, id auth.Identity) error {
	h, ok := s.heldState(r)
	if !ok {
		http.Redirect(w, r, "/prenota", http.StatusSeeOther)
		return nil
	}
	step := "/prenota/anagrafica"
	if r.Method == http.MethodPost {
		step = s.keepTyped(r, id, step)
	}
	if time.Now().Before(h.ExpiresAt.Add(-2 * time.Second)) {
		// Not yet: a clock that runs fast. Back to the step.
		http.Redirect(w, r, step, http.StatusSeeOther)
		return nil
	}
	s.lapse(w, r, id, h, expiredText)
	return nil
}

// keepTyped keeps in the session what the posted step's form holds (step 2
// or 3), and returns that step's path; dflt when the post holds neither.
func (s *server) keepTyped(r *http.Request, id auth.Identity, dflt string) string {
	r.ParseForm()
	v := r.PostFormValue
	if _, ok := r.PostForm["motivazione"]; ok {
		p := confermaPage{Motivazione: v("motivazione"), Nota: v("nota"), Extra: map[string]string{}}
		for k := range r.PostForm {
			if name, ok := strings.CutPrefix(k, "extra_"); ok && strings.TrimSpace(v(k)) != "" {
				p.Extra[name] = strings.TrimSpace(v(k))
			}
		}
		s.keepNotes(r, p)
		return "/prenota/conferma"
	}
	if _, ok := r.PostForm["nome"]; ok {
		f := anagraficaForm{Nome: v("nome"), Cognome: v("cognome"), DataNascita: v("data_nascita"), Sesso: v("sesso"),
			NazioneNascita: v("nazione_nascita"), ProvinciaNascita: v("provincia_nascita"), ComuneNascita: v("comune_nascita"),
			CodiceFiscale: v("codice_fiscale"), Email: v("email"), Telefono: v("telefono")}
		b, _ := json.Marshal(locksOf(id).apply(f, id))
		s.sess.Put(r.Context(), draftKey, string(b))
		return "/prenota/anagrafica"
	}
	return dflt
}

// extend is "Prolunga": the hold in progress gets its time again, once,
// and the user goes back to the step they were on, with what they typed
// (the button sends the step's form).
func (s *server) extend(w http.ResponseWriter, r *http.Request, id auth.Identity) error {
	h, ok := s.requireHold(w, r, id)
	if !ok {
		return nil
	}
	step := s.keepTyped(r, id, h.gridURL())
	e, err := s.svc.ExtendHold(r.Context(), h.ID, id.Subject)
	switch booking.ErrorCode(err) {
	case "":
		h.ExpiresAt, h.Extended = e.ExpiresAt, true
		b, _ := json.Marshal(h)
		s.sess.Put(r.Context(), holdKey, string(b))
		s.flash(r.Context(), "success", "Il tempo è stato prolungato: ha tempo fino alle ore "+rome(e.ExpiresAt).Format("15:04:05")+" per completare la prenotazione.")
	case booking.EGone:
		s.lapse(w, r, id, h, expiredText)
		return nil
	case booking.EForbidden, booking.EConflict:
		h.Extended = true
		b, _ := json.Marshal(h)
		s.sess.Put(r.Context(), holdKey, string(b))
		s.flash(r.Context(), "warning", booking.ErrorMessage(err))
	default:
		return err
	}
	http.Redirect(w, r, step, http.StatusSeeOther)
	return nil
}

// anagraficaForm is the form of step 2, as typed.
type anagraficaForm struct {
	Nome, Cognome, DataNascita, Sesso               string
	NazioneNascita, ProvinciaNascita, ComuneNascita string
	CodiceFiscale, Email, Telefono                  string
}

func formOf(p booking.Person) anagraficaForm {
	f := anagraficaForm{Nome: p.Nome, Cognome: p.Cognome, Sesso: p.Sesso, NazioneNascita: p.NazioneNascita,
		ProvinciaNascita: p.ProvinciaNascita, ComuneNascita: p.ComuneNascita, CodiceFiscale: p.CodiceFiscale, Email: p.Email, Telefono: p.Telefono}
	if !p.DataNascita.IsZero() {
		f.DataNascita = p.DataNascita.Italian()
	}
	return f
}

// person returns the anagrafica of f and the error of its date, if any.
func (f anagraficaForm) person() (booking.Person, *booking.FieldError) {
	p := booking.Person{Nome: f.Nome, Cognome: f.Cognome, Sesso: f.Sesso, NazioneNascita: f.NazioneNascita,
		ProvinciaNascita: f.ProvinciaNascita, ComuneNascita: f.ComuneNascita, CodiceFiscale: f.CodiceFiscale, Email: f.Email, Telefono: f.Telefono}
	var fe *booking.FieldError
	if strings.TrimSpace(f.DataNascita) != "" {
		d, err := booking.ParseItalianDate(strings.TrimSpace(f.DataNascita))
		if err != nil {
			fe = &booking.FieldError{Field: "data_nascita", Message: "La Data di Nascita non è valida: la scriva nel formato gg/mm/aaaa (es. 01/01/1970)."}
		}
		p.DataNascita = d
	}
	p = p.Normalize()
	if p.NazioneNascita != booking.Italy {
		p.ProvinciaNascita, p.ComuneNascita = "", ""
	}
	return p, fe
}

// locks says which fields of the anagrafica the user cannot change.
type locks struct {
	Identity bool   // everything but email and telephone: a certified identity
	CF       string // the codice fiscale, fixed (certified, or conto terzi)
}

func locksOf(id auth.Identity) locks {
	if id.Impersonating != "" {
		return locks{CF: id.Impersonating}
	}
	if id.Person != nil {
		return locks{Identity: true, CF: id.Person.CodiceFiscale}
	}
	return locks{}
}

// apply overwrites the locked fields of f with the identity's values: the
// server never trusts what a read-only field sends back.
func (l locks) apply(f anagraficaForm, id auth.Identity) anagraficaForm {
	if l.Identity && id.Person != nil {
		locked := formOf(*id.Person)
		locked.Email, locked.Telefono = f.Email, f.Telefono
		f = locked
	}
	if l.CF != "" {
		f.CodiceFiscale = l.CF
	}
	return f
}

type option struct{ Value, Label string }

// anagraficaPage is step 2.
type anagraficaPage struct {
	stepPage
	Form       anagraficaForm
	Locks      locks
	Provinces  []option
	Countries  []string
	SessoLabel string
	Back       string
	Derived    bool // birth data filled in from the codice fiscale, to check
}

func (s *server) draft(r *http.Request) (anagraficaForm, bool) {
	var f anagraficaForm
	v := s.sess.Get(r.Context(), draftKey)
	return f, v != "" && json.Unmarshal([]byte(v), &f) == nil
}

func (s *server) anagrafica(w http.ResponseWriter, r *http.Request, id auth.Identity) error {
	h, ok := s.requireHold(w, r, id)
	if !ok {
		return nil
	}
	f, ok := s.draft(r)
	if !ok {
		switch {
		case id.Impersonating != "":
		case id.Person != nil:
			f = formOf(*id.Person)
		default:
			f = anagraficaForm{Nome: id.Nome, Cognome: id.Cognome, CodiceFiscale: id.CodiceFiscale}
		}
	}
	l := locksOf(id)
	f = l.apply(f, id)
	derived := !l.Identity && fromCF(&f, s.svc.Now()) // conto terzi: the CF is known
	return s.renderAnagrafica(w, r, h, f, nil, derived, http.StatusOK)
}

// renderAnagrafica shows step 2; derived says that fromCF filled in fields.
func (s *server) renderAnagrafica(w http.ResponseWriter, r *http.Request, h heldSlots, f anagraficaForm, errs []booking.FieldError, derived bool, status int) error {
	res, err := s.svc.Resource(r.Context(), h.ResourceID)
	if err != nil {
		return err
	}
	id, _ := auth.Current(r.Context())
	if f.NazioneNascita == "" {
		f.NazioneNascita = booking.Italy
	}
	p := anagraficaPage{stepPage: stepPage{Step: 2, Resource: res, Hold: s.bannerOf(r, h, "form-anagrafica"), Errors: errs}, Form: f, Locks: locksOf(id), Back: h.gridURL(), Derived: derived}
	p.SessoLabel = map[string]string{"M": "Maschio", "F": "Femmina"}[f.Sesso]
	for _, pr := range places.Provinces() {
		if !pr.Suppressed {
			p.Provinces = append(p.Provinces, option{pr.Sigla, pr.Name + " (" + pr.Sigla + ")"})
		}
	}
	for _, c := range places.Countries() {
		if c.ValidTo.IsZero() {
			p.Countries = append(p.Countries, c.Name)
		}
	}
	p.Layout = s.stepLayout(r, res, "Anagrafica")
	if len(errs) > 0 {
		p.PageTitle = "Anagrafica: da correggere"
	}
	return s.render(w, r, "anagrafica", p, status)
}

func (s *server) saveAnagrafica(w http.ResponseWriter, r *http.Request, id auth.Identity) error {
	h, ok := s.requireHold(w, r, id)
	if !ok {
		return nil
	}
	r.ParseForm()
	v := r.PostFormValue
	f := anagraficaForm{Nome: v("nome"), Cognome: v("cognome"), DataNascita: v("data_nascita"), Sesso: v("sesso"),
		NazioneNascita: v("nazione_nascita"), ProvinciaNascita: v("provincia_nascita"), ComuneNascita: v("comune_nascita"),
		CodiceFiscale: v("codice_fiscale"), Email: v("email"), Telefono: v("telefono")}
	l := locksOf(id)
	f = l.apply(f, id)
	// Birth data left empty and derived from the codice fiscale: shown to
	// be checked before going on.
	derived := !l.Identity && fromCF(&f, s.svc.Now())
	errs := s.checkAnagrafica(r, f, l)
	b, _ := json.Marshal(f)
	s.sess.Put(r.Context(), draftKey, string(b))
	if len(errs) > 0 {
		return s.renderAnagrafica(w, r, h, f, errs, derived, http.StatusUnprocessableEntity)
	}
	if derived {
		return s.renderAnagrafica(w, r, h, f, nil, true, http.StatusOK)
	}
	http.Redirect(w, r, "/prenota/conferma", http.StatusSeeOther)
	return nil
}

// checkAnagrafica returns every problem of f, in the order of the form.
func (s *server) checkAnagrafica(r *http.Request, f anagraficaForm, l locks) []booking.FieldError {
	p, dateErr := f.person()
	errs := p.Check(booking.DateOf(s.svc.Now(), booking.Rome))
	if dateErr != nil {
		errs = slices.DeleteFunc(errs, func(e booking.FieldError) bool { return e.Field == "data_nascita" })
		errs = append(errs, *dateErr)
	}
	if l.CF != "" && p.CodiceFiscale != l.CF {
		errs = append(errs, booking.FieldError{Field: "codice_fiscale", Message: "Il codice fiscale del fruitore deve essere " + l.CF + "."})
	}
	// Every field at once (no rounds of errors): the places and the codice
	// fiscale are checked even when other fields are wrong; a field already
	// flagged keeps its first error.
	if s.cfg.CheckPerson != nil {
		for _, e := range s.cfg.CheckPerson(&p) {
			if fieldMessage(errs, e.Field) == "" {
				errs = append(errs, e)
			}
		}
	}
	order := []string{"nome", "cognome", "data_nascita", "nazione_nascita", "provincia_nascita", "comune_nascita", "sesso", "codice_fiscale", "email", "telefono"}
	slices.SortStableFunc(errs, func(a, b booking.FieldError) int {
		return slices.Index(order, a.Field) - slices.Index(order, b.Field)
	})
	return errs
}

// summaryItem is one line of the summary shown before "Invia".
type summaryItem struct {
	Label, Value string
	Key          string // the form field it mirrors, for the live summary
}

// confermaPage is step 3.
type confermaPage struct {
	stepPage
	HoldID      string
	Key         string // idempotency key: a second "Invia" gives the same booking
	Motivazione string
	Nota        string
	Extra       map[string]string
	Where       string
	Summary     []summaryItem
}

func (s *server) conferma(w http.ResponseWriter, r *http.Request, id auth.Identity) error {
	h, ok := s.requireHold(w, r, id)
	if !ok {
		return nil
	}
	f, ok := s.draft(r)
	if !ok || len(s.checkAnagrafica(r, f, locksOf(id))) > 0 {
		http.Redirect(w, r, "/prenota/anagrafica", http.StatusSeeOther)
		return nil
	}
	p := confermaPage{HoldID: h.ID, Key: booking.NewID(), Extra: map[string]string{}}
	var d confirmDraft
	if json.Unmarshal([]byte(s.sess.Get(r.Context(), notesKey)), &d) == nil {
		p.Motivazione, p.Nota = d.Motivazione, d.Nota
		if d.Extra != nil {
			p.Extra = d.Extra
		}
	}
	return s.renderConferma(w, r, h, f, p, http.StatusOK)
}

func (s *server) renderConferma(w http.ResponseWriter, r *http.Request, h heldSlots, f anagraficaForm, p confermaPage, status int) error {
	res, err := s.svc.Resource(r.Context(), h.ResourceID)
	if err != nil {
		return err
	}
	p.stepPage = stepPage{Step: 3, Resource: res, Hold: s.bannerOf(r, h, "form-conferma"), Errors: p.Errors}
	p.Where = whereText(res)
	person, _ := f.person()
	born := " a " + person.ComuneNascita
	if person.NazioneNascita != booking.Italy {
		born = " in " + person.NazioneNascita // "in GERMANIA"
	} else if person.ProvinciaNascita != "" {
		born += " (" + person.ProvinciaNascita + ")"
	}
	sesso := map[string]string{"M": "Maschio", "F": "Femmina"}[person.Sesso]
	p.Summary = []summaryItem{
		{"Servizio", res.Name, ""},
		{"Data e ora", span(h.Start, h.End), ""},
		{"Luogo", p.Where, ""},
		{"Fruitore", person.Nome + " " + person.Cognome, ""},
		{"Nato/a il", person.DataNascita.Italian() + born, ""},
		{"Sesso", sesso, ""},
		{"Codice fiscale", person.CodiceFiscale, ""},
		{"Email", person.Email, ""},
		{"Telefono", person.Telefono, ""},
		{"Motivazione dell'appuntamento", p.Motivazione, "motivazione"},
		{"Nota", p.Nota, "nota"},
	}
	for _, x := range res.ExtraFields {
		v := p.Extra[x.Name]
		if x.Type == "checkbox" {
			v = map[bool]string{true: "Sì", false: "No"}[v != ""]
		}
		p.Summary = append(p.Summary, summaryItem{x.Label, v, "extra_" + x.Name})
	}
	p.Layout = s.stepLayout(r, res, "Conferma")
	if len(p.Errors) > 0 {
		p.PageTitle = "Conferma: da correggere"
	}
	return s.render(w, r, "conferma", p, status)
}

// whereText says where (or how) the appointment takes place.
func whereText(res booking.Resource) string {
	if res.Kind == booking.ByPhone {
		if res.PhoneMode == booking.CitizenCalls && res.PhoneNumber != "" {
			return "Appuntamento telefonico: all'ora indicata chiami il numero " + res.PhoneNumber
		}
		return "Appuntamento telefonico: l'ufficio la richiama al numero indicato"
	}
	return res.Address
}

// confirm answers "Invia". The hold and the idempotency key come from the
// form, so that a second submission finds the booking the first one made.
func (s *server) confirm(w http.ResponseWriter, r *http.Request, id auth.Identity) error {
	r.ParseForm()
	v := r.PostFormValue
	f, ok := s.draft(r)
	holdID := v("hold_id")
	if !ok || holdID == "" {
		s.flash(r.Context(), "info", "Non c'è una prenotazione in corso: scelga una risorsa e un orario.")
		http.Redirect(w, r, "/prenota", http.StatusSeeOther)
		return nil
	}
	person, _ := f.person()
	p := confermaPage{HoldID: holdID, Key: v("idempotency_key"), Motivazione: v("motivazione"), Nota: v("nota"), Extra: map[string]string{}}
	if p.Key == "" {
		p.Key = booking.NewID()
	}
	h, held := s.heldState(r)
	var res booking.Resource
	if held && h.ID == holdID {
		res, _ = s.svc.Resource(r.Context(), h.ResourceID)
	}
	for _, x := range res.ExtraFields {
		if val := strings.TrimSpace(v("extra_" + x.Name)); val != "" {
			p.Extra[x.Name] = val
		}
	}
	b, created, err := s.svc.Confirm(r.Context(), booking.ConfirmRequest{HoldID: holdID, Presentante: id.Subject, PresentanteNome: id.Nome + " " + id.Cognome, Fruitore: person,
		Motivazione: p.Motivazione, Telefono: person.Telefono, Nota: p.Nota, Extra: p.Extra, IdempotencyKey: p.Key, LockedCF: locksOf(id).CF})
	switch booking.ErrorCode(err) {
	case "":
		if created {
			s.audit(r, auth.AuditBookingConfirmed, b)
		}
		if held && h.ID == holdID {
			s.sess.Pop(r.Context(), holdKey)
		}
		s.sess.Pop(r.Context(), notesKey)
		http.Redirect(w, r, "/prenotazioni/"+b.ID+"?esito=1", http.StatusSeeOther)
		return nil
	case booking.EGone, booking.ENotFound:
		if !held || h.ID != holdID {
			s.flash(r.Context(), "info", "Non c'è una prenotazione in corso: scelga una risorsa e un orario.")
			http.Redirect(w, r, "/prenota", http.StatusSeeOther)
			return nil
		}
		s.keepNotes(r, p)
		msg := expiredText
		if booking.ErrorCode(err) == booking.EGone {
			// Expired, replaced by another hold, closed or beyond a lowered
			// capacity: the service says which.
			msg = booking.ErrorMessage(err)
		}
		s.lapse(w, r, id, h, msg)
		return nil
	case booking.EInvalid:
		if !held || h.ID != holdID {
			return err
		}
		p.Errors = booking.ErrorFields(err)
		for i, fe := range p.Errors {
			if rest, ok := strings.CutPrefix(fe.Field, "extra."); ok {
				p.Errors[i].Field = "extra_" + rest
			}
			// The anagrafica (e.g. a limit of bookings per codice fiscale)
			// is not edited on this page: the link goes to its summary.
			if strings.HasPrefix(fe.Field, "fruitore.") {
				p.Errors[i].Field = "riepilogo"
			}
		}
		return s.renderConferma(w, r, h, f, p, http.StatusUnprocessableEntity)
	}
	return err
}
