package backoffice

import (
	"net/http"

	"github.com/prenota/prenota/web"
)

// confirmPage asks to confirm an action that cannot be undone; its form
// posts the same request again with conferma=sì.
type confirmPage struct {
	web.Layout
	Admin    bool
	Question string
	Action   string // the form's action
	Button   string
	Back     string
}

// confirmed reports whether the request confirms its action; if not, it
// answers the confirmation page.
func (s *server) confirmed(w http.ResponseWriter, r *http.Request, st *staff, p confirmPage) (bool, error) {
	if r.PostFormValue("conferma") == "sì" {
		return true, nil
	}
	p.Layout, p.Admin, p.Action = s.layout(r, "Conferma", web.Crumb{Label: "Conferma"}), st.Admin(), r.URL.Path
	return false, s.render(w, r, "conferma", p)
}
