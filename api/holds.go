package api

import (
	"net/http"
	"time"

	"github.com/prenota/prenota/booking"
)

// holdBody is the body of POST /api/v1/holds.
type holdBody struct {
	ResourceID int64  `json:"resource_id"`
	Start      string `json:"start"`
	Slots      *int   `json:"slots"` // default 1
}

// parseHold decodes and checks a hold request body; the service checks the
// rest (the resource, the slots, the booking window).
func parseHold(data []byte) (booking.HoldRequest, error) {
	var b holdBody
	if err := decodeJSON(data, &b, ""); err != nil {
		return booking.HoldRequest{}, err
	}
	req := booking.HoldRequest{ResourceID: b.ResourceID, Slots: 1}
	var fs []booking.FieldError
	if b.ResourceID < 1 {
		fs = append(fs, booking.FieldError{Field: "resource_id", Message: "Il campo resource_id è obbligatorio: indichi l'identificativo della risorsa da prenotare."})
	}
	if b.Start == "" {
		fs = append(fs, booking.FieldError{Field: "start", Message: "Il campo start è obbligatorio: indichi l'inizio del primo slot (es. 2026-12-09T10:00:00+01:00)."})
	} else if t, err := time.Parse(time.RFC3339, b.Start); err != nil {
		fs = append(fs, booking.FieldError{Field: "start", Message: "Il campo start deve essere una data e ora RFC 3339 con fuso orario (es. 2026-12-09T10:00:00+01:00)."})
	} else {
		req.Start = t
	}
	if b.Slots != nil {
		if *b.Slots < 1 || *b.Slots > 48 {
			fs = append(fs, booking.FieldError{Field: "slots", Message: "Il campo slots deve essere un numero intero da 1 in su (il massimo dipende dalla risorsa)."})
		}
		req.Slots = *b.Slots
	}
	if len(fs) > 0 {
		return req, booking.Invalid(fs...)
	}
	return req, nil
}

// holdJSON is a hold as answered by the API.
type holdJSON struct {
	ID         string `json:"id"`
	ResourceID int64  `json:"resource_id"`
	Start      string `json:"start"`
	End        string `json:"end"`
	Slots      int    `json:"slots"`
	ExpiresAt  string `json:"expires_at"`
}

// createHold answers POST /api/v1/holds: 201 with the hold; 409 when a seat
// is gone; 429 over the hold limits of the caller's identity or address
// (counted on well-formed requests, the ones that reach the database).
func (a *api) createHold(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	data, err := readJSON(w, r)
	if err != nil {
		return err
	}
	req, err := parseHold(data)
	if err != nil {
		return err
	}
	if err := a.limits.Hold(r); err != nil {
		return err
	}
	req.Owner, req.For = id.Subject, id.Impersonating
	h, err := a.svc.Hold(r.Context(), req)
	if err != nil {
		return notAdmitted(err, req.ResourceID)
	}
	return writeJSON(w, http.StatusCreated, holdJSON{ID: h.ID, ResourceID: h.ResourceID, Start: rome(h.Start), End: rome(h.End),
		Slots: len(h.Slots), ExpiresAt: rome(h.ExpiresAt)})
}

// releaseHold answers DELETE /api/v1/holds/{id}: 204, the seats are free at
// once; 404 unless it is a live hold of the caller's.
func (a *api) releaseHold(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	holdID, err := opaqueID(r, "La prenotazione temporanea richiesta non esiste.")
	if err != nil {
		return err
	}
	if err := a.svc.Release(r.Context(), holdID, id.Subject); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// opaqueID returns the {id} of a hold or booking path: 404 naming "id"
// unless it looks like an identifier (1–100 letters, digits, '-' or '_').
func opaqueID(r *http.Request, notFound string) (string, error) {
	s := r.PathValue("id")
	ok := len(s) >= 1 && len(s) <= 100
	for i := 0; ok && i < len(s); i++ {
		c := s[i]
		ok = 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_'
	}
	if !ok {
		return "", &booking.Error{Code: booking.ENotFound, Message: notFound,
			Fields: []booking.FieldError{{Field: "id", Message: "L'identificativo non è valido: ha da 1 a 100 lettere, cifre, '-' o '_'."}}}
	}
	return s, nil
}
