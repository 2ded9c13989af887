package browsertest

import (
	"slices"
	"testing"
)

func TestFindEnglish(t *testing.T) {
	for _, tc := range []struct {
		name  string
		text  string
		allow []string
		want  []string // the words found, in EnglishUIWords order
	}{
		{"italian", "Prenota un appuntamento\nLe mie prenotazioni\nAccedi all'area personale\nTorna indietro", nil, nil},
		{"word", "Prenota\nSubmit", nil, []string{"Submit"}},
		{"any case", "SEARCH", nil, []string{"Search"}},
		{"phrase across spaces", "Toggle\n  navigation", nil, []string{"Toggle navigation"}},
		{"whole words only", "Homepage Backend Menuetto Chiusura Selezionare Errore Openness", nil, nil},
		{"next to accents", "àHomeè", nil, nil},
		{"allowed", "Login assistenza", []string{"login"}, nil},
		{"several", "Cancel or Save", nil, []string{"Cancel", "Save"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			found := findEnglish(tc.text, tc.allow)
			var got []string
			for _, f := range found {
				got = append(got, f.Word)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("findEnglish(%q) = %v, want %q", tc.text, found, tc.want)
			}
		})
	}
}
