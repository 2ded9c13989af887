package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/prenota/prenota/booking"
)

// figuresJSON are the figures of a resource in a period (SPEC §17).
type figuresJSON struct {
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

func figures(f booking.Figures) figuresJSON {
	return figuresJSON{SeatsOffered: f.SeatsOffered, Bookings: f.Bookings, BookedSeats: f.BookedSeats,
		CancelledByCitizen: f.CancelledByCitizen, CancelledByComune: f.CancelledByComune, Attended: f.Attended,
		NoShow: f.NoShow, Occupancy: f.Occupancy(), MedianLeadDays: f.MedianLeadDays}
}

type monthJSON struct {
	Month string `json:"month"` // YYYY-MM
	figuresJSON
}

type resourceStatsJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
	figuresJSON
	// NextFree is the start of the first free slot from now ("prima
	// disponibilità"), within booking.FirstFreeDays; null when none.
	NextFree *string     `json:"next_free"`
	Months   []monthJSON `json:"months"`
}

type reasonJSON struct {
	Reason string `json:"reason"`
	Count  int    `json:"count"`
}

type feedbackJSON struct {
	Count   int            `json:"count"`
	Average float64        `json:"average"`
	Ratings map[string]int `json:"ratings"` // "1" … "5"
	Reasons []reasonJSON   `json:"reasons"`
}

type statisticsJSON struct {
	From      string              `json:"from"`
	To        string              `json:"to"`
	Resources []resourceStatsJSON `json:"resources"`
	Feedback  feedbackJSON        `json:"feedback"`
}

// statisticsQuery is the parsed query of a statistics request.
type statisticsQuery struct {
	From, To   booking.Date
	ResourceID int64 // 0: every resource the caller may see
}

// parseStatisticsQuery checks from and to (YYYY-MM-DD, default the current
// month) and resource_id, naming each bad parameter.
func parseStatisticsQuery(q url.Values, today booking.Date) (statisticsQuery, error) {
	first := booking.Date{Year: today.Year, Month: today.Month, Day: 1}
	next := first.AddDays(40)
	out := statisticsQuery{From: first, To: booking.Date{Year: next.Year, Month: next.Month, Day: 1}.AddDays(-1)}
	var fs []booking.FieldError
	for _, p := range []struct {
		name string
		d    *booking.Date
	}{{"from", &out.From}, {"to", &out.To}} {
		if !q.Has(p.name) {
			continue
		}
		d, err := booking.ParseDate(q.Get(p.name))
		if err != nil {
			fs = append(fs, booking.FieldError{Field: p.name, Message: "Il parametro " + p.name + " deve essere una data nel formato AAAA-MM-GG (es. 2026-12-09)."})
			continue
		}
		*p.d = d
	}
	if q.Has("resource_id") {
		id, err := strconv.ParseInt(q.Get("resource_id"), 10, 64)
		if err != nil || id <= 0 {
			fs = append(fs, booking.FieldError{Field: "resource_id", Message: "Il parametro resource_id deve essere l'identificativo numerico di una risorsa (es. 12)."})
		}
		out.ResourceID = id
	}
	if len(fs) > 0 {
		return out, booking.Invalid(fs...)
	}
	if err := booking.CheckPeriod(out.From, out.To); err != nil {
		return out, err
	}
	return out, nil
}

// statistics answers GET /api/v1/statistics (SPEC §17): for a member of
// staff or an integration token, the figures of the period per resource
// the caller may see, in total and month by month, and the ratings.
func (a *api) statistics(w http.ResponseWriter, r *http.Request) error {
	if a.statsScope == nil || a.stats == nil {
		return booking.Errorf(booking.EForbidden, "Le statistiche non sono disponibili su questo servizio.")
	}
	may, err := a.statsScope(r)
	if err != nil {
		return err
	}
	q, err := parseStatisticsQuery(r.URL.Query(), booking.DateOf(a.svc.Now(), booking.Rome))
	if err != nil {
		return err
	}
	include := may
	if q.ResourceID != 0 {
		if !may(q.ResourceID) {
			return booking.Invalid(booking.FieldError{Field: "resource_id", Message: "La risorsa indicata non esiste o non è tra quelle che può consultare."})
		}
		include = func(id int64) bool { return id == q.ResourceID }
	}
	st, err := booking.ComputeStatistics(r.Context(), a.stats, q.From, q.To, include)
	if err != nil {
		return err
	}
	if q.ResourceID != 0 && len(st.Resources) == 0 {
		return booking.Invalid(booking.FieldError{Field: "resource_id", Message: "La risorsa indicata non è prenotabile e non ha prenotazioni nel periodo."})
	}
	out := statisticsJSON{From: st.From.String(), To: st.To.String(), Resources: []resourceStatsJSON{},
		Feedback: feedbackJSON{Count: st.Feedback.Count, Average: st.Feedback.Average, Ratings: map[string]int{}, Reasons: []reasonJSON{}}}
	for _, rs := range st.Resources {
		rj := resourceStatsJSON{ID: rs.ID, Name: rs.Name, figuresJSON: figures(rs.Total), Months: []monthJSON{}}
		if sl, ok, err := a.svc.FirstFree(r.Context(), rs.ID, booking.FirstFreeDays); err != nil {
			return err
		} else if ok {
			s := rome(sl.Start)
			rj.NextFree = &s
		}
		for _, m := range rs.Months {
			rj.Months = append(rj.Months, monthJSON{Month: strings.TrimSuffix(m.Month.String(), "-01"), figuresJSON: figures(m.Figures)})
		}
		out.Resources = append(out.Resources, rj)
	}
	for i := 1; i <= 5; i++ {
		out.Feedback.Ratings[strconv.Itoa(i)] = st.Feedback.Ratings[i]
	}
	for _, rc := range st.Feedback.Reasons {
		out.Feedback.Reasons = append(out.Feedback.Reasons, reasonJSON{rc.Reason, rc.Count})
	}
	return writeJSON(w, http.StatusOK, out)
}
