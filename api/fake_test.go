package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
)

// fakeStore is a small in-memory booking.Store for tests that exercise
// decoding and error mapping without a database: one group with one bookable
// resource open every day 08:00–18:00 in 30-minute slots. It does not
// enforce the seat invariant; the real store tests do.
type fakeStore struct {
	mu       sync.Mutex
	holds    map[string]booking.Hold
	bookings map[string]booking.Booking
}

// fakeHoldID is a hold of mario's that every fakeStore starts with.
const fakeHoldID = "hold1"

func newFakeStore() *fakeStore {
	start := time.Date(2026, 12, 10, 10, 0, 0, 0, booking.Rome)
	h := booking.Hold{ID: fakeHoldID, ResourceID: 2, Owner: mario.Subject, Start: start, End: start.Add(30 * time.Minute),
		Slots: []booking.Slot{{Start: start, End: start.Add(30 * time.Minute)}}, ExpiresAt: fakeNow.Add(10 * time.Minute)}
	return &fakeStore{holds: map[string]booking.Hold{fakeHoldID: h}, bookings: map[string]booking.Booking{}}
}

func fakeResources() []booking.Resource {
	var hours []booking.OpeningRange
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		hours = append(hours, booking.OpeningRange{Weekday: wd, Start: 8 * 60, End: 18 * 60})
	}
	return []booking.Resource{
		{ID: 1, Name: "Anagrafe", Kind: booking.InPerson},
		{ID: 2, ParentID: 1, Name: "Carta d'Identità", Bookable: true, Kind: booking.InPerson,
			ExtraFields: []booking.ExtraField{{Name: "primo", Label: "Primo rilascio", Type: "checkbox"}},
			Schedule:    booking.Schedule{SlotMinutes: 30, Capacity: 2, MaxSlots: 3, Hours: hours}},
	}
}

func (f *fakeStore) Settings(context.Context) (booking.Settings, error) {
	return booking.Settings{Name: "Comune di Prova"}, nil
}
func (f *fakeStore) SaveSettings(context.Context, booking.Settings) error { return nil }
func (f *fakeStore) Resources(context.Context) ([]booking.Resource, error) {
	return fakeResources(), nil
}
func (f *fakeStore) Resource(_ context.Context, id int64) (booking.Resource, error) {
	for _, r := range fakeResources() {
		if r.ID == id {
			return r, nil
		}
	}
	return booking.Resource{}, booking.Errorf(booking.ENotFound, "La risorsa richiesta non esiste.")
}
func (f *fakeStore) CreateResource(context.Context, *booking.Resource) error { return nil }
func (f *fakeStore) UpdateResource(context.Context, booking.Resource) error  { return nil }
func (f *fakeStore) Closures(context.Context, booking.Date, booking.Date) ([]booking.Closure, error) {
	return nil, nil
}
func (f *fakeStore) AddClosure(context.Context, *booking.Closure) error { return nil }
func (f *fakeStore) DeleteClosure(context.Context, int64) error         { return nil }
func (f *fakeStore) DeleteOpening(context.Context, int64) error         { return nil }
func (f *fakeStore) DeleteResource(context.Context, int64) error        { return nil }
func (f *fakeStore) FutureBookings(context.Context, int64, time.Time) ([]booking.Booking, error) {
	return nil, nil
}
func (f *fakeStore) Realign(context.Context, string, int64, []time.Time, int) error { return nil }
func (f *fakeStore) MoveBookings(context.Context, []booking.Move, booking.Guard) ([]booking.Booking, error) {
	return nil, nil
}
func (f *fakeStore) Openings(context.Context, booking.Date, booking.Date) ([]booking.Opening, error) {
	return nil, nil
}
func (f *fakeStore) AddOpening(context.Context, *booking.Opening) error { return nil }
func (f *fakeStore) Occupancy(context.Context, int64, time.Time, time.Time, string) (map[int64]booking.Occupancy, error) {
	return nil, nil
}
func (f *fakeStore) ConfigVersion(context.Context) (int64, error) { return 0, nil }
func (f *fakeStore) CreateHold(_ context.Context, h *booking.Hold, _ booking.Guard, d time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	h.ID = booking.NewID()
	h.ExpiresAt = time.Now().Add(d)
	f.holds[h.ID] = *h
	return nil
}
func (f *fakeStore) Hold(_ context.Context, id string) (booking.Hold, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if h, ok := f.holds[id]; ok {
		return h, nil
	}
	return booking.Hold{}, booking.Errorf(booking.ENotFound, "La prenotazione temporanea indicata non esiste.")
}
func (f *fakeStore) ReleaseHold(_ context.Context, id, owner string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if h, ok := f.holds[id]; ok && h.Owner == owner {
		delete(f.holds, id)
		return nil
	}
	return booking.Errorf(booking.ENotFound, "La prenotazione temporanea indicata non esiste.")
}
func (f *fakeStore) ExtendHold(_ context.Context, id, owner string, d time.Duration) (time.Time, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	h, ok := f.holds[id]
	if !ok || h.Owner != owner {
		return time.Time{}, booking.Errorf(booking.ENotFound, "La prenotazione temporanea indicata non esiste.")
	}
	if h.Extended {
		return time.Time{}, booking.Errorf(booking.EConflict, "Il tempo è già stato prolungato.")
	}
	h.ExpiresAt, h.Extended = h.ExpiresAt.Add(d), true
	f.holds[id] = h
	return h.ExpiresAt, nil
}
func (f *fakeStore) Confirm(_ context.Context, b *booking.Booking, _ booking.Guard) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, old := range f.bookings {
		if old.HoldID == b.HoldID || (b.IdempotencyKey != "" && old.IdempotencyKey == b.IdempotencyKey && old.Presentante == b.Presentante) {
			*b = old
			return false, nil
		}
	}
	h := f.holds[b.HoldID]
	b.ID, b.Code, b.Start, b.End, b.Slots = booking.NewID(), booking.NewCode(), h.Start, h.End, len(h.Slots)
	b.Status, b.CreatedAt = booking.Confirmed, time.Now()
	f.bookings[b.ID] = *b
	return true, nil
}
func (f *fakeStore) Replay(_ context.Context, presentante, holdID, key string) (booking.Booking, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, old := range f.bookings {
		if old.Presentante == presentante && (old.HoldID == holdID || (key != "" && old.IdempotencyKey == key)) {
			return old, true, nil
		}
	}
	return booking.Booking{}, false, nil
}
func (f *fakeStore) Booking(_ context.Context, id string) (booking.Booking, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if b, ok := f.bookings[id]; ok {
		return b, nil
	}
	return booking.Booking{}, booking.Errorf(booking.ENotFound, "La prenotazione richiesta non esiste.")
}
func (f *fakeStore) BookingByCode(context.Context, string) (booking.Booking, error) {
	return booking.Booking{}, booking.Errorf(booking.ENotFound, "La prenotazione richiesta non esiste.")
}
func (f *fakeStore) Bookings(_ context.Context, subject string, limit, offset int) ([]booking.Booking, int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []booking.Booking
	for _, b := range f.bookings {
		if b.Visible(subject) {
			out = append(out, b)
		}
	}
	total := len(out)
	if offset >= len(out) {
		return nil, total, nil
	}
	out = out[offset:]
	if len(out) > limit {
		out = out[:limit]
	}
	return out, total, nil
}
func (f *fakeStore) Cancel(_ context.Context, id, reason string) (booking.Booking, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	b, ok := f.bookings[id]
	if !ok {
		return booking.Booking{}, booking.Errorf(booking.ENotFound, "La prenotazione richiesta non esiste.")
	}
	b.Status, b.CancelledAt, b.CancelReason = booking.Cancelled, time.Now(), reason
	f.bookings[id] = b
	return b, nil
}

// fakeNow is the clock of the fake service: a Wednesday in winter.
var fakeNow = time.Date(2026, 12, 9, 9, 0, 0, 0, booking.Rome)

// fakeAPI returns the handler over a fakeStore; requests carry the identity
// put in their context by as (no session middleware).
func fakeAPI() http.Handler {
	svc := booking.NewService(newFakeStore(), booking.Options{Now: func() time.Time { return fakeNow }})
	return New(Config{Service: svc, Demo: true})
}

// mario is the demo citizen with a certified anagrafica.
var mario = auth.DemoLogin("RSSMRA70A01H501S", "", "")

// do sends a request to h, as id when id.Subject is set.
func do(h http.Handler, id auth.Identity, method, target, contentType, body string, header ...string) *httptest.ResponseRecorder {
	r := httptest.NewRequest(method, target, strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	if id.Subject != "" {
		r = r.WithContext(auth.WithIdentity(r.Context(), id))
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}
