package api

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/prenota/prenota/booking"
)

// nodeJSON is a node of the resource tree.
type nodeJSON struct {
	ID       int64       `json:"id"`
	Name     string      `json:"name"`
	Bookable bool        `json:"bookable"`
	Children []*nodeJSON `json:"children"`
}

func treeJSON(ns []*booking.Node) []*nodeJSON {
	out := make([]*nodeJSON, 0, len(ns))
	for _, n := range ns {
		out = append(out, &nodeJSON{ID: n.ID, Name: n.Name, Bookable: n.Bookable, Children: treeJSON(n.Children)})
	}
	return out
}

// listResources answers GET /api/v1/resources: the visible tree.
func (a *api) listResources(w http.ResponseWriter, r *http.Request) error {
	tree, err := a.svc.Tree(r.Context())
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, treeJSON(tree))
}

// resourceJSON is the detail of a resource.
type resourceJSON struct {
	ID               int64                `json:"id"`
	ParentID         *int64               `json:"parent_id"`
	Name             string               `json:"name"`
	Bookable         bool                 `json:"bookable"`
	Description      string               `json:"description"`
	Office           string               `json:"office"`
	Address          string               `json:"address"`
	Latitude         *float64             `json:"latitude"`
	Longitude        *float64             `json:"longitude"`
	Contacts         contactsJSON         `json:"contacts"`
	Kind             booking.Kind         `json:"kind"`
	PhoneMode        booking.PhoneMode    `json:"phone_mode,omitempty"`
	PhoneNumber      string               `json:"phone_number,omitempty"`
	SlotMinutes      int                  `json:"slot_minutes"`
	Capacity         int                  `json:"capacity"`
	MaxSlots         int                  `json:"max_slots"`
	HoldMinutes      int                  `json:"hold_minutes"` // rounded up
	HoldSeconds      int                  `json:"hold_seconds"`
	DaysAhead        int                  `json:"days_ahead"`
	MinNoticeMinutes int                  `json:"min_notice_minutes"`
	Documents        string               `json:"documents"`
	ExtraFields      []booking.ExtraField `json:"extra_fields"`
	Queue            queueInfoJSON        `json:"queue"`
}

type contactsJSON struct {
	Phone string `json:"phone"`
	Email string `json:"email"`
}

// getResource answers GET /api/v1/resources/{id}.
func (a *api) getResource(w http.ResponseWriter, r *http.Request) error {
	id, err := resourceID(r)
	if err != nil {
		return err
	}
	res, err := a.svc.Resource(r.Context(), id)
	if err != nil {
		return err
	}
	out := resourceJSON{ID: res.ID, Name: res.Name, Bookable: res.Bookable, Description: res.Description, Office: res.Office,
		Address: res.Address, Latitude: res.Latitude, Longitude: res.Longitude, Contacts: contactsJSON{res.Phone, res.Email},
		Kind: res.Kind, PhoneMode: res.PhoneMode, PhoneNumber: res.PhoneNumber, Documents: res.Documents, ExtraFields: res.ExtraFields}
	if res.ParentID != 0 {
		out.ParentID = &res.ParentID
	}
	if res.Bookable {
		s := res.Schedule
		out.SlotMinutes, out.Capacity, out.MaxSlots = s.SlotMinutes, s.Capacity, s.MaxSlots
		hold := s.HoldDuration()
		if a.holdOverride > 0 {
			hold = a.holdOverride
		}
		out.HoldMinutes = int((hold + time.Minute - 1) / time.Minute)
		out.HoldSeconds = int((hold + time.Second - 1) / time.Second)
		out.DaysAhead, out.MinNoticeMinutes = s.DaysAhead, s.MinNoticeMinutes
	}
	if out.ExtraFields == nil {
		out.ExtraFields = []booking.ExtraField{}
	}
	room, active, err := a.svc.RoomOf(r.Context(), id)
	if err != nil {
		return err
	}
	out.Queue.Active = active
	if !room.OpensAt.IsZero() {
		s := rome(room.OpensAt)
		out.Queue.OpensAt = &s
	}
	return writeJSON(w, http.StatusOK, out)
}

// resourceID parses the {id} of a resource path: 404 naming "id" unless it is
// a positive integer.
func resourceID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, &booking.Error{Code: booking.ENotFound, Message: "La risorsa richiesta non esiste.",
			Fields: []booking.FieldError{{Field: "id", Message: "L'identificativo della risorsa deve essere un numero intero positivo."}}}
	}
	return id, nil
}

// availabilityJSON is the answer of GET /api/v1/resources/{id}/availability.
type availabilityJSON struct {
	ResourceID int64     `json:"resource_id"`
	From       string    `json:"from"`
	Days       []dayJSON `json:"days"`
}

type dayJSON struct {
	Date    string     `json:"date"`
	Holiday string     `json:"holiday,omitempty"`
	Slots   []slotJSON `json:"slots"`
}

type slotJSON struct {
	Start     string        `json:"start"`
	End       string        `json:"end"`
	State     booking.State `json:"state"`
	FreeSeats int           `json:"free_seats"`
}

// Bounds of the availability window, in days from today. The service caches
// closures from 400 days before today to 800 after: beyond that the answer
// would be wrong, so it is refused.
const (
	minFromDays = -365
	maxFromDays = 730
	defaultDays = 7
)

// availabilityQuery is the parsed query of an availability request.
type availabilityQuery struct {
	From booking.Date
	Days int
}

// parseAvailabilityQuery checks from (YYYY-MM-DD, default today) and days
// (1–31, default 7), reporting each bad parameter by name.
func parseAvailabilityQuery(q url.Values, today booking.Date) (availabilityQuery, error) {
	out := availabilityQuery{From: today, Days: defaultDays}
	var fs []booking.FieldError
	if q.Has("from") {
		d, err := booking.ParseDate(q.Get("from"))
		switch {
		case err != nil:
			fs = append(fs, booking.FieldError{Field: "from", Message: "Il parametro from deve essere una data nel formato AAAA-MM-GG (es. 2026-12-09)."})
		case d.Before(today.AddDays(minFromDays)) || today.AddDays(maxFromDays).Before(d):
			fs = append(fs, booking.FieldError{Field: "from", Message: "Il parametro from deve essere una data tra il " +
				today.AddDays(minFromDays).Italian() + " e il " + today.AddDays(maxFromDays).Italian() + "."})
		default:
			out.From = d
		}
	}
	if q.Has("days") {
		n, err := strconv.Atoi(q.Get("days"))
		if err != nil || n < 1 || n > booking.MaxDays {
			fs = append(fs, booking.FieldError{Field: "days", Message: "Il parametro days deve essere un numero intero da 1 a 31."})
		} else {
			out.Days = n
		}
	}
	if len(fs) > 0 {
		return out, booking.Invalid(fs...)
	}
	return out, nil
}

// availability answers GET /api/v1/resources/{id}/availability. Anonymous
// callers may read it; a logged-in caller sees its own holds as held_by_you.
func (a *api) availability(w http.ResponseWriter, r *http.Request) error {
	id, err := resourceID(r)
	if err != nil {
		return err
	}
	q, err := parseAvailabilityQuery(r.URL.Query(), booking.DateOf(a.svc.Now(), booking.Rome))
	if err != nil {
		return err
	}
	days, err := a.svc.Availability(r.Context(), id, q.From, q.Days, viewer(r))
	if err != nil {
		return err
	}
	out := availabilityJSON{ResourceID: id, From: q.From.String(), Days: make([]dayJSON, len(days))}
	for i, d := range days {
		dj := dayJSON{Date: d.Date.String(), Holiday: d.Holiday, Slots: make([]slotJSON, len(d.Cells))}
		for j, c := range d.Cells {
			dj.Slots[j] = slotJSON{Start: rome(c.Start), End: rome(c.End), State: c.State, FreeSeats: c.FreeSeats}
		}
		out.Days[i] = dj
	}
	return writeJSON(w, http.StatusOK, out)
}

// rome formats t as RFC 3339 in Europe/Rome (offset +01:00 or +02:00).
func rome(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(booking.Rome).Format(time.RFC3339)
}
