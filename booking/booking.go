package booking

import (
	"crypto/rand"
	"time"
)

// Hold reserves one or more consecutive slots of a resource for its owner
// until ExpiresAt.
type Hold struct {
	ID         string
	ResourceID int64
	Owner      string // subject of the identity that holds it
	For        string // the fruitore's codice fiscale in conto terzi, else ""
	Start      time.Time
	End        time.Time
	Slots      []Slot
	ExpiresAt  time.Time
	Extended   bool // extended once already (Service.ExtendHold)
}

// Person is the anagrafica of a fruitore.
type Person struct {
	Nome             string `json:"nome"`
	Cognome          string `json:"cognome"`
	DataNascita      Date   `json:"data_nascita"`
	Sesso            string `json:"sesso"` // "M" or "F"
	NazioneNascita   string `json:"nazione_nascita"`
	ProvinciaNascita string `json:"provincia_nascita"`
	ComuneNascita    string `json:"comune_nascita"`
	CodiceFiscale    string `json:"codice_fiscale"`
	Email            string `json:"email"`
	Telefono         string `json:"telefono"`
}

// FullName is "NOME COGNOME".
func (p Person) FullName() string { return p.Nome + " " + p.Cognome }

// Status is the state of a booking.
type Status string

// The booking statuses.
const (
	Confirmed Status = "confirmed"
	Cancelled Status = "cancelled"
)

// Booking is a confirmed appointment.
type Booking struct {
	ID           string
	Code         string // human-readable, unique
	ResourceID   int64
	ResourceName string
	Start        time.Time
	End          time.Time
	Slots        int
	Presentante  string // subject of who booked
	// PresentanteNome is the name of who booked ("GIULIA BIANCHI"), so
	// that conto terzi shows names rather than a codice fiscale; "" when
	// unknown (bookings made before it was kept, or through the API).
	PresentanteNome string
	Fruitore        Person // whom the appointment is for
	Motivazione     string
	Telefono        string
	Nota            string
	Extra           map[string]string
	Status          Status
	CreatedAt       time.Time
	CancelledAt     time.Time // zero unless cancelled
	CancelReason    string
	HoldID          string
	IdempotencyKey  string
	// AnonymisedAt is when the retention purge emptied the personal data
	// (Presentante, Fruitore, Motivazione, Telefono, Nota, Extra,
	// CancelReason); zero while they are kept.
	AnonymisedAt time.Time
	// Sequence counts the moves to another slot (the calendar event's
	// SEQUENCE); MovedFrom is the start before the last one (zero if never
	// moved).
	Sequence  int
	MovedFrom time.Time
}

// Move is a booking to move onto Slots of resource ResourceID.
type Move struct {
	BookingID    string
	ResourceID   int64
	ResourceName string
	Slots        []Slot
}

// Anonymised reports whether b's personal data was purged.
func (b Booking) Anonymised() bool { return !b.AnonymisedAt.IsZero() }

// Visible reports whether subject may see b: its presentante or its
// fruitore, while its personal data are kept (an anonymised booking is no
// one's).
func (b Booking) Visible(subject string) bool {
	return subject != "" && !b.Anonymised() && (b.Presentante == subject || b.Fruitore.CodiceFiscale == subject)
}

// codeAlphabet has no characters that are easily confused (0/O, 1/I/L, 2/Z, 5/S, 8/B).
const codeAlphabet = "ACDEFGHJKMNPQRTUVWXY34679"

// NewCode returns a random booking code such as "K7MP-QX9C".
func NewCode() string {
	b := make([]byte, 9)
	for i := range b {
		if i == 4 {
			b[i] = '-'
			continue
		}
		b[i] = codeAlphabet[randIntn(len(codeAlphabet))]
	}
	return string(b)
}

// NewID returns a random opaque identifier (26 base32 characters).
func NewID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	b := make([]byte, 26)
	for i := range b {
		b[i] = alphabet[randIntn(len(alphabet))]
	}
	return string(b)
}

// randIntn returns a uniform random int in [0, n) from crypto/rand.
func randIntn(n int) int {
	var b [1]byte
	for {
		if _, err := rand.Read(b[:]); err != nil {
			panic(err)
		}
		if int(b[0]) < 256-256%n {
			return int(b[0]) % n
		}
	}
}

// BookedBy is the name of who booked b for someone else (conto terzi), or ""
// when the fruitore booked for themself or the name is unknown.
func (b Booking) BookedBy() string {
	if b.Presentante == b.Fruitore.CodiceFiscale {
		return ""
	}
	return b.PresentanteNome
}
