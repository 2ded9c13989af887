package backoffice_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prenota/prenota/app"
	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/backoffice"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/statsfixture"
	"github.com/prenota/prenota/internal/testdb"
	"github.com/prenota/prenota/sqlstore"
)

// startStatsApp runs the application over the statistics fixture on
// dialect, its clock at the fixture's end (14 December 2026, 12:00), with
// the admin "admin" and the operatore "op1" assigned to the study room.
func startStatsApp(t *testing.T, dialect string) (*app.App, string, *statsfixture.Fixture) {
	t.Helper()
	ctx := context.Background()
	dbURL := testdb.URL(t, dialect)
	s, err := sqlstore.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	f := statsfixture.Load(t, s)
	s.Close()
	now, begin := f.Clock.Now(), time.Now()
	a, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DatabaseURL: dbURL, BaseURL: "http://127.0.0.1",
		Now: func() time.Time { return now.Add(time.Since(begin)) }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(func() { srv.Close(); a.Close() })
	addStaff(t, a)
	if err := a.Store.SetAssignments(ctx, "op1", []int64{f.Room.ID}); err != nil {
		t.Fatal(err)
	}
	return a, srv.URL, f
}

// apiStats is the answer of GET /api/v1/statistics.
type apiStats struct {
	From, To  string
	Resources []struct {
		ID   int64
		Name string
		apiFigures
		NextFree *string `json:"next_free"`
		Months   []struct {
			Month string
			apiFigures
		}
	}
	Feedback struct {
		Count   int
		Average float64
		Ratings map[string]int
		Reasons []struct {
			Reason string
			Count  int
		}
	}
}

type apiFigures struct {
	SeatsOffered       int     `json:"seats_offered"`
	Bookings           int     `json:"bookings"`
	BookedSeats        int     `json:"booked_seats"`
	CancelledByCitizen int     `json:"cancelled_by_citizen"`
	CancelledByComune  int     `json:"cancelled_by_comune"`
	Attended           int     `json:"attended"`
	NoShow             int     `json:"no_show"`
	Occupancy          float64 `json:"occupancy"`
	MedianLeadDays     float64 `json:"median_lead_days"`
}

// matches reports whether the API's figures are the hand-computed ones.
func (a apiFigures) matches(f booking.Figures) bool {
	return a.SeatsOffered == f.SeatsOffered && a.Bookings == f.Bookings && a.BookedSeats == f.BookedSeats &&
		a.CancelledByCitizen == f.CancelledByCitizen && a.CancelledByComune == f.CancelledByComune &&
		a.Attended == f.Attended && a.NoShow == f.NoShow && math.Abs(a.Occupancy-f.Occupancy()) < 1e-12 &&
		a.MedianLeadDays == f.MedianLeadDays
}

const statsQuery = "from=2026-11-23&to=2026-12-13"

func getStats(t *testing.T, c *client, query string) apiStats {
	t.Helper()
	p := c.get("/api/v1/statistics?" + query)
	want(t, "statistics "+query, p, http.StatusOK)
	var st apiStats
	if err := json.Unmarshal([]byte(p.body), &st); err != nil {
		t.Fatalf("statistics: %v\n%s", err, p.body)
	}
	return st
}

// checkAPI compares the API's figures of the fixture with the hand values.
func checkAPI(t *testing.T, st apiStats, f *statsfixture.Fixture) {
	t.Helper()
	if st.From != "2026-11-23" || st.To != "2026-12-13" || len(st.Resources) != 2 {
		t.Fatalf("statistics: %+v", st)
	}
	for i, c := range []struct {
		res           booking.Resource
		nov, dec, all booking.Figures
	}{
		{f.Desk, statsfixture.DeskNovember, statsfixture.DeskDecember, statsfixture.DeskTotal},
		{f.Room, statsfixture.RoomNovember, statsfixture.RoomDecember, statsfixture.RoomTotal},
	} {
		r := st.Resources[i]
		if r.ID != c.res.ID || r.Name != c.res.Name || !r.matches(c.all) {
			t.Errorf("resource %d: %+v, want %s %+v (occupancy %v)", i, r, c.res.Name, c.all, c.all.Occupancy())
		}
		if len(r.Months) != 2 || r.Months[0].Month != "2026-11" || !r.Months[0].matches(c.nov) ||
			r.Months[1].Month != "2026-12" || !r.Months[1].matches(c.dec) {
			t.Errorf("%s months: %+v", c.res.Name, r.Months)
		}
	}
	fb := st.Feedback
	if fb.Count != 3 || math.Abs(fb.Average-11.0/3) > 1e-12 || fb.Ratings["5"] != 1 || fb.Ratings["4"] != 1 || fb.Ratings["2"] != 1 ||
		fb.Ratings["1"] != 0 || len(fb.Reasons) != 2 || fb.Reasons[0].Reason != "chiaro" || fb.Reasons[0].Count != 2 {
		t.Errorf("feedback: %+v", fb)
	}
}

// TestStatisticsAPI: GET /api/v1/statistics answers the hand-computed
// figures to an admin and to a read token, the room only to its operatore,
// 401 to the anonymous, 422 naming the field for a bad period; and the
// same figures after the retention purge.
func TestStatisticsAPI(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			a, base, f := startStatsApp(t, dialect)
			admin := newClient(t, base)
			admin.login("admin")
			checkAPI(t, getStats(t, admin, statsQuery), f)

			// The desk's first free slot: Monday 14 December is booked at
			// 09:00 (d8) and now is 12:00, so Tuesday 15 at 09:00.
			st := getStats(t, admin, statsQuery)
			if nf := st.Resources[0].NextFree; nf == nil || *nf != "2026-12-15T09:00:00+01:00" {
				t.Errorf("desk next_free = %v, want 2026-12-15T09:00:00+01:00", nf)
			}

			token := newClient(t, base)
			token.bearer = "prn_statistiche_di_prova"
			if err := a.Store.CreateToken(context.Background(), auth.Token{ID: "tk1", Name: "Portale", Scope: auth.TokenRead,
				CreatedBy: "admin", CreatedAt: time.Now()}, backoffice.HashToken(token.bearer)); err != nil {
				t.Fatal(err)
			}
			checkAPI(t, getStats(t, token, statsQuery), f)

			op := newClient(t, base)
			op.login("op1")
			if st := getStats(t, op, statsQuery); len(st.Resources) != 1 || st.Resources[0].ID != f.Room.ID || !st.Resources[0].matches(statsfixture.RoomTotal) {
				t.Errorf("operatore sees %+v, want the room only", st.Resources)
			}
			p := op.get("/api/v1/statistics?" + statsQuery + "&resource_id=" + strconv.FormatInt(f.Desk.ID, 10))
			want(t, "operatore asks for the desk", p, http.StatusUnprocessableEntity, `"field":"resource_id"`)

			want(t, "anonymous", newClient(t, base).get("/api/v1/statistics?"+statsQuery), http.StatusUnauthorized)
			for _, c := range []struct{ query, field string }{
				{"from=2026-12-13&to=2026-11-23", "to"},
				{"from=23/11/2026&to=2026-12-13", "from"},
				{"from=2024-01-01&to=2026-12-31", "to"},
				{statsQuery + "&resource_id=abc", "resource_id"},
			} {
				p := admin.get("/api/v1/statistics?" + c.query)
				want(t, c.query, p, http.StatusUnprocessableEntity, `"field":"`+c.field+`"`)
				if !strings.HasPrefix(p.header.Get("Content-Type"), "application/problem+json") {
					t.Errorf("%s: Content-Type %s", c.query, p.header.Get("Content-Type"))
				}
			}

			a.Store.SetClock(func() time.Time { return time.Date(2029, 1, 14, 12, 0, 0, 0, booking.Rome) })
			purged, err := a.Store.Purge(context.Background(), booking.DefaultRetentionMonths)
			a.Store.SetClock(nil)
			if err != nil || purged.Bookings != int64(len(f.Bookings)) {
				t.Fatalf("purge: %+v %v", purged, err)
			}
			admin.login("admin") // the purge, two years on, ended every session
			checkAPI(t, getStats(t, admin, statsQuery), f)
		})
	}
}

var (
	rowRE    = regexp.MustCompile(`(?s)<tr data-resource="(\d+)"(?: data-month="([0-9-]+)")?>(.*?)</tr>`)
	figureRE = regexp.MustCompile(`data-figure="(\w+)">([^<]*)<`)
)

// italian formats like the page: one decimal, decimal comma.
func italian(f float64) string {
	return strings.Replace(strconv.FormatFloat(f, 'f', 1, 64), ".", ",", 1)
}

func pageFigures(a apiFigures) map[string]string {
	noShowRate := 0.0
	if a.Attended+a.NoShow > 0 {
		noShowRate = float64(a.NoShow) / float64(a.Attended+a.NoShow)
	}
	return map[string]string{"bookings": strconv.Itoa(a.Bookings), "seats_offered": strconv.Itoa(a.SeatsOffered),
		"booked_seats": strconv.Itoa(a.BookedSeats), "occupancy": italian(a.Occupancy*100) + " %",
		"cancelled_by_citizen": strconv.Itoa(a.CancelledByCitizen), "cancelled_by_comune": strconv.Itoa(a.CancelledByComune),
		"attended": strconv.Itoa(a.Attended), "no_show": strconv.Itoa(a.NoShow), "no_show_rate": italian(noShowRate*100) + " %",
		"median_lead_days": italian(a.MedianLeadDays)}
}

// TestStatisticsPageAndCSV: the page's tables and the CSV export show the
// API's figures (the CSV with the agenda's Italian conventions); bad dates
// are answered on the page, naming the field, with what was typed kept.
func TestStatisticsPageAndCSV(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			_, base, _ := startStatsApp(t, dialect)
			admin := newClient(t, base)
			admin.login("admin")
			st := getStats(t, admin, statsQuery)

			p := admin.get("/backoffice/statistiche?dal=2026-11-23&al=2026-12-13")
			want(t, "page", p, http.StatusOK, `id="grafico-occupazione"`, "<title id=\"grafico-occupazione-titolo\">Occupazione per risorsa</title>")
			seen := 0
			for _, m := range rowRE.FindAllStringSubmatch(p.body, -1) {
				id, _ := strconv.ParseInt(m[1], 10, 64)
				got := map[string]string{}
				for _, fm := range figureRE.FindAllStringSubmatch(m[3], -1) {
					got[fm[1]] = fm[2]
				}
				for _, r := range st.Resources {
					if r.ID != id {
						continue
					}
					wantFig := pageFigures(r.apiFigures)
					if m[2] != "" {
						for _, mo := range r.Months {
							if mo.Month+"-01" == m[2] {
								wantFig = pageFigures(mo.apiFigures)
							}
						}
					} else if r.NextFree != nil {
						nf, _ := time.Parse(time.RFC3339, *r.NextFree)
						wantFig["next_free"] = nf.In(booking.Rome).Format("02/01/2006 15:04")
					}
					for k, v := range wantFig {
						if got[k] != v {
							t.Errorf("page row %s %s: %s = %q, want %q (API)", m[1], m[2], k, got[k], v)
						}
					}
					seen++
				}
			}
			if seen != 6 { // two summary rows, two months of each resource
				t.Errorf("page has %d rows of figures, want 6", seen)
			}
			if !strings.Contains(p.body, `<span data-figure="feedback_count">3</span>`) || !strings.Contains(p.body, `<span data-figure="feedback_average">3,7</span>`) {
				t.Errorf("page lacks the feedback figures")
			}

			c := admin.get("/backoffice/statistiche/statistiche.csv?dal=2026-11-23&al=2026-12-13")
			want(t, "csv", c, http.StatusOK)
			if !strings.HasPrefix(c.body, "\uFEFF") || !strings.HasPrefix(c.header.Get("Content-Type"), "text/csv") {
				t.Fatalf("csv: no byte order mark or type %s", c.header.Get("Content-Type"))
			}
			cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(c.body, "\uFEFF")))
			cr.Comma = ';'
			rows, err := cr.ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if len(rows) != 7 || rows[0][0] != "Risorsa" || rows[0][7] != "Occupazione (%)" {
				t.Fatalf("csv: %d rows, head %v", len(rows), rows[0])
			}
			num := func(s string) float64 {
				v, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
				if err != nil {
					t.Fatalf("csv number %q: %v", s, err)
				}
				return v
			}
			for i, row := range rows[1:] {
				r := st.Resources[i/3]
				a := r.apiFigures
				from, to := "23/11/2026", "13/12/2026"
				switch i % 3 {
				case 0:
					a, to = r.Months[0].apiFigures, "30/11/2026"
				case 1:
					a, from = r.Months[1].apiFigures, "01/12/2026"
				}
				for _, d := range row[2:4] {
					if _, err := time.Parse("02/01/2006", d); err != nil {
						t.Errorf("csv date %q: %v", d, err)
					}
				}
				if row[0] != r.Name || row[2] != from || row[3] != to || int(num(row[4])) != a.SeatsOffered || int(num(row[5])) != a.Bookings ||
					int(num(row[6])) != a.BookedSeats || math.Abs(num(row[7])-a.Occupancy*100) > 0.05 || int(num(row[8])) != a.CancelledByCitizen ||
					int(num(row[9])) != a.CancelledByComune || int(num(row[10])) != a.Attended || int(num(row[11])) != a.NoShow ||
					num(row[12]) != a.MedianLeadDays {
					t.Errorf("csv row %v, want %+v from %s to %s", row, a, from, to)
				}
			}

			bad := admin.get("/backoffice/statistiche?dal=31/02/2026&al=2026-12-13")
			want(t, "bad date", bad, http.StatusUnprocessableEntity, `id="s-dal-err"`, `value="31/02/2026"`, "gg/mm/aaaa")
			rev := admin.get("/backoffice/statistiche?dal=2026-12-13&al=2026-11-23")
			want(t, "reversed", rev, http.StatusUnprocessableEntity, `id="s-al-err"`, "non può precedere")

			op := newClient(t, base)
			op.login("op1")
			po := op.get("/backoffice/statistiche?dal=2026-11-23&al=2026-12-13")
			want(t, "operatore page", po, http.StatusOK, "Sala studio")
			if strings.Contains(po.body, "Sportello anagrafe") || strings.Contains(po.body, `id="dati-aperti"`) {
				t.Errorf("the operatore sees the desk or the open-data settings")
			}
		})
	}
}

// TestOpenData: the open data is not found until an admin turns it on;
// then anyone downloads it, with the licence linked and in its CSVW
// metadata; its figures are the fixture's, and it carries no name, codice
// fiscale, email, phone or free text.
func TestOpenData(t *testing.T) {
	for _, dialect := range testdb.Dialects() {
		t.Run(dialect, func(t *testing.T) {
			t.Parallel()
			_, base, f := startStatsApp(t, dialect)
			anon := newClient(t, base)
			want(t, "off", anon.get("/dati-aperti/prenotazioni.csv"), http.StatusNotFound)

			admin := newClient(t, base)
			admin.login("admin")
			want(t, "bad licence", admin.post("/backoffice/statistiche/dati-aperti", url.Values{"dati_aperti": {"1"}, "licenza": {"MIT"}}),
				http.StatusUnprocessableEntity, "licenza")
			want(t, "turn on", admin.post("/backoffice/statistiche/dati-aperti", url.Values{"dati_aperti": {"1"}, "licenza": {"CC-BY-4.0"}}), http.StatusSeeOther)
			op := newClient(t, base)
			op.login("op1")
			want(t, "operatore may not", op.post("/backoffice/statistiche/dati-aperti", url.Values{"licenza": {"CC0-1.0"}}), http.StatusForbidden)

			p := anon.get("/dati-aperti/prenotazioni.csv?anno=2026")
			want(t, "open data", p, http.StatusOK)
			links := strings.Join(p.header.Values("Link"), ", ")
			if !strings.Contains(links, `<https://creativecommons.org/licenses/by/4.0/>; rel="license"`) || !strings.Contains(links, `rel="describedby"`) {
				t.Errorf("Link: %s", links)
			}
			for _, s := range []string{"Mario", "Rossi", "RSSMRA70A01H501S", "BNCGLI85M55I304Q", "VRDLCU80A01F205X", "@", "333", "1234567",
				"Rinnovo", "vecchio documento", statsfixture.ComuneReason, "Tutto bene", "Troppa attesa", "chiaro", "lento", "operatore"} {
				if strings.Contains(p.body, s) {
					t.Errorf("the open data contains %q", s)
				}
			}
			rows, err := csv.NewReader(bytes.NewReader([]byte(p.body))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(rows[0], ",") != "risorsa,data,ora,posti_offerti,posti_prenotati,posti_presenti" {
				t.Fatalf("open data head %v", rows[0])
			}
			hourRE := regexp.MustCompile(`^([01]?[0-9]|2[0-3]):00$`)
			n, offered, booked, attended := 0, 0, 0, 0
			for _, r := range rows[1:] {
				// Every field is a resource's name, a date, an hour or a count:
				// there is no room for free text.
				if r[0] != f.Desk.Name && r[0] != f.Room.Name {
					t.Fatalf("open data resource %q", r[0])
				}
				d, err := booking.ParseDate(r[1])
				if err != nil || !hourRE.MatchString(r[2]) {
					t.Fatalf("open data row %v", r)
				}
				var v [3]int
				for i := range v {
					if v[i], err = strconv.Atoi(r[3+i]); err != nil || v[i] < 0 {
						t.Fatalf("open data count %q", r[3+i])
					}
				}
				if !d.Before(statsfixture.From) && !statsfixture.To.Before(d) {
					n, offered, booked, attended = n+1, offered+v[0], booked+v[1], attended+v[2]
				}
			}
			if n != statsfixture.OpenDataRows || offered != 87 || booked != 10 || attended != 5 {
				t.Errorf("open data of the period: %d rows, offered %d booked %d attended %d; want %d, 87, 10, 5",
					n, offered, booked, attended, statsfixture.OpenDataRows)
			}

			m := anon.get("/dati-aperti/prenotazioni.csv-metadata.json?anno=2026")
			want(t, "metadata", m, http.StatusOK)
			var meta struct {
				License struct {
					ID string `json:"@id"`
				} `json:"dc:license"`
				Publisher string `json:"dc:publisher"`
				Schema    struct {
					Columns []struct{ Name string }
				} `json:"tableSchema"`
			}
			if err := json.Unmarshal([]byte(m.body), &meta); err != nil {
				t.Fatal(err)
			}
			if meta.License.ID != "https://creativecommons.org/licenses/by/4.0/" || meta.Publisher != "Comune di Prova" || len(meta.Schema.Columns) != 6 {
				t.Errorf("metadata: %+v", meta)
			}
			want(t, "bad year", anon.get("/dati-aperti/prenotazioni.csv?anno=duemila"), http.StatusUnprocessableEntity, "anno")
		})
	}
}
