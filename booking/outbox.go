package booking

// OutboxEvent is a message on the outbox: the store enqueues it in the
// transaction that makes the change, and the message worker turns it into
// deliveries (emails, App IO messages).
type OutboxEvent struct {
	Kind      string `json:"kind"` // one of the Event* constants
	BookingID string `json:"booking_id,omitempty"`
}

// The kinds of outbox events, the one list the store, auth and the worker
// share.
const (
	EventConfirmed     = "booking_confirmed" // a booking was made
	EventCancelled     = "booking_cancelled" // a booking was cancelled
	EventMoved         = "booking_moved"     // a booking was moved to another slot
	EventOffer         = "waitlist_offer"    // the body is an OfferMessage
	EventPasswordReset = "password_reset"    // the body is auth.PasswordResetMessage
)

// OfferMessage is the outbox message of a waitlist offer: the worker sends
// "Si è liberato un posto" from it.
type OfferMessage struct {
	Kind string `json:"kind"` // EventOffer
	Offer
}
