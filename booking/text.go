package booking

import (
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// TextMessage is the Italian message for a text that cannot be stored.
const TextMessage = "Il testo contiene un carattere non ammesso (un carattere nullo o una codifica diversa da UTF-8): lo riscriva o lo incolli di nuovo senza di esso."

// StorableText reports whether v can be stored as text by every engine:
// valid UTF-8 without NUL (PostgreSQL refuses both, SQLite would keep them).
func StorableText(v string) bool {
	return utf8.ValidString(v) && !strings.ContainsRune(v, 0)
}

// CheckTexts returns a field error for each value that is not StorableText.
// pairs alternates field names and values: CheckTexts("nome", n, "nota", t).
func CheckTexts(pairs ...string) []FieldError {
	var fs []FieldError
	for i := 0; i+1 < len(pairs); i += 2 {
		if !StorableText(pairs[i+1]) {
			fs = append(fs, FieldError{pairs[i], TextMessage})
		}
	}
	return fs
}

// texts are the field errors of a confirm request's texts that cannot be
// stored, checked before anything reads or writes the store with them.
func (r ConfirmRequest) texts() []FieldError {
	p := r.Fruitore
	fs := CheckTexts("hold_id", r.HoldID, "Idempotency-Key", r.IdempotencyKey,
		"motivazione", r.Motivazione, "telefono", r.Telefono, "nota", r.Nota)
	for _, f := range p.texts() {
		fs = append(fs, FieldError{"fruitore." + f.Field, f.Message})
	}
	for _, k := range slices.Sorted(maps.Keys(r.Extra)) {
		if v := r.Extra[k]; !StorableText(k) {
			fs = append(fs, FieldError{"extra", TextMessage})
		} else {
			fs = append(fs, CheckTexts("extra."+k, v)...)
		}
	}
	return fs
}

// texts are the field errors of the anagrafica's texts that cannot be stored.
func (p Person) texts() []FieldError {
	return CheckTexts("nome", p.Nome, "cognome", p.Cognome, "sesso", p.Sesso,
		"nazione_nascita", p.NazioneNascita, "provincia_nascita", p.ProvinciaNascita,
		"comune_nascita", p.ComuneNascita, "codice_fiscale", p.CodiceFiscale,
		"email", p.Email, "telefono", p.Telefono)
}
