package api

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"sort"
	"strconv"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
)

// confirmBody is the body of POST /api/v1/bookings. The fruitore is decoded
// on its own so that its errors name "fruitore.<field>".
type confirmBody struct {
	HoldID      string                     `json:"hold_id"`
	Fruitore    json.RawMessage            `json:"fruitore"`
	Motivazione string                     `json:"motivazione"`
	Telefono    string                     `json:"telefono"`
	Nota        string                     `json:"nota"`
	Extra       map[string]json.RawMessage `json:"extra"`
}

// personBody is the anagrafica object; the date is a string so that a bad
// one is reported by field rather than as a decoding failure.
type personBody struct {
	Nome             string `json:"nome"`
	Cognome          string `json:"cognome"`
	DataNascita      string `json:"data_nascita"`
	Sesso            string `json:"sesso"`
	NazioneNascita   string `json:"nazione_nascita"`
	ProvinciaNascita string `json:"provincia_nascita"`
	ComuneNascita    string `json:"comune_nascita"`
	CodiceFiscale    string `json:"codice_fiscale"`
	Email            string `json:"email"`
	Telefono         string `json:"telefono"`
}

// confirmInput is a decoded booking request.
type confirmInput struct {
	req booking.ConfirmRequest
	// noFruitore: the body has no fruitore (the certified one may be used).
	noFruitore bool
	// badDate: data_nascita was given but is not YYYY-MM-DD; it is left
	// zero, which the service always rejects, and this message replaces its.
	badDate *booking.FieldError
}

// parseConfirm decodes a booking request body.
func parseConfirm(data []byte) (confirmInput, error) {
	var b confirmBody
	if err := decodeJSON(data, &b, ""); err != nil {
		return confirmInput{}, err
	}
	in := confirmInput{req: booking.ConfirmRequest{HoldID: b.HoldID, Motivazione: b.Motivazione, Telefono: b.Telefono, Nota: b.Nota}}
	if raw := bytes.TrimSpace(b.Fruitore); len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		in.noFruitore = true
	} else {
		var p personBody
		if err := decodeJSON(raw, &p, "fruitore."); err != nil {
			return confirmInput{}, err
		}
		in.req.Fruitore = booking.Person{Nome: p.Nome, Cognome: p.Cognome, Sesso: p.Sesso, NazioneNascita: p.NazioneNascita,
			ProvinciaNascita: p.ProvinciaNascita, ComuneNascita: p.ComuneNascita, CodiceFiscale: p.CodiceFiscale, Email: p.Email, Telefono: p.Telefono}
		if p.DataNascita != "" {
			if d, err := booking.ParseDate(p.DataNascita); err != nil {
				in.badDate = &booking.FieldError{Field: "fruitore.data_nascita", Message: "La Data di Nascita deve essere nel formato AAAA-MM-GG (es. 1970-01-31)."}
			} else {
				in.req.Fruitore.DataNascita = d
			}
		}
	}
	extra, err := extraValues(b.Extra)
	if err != nil {
		return confirmInput{}, err
	}
	in.req.Extra = extra
	return in, nil
}

// extraValues turns the extra fields into text: strings as they are, numbers
// as written, booleans as "true"/"false" (what a checkbox understands).
func extraValues(in map[string]json.RawMessage) (map[string]string, error) {
	out := make(map[string]string, len(in))
	var fs []booking.FieldError
	for k, raw := range in {
		raw = bytes.TrimSpace(raw)
		switch {
		case len(raw) == 0 || string(raw) == "null":
		case raw[0] == '"':
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return nil, malformed("Il campo extra." + clip(k, 100) + " non è un testo JSON valido.")
			}
			out[k] = s
		case string(raw) == "true" || string(raw) == "false", raw[0] == '-' || '0' <= raw[0] && raw[0] <= '9':
			out[k] = string(raw)
		default:
			fs = append(fs, booking.FieldError{Field: "extra." + clip(k, 100), Message: "Deve essere un testo, un numero o true/false."})
		}
	}
	if len(fs) > 0 {
		sort.Slice(fs, func(i, j int) bool { return fs[i].Field < fs[j].Field })
		return nil, malformed("Alcuni campi aggiuntivi (extra) hanno un tipo sbagliato.", fs...)
	}
	return out, nil
}

// bookingJSON is a booking as answered by the API.
type bookingJSON struct {
	ID           string            `json:"id"`
	Code         string            `json:"code"`
	ResourceID   int64             `json:"resource_id"`
	ResourceName string            `json:"resource_name"`
	Start        string            `json:"start"`
	End          string            `json:"end"`
	Slots        int               `json:"slots"`
	Status       booking.Status    `json:"status"`
	Presentante  string            `json:"presentante"`
	Fruitore     booking.Person    `json:"fruitore"`
	Motivazione  string            `json:"motivazione"`
	Telefono     string            `json:"telefono"`
	Nota         string            `json:"nota"`
	Extra        map[string]string `json:"extra"`
	CreatedAt    string            `json:"created_at"`
	CancelledAt  string            `json:"cancelled_at,omitempty"`
	CancelReason string            `json:"cancel_reason,omitempty"`
}

func toBookingJSON(b booking.Booking) bookingJSON {
	out := bookingJSON{ID: b.ID, Code: b.Code, ResourceID: b.ResourceID, ResourceName: b.ResourceName, Start: rome(b.Start), End: rome(b.End),
		Slots: b.Slots, Status: b.Status, Presentante: b.Presentante, Fruitore: b.Fruitore, Motivazione: b.Motivazione,
		Telefono: b.Telefono, Nota: b.Nota, Extra: b.Extra, CreatedAt: rome(b.CreatedAt), CancelledAt: rome(b.CancelledAt), CancelReason: b.CancelReason}
	if out.Extra == nil {
		out.Extra = map[string]string{}
	}
	return out
}

// createBooking answers POST /api/v1/bookings: 201 with the new booking, or
// 200 with the booking already made from the same hold or Idempotency-Key;
// 410 when the hold expired.
func (a *api) createBooking(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	data, err := readJSON(w, r)
	if err != nil {
		return err
	}
	in, err := parseConfirm(data)
	if err != nil {
		return err
	}
	req := in.req
	req.Presentante = id.Subject
	req.IdempotencyKey = r.Header.Get("Idempotency-Key")
	req.LockedCF = id.FruitoreCF()
	if in.noFruitore {
		req.Fruitore = defaultFruitore(id)
	}
	b, created, err := a.svc.Confirm(r.Context(), req)
	if err != nil {
		return withFieldMessage(err, in.badDate)
	}
	w.Header().Set("Location", "/api/v1/bookings/"+b.ID)
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		a.audit(r, auth.AuditBookingConfirmed, b)
	}
	return writeJSON(w, status, toBookingJSON(b))
}

// defaultFruitore is the fruitore of a request that names none: the caller's
// certified anagrafica, unless it books for someone else.
func defaultFruitore(id auth.Identity) booking.Person {
	if id.Person != nil && id.Impersonating == "" {
		return *id.Person
	}
	return booking.Person{}
}

// withFieldMessage replaces, in an EInvalid err, the message of fe's field
// with fe's (adding it if missing).
func withFieldMessage(err error, fe *booking.FieldError) error {
	if fe == nil || booking.ErrorCode(err) != booking.EInvalid {
		return err
	}
	fs := append([]booking.FieldError(nil), booking.ErrorFields(err)...)
	found := false
	for i := range fs {
		if fs[i].Field == fe.Field {
			fs[i].Message, found = fe.Message, true
		}
	}
	if !found {
		fs = append(fs, *fe)
	}
	return booking.Invalid(fs...)
}

// bookingsJSON is a page of the caller's bookings.
type bookingsJSON struct {
	Total   int           `json:"total"`
	Page    int           `json:"page"`
	PerPage int           `json:"per_page"`
	Items   []bookingJSON `json:"items"`
}

// maxPage bounds ?page so that the offset cannot overflow.
const maxPage = 1_000_000

// listBookings answers GET /api/v1/bookings?page=N: the bookings where the
// caller is presentante or fruitore, newest appointment first.
func (a *api) listBookings(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	page := 1
	if q := r.URL.Query(); q.Has("page") {
		n, err := strconv.Atoi(q.Get("page"))
		if err != nil || n < 1 || n > maxPage {
			return booking.Invalid(booking.FieldError{Field: "page", Message: "Il parametro page deve essere un numero intero da 1 in su."})
		}
		page = n
	}
	bs, total, err := a.svc.Bookings(r.Context(), id.Subject, page)
	if err != nil {
		return err
	}
	out := bookingsJSON{Total: total, Page: page, PerPage: booking.PerPage, Items: make([]bookingJSON, len(bs))}
	for i, b := range bs {
		out.Items[i] = toBookingJSON(b)
	}
	return writeJSON(w, http.StatusOK, out)
}

const bookingNotFound = "La prenotazione richiesta non esiste."

// getBooking answers GET /api/v1/bookings/{id}; 404 for anyone else's.
func (a *api) getBooking(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	bid, err := opaqueID(r, bookingNotFound)
	if err != nil {
		return err
	}
	b, err := a.svc.Booking(r.Context(), bid, id.Subject)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, toBookingJSON(b))
}

// cancelBooking answers DELETE /api/v1/bookings/{id}: 204 when cancelled (or
// already cancelled); 409 when it has started; 404 for anyone else's.
func (a *api) cancelBooking(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	bid, err := opaqueID(r, bookingNotFound)
	if err != nil {
		return err
	}
	// Read it first so that a repeated DELETE is not audited as a second
	// cancellation (Service.Cancel answers both the same way).
	b, err := a.svc.Booking(r.Context(), bid, id.Subject)
	if err != nil {
		return err
	}
	if b.Status != booking.Cancelled {
		if b, err = a.svc.Cancel(r.Context(), bid, id.Subject); err != nil {
			return err
		}
		a.audit(r, auth.AuditBookingCancelled, b)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// audit writes action on b to the audit log, with the booking code as
// detail. The booking is already made or cancelled: a failure is logged
// (by Accounts.Audit), not shown, and a client that hung up does not stop
// the write.
func (a *api) audit(r *http.Request, action string, b booking.Booking) {
	if a.accounts == nil {
		return
	}
	_ = a.accounts.Audit(context.WithoutCancel(r.Context()), auth.AuditFor(r, action, b.ID, b.Code))
}
