package api

import (
	"net/http"
	"strconv"

	"github.com/prenota/prenota/places"
)

// Comune is an autocomplete suggestion for the comune of birth.
type Comune struct {
	Nome      string `json:"nome"`
	Provincia string `json:"provincia"`
	Belfiore  string `json:"belfiore"`
	Soppresso bool   `json:"soppresso,omitempty"`
}

// Provincia is an autocomplete suggestion for the province of birth.
type Provincia struct {
	Sigla     string `json:"sigla"`
	Nome      string `json:"nome"`
	Soppressa bool   `json:"soppressa,omitempty"`
}

// Nazione is an autocomplete suggestion for the country of birth.
type Nazione struct {
	Nome      string `json:"nome"`
	Belfiore  string `json:"belfiore,omitempty"` // empty for ITALIA
	ISO       string `json:"iso,omitempty"`
	Soppressa bool   `json:"soppressa,omitempty"`
}

// The public autocomplete of the anagrafica form (ISTAT comuni, provinces,
// countries), as JSON arrays: q matches the start of the name or of a later
// word, ignoring case, accents and punctuation; limit (1–50, default 10)
// bounds the answer; current places come before suppressed ones. The
// answers change only with a new binary, so browsers may keep them an hour.

func (a *api) comuni(w http.ResponseWriter, r *http.Request) error {
	out := []Comune{}
	for _, c := range places.SearchComuni(r.FormValue("q"), r.FormValue("provincia"), placesLimit(r)) {
		out = append(out, Comune{Nome: c.Name, Provincia: c.Province, Belfiore: c.Belfiore, Soppresso: c.Suppressed()})
	}
	return writeCached(w, out)
}

func (a *api) province(w http.ResponseWriter, r *http.Request) error {
	q, n := places.Fold(r.FormValue("q")), placesLimit(r)
	var current, suppressed []Provincia
	for _, p := range places.Provinces() {
		if !places.MatchesWord(places.Fold(p.Name), q) && !places.MatchesWord(places.Fold(p.Sigla), q) {
			continue
		}
		v := Provincia{Sigla: p.Sigla, Nome: p.Name, Soppressa: p.Suppressed}
		if p.Suppressed {
			suppressed = append(suppressed, v)
		} else {
			current = append(current, v)
		}
	}
	out := append(append([]Provincia{}, current...), suppressed...)
	return writeCached(w, out[:min(len(out), n)])
}

func (a *api) nazioni(w http.ResponseWriter, r *http.Request) error {
	out := []Nazione{}
	for _, c := range places.SearchCountries(r.FormValue("q"), placesLimit(r)) {
		out = append(out, Nazione{Nome: c.Name, Belfiore: c.Belfiore, ISO: c.ISO, Soppressa: c.Suppressed()})
	}
	return writeCached(w, out)
}

func placesLimit(r *http.Request) int {
	n, err := strconv.Atoi(r.FormValue("limit"))
	if err != nil || n <= 0 {
		return 10
	}
	return min(n, 50)
}

func writeCached(w http.ResponseWriter, v any) error {
	w.Header().Set("Cache-Control", "public, max-age=3600")
	return writeJSON(w, http.StatusOK, v)
}
