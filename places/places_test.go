package places

import (
	"slices"
	"testing"
	"time"
)

func day(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestComuneByBelfiore(t *testing.T) {
	tests := []struct {
		name       string
		code       string
		want       string
		province   string
		validTo    string
		suppressed bool
	}{
		{name: "roma", code: "H501", want: "ROMA", province: "RM"},
		{name: "milano", code: "F205", want: "MILANO", province: "MI"},
		{name: "santarcangelo", code: "I304", want: "SANTARCANGELO DI ROMAGNA", province: "RN"},
		{name: "lower case", code: "h501", want: "ROMA", province: "RM"},
		{name: "merged in 2014", code: "A744", want: "BELLAGIO", province: "CO", validTo: "2014-02-04", suppressed: true},
		{name: "merged in 2014, new code", code: "M335", want: "BELLAGIO", province: "CO"},
		{name: "suppressed 2014", code: "A559", want: "CASCIANA TERME", province: "PI", validTo: "2014-01-01", suppressed: true},
		{name: "ceded in 1947", code: "A009", want: "ABBAZIA", province: "FU", validTo: "1947-09-16", suppressed: true},
		{name: "repaired accents", code: "C294", want: "CHÂTILLON", province: "AO"},
		{name: "repaired accents 2", code: "M273", want: "SANTA MARIA LA CARITÀ", province: "NA"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok := ComuneByBelfiore(tt.code)
			if !ok {
				t.Fatalf("ComuneByBelfiore(%q) not found", tt.code)
			}
			if c.Name != tt.want || c.Province != tt.province || !c.ValidTo.Equal(day(tt.validTo)) || c.Suppressed() != tt.suppressed {
				t.Errorf("ComuneByBelfiore(%q) = %+v, want %s (%s) valid to %q", tt.code, c, tt.want, tt.province, tt.validTo)
			}
		})
	}
	for _, code := range []string{"", "Z110", "A000", "H50", "H5011"} {
		if c, ok := ComuneByBelfiore(code); ok {
			t.Errorf("ComuneByBelfiore(%q) = %+v, want none", code, c)
		}
	}
}

func TestComuni(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  []string // Belfiore codes in order
	}{
		{name: "exact", query: "ROMA", want: []string{"H501"}},
		{name: "case and spaces", query: "  santarcangelo   di romagna ", want: []string{"I304"}},
		{name: "current before suppressed", query: "bellagio", want: []string{"M335", "A744"}},
		{name: "accent-insensitive", query: "Cantu", want: []string{"B639"}},
		{name: "old apostrophe spelling", query: "CANTU'", want: []string{"B639"}},
		{name: "apostrophe", query: "sant’agata di militello", want: []string{"I199"}},
		{name: "unknown", query: "ATLANTIDE"},
		{name: "empty", query: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := codes(Comuni(tt.query))
			if !slices.Equal(got, tt.want) {
				t.Errorf("Comuni(%q) = %v, want %v", tt.query, got, tt.want)
			}
		})
	}
	// Current homonyms in different provinces.
	peglio := Comuni("PEGLIO")
	if len(peglio) != 2 || peglio[0].Province == peglio[1].Province {
		t.Errorf("Comuni(PEGLIO) = %+v, want two comuni in different provinces", peglio)
	}
}

func TestSearchComuni(t *testing.T) {
	got := SearchComuni("santarc", "", 5)
	if len(got) == 0 || got[0].Belfiore != "I304" {
		t.Errorf("SearchComuni(santarc) = %v, want I304 first", codes(got))
	}
	got = SearchComuni("romagna", "RN", 0)
	if !slices.Contains(codes(got), "I304") {
		t.Errorf("SearchComuni(romagna, RN) = %v, want word match I304", codes(got))
	}
	got = SearchComuni("ROM", "", 3)
	if len(got) != 3 || got[0].Belfiore != "H501" {
		t.Errorf("SearchComuni(ROM, 3) = %v, want 3 results starting with ROMA", codes(got))
	}
	// Current comuni first: every current one precedes every suppressed one.
	got = SearchComuni("bel", "", 0)
	seenSuppressed := false
	for _, c := range got {
		if c.Suppressed() {
			seenSuppressed = true
		} else if seenSuppressed {
			t.Fatalf("SearchComuni(bel): current %s after a suppressed comune", c.Name)
		}
	}
	if !seenSuppressed || !slices.Contains(codes(got), "A744") || !slices.Contains(codes(got), "M335") {
		t.Errorf("SearchComuni(bel) = %d results, want both BELLAGIO codes and suppressed ones last", len(got))
	}
	all := SearchComuni("", "RN", 0)
	for _, c := range all {
		if c.Province != "RN" {
			t.Fatalf("SearchComuni(\"\", RN) returned %+v", c)
		}
	}
	if len(all) < 27 {
		t.Errorf("SearchComuni(\"\", RN) = %d comuni, want at least 27", len(all))
	}
	if got := SearchComuni("", "", 10); got != nil {
		t.Errorf("SearchComuni with no prefix nor province = %v, want nil", codes(got))
	}
}

func TestProvinces(t *testing.T) {
	ps := Provinces()
	current := 0
	for _, p := range ps {
		if !p.Suppressed {
			current++
		}
	}
	if current < 107 || current > 112 {
		t.Errorf("%d current provinces, want about 107", current)
	}
	for _, tt := range []struct {
		sigla, name string
		suppressed  bool
	}{
		{"RM", "ROMA", false}, {"rn", "RIMINI", false}, {"MB", "MONZA E DELLA BRIANZA", false},
		{"FU", "FIUME", true}, {"FO", "FORLÌ", true},
	} {
		p, ok := ProvinceBySigla(tt.sigla)
		if !ok || p.Name != tt.name || p.Suppressed != tt.suppressed {
			t.Errorf("ProvinceBySigla(%q) = %+v, %v; want %s suppressed=%v", tt.sigla, p, ok, tt.name, tt.suppressed)
		}
	}
	if _, ok := ProvinceBySigla("XX"); ok {
		t.Error("ProvinceBySigla(XX) found")
	}
}

func TestCountries(t *testing.T) {
	for _, tt := range []struct {
		code, name, iso string
		suppressed      bool
	}{
		{"Z110", "FRANCIA", "FR", false},
		{"Z112", "GERMANIA", "DE", false},
		{"Z133", "SVIZZERA", "CH", false},
		{"z404", "STATI UNITI D'AMERICA", "US", false},
		{"Z106", "STATO DELLA CITTÀ DEL VATICANO", "VA", false},
		{"Z135", "UNIONE SOVIETICA", "SU", true},
	} {
		c, ok := CountryByBelfiore(tt.code)
		if !ok || c.Name != tt.name || c.ISO != tt.iso || c.Suppressed() != tt.suppressed {
			t.Errorf("CountryByBelfiore(%q) = %+v, %v; want %s", tt.code, c, ok, tt.name)
		}
		byName, ok := CountryByName(tt.name)
		if !ok || byName.Belfiore != c.Belfiore {
			t.Errorf("CountryByName(%q) = %+v, %v", tt.name, byName, ok)
		}
	}
	it, ok := CountryByName("Italia")
	if !ok || !it.IsItaly() || it.Belfiore != "" {
		t.Errorf("CountryByName(Italia) = %+v, %v", it, ok)
	}
	if _, ok := CountryByBelfiore("H501"); ok {
		t.Error("CountryByBelfiore(H501) found a country")
	}
	if _, ok := CountryByBelfiore(""); ok {
		t.Error("CountryByBelfiore(\"\") found a country")
	}
	if got := Countries(); len(got) < 200 || !slices.Contains(countryCodes(got), "Z110") {
		t.Errorf("Countries() = %d countries", len(got))
	}
	got := SearchCountries("ger", 3)
	if len(got) == 0 || got[0].Name != "GERMANIA" {
		t.Errorf("SearchCountries(ger) = %v", got)
	}
	got = SearchCountries("ital", 0)
	if len(got) != 1 || !got[0].IsItaly() {
		t.Errorf("SearchCountries(ital) = %v, want ITALIA", got)
	}
	got = SearchCountries("uni", 0) // REGNO UNITO..., UNIONE SOVIETICA last
	if len(got) < 2 || !got[len(got)-1].Suppressed() || got[0].Suppressed() {
		t.Errorf("SearchCountries(uni) = %v, want current countries first", got)
	}
}

func TestIsCountryCode(t *testing.T) {
	for code, want := range map[string]bool{"Z110": true, "z110": true, "H501": false, "": false} {
		if got := IsCountryCode(code); got != want {
			t.Errorf("IsCountryCode(%q) = %v", code, got)
		}
	}
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Sant'Agata":      "SANT AGATA",
		" sant’  agata ":  "SANT AGATA",
		"Forlì-Cesena":    "FORLI CESENA",
		"CANTU'":          "CANTU",
		"Châtillon":       "CHATILLON",
		"Bolzano/Bozen":   "BOLZANO BOZEN",
		"":                "",
		"'":               "",
		"Isole Cook (NZ)": "ISOLE COOK NZ",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkSearchComuni(b *testing.B) {
	db()
	for b.Loop() {
		SearchComuni("san", "", 20)
	}
}

func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := parse(data); err != nil {
			b.Fatal(err)
		}
	}
}

func codes(cs []Comune) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Belfiore)
	}
	return out
}

func countryCodes(cs []Country) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Belfiore)
	}
	return out
}
