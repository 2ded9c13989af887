package api

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/prenota/prenota/booking"
)

// maxBody is the largest request body accepted.
const maxBody = 64 << 10

// readJSON reads the body of a JSON request: 415 unless the Content-Type is
// JSON (which also keeps cross-site HTML forms out), 413 over maxBody.
func readJSON(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return nil, &httpError{status: http.StatusUnsupportedMediaType, slug: "unsupported_media_type", title: "Formato non supportato",
			detail: "Il corpo della richiesta deve essere JSON: usi l'intestazione Content-Type: application/json."}
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, &httpError{status: http.StatusRequestEntityTooLarge, slug: "too_large", title: "Richiesta troppo grande",
				detail: "Il corpo della richiesta supera il limite di 64 KB."}
		}
		return nil, &httpError{status: http.StatusBadRequest, slug: "malformed", title: "Richiesta non leggibile",
			detail: "Non è stato possibile leggere il corpo della richiesta."}
	}
	return data, nil
}

// malformed returns a 400 problem about the JSON body.
func malformed(detail string, fields ...booking.FieldError) error {
	return &httpError{status: http.StatusBadRequest, slug: "malformed_json", title: "JSON non valido", detail: detail, fields: fields}
}

// decodeJSON decodes data, one JSON object, into dst. Member names match
// exactly (case included); unknown and repeated members are refused, so
// that "RESOURCE_ID" cannot stand for, or override, "resource_id". prefix
// ("fruitore.") is put before the field names it reports. Syntax errors and
// wrong types are 400; unknown or repeated members and text that is not
// UTF-8 are 422, each naming where.
func decodeJSON(data []byte, dst any, prefix string) error {
	err := json.Unmarshal(data, dst, json.RejectUnknownMembers(true))
	if err == nil {
		return nil
	}
	field := func(p jsontext.Pointer) string {
		var names []string
		for tok := range p.Tokens() {
			names = append(names, clip(tok, 100))
		}
		if len(names) == 0 {
			return strings.TrimSuffix(prefix, ".")
		}
		return prefix + strings.Join(names, ".")
	}
	var syn *jsontext.SyntacticError
	var sem *json.SemanticError
	switch {
	case errors.As(err, &syn):
		f := field(syn.JSONPointer)
		switch {
		case errors.Is(syn.Err, jsontext.ErrDuplicateName):
			return booking.Invalid(booking.FieldError{Field: f, Message: "Il campo " + f + " compare più volte: lo indichi una volta sola."})
		case syn.Err != nil && syn.Err.Error() == "invalid UTF-8" && f != "" && f != strings.TrimSuffix(prefix, "."):
			return booking.Invalid(booking.FieldError{Field: f, Message: booking.TextMessage})
		case errors.Is(syn.Err, io.ErrUnexpectedEOF) && len(bytes.TrimSpace(data)) == 0 && prefix == "":
			return malformed("Il corpo della richiesta è vuoto: invii un oggetto JSON.")
		case errors.Is(syn.Err, io.ErrUnexpectedEOF):
			return malformed("Il JSON è incompleto: finisce prima di chiudere tutti gli oggetti e le stringhe.")
		case syn.Err != nil && strings.Contains(syn.Err.Error(), "after top-level value"):
			return malformed("Dopo l'oggetto JSON ci sono altri dati: invii un solo oggetto.")
		}
		return malformed("Il corpo della richiesta non è JSON valido: errore al carattere " + strconv.FormatInt(syn.ByteOffset, 10) + ".")
	case errors.As(err, &sem):
		f := field(sem.JSONPointer)
		if errors.Is(sem.Err, json.ErrUnknownName) {
			if f == "" || f == prefix {
				f = prefix + `""`
			}
			return booking.Invalid(booking.FieldError{Field: f, Message: "Il campo " + f + " non è previsto: lo tolga o ne controlli il nome."})
		}
		if f == "" {
			return malformed("Il corpo della richiesta deve essere un oggetto JSON, tra parentesi graffe.")
		}
		msg := typeMessage(sem.GoType)
		return malformed("Il campo "+f+" ha un tipo sbagliato: "+lowerFirst(msg), booking.FieldError{Field: f, Message: msg})
	}
	return malformed("Il corpo della richiesta non è JSON valido.")
}

// typeMessage says, in Italian, what type a field must have.
func typeMessage(t reflect.Type) string {
	if t == nil {
		return "Ha un tipo sbagliato."
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "Deve essere un numero intero."
	case reflect.Float32, reflect.Float64:
		return "Deve essere un numero."
	case reflect.String:
		return "Deve essere un testo (tra virgolette)."
	case reflect.Bool:
		return "Deve essere true o false."
	case reflect.Slice, reflect.Array:
		return "Deve essere un elenco (tra parentesi quadre)."
	case reflect.Pointer:
		return typeMessage(t.Elem())
	}
	return "Deve essere un oggetto (tra parentesi graffe)."
}

func lowerFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToLower(s[:1]) + s[1:]
}

// clip shortens s to at most n runes, for echoing input in messages.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
