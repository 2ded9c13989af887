package backoffice

import (
	"net/http"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/web"
)

// feedbackPage lists the answers of the feedback components per page of
// the site, and the latest answers of one page (?pagina=) or of all.
type feedbackPage struct {
	web.Layout
	Admin   bool
	Pages   []booking.PageFeedback
	Page    string
	Answers []booking.FeedbackAnswer
}

func (s *server) feedbackPage(w http.ResponseWriter, r *http.Request, st *staff) error {
	p := feedbackPage{Layout: s.layout(r, "Valutazioni delle pagine", web.Crumb{Label: "Valutazioni delle pagine"}),
		Admin: st.Admin(), Page: r.URL.Query().Get("pagina")}
	var err error
	if p.Pages, err = s.store.FeedbackPages(r.Context()); err != nil {
		return err
	}
	if p.Answers, err = s.store.FeedbackAnswers(r.Context(), p.Page, 100); err != nil {
		return err
	}
	return s.render(w, r, "valutazioni", p)
}

// PageLabel names a page of the feedback list: the end-of-journey rating,
// or the page's path.
func (feedbackPage) PageLabel(page string) string {
	if page == "esito" {
		return "Fine della prenotazione (facilità d'uso del servizio)"
	}
	return page
}
