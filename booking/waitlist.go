package booking

import (
	"context"
	"net/mail"
	"strconv"
	"strings"
	"time"
)

// WaitState is the state of a waitlist entry.
type WaitState string

// The states of a waitlist entry. A waiting entry is in line; an offered one
// holds a seat for its citizen (Offer); a lapsed one let its offer expire and
// is out of the line (the citizen may join again).
const (
	Waiting WaitState = "waiting"
	Offered WaitState = "offered"
	Lapsed  WaitState = "lapsed"
)

// DefaultOfferMinutes is how long an offer lasts unless the resource says
// otherwise.
const DefaultOfferMinutes = 60

// WaitlistSettings are a resource's waitlist settings (SPEC §16).
type WaitlistSettings struct {
	Off          bool `json:"off,omitempty"`           // no waitlist for this resource
	OfferMinutes int  `json:"offer_minutes,omitempty"` // 0: DefaultOfferMinutes
}

// TimeRange is a range of times of day, [From, To).
type TimeRange struct {
	From Clock `json:"from"`
	To   Clock `json:"to"`
}

// WaitEntry is a citizen's place in a resource's waitlist: any seat of a
// slot on the days From to To (inclusive) and, when Times is set, within one
// of those times of day, is offered to the first entry in line it suits.
type WaitEntry struct {
	ID         int64
	ResourceID int64
	Subject    string // the identity that waits
	For        string // the fruitore's codice fiscale in conto terzi, else ""
	Email      string // where the offer is sent ("": no email, App IO and the pages only)
	From, To   Date
	Times      []TimeRange
	CreatedAt  time.Time
	State      WaitState
	Position   int // 1 for the first in line; 0 when lapsed
	Offers     int // offers made to this entry
	// The outstanding offer of an Offered entry: a hold of Subject's.
	HoldID     string
	Start, End time.Time
	ExpiresAt  time.Time
}

// Suits reports whether the slot sl is one e waits for.
func (e WaitEntry) Suits(sl Slot) bool {
	d := DateOf(sl.Start, Rome)
	if d.Before(e.From) || e.To.Before(d) {
		return false
	}
	if len(e.Times) == 0 {
		return true
	}
	s := sl.Start.In(Rome)
	start := Clock(s.Hour()*60 + s.Minute())
	end := start + Clock(sl.End.Sub(sl.Start)/time.Minute)
	for _, t := range e.Times {
		if start >= t.From && end <= t.To {
			return true
		}
	}
	return false
}

// OfferTerms say how a resource's freed seats are offered to its line:
// Period 0 means the waitlist is off. An offer ends at the earlier of the
// period and Notice before the slot starts; a slot too close for any offer
// is not offered.
type OfferTerms struct {
	Capacity int
	Period   time.Duration
	Notice   time.Duration
}

// Terms returns r's offer terms.
func (r Resource) Terms() OfferTerms {
	t := OfferTerms{Capacity: r.Schedule.Capacity, Notice: time.Duration(r.Schedule.MinNoticeMinutes) * time.Minute}
	if !r.Waitlist.Off {
		t.Period = DefaultOfferMinutes * time.Minute
		if r.Waitlist.OfferMinutes > 0 {
			t.Period = time.Duration(r.Waitlist.OfferMinutes) * time.Minute
		}
	}
	return t
}

// Expiry returns when an offer of the slot starting at start, made at now,
// ends; ok is false when the waitlist is off or the slot is too close.
func (t OfferTerms) Expiry(start, now time.Time) (time.Time, bool) {
	if t.Period <= 0 {
		return time.Time{}, false
	}
	end := now.Add(t.Period)
	if last := start.Add(-t.Notice); last.Before(end) {
		end = last
	}
	return end, end.After(now)
}

// OfferPath is the citizen pages' address of the offer of hold id: the
// email's link, which lands on the confirmation of that hold.
func OfferPath(holdID string) string { return "/lista-attesa/offerta/" + holdID }

// Offer is an offer made to a waitlist entry, for the outbox's message.
type Offer struct {
	EntryID    int64  `json:"entry_id"`
	HoldID     string `json:"hold_id"`
	ResourceID int64  `json:"resource_id"`
	Email      string `json:"email"`
	// CodiceFiscale is whom App IO tells: the fruitore's, or the subject's.
	CodiceFiscale string    `json:"codice_fiscale,omitempty"`
	Start         time.Time `json:"start"`
	End           time.Time `json:"end"`
	ExpiresAt     time.Time `json:"expires_at"`
}

// JoinRequest asks to wait for a seat of a resource.
type JoinRequest struct {
	ResourceID int64
	Subject    string
	For        string
	Email      string
	From, To   Date // zero: the booking window (today to the last day with slots open)
	Times      []TimeRange
}

// maxWaitDays bounds the range of days of an entry.
const maxWaitDays = 366

// JoinWaitlist puts the caller in a resource's line. EInvalid names the
// field at fault; EConflict when the caller (for the same fruitore) is in
// that line already.
func (s *Service) JoinWaitlist(ctx context.Context, req JoinRequest) (WaitEntry, error) {
	if req.Subject == "" {
		return WaitEntry{}, Errorf(EUnauthorized, "Per mettersi in lista d'attesa è necessario autenticarsi.")
	}
	r, err := s.bookable(ctx, req.ResourceID, "resource_id")
	if err != nil {
		return WaitEntry{}, err
	}
	if r.Waitlist.Off {
		return WaitEntry{}, Invalid(FieldError{"resource_id", "Per questa risorsa il Comune non ha attivato la lista d'attesa."})
	}
	today := DateOf(s.opt.Now(), Rome)
	if req.From.IsZero() {
		req.From = today
	}
	if req.To.IsZero() {
		req.To = today.AddDays(30)
		if r.Schedule.DaysAhead > 0 {
			req.To = today.AddDays(r.Schedule.DaysAhead)
		}
	}
	var fs []FieldError
	fs = append(fs, CheckTexts("email", req.Email)...)
	email := strings.TrimSpace(req.Email)
	if a, err := mail.ParseAddress(email); email != "" && (err != nil || a.Address != email || !strings.Contains(email, ".")) {
		fs = append(fs, FieldError{"email", "Indichi un indirizzo email valido (per esempio nome@esempio.it): vi arriverà l'avviso del posto libero."})
	}
	switch {
	case req.From.Before(today):
		fs = append(fs, FieldError{"from", "La data di inizio non può essere passata."})
	case req.To.Before(req.From):
		fs = append(fs, FieldError{"to", "La data di fine deve essere uguale o successiva a quella di inizio."})
	case req.From.AddDays(maxWaitDays).Before(req.To):
		fs = append(fs, FieldError{"to", "L'intervallo può essere al massimo di un anno."})
	}
	for i, t := range req.Times {
		if t.From < 0 || t.To > 24*60 || t.To <= t.From {
			fs = append(fs, FieldError{"times[" + strconv.Itoa(i) + "]", "L'orario di fine deve essere successivo a quello di inizio (formato HH:MM)."})
		}
	}
	if len(req.Times) > 4 {
		fs = append(fs, FieldError{"times", "Indichi al massimo quattro fasce orarie."})
	}
	if len(fs) > 0 {
		return WaitEntry{}, Invalid(fs...)
	}
	e := WaitEntry{ResourceID: r.ID, Subject: req.Subject, For: req.For, Email: email, From: req.From, To: req.To, Times: req.Times}
	if err := s.store.JoinWaitlist(ctx, &e); err != nil {
		return WaitEntry{}, err
	}
	// The seats already free in the range go to the line now (this entry
	// may be first).
	if _, err := s.OfferFree(ctx, r.ID); err != nil {
		return e, err
	}
	return s.entry(ctx, req.Subject, e.ID)
}

func (s *Service) entry(ctx context.Context, subject string, id int64) (WaitEntry, error) {
	es, err := s.store.Waitlist(ctx, subject)
	if err != nil {
		return WaitEntry{}, err
	}
	for _, e := range es {
		if e.ID == id {
			return e, nil
		}
	}
	return WaitEntry{}, Errorf(ENotFound, "La richiesta di lista d'attesa indicata non esiste.")
}

// Waitlist returns subject's entries, with their positions and offers.
func (s *Service) Waitlist(ctx context.Context, subject string) ([]WaitEntry, error) {
	if subject == "" {
		return nil, Errorf(EUnauthorized, "Per vedere le liste d'attesa è necessario autenticarsi.")
	}
	return s.store.Waitlist(ctx, subject)
}

// ResourceWaitlist returns a resource's line, for the back office.
func (s *Service) ResourceWaitlist(ctx context.Context, resourceID int64) ([]WaitEntry, error) {
	return s.store.ResourceWaitlist(ctx, resourceID)
}

// LeaveWaitlist removes entry id (subject's, or any when subject is "" for
// the back office); an outstanding offer is released to the next in line in
// the same transaction. ENotFound when there is no such entry.
func (s *Service) LeaveWaitlist(ctx context.Context, id int64, subject string) (WaitEntry, error) {
	return s.store.LeaveWaitlist(ctx, id, subject, func(resourceID int64) OfferTerms {
		c, err := s.snapshot(ctx)
		if err != nil {
			return OfferTerms{}
		}
		return c.resources[resourceID].Terms()
	})
}

// OfferFree offers the free seats of a resource's open slots, in the days its
// line waits for, to the line, and ends the offers that lapsed; it returns
// the offers made. Cancellations offer their seats in their own transaction;
// this is for what frees seats otherwise (a capacity increase, a new
// opening or schedule, an expired hold or offer), run by the changes and by
// a job every few seconds.
func (s *Service) OfferFree(ctx context.Context, resourceID int64) ([]Offer, error) {
	c, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	r, ok := c.resources[resourceID]
	if !ok || !r.Bookable {
		return nil, nil
	}
	from, to, ok, err := s.store.WaitingDays(ctx, resourceID)
	if err != nil || !ok {
		return nil, err
	}
	now := s.opt.Now()
	if today := DateOf(now, Rome); from.Before(today) {
		from = today
	}
	if to.Before(from) {
		return nil, nil
	}
	start, _ := from.At(0, Rome)
	end, _ := to.AddDays(1).At(0, Rome)
	occ, err := s.store.Occupancy(ctx, r.ID, start, end, "")
	if err != nil {
		return nil, err
	}
	var free []Slot
	for d := from; !to.Before(d); d = d.AddDays(1) {
		slots, closedBy := SlotsOn(r, c.calendar, d)
		for _, sl := range slots {
			if st, _ := StateAt(r, sl, closedBy != "", occ[sl.Start.UnixMilli()], now); st == Free {
				free = append(free, sl)
			}
		}
	}
	return s.store.OfferSlots(ctx, r.ID, free, r.Terms())
}

// OfferAll runs OfferFree for every resource with a line.
func (s *Service) OfferAll(ctx context.Context) (int, error) {
	ids, err := s.store.WaitingResources(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		o, err := s.OfferFree(ctx, id)
		if err != nil {
			return n, err
		}
		n += len(o)
	}
	return n, nil
}

// offerAfter offers to its line the seats a change of the resource may
// have freed (more seats, new slots). Until it runs a hold on them offers
// them to the line first (Guard.Offer); a failure is made good by the job.
func (s *Service) offerAfter(ctx context.Context, resourceID int64) {
	_, _ = s.OfferFree(context.WithoutCancel(ctx), resourceID)
}

// Offer returns the live hold of an offer made to subject, for the
// confirmation step; ENotFound when it is no hold of subject's, EGone when
// it ran out or was confirmed already.
func (s *Service) Offer(ctx context.Context, holdID, subject string) (Hold, error) {
	h, err := s.store.Hold(ctx, holdID)
	if err != nil || h.Owner != subject || subject == "" {
		return Hold{}, Errorf(ENotFound, "Il posto offerto non esiste o non è suo.")
	}
	es, err := s.store.Waitlist(ctx, subject)
	if err != nil {
		return Hold{}, err
	}
	for _, e := range es {
		if e.State == Offered && e.HoldID == holdID {
			return h, nil
		}
	}
	return Hold{}, Errorf(EGone, "L'offerta del posto non è più valida: il tempo per confermarla è scaduto, oppure ha già prenotato o rinunciato.")
}
