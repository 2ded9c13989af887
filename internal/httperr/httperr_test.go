package httperr

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prenota/prenota/booking"
)

func TestAnswers(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		status int
		code   string
	}{
		{"invalid", booking.Invalid(booking.FieldError{Field: "nome", Message: "Nome: obbligatorio."}), 422, "invalid"},
		{"not found", booking.Errorf(booking.ENotFound, "Prenotazione non trovata."), 404, "not_found"},
		{"conflict", booking.Errorf(booking.EConflict, "Posto già preso."), 409, "conflict"},
		{"gone", booking.Errorf(booking.EGone, "Scaduta."), 410, "gone"},
		{"unauthorized", booking.Errorf(booking.EUnauthorized, "Acceda."), 401, "unauthorized"},
		{"forbidden", booking.Errorf(booking.EForbidden, "No."), 403, "forbidden"},
		{"too many", booking.Errorf(booking.ETooMany, "Piano."), 429, "too_many"},
		{"internal", booking.Internal(errors.New("disk full")), 500, "internal"},
		{"plain error", errors.New("dial tcp: refused"), 500, "internal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Status(tc.err); got != tc.status {
				t.Errorf("Status = %d, want %d", got, tc.status)
			}
			if PageTitle(tc.err) == "" {
				t.Error("no page title")
			}
			w := httptest.NewRecorder()
			Write(w, ProblemOf(tc.err))
			var p Problem
			if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
				t.Fatal(err)
			}
			if w.Code != tc.status || p.Status != tc.status || p.Title == "" || p.Type != TypePrefix+p.Code ||
				w.Header().Get("Content-Type") != "application/problem+json; charset=utf-8" {
				t.Errorf("%d %s %+v", w.Code, w.Header().Get("Content-Type"), p)
			}
			if tc.status == 500 && p.Detail == "disk full" || p.Detail == "dial tcp: refused" {
				t.Errorf("internal detail shown: %q", p.Detail)
			}
			if (w.Header().Get("WWW-Authenticate") != "") != (tc.status == http.StatusUnauthorized) {
				t.Errorf("WWW-Authenticate %q", w.Header().Get("WWW-Authenticate"))
			}
			if tc.code == "invalid" && (len(p.Errors) != 1 || p.Errors[0].Field != "nome") {
				t.Errorf("fields %+v", p.Errors)
			}
		})
	}
}
