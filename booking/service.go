package booking

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Options configure a Service.
type Options struct {
	// Now is the application clock for the booking rules (past, window,
	// notice). Expiry of holds is judged by the store's database clock.
	Now func() time.Time
	// HoldDuration, when set, overrides every resource's hold duration.
	HoldDuration time.Duration
	// CheckPerson validates the codice fiscale and the places of an anagrafica.
	CheckPerson PersonChecker
	// ConfigTTL is how long the configuration (settings, tree, closures) is
	// cached before being read again; other instances' changes show in the
	// pages within it. Holds and confirms never trust it: their transactions
	// check its version (see Guard). Default one second.
	ConfigTTL time.Duration
	// Queue keeps the waiting rooms' queues (SPEC §15); nil: no resource
	// has an active room.
	Queue QueueStore
}

// Service holds the booking operations shared by the API and the pages.
type Service struct {
	store Store
	opt   Options

	mu     sync.Mutex
	config *config
}

// config is a snapshot of the Comune's configuration.
type config struct {
	loaded    time.Time
	version   int64
	settings  Settings
	resources map[int64]Resource
	list      []Resource
	calendar  Calendar
}

// PerPage is the page size of a person's bookings.
const PerPage = 10

// NewService returns a Service over store.
func NewService(store Store, opt Options) *Service {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.ConfigTTL == 0 {
		opt.ConfigTTL = time.Second
	}
	return &Service{store: store, opt: opt}
}

// Now returns the service clock.
func (s *Service) Now() time.Time { return s.opt.Now() }

// Store returns the underlying store.
func (s *Service) Store() Store { return s.store }

func (s *Service) snapshot(ctx context.Context) (*config, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.config != nil && time.Since(s.config.loaded) < s.opt.ConfigTTL {
		return s.config, nil
	}
	// The version is read first: a change committed meanwhile makes the
	// snapshot newer than its version, never older, so a Guard built from it
	// fails safe (ErrStale, read again).
	version, err := s.store.ConfigVersion(ctx)
	if err != nil {
		return nil, err
	}
	settings, err := s.store.Settings(ctx)
	if err != nil {
		return nil, err
	}
	list, err := s.store.Resources(ctx)
	if err != nil {
		return nil, err
	}
	today := DateOf(s.opt.Now(), Rome)
	from, to := today.AddDays(-400), today.AddDays(800)
	closures, err := s.store.Closures(ctx, from, to)
	if err != nil {
		return nil, err
	}
	openings, err := s.store.Openings(ctx, from, to)
	if err != nil {
		return nil, err
	}
	c := &config{loaded: time.Now(), version: version, settings: settings, list: list, resources: make(map[int64]Resource, len(list)),
		calendar: Calendar{Settings: settings, Closures: closures, Openings: openings}}
	for _, r := range list {
		c.resources[r.ID] = r
	}
	s.config = c
	return c, nil
}

// Invalidate drops the cached configuration, after a change.
func (s *Service) Invalidate() {
	s.mu.Lock()
	s.config = nil
	s.mu.Unlock()
}

// Settings returns the Comune's settings.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	c, err := s.snapshot(ctx)
	if err != nil {
		return Settings{}, err
	}
	return c.settings, nil
}

// Tree returns the visible resource tree.
func (s *Service) Tree(ctx context.Context) ([]*Node, error) {
	c, err := s.snapshot(ctx)
	if err != nil {
		return nil, err
	}
	return Tree(c.list, true), nil
}

// Resource returns a visible resource (hidden ones, and those under a hidden
// group, are not found).
func (s *Service) Resource(ctx context.Context, id int64) (Resource, error) {
	c, err := s.snapshot(ctx)
	if err != nil {
		return Resource{}, err
	}
	return c.visible(id)
}

func (c *config) visible(id int64) (Resource, error) {
	r, ok := c.resources[id]
	for p := r; ok; p, ok = c.resources[p.ParentID] {
		if p.Hidden {
			ok = false
			break
		}
		if p.ParentID == 0 {
			break
		}
	}
	if !ok {
		return Resource{}, Errorf(ENotFound, "La risorsa richiesta non esiste.")
	}
	return r, nil
}

// Calendar returns the holidays, closures and openings in force.
func (s *Service) Calendar(ctx context.Context) (Calendar, error) {
	c, err := s.snapshot(ctx)
	if err != nil {
		return Calendar{}, err
	}
	return c.calendar, nil
}

// MaxDays is the most days one availability request may ask for.
const MaxDays = 31

// Availability returns days days of a bookable resource from from, as
// viewer sees them.
func (s *Service) Availability(ctx context.Context, resourceID int64, from Date, days int, viewer string) ([]Day, error) {
	if days < 1 || days > MaxDays {
		return nil, Invalid(FieldError{"days", "Il numero di giorni deve essere tra 1 e 31."})
	}
	r, err := s.bookable(ctx, resourceID, "id")
	if err != nil {
		return nil, err
	}
	cal, err := s.Calendar(ctx)
	if err != nil {
		return nil, err
	}
	start, _ := from.At(0, Rome)
	end, _ := from.AddDays(days).At(0, Rome)
	occ, err := s.store.Occupancy(ctx, r.ID, start, end, viewer)
	if err != nil {
		return nil, err
	}
	return Availability(r, cal, from, days, s.opt.Now(), occ), nil
}

// CounterDay returns day of a bookable resource as staff see it at the
// counter (CounterStateAt), hidden resources included.
func (s *Service) CounterDay(ctx context.Context, resourceID int64, day Date) (Day, error) {
	c, err := s.snapshot(ctx)
	if err != nil {
		return Day{}, err
	}
	r, ok := c.resources[resourceID]
	if !ok || !r.Bookable {
		return Day{}, Errorf(ENotFound, "La risorsa richiesta non esiste.")
	}
	start, _ := day.At(0, Rome)
	end, _ := day.AddDays(1).At(0, Rome)
	occ, err := s.store.Occupancy(ctx, r.ID, start, end, "")
	if err != nil {
		return Day{}, err
	}
	return availability(r, c.calendar, day, 1, s.opt.Now(), occ, CounterStateAt)[0], nil
}

func (s *Service) bookable(ctx context.Context, id int64, field string) (Resource, error) {
	c, err := s.snapshot(ctx)
	if err != nil {
		return Resource{}, err
	}
	r, err := c.bookable(id, field)
	if ErrorCode(err) != ENotFound {
		return r, err
	}
	// Perhaps made on another instance since the snapshot: asked for by
	// id, it is looked for in a newer configuration, if there is one.
	version, verr := s.store.ConfigVersion(ctx)
	if verr != nil || version == c.version {
		return r, err
	}
	s.Invalidate()
	if c, err = s.snapshot(ctx); err != nil {
		return Resource{}, err
	}
	return c.bookable(id, field)
}

func (c *config) bookable(id int64, field string) (Resource, error) {
	r, err := c.visible(id)
	if err != nil {
		if ErrorCode(err) == ENotFound {
			return r, &Error{Code: ENotFound, Message: "La risorsa richiesta non esiste.", Fields: []FieldError{{field, "La risorsa indicata non esiste."}}}
		}
		return r, err
	}
	if !r.Bookable {
		return r, Invalid(FieldError{field, "La risorsa indicata è un gruppo: scelga una delle risorse che contiene."})
	}
	return r, nil
}

// HoldRequest asks to hold n consecutive slots from Start.
type HoldRequest struct {
	ResourceID int64
	Start      time.Time
	Slots      int
	Owner      string
	// For is the fruitore's codice fiscale in conto terzi: the owner's
	// previous live hold for the same fruitore is released.
	For string
	// Counter is staff booking at the counter: slots are judged by
	// CounterStateAt (no minimum notice). Only the back office sets it.
	Counter bool
}

// maxStale bounds how many times a request is judged again because the
// configuration changed under it.
const maxStale = 5

// Hold reserves the requested slots for the owner, releasing the owner's
// previous live hold (for the same fruitore). EInvalid when they are not
// slots of the resource or not bookable now; EConflict when a seat is gone.
// The store's transaction checks that the configuration judged by is still
// the one in force.
func (s *Service) Hold(ctx context.Context, req HoldRequest) (Hold, error) {
	if req.Owner == "" {
		return Hold{}, Errorf(EUnauthorized, "Per prenotare è necessario autenticarsi.")
	}
	if err := s.checkAdmission(ctx, req.ResourceID, req.Owner); err != nil {
		return Hold{}, err
	}
	for attempt := 0; ; attempt++ {
		c, err := s.snapshot(ctx)
		if err != nil {
			return Hold{}, err
		}
		h, r, err := s.judgeHold(c, req)
		if err != nil {
			if attempt < maxStale && s.stale(ctx, c) {
				continue
			}
			return Hold{}, err
		}
		// A seat visibly gone is answered from a reader: under a stampede
		// most holds lose, and the writer is kept for those that may win.
		// The claim below stays the authority.
		if full, err := s.visiblyFull(ctx, h, r); err != nil || full {
			if err == nil {
				err = Errorf(EConflict, "Lo slot scelto non è più disponibile: un altro utente lo ha appena prenotato. Ne scelga un altro.")
			}
			return Hold{}, err
		}
		err = s.store.CreateHold(ctx, &h, c.guard(r), s.holdDuration(r))
		if errors.Is(err, ErrStale) && attempt < maxStale {
			s.drop(c)
			continue
		}
		return h, err
	}
}

// visiblyFull reports whether a slot of h has every seat claimed by a live
// hold or booking (other than the owner's own, which a new hold releases).
func (s *Service) visiblyFull(ctx context.Context, h Hold, r Resource) (bool, error) {
	occ, err := s.store.Occupancy(ctx, r.ID, h.Start, h.End, h.Owner)
	if err != nil {
		return false, err
	}
	for _, sl := range h.Slots {
		if o := occ[sl.Start.UnixMilli()]; o.Taken >= r.Schedule.Capacity && !o.Mine {
			return true, nil
		}
	}
	return false, nil
}

// holdDuration is how long a hold on r lasts.
func (s *Service) holdDuration(r Resource) time.Duration {
	if s.opt.HoldDuration > 0 {
		return s.opt.HoldDuration
	}
	return r.Schedule.HoldDuration()
}

// ExtendHold gives owner's live hold more time, once, by its own duration
// (WCAG 2.2.1: the user is warned and may ask for more), keeping the same
// seats, when the Comune allows it (Settings.HoldExtension). EForbidden
// when it does not; otherwise the errors of Store.ExtendHold: ENotFound (no
// such hold of owner's), EGone (expired or confirmed), EConflict (extended
// already).
func (s *Service) ExtendHold(ctx context.Context, holdID, owner string) (Hold, error) {
	c, err := s.snapshot(ctx)
	if err != nil {
		return Hold{}, err
	}
	if !c.settings.HoldExtension() {
		return Hold{}, Errorf(EForbidden, "Il Comune non consente di prolungare il tempo per completare la prenotazione.")
	}
	h, err := s.store.Hold(ctx, holdID)
	if err != nil {
		return Hold{}, err
	}
	if h.Owner != owner {
		return Hold{}, Errorf(ENotFound, "La prenotazione temporanea indicata non esiste.")
	}
	r, ok := c.resources[h.ResourceID]
	if !ok {
		return Hold{}, Errorf(EGone, "La risorsa non è più prenotabile.")
	}
	if h.ExpiresAt, err = s.store.ExtendHold(ctx, holdID, owner, s.holdDuration(r)); err != nil {
		return Hold{}, err
	}
	h.Extended = true
	return h, nil
}

// guard is what the store checks for a request on r judged under c.
func (c *config) guard(r Resource) Guard {
	return Guard{Version: c.version, Capacity: r.Schedule.Capacity, PerPerson: r.Schedule.PerPerson, Offer: r.Terms()}
}

// drop forgets the snapshot c, if it is still the cached one.
func (s *Service) drop(c *config) {
	s.mu.Lock()
	if s.config == c {
		s.config = nil
	}
	s.mu.Unlock()
}

// stale reports, after c refused a request, whether the configuration has
// changed since c was read (then it is dropped): a refusal must not come
// from a cache older than the database.
func (s *Service) stale(ctx context.Context, c *config) bool {
	v, err := s.store.ConfigVersion(ctx)
	if err != nil || v == c.version {
		return false
	}
	s.drop(c)
	return true
}

// judgeHold checks req under the configuration c.
func (s *Service) judgeHold(c *config, req HoldRequest) (Hold, Resource, error) {
	r, err := c.bookable(req.ResourceID, "resource_id")
	if err != nil {
		return Hold{}, r, err
	}
	if req.Slots < 1 || req.Slots > r.Schedule.MaxSlots {
		return Hold{}, r, Invalid(FieldError{"slots", pluralSlots(r.Schedule.MaxSlots)})
	}
	slots, closedBy := SlotsOn(r, c.calendar, DateOf(req.Start, Rome))
	i := 0
	for i < len(slots) && !slots[i].Start.Equal(req.Start) {
		i++
	}
	if i == len(slots) {
		return Hold{}, r, Invalid(FieldError{"start", "L'orario scelto non è l'inizio di uno slot di questa risorsa."})
	}
	if i+req.Slots > len(slots) {
		return Hold{}, r, Invalid(FieldError{"slots", "Gli slot scelti devono essere consecutivi e nello stesso giorno."})
	}
	chosen := slots[i : i+req.Slots]
	for k := 1; k < len(chosen); k++ {
		if !chosen[k].Start.Equal(chosen[k-1].End) {
			return Hold{}, r, Invalid(FieldError{"slots", "Gli slot scelti devono essere consecutivi e nello stesso giorno."})
		}
	}
	now := s.opt.Now()
	stateAt := StateAt
	if req.Counter {
		stateAt = CounterStateAt
	}
	for _, sl := range chosen {
		switch st, _ := stateAt(r, sl, closedBy != "", Occupancy{}, now); st {
		case Closed:
			return Hold{}, r, Invalid(FieldError{"start", "In quel giorno la risorsa è chiusa (" + closedBy + ")."})
		case Past:
			return Hold{}, r, Invalid(FieldError{"start", "Lo slot scelto è passato o troppo vicino: ne scelga uno successivo."})
		case NotYetOpen:
			return Hold{}, r, Invalid(FieldError{"start", "Lo slot scelto non è ancora prenotabile: apre il " + r.Schedule.OpensAt(sl.Start).In(Rome).Format("02/01/2006 alle 15:04") + "."})
		}
	}
	return Hold{ResourceID: r.ID, Owner: req.Owner, For: req.For, Start: chosen[0].Start, End: chosen[len(chosen)-1].End, Slots: chosen}, r, nil
}

func pluralSlots(max int) string {
	if max == 1 {
		return "Per questa risorsa si può prenotare un solo slot alla volta."
	}
	return "Scelga da 1 a " + strconv.Itoa(max) + " slot consecutivi."
}

// Release frees owner's hold at once.
func (s *Service) Release(ctx context.Context, holdID, owner string) error {
	return s.store.ReleaseHold(ctx, holdID, owner)
}

// ConfirmRequest turns a hold into a booking.
type ConfirmRequest struct {
	HoldID      string
	Presentante string // subject of the caller
	// PresentanteNome is the caller's name, when known (see Booking).
	PresentanteNome string
	Fruitore        Person
	Motivazione     string
	Telefono        string
	Nota            string
	Extra           map[string]string
	IdempotencyKey  string
	// LockedCF, when set, is the codice fiscale the fruitore must have
	// (a certified identity, or the one given for conto terzi).
	LockedCF string
	// Counter is staff booking at the counter: the fruitore's email is
	// optional (the receipt is printed on the spot). Only the back office
	// sets it.
	Counter bool
}

// Limits on free text.
const (
	maxMotivazione = 500
	maxNota        = 1000
)

// Confirm validates the request and turns the hold into a booking. The same
// hold, or the same idempotency key, gives the same booking (created false).
func (s *Service) Confirm(ctx context.Context, req ConfirmRequest) (Booking, bool, error) {
	if req.Presentante == "" {
		return Booking{}, false, Errorf(EUnauthorized, "Per prenotare è necessario autenticarsi.")
	}
	if fs := req.texts(); len(fs) > 0 {
		return Booking{}, false, Invalid(fs...)
	}
	if req.HoldID == "" {
		return Booking{}, false, Invalid(FieldError{"hold_id", "Indichi la prenotazione temporanea (hold_id) da confermare."})
	}
	if len(req.IdempotencyKey) > 200 {
		return Booking{}, false, Invalid(FieldError{"Idempotency-Key", "La chiave di idempotenza può avere al massimo 200 caratteri."})
	}
	h, err := s.store.Hold(ctx, req.HoldID)
	if err != nil && ErrorCode(err) != ENotFound {
		return Booking{}, false, err
	}
	if err != nil || h.Owner != req.Presentante {
		return Booking{}, false, &Error{Code: ENotFound, Message: "La prenotazione temporanea indicata non esiste.", Fields: []FieldError{{"hold_id", "La prenotazione temporanea indicata non esiste o non è sua."}}}
	}
	// A retry (double click, timeout) answers the booking already made, even
	// if the form it resent is incomplete.
	if b, found, err := s.store.Replay(ctx, req.Presentante, h.ID, req.IdempotencyKey); found || err != nil {
		return b, false, err
	}
	c, err := s.snapshot(ctx)
	if err != nil {
		return Booking{}, false, err
	}
	r, err := c.fits(h)
	if err != nil && s.stale(ctx, c) {
		if c, err = s.snapshot(ctx); err == nil {
			r, err = c.fits(h)
		}
	}
	if err != nil {
		return Booking{}, false, err
	}
	p := req.Fruitore.Normalize()
	var fs []FieldError
	for _, f := range p.check(DateOf(s.opt.Now(), Rome), !req.Counter) {
		fs = append(fs, FieldError{"fruitore." + f.Field, f.Message})
	}
	if req.LockedCF != "" && p.CodiceFiscale != req.LockedCF {
		fs = append(fs, FieldError{"fruitore.codice_fiscale", "Il codice fiscale del fruitore deve essere " + req.LockedCF + "."})
	}
	if len(fs) == 0 && s.opt.CheckPerson != nil {
		for _, f := range s.opt.CheckPerson(&p) {
			fs = append(fs, FieldError{"fruitore." + f.Field, f.Message})
		}
	}
	mot, tel, nota := strings.TrimSpace(req.Motivazione), strings.TrimSpace(req.Telefono), strings.TrimSpace(req.Nota)
	switch {
	case mot == "":
		fs = append(fs, FieldError{"motivazione", "Il campo Motivazione dell'appuntamento è obbligatorio."})
	case utf8.RuneCountInString(mot) > maxMotivazione:
		fs = append(fs, FieldError{"motivazione", "La motivazione può avere al massimo 500 caratteri."})
	}
	switch {
	case tel == "":
		fs = append(fs, FieldError{"telefono", "Il campo Numero di Telefono è obbligatorio."})
	case PhoneProblem(tel) != "":
		fs = append(fs, FieldError{"telefono", PhoneProblem(tel)})
	}
	if utf8.RuneCountInString(nota) > maxNota {
		fs = append(fs, FieldError{"nota", "La nota può avere al massimo 1000 caratteri."})
	}
	extra, efs := checkExtra(r.ExtraFields, req.Extra)
	fs = append(fs, efs...)
	if len(fs) > 0 {
		return Booking{}, false, Invalid(fs...)
	}
	b := Booking{HoldID: h.ID, ResourceID: r.ID, ResourceName: r.Name, Presentante: req.Presentante, PresentanteNome: strings.ToUpper(strings.TrimSpace(req.PresentanteNome)), Fruitore: p,
		Motivazione: mot, Telefono: tel, Nota: nota, Extra: extra, IdempotencyKey: req.IdempotencyKey}
	for attempt := 0; ; attempt++ {
		created, err := s.store.Confirm(ctx, &b, c.guard(r))
		if !errors.Is(err, ErrStale) || attempt == maxStale {
			return b, created, err
		}
		s.drop(c)
		if c, err = s.snapshot(ctx); err != nil {
			return Booking{}, false, err
		}
		if r, err = c.fits(h); err != nil {
			return Booking{}, false, err
		}
	}
}

// fits returns the resource of h when every slot of h is still an open slot
// of it under c. A closure or a schedule change saved while the hold was
// live: the back office asks about confirmed bookings only, so a hold on a
// slot that is closed or gone must not become one. (A hidden resource still
// takes the bookings of holds made before.)
func (c *config) fits(h Hold) (Resource, error) {
	r, ok := c.resources[h.ResourceID]
	if !ok {
		return r, Errorf(EGone, "Nel frattempo la risorsa scelta è stata eliminata dal Comune.")
	}
	if !holdFits(r, c.calendar, h) {
		return r, Errorf(EGone, "Nel frattempo l'orario scelto è stato chiuso o modificato dal Comune: scelga un altro orario.")
	}
	return r, nil
}

// holdFits reports whether every slot of h is still an open slot of r under
// cal.
func holdFits(r Resource, cal Calendar, h Hold) bool {
	if len(h.Slots) == 0 {
		_, closed := SlotsOn(r, cal, DateOf(h.Start, Rome))
		return closed == ""
	}
	for _, sl := range h.Slots {
		slots, closed := SlotsOn(r, cal, DateOf(sl.Start, Rome))
		if closed != "" || !slices.ContainsFunc(slots, func(x Slot) bool { return x.Start.Equal(sl.Start) && x.End.Equal(sl.End) }) {
			return false
		}
	}
	return true
}

func checkExtra(defs []ExtraField, in map[string]string) (map[string]string, []FieldError) {
	out := map[string]string{}
	var fs []FieldError
	known := map[string]bool{}
	for _, f := range defs {
		known[f.Name] = true
		v := strings.TrimSpace(in[f.Name])
		field := "extra." + f.Name
		switch f.Type {
		case "checkbox":
			switch strings.ToLower(v) {
			case "", "false", "0", "off", "no":
				v = ""
			default:
				v = "sì"
			}
		case "choice":
			if v != "" && !slices.Contains(f.Options, v) {
				fs = append(fs, FieldError{field, "Per «" + f.Label + "» scelga una delle opzioni: " + strings.Join(f.Options, ", ") + "."})
				continue
			}
		default:
			if utf8.RuneCountInString(v) > maxMotivazione {
				fs = append(fs, FieldError{field, "Il campo «" + f.Label + "» può avere al massimo 500 caratteri."})
				continue
			}
		}
		if f.Required && v == "" {
			fs = append(fs, FieldError{field, "Il campo «" + f.Label + "» è obbligatorio."})
			continue
		}
		if v != "" {
			out[f.Name] = v
		}
	}
	for k := range in {
		if !known[k] {
			fs = append(fs, FieldError{"extra." + k, "Questa risorsa non prevede il campo «" + k + "»."})
		}
	}
	return out, fs
}

// Bookings returns page (from 1) of subject's bookings and their total.
func (s *Service) Bookings(ctx context.Context, subject string, page int) ([]Booking, int, error) {
	if subject == "" {
		return nil, 0, Errorf(EUnauthorized, "Per vedere le prenotazioni è necessario autenticarsi.")
	}
	if page < 1 {
		return nil, 0, Invalid(FieldError{"page", "La pagina deve essere un numero da 1 in su."})
	}
	return s.store.Bookings(ctx, subject, PerPage, (page-1)*PerPage)
}

// Booking returns a booking that subject may see; ENotFound otherwise.
func (s *Service) Booking(ctx context.Context, id, subject string) (Booking, error) {
	b, err := s.store.Booking(ctx, id)
	if err != nil {
		return Booking{}, err
	}
	if !b.Visible(subject) {
		return Booking{}, Errorf(ENotFound, "La prenotazione richiesta non esiste.")
	}
	return b, nil
}

// Cancel cancels subject's booking; EConflict when it has already started.
func (s *Service) Cancel(ctx context.Context, id, subject string) (Booking, error) {
	b, err := s.Booking(ctx, id, subject)
	if err != nil {
		return Booking{}, err
	}
	if b.Status == Cancelled {
		return b, nil
	}
	if b, err = s.store.Cancel(ctx, id, ""); err != nil {
		return b, err
	}
	// The freed seats go to the resource's line at once.
	_, _ = s.OfferFree(context.WithoutCancel(ctx), b.ResourceID)
	return b, nil
}

// SaveSettings validates and stores the Comune's settings.
func (s *Service) SaveSettings(ctx context.Context, st Settings) error {
	if err := st.Validate(); err != nil {
		return err
	}
	defer s.Invalidate()
	return s.store.SaveSettings(ctx, st)
}

// CreateResource validates and stores a new node.
func (s *Service) CreateResource(ctx context.Context, r *Resource) error {
	if err := r.Validate(); err != nil {
		return err
	}
	defer s.Invalidate()
	return s.store.CreateResource(ctx, r)
}

// PerPersonLimit is the error of a confirm refused because the fruitore cf
// has max future bookings of the resource already.
func PerPersonLimit(resource, cf string, max int) error {
	n := "una prenotazione futura"
	if max > 1 {
		n = strconv.Itoa(max) + " prenotazioni future"
	}
	return &Error{Code: EInvalid, Message: "Limite di prenotazioni per persona: per «" + resource + "» ogni codice fiscale può avere al massimo " + n + ".",
		Fields: []FieldError{{"fruitore.codice_fiscale", "Il codice fiscale " + cf + " ha già " + n + " per «" + resource +
			"», il massimo stabilito dal Comune: per prenotare un altro appuntamento disdica prima quello già fissato (in «Le mie prenotazioni»)."}}}
}
