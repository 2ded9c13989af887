package api

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
)

// problem is an RFC 9457 problem details object.
type problem struct {
	Type     string               `json:"type"`
	Title    string               `json:"title"`
	Status   int                  `json:"status"`
	Detail   string               `json:"detail,omitempty"`
	Instance string               `json:"instance,omitempty"`
	Code     string               `json:"code,omitempty"` // the booking error code, or the slug of an HTTP-level problem
	Errors   []booking.FieldError `json:"errors,omitempty"`
	Queue    string               `json:"queue,omitempty"` // not-admitted: the waiting room to join
}

// problemTypePrefix starts every problem type URN.
const problemTypePrefix = "urn:prenota:problem:"

// httpError is a problem found before the domain is asked: a malformed,
// oversized or mistyped request, an unknown path or method.
type httpError struct {
	status int
	slug   string // last part of the type URN
	title  string
	detail string
	fields []booking.FieldError
	queue  string
}

func (e *httpError) Error() string { return e.slug + ": " + e.detail }

// codes maps each domain error code to its HTTP status and Italian title.
var codes = map[booking.Code]struct {
	status int
	title  string
}{
	booking.EInvalid:      {http.StatusUnprocessableEntity, "Dati non validi"},
	booking.ENotFound:     {http.StatusNotFound, "Non trovato"},
	booking.EConflict:     {http.StatusConflict, "Operazione non possibile"},
	booking.EGone:         {http.StatusGone, "Non più disponibile"},
	booking.EUnauthorized: {http.StatusUnauthorized, "Autenticazione necessaria"},
	booking.EForbidden:    {http.StatusForbidden, "Operazione non consentita"},
	booking.ETooMany:      {http.StatusTooManyRequests, "Troppe richieste"},
	booking.EInternal:     {http.StatusInternalServerError, "Errore interno"},
}

// problemFor returns the problem that answers err. Only EInternal (and errors
// that are not *booking.Error) give a 5xx; their details are never shown.
func problemFor(err error) problem {
	var he *httpError
	if errors.As(err, &he) {
		return problem{Type: problemTypePrefix + he.slug, Title: he.title, Status: he.status, Detail: he.detail, Code: he.slug, Errors: he.fields, Queue: he.queue}
	}
	code := booking.ErrorCode(err)
	c, ok := codes[code]
	if !ok {
		code, c = booking.EInternal, codes[booking.EInternal]
	}
	p := problem{Type: problemTypePrefix + string(code), Title: c.title, Status: c.status, Detail: booking.ErrorMessage(err), Code: string(code)}
	if code != booking.EInternal {
		p.Errors = booking.ErrorFields(err)
	}
	return p
}

// error answers err as application/problem+json, logging internal errors.
func (a *api) error(w http.ResponseWriter, r *http.Request, err error) {
	p := problemFor(err)
	p.Instance = r.URL.Path
	switch {
	case p.Status >= 500 && errors.Is(err, context.Canceled):
		a.log.DebugContext(r.Context(), "api: request canceled", "method", r.Method, "path", r.URL.Path, "err", err)
	case p.Status >= 500:
		a.log.ErrorContext(r.Context(), "api: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	switch p.Status {
	case http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="prenota"`)
	case http.StatusTooManyRequests:
		auth.WriteRetryAfter(w, err) // when err is an *auth.LimitError
	}
	w.Header().Set("Content-Type", "application/problem+json; charset=utf-8")
	w.Header().Set("Content-Language", "it")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
