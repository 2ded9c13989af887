package api

import (
	"bytes"
	"errors"
	"net/http"
	"strconv"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/receipt"
)

// errNoBaseURL: the API was configured without the public URL, which the
// calendar file's UID needs.
var errNoBaseURL = errors.New("api: Config.BaseURL is empty")

// receiptData loads what the receipt and the calendar file of the {id}
// booking say: 401 when anonymous, 404 unless the caller is its presentante
// or fruitore. The resource is read from the store, not from the visible
// tree, so that a booking of a resource hidden (or deleted) since keeps its
// receipt; a deleted one leaves the name the booking was made with.
func (a *api) receiptData(r *http.Request) (receipt.Data, error) {
	id, err := identity(r)
	if err != nil {
		return receipt.Data{}, err
	}
	bid, err := opaqueID(r, bookingNotFound)
	if err != nil {
		return receipt.Data{}, err
	}
	b, err := a.svc.Booking(r.Context(), bid, id.Subject)
	if err != nil {
		return receipt.Data{}, err
	}
	st, err := a.svc.Settings(r.Context())
	if err != nil {
		return receipt.Data{}, err
	}
	res, err := a.svc.Store().Resource(r.Context(), b.ResourceID)
	switch {
	case booking.ErrorCode(err) == booking.ENotFound:
		res = booking.Resource{}
	case err != nil:
		return receipt.Data{}, err
	}
	return receipt.Data{Settings: st, Resource: res, Booking: b, Logo: st.Logo}, nil
}

// receiptPDF answers GET /api/v1/bookings/{id}/receipt.pdf: the PDF receipt,
// shown inline; a cancelled booking's says so.
func (a *api) receiptPDF(w http.ResponseWriter, r *http.Request) error {
	d, err := a.receiptData(r)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := receipt.PDF(&buf, d); err != nil {
		return booking.Internal(err)
	}
	writeFile(w, "application/pdf", "inline", "ricevuta-"+fileSafe(d.Booking.Code)+".pdf", buf.Bytes())
	return nil
}

// calendarICS answers GET /api/v1/bookings/{id}/calendar.ics: the iCalendar
// event, as a download; a cancelled booking's cancels the event
// (STATUS:CANCELLED).
func (a *api) calendarICS(w http.ResponseWriter, r *http.Request) error {
	d, err := a.receiptData(r)
	if err != nil {
		return err
	}
	if a.baseURL == "" {
		return booking.Internal(errNoBaseURL)
	}
	b, err := receipt.ICS(d, a.baseURL)
	if err != nil {
		return booking.Internal(err)
	}
	writeFile(w, receipt.ICSContentType(d.Booking), "attachment", "prenotazione-"+fileSafe(d.Booking.Code)+".ics", b)
	return nil
}

// writeFile answers 200 with a file; the caller's Cache-Control (no-store)
// stays, as the file holds personal data.
func writeFile(w http.ResponseWriter, contentType, disposition, filename string, data []byte) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", disposition+`; filename="`+filename+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(data)
}

// fileSafe keeps the letters, digits and '-' of a booking code, so that it
// can go in a quoted filename as it is.
func fileSafe(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if c := s[i]; 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' {
			out = append(out, c)
		}
	}
	return string(out)
}
