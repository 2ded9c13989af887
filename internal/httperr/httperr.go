// Package httperr is the one place where an error becomes an HTTP answer:
// the status and Italian titles of each booking error code, the RFC 9457
// problem+json body of the API and the identity routes, and the logging of
// internal errors, whose details are never shown. The pages of web and the
// back office render their own HTML error page with Status and PageTitle.
package httperr

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"

	"github.com/prenota/prenota/booking"
)

// answer is how a code is answered: its status, the title of its problem
// and the title of its HTML error page.
type answer struct {
	status           int
	title, pageTitle string
}

// answers maps each error code to its answer: the only such table.
var answers = map[booking.Code]answer{
	booking.EInvalid:      {http.StatusUnprocessableEntity, "Dati non validi", "Dati non validi"},
	booking.ENotFound:     {http.StatusNotFound, "Non trovato", "Pagina non trovata"},
	booking.EConflict:     {http.StatusConflict, "Operazione non possibile", "Operazione non possibile"},
	booking.EGone:         {http.StatusGone, "Non più disponibile", "Tempo scaduto"},
	booking.EUnauthorized: {http.StatusUnauthorized, "Autenticazione necessaria", "Accesso necessario"},
	booking.EForbidden:    {http.StatusForbidden, "Operazione non consentita", "Accesso non consentito"},
	booking.ETooMany:      {http.StatusTooManyRequests, "Troppe richieste", "Troppe richieste"},
	booking.EInternal:     {http.StatusInternalServerError, "Errore interno", "Si è verificato un errore"},
}

// of returns err's code and answer; anything that is not a *booking.Error
// with a known code is internal.
func of(err error) (booking.Code, answer) {
	code := booking.ErrorCode(err)
	a, ok := answers[code]
	if !ok {
		return booking.EInternal, answers[booking.EInternal]
	}
	return code, a
}

// Status returns the HTTP status of err: 500 unless err is a *booking.Error
// with a code other than EInternal.
func Status(err error) int { _, a := of(err); return a.status }

// PageTitle returns the title of the HTML page that answers err.
func PageTitle(err error) string { _, a := of(err); return a.pageTitle }

// Log logs err when it is internal (a request the client cancelled only at
// debug level); other errors are the client's and are not logged.
func Log(log *slog.Logger, r *http.Request, err error) {
	if Status(err) < 500 {
		return
	}
	if errors.Is(err, context.Canceled) {
		log.DebugContext(r.Context(), "request canceled", "method", r.Method, "path", r.URL.Path, "err", err)
		return
	}
	log.ErrorContext(r.Context(), "internal error", "method", r.Method, "path", r.URL.Path, "err", err)
}

// Problem is an RFC 9457 problem details object.
type Problem struct {
	Type     string               `json:"type"`
	Title    string               `json:"title"`
	Status   int                  `json:"status"`
	Detail   string               `json:"detail,omitempty"`
	Instance string               `json:"instance,omitempty"`
	Code     string               `json:"code,omitempty"` // the booking error code, or the slug of an HTTP-level problem
	Errors   []booking.FieldError `json:"errors,omitempty"`
	Queue    string               `json:"queue,omitempty"` // not-admitted: the waiting room to join (SPEC §15)
}

// TypePrefix starts every problem type URN.
const TypePrefix = "urn:prenota:problem:"

// ProblemOf returns the problem that answers err. Only EInternal (and
// errors that are not *booking.Error) give a 5xx; their details are never
// shown.
func ProblemOf(err error) Problem {
	code, a := of(err)
	p := Problem{Type: TypePrefix + string(code), Title: a.title, Status: a.status, Detail: booking.ErrorMessage(err), Code: string(code)}
	if code != booking.EInternal {
		p.Errors = booking.ErrorFields(err)
	}
	return p
}

// Write answers p as application/problem+json in Italian, not to be cached,
// with WWW-Authenticate on a 401.
func Write(w http.ResponseWriter, p Problem) {
	h := w.Header()
	if p.Status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer realm="prenota"`)
	}
	h.Set("Content-Type", "application/problem+json; charset=utf-8")
	h.Set("Content-Language", "it")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(p.Status)
	_ = json.NewEncoder(w).Encode(p)
}
