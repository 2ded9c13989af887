package web

import (
	"bytes"
	"cmp"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/receipt"
)

// bookingRow is one line of "Le mie prenotazioni".
type bookingRow struct {
	ID, Code        string
	Fruitore        string
	Resource        string
	From, To        string
	Status          string
	Past            bool
	Cancelled       bool // by the Comune, with a reason (Status says it)
	Cancellable     bool
	ForOther        bool // booked by the user for someone else, or by someone else for the user
	Presentante     string
	CancelURL, Link string
}

// prenotazioniPage is "Le mie prenotazioni" (SPEC §10).
type prenotazioniPage struct {
	Layout
	Total int
	Rows  []bookingRow
	Page  int
	Pages []int
	Prev  string
	Next  string
	// Waiting are the caller's waitlist entries.
	Waiting []waitRow
}

func (s *server) bookings(w http.ResponseWriter, r *http.Request, id auth.Identity) error {
	page := 1
	if v := r.URL.Query().Get("pagina"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return booking.Errorf(booking.ENotFound, "La pagina richiesta non esiste.")
		}
		page = n
	}
	bs, total, err := s.svc.Bookings(r.Context(), id.Subject, page)
	if err != nil {
		return err
	}
	now := s.svc.Now()
	p := prenotazioniPage{Total: total, Page: page}
	if p.Waiting, err = s.waitRows(r, id.Subject); err != nil {
		return err
	}
	for _, b := range bs {
		row := bookingRow{ID: b.ID, Code: b.Code, Fruitore: b.Fruitore.Nome + " " + b.Fruitore.Cognome, Resource: b.ResourceName,
			From: rome(b.Start).Format("02/01/2006 15:04"), To: rome(b.End).Format("02/01/2006 15:04"),
			Status: "Inviata al sistema di prenotazioni", Past: !b.Start.After(now), Link: "/prenotazioni/" + b.ID}
		switch {
		case b.Status == booking.Cancelled:
			row.Cancelled, row.Status = true, "Annullata dal Comune: "+b.CancelReason
		case row.Past:
			row.Status = "Scaduta: appuntamento passato"
		default:
			row.Cancellable = true
			if !b.MovedFrom.IsZero() {
				row.Status = "Spostata: prima era il " + rome(b.MovedFrom).Format("02/01/2006 alle 15:04")
			}
		}
		if b.Presentante != b.Fruitore.CodiceFiscale {
			// Names, not a codice fiscale (older bookings have no name).
			row.ForOther, row.Presentante = true, cmp.Or(b.PresentanteNome, b.Presentante)
		}
		p.Rows = append(p.Rows, row)
	}
	pages := (total + booking.PerPage - 1) / booking.PerPage
	for i := 1; i <= pages; i++ {
		p.Pages = append(p.Pages, i)
	}
	if page > 1 {
		p.Prev = "/prenotazioni?pagina=" + strconv.Itoa(page-1)
	}
	if page < pages {
		p.Next = "/prenotazioni?pagina=" + strconv.Itoa(page+1)
	}
	p.Layout = s.layout(r, "prenotazioni", "Le mie prenotazioni", crumbArea, Crumb{"Le mie prenotazioni", ""})
	return s.render(w, r, "prenotazioni", p)
}

// esitoPage shows one booking; right after "Invia" (?esito=1) it is the
// result page of SPEC §7 with the satisfaction widget.
type esitoPage struct {
	stepPage
	Booking   booking.Booking
	When      string
	Where     string
	Fresh     bool
	Cancelled bool
	Past      bool
	Phone     string
	Links     receipt.CalendarLinks
	Extra     []summaryItem
	Feedback  feedbackForm
}

func (s *server) bookingData(r *http.Request, id auth.Identity) (receipt.Data, error) {
	b, err := s.svc.Booking(r.Context(), r.PathValue("id"), id.Subject)
	if err != nil {
		return receipt.Data{}, err
	}
	st, err := s.svc.Settings(r.Context())
	if err != nil {
		return receipt.Data{}, err
	}
	res, err := s.svc.Store().Resource(r.Context(), b.ResourceID)
	if err != nil && booking.ErrorCode(err) != booking.ENotFound {
		return receipt.Data{}, err
	}
	return receipt.Data{Settings: st, Resource: res, Booking: b, Logo: st.Logo}, nil
}

func (s *server) result(w http.ResponseWriter, r *http.Request, id auth.Identity) error {
	d, err := s.bookingData(r, id)
	if err != nil {
		return err
	}
	b := d.Booking
	p := esitoPage{Booking: b, When: span(b.Start, b.End), Where: whereText(d.Resource), Fresh: r.URL.Query().Get("esito") == "1",
		Cancelled: b.Status == booking.Cancelled, Past: !b.Start.After(s.svc.Now()), Phone: d.Settings.Phone, Links: receipt.Links(d)}
	if p.Where == "" {
		p.Where = d.Settings.Address
	}
	for _, x := range d.Resource.ExtraFields {
		if v := b.Extra[x.Name]; v != "" {
			p.Extra = append(p.Extra, summaryItem{Label: x.Label, Value: v})
		}
	}
	p.stepPage = stepPage{Step: 4, Resource: d.Resource}
	p.Feedback = feedbackForm{Page: "esito", Back: r.URL.RequestURI()}
	title := "Prenotazione " + b.Code
	if p.Fresh {
		title = "Prenotazione inviata"
	}
	p.Layout = s.layout(r, "prenotazioni", title, crumbArea, Crumb{"Le mie prenotazioni", "/prenotazioni"}, Crumb{"Prenotazione " + b.Code, ""})
	return s.render(w, r, "esito", p)
}

// disdiciPage asks "Sicuri di disdire la prenotazione?" without JavaScript
// (with it, a modal on the list asks the same).
type disdiciPage struct {
	Layout
	Row bookingRow
}

func (s *server) cancelPage(w http.ResponseWriter, r *http.Request, id auth.Identity) error {
	b, err := s.svc.Booking(r.Context(), r.PathValue("id"), id.Subject)
	if err != nil {
		return err
	}
	if b.Status == booking.Cancelled {
		http.Redirect(w, r, "/prenotazioni", http.StatusSeeOther)
		return nil
	}
	row := bookingRow{ID: b.ID, Code: b.Code, Fruitore: b.Fruitore.Nome + " " + b.Fruitore.Cognome, Resource: b.ResourceName,
		From: rome(b.Start).Format("02/01/2006 15:04"), To: rome(b.End).Format("02/01/2006 15:04"), Past: !b.Start.After(s.svc.Now())}
	p := disdiciPage{Layout: s.layout(r, "prenotazioni", "Disdire la prenotazione", crumbArea, Crumb{"Le mie prenotazioni", "/prenotazioni"}, Crumb{"Disdire", ""}), Row: row}
	return s.render(w, r, "disdici", p)
}

func (s *server) cancel(w http.ResponseWriter, r *http.Request, id auth.Identity) error {
	// Read it first so that a repeated "Disdici" is not audited as a second
	// cancellation (Service.Cancel answers both the same way).
	b, err := s.svc.Booking(r.Context(), r.PathValue("id"), id.Subject)
	if err != nil {
		return err
	}
	if b.Status == booking.Cancelled {
		s.flash(r.Context(), "info", "La prenotazione con codice "+b.Code+" era già stata annullata.")
		http.Redirect(w, r, "/prenotazioni", http.StatusSeeOther)
		return nil
	}
	b, err = s.svc.Cancel(r.Context(), b.ID, id.Subject)
	if err != nil {
		if booking.ErrorCode(err) == booking.EConflict {
			s.flash(r.Context(), "danger", booking.ErrorMessage(err))
			http.Redirect(w, r, "/prenotazioni", http.StatusSeeOther)
			return nil
		}
		return err
	}
	s.audit(r, auth.AuditBookingCancelled, b)
	s.flash(r.Context(), "success", "Prenotazione annullata: "+b.ResourceName+", "+span(b.Start, b.End)+" (codice "+b.Code+"). Lo slot è di nuovo libero.")
	http.Redirect(w, r, "/prenotazioni", http.StatusSeeOther)
	return nil
}

func (s *server) receiptPDF(w http.ResponseWriter, r *http.Request, id auth.Identity) error {
	d, err := s.bookingData(r, id)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := receipt.PDF(&buf, d); err != nil {
		return booking.Internal(err)
	}
	w.Header().Set("Content-Type", "application/pdf")
	w.Header().Set("Content-Disposition", `inline; filename="ricevuta-`+d.Booking.Code+`.pdf"`)
	w.Header().Set("Cache-Control", "private, no-store")
	_, err = w.Write(buf.Bytes())
	return err
}

func (s *server) receiptICS(w http.ResponseWriter, r *http.Request, id auth.Identity) error {
	d, err := s.bookingData(r, id)
	if err != nil {
		return err
	}
	b, err := receipt.ICS(d, s.cfg.BaseURL)
	if err != nil {
		return booking.Internal(err)
	}
	w.Header().Set("Content-Type", receipt.ICSContentType(d.Booking))
	w.Header().Set("Content-Disposition", `attachment; filename="prenotazione-`+d.Booking.Code+`.ics"`)
	w.Header().Set("Cache-Control", "private, no-store")
	_, err = w.Write(b)
	return err
}

// feedbackForm is the Modello Comuni satisfaction widget.
type feedbackForm struct {
	Page  string
	Back  string // where a plain POST returns
	Done  bool
	Error string
}

// Reasons offered after the stars, as in the Modello Comuni widget.
var (
	positiveReasons = []string{"Le indicazioni erano chiare", "Le indicazioni erano complete", "Capivo sempre che stavo procedendo correttamente", "Non ho avuto problemi tecnici", "Altro"}
	negativeReasons = []string{"A volte le indicazioni non erano chiare", "A volte le indicazioni non erano complete", "A volte non capivo se stavo procedendo correttamente", "Ho avuto problemi tecnici", "Altro"}
)

func (f feedbackForm) Positive() []string { return positiveReasons }
func (f feedbackForm) Negative() []string { return negativeReasons }
func (f feedbackForm) Stars() []int       { return []int{1, 2, 3, 4, 5} }

// feedback stores a rating; htmx swaps the widget for the thanks.
func (s *server) feedback(w http.ResponseWriter, r *http.Request) error {
	r.ParseForm()
	v := r.PostFormValue
	f := feedbackForm{Page: v("pagina"), Back: auth.SafeNext(v("torna"))}
	sitePage := strings.HasPrefix(f.Page, "/") // the page-feedback component of a page of the site
	if sitePage {
		f.Page = auth.SafeNext(f.Page)
	}
	rating, err := strconv.Atoi(v("valutazione"))
	reason := v("motivo_positivo")
	if rating <= 3 {
		reason = v("motivo_negativo")
	}
	comment := strings.TrimSpace(v("dettagli"))
	if utf8.RuneCountInString(comment) > 200 {
		comment = string([]rune(comment)[:200])
	}
	if err != nil || rating < 1 || rating > 5 {
		f.Error = "Scelga una valutazione da 1 a 5 stelle."
	} else {
		if s.cfg.SaveFeedback != nil {
			if err := s.cfg.SaveFeedback(r.Context(), Feedback{Page: f.Page, Rating: rating, Reason: reason, Comment: comment}); err != nil {
				return err
			}
		}
		f.Done = true
	}
	if isHTMX(r) {
		if sitePage {
			return s.renderBlock(w, "home", "page-feedback", PageFeedback{Page: f.Page, Done: f.Done, Error: f.Error})
		}
		return s.renderBlock(w, "esito", "feedback", f)
	}
	if f.Done {
		s.flash(r.Context(), "success", "Grazie per il suo contributo: ci aiuta a migliorare il servizio.")
	} else {
		s.flash(r.Context(), "danger", f.Error)
	}
	http.Redirect(w, r, f.Back, http.StatusSeeOther)
	return nil
}
