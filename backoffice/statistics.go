package backoffice

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/httperr"
	"github.com/prenota/prenota/web"
)

// StatisticsScope says which resources the caller of the statistics API
// may see: every one for an integration token or an admin, an operatore's
// own; EUnauthorized or EForbidden for anyone else (staff accounts are read
// again on every request, as for the pages).
func StatisticsScope(store Store) func(r *http.Request) (func(int64) bool, error) {
	s := &server{store: store}
	return func(r *http.Request) (func(int64) bool, error) {
		if id, ok := auth.Current(r.Context()); ok && id.Method == "token" {
			return func(int64) bool { return true }, nil
		}
		st, err := s.staffOf(r)
		if err != nil {
			return nil, err
		}
		return st.can, nil
	}
}

// statsPage shows the statistics of a period as charts and tables.
type statsPage struct {
	web.Layout
	Admin bool
	// The period as typed (dal, al: YYYY-MM-DD) and the resource chosen.
	From, To   string
	ResourceID int64
	Errors     []booking.FieldError
	Ranges     []statsRange
	Choices    []booking.Resource // the resources the user may see
	Stats      booking.Statistics
	NextFree   map[int64]string // "prima disponibilità" (gg/mm/aaaa hh:mm), when there is one
	Occupancy  chart
	Months     map[int64]chart
	Ratings    chart
	CSV        string
	Query      string
	// OpenData are the settings of the open data (admins only) and its URL.
	Settings    booking.Settings
	Licences    []booking.Licence
	OpenDataURL string
}

// Err is the message of the field's error, "" when it has none.
func (p statsPage) Err(field string) string {
	for _, e := range p.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// statsRange is a ready-made period of the range picker.
type statsRange struct {
	Label, URL string
	Current    bool
}

// statsQuery reads the period (dal, al; default this month) and the
// resource (risorsa) of the request, naming each bad field.
func statsQuery(q url.Values, today booking.Date) (from, to booking.Date, id int64, fs []booking.FieldError) {
	from = booking.Date{Year: today.Year, Month: today.Month, Day: 1}
	to = endOfMonth(from)
	for _, p := range []struct {
		name string
		d    *booking.Date
	}{{"dal", &from}, {"al", &to}} {
		v := strings.TrimSpace(q.Get(p.name))
		if v == "" {
			continue
		}
		d, err := booking.ParseDate(v)
		if err != nil {
			d, err = booking.ParseItalianDate(v)
		}
		if err != nil {
			fs = append(fs, booking.FieldError{Field: p.name, Message: "Indichi la data nel formato gg/mm/aaaa (per esempio 01/12/2026)."})
			continue
		}
		*p.d = d
	}
	if v := q.Get("risorsa"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			fs = append(fs, booking.FieldError{Field: "risorsa", Message: "Scelga una risorsa dall'elenco."})
		}
		id = n
	}
	if len(fs) == 0 {
		if err := booking.CheckPeriod(from, to); err != nil {
			for _, f := range booking.ErrorFields(err) {
				fs = append(fs, booking.FieldError{Field: "al", Message: f.Message})
			}
		}
	}
	return from, to, id, fs
}

func endOfMonth(d booking.Date) booking.Date {
	n := d.AddDays(40)
	return booking.Date{Year: n.Year, Month: n.Month, Day: 1}.AddDays(-1)
}

// statistics computes the figures the page and its CSV show: those of the
// resources st may see (one, when the request names it).
func (s *server) statistics(r *http.Request, st *staff) (p statsPage, err error) {
	today := booking.DateOf(s.svc.Now(), booking.Rome)
	from, to, id, fs := statsQuery(r.URL.Query(), today)
	p = statsPage{Admin: st.Admin(), From: from.String(), To: to.String(), ResourceID: id, Errors: fs}
	if q := r.URL.Query(); len(fs) > 0 {
		p.From, p.To = q.Get("dal"), q.Get("al")
	}
	for _, rs := range booking.Tree(st.all, false) {
		for _, n := range flatten([]*booking.Node{rs}) {
			if n.Bookable && st.can(n.ID) {
				p.Choices = append(p.Choices, n.Resource)
			}
		}
	}
	if id != 0 && !st.can(id) {
		p.Errors = append(p.Errors, booking.FieldError{Field: "risorsa", Message: "Scelga una risorsa dall'elenco."})
	}
	if len(p.Errors) > 0 {
		return p, nil
	}
	include := st.can
	if id != 0 {
		include = func(x int64) bool { return x == id }
	}
	if p.Stats, err = booking.ComputeStatistics(r.Context(), s.store, from, to, include); err != nil {
		return p, err
	}
	p.NextFree = map[int64]string{}
	for _, rs := range p.Stats.Resources {
		if sl, ok, err := s.svc.FirstFree(r.Context(), rs.ID, booking.FirstFreeDays); err != nil {
			return p, err
		} else if ok {
			p.NextFree[rs.ID] = sl.Start.In(booking.Rome).Format("02/01/2006 15:04")
		}
	}
	v := url.Values{"dal": {from.String()}, "al": {to.String()}}
	if id != 0 {
		v.Set("risorsa", strconv.FormatInt(id, 10))
	}
	p.Query = v.Encode()
	p.CSV = "/backoffice/statistiche/statistiche.csv?" + p.Query
	return p, nil
}

// statsPageHandler shows the Statistiche page.
func (s *server) statsPageHandler(w http.ResponseWriter, r *http.Request, st *staff) error {
	p, err := s.statistics(r, st)
	if err != nil {
		return err
	}
	p.Layout = s.layout(r, "Statistiche")
	today := booking.DateOf(s.svc.Now(), booking.Rome)
	month := booking.Date{Year: today.Year, Month: today.Month, Day: 1}
	last := booking.Date{Year: month.AddDays(-1).Year, Month: month.AddDays(-1).Month, Day: 1}
	year := booking.Date{Year: today.Year, Month: 1, Day: 1}
	for _, rg := range []struct {
		label    string
		from, to booking.Date
	}{{"Questo mese", month, endOfMonth(month)}, {"Mese scorso", last, endOfMonth(last)}, {"Quest'anno", year, booking.Date{Year: today.Year, Month: 12, Day: 31}}} {
		v := url.Values{"dal": {rg.from.String()}, "al": {rg.to.String()}}
		if p.ResourceID != 0 {
			v.Set("risorsa", strconv.FormatInt(p.ResourceID, 10))
		}
		p.Ranges = append(p.Ranges, statsRange{rg.label, "/backoffice/statistiche?" + v.Encode(), p.From == rg.from.String() && p.To == rg.to.String()})
	}
	if len(p.Errors) == 0 {
		p.charts()
	}
	if st.Admin() {
		if p.Settings, err = s.store.Settings(r.Context()); err != nil {
			return err
		}
		p.Licences = booking.OpenDataLicences
		p.OpenDataURL = openDataPath
	}
	status := http.StatusOK
	if len(p.Errors) > 0 {
		status = http.StatusUnprocessableEntity
	}
	return s.render(w, r, "statistiche", p, status)
}

// chart is a horizontal bar chart drawn on the server as SVG, with its
// title and description for screen readers (the page puts the same figures
// in a table next to it).
type chart struct {
	ID, Title, Desc string
	Height          int
	Bars            []bar
}

type bar struct {
	Label, Value string
	Y, Width     int // the bar's top and width in the 360-unit wide drawing
}

// Geometry of a chart, in SVG units: a label line, then the bar and its
// value, for each bar.
const (
	chartWidth  = 360
	chartBarMax = 280
	chartRow    = 46
)

func newChart(id, title, desc string, labels, values []string, amounts []float64) chart {
	c := chart{ID: id, Title: title, Desc: desc, Height: len(labels)*chartRow + 4}
	max := 0.0
	for _, a := range amounts {
		max = maxf(max, a)
	}
	for i := range labels {
		w := 0
		if max > 0 {
			w = int(amounts[i] / max * chartBarMax)
		}
		c.Bars = append(c.Bars, bar{Label: labels[i], Value: values[i], Y: i * chartRow, Width: w})
	}
	return c
}

func maxf(a, b float64) float64 {
	if a > b {
		return a
	}
	return b
}

// charts draws the page's charts from its figures.
func (p *statsPage) charts() {
	var labels, values []string
	var amounts []float64
	for _, r := range p.Stats.Resources {
		labels = append(labels, r.Name)
		values = append(values, percent(r.Total.Occupancy()))
		amounts = append(amounts, r.Total.Occupancy())
	}
	p.Occupancy = newChart("grafico-occupazione", "Occupazione per risorsa",
		"Posti prenotati su posti offerti dal "+p.Stats.From.Italian()+" al "+p.Stats.To.Italian()+", per risorsa. Gli stessi dati sono nella tabella che segue.",
		labels, values, amounts)
	p.Months = map[int64]chart{}
	for _, r := range p.Stats.Resources {
		labels, values, amounts = nil, nil, nil
		for _, m := range r.Months {
			labels = append(labels, monthName(m.Month))
			values = append(values, strconv.Itoa(m.Bookings))
			amounts = append(amounts, float64(m.Bookings))
		}
		p.Months[r.ID] = newChart("grafico-mesi-"+strconv.FormatInt(r.ID, 10), "Prenotazioni per mese: "+r.Name,
			"Prenotazioni confermate per mese di appuntamento. Gli stessi dati, con occupazione, annullamenti e presenze, sono nella tabella che segue.",
			labels, values, amounts)
	}
	labels, values, amounts = nil, nil, nil
	for i := 5; i >= 1; i-- {
		labels = append(labels, stars(i))
		values = append(values, strconv.Itoa(p.Stats.Feedback.Ratings[i]))
		amounts = append(amounts, float64(p.Stats.Feedback.Ratings[i]))
	}
	p.Ratings = newChart("grafico-valutazioni", "Valutazioni del servizio",
		"Quante valutazioni di ciascun numero di stelle, da 5 a 1. Gli stessi dati sono nella tabella che segue.", labels, values, amounts)
}

func stars(n int) string {
	if n == 1 {
		return "1 stella"
	}
	return strconv.Itoa(n) + " stelle"
}

// monthName is "novembre 2026".
func monthName(d booking.Date) string { return months[d.Month] + " " + strconv.Itoa(d.Year) }

// decimal writes f with one decimal and a decimal comma: "12,5".
func decimal(f float64) string {
	return strings.Replace(strconv.FormatFloat(f, 'f', 1, 64), ".", ",", 1)
}

// percent writes a ratio as a percentage: "12,5 %".
func percent(f float64) string { return decimal(f*100) + " %" }

// statsCSV exports the page's tables for a spreadsheet with the agenda's
// conventions (a byte order mark, ";", dates gg/mm/aaaa, decimal comma):
// one row per resource and month, then one for the whole period.
func (s *server) statsCSV(w http.ResponseWriter, r *http.Request, st *staff) error {
	p, err := s.statistics(r, st)
	if err != nil {
		return err
	}
	if len(p.Errors) > 0 {
		return booking.Invalid(p.Errors...)
	}
	var b bytes.Buffer
	b.WriteString("\uFEFF")
	cw := csv.NewWriter(&b)
	cw.Comma = ';'
	cw.UseCRLF = true
	cw.Write([]string{"Risorsa", "Periodo", "Dal", "Al", "Posti offerti", "Prenotazioni", "Posti prenotati", "Occupazione (%)",
		"Annullate dal cittadino", "Annullate dal Comune", "Presenti", "Non presentati", "Attesa mediana (giorni)"})
	row := func(name, period string, from, to booking.Date, f booking.Figures) {
		cw.Write([]string{name, period, from.Italian(), to.Italian(), strconv.Itoa(f.SeatsOffered), strconv.Itoa(f.Bookings),
			strconv.Itoa(f.BookedSeats), decimal(f.Occupancy() * 100), strconv.Itoa(f.CancelledByCitizen), strconv.Itoa(f.CancelledByComune),
			strconv.Itoa(f.Attended), strconv.Itoa(f.NoShow), decimal(f.MedianLeadDays)})
	}
	for _, rs := range p.Stats.Resources {
		for _, m := range rs.Months {
			from, to := m.Month, endOfMonth(m.Month)
			if from.Before(p.Stats.From) {
				from = p.Stats.From
			}
			if p.Stats.To.Before(to) {
				to = p.Stats.To
			}
			row(rs.Name, monthName(m.Month), from, to, m.Figures)
		}
		row(rs.Name, "Totale", p.Stats.From, p.Stats.To, rs.Total)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return booking.Internal(err)
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="statistiche-`+p.Stats.From.String()+`-`+p.Stats.To.String()+`.csv"`)
	_, err = w.Write(b.Bytes())
	return err
}

// saveOpenData turns the open data on or off and sets its licence.
func (s *server) saveOpenData(w http.ResponseWriter, r *http.Request, st *staff) error {
	if err := r.ParseForm(); err != nil {
		return booking.Invalid(booking.FieldError{Field: "dati_aperti", Message: "Il modulo non è leggibile: lo invii di nuovo."})
	}
	set, err := s.store.Settings(r.Context())
	if err != nil {
		return err
	}
	licence := r.PostForm.Get("licenza")
	known := false
	for _, l := range booking.OpenDataLicences {
		known = known || l.ID == licence
	}
	if !known {
		return booking.Invalid(booking.FieldError{Field: "licenza", Message: "Scelga la licenza dei dati aperti dall'elenco."})
	}
	set.OpenData, set.OpenDataLicence = r.PostForm.Get("dati_aperti") == "1", licence
	if err := s.svc.SaveSettings(r.Context(), set); err != nil {
		return err
	}
	state := "disattivati"
	if set.OpenData {
		state = "pubblicati con licenza " + licence
	}
	s.audit(r, AuditOpenDataUpdated, openDataPath, "dati aperti "+state)
	return s.redirect(w, r, "/backoffice/statistiche#dati-aperti", "success", "Impostazioni dei dati aperti salvate: dati "+state+".")
}

// openDataPath is the public URL of the open data; its CSVW metadata (W3C
// "CSV on the Web", with the licence) is at the same URL + "-metadata.json".
const openDataPath = "/dati-aperti/prenotazioni.csv"

// openDataColumns are the open data's columns: names and Italian titles.
var openDataColumns = [][2]string{
	{"risorsa", "Risorsa"}, {"data", "Data"}, {"ora", "Ora di inizio"},
	{"posti_offerti", "Posti offerti"}, {"posti_prenotati", "Posti prenotati"}, {"posti_presenti", "Presenze"},
}

// openDataYear reads the year (anno, default this one) of the open data:
// 1 January to 31 December, or to today for the current year.
func (s *server) openDataYear(r *http.Request) (booking.Settings, booking.Date, booking.Date, error) {
	set, err := s.store.Settings(r.Context())
	if err != nil {
		return set, booking.Date{}, booking.Date{}, err
	}
	if !set.OpenData {
		return set, booking.Date{}, booking.Date{}, booking.Errorf(booking.ENotFound, "Il Comune non pubblica i dati aperti delle prenotazioni.")
	}
	today := booking.DateOf(s.svc.Now(), booking.Rome)
	year := today.Year
	if v := r.URL.Query().Get("anno"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 2000 || n > today.Year {
			return set, booking.Date{}, booking.Date{}, booking.Invalid(booking.FieldError{Field: "anno",
				Message: "Il parametro anno deve essere un anno tra il 2000 e il " + strconv.Itoa(today.Year) + " (per esempio " + strconv.Itoa(today.Year) + ")."})
		}
		year = n
	}
	from, to := booking.Date{Year: year, Month: 1, Day: 1}, booking.Date{Year: year, Month: 12, Day: 31}
	if year == today.Year {
		to = today
	}
	return set, from, to, nil
}

// publicHandler answers an open-data request: ENotFound while the Comune
// has not turned it on, errors as plain text (anyone may call it).
func (s *server) publicHandler(fn func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		if err := fn(w, r); err != nil {
			status := httperr.Status(err)
			msg := booking.ErrorMessage(err)
			if status == http.StatusInternalServerError {
				s.log.Error(r.Method+" "+r.URL.Path, "err", err)
				msg = "Si è verificato un errore imprevisto. Riprovi tra qualche minuto."
			}
			for _, f := range booking.ErrorFields(err) {
				msg = f.Message
			}
			http.Error(w, msg, status)
		}
	})
}

// openDataCSV serves the open data of a year: per resource, day and hour,
// the seats offered, booked and attended, and nothing about any person. It
// is RFC 4180 CSV with ISO dates, for open-data portals; the licence is in
// its CSVW metadata, linked from the response.
func (s *server) openDataCSV(w http.ResponseWriter, r *http.Request) error {
	set, from, to, err := s.openDataYear(r)
	if err != nil {
		return err
	}
	rows, err := booking.OpenData(r.Context(), s.store, from, to)
	if err != nil {
		return err
	}
	var b bytes.Buffer
	cw := csv.NewWriter(&b)
	cw.UseCRLF = true
	var head []string
	for _, c := range openDataColumns {
		head = append(head, c[0])
	}
	cw.Write(head)
	for _, row := range rows {
		cw.Write([]string{row.Resource, row.Date.String(), strconv.Itoa(row.Hour) + ":00", strconv.Itoa(row.SeatsOffered),
			strconv.Itoa(row.Booked), strconv.Itoa(row.Attended)})
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return booking.Internal(err)
	}
	l := set.Licence()
	year := strconv.Itoa(from.Year)
	w.Header().Set("Content-Type", "text/csv; charset=utf-8; header=present")
	w.Header().Set("Content-Disposition", `attachment; filename="prenotazioni-`+year+`.csv"`)
	w.Header().Add("Link", `<`+l.URL+`>; rel="license"`)
	w.Header().Add("Link", `<`+openDataPath+`-metadata.json?anno=`+year+`>; rel="describedby"; type="application/csvm+json"`)
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, err = w.Write(b.Bytes())
	return err
}

// openDataMetadata serves the CSVW metadata of the open data of a year: its
// title, publisher, licence, period and columns.
func (s *server) openDataMetadata(w http.ResponseWriter, r *http.Request) error {
	set, from, to, err := s.openDataYear(r)
	if err != nil {
		return err
	}
	l := set.Licence()
	var cols []map[string]string
	types := []string{"string", "date", "string", "integer", "integer", "integer"}
	for i, c := range openDataColumns {
		cols = append(cols, map[string]string{"name": c[0], "titles": c[1], "datatype": types[i]})
	}
	doc := map[string]any{
		"@context":       []any{"http://www.w3.org/ns/csvw", map[string]string{"@language": "it"}},
		"url":            openDataPath + "?anno=" + strconv.Itoa(from.Year),
		"dc:title":       "Prenotazioni degli appuntamenti – " + set.Name + ", " + strconv.Itoa(from.Year),
		"dc:description": "Per risorsa, giorno e ora: posti offerti, posti prenotati e presenze dal " + from.Italian() + " al " + to.Italian() + ". Nessun dato personale.",
		"dc:publisher":   set.Name,
		"dc:license":     map[string]string{"@id": l.URL},
		"dc:rights":      l.Name,
		"dc:temporal":    from.String() + "/" + to.String(),
		"dc:modified":    booking.DateOf(s.svc.Now(), booking.Rome).String(),
		"tableSchema":    map[string]any{"columns": cols},
	}
	body, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return booking.Internal(err)
	}
	w.Header().Set("Content-Type", "application/csvm+json; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=3600")
	_, err = w.Write(append(body, '\n'))
	return err
}
