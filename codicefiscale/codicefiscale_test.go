package codicefiscale

import (
	"errors"
	"testing"
	"time"
)

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// ref is the reference date of the tests, so century inference is stable.
var ref = date(2026, time.June, 1)

// withCheck appends the check character to a 15-character prefix.
func withCheck(s15 string) string { return s15 + string(checkChar(s15)) }

func TestParse(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		birth    time.Time
		sex      string
		belfiore string
		omocodic bool
	}{
		{name: "mario rossi roma", in: "RSSMRA70A01H501S", birth: date(1970, 1, 1), sex: "M", belfiore: "H501"},
		// Examples published independently of this package (Wikipedia).
		// Born in 1925 or 2025: the code cannot tell, the latest century wins.
		{name: "published example milano", in: "MRTMTT25D09F205Z", birth: date(2025, 4, 9), sex: "M", belfiore: "F205"},
		{name: "published example 1985", in: "RSSMRA85T10A562S", birth: date(1985, 12, 10), sex: "M", belfiore: "A562"},
		{name: "lower case and spaces", in: "  rssmra 70a01 h501s\t", birth: date(1970, 1, 1), sex: "M", belfiore: "H501"},
		{name: "woman santarcangelo", in: "BNCGLI85M55I304Q", birth: date(1985, 8, 15), sex: "F", belfiore: "I304"},
		{name: "born abroad leap day", in: "FRRLCU92B29Z112V", birth: date(1992, 2, 29), sex: "M", belfiore: "Z112"},
		{name: "suppressed comune", in: "NRENNA65E60A744P", birth: date(1965, 5, 20), sex: "F", belfiore: "A744"},
		{name: "born this century", in: "DMCNCL01S30D612R", birth: date(2001, 11, 30), sex: "M", belfiore: "D612"},
		{name: "omocodia last digit", in: withCheck("RSSMRA70A01H50M"), birth: date(1970, 1, 1), sex: "M", belfiore: "H501", omocodic: true},
		{name: "omocodia all digits", in: withCheck("RSSMRATLALMHRLM"), birth: date(1970, 1, 1), sex: "M", belfiore: "H501", omocodic: true},
		{name: "omocodia woman day", in: withCheck("BNCGLI85MRRI304"), birth: date(1985, 8, 15), sex: "F", belfiore: "I304", omocodic: true},
		{name: "year 26 before ref is 2026", in: withCheck("RSSMRA26A01H501"), birth: date(2026, 1, 1), sex: "M", belfiore: "H501"},
		{name: "year 26 after ref is 1926", in: withCheck("RSSMRA26L01H501"), birth: date(1926, 7, 1), sex: "M", belfiore: "H501"},
		{name: "29 february 2000", in: withCheck("RSSMRA00B29H501"), birth: date(2000, 2, 29), sex: "M", belfiore: "H501"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseAt(tt.in, ref)
			if err != nil {
				t.Fatalf("ParseAt(%q) error: %v", tt.in, err)
			}
			if !c.BirthDate.Equal(tt.birth) || c.Sex != tt.sex || c.Belfiore != tt.belfiore || c.Omocodic != tt.omocodic {
				t.Errorf("ParseAt(%q) = birth %s sex %s place %s omocodic %v; want %s %s %s %v", tt.in,
					c.BirthDate.Format(time.DateOnly), c.Sex, c.Belfiore, c.Omocodic,
					tt.birth.Format(time.DateOnly), tt.sex, tt.belfiore, tt.omocodic)
			}
			if c.String() != Normalize(tt.in) {
				t.Errorf("String() = %q, want %q", c.String(), Normalize(tt.in))
			}
			base, err := ParseAt(c.Base(), ref)
			if err != nil || base.Omocodic || base.Belfiore != c.Belfiore || !base.BirthDate.Equal(c.BirthDate) || base.Surname != c.Surname || base.Name != c.Name {
				t.Errorf("Base() = %q (%+v, %v), want the same data without omocodia", c.Base(), base, err)
			}
			if c.BornAbroad() != (tt.belfiore[0] == 'Z') {
				t.Errorf("BornAbroad() = %v", c.BornAbroad())
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		reason Reason
		msg    string
	}{
		{name: "empty", in: "  ", reason: ReasonRequired, msg: "Inserisca il codice fiscale"},
		{name: "too short", in: "RSSMRA70A01H501", reason: ReasonLength, msg: "Il codice fiscale deve avere 16 caratteri (ne ha 15): controlli di averlo scritto per intero"},
		{name: "too long", in: "RSSMRA70A01H501SS", reason: ReasonLength},
		{name: "wrong check character", in: "RSSMRA70A01H501T", reason: ReasonCheckChar, msg: "Il carattere di controllo del codice fiscale non è corretto: controlli di averlo trascritto senza errori"},
		{name: "swapped digits", in: "RSSMRA07A01H501S", reason: ReasonCheckChar},
		{name: "digit in surname", in: "R5SMRA70A01H501S", reason: ReasonFormat, msg: "Il codice fiscale non è valido: il 2° carattere (5) dovrebbe essere una lettera"},
		{name: "letter not an omocode", in: "RSSMRA7AA01H501S", reason: ReasonFormat, msg: "Il codice fiscale non è valido: il 8° carattere (A) dovrebbe essere una cifra"},
		{name: "digit as month", in: "RSSMRA70101H501S", reason: ReasonFormat},
		{name: "accented letter", in: "RSSMRÀ70A01H501S", reason: ReasonFormat},
		{name: "punctuation", in: "RSSMRA70A01H501-", reason: ReasonFormat},
		{name: "not a month", in: withCheck("RSSMRA70F01H501"), reason: ReasonDate},
		{name: "day 32", in: withCheck("RSSMRA70A32H501"), reason: ReasonDate},
		{name: "day 0", in: withCheck("RSSMRA70A00H501"), reason: ReasonDate},
		{name: "woman day 72", in: withCheck("RSSMRA70A72H501"), reason: ReasonDate},
		{name: "30 february", in: withCheck("RSSMRA70B30H501"), reason: ReasonDate},
		{name: "29 february non-leap", in: withCheck("RSSMRA70B29H501"), reason: ReasonDate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseAt(tt.in, ref)
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("ParseAt(%q) error = %v, want *FieldError", tt.in, err)
			}
			if fe.Field != FieldCodiceFiscale || fe.Reason != tt.reason {
				t.Errorf("ParseAt(%q) = %s/%s %q, want codice_fiscale/%s", tt.in, fe.Field, fe.Reason, fe.Message, tt.reason)
			}
			if tt.msg != "" && fe.Message != tt.msg {
				t.Errorf("message = %q, want %q", fe.Message, tt.msg)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		" rssmra70a01h501s ":     "RSSMRA70A01H501S",
		"RSS MRA 70A01 H501S":    "RSSMRA70A01H501S",
		"rss\tmra\n70a01h501s":   "RSSMRA70A01H501S",
		"":                       "",
		"RSSMRA70A01H501S":       "RSSMRA70A01H501S",
		"rss mra 70a01 h501s   ": "RSSMRA70A01H501S",
	} {
		if got := Normalize(in); got != want {
			t.Errorf("Normalize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNameCodes(t *testing.T) {
	tests := []struct {
		name, in, surname, given string
	}{
		{name: "plain", in: "ROSSI", surname: "RSS", given: "RSS"},
		{name: "four consonants", in: "GIANFRANCO", surname: "GNF", given: "GFR"},
		{name: "five consonants", in: "MARCELLO", surname: "MRC", given: "MCL"},
		{name: "consonants then vowels", in: "MARIO", surname: "MRA", given: "MRA"},
		{name: "short, padded", in: "FO", surname: "FOX", given: "FOX"},
		{name: "two letters vowels", in: "LI", surname: "LIX", given: "LIX"},
		{name: "one vowel", in: "O", surname: "OXX", given: "OXX"},
		{name: "accents folded", in: "NICCOLÒ", surname: "NCC", given: "NCL"},
		{name: "apostrophe ignored", in: "D'AMICO", surname: "DMC", given: "DMC"},
		{name: "spaces ignored", in: "DE LUCA", surname: "DLC", given: "DLC"},
		{name: "two names", in: "Anna Maria", surname: "NNM", given: "NMR"},
		{name: "three consonants", in: "CARLO", surname: "CRL", given: "CRL"},
		{name: "lower case", in: "giulia", surname: "GLI", given: "GLI"},
		{name: "foreign letters", in: "JÜRGEN", surname: "JRG", given: "JGN"},
		{name: "y and k are consonants", in: "KYRA", surname: "KYR", given: "KYR"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got, err := surnameCode(tt.in); err != nil || got != tt.surname {
				t.Errorf("surnameCode(%q) = %q, %v; want %q", tt.in, got, err, tt.surname)
			}
			if got, err := nameCode(tt.in); err != nil || got != tt.given {
				t.Errorf("nameCode(%q) = %q, %v; want %q", tt.in, got, err, tt.given)
			}
		})
	}
}

func TestCompute(t *testing.T) {
	tests := []struct {
		name string
		p    Person
		want string
	}{
		{name: "mario rossi", p: Person{Nome: "Mario", Cognome: "Rossi", DataNascita: date(1970, 1, 1), Sesso: "M", Belfiore: "H501"}, want: "RSSMRA70A01H501S"},
		{name: "published example", p: Person{Nome: "Matteo", Cognome: "Moretti", DataNascita: date(1925, 4, 9), Sesso: "M", Belfiore: "F205"}, want: "MRTMTT25D09F205Z"},
		{name: "woman", p: Person{Nome: "Giulia", Cognome: "Bianchi", DataNascita: date(1985, 8, 15), Sesso: "F", Belfiore: "I304"}, want: "BNCGLI85M55I304Q"},
		{name: "born abroad", p: Person{Nome: "Luca", Cognome: "Ferrari", DataNascita: date(1992, 2, 29), Sesso: "m", Belfiore: "Z112"}, want: "FRRLCU92B29Z112V"},
		{name: "accents and apostrophe", p: Person{Nome: "Niccolò", Cognome: "D'Amico", DataNascita: date(2001, 11, 30), Sesso: "M", Belfiore: "D612"}, want: "DMCNCL01S30D612R"},
		{name: "suppressed comune", p: Person{Nome: "Anna", Cognome: "Neri", DataNascita: date(1965, 5, 20), Sesso: "F", Belfiore: "A744"}, want: "NRENNA65E60A744P"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Compute(tt.p)
			if err != nil || got != tt.want {
				t.Errorf("Compute(%+v) = %q, %v; want %q", tt.p, got, err, tt.want)
			}
			if errs := Check(got, tt.p); errs != nil {
				t.Errorf("Check(Compute(p), p) = %v", errs)
			}
		})
	}
}

func TestComputeErrors(t *testing.T) {
	ok := Person{Nome: "Mario", Cognome: "Rossi", DataNascita: date(1970, 1, 1), Sesso: "M", Belfiore: "H501"}
	tests := []struct {
		name  string
		edit  func(*Person)
		field string
	}{
		{name: "no surname", edit: func(p *Person) { p.Cognome = " ' " }, field: FieldCognome},
		{name: "no name", edit: func(p *Person) { p.Nome = "" }, field: FieldNome},
		{name: "no date", edit: func(p *Person) { p.DataNascita = time.Time{} }, field: FieldDataNascita},
		{name: "year out of range", edit: func(p *Person) { p.DataNascita = date(70, 1, 1) }, field: FieldDataNascita},
		{name: "bad sex", edit: func(p *Person) { p.Sesso = "X" }, field: FieldSesso},
		{name: "unknown comune", edit: func(p *Person) { p.Belfiore = "A000" }, field: FieldComuneNascita},
		{name: "unknown country", edit: func(p *Person) { p.Belfiore = "Z999" }, field: FieldNazioneNascita},
		{name: "no place", edit: func(p *Person) { p.Belfiore = "" }, field: FieldComuneNascita},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := ok
			tt.edit(&p)
			_, err := Compute(p)
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tt.field || fe.Message == "" {
				t.Errorf("Compute() error = %#v, want a FieldError on %s", err, tt.field)
			}
		})
	}
}

func TestCheck(t *testing.T) {
	mario := Person{Nome: "Mario", Cognome: "Rossi", DataNascita: date(1970, 1, 1), Sesso: "M", Belfiore: "H501"}
	with := func(edit func(*Person)) Person {
		p := mario
		edit(&p)
		return p
	}
	tests := []struct {
		name   string
		cf     string
		p      Person
		fields []string
	}{
		{name: "all agree", cf: "RSSMRA70A01H501S", p: mario},
		{name: "typed loosely", cf: " rss mra 70a01 h501s", p: with(func(p *Person) { p.Nome, p.Cognome, p.Sesso = "mario", "ROSSI ", "m" })},
		{name: "omocodic code agrees", cf: withCheck("RSSMRATLALMHRLM"), p: mario},
		{name: "omocodic last digit agrees", cf: withCheck("RSSMRA70A01H50M"), p: mario},
		{name: "born 1925 agrees", cf: "MRTMTT25D09F205Z", p: Person{Nome: "Matteo", Cognome: "Moretti", DataNascita: date(1925, 4, 9), Sesso: "M", Belfiore: "F205"}},
		{name: "accents and apostrophes agree", cf: "DMCNCL01S30D612R", p: Person{Nome: "NICCOLO", Cognome: "D AMICO", DataNascita: date(2001, 11, 30), Sesso: "M", Belfiore: "D612"}},
		{name: "suppressed comune agrees", cf: "NRENNA65E60A744P", p: Person{Nome: "Anna", Cognome: "Neri", DataNascita: date(1965, 5, 20), Sesso: "F", Belfiore: "A744"}},
		{name: "re-established comune with the same name agrees", cf: "NRENNA65E60A744P", p: Person{Nome: "Anna", Cognome: "Neri", DataNascita: date(1965, 5, 20), Sesso: "F", Belfiore: "M335"}},
		{name: "foreign birth agrees", cf: "FRRLCU92B29Z112V", p: Person{Nome: "Luca", Cognome: "Ferrari", DataNascita: date(1992, 2, 29), Sesso: "M", Belfiore: "Z112"}},
		{name: "empty fields not compared", cf: "RSSMRA70A01H501S", p: Person{}},

		{name: "nome", cf: "RSSMRA70A01H501S", p: with(func(p *Person) { p.Nome = "Luigi" }), fields: []string{"nome"}},
		{name: "cognome", cf: "RSSMRA70A01H501S", p: with(func(p *Person) { p.Cognome = "Bianchi" }), fields: []string{"cognome"}},
		{name: "data nascita day", cf: "RSSMRA70A01H501S", p: with(func(p *Person) { p.DataNascita = date(1970, 1, 2) }), fields: []string{"data_nascita"}},
		{name: "data nascita year", cf: "RSSMRA70A01H501S", p: with(func(p *Person) { p.DataNascita = date(1971, 1, 1) }), fields: []string{"data_nascita"}},
		{name: "sesso", cf: "RSSMRA70A01H501S", p: with(func(p *Person) { p.Sesso = "F" }), fields: []string{"sesso"}},
		{name: "comune", cf: "RSSMRA70A01H501S", p: with(func(p *Person) { p.Belfiore = "F205" }), fields: []string{"comune_nascita"}},
		{name: "nazione", cf: "RSSMRA70A01H501S", p: with(func(p *Person) { p.Belfiore = "Z110" }), fields: []string{"nazione_nascita"}},
		{name: "born in italy, code says abroad", cf: "FRRLCU92B29Z112V", p: Person{Nome: "Luca", Cognome: "Ferrari", DataNascita: date(1992, 2, 29), Sesso: "M", Belfiore: "H501"}, fields: []string{"comune_nascita"}},
		{name: "omocodic code, wrong place", cf: withCheck("RSSMRA70A01H50M"), p: with(func(p *Person) { p.Belfiore = "H502" }), fields: []string{"comune_nascita"}},
		{name: "several, in form order", cf: "RSSMRA70A01H501S", p: Person{Nome: "Giulia", Cognome: "Rossi", DataNascita: date(1970, 1, 1), Sesso: "F", Belfiore: "F205"}, fields: []string{"nome", "sesso", "comune_nascita"}},
		{name: "invalid code", cf: "RSSMRA70A01H501T", p: mario, fields: []string{"codice_fiscale"}},
		{name: "missing code", cf: "", p: mario, fields: []string{"codice_fiscale"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := Check(tt.cf, tt.p)
			var got []string
			for _, e := range errs {
				got = append(got, e.Field)
				if e.Message == "" {
					t.Errorf("%s: empty message", e.Field)
				}
			}
			if len(got) != len(tt.fields) {
				t.Fatalf("Check(%q) fields = %v, want %v", tt.cf, got, tt.fields)
			}
			for i := range got {
				if got[i] != tt.fields[i] {
					t.Fatalf("Check(%q) fields = %v, want %v", tt.cf, got, tt.fields)
				}
			}
		})
	}
	errs := Check("RSSMRA70A01H501S", with(func(p *Person) { p.Cognome = "Bianchi" }))
	if want := "Il cognome non corrisponde al codice fiscale: controlli il cognome o il codice fiscale"; errs[0].Message != want || errs[0].Reason != ReasonMismatch {
		t.Errorf("cognome message = %q, want %q", errs[0].Message, want)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"RSSMRA70A01H501S", "rss mra 70a01 h501s", "RSSMRATLALMHRLMD", "FRRLCU92B29Z112V",
		"RSSMRA70A01H501T", "RSSMRA70A01H501", "", "ÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀÀ", "RSSMRA00B29H501X", "\x00\xff",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseAt(s, ref)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != FieldCodiceFiscale || fe.Message == "" {
				t.Fatalf("ParseAt(%q) error %#v is not a codice_fiscale FieldError", s, err)
			}
			return
		}
		if c.String() != Normalize(s) {
			t.Fatalf("ParseAt(%q).String() = %q, want Normalize = %q", s, c.String(), Normalize(s))
		}
		again, err := ParseAt(c.String(), ref)
		if err != nil || again != c {
			t.Fatalf("ParseAt(String()) = %+v, %v; want %+v", again, err, c)
		}
		base, err := ParseAt(c.Base(), ref)
		if err != nil || base.Omocodic || base.Belfiore != c.Belfiore || !base.BirthDate.Equal(c.BirthDate) || base.Sex != c.Sex {
			t.Fatalf("ParseAt(Base() = %q) = %+v, %v; want the data of %+v", c.Base(), base, err, c)
		}
		if c.BirthDate.After(ref) {
			t.Fatalf("ParseAt(%q) birth date %v after the reference date", s, c.BirthDate)
		}
	})
}

// FuzzCompute checks that the code computed for any person is valid and
// agrees with that person.
func FuzzCompute(f *testing.F) {
	f.Add("Mario", "Rossi", int64(0), false, "H501")
	f.Add("Niccolò", "D'Amico", int64(11290), false, "D612")
	f.Add("Giulia", "Bianchi", int64(5705), true, "I304")
	f.Add("Jürgen", "O", int64(-20000), true, "Z112")
	f.Fuzz(func(t *testing.T, nome, cognome string, days int64, female bool, belfiore string) {
		p := Person{Nome: nome, Cognome: cognome, DataNascita: date(1970, 1, 1).AddDate(0, 0, int(days%100000)), Sesso: "M", Belfiore: belfiore}
		if female {
			p.Sesso = "F"
		}
		cf, err := Compute(p)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Message == "" {
				t.Fatalf("Compute(%+v) error %#v is not a FieldError", p, err)
			}
			return
		}
		if _, err := Parse(cf); err != nil {
			t.Fatalf("Compute(%+v) = %q, which does not parse: %v", p, cf, err)
		}
		if errs := Check(cf, p); errs != nil {
			t.Fatalf("Check(Compute(%+v) = %q) = %v", p, cf, errs)
		}
	})
}
