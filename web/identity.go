package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
)

// The pages reach identity and access through auth.Accounts when it is
// configured (app does): sessions under a new token, conto terzi, and an
// audit entry for each login, logout, start and stop of conto terzi, and
// each booking confirmed or cancelled. Without Accounts (tests of this
// package alone) they use the session manager and audit nothing.

// startSession logs id in on r's session under a new token, audited.
func (s *server) startSession(r *http.Request, id auth.Identity) error {
	if s.cfg.Accounts != nil {
		return s.cfg.Accounts.Login(r, id) // EInternal on failure
	}
	id.At = time.Now()
	if err := s.sess.Login(r.Context(), id); err != nil {
		return booking.Internal(err)
	}
	return nil
}

// endSession ends r's session server-side, audited.
func (s *server) endSession(r *http.Request) error {
	var err error
	if s.cfg.Accounts != nil {
		err = s.cfg.Accounts.Logout(r)
	} else {
		err = s.sess.Logout(r.Context())
	}
	if err != nil {
		return booking.Internal(err)
	}
	return nil
}

// startImpersonation starts conto terzi for the codice fiscale cf (already
// validated) on r's session, audited.
func (s *server) startImpersonation(r *http.Request, id auth.Identity, cf string) error {
	if s.cfg.Accounts != nil {
		_, err := s.cfg.Accounts.StartImpersonation(r, cf)
		return err
	}
	id.Impersonating = cf
	if err := s.sess.Update(r.Context(), id); err != nil {
		return booking.Internal(err)
	}
	return nil
}

// stopImpersonation ends conto terzi on r's session, audited.
func (s *server) stopImpersonation(r *http.Request, id auth.Identity) error {
	if s.cfg.Accounts != nil {
		_, err := s.cfg.Accounts.StopImpersonation(r)
		return err
	}
	id.Impersonating = ""
	if err := s.sess.Update(r.Context(), id); err != nil {
		return booking.Internal(err)
	}
	return nil
}

// audit writes action (auth.AuditBookingConfirmed or …Cancelled) on b to
// the audit log, as the API does. The booking is already made or
// cancelled: a failure is logged by Accounts.Audit, not shown, and a
// client that hung up does not stop the write.
func (s *server) audit(r *http.Request, action string, b booking.Booking) {
	if s.cfg.Accounts == nil {
		return
	}
	_ = s.cfg.Accounts.Audit(context.WithoutCancel(r.Context()), auth.AuditFor(r, action, b.ID, b.Code))
}

// limitMessage returns the Italian message of a refusal over a rate limit
// (with the wait time) after setting the Retry-After header, or "" and
// false when err is no such refusal.
func limitMessage(w http.ResponseWriter, err error) (string, bool) {
	var le *auth.LimitError
	if !errors.As(err, &le) {
		return "", false
	}
	auth.WriteRetryAfter(w, err)
	return le.Message, true
}
