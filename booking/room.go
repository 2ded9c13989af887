package booking

import (
	"context"
	"errors"
	"time"
)

// Room is a resource's virtual waiting room for a click day (SPEC §15): from
// BeforeMinutes before OpensAt, a citizen queues for the resource instead of
// seeing its grid, and holds need an admission. No slot of the resource is
// bookable before OpensAt.
type Room struct {
	OpensAt       time.Time `json:"opens_at"`
	BeforeMinutes int       `json:"before_minutes"` // 0: DefaultRoomBefore
	PerMinute     int       `json:"per_minute"`     // admissions a minute; 0: automatic (about the free seats)
	AdmitMinutes  int       `json:"admit_minutes"`  // validity of an admission; 0: DefaultAdmitMinutes
}

// The defaults of a Room.
const (
	DefaultRoomBefore   = 15
	DefaultAdmitMinutes = 10
)

// ActiveFrom is when the room starts queueing citizens.
func (r Room) ActiveFrom() time.Time {
	m := r.BeforeMinutes
	if m <= 0 {
		m = DefaultRoomBefore
	}
	return r.OpensAt.Add(-time.Duration(m) * time.Minute)
}

// Validity is how long an admission lasts.
func (r Room) Validity() time.Duration {
	m := r.AdmitMinutes
	if m <= 0 {
		m = DefaultAdmitMinutes
	}
	return time.Duration(m) * time.Minute
}

func (r Room) validate() []FieldError {
	var fs []FieldError
	if r.OpensAt.IsZero() {
		fs = append(fs, FieldError{"room.opens_at", "Indichi il momento di apertura della sala d'attesa."})
	}
	if r.BeforeMinutes < 0 || r.BeforeMinutes > 24*60 {
		fs = append(fs, FieldError{"room.before_minutes", "La sala d'attesa apre da 0 a 1440 minuti prima dell'apertura."})
	}
	if r.PerMinute < 0 || r.PerMinute > 100_000 {
		fs = append(fs, FieldError{"room.per_minute", "Gli ammessi al minuto sono da 0 (automatico) a 100000."})
	}
	if r.AdmitMinutes < 0 || r.AdmitMinutes > 120 {
		fs = append(fs, FieldError{"room.admit_minutes", "L'ammissione dura da 1 a 120 minuti (0: 10 minuti)."})
	}
	return fs
}

// QueueKey names one queue: a resource's room for one opening moment (a new
// opening starts a new queue).
type QueueKey struct {
	ResourceID int64
	OpensAt    time.Time
}

// Ticket is a citizen's place in a queue, with the queue's counters, as the
// store reads it in one query.
type Ticket struct {
	In            bool      // the citizen joined
	Position      int64     // 1-based; 0 until the draw at the opening
	AdmittedUntil time.Time // zero until admitted
	Serving       int64     // positions up to this one are admitted
	Tail          int64     // the last position given
	Waiting       int64     // joined before the opening, still to be drawn
	SoldOut       bool      // no free seat in the window at the last count
}

// Admit is what a queue's admission step is told.
type Admit struct {
	PerMinute int           // 0: automatic
	Validity  time.Duration // of each admission
	FreeSeats int           // free seats in the window now
}

// QueueStore keeps the waiting rooms' queues, one per QueueKey, shared by
// every instance.
type QueueStore interface {
	// JoinQueue puts who in the queue at now (once: created false when
	// already in). Before the opening the place is drawn at random at the
	// opening; after it, arrival order behind everyone drawn.
	JoinQueue(ctx context.Context, q QueueKey, who string, now time.Time) (Ticket, bool, error)
	// QueueTicket returns who's ticket (In false when not in the queue).
	QueueTicket(ctx context.Context, q QueueKey, who string) (Ticket, error)
	// AdvanceQueue draws the order at the opening and admits the next in
	// line as a allows, recording whether the window is sold out.
	AdvanceQueue(ctx context.Context, q QueueKey, now time.Time, a Admit) error
}

// QueueState is what a citizen in a waiting room is told.
type QueueState string

// The states of a place in the queue (SPEC §15).
const (
	QueueWaiting QueueState = "waiting"
	Admitted     QueueState = "admitted"
	SoldOut      QueueState = "sold_out"
	NoRoom       QueueState = "closed" // no room active: go straight to the grid
)

// Place is a citizen's place in a waiting room.
type Place struct {
	State         QueueState
	Position      int64 // 0 before the draw
	Ahead         int64 // -1 before the draw
	ETA           time.Duration
	PollAfter     time.Duration
	AdmittedUntil time.Time // zero unless admitted
	OpensAt       time.Time
	Expired       bool // the admission ended: join again to queue at the back
}

// ErrNotAdmitted is the cause of a hold refused because the resource's
// waiting room is active and the caller has no live admission (403).
var ErrNotAdmitted = errors.New("booking: not admitted from the waiting room")

// NotAdmitted returns the error of a hold on resource without admission.
func NotAdmitted(resourceID int64) error {
	return &Error{Code: EForbidden, Err: ErrNotAdmitted,
		Message: "La sala d'attesa virtuale è attiva per questa risorsa: per scegliere un orario attenda il suo turno in coda."}
}

// RoomOf returns the room of a visible resource, and whether it is active at
// the service's now (its queue, when past the opening, still has someone
// waiting).
func (s *Service) RoomOf(ctx context.Context, resourceID int64) (Room, bool, error) {
	r, err := s.Resource(ctx, resourceID)
	if err != nil {
		return Room{}, false, err
	}
	return s.room(ctx, r)
}

func (s *Service) room(ctx context.Context, r Resource) (Room, bool, error) {
	if r.Schedule.Room == nil {
		return Room{}, false, nil
	}
	room := *r.Schedule.Room
	now := s.opt.Now()
	if now.Before(room.ActiveFrom()) || s.opt.Queue == nil {
		return room, false, nil
	}
	if now.Before(room.OpensAt) {
		return room, true, nil
	}
	t, err := s.opt.Queue.QueueTicket(ctx, QueueKey{r.ID, room.OpensAt}, "")
	if err != nil {
		return room, false, err
	}
	return room, !drained(t), nil
}

// drained reports whether everyone in the queue has been admitted after the
// opening: the room then closes and citizens go straight to the grid.
func drained(t Ticket) bool { return t.Waiting == 0 && t.Serving >= t.Tail && t.Tail > 0 }

// JoinQueue places who in the resource's waiting room (idempotent: created
// false when already in). A resource whose room is not active answers
// NoRoom.
func (s *Service) JoinQueue(ctx context.Context, resourceID int64, who string) (Place, bool, error) {
	if who == "" {
		return Place{}, false, Errorf(EUnauthorized, "Per entrare nella sala d'attesa è necessario autenticarsi.")
	}
	room, active, err := s.RoomOf(ctx, resourceID)
	if err != nil || !active {
		return Place{State: NoRoom}, false, err
	}
	now := s.opt.Now()
	t, created, err := s.opt.Queue.JoinQueue(ctx, QueueKey{resourceID, room.OpensAt}, who, now)
	if err != nil {
		return Place{}, false, err
	}
	return place(room, t, now), created, nil
}

// QueuePlace returns who's place in the resource's waiting room: ENotFound
// when who has not joined an active room.
func (s *Service) QueuePlace(ctx context.Context, resourceID int64, who string) (Place, error) {
	room, active, err := s.RoomOf(ctx, resourceID)
	if err != nil {
		return Place{}, err
	}
	var t Ticket
	if !room.OpensAt.IsZero() && s.opt.Queue != nil {
		if t, err = s.opt.Queue.QueueTicket(ctx, QueueKey{resourceID, room.OpensAt}, who); err != nil {
			return Place{}, err
		}
	}
	if !t.In {
		return Place{}, Errorf(ENotFound, "Non è in coda per questa risorsa.")
	}
	p := place(room, t, s.opt.Now())
	if !active && p.State != Admitted {
		p.State = NoRoom
	}
	return p, nil
}

// place tells a ticket's holder where they are at now.
func place(room Room, t Ticket, now time.Time) Place {
	p := Place{Position: t.Position, OpensAt: room.OpensAt, PollAfter: 3 * time.Second}
	switch {
	case t.Position > 0 && t.Position <= t.Serving && now.Before(t.AdmittedUntil):
		p.State, p.AdmittedUntil, p.PollAfter = Admitted, t.AdmittedUntil, 30*time.Second
		return p
	case t.Position > 0 && t.Position <= t.Serving:
		// admitted, and the admission ended unused: joining again queues
		// at the back
		p.State, p.Expired = QueueWaiting, true
		return p
	case t.SoldOut:
		p.State, p.PollAfter = SoldOut, 15*time.Second
	default:
		p.State = QueueWaiting
	}
	if t.Position == 0 {
		p.Ahead = -1
		p.ETA = room.OpensAt.Sub(now)
		return p
	}
	p.Ahead = t.Position - t.Serving - 1
	rate := float64(room.PerMinute)
	if rate == 0 {
		// automatic: the pace seen so far since the opening
		if m := now.Sub(room.OpensAt).Minutes(); m > 0.1 {
			rate = float64(t.Serving) / m
		}
		rate = max(rate, 10)
	}
	p.ETA = time.Duration(float64(p.Ahead) / rate * float64(time.Minute))
	return p
}

// checkAdmission returns NotAdmitted when resource's waiting room is active
// and who has no live admission.
func (s *Service) checkAdmission(ctx context.Context, resourceID int64, who string) error {
	c, err := s.snapshot(ctx)
	if err != nil {
		return err
	}
	r, ok := c.resources[resourceID]
	if !ok {
		return nil // judgeHold answers it
	}
	if r.Schedule.Room == nil || s.opt.Queue == nil {
		return nil
	}
	room, now := *r.Schedule.Room, s.opt.Now()
	if now.Before(room.ActiveFrom()) {
		return nil
	}
	// One read: the caller's ticket carries the queue's counters.
	t, err := s.opt.Queue.QueueTicket(ctx, QueueKey{resourceID, room.OpensAt}, who)
	if err != nil {
		return err
	}
	admitted := t.In && t.Position > 0 && t.Position <= t.Serving && now.Before(t.AdmittedUntil)
	if admitted || (!now.Before(room.OpensAt) && drained(t)) {
		return nil
	}
	return NotAdmitted(resourceID)
}

// AdvanceQueues draws and admits in every active waiting room: automatic
// rooms admit about as many citizens as there are free seats in the next
// MaxDays, topped up as holds expire or end. Run it every second or so
// on every instance (the store serialises them).
func (s *Service) AdvanceQueues(ctx context.Context) error {
	if s.opt.Queue == nil {
		return nil
	}
	c, err := s.snapshot(ctx)
	if err != nil {
		return err
	}
	now := s.opt.Now()
	for _, r := range c.list {
		if r.Schedule.Room == nil || now.Before(r.Schedule.Room.ActiveFrom()) || !r.Bookable {
			continue
		}
		room := *r.Schedule.Room
		free := 0
		if !now.Before(room.OpensAt) {
			days, err := s.Availability(ctx, r.ID, DateOf(now, Rome), MaxDays, "")
			if err != nil {
				return err
			}
			for _, d := range days {
				for _, cell := range d.Cells {
					free += cell.FreeSeats
				}
			}
		}
		if err := s.opt.Queue.AdvanceQueue(ctx, QueueKey{r.ID, room.OpensAt}, now, Admit{PerMinute: room.PerMinute, Validity: room.Validity(), FreeSeats: free}); err != nil {
			return err
		}
	}
	return nil
}
