package api

import (
	"errors"
	"net/http"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/httperr"
)

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

// problemFor returns the problem that answers err (httperr.ProblemOf, or
// the httpError's own).
func problemFor(err error) httperr.Problem {
	var he *httpError
	if errors.As(err, &he) {
		return httperr.Problem{Type: httperr.TypePrefix + he.slug, Title: he.title, Status: he.status, Detail: he.detail, Code: he.slug, Errors: he.fields, Queue: he.queue}
	}
	return httperr.ProblemOf(err)
}

// error answers err as application/problem+json, logging internal errors.
func (a *api) error(w http.ResponseWriter, r *http.Request, err error) {
	p := problemFor(err)
	p.Instance = r.URL.Path
	if p.Status >= 500 {
		httperr.Log(a.log, r, err)
	}
	if p.Status == http.StatusTooManyRequests {
		auth.WriteRetryAfter(w, err) // when err is an *auth.LimitError
	}
	httperr.Write(w, p)
}
