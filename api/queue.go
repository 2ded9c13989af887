package api

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/prenota/prenota/booking"
)

// queueInfoJSON is the "queue" of a resource's details.
type queueInfoJSON struct {
	Active  bool    `json:"active"`
	OpensAt *string `json:"opens_at"`
}

// placeJSON is a citizen's place in a waiting room (SPEC §15).
type placeJSON struct {
	State            booking.QueueState `json:"state"`
	Position         *int64             `json:"position"` // null before the draw at the opening
	Ahead            *int64             `json:"ahead"`
	ETASeconds       int64              `json:"eta_seconds"`
	PollAfterSeconds int64              `json:"poll_after_seconds"`
	AdmittedUntil    *string            `json:"admitted_until"`
	OpensAt          *string            `json:"opens_at"`
	Expired          bool               `json:"expired,omitempty"` // the admission ended unused: join again
}

func toPlaceJSON(p booking.Place) placeJSON {
	out := placeJSON{State: p.State, ETASeconds: int64(max(p.ETA.Seconds(), 0)), PollAfterSeconds: int64(p.PollAfter.Seconds()), Expired: p.Expired}
	if p.Position > 0 {
		out.Position, out.Ahead = &p.Position, &p.Ahead
	}
	if !p.AdmittedUntil.IsZero() {
		s := rome(p.AdmittedUntil)
		out.AdmittedUntil = &s
	}
	if !p.OpensAt.IsZero() {
		s := rome(p.OpensAt)
		out.OpensAt = &s
	}
	return out
}

// joinQueue answers POST /api/v1/resources/{id}/queue: 201 joined, 200
// already in (or "closed": no room active, go straight to the grid).
func (a *api) joinQueue(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	rid, err := resourceID(r)
	if err != nil {
		return err
	}
	p, created, err := a.svc.JoinQueue(r.Context(), rid, id.Subject)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return writeJSON(w, status, toPlaceJSON(p))
}

// queuePlace answers GET /api/v1/resources/{id}/queue: the caller's place;
// 404 when not in the queue.
func (a *api) queuePlace(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	rid, err := resourceID(r)
	if err != nil {
		return err
	}
	p, err := a.svc.QueuePlace(r.Context(), rid, id.Subject)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "private, max-age="+strconv.FormatInt(int64(min(p.PollAfter.Seconds(), 5)), 10))
	return writeJSON(w, http.StatusOK, toPlaceJSON(p))
}

// queueURL is where a hold refused for want of admission sends the caller.
func queueURL(resourceID int64) string {
	return "/api/v1/resources/" + strconv.FormatInt(resourceID, 10) + "/queue"
}

// notAdmitted turns the service's refusal of a hold without admission into
// the problem SPEC §15 names (type ending in not-admitted, with the queue).
func notAdmitted(err error, resourceID int64) error {
	if !errors.Is(err, booking.ErrNotAdmitted) {
		return err
	}
	return &httpError{status: http.StatusForbidden, slug: "not-admitted", title: "In attesa del proprio turno",
		detail: booking.ErrorMessage(err), queue: queueURL(resourceID)}
}
