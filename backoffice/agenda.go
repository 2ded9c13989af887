package backoffice

import (
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/web"
)

// agendaPage is the bookings of a resource on a day or a week.
type agendaPage struct {
	web.Layout
	Admin      bool
	R          booking.Resource
	Path       string
	Day        booking.Date
	Week       bool
	From, To   booking.Date // To excluded
	Prev, Next string
	Today      string
	Entries    []booking.AgendaEntry
	Query      string // data=…&vista=…
	Free       []booking.Cell
	Counter    counterForm
	Confirmed  int
	Now        time.Time
}

// Started reports whether an appointment starting at t has started.
func (p agendaPage) Started(t time.Time) bool { return !p.Now.Before(t) }

// span reads the day ("data", default today) and the view ("vista":
// "giorno" or "settimana") of an agenda request.
func (s *server) span(r *http.Request) (day, from, to booking.Date, week bool) {
	today := booking.DateOf(s.svc.Now(), booking.Rome)
	day = today
	if d, err := parseDay(r.FormValue("data")); err == nil {
		day = d
	}
	week = r.FormValue("vista") == "settimana"
	from, to = day, day.AddDays(1)
	if week {
		from = day.AddDays(-((int(day.Weekday()) + 6) % 7))
		to = from.AddDays(7)
	}
	return day, from, to, week
}

func (s *server) agendaResource(r *http.Request, st *staff) (booking.Resource, error) {
	res, err := s.loadResource(r)
	if err != nil {
		return res, err
	}
	if !st.can(res.ID) {
		return res, booking.Errorf(booking.EForbidden, "Questa agenda non è tra le risorse assegnate a lei.")
	}
	return res, nil
}

func (s *server) agendaEntries(r *http.Request, res booking.Resource, from, to booking.Date) ([]booking.AgendaEntry, error) {
	start, _ := from.At(0, booking.Rome)
	end, _ := to.At(0, booking.Rome)
	return s.store.Agenda(r.Context(), res.ID, start, end)
}

func (s *server) agenda(w http.ResponseWriter, r *http.Request, st *staff) error {
	res, err := s.agendaResource(r, st)
	if err != nil {
		return err
	}
	p, err := s.agendaData(r, st, res)
	if err != nil {
		return err
	}
	p.Counter = newCounterForm(res, nil, nil)
	return s.render(w, r, "agenda", p)
}

// agendaData is the agenda page of res for the day or week asked, with
// the slots free for booking at the counter.
func (s *server) agendaData(r *http.Request, st *staff, res booking.Resource) (agendaPage, error) {
	day, from, to, week := s.span(r)
	entries, err := s.agendaEntries(r, res, from, to)
	if err != nil {
		return agendaPage{}, err
	}
	title := "Agenda: " + res.Name
	p := agendaPage{Layout: s.layout(r, title, web.Crumb{Label: "Agenda"}, web.Crumb{Label: res.Name}), Admin: st.Admin(), R: res,
		Path: paths(st.all)[res.ID], Day: day, Week: week, From: from, To: to, Entries: entries,
		Today: booking.DateOf(s.svc.Now(), booking.Rome).String(), Now: s.svc.Now()}
	step := 1
	vista := "giorno"
	if week {
		step, vista = 7, "settimana"
	}
	p.Prev, p.Next = day.AddDays(-step).String(), day.AddDays(step).String()
	p.Query = "data=" + day.String() + "&vista=" + vista
	for _, e := range entries {
		if e.Status == booking.Confirmed {
			p.Confirmed++
		}
	}
	// The free slots of the day, for booking at the counter.
	if !week && res.Bookable {
		d, err := s.svc.CounterDay(r.Context(), res.ID, day)
		if err != nil {
			return p, err
		}
		for _, c := range d.Cells {
			if c.State == booking.Free {
				p.Free = append(p.Free, c)
			}
		}
	}
	return p, nil
}

// agendaCSV exports the agenda for a spreadsheet: UTF-8 with a byte order
// mark and ";" between fields (what LibreOffice and an Italian Excel
// expect), dates as gg/mm/aaaa.
func (s *server) agendaCSV(w http.ResponseWriter, r *http.Request, st *staff) error {
	res, err := s.agendaResource(r, st)
	if err != nil {
		return err
	}
	_, from, to, _ := s.span(r)
	entries, err := s.agendaEntries(r, res, from, to)
	if err != nil {
		return err
	}
	data, err := agendaFile(res, entries)
	if err != nil {
		return booking.Internal(err)
	}
	s.audit(r, AuditAgendaExported, strconv.FormatInt(res.ID, 10), from.Italian()+"–"+to.AddDays(-1).Italian())
	name := "agenda-" + strconv.FormatInt(res.ID, 10) + "-" + from.String() + ".csv"
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	_, err = w.Write(data)
	return err
}

// agendaFile is the CSV of res's agenda entries: a header, then a line per
// booking with its extra fields (those the resource defines, then any other
// a booking has).
func agendaFile(res booking.Resource, entries []booking.AgendaEntry) ([]byte, error) {
	var extraNames []string
	for _, f := range res.ExtraFields {
		extraNames = append(extraNames, f.Name)
	}
	var others []string // fields the resource no longer defines, in a stable order
	for _, e := range entries {
		for k := range e.Extra {
			if !slices.Contains(extraNames, k) && !slices.Contains(others, k) {
				others = append(others, k)
			}
		}
	}
	slices.Sort(others)
	extraNames = append(extraNames, others...)
	cw := newCSV()
	head := []string{"Data", "Ora inizio", "Ora fine", "Codice", "Cognome", "Nome", "Codice fiscale", "Data di nascita", "Email", "Telefono",
		"Motivazione", "Nota", "Stato", "Motivo annullamento", "Presenza"}
	for _, n := range extraNames {
		head = append(head, labelOf(res, n))
	}
	cw.row(head...)
	for _, e := range entries {
		stato := "Confermata"
		if e.Status == booking.Cancelled {
			stato = "Annullata"
		}
		tel := e.Telefono
		if tel == "" {
			tel = e.Fruitore.Telefono
		}
		born := "" // none after the retention purge
		if !e.Fruitore.DataNascita.IsZero() {
			born = e.Fruitore.DataNascita.Italian()
		}
		row := []string{e.Start.In(booking.Rome).Format("02/01/2006"), e.Start.In(booking.Rome).Format("15:04"), e.End.In(booking.Rome).Format("15:04"),
			e.Code, e.Fruitore.Cognome, e.Fruitore.Nome, e.Fruitore.CodiceFiscale, born, e.Fruitore.Email, tel,
			e.Motivazione, e.Nota, stato, e.CancelReason, funcs["attendance"].(func(string) string)(e.Attendance)}
		for _, n := range extraNames {
			row = append(row, e.Extra[n])
		}
		cw.row(row...)
	}
	return cw.bytes()
}

func labelOf(res booking.Resource, name string) string {
	for _, f := range res.ExtraFields {
		if f.Name == name && f.Label != "" {
			return f.Label
		}
	}
	return name
}

// bookingPage shows one booking with its actions.
type bookingPage struct {
	web.Layout
	Admin      bool
	B          booking.Booking
	R          booking.Resource
	Attendance string
	Back       string
	Extra      [][2]string
	Error      string
	Started    bool               // the appointment has started: "Non presentato" may be marked
	Targets    []booking.Resource // where staff may move it
	MoveError  string
	MoveForm   url.Values
}

// Move is the value of input name of the move form: what was typed, or
// the booking's own.
func (p bookingPage) Move(name string) string {
	if p.MoveForm != nil {
		return p.MoveForm.Get(name)
	}
	switch name {
	case "risorsa":
		return strconv.FormatInt(p.B.ResourceID, 10)
	case "data":
		return booking.DateOf(p.B.Start, booking.Rome).String()
	case "ora":
		return p.B.Start.In(booking.Rome).Format("15:04")
	}
	return ""
}

func (s *server) staffBooking(r *http.Request, st *staff) (booking.Booking, error) {
	b, err := s.store.Booking(r.Context(), r.PathValue("bid"))
	if err != nil {
		return b, err
	}
	if !st.can(b.ResourceID) {
		return b, booking.Errorf(booking.EForbidden, "Questa prenotazione è di una risorsa non assegnata a lei.")
	}
	return b, nil
}

func agendaURL(b booking.Booking) string {
	return "/backoffice/agenda/" + strconv.FormatInt(b.ResourceID, 10) + "?data=" + booking.DateOf(b.Start, booking.Rome).String()
}

func (s *server) bookingData(r *http.Request, st *staff, b booking.Booking) (bookingPage, error) {
	p := bookingPage{Layout: s.layout(r, "Prenotazione "+b.Code, web.Crumb{Label: "Agenda", URL: agendaURL(b)}, web.Crumb{Label: b.Code}),
		Admin: st.Admin(), B: b, Back: agendaURL(b), Started: !s.svc.Now().Before(b.Start)}
	res, err := s.store.Resource(r.Context(), b.ResourceID)
	if err != nil {
		return p, err
	}
	p.R = res
	for _, t := range st.all {
		if t.Bookable && st.can(t.ID) {
			p.Targets = append(p.Targets, t)
		}
	}
	for k, v := range b.Extra {
		p.Extra = append(p.Extra, [2]string{labelOf(res, k), v})
	}
	slices.SortFunc(p.Extra, func(a, b [2]string) int { return strings.Compare(a[0], b[0]) })
	start, _ := booking.DateOf(b.Start, booking.Rome).At(0, booking.Rome)
	es, err := s.store.Agenda(r.Context(), b.ResourceID, start, start.Add(48*time.Hour))
	if err != nil {
		return p, err
	}
	for _, e := range es {
		if e.ID == b.ID {
			p.Attendance = e.Attendance
		}
	}
	return p, nil
}

func (s *server) bookingPage(w http.ResponseWriter, r *http.Request, st *staff) error {
	b, err := s.staffBooking(r, st)
	if err != nil {
		return err
	}
	p, err := s.bookingData(r, st, b)
	if err != nil {
		return err
	}
	return s.render(w, r, "prenotazione", p)
}

func (s *server) markAttendance(w http.ResponseWriter, r *http.Request, st *staff) error {
	b, err := s.staffBooking(r, st)
	if err != nil {
		return err
	}
	state := r.PostFormValue("stato")
	if err := booking.CheckAttendance(b, state, s.svc.Now()); err != nil {
		return err
	}
	if err := s.store.SetAttendance(r.Context(), b.ID, state, st.Subject, s.svc.Now()); err != nil {
		return err
	}
	s.audit(r, AuditAttendance, b.ID, b.Code+": "+state)
	label := funcs["attendance"].(func(string) string)(state)
	return s.redirect(w, r, backTo(r, agendaURL(b)), "success", b.Code+" ("+b.Fruitore.FullName()+"): "+strings.ToLower(label)+".")
}

// backTo is the same-origin "back" field of a form, or def.
func backTo(r *http.Request, def string) string {
	if b := r.PostFormValue("back"); strings.HasPrefix(b, "/backoffice/") && !strings.HasPrefix(b, "//") {
		return b
	}
	return def
}

func (s *server) cancelBooking(w http.ResponseWriter, r *http.Request, st *staff) error {
	b, err := s.staffBooking(r, st)
	if err != nil {
		return err
	}
	motivo := strings.TrimSpace(r.PostFormValue("motivo"))
	if motivo == "" {
		p, err := s.bookingData(r, st, b)
		if err != nil {
			return err
		}
		p.Error = "Indichi il motivo dell'annullamento: sarà scritto nell'email al cittadino."
		return s.render(w, r, "prenotazione", p, http.StatusUnprocessableEntity)
	}
	if _, err := s.store.Cancel(r.Context(), b.ID, motivo); err != nil {
		return err
	}
	s.audit(r, auth.AuditBookingCancelled, b.ID, b.Code+": "+motivo)
	return s.redirect(w, r, agendaURL(b), "success", "La prenotazione "+b.Code+" è stata annullata; il cittadino riceverà un'email con il motivo.")
}

// codeRE finds a booking code in what was typed or scanned (the receipt's
// QR code carries the code).
var codeRE = regexp.MustCompile(`[A-Z0-9]{4}-[A-Z0-9]{4}`)

// cfRE is the shape of a codice fiscale (omocodia letters included).
var cfRE = regexp.MustCompile(`^[A-Z]{6}[0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{2}[A-Z][0-9LMNPQRSTUV]{3}[A-Z]$`)

// maxFound is how many bookings a search lists.
const maxFound = 50

// searchPage lists the bookings a search by codice fiscale or name found.
type searchPage struct {
	web.Layout
	Admin bool
	Query string
	Found []booking.Booking
	Path  map[int64]string
	More  bool
}

// search finds a booking by its code (typed or read from the receipt's QR
// code), or the bookings of a codice fiscale or a name, among the
// resources the member of staff works.
func (s *server) search(w http.ResponseWriter, r *http.Request, st *staff) error {
	q := strings.ToUpper(strings.Join(strings.Fields(r.FormValue("codice")), " "))
	code := codeRE.FindString(q)
	if code == "" && len(q) == 8 && !strings.Contains(q, " ") {
		code = q[:4] + "-" + q[4:]
	}
	if code != "" {
		b, err := s.store.BookingByCode(r.Context(), code)
		switch {
		case err == nil && !st.can(b.ResourceID):
			return booking.Errorf(booking.EForbidden, "La prenotazione %s è di una risorsa non assegnata a lei.", code)
		case err == nil:
			http.Redirect(w, r, "/backoffice/prenotazioni/"+url.PathEscape(b.ID), http.StatusSeeOther)
			return nil
		case booking.ErrorCode(err) != booking.ENotFound:
			return err
		case len(q) != 8: // a code; an 8-letter name is looked for below
			return booking.Errorf(booking.ENotFound, "Nessuna prenotazione ha il codice %s.", code)
		}
	}
	if len([]rune(q)) < 3 {
		return booking.Invalid(booking.FieldError{Field: "codice", Message: "Scriva il codice della prenotazione (come K7MP-QX9C), il codice fiscale o almeno tre lettere del nome o del cognome."})
	}
	var ids []int64
	for _, res := range st.all {
		if res.Bookable && st.can(res.ID) {
			ids = append(ids, res.ID)
		}
	}
	cf, name := "", q
	if cfRE.MatchString(q) {
		cf, name = q, ""
	}
	found, err := s.store.SearchBookings(r.Context(), ids, cf, name, maxFound+1)
	if err != nil {
		return err
	}
	if len(found) == 1 {
		http.Redirect(w, r, "/backoffice/prenotazioni/"+url.PathEscape(found[0].ID), http.StatusSeeOther)
		return nil
	}
	p := searchPage{Layout: s.layout(r, "Cerca una prenotazione", web.Crumb{Label: "Cerca"}), Admin: st.Admin(), Query: q, Found: found, Path: paths(st.all)}
	if len(found) > maxFound {
		p.Found, p.More = found[:maxFound], true
	}
	return s.render(w, r, "cerca", p)
}
