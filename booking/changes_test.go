package booking

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// memStore is an in-memory Store for the service's rules: configuration
// with a version, holds as seat lists, bookings. Seats are not raced here;
// the SQL store's tests on both engines race them.
type memStore struct {
	mu        sync.Mutex
	version   int64
	resources map[int64]Resource
	closures  []Closure
	openings  []Opening
	holds     map[string]Hold
	seats     map[string]int // hold ID → its seat
	bookings  map[string]Booking
	realigned map[string][]time.Time
	nextID    int64
}

func newMemStore(rs ...Resource) *memStore {
	m := &memStore{resources: map[int64]Resource{}, holds: map[string]Hold{}, seats: map[string]int{},
		bookings: map[string]Booking{}, realigned: map[string][]time.Time{}}
	for _, r := range rs {
		m.resources[r.ID] = r
	}
	return m
}

// changed is a change made by another instance: the version moves.
func (m *memStore) changed(f func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	f()
	m.version++
}

func (m *memStore) Settings(context.Context) (Settings, error) {
	return Settings{Name: "Comune di Prova"}, nil
}
func (m *memStore) SaveSettings(context.Context, Settings) error { return nil }
func (m *memStore) ConfigVersion(context.Context) (int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.version, nil
}
func (m *memStore) Resources(context.Context) ([]Resource, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Resource
	for _, r := range m.resources {
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b Resource) int { return int(a.ID - b.ID) })
	return out, nil
}
func (m *memStore) Resource(_ context.Context, id int64) (Resource, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if r, ok := m.resources[id]; ok {
		return r, nil
	}
	return Resource{}, Errorf(ENotFound, "La risorsa richiesta non esiste.")
}
func (m *memStore) CreateResource(_ context.Context, r *Resource) error {
	m.changed(func() { m.nextID++; r.ID = 100 + m.nextID; m.resources[r.ID] = *r })
	return nil
}
func (m *memStore) UpdateResource(_ context.Context, r Resource) error {
	m.changed(func() { m.resources[r.ID] = r })
	return nil
}
func (m *memStore) DeleteResource(_ context.Context, id int64) error {
	m.changed(func() { delete(m.resources, id) })
	return nil
}
func (m *memStore) Closures(context.Context, Date, Date) ([]Closure, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.closures), nil
}
func (m *memStore) AddClosure(_ context.Context, c *Closure) error {
	m.changed(func() { m.nextID++; c.ID = m.nextID; m.closures = append(m.closures, *c) })
	return nil
}
func (m *memStore) DeleteClosure(_ context.Context, id int64) error {
	m.changed(func() { m.closures = slices.DeleteFunc(m.closures, func(c Closure) bool { return c.ID == id }) })
	return nil
}
func (m *memStore) Openings(context.Context, Date, Date) ([]Opening, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.openings), nil
}
func (m *memStore) AddOpening(_ context.Context, o *Opening) error {
	m.changed(func() { m.nextID++; o.ID = m.nextID; m.openings = append(m.openings, *o) })
	return nil
}
func (m *memStore) DeleteOpening(_ context.Context, id int64) error {
	m.changed(func() { m.openings = slices.DeleteFunc(m.openings, func(o Opening) bool { return o.ID == id }) })
	return nil
}
func (m *memStore) Occupancy(context.Context, int64, time.Time, time.Time, string) (map[int64]Occupancy, error) {
	return nil, nil
}
func (m *memStore) CreateHold(_ context.Context, h *Hold, g Guard, d time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if g.Version != m.version {
		return ErrStale
	}
	taken := 0
	for id, x := range m.holds {
		if x.ResourceID == h.ResourceID && x.Start.Equal(h.Start) {
			taken = max(taken, m.seats[id]+1)
		}
	}
	if taken >= g.Capacity {
		return Errorf(EConflict, "Lo slot scelto non è più disponibile.")
	}
	h.ID, h.ExpiresAt = NewID(), time.Now().Add(d)
	m.holds[h.ID], m.seats[h.ID] = *h, taken
	return nil
}
func (m *memStore) Hold(_ context.Context, id string) (Hold, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if h, ok := m.holds[id]; ok {
		return h, nil
	}
	return Hold{}, Errorf(ENotFound, "La prenotazione temporanea indicata non esiste.")
}
func (m *memStore) ReleaseHold(context.Context, string, string) error { return nil }
func (m *memStore) ExtendHold(context.Context, string, string, time.Duration) (time.Time, error) {
	return time.Time{}, Errorf(ENotFound, "La prenotazione temporanea indicata non esiste.")
}
func (m *memStore) Confirm(_ context.Context, b *Booking, g Guard) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if g.Version != m.version {
		return false, ErrStale
	}
	if m.seats[b.HoldID] >= g.Capacity {
		return false, Errorf(EGone, "Nel frattempo il Comune ha ridotto i posti disponibili.")
	}
	h := m.holds[b.HoldID]
	m.nextID++
	b.ID, b.Code, b.Start, b.End, b.Slots, b.Status = NewID(), NewCode(), h.Start, h.End, len(h.Slots), Confirmed
	b.CreatedAt = memNow.Add(time.Duration(m.nextID) * time.Second)
	m.bookings[b.ID] = *b
	return true, nil
}
func (m *memStore) Replay(context.Context, string, string, string) (Booking, bool, error) {
	return Booking{}, false, nil
}
func (m *memStore) Booking(_ context.Context, id string) (Booking, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if b, ok := m.bookings[id]; ok {
		return b, nil
	}
	return Booking{}, Errorf(ENotFound, "La prenotazione richiesta non esiste.")
}
func (m *memStore) BookingByCode(context.Context, string) (Booking, error) {
	return Booking{}, Errorf(ENotFound, "La prenotazione richiesta non esiste.")
}
func (m *memStore) Bookings(context.Context, string, int, int) ([]Booking, int, error) {
	return nil, 0, nil
}
func (m *memStore) FutureBookings(_ context.Context, id int64, after time.Time) ([]Booking, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Booking
	for _, b := range m.bookings {
		if b.ResourceID == id && b.Status == Confirmed && b.Start.After(after) {
			out = append(out, b)
		}
	}
	slices.SortFunc(out, func(a, b Booking) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return a.CreatedAt.Compare(b.CreatedAt)
	})
	return out, nil
}
func (m *memStore) MoveBookings(context.Context, []Move, Guard) ([]Booking, error) {
	return nil, errors.New("memStore: moves are tested on the SQL store")
}
func (m *memStore) Realign(_ context.Context, id string, _ int64, starts []time.Time, _ int) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.realigned[id] = starts
	return nil
}
func (m *memStore) Cancel(_ context.Context, id, reason string) (Booking, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, ok := m.bookings[id]
	if !ok || b.Status != Confirmed {
		return b, Errorf(EConflict, "La prenotazione è già stata annullata.")
	}
	b.Status, b.CancelReason = Cancelled, reason
	m.bookings[id] = b
	return b, nil
}

// memNow is the service clock: Monday 7 December 2026, 07:00.
var memNow = time.Date(2026, 12, 7, 7, 0, 0, 0, Rome)

// memResource is open every day 09:00–12:00 in 30-minute slots.
func memResource(id int64, capacity int) Resource {
	var hours []OpeningRange
	for wd := time.Sunday; wd <= time.Saturday; wd++ {
		hours = append(hours, OpeningRange{Weekday: wd, Start: 9 * 60, End: 12 * 60})
	}
	return Resource{ID: id, Name: "Sportello", Bookable: true, Kind: InPerson,
		Schedule: Schedule{SlotMinutes: 30, Capacity: capacity, MaxSlots: 2, Hours: hours}}
}

// memService is a service over m whose cache outlives the test, as another
// instance's might: only the version tells it of a change.
func memService(m *memStore) *Service {
	return NewService(m, Options{Now: func() time.Time { return memNow }, ConfigTTL: time.Hour})
}

// at is 9 December 2026 at hh:mm in Rome.
func at(hh, mm int) time.Time { return time.Date(2026, 12, 9, hh, mm, 0, 0, Rome) }

func book(t *testing.T, s *Service, id int64, start time.Time, owner string) Booking {
	t.Helper()
	ctx := context.Background()
	h, err := s.Hold(ctx, HoldRequest{ResourceID: id, Start: start, Slots: 1, Owner: owner})
	if err != nil {
		t.Fatalf("hold %s: %v", start, err)
	}
	b, _, err := s.Confirm(ctx, confirmOf(h))
	if err != nil {
		t.Fatalf("confirm %s: %v %v", start, err, ErrorFields(err))
	}
	return b
}

func confirmOf(h Hold) ConfirmRequest {
	return ConfirmRequest{HoldID: h.ID, Presentante: h.Owner, Motivazione: "Rinnovo", Telefono: "333 1234567",
		Fruitore: Person{Nome: "MARIO", Cognome: "ROSSI", DataNascita: Date{1970, 1, 1}, Sesso: "M", NazioneNascita: Italy, ProvinciaNascita: "RM",
			ComuneNascita: "ROMA", CodiceFiscale: "RSSMRA70A01H501S", Email: "mario@example.it", Telefono: "333 1234567"}}
}

func TestLoweringCapacityAsksAboutTheLatestBookings(t *testing.T) {
	ctx := context.Background()
	m := newMemStore(memResource(1, 2))
	s := memService(m)
	first := book(t, s, 1, at(10, 0), "a")
	second := book(t, s, 1, at(10, 0), "b")
	r := m.resources[1]
	r.Schedule.Capacity = 1

	// Without a way to ask, nothing is saved.
	if _, err := s.UpdateResource(ctx, r, nil); ErrorCode(err) != EConflict || !strings.Contains(err.Error(), second.Code) {
		t.Fatalf("lowering with no Decide: %v, want EConflict naming %s", err, second.Code)
	}
	// Asked, the admin has not decided yet: nothing is saved.
	var asked []Booking
	undecided := func(orph []Booking) (map[string]bool, string, bool, error) { asked = orph; return nil, "", false, nil }
	if _, err := s.UpdateResource(ctx, r, undecided); !errors.Is(err, ErrUndecided) {
		t.Fatalf("undecided change: %v", err)
	}
	if len(asked) != 1 || asked[0].ID != second.ID {
		t.Fatalf("asked about %v, want the latest booking %s only", asked, second.Code)
	}
	if m.resources[1].Schedule.Capacity != 2 {
		t.Fatal("an undecided change was saved")
	}
	// Decided: saved, and the chosen booking cancelled with the reason.
	cancel := func(orph []Booking) (map[string]bool, string, bool, error) {
		return map[string]bool{orph[0].ID: true}, "Posti ridotti", true, nil
	}
	out, err := s.UpdateResource(ctx, r, cancel)
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Cancelled) != 1 || out.Cancelled[0].ID != second.ID || len(out.Kept) != 0 || out.Reason != "Posti ridotti" {
		t.Fatalf("outcome %+v", out)
	}
	if b := m.bookings[second.ID]; b.Status != Cancelled || b.CancelReason != "Posti ridotti" {
		t.Fatalf("cancelled booking %+v", b)
	}
	if m.bookings[first.ID].Status != Confirmed || m.resources[1].Schedule.Capacity != 1 {
		t.Fatal("the change was not saved as decided")
	}
}

func TestComuneClosureAsksAboutEveryResource(t *testing.T) {
	ctx := context.Background()
	m := newMemStore(memResource(1, 1), memResource(2, 1))
	s := memService(m)
	late := book(t, s, 1, at(11, 0), "a")
	early := book(t, s, 2, at(9, 30), "b")
	other := book(t, s, 2, at(9, 30).AddDate(0, 0, 1), "c") // the day after
	var asked []Booking
	keep := func(orph []Booking) (map[string]bool, string, bool, error) { asked = orph; return nil, "", true, nil }
	day := DateOf(at(9, 0), Rome)
	out, err := s.AddClosure(ctx, &Closure{From: day, To: day, Reason: "Elezioni"}, keep)
	if err != nil {
		t.Fatal(err)
	}
	if len(asked) != 2 || asked[0].ID != early.ID || asked[1].ID != late.ID {
		t.Fatalf("asked about %v, want %s then %s (by start), not %s", asked, early.Code, late.Code, other.Code)
	}
	if len(out.Kept) != 2 || len(out.Cancelled) != 0 || len(m.closures) != 1 {
		t.Fatalf("outcome %+v, closures %v", out, m.closures)
	}
	// Kept bookings are not asked about again at the next change.
	asked = nil
	if _, err := s.AddClosure(ctx, &Closure{ResourceID: 1, From: day, To: day.AddDays(1)}, keep); err != nil || len(asked) != 0 {
		t.Fatalf("asked again: %v %v", asked, err)
	}
}

func TestChangeOfSlotGridRealignsKeptBookings(t *testing.T) {
	m := newMemStore(memResource(1, 1))
	s := memService(m)
	b := book(t, s, 1, at(10, 0), "a")
	r := m.resources[1]
	r.Schedule.SlotMinutes = 15 // the booking 10:00–10:30 now covers 10:00 and 10:15
	if _, err := s.UpdateResource(context.Background(), r, nil); err != nil {
		t.Fatal(err)
	}
	if got := m.realigned[b.ID]; len(got) != 2 || !got[0].Equal(at(10, 0)) || !got[1].Equal(at(10, 15)) {
		t.Fatalf("realigned onto %v, want 10:00 and 10:15", got)
	}
}

func TestChangesByAnotherInstanceAreSeenAtOnce(t *testing.T) {
	ctx := context.Background()
	m := newMemStore(memResource(1, 5))
	s := memService(m)
	h, err := s.Hold(ctx, HoldRequest{ResourceID: 1, Start: at(10, 0), Slots: 1, Owner: "a"})
	if err != nil {
		t.Fatal(err)
	}
	day := DateOf(at(10, 0), Rome)
	m.changed(func() {
		m.closures = append(m.closures, Closure{ID: 9, ResourceID: 1, From: day, To: day, Reason: "Inventario"})
	})
	_, _, err = s.Confirm(ctx, confirmOf(h))
	if ErrorCode(err) != EGone || !strings.Contains(err.Error(), "chiuso o modificato") {
		t.Fatalf("confirm on a day closed elsewhere: %v, want EGone", err)
	}
	// Reopened elsewhere: the cache, which has it closed, must not refuse.
	m.changed(func() { m.closures = nil })
	if _, err := s.Hold(ctx, HoldRequest{ResourceID: 1, Start: at(10, 30), Slots: 1, Owner: "b"}); err != nil {
		t.Fatalf("hold on a day reopened elsewhere: %v", err)
	}
	// The per-person limit and the capacity go to the store with the version.
	r := m.resources[1]
	r.Schedule.PerPerson = 1
	m.changed(func() { m.resources[1] = r })
	c, err := s.fresh(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if g := c.guard(c.resources[1]); g.Version != m.version || g.Capacity != 5 || g.PerPerson != 1 {
		t.Fatalf("guard %+v", g)
	}
}

func TestOpeningFits(t *testing.T) {
	res := Resource{ID: 7, Bookable: true, Schedule: Schedule{SlotMinutes: 30, Capacity: 1,
		Hours: []OpeningRange{{Weekday: time.Monday, Start: 9 * 60, End: 12 * 60}}}}
	mon := Date{2026, 12, 14}
	at := func(hm int) time.Time { t, _ := mon.At(Clock(hm), Rome); return t }
	kept := Booking{Code: "KEPT-0001", Start: at(13 * 60), End: at(13*60 + 30)}
	for _, tc := range []struct {
		name       string
		start, end int
		want       string // "" accepted, else a fragment of the error
	}{
		{"before the hours, on the grid", 8 * 60, 9 * 60, ""},
		{"after the hours, on the grid", 12 * 60, 13 * 60, ""},
		{"after the hours, off the grid", 12*60 + 10, 12*60 + 40, ""},
		{"overlapping the start, off the grid", 8*60 + 45, 9*60 + 45, "li sposterebbe"},
		{"inside the hours", 9*60 + 15, 10*60 + 15, "non aggiunge"},
		{"too short", 12 * 60, 12*60 + 20, "non aggiunge"},
		{"over a kept booking", 12*60 + 30, 13*60 + 30, "KEPT-0001"},
	} {
		fs := openingFits(res, Calendar{}, Opening{ResourceID: 7, Date: mon, Start: Clock(tc.start), End: Clock(tc.end)}, []Booking{kept})
		switch {
		case tc.want == "" && fs != nil:
			t.Errorf("%s: refused: %v", tc.name, fs)
		case tc.want != "" && (len(fs) != 1 || fs[0].Field != "start" || !strings.Contains(fs[0].Message, tc.want) || !strings.HasPrefix(fs[0].Message, "«Dalle»")):
			t.Errorf("%s: %v, want %q", tc.name, fs, tc.want)
		}
	}
}
