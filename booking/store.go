package booking

import (
	"context"
	"errors"
	"time"
)

// Guard is what a hold or confirm transaction checks against the database:
// that the configuration the service judged the request by is still the one
// in force (Version), and the resource's seats (Capacity, seats numbered from
// 0) and limit of future bookings per codice fiscale (PerPerson, 0 for none).
type Guard struct {
	Version   int64
	Capacity  int
	PerPerson int
	// Offer, for a hold, are the resource's waitlist terms: before the hold
	// claims a seat, the free seats of its slots go to the line.
	Offer OfferTerms
}

// ErrStale reports that the configuration changed after the service read it:
// the service reads it again and re-judges the request.
var ErrStale = errors.New("booking: configuration changed")

// Store keeps the Comune's configuration, holds and bookings. Implementations
// enforce the seat invariant in the database (see docs/design.md) and judge
// expiry by the database clock.
type Store interface {
	// Settings returns the Comune's settings.
	Settings(ctx context.Context) (Settings, error)
	// SaveSettings replaces the Comune's settings.
	SaveSettings(ctx context.Context, s Settings) error

	// Resources returns every node of the tree, hidden ones included.
	Resources(ctx context.Context) ([]Resource, error)
	// Resource returns one node, or ENotFound.
	Resource(ctx context.Context, id int64) (Resource, error)
	// CreateResource stores a new node and sets its ID.
	CreateResource(ctx context.Context, r *Resource) error
	// UpdateResource replaces a node, or ENotFound.
	UpdateResource(ctx context.Context, r Resource) error

	// DeleteResource deletes a node that has no children and has never been
	// booked; EConflict otherwise.
	DeleteResource(ctx context.Context, id int64) error

	// Closures returns the closures touching [from, to].
	Closures(ctx context.Context, from, to Date) ([]Closure, error)
	// AddClosure stores a closure and sets its ID.
	AddClosure(ctx context.Context, c *Closure) error
	// DeleteClosure deletes a closure, or ENotFound.
	DeleteClosure(ctx context.Context, id int64) error
	// Openings returns the one-off openings in [from, to].
	Openings(ctx context.Context, from, to Date) ([]Opening, error)
	// AddOpening stores a one-off opening and sets its ID.
	AddOpening(ctx context.Context, o *Opening) error
	// DeleteOpening deletes a one-off opening, or ENotFound.
	DeleteOpening(ctx context.Context, id int64) error

	// Occupancy returns, for each slot start (unix ms) of the resource in
	// [from, to) with live claims, the seats taken and whether viewer holds one.
	Occupancy(ctx context.Context, resourceID int64, from, to time.Time, viewer string) (map[int64]Occupancy, error)

	// ConfigVersion returns the configuration's version, which every change
	// of settings, resources, closures or openings increments in its own
	// transaction.
	ConfigVersion(ctx context.Context) (int64, error)

	// CreateHold claims one seat of each of h.Slots for h.Owner, all or
	// nothing, for d from the database clock, and sets h.ID and h.ExpiresAt.
	// In the same transaction it releases the owner's previous live hold for
	// the same h.For. It returns ErrStale when the configuration's version is
	// no longer g.Version, EConflict when a slot has no free seat among
	// g.Capacity.
	CreateHold(ctx context.Context, h *Hold, g Guard, d time.Duration) error
	// Hold returns a hold, live or not, or ENotFound.
	Hold(ctx context.Context, id string) (Hold, error)
	// ExtendHold pushes back by d the expiry of owner's live, unconfirmed
	// hold id and of its seats, once, and returns the new expiry. ENotFound
	// when owner has no such hold; EGone when it has expired or became a
	// booking; EConflict when it was extended already.
	ExtendHold(ctx context.Context, id, owner string, d time.Duration) (time.Time, error)
	// ReleaseHold frees the seats of owner's unconfirmed hold at once; ENotFound
	// when there is no such hold of owner's.
	ReleaseHold(ctx context.Context, id, owner string) error

	// Confirm turns b.HoldID, a live hold of b.Presentante's, into the booking b
	// (setting ID, Code, times, Status, CreatedAt). A booking already made with
	// the same hold or the same (presentante, idempotency key) is returned with
	// created false. ENotFound for no such hold of the presentante's; ErrStale
	// when the configuration's version is no longer g.Version; EGone when the
	// hold expired or one of its seats is beyond g.Capacity; EInvalid when
	// g.PerPerson is set and the fruitore has that many future bookings of
	// the resource already (counted under a lock, so racing confirms cannot
	// exceed it).
	Confirm(ctx context.Context, b *Booking, g Guard) (created bool, err error)
	// Replay returns the booking already made by presentante from holdID or
	// with the idempotency key (found false when there is none). EConflict
	// when the key was used for another hold.
	Replay(ctx context.Context, presentante, holdID, key string) (b Booking, found bool, err error)
	// Booking returns a booking by ID, or ENotFound.
	Booking(ctx context.Context, id string) (Booking, error)
	// BookingByCode returns a booking by code, or ENotFound.
	BookingByCode(ctx context.Context, code string) (Booking, error)
	// Bookings returns the confirmed bookings where subject is presentante or
	// fruitore, newest appointment first, and their total.
	Bookings(ctx context.Context, subject string, limit, offset int) ([]Booking, int, error)
	// FutureBookings returns the confirmed bookings of a resource that start
	// after the given time, by start.
	FutureBookings(ctx context.Context, resourceID int64, after time.Time) ([]Booking, error)
	// Realign moves a confirmed booking's seats onto the given slot starts
	// (a free seat among capacity at each); EConflict when one has none.
	Realign(ctx context.Context, bookingID string, resourceID int64, starts []time.Time, capacity int) error
	// MoveBookings moves confirmed bookings that have not started onto new
	// slots, all in one transaction: their seats are freed and a free seat
	// of each new slot (among g.Capacity) is claimed with the claim
	// statement; each booking's Sequence grows and MovedFrom keeps its old
	// start; a "moved" message is queued for each. EConflict when a seat is
	// gone or a booking has started or is cancelled: nothing changes.
	MoveBookings(ctx context.Context, moves []Move, g Guard) ([]Booking, error)
	// Cancel cancels a confirmed booking that has not started yet (by the
	// database clock) and frees its seats. EConflict when it has started or is
	// already cancelled; ENotFound when there is none.
	Cancel(ctx context.Context, id, reason string) (Booking, error)

	// JoinWaitlist puts e in its resource's line (replacing a lapsed entry
	// of the same subject and fruitore) and sets ID, CreatedAt and State;
	// EConflict when the subject waits for the resource (and fruitore)
	// already.
	JoinWaitlist(ctx context.Context, e *WaitEntry) error
	// Waitlist returns subject's entries, with positions and offers.
	Waitlist(ctx context.Context, subject string) ([]WaitEntry, error)
	// ResourceWaitlist returns a resource's entries in line order, lapsed
	// ones last.
	ResourceWaitlist(ctx context.Context, resourceID int64) ([]WaitEntry, error)
	// LeaveWaitlist deletes entry id (subject's, or anyone's when subject is
	// ""), releases its outstanding offer and offers that seat, in the same
	// transaction, to the next in line under terms(resource). ENotFound
	// when there is no such entry.
	LeaveWaitlist(ctx context.Context, id int64, subject string, terms func(resourceID int64) OfferTerms) (WaitEntry, error)
	// WaitingDays returns the days spanned by a resource's waiting entries
	// (ok false when none waits).
	WaitingDays(ctx context.Context, resourceID int64) (from, to Date, ok bool, err error)
	// WaitingResources returns the resources with waiting entries or
	// outstanding offers.
	WaitingResources(ctx context.Context) ([]int64, error)
	// OfferSlots ends the resource's lapsed offers, then offers the free
	// seats of slots, in order, each to the first waiting entry it suits,
	// as holds under t, with the outbox message in the same transaction.
	OfferSlots(ctx context.Context, resourceID int64, slots []Slot, t OfferTerms) ([]Offer, error)
}
