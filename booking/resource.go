package booking

import (
	"cmp"
	"slices"
	"strings"
	"time"
)

// Settings are the Comune's own settings.
type Settings struct {
	Name        string     `json:"name"`         // "Comune di Demo"
	Province    string     `json:"province"`     // "Provincia di Demo"
	Welcome     string     `json:"welcome"`      // welcome text of the booking area (plain text, paragraphs)
	Phone       string     `json:"phone"`        // contact phone for notices and cancellations
	Email       string     `json:"email"`        // contact email
	Address     string     `json:"address"`      // town hall address
	NoReply     string     `json:"no_reply"`     // From address of messages
	ReplyTo     string     `json:"reply_to"`     // Reply-To of messages, if any
	PrivacyURL  string     `json:"privacy_url"`  // privacy policy page
	A11yURL     string     `json:"a11y_url"`     // accessibility declaration
	PatronMonth time.Month `json:"patron_month"` // the patron saint's day, a holiday
	PatronDay   int        `json:"patron_day"`
	PatronName  string     `json:"patron_name"`
	// Logo is the Comune's crest or logo, a PNG or JPEG image of at most
	// MaxLogoSize bytes set in the back office; nil shows the generic
	// icon. The citizen pages serve it at /logo and the receipt draws it.
	Logo []byte `json:"logo,omitempty"`
	// RetentionMonths is how long the personal data of a booking is kept
	// after its appointment ends (SPEC §12, GDPR storage limitation): then
	// the purge anonymises it. 0 means "not set" and stands for
	// DefaultRetentionMonths (settings saved before the field existed have
	// none); retention cannot be switched off. See Retention.
	RetentionMonths int `json:"retention_months,omitempty"`
	// OpenData publishes the open-data export of the bookings (no personal
	// data) at a public URL under OpenDataLicence, one of OpenDataLicences
	// ("" stands for the first).
	OpenData        bool   `json:"open_data,omitempty"`
	OpenDataLicence string `json:"open_data_licence,omitempty"`
	// Site is the Comune's site around the services: menu links, the
	// disservizio report, the catalogue's other services.
	Site Site `json:"site,omitempty"`
	// NoHoldExtension refuses "Prolunga" (see HoldExtension); stored
	// negated so that the settings saved before it allow it.
	NoHoldExtension bool `json:"no_hold_extension,omitempty"`
}

// HoldExtension says whether a citizen may extend a hold once (SPEC §5,
// WCAG 2.2.1): on unless the Comune turned it off.
func (s Settings) HoldExtension() bool { return !s.NoHoldExtension }

// MaxLogoSize is the largest Settings.Logo accepted: 200 KB.
const MaxLogoSize = 200 << 10

// The bounds of Settings.RetentionMonths.
const (
	DefaultRetentionMonths = 24
	MinRetentionMonths     = 1
	MaxRetentionMonths     = 120
)

// Retention is the retention period in months: RetentionMonths, or
// DefaultRetentionMonths when it is not set.
func (s Settings) Retention() int {
	if s.RetentionMonths == 0 {
		return DefaultRetentionMonths
	}
	return s.RetentionMonths
}

// RetentionMessage is the Italian message for a retention period out of
// bounds, for the field "retention_months".
const RetentionMessage = "Il periodo di conservazione dei dati personali è un numero intero di mesi da 1 a 120 (per esempio 24)."

// Validate checks the settings: texts that can be stored, a name, and a retention period (when set)
// between MinRetentionMonths and MaxRetentionMonths. EInvalid names the
// fields at fault.
func (s Settings) Validate() error {
	fs := CheckTexts("name", s.Name, "province", s.Province, "welcome", s.Welcome, "phone", s.Phone,
		"email", s.Email, "address", s.Address, "no_reply", s.NoReply, "reply_to", s.ReplyTo,
		"privacy_url", s.PrivacyURL, "a11y_url", s.A11yURL, "patron_name", s.PatronName)
	if strings.TrimSpace(s.Name) == "" {
		fs = append(fs, FieldError{"name", "Indichi il nome del Comune."})
	}
	fs = append(fs, s.Site.validate()...)
	if s.RetentionMonths != 0 && (s.RetentionMonths < MinRetentionMonths || s.RetentionMonths > MaxRetentionMonths) {
		fs = append(fs, FieldError{"retention_months", RetentionMessage})
	}
	if len(fs) > 0 {
		return Invalid(fs...)
	}
	return nil
}

// Kind says how an appointment takes place.
type Kind string

// The kinds of resource.
const (
	InPerson Kind = "presenza"   // at the office
	ByPhone  Kind = "telefonico" // a phone call
)

// PhoneMode says, for a phone appointment, who calls whom.
type PhoneMode string

// The phone modes.
const (
	OfficeCalls  PhoneMode = "richiamata" // the office calls the citizen's number
	CitizenCalls PhoneMode = "chiamata"   // the citizen calls the office's number
)

// Resource is a node of the tree: a group (not bookable) or a bookable
// resource with its schedule.
type Resource struct {
	ID          int64            `json:"id"`
	ParentID    int64            `json:"parent_id,omitempty"` // 0 for a root
	Name        string           `json:"name"`
	Bookable    bool             `json:"bookable"`
	Hidden      bool             `json:"hidden,omitempty"`
	Position    int              `json:"position"`
	Description string           `json:"description"`
	Office      string           `json:"office"` // service named on the receipt: "SERVIZIO DEMOGRAFICI"
	Address     string           `json:"address"`
	Latitude    *float64         `json:"latitude"`
	Longitude   *float64         `json:"longitude"`
	Phone       string           `json:"phone"`
	Email       string           `json:"email"`
	Kind        Kind             `json:"kind"`
	PhoneMode   PhoneMode        `json:"phone_mode,omitempty"`
	PhoneNumber string           `json:"phone_number,omitempty"` // number the citizen calls (CitizenCalls)
	Documents   string           `json:"documents"`              // "DOCUMENTI DA PRESENTARE"
	ExtraFields []ExtraField     `json:"extra_fields"`
	Schedule    Schedule         `json:"schedule"`
	Sheet       Sheet            `json:"sheet,omitempty"` // the texts of its scheda servizio
	Waitlist    WaitlistSettings `json:"waitlist"`
}

// ExtraField is a confirmation field defined by a resource.
type ExtraField struct {
	Name     string   `json:"name"`  // key in Booking.Extra
	Label    string   `json:"label"` // Italian label
	Type     string   `json:"type"`  // "text", "choice" or "checkbox"
	Required bool     `json:"required"`
	Options  []string `json:"options,omitempty"` // for "choice"
}

// Schedule is the set of rules that generate a resource's slots.
type Schedule struct {
	SlotMinutes int            `json:"slot_minutes"`
	Capacity    int            `json:"capacity"`  // seats per slot
	MaxSlots    int            `json:"max_slots"` // consecutive slots per booking
	Hours       []OpeningRange `json:"hours"`     // weekly opening ranges, several a day
	// Booking window: a slot is bookable from the later of
	// DaysAhead days before its date (at 00:00) and, when OpenDay is set, day
	// OpenDay of the previous month at OpenTime; and until MinNoticeMinutes
	// before it starts.
	DaysAhead        int   `json:"days_ahead"` // 0: no limit
	OpenDay          int   `json:"open_day"`   // 0: no monthly opening
	OpenTime         Clock `json:"open_time"`
	MinNoticeMinutes int   `json:"min_notice_minutes"`
	HoldMinutes      int   `json:"hold_minutes"` // 0: DefaultHoldMinutes
	// PerPerson is how many future bookings of the resource one codice
	// fiscale may have (e.g. 1 for the identity card); 0: no limit.
	PerPerson int `json:"per_person,omitempty"`
	// Room, when set, is the resource's virtual waiting room for a click
	// day; no slot opens before Room.OpensAt.
	Room *Room `json:"room,omitempty"`
}

// DefaultHoldMinutes is how long a hold lasts unless the resource says otherwise.
const DefaultHoldMinutes = 10

// OpeningRange is an opening range on one day of the week, [Start, End).
type OpeningRange struct {
	Weekday time.Weekday `json:"weekday"` // 0 Sunday … 6 Saturday
	Start   Clock        `json:"start"`
	End     Clock        `json:"end"`
}

// Closure closes a resource (or, with ResourceID 0, the whole Comune) on the
// days From to To inclusive.
type Closure struct {
	ID         int64  `json:"id"`
	ResourceID int64  `json:"resource_id,omitempty"`
	From       Date   `json:"from"`
	To         Date   `json:"to"`
	Reason     string `json:"reason"`
}

// Covers reports whether c closes day d for resource id.
func (c Closure) Covers(id int64, d Date) bool {
	return (c.ResourceID == 0 || c.ResourceID == id) && !d.Before(c.From) && !c.To.Before(d)
}

// Opening is a one-off extra opening of a resource on a date, [Start, End).
type Opening struct {
	ID         int64  `json:"id"`
	ResourceID int64  `json:"resource_id"`
	Date       Date   `json:"date"`
	Start      Clock  `json:"start"`
	End        Clock  `json:"end"`
	Reason     string `json:"reason"`
}

// Validate checks a resource's fields (texts that can be stored) and schedule.
func (r Resource) Validate() error {
	fs := CheckTexts("name", r.Name, "description", r.Description, "office", r.Office, "address", r.Address,
		"phone", r.Phone, "email", r.Email, "phone_number", r.PhoneNumber, "documents", r.Documents)
	if strings.TrimSpace(r.Name) == "" {
		fs = append(fs, FieldError{"name", "Indichi il nome della risorsa."})
	}
	if r.Kind != InPerson && r.Kind != ByPhone {
		fs = append(fs, FieldError{"kind", "Il tipo deve essere «presenza» o «telefonico»."})
	}
	if (r.Latitude == nil) != (r.Longitude == nil) {
		fs = append(fs, FieldError{"latitude", "Indichi sia la latitudine sia la longitudine, o nessuna delle due."})
	}
	if r.Latitude != nil && (*r.Latitude < -90 || *r.Latitude > 90) {
		fs = append(fs, FieldError{"latitude", "La latitudine deve essere tra -90 e 90."})
	}
	if r.Longitude != nil && (*r.Longitude < -180 || *r.Longitude > 180) {
		fs = append(fs, FieldError{"longitude", "La longitudine deve essere tra -180 e 180."})
	}
	fs = append(fs, r.Sheet.validate()...)
	for _, f := range r.ExtraFields {
		if !StorableText(f.Name + f.Label + strings.Join(f.Options, "")) {
			fs = append(fs, FieldError{"extra_fields", TextMessage})
		}
		if f.Name == "" || f.Label == "" {
			fs = append(fs, FieldError{"extra_fields", "Ogni campo aggiuntivo ha un nome e un'etichetta."})
		}
		if f.Type != "text" && f.Type != "choice" && f.Type != "checkbox" {
			fs = append(fs, FieldError{"extra_fields", "Il tipo di un campo aggiuntivo è «text», «choice» o «checkbox»."})
		}
	}
	if r.Bookable {
		fs = append(fs, r.Schedule.validate()...)
	}
	if r.Waitlist.OfferMinutes < 0 || r.Waitlist.OfferMinutes > 24*60 {
		fs = append(fs, FieldError{"offer_minutes", "La durata dell'offerta della lista d'attesa va da 1 a 1440 minuti (0: 60 minuti)."})
	}
	if len(fs) > 0 {
		return Invalid(fs...)
	}
	return nil
}

func (s Schedule) validate() []FieldError {
	var fs []FieldError
	if s.SlotMinutes < 5 || s.SlotMinutes > 24*60 {
		fs = append(fs, FieldError{"slot_minutes", "La durata dello slot deve essere tra 5 minuti e 24 ore."})
	}
	if s.Capacity < 1 || s.Capacity > 1000 {
		fs = append(fs, FieldError{"capacity", "La capienza deve essere tra 1 e 1000 posti."})
	}
	if s.MaxSlots < 1 || s.MaxSlots > 48 {
		fs = append(fs, FieldError{"max_slots", "Il numero massimo di slot consecutivi deve essere tra 1 e 48."})
	}
	for _, h := range s.Hours {
		if h.Weekday < time.Sunday || h.Weekday > time.Saturday || h.Start < 0 || h.End > 24*60 || h.Start >= h.End {
			fs = append(fs, FieldError{"hours", "Ogni fascia oraria ha un giorno della settimana e un orario di inizio precedente a quello di fine."})
			break
		}
	}
	if s.PerPerson < 0 || s.PerPerson > 100 {
		fs = append(fs, FieldError{"per_person", "Le prenotazioni future per codice fiscale devono essere tra 0 (senza limite) e 100."})
	}
	if s.Room != nil {
		fs = append(fs, s.Room.validate()...)
	}
	if s.DaysAhead < 0 || s.OpenDay < 0 || s.OpenDay > 28 || s.MinNoticeMinutes < 0 || s.HoldMinutes < 0 || s.HoldMinutes > 60 {
		fs = append(fs, FieldError{"schedule", "La finestra di prenotazione non è valida: giorni di anticipo e preavviso non negativi, giorno di apertura tra 1 e 28, durata della riserva fino a 60 minuti."})
	}
	return fs
}

// HoldDuration is how long a hold on this schedule lasts.
func (s Schedule) HoldDuration() time.Duration {
	if s.HoldMinutes <= 0 {
		return DefaultHoldMinutes * time.Minute
	}
	return time.Duration(s.HoldMinutes) * time.Minute
}

// Node is a resource with its children, for the tree.
type Node struct {
	Resource
	Children []*Node
}

// Tree arranges resources into a tree ordered by position then name,
// leaving out hidden nodes and their descendants when visibleOnly is set.
func Tree(rs []Resource, visibleOnly bool) []*Node {
	nodes := make(map[int64]*Node, len(rs))
	for _, r := range rs {
		nodes[r.ID] = &Node{Resource: r}
	}
	var roots []*Node
	for _, r := range rs {
		n := nodes[r.ID]
		if visibleOnly && r.Hidden {
			continue // its descendants hang from it and vanish with it
		}
		if p, ok := nodes[r.ParentID]; ok && r.ParentID != 0 {
			p.Children = append(p.Children, n)
		} else {
			roots = append(roots, n)
		}
	}
	sortNodes(roots)
	return roots
}

func sortNodes(ns []*Node) {
	slices.SortStableFunc(ns, func(a, b *Node) int {
		if c := cmp.Compare(a.Position, b.Position); c != 0 {
			return c
		}
		return cmp.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name))
	})
	for _, n := range ns {
		sortNodes(n.Children)
	}
}

// EmailTemplate is the back office's version of the texts of one kind of
// message ("confirmation", "cancellation", "reminder"): Go templates for the
// subject, the plain-text body and the HTML body (the message package's parts). A kind
// without one uses the built-in texts.
type EmailTemplate struct {
	Kind      string
	Subject   string
	Text      string
	HTML      string
	UpdatedBy string
	UpdatedAt time.Time
}
