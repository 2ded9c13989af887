package api

import (
	"net/http"
	"strconv"

	"github.com/prenota/prenota/booking"
)

// waitBody is the body of POST /api/v1/waitlist. Dates and times are strings
// so that a bad one is reported by its field.
type waitBody struct {
	ResourceID int64  `json:"resource_id"`
	From       string `json:"from"`
	To         string `json:"to"`
	Times      []struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"times"`
	Email *string `json:"email"` // default: the certified identity's
}

// parseWait decodes a waitlist request; the service checks the rest.
func parseWait(data []byte) (booking.JoinRequest, *string, error) {
	var b waitBody
	if err := decodeJSON(data, &b, ""); err != nil {
		return booking.JoinRequest{}, nil, err
	}
	req := booking.JoinRequest{ResourceID: b.ResourceID}
	var fs []booking.FieldError
	if b.ResourceID < 1 {
		fs = append(fs, booking.FieldError{Field: "resource_id", Message: "Il campo resource_id è obbligatorio: indichi l'identificativo della risorsa."})
	}
	for _, d := range []struct {
		field, value string
		dst          *booking.Date
	}{{"from", b.From, &req.From}, {"to", b.To, &req.To}} {
		if d.value == "" {
			continue
		}
		v, err := booking.ParseDate(d.value)
		if err != nil {
			fs = append(fs, booking.FieldError{Field: d.field, Message: "Il campo " + d.field + " deve essere una data AAAA-MM-GG (es. 2026-12-09)."})
		}
		*d.dst = v
	}
	for i, t := range b.Times {
		from, err1 := booking.ParseClock(t.From)
		to, err2 := booking.ParseClock(t.To)
		if err1 != nil || err2 != nil {
			fs = append(fs, booking.FieldError{Field: "times[" + strconv.Itoa(i) + "]", Message: "Ogni fascia oraria ha from e to nel formato HH:MM (es. 09:00)."})
			continue
		}
		req.Times = append(req.Times, booking.TimeRange{From: from, To: to})
	}
	if len(fs) > 0 {
		return req, nil, booking.Invalid(fs...)
	}
	return req, b.Email, nil
}

// waitJSON is a waitlist entry as answered by the API.
type waitJSON struct {
	ID         int64               `json:"id"`
	ResourceID int64               `json:"resource_id"`
	From       booking.Date        `json:"from"`
	To         booking.Date        `json:"to"`
	Times      []booking.TimeRange `json:"times"`
	State      booking.WaitState   `json:"state"`
	Position   int                 `json:"position"`
	Offers     int                 `json:"offers"`
	HoldID     string              `json:"hold_id,omitempty"`
	Start      string              `json:"start,omitempty"`
	End        string              `json:"end,omitempty"`
	ExpiresAt  string              `json:"expires_at,omitempty"`
}

func waitOf(e booking.WaitEntry) waitJSON {
	j := waitJSON{ID: e.ID, ResourceID: e.ResourceID, From: e.From, To: e.To, Times: e.Times, State: e.State, Position: e.Position, Offers: e.Offers}
	if j.Times == nil {
		j.Times = []booking.TimeRange{}
	}
	if e.State == booking.Offered {
		j.HoldID, j.Start, j.End, j.ExpiresAt = e.HoldID, rome(e.Start), rome(e.End), rome(e.ExpiresAt)
	}
	return j
}

// joinWaitlist answers POST /api/v1/waitlist: 201 with the entry (already
// "offered" when a seat was free); 409 when the caller waits for that
// resource already; 422 invalid.
func (a *api) joinWaitlist(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	data, err := readJSON(w, r)
	if err != nil {
		return err
	}
	req, email, err := parseWait(data)
	if err != nil {
		return err
	}
	req.Subject, req.For = id.Subject, id.Impersonating
	if email != nil {
		req.Email = *email
	} else if id.Person != nil && id.Impersonating == "" {
		req.Email = id.Person.Email
	}
	e, err := a.svc.JoinWaitlist(r.Context(), req)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, waitOf(e))
}

// listWaitlist answers GET /api/v1/waitlist: the caller's entries.
func (a *api) listWaitlist(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	es, err := a.svc.Waitlist(r.Context(), id.Subject)
	if err != nil {
		return err
	}
	out := []waitJSON{}
	for _, e := range es {
		out = append(out, waitOf(e))
	}
	return writeJSON(w, http.StatusOK, out)
}

// leaveWaitlist answers DELETE /api/v1/waitlist/{id}: 204, an outstanding
// offer passes to the next in line; 404 unless it is the caller's entry.
func (a *api) leaveWaitlist(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	n, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || n < 1 {
		return &booking.Error{Code: booking.ENotFound, Message: "La richiesta di lista d'attesa indicata non esiste.",
			Fields: []booking.FieldError{{Field: "id", Message: "L'identificativo è un numero intero positivo."}}}
	}
	if _, err := a.svc.LeaveWaitlist(r.Context(), n, id.Subject); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
