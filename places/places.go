// Package places holds the official Italian place data used by the codice
// fiscale and the personal-data form: the comuni with their Belfiore codes
// (current and suppressed ones, which old codici fiscali still carry), the
// provinces and the foreign countries (Belfiore "Z" codes).
//
// The data is generated once by tools/places from the npm package
// @marketto/belfiore-connector-embedded (see SOURCE.md), committed as
// places.tsv.gz and embedded in the binary. It is parsed on first use.
// Names are upper case, as in the ANPR lists (e.g. "SANTARCANGELO DI ROMAGNA").
// Lookups by name ignore case, accents, apostrophes, hyphens and extra spaces.
package places

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

//go:embed places.tsv.gz
var data []byte

// Comune is an Italian comune, current or suppressed.
type Comune struct {
	Belfiore string // cadastral code used in the codice fiscale, e.g. "H501"
	Name     string // official name, upper case, e.g. "ROMA"
	Province string // province sigla, e.g. "RM" (the last one for suppressed comuni)
	// ValidFrom is the day the comune was established; zero if unknown.
	ValidFrom time.Time
	// ValidTo is the day the comune ceased to exist (merged, renamed or
	// suppressed); zero while it exists.
	ValidTo time.Time
}

// Suppressed reports whether the comune no longer exists.
func (c Comune) Suppressed() bool { return !c.ValidTo.IsZero() }

// Province is an Italian province (or metropolitan city, or the equivalent
// unit in regions without provinces), identified by its sigla.
type Province struct {
	Sigla string // e.g. "RM"
	Name  string // upper case, e.g. "ROMA"
	// Suppressed is true for provinces that no longer exist (e.g. "FU"
	// Fiume, "FO" Forlì) and that only suppressed comuni refer to.
	Suppressed bool
}

// Country is a foreign country (or territory) with its Belfiore code, or
// Italy itself.
type Country struct {
	Belfiore string // "Z" code, e.g. "Z110"; empty for Italy
	Name     string // Italian name, upper case, e.g. "FRANCIA"
	ISO      string // ISO 3166-1 alpha-2 code when known, e.g. "FR"
	// ValidFrom and ValidTo bound the existence of countries that have
	// ceased (e.g. "UNIONE SOVIETICA"); zero when unknown or still valid.
	ValidFrom, ValidTo time.Time
}

// Italy is the country entry for people born in Italy. It has no Belfiore
// code: their codice fiscale carries the comune's.
var Italy = Country{Name: "ITALIA", ISO: "IT"}

// IsItaly reports whether c is Italy.
func (c Country) IsItaly() bool { return c.Belfiore == "" && c.Name == Italy.Name }

// Suppressed reports whether the country no longer exists.
func (c Country) Suppressed() bool { return !c.ValidTo.IsZero() }

type index struct {
	comuni      []Comune // sorted by name, current before suppressed
	comuneFold  []string // Fold(comuni[i].Name)
	comuneCode  map[string]int
	provinces   []Province // sorted by name
	provinceBy  map[string]int
	countries   []Country // sorted by name, Italy included
	countryFold []string
	countryCode map[string]int
}

var (
	loadOnce sync.Once
	loaded   *index
)

// db returns the parsed data, parsing it on first use. The embedded file is
// generated and tested, so a parse error is a build defect and panics.
func db() *index {
	loadOnce.Do(func() {
		ix, err := parse(data)
		if err != nil {
			panic("places: embedded data: " + err.Error())
		}
		loaded = ix
	})
	return loaded
}

func parse(gz []byte) (*index, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, err
	}
	ix := &index{
		comuni:    make([]Comune, 0, 10000),
		countries: []Country{Italy},
	}
	current := map[string]bool{}
	sc := bufio.NewScanner(zr)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, "\t")
		switch {
		case f[0] == "P" && len(f) == 3:
			ix.provinces = append(ix.provinces, Province{Sigla: f[1], Name: f[2]})
		case (f[0] == "C" || f[0] == "S") && len(f) == 6:
			from, err1 := date(f[4])
			to, err2 := date(f[5])
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("line %d: bad date", n)
			}
			if f[0] == "C" {
				ix.comuni = append(ix.comuni, Comune{Belfiore: f[1], Name: f[2], Province: f[3], ValidFrom: from, ValidTo: to})
				if to.IsZero() {
					current[f[3]] = true
				}
			} else {
				ix.countries = append(ix.countries, Country{Belfiore: f[1], Name: f[2], ISO: f[3], ValidFrom: from, ValidTo: to})
			}
		default:
			return nil, fmt.Errorf("line %d: unexpected record %q", n, line)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if err := zr.Close(); err != nil {
		return nil, err
	}

	ix.comuneFold = sortByName(ix.comuni, func(c Comune) (string, time.Time) { return c.Name, c.ValidTo })
	ix.comuneCode = make(map[string]int, len(ix.comuni))
	for i, c := range ix.comuni {
		ix.comuneCode[c.Belfiore] = i
	}

	for i := range ix.provinces {
		ix.provinces[i].Suppressed = !current[ix.provinces[i].Sigla]
	}
	sort.SliceStable(ix.provinces, func(i, j int) bool { return Fold(ix.provinces[i].Name) < Fold(ix.provinces[j].Name) })
	ix.provinceBy = make(map[string]int, len(ix.provinces))
	for i, p := range ix.provinces {
		ix.provinceBy[p.Sigla] = i
	}

	ix.countryFold = sortByName(ix.countries, func(c Country) (string, time.Time) { return c.Name, c.ValidTo })
	ix.countryCode = make(map[string]int, len(ix.countries))
	for i, c := range ix.countries {
		if c.Belfiore != "" {
			ix.countryCode[c.Belfiore] = i
		}
	}
	return ix, nil
}

// sortByName sorts places by folded name, current before suppressed, then
// the most recently suppressed first, and returns the folded names in the
// same order. Names are folded once, before sorting, to keep loading fast.
func sortByName[T any](places []T, key func(T) (string, time.Time)) []string {
	type entry struct {
		fold string
		to   time.Time
		p    T
	}
	es := make([]entry, len(places))
	for i, p := range places {
		name, to := key(p)
		es[i] = entry{Fold(name), to, p}
	}
	sort.SliceStable(es, func(i, j int) bool {
		a, b := &es[i], &es[j]
		if a.fold != b.fold {
			return a.fold < b.fold
		}
		if a.to.IsZero() != b.to.IsZero() {
			return a.to.IsZero()
		}
		return a.to.After(b.to)
	})
	folds := make([]string, len(es))
	for i, e := range es {
		places[i], folds[i] = e.p, e.fold
	}
	return folds
}

func date(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.DateOnly, s)
}

// ComuneByBelfiore returns the comune, current or suppressed, with the given
// Belfiore code (case-insensitive, e.g. "H501" for Roma).
func ComuneByBelfiore(code string) (Comune, bool) {
	ix := db()
	i, ok := ix.comuneCode[strings.ToUpper(strings.TrimSpace(code))]
	if !ok {
		return Comune{}, false
	}
	return ix.comuni[i], true
}

// Comuni returns the comuni whose name equals name, ignoring case, accents
// and punctuation: several for homonyms (e.g. "PEGLIO" in CO and PU) and for
// comuni re-established under a new code (e.g. "BELLAGIO"). Current comuni
// come first. It returns nil when none matches.
func Comuni(name string) []Comune {
	ix := db()
	key := Fold(name)
	if key == "" {
		return nil
	}
	i := sort.SearchStrings(ix.comuneFold, key)
	var out []Comune
	for ; i < len(ix.comuni) && ix.comuneFold[i] == key; i++ {
		out = append(out, ix.comuni[i])
	}
	sortCurrentFirst(out)
	return out
}

// SearchComuni returns comuni for autocomplete: those whose name starts with
// prefix, then those with a later word starting with it (so "romagna" finds
// "SANTARCANGELO DI ROMAGNA"), current comuni before suppressed ones, each
// group by name. Case, accents and punctuation are ignored. A non-empty
// province (sigla) restricts the search to it; an empty prefix with a
// province lists the whole province. At most limit results are returned
// (all when limit <= 0); nil when prefix and province are both empty.
func SearchComuni(prefix, province string, limit int) []Comune {
	ix := db()
	key := Fold(prefix)
	province = strings.ToUpper(strings.TrimSpace(province))
	if key == "" && province == "" {
		return nil
	}
	// rank: 0 current prefix, 1 current word, 2 suppressed prefix, 3 suppressed word.
	var buckets [4][]Comune
	for i, c := range ix.comuni {
		if province != "" && c.Province != province {
			continue
		}
		r, ok := matchRank(ix.comuneFold[i], key)
		if !ok {
			continue
		}
		if c.Suppressed() {
			r += 2
		}
		if limit <= 0 || len(buckets[r]) < limit {
			buckets[r] = append(buckets[r], c)
		}
	}
	return collect(buckets[:], limit)
}

// Provinces returns all provinces sorted by name, including the suppressed
// ones that only old comuni refer to (see Province.Suppressed).
func Provinces() []Province {
	return append([]Province(nil), db().provinces...)
}

// ProvinceBySigla returns the province with the given sigla (case-insensitive).
func ProvinceBySigla(sigla string) (Province, bool) {
	ix := db()
	i, ok := ix.provinceBy[strings.ToUpper(strings.TrimSpace(sigla))]
	if !ok {
		return Province{}, false
	}
	return ix.provinces[i], true
}

// FindProvince returns the province that s names, by sigla or by name, in
// any case and with or without accents: "MI", "mi", "Milano", "FORLÌ
// CESENA". Of a current and a suppressed province with the same name, the
// current one.
func FindProvince(s string) (Province, bool) {
	if p, ok := ProvinceBySigla(s); ok {
		return p, true
	}
	key := Fold(s)
	if key == "" {
		return Province{}, false
	}
	var found Province
	ok := false
	for _, p := range db().provinces {
		if Fold(p.Name) == key && (!ok || found.Suppressed) {
			found, ok = p, true
		}
	}
	return found, ok
}

// Countries returns Italy and every foreign country, current and ceased,
// sorted by name.
func Countries() []Country {
	return append([]Country(nil), db().countries...)
}

// CountryByName returns the country with the given name, ignoring case,
// accents and punctuation ("Italia" returns Italy). When a current and a
// ceased country share a name, the current one is returned.
func CountryByName(name string) (Country, bool) {
	ix := db()
	key := Fold(name)
	i := sort.SearchStrings(ix.countryFold, key)
	if key == "" || i == len(ix.countryFold) || ix.countryFold[i] != key {
		return Country{}, false
	}
	return ix.countries[i], true
}

// CountryByBelfiore returns the foreign country with the given Z code
// (case-insensitive, e.g. "Z110" for France).
func CountryByBelfiore(code string) (Country, bool) {
	ix := db()
	i, ok := ix.countryCode[strings.ToUpper(strings.TrimSpace(code))]
	if !ok {
		return Country{}, false
	}
	return ix.countries[i], true
}

// SearchCountries returns countries (Italy included) for autocomplete, with
// the same matching and ordering as SearchComuni. An empty prefix returns nil.
func SearchCountries(prefix string, limit int) []Country {
	ix := db()
	key := Fold(prefix)
	if key == "" {
		return nil
	}
	var buckets [4][]Country
	for i, c := range ix.countries {
		r, ok := matchRank(ix.countryFold[i], key)
		if !ok {
			continue
		}
		if c.Suppressed() {
			r += 2
		}
		if limit <= 0 || len(buckets[r]) < limit {
			buckets[r] = append(buckets[r], c)
		}
	}
	return collect(buckets[:], limit)
}

// IsCountryCode reports whether a Belfiore code designates a foreign
// country (a "Z" code) rather than an Italian comune.
func IsCountryCode(code string) bool {
	code = strings.TrimSpace(code)
	return code != "" && (code[0] == 'Z' || code[0] == 'z')
}

// MatchesWord reports whether the folded name has a word starting with the
// folded key (an empty key matches everything), as the searches match.
func MatchesWord(name, key string) bool {
	_, ok := matchRank(name, key)
	return ok
}

// matchRank tells whether name (folded) matches key (folded) as a prefix
// (rank 0) or as the prefix of a later word (rank 1). An empty key matches.
func matchRank(name, key string) (int, bool) {
	if strings.HasPrefix(name, key) {
		return 0, true
	}
	for i := 0; i < len(name); i++ {
		if name[i] == ' ' && strings.HasPrefix(name[i+1:], key) {
			return 1, true
		}
	}
	return 0, false
}

func collect[T any](buckets [][]T, limit int) []T {
	var out []T
	for _, b := range buckets {
		for _, x := range b {
			if limit > 0 && len(out) == limit {
				return out
			}
			out = append(out, x)
		}
	}
	return out
}

func sortCurrentFirst(cs []Comune) {
	sort.SliceStable(cs, func(i, j int) bool {
		if cs[i].Suppressed() != cs[j].Suppressed() {
			return !cs[i].Suppressed()
		}
		return cs[i].ValidTo.After(cs[j].ValidTo)
	})
}
