package auth

import (
	"net/http"
	"strconv"
	"strings"

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

// PlacesHandler serves the public autocomplete endpoints of the anagrafica
// form (ISTAT comuni, provinces, countries), as JSON arrays:
//
//	GET /api/v1/luoghi/comuni?q=santarc&provincia=RN
//	GET /api/v1/luoghi/province?q=rim
//	GET /api/v1/luoghi/nazioni?q=germ
//
// q matches the start of the name or of a later word, ignoring case,
// accents and punctuation; limit (1–50, default 10) bounds the answer.
// Current places come before suppressed ones.
func PlacesHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/v1/luoghi/comuni", func(w http.ResponseWriter, r *http.Request) {
		out := []Comune{}
		for _, c := range places.SearchComuni(r.FormValue("q"), r.FormValue("provincia"), limit(r)) {
			out = append(out, Comune{Nome: c.Name, Provincia: c.Province, Belfiore: c.Belfiore, Soppresso: c.Suppressed()})
		}
		cached(w)
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("GET /api/v1/luoghi/province", func(w http.ResponseWriter, r *http.Request) {
		q, n := r.FormValue("q"), limit(r)
		var current, suppressed []Provincia
		for _, p := range places.Provinces() {
			if !matches(p.Name, q) && !matches(p.Sigla, q) {
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
		if len(out) > n {
			out = out[:n]
		}
		cached(w)
		writeJSON(w, http.StatusOK, out)
	})
	mux.HandleFunc("GET /api/v1/luoghi/nazioni", func(w http.ResponseWriter, r *http.Request) {
		out := []Nazione{}
		for _, c := range places.SearchCountries(r.FormValue("q"), limit(r)) {
			out = append(out, Nazione{Nome: c.Name, Belfiore: c.Belfiore, ISO: c.ISO, Soppressa: c.Suppressed()})
		}
		cached(w)
		writeJSON(w, http.StatusOK, out)
	})
	return mux
}

// PlacesPatterns are the ServeMux patterns PlacesHandler answers.
var PlacesPatterns = []string{"GET /api/v1/luoghi/comuni", "GET /api/v1/luoghi/province", "GET /api/v1/luoghi/nazioni"}

func limit(r *http.Request) int {
	n, err := strconv.Atoi(r.FormValue("limit"))
	if err != nil || n <= 0 {
		return 10
	}
	return min(n, 50)
}

// matches reports whether name has a word starting with q, folded like the
// places package does; an empty q matches everything.
func matches(name, q string) bool {
	if q == "" {
		return true
	}
	fn, fq := fold(name), fold(q)
	if len(fq) > len(fn) {
		return false
	}
	if fn[:len(fq)] == fq {
		return true
	}
	for i := 0; i+1 < len(fn); i++ {
		if fn[i] == ' ' && len(fn)-i-1 >= len(fq) && fn[i+1:i+1+len(fq)] == fq {
			return true
		}
	}
	return false
}

// fold is places' search key: upper-case unaccented letters and digits,
// other runs of characters turned into one space.
func fold(s string) string {
	var b strings.Builder
	space := false
	for _, r := range s {
		r = places.FoldRune(r)
		switch {
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			if space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = false
			b.WriteRune(r)
		default:
			space = true
		}
	}
	return b.String()
}

func cached(w http.ResponseWriter) { w.Header().Set("Cache-Control", "public, max-age=3600") }
