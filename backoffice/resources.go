package backoffice

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/web"
)

// dayHours is the opening ranges of one weekday as typed in the form:
// "09:00-12:30, 14:00-16:00".
type dayHours struct {
	Weekday int
	Name    string
	Text    string
}

// weekOrder is Monday first, as Italians read a week.
var weekOrder = []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday}

func hoursOf(s booking.Schedule) []dayHours {
	out := make([]dayHours, 0, 7)
	for _, wd := range weekOrder {
		var parts []string
		for _, h := range s.Hours {
			if h.Weekday == wd {
				parts = append(parts, h.Start.String()+"-"+h.End.String())
			}
		}
		out = append(out, dayHours{int(wd), weekdays[wd], strings.Join(parts, ", ")})
	}
	return out
}

// parseHours reads "09:00-12:30, 14:00-16:00" into ranges of weekday wd.
func parseHours(wd time.Weekday, text string) ([]booking.OpeningRange, bool) {
	var out []booking.OpeningRange
	for _, part := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ';' }) {
		part = strings.ReplaceAll(strings.TrimSpace(part), "–", "-")
		if part == "" {
			continue
		}
		a, b, ok := strings.Cut(part, "-")
		if !ok {
			return nil, false
		}
		start, err1 := booking.ParseClock(normClock(a))
		end, err2 := booking.ParseClock(normClock(b))
		if err1 != nil || err2 != nil || start >= end {
			return nil, false
		}
		out = append(out, booking.OpeningRange{Weekday: wd, Start: start, End: end})
	}
	return out, true
}

// normClock accepts "9:00" and "9.00" for "09:00".
func normClock(s string) string {
	s = strings.ReplaceAll(strings.TrimSpace(s), ".", ":")
	if len(s) == 4 && s[1] == ':' {
		s = "0" + s
	}
	return s
}

func atoi(s string) (int, bool) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	return n, err == nil
}

func parseFloat(s string) (*float64, bool) {
	s = strings.ReplaceAll(strings.TrimSpace(s), ",", ".")
	if s == "" {
		return nil, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, false
	}
	return &f, true
}

// parseResource reads the resource form over base (which keeps the fields
// the form does not carry: ID, parent, position, visibility on edit).
func parseResource(r *http.Request, base booking.Resource, isNew bool) (booking.Resource, []dayHours, []booking.FieldError) {
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	res := base
	var fs []booking.FieldError
	res.Name = f("name")
	if isNew {
		res.Bookable = f("tipo") == "risorsa"
		if p, ok := atoi(f("parent_id")); ok {
			res.ParentID = int64(p)
		}
	}
	res.Description, res.Office, res.Address = f("description"), f("office"), f("address")
	res.Phone, res.Email, res.Documents = f("phone"), f("email"), r.PostFormValue("documents")
	res.Kind, res.PhoneMode, res.PhoneNumber = booking.Kind(f("kind")), booking.PhoneMode(f("phone_mode")), f("phone_number")
	if _, ok := r.PostForm["sheet_summary"]; ok { // the scheda servizio's texts
		long := func(k string) string { return strings.TrimSpace(strings.ReplaceAll(r.PostFormValue(k), "\r\n", "\n")) }
		res.Sheet = booking.Sheet{Summary: f("sheet_summary"), Topics: r.PostForm["sheet_topics"],
			Audience: long("sheet_audience"), HowTo: long("sheet_how_to"), Outcome: long("sheet_outcome"),
			Timing: long("sheet_timing"), Cost: long("sheet_cost"), More: long("sheet_more")}
	}
	if res.Kind == "" {
		res.Kind = booking.InPerson
	}
	if res.Kind != booking.ByPhone {
		res.PhoneMode, res.PhoneNumber = "", ""
	}
	var ok1, ok2 bool
	res.Latitude, ok1 = parseFloat(f("latitude"))
	res.Longitude, ok2 = parseFloat(f("longitude"))
	if !ok1 || !ok2 {
		fs = append(fs, booking.FieldError{Field: "latitude", Message: "Latitudine e longitudine sono numeri decimali, come 44,0667 e 12,4467."})
	}
	// Extra fields: rows extra_name_<i>, extra_label_<i>, extra_type_<i>,
	// extra_required_<i>, extra_options_<i>; rows without a name are dropped.
	res.ExtraFields = nil
	n, _ := atoi(f("extra_n"))
	for i := 0; i < n && i < 50; i++ {
		k := strconv.Itoa(i)
		name := f("extra_name_" + k)
		if name == "" {
			continue
		}
		ef := booking.ExtraField{Name: name, Label: f("extra_label_" + k), Type: f("extra_type_" + k), Required: f("extra_required_"+k) != ""}
		for _, o := range strings.Split(f("extra_options_"+k), ",") {
			if o = strings.TrimSpace(o); o != "" {
				ef.Options = append(ef.Options, o)
			}
		}
		res.ExtraFields = append(res.ExtraFields, ef)
	}
	var hours []dayHours
	if res.Bookable {
		sc := booking.Schedule{OpenTime: res.Schedule.OpenTime}
		num := func(key, label string, dst *int) {
			v := f(key)
			if v == "" {
				*dst = 0
				return
			}
			n, ok := atoi(v)
			if !ok {
				fs = append(fs, booking.FieldError{Field: key, Message: "Il campo «" + label + "» deve essere un numero intero."})
			}
			*dst = n
		}
		num("slot_minutes", "Durata dello slot", &sc.SlotMinutes)
		num("capacity", "Posti per slot", &sc.Capacity)
		num("max_slots", "Slot consecutivi", &sc.MaxSlots)
		num("days_ahead", "Giorni di anticipo", &sc.DaysAhead)
		num("open_day", "Giorno di apertura", &sc.OpenDay)
		num("min_notice_minutes", "Preavviso minimo", &sc.MinNoticeMinutes)
		num("hold_minutes", "Durata della riserva", &sc.HoldMinutes)
		num("per_person", "Prenotazioni future per codice fiscale", &sc.PerPerson)
		num("offer_minutes", "Durata dell'offerta della lista d'attesa", &res.Waitlist.OfferMinutes)
		res.Waitlist.Off = f("waitlist") != "on"
		if v := f("open_time"); v != "" {
			c, err := booking.ParseClock(normClock(v))
			if err != nil {
				fs = append(fs, booking.FieldError{Field: "open_time", Message: "L'ora di apertura si scrive come 08:00."})
			}
			sc.OpenTime = c
		}
		for _, wd := range weekOrder {
			text := f("hours_" + strconv.Itoa(int(wd)))
			hours = append(hours, dayHours{int(wd), weekdays[wd], text})
			rs, ok := parseHours(wd, text)
			if !ok {
				fs = append(fs, booking.FieldError{Field: "hours_" + strconv.Itoa(int(wd)),
					Message: "Orari di " + weekdays[wd] + ": scriva le fasce come 09:00-12:30, 14:00-16:00."})
			}
			sc.Hours = append(sc.Hours, rs...)
		}
		res.Schedule = sc
	}
	if len(fs) == 0 {
		if err := res.Validate(); err != nil {
			fs = append(fs, booking.ErrorFields(err)...)
		}
	}
	if hours == nil {
		hours = hoursOf(res.Schedule)
	}
	return res, hours, fs
}

// resourcesPage is the tree.
type resourcesPage struct {
	web.Layout
	Admin bool
	Rows  []treeRow
}

func (s *server) resources(w http.ResponseWriter, r *http.Request, st *staff) error {
	p := resourcesPage{Layout: s.layout(r, "Risorse", web.Crumb{Label: "Risorse"}), Admin: true, Rows: flatten(booking.Tree(st.all, false))}
	return s.render(w, r, "risorse", p)
}

// resourcePage creates or edits a node.
type resourcePage struct {
	web.Layout
	Admin    bool
	Topics   []string // the vocabulary of the scheda servizio's topics
	New      bool
	R        booking.Resource
	Hours    []dayHours
	Extra    []booking.ExtraField // with two empty rows to add fields
	Groups   []treeRow            // possible parents
	Errors   []booking.FieldError
	Preview  preview
	Closures []booking.Closure // upcoming, the Comune's included
	Openings []booking.Opening // upcoming
	Holidays []booking.Holiday
	Future   int // future confirmed bookings
	// Cal is the month calendar; ClosureForm and OpeningForm the add forms
	// as typed (pre-filled with the day chosen in the calendar).
	Cal         calendar
	ClosureForm closureForm
	OpeningForm openingForm
}

// Err is the message of the field's error, or "".
func (p resourcePage) Err(field string) string {
	for _, e := range p.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// HasTopic reports whether the resource's sheet has topic t.
func (p resourcePage) HasTopic(t string) bool { return slices.Contains(p.R.Sheet.Topics, t) }

// preview is a week of the citizen's grid under the schedule being edited.
type preview struct {
	ResourceID int64
	From       booking.Date
	Prev, Next string
	Days       []booking.Day
	Slots      int
}

func (s *server) resourceData(r *http.Request, st *staff, res booking.Resource, isNew bool) (resourcePage, error) {
	title := "Nuova risorsa"
	if isNew && !res.Bookable {
		title = "Nuovo gruppo"
	}
	if !isNew {
		title = res.Name
	}
	p := resourcePage{Layout: s.layout(r, title, web.Crumb{Label: "Risorse", URL: "/backoffice/risorse"}, web.Crumb{Label: title}),
		Admin: true, New: isNew, R: res, Hours: hoursOf(res.Schedule), Topics: booking.Topics}
	p.Extra = append(slices.Clone(res.ExtraFields), booking.ExtraField{Type: "text"}, booking.ExtraField{Type: "text"})
	desc := descendants(st.all, res.ID)
	for _, row := range flatten(booking.Tree(st.all, false)) {
		if !row.Bookable && (isNew || !desc[row.ID]) {
			p.Groups = append(p.Groups, row)
		}
	}
	if isNew {
		return p, nil
	}
	today := booking.DateOf(s.svc.Now(), booking.Rome)
	cs, err := s.store.Closures(r.Context(), today, today.AddDays(800))
	if err != nil {
		return p, err
	}
	for _, c := range cs {
		if c.ResourceID == res.ID || c.ResourceID == 0 {
			p.Closures = append(p.Closures, c)
		}
	}
	os, err := s.store.Openings(r.Context(), today, today.AddDays(800))
	if err != nil {
		return p, err
	}
	for _, o := range os {
		if o.ResourceID == res.ID {
			p.Openings = append(p.Openings, o)
		}
	}
	set, err := s.svc.Settings(r.Context())
	if err != nil {
		return p, err
	}
	for _, h := range append(set.Holidays(today.Year), set.Holidays(today.Year+1)...) {
		if !h.Date.Before(today) && h.Date.Before(today.AddDays(366)) {
			p.Holidays = append(p.Holidays, h)
		}
	}
	future, err := s.store.FutureBookings(r.Context(), res.ID, s.svc.Now())
	if err != nil {
		return p, err
	}
	p.Future = len(future)
	if res.Bookable {
		if p.Preview, err = s.preview1(r, res); err != nil {
			return p, err
		}
		var chosen booking.Date
		if p.Cal, chosen, err = s.monthCalendar(r, &res, "/backoffice/risorse/"+strconv.FormatInt(res.ID, 10), "/backoffice/risorse/"+strconv.FormatInt(res.ID, 10)); err != nil {
			return p, err
		}
		if !chosen.IsZero() {
			p.ClosureForm.From, p.OpeningForm.Date = chosen.String(), chosen.String()
		}
	}
	return p, nil
}

// descendants returns id and the nodes under it.
func descendants(all []booking.Resource, id int64) map[int64]bool {
	out := map[int64]bool{id: true}
	for changed := true; changed; {
		changed = false
		for _, r := range all {
			if !out[r.ID] && out[r.ParentID] && r.ParentID != 0 {
				out[r.ID], changed = true, true
			}
		}
	}
	return out
}

// preview1 computes the preview week: the week (from Monday) of the date in
// the "settimana" field, default this week.
func (s *server) preview1(r *http.Request, res booking.Resource) (preview, error) {
	today := booking.DateOf(s.svc.Now(), booking.Rome)
	from := today
	if d, err := booking.ParseDate(r.FormValue("settimana")); err == nil {
		from = d
	}
	from = from.AddDays(-((int(from.Weekday()) + 6) % 7))
	cal, err := s.svc.Calendar(r.Context())
	if err != nil {
		return preview{}, err
	}
	start, _ := from.At(0, booking.Rome)
	end, _ := from.AddDays(7).At(0, booking.Rome)
	occ, err := s.store.Occupancy(r.Context(), res.ID, start, end, "")
	if err != nil {
		return preview{}, err
	}
	p := preview{ResourceID: res.ID, From: from, Prev: from.AddDays(-7).String(), Next: from.AddDays(7).String()}
	if res.Schedule.SlotMinutes > 0 {
		p.Days = booking.Availability(res, cal, from, 7, s.svc.Now(), occ)
	}
	for _, d := range p.Days {
		p.Slots += len(d.Cells)
	}
	return p, nil
}

func (s *server) loadResource(r *http.Request) (booking.Resource, error) {
	id, err := pathID(r, "id")
	if err != nil {
		return booking.Resource{}, err
	}
	return s.store.Resource(r.Context(), id)
}

func (s *server) newResource(w http.ResponseWriter, r *http.Request, st *staff) error {
	res := booking.Resource{Kind: booking.InPerson, Bookable: r.FormValue("tipo") == "risorsa",
		Schedule: booking.Schedule{SlotMinutes: 30, Capacity: 1, MaxSlots: 1, DaysAhead: 60, MinNoticeMinutes: 60, HoldMinutes: booking.DefaultHoldMinutes}}
	if p, ok := atoi(r.FormValue("parent")); ok {
		res.ParentID = int64(p)
	}
	p, err := s.resourceData(r, st, res, true)
	if err != nil {
		return err
	}
	return s.render(w, r, "risorsa", p)
}

func (s *server) createResource(w http.ResponseWriter, r *http.Request, st *staff) error {
	res, hours, fs := parseResource(r, booking.Resource{}, true)
	if res.Bookable && len(hours) == 0 {
		hours = hoursOf(res.Schedule)
	}
	if len(fs) == 0 {
		if res.ParentID != 0 && !slices.ContainsFunc(st.all, func(x booking.Resource) bool { return x.ID == res.ParentID && !x.Bookable }) {
			fs = append(fs, booking.FieldError{Field: "parent_id", Message: "Il gruppo indicato non esiste."})
		}
	}
	if len(fs) == 0 {
		res.Position = len(st.all)
		if err := s.svc.CreateResource(r.Context(), &res); err != nil {
			if booking.ErrorCode(err) != booking.EInvalid {
				return err
			}
			fs = booking.ErrorFields(err)
		}
	}
	if len(fs) > 0 {
		p, err := s.resourceData(r, st, res, true)
		if err != nil {
			return err
		}
		p.Hours, p.Errors = hours, fs
		p.Flash = web.Flash{Kind: "danger", Text: "Controlli i campi indicati."}
		return s.render(w, r, "risorsa", p, http.StatusUnprocessableEntity)
	}
	s.audit(r, AuditResourceCreated, strconv.FormatInt(res.ID, 10), res.Name)
	return s.redirect(w, r, "/backoffice/risorse/"+strconv.FormatInt(res.ID, 10), "success", "«"+res.Name+"» è stata creata.")
}

func (s *server) editResource(w http.ResponseWriter, r *http.Request, st *staff) error {
	res, err := s.loadResource(r)
	if err != nil {
		return err
	}
	p, err := s.resourceData(r, st, res, false)
	if err != nil {
		return err
	}
	return s.render(w, r, "risorsa", p)
}

// preview answers the form as it is being edited: the week grid (the
// fragment for htmx, the whole page otherwise).
func (s *server) preview(w http.ResponseWriter, r *http.Request, st *staff) error {
	old, err := s.loadResource(r)
	if err != nil {
		return err
	}
	res, hours, fs := parseResource(r, old, false)
	p, err := s.resourceData(r, st, old, false)
	if err != nil {
		return err
	}
	p.R, p.Hours, p.Errors = res, hours, fs
	p.Extra = append(slices.Clone(res.ExtraFields), booking.ExtraField{Type: "text"}, booking.ExtraField{Type: "text"})
	if len(fs) == 0 && res.Bookable {
		if p.Preview, err = s.preview1(r, res); err != nil {
			return err
		}
	}
	return s.render(w, r, "risorsa", p)
}

func (s *server) updateResource(w http.ResponseWriter, r *http.Request, st *staff) error {
	old, err := s.loadResource(r)
	if err != nil {
		return err
	}
	res, hours, fs := parseResource(r, old, false)
	if len(fs) > 0 {
		p, err := s.resourceData(r, st, old, false)
		if err != nil {
			return err
		}
		p.R, p.Hours, p.Errors = res, hours, fs
		p.Extra = append(slices.Clone(res.ExtraFields), booking.ExtraField{Type: "text"}, booking.ExtraField{Type: "text"})
		p.Flash = web.Flash{Kind: "danger", Text: "Controlli i campi indicati."}
		return s.render(w, r, "risorsa", p, http.StatusUnprocessableEntity)
	}
	action := "/backoffice/risorse/" + strconv.FormatInt(res.ID, 10)
	out, err := s.svc.UpdateResource(r.Context(), res, s.asker(w, r, st, change{Action: action, Back: action, What: "La modifica dell'orario",
		Target: resourceTarget(res.ID), Crumbs: []web.Crumb{{Label: "Risorse", URL: "/backoffice/risorse"}, {Label: res.Name, URL: action}}}))
	if undecided, err := saved(err); undecided || err != nil {
		return err
	}
	s.audit(r, AuditResourceUpdated, strconv.FormatInt(res.ID, 10), res.Name)
	msg := s.settle(r, out, resourceTarget(res.ID))
	return s.redirect(w, r, action, "success", "Le modifiche sono state salvate."+msg)
}

func (s *server) moveResource(w http.ResponseWriter, r *http.Request, st *staff) error {
	res, err := s.loadResource(r)
	if err != nil {
		return err
	}
	parent, _ := atoi(r.PostFormValue("parent_id"))
	if parent != 0 && (descendants(st.all, res.ID)[int64(parent)] || !slices.ContainsFunc(st.all, func(x booking.Resource) bool { return x.ID == int64(parent) && !x.Bookable })) {
		return booking.Invalid(booking.FieldError{Field: "parent_id", Message: "Scelga un gruppo che non sia la risorsa stessa né uno dei suoi sottogruppi."})
	}
	res.ParentID = int64(parent)
	if pos, ok := atoi(r.PostFormValue("position")); ok {
		res.Position = pos
	}
	if _, err := s.svc.UpdateResource(r.Context(), res, nil); err != nil {
		return err
	}
	s.audit(r, AuditResourceMoved, strconv.FormatInt(res.ID, 10), "gruppo "+strconv.Itoa(parent)+", posizione "+strconv.Itoa(res.Position))
	return s.redirect(w, r, "/backoffice/risorse", "success", "«"+res.Name+"» è stata spostata.")
}

func (s *server) toggleHidden(w http.ResponseWriter, r *http.Request, st *staff) error {
	res, err := s.loadResource(r)
	if err != nil {
		return err
	}
	res.Hidden = !res.Hidden
	if _, err := s.svc.UpdateResource(r.Context(), res, nil); err != nil {
		return err
	}
	action, msg := AuditResourceShown, "«"+res.Name+"» è di nuovo visibile ai cittadini."
	if res.Hidden {
		action, msg = AuditResourceHidden, "«"+res.Name+"» è nascosta ai cittadini."
	}
	s.audit(r, action, strconv.FormatInt(res.ID, 10), res.Name)
	return s.redirect(w, r, "/backoffice/risorse", "success", msg)
}

func (s *server) deleteResource(w http.ResponseWriter, r *http.Request, st *staff) error {
	res, err := s.loadResource(r)
	if err != nil {
		return err
	}
	if ok, err := s.confirmed(w, r, st, confirmPage{Question: "Eliminare «" + res.Name + "»? L'operazione non si può annullare.",
		Button: "Sì, elimina «" + res.Name + "»", Back: "/backoffice/risorse"}); !ok {
		return err
	}
	if err := s.svc.DeleteResource(r.Context(), res); err != nil {
		return err
	}
	s.audit(r, AuditResourceDeleted, strconv.FormatInt(res.ID, 10), res.Name)
	return s.redirect(w, r, "/backoffice/risorse", "success", "«"+res.Name+"» è stata eliminata.")
}

func parseDay(s string) (booking.Date, error) {
	s = strings.TrimSpace(s)
	if d, err := booking.ParseDate(s); err == nil {
		return d, nil
	}
	return booking.ParseItalianDate(s)
}
