package backoffice

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"image"
	_ "image/jpeg" // a logo may be a JPEG
	_ "image/png"  // a logo may be a PNG
	"io"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/httperr"
	"github.com/prenota/prenota/web"
)

// tokensPage lists the integration tokens; New is the token just made,
// shown once.
type tokensPage struct {
	web.Layout
	Admin  bool
	Tokens []auth.Token
	New    string
	Name   string
}

func (s *server) tokens(w http.ResponseWriter, r *http.Request, st *staff) error {
	return s.renderTokens(w, r, "", "")
}

func (s *server) renderTokens(w http.ResponseWriter, r *http.Request, token, name string) error {
	ts, err := s.store.Tokens(r.Context())
	if err != nil {
		return err
	}
	p := tokensPage{Layout: s.layout(r, "Token di integrazione", web.Crumb{Label: "Token di integrazione"}), Admin: true, Tokens: ts, New: token, Name: name}
	if token != "" {
		p.Flash = web.Flash{Kind: "success", Text: "Token creato. Lo copi ora: non sarà più mostrato."}
	}
	return s.render(w, r, "token", p)
}

// HashToken is the hex SHA-256 under which a token is stored.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

func (s *server) createToken(w http.ResponseWriter, r *http.Request, st *staff) error {
	name := strings.TrimSpace(r.PostFormValue("name"))
	scope := r.PostFormValue("scope")
	if name == "" || (scope != auth.TokenRead && scope != auth.TokenBook) {
		return booking.Invalid(booking.FieldError{Field: "name", Message: "Indichi un nome per il token e il suo ambito (lettura o prenotazione)."})
	}
	raw := make([]byte, 32)
	rand.Read(raw)
	token := "prn_" + base64.RawURLEncoding.EncodeToString(raw)
	t := auth.Token{ID: booking.NewID(), Name: name, Scope: scope, CreatedBy: st.Subject, CreatedAt: s.svc.Now()}
	if err := s.store.CreateToken(r.Context(), t, HashToken(token)); err != nil {
		return err
	}
	s.audit(r, AuditTokenCreated, t.ID, name+" ("+scope+")")
	return s.renderTokens(w, r, token, name)
}

func (s *server) revokeToken(w http.ResponseWriter, r *http.Request, st *staff) error {
	id := r.PathValue("tid")
	name := id
	ts, err := s.store.Tokens(r.Context())
	if err != nil {
		return err
	}
	for _, t := range ts {
		if t.ID == id {
			name = t.Name
		}
	}
	if ok, err := s.confirmed(w, r, st, confirmPage{Question: "Revocare il token «" + name + "»? Le applicazioni che lo usano non potranno più accedere.",
		Button: "Sì, revoca «" + name + "»", Back: "/backoffice/token"}); !ok {
		return err
	}
	if err := s.store.RevokeToken(r.Context(), id, s.svc.Now()); err != nil {
		return err
	}
	s.audit(r, AuditTokenRevoked, id, name)
	return s.redirect(w, r, "/backoffice/token", "success", "Il token è stato revocato.")
}

// TokenLookup finds a valid integration token and records its use; the SQL
// store implements it.
type TokenLookup interface {
	TokenByHash(ctx context.Context, hash string) (auth.Token, error)
	TouchToken(ctx context.Context, id string, now time.Time, every time.Duration) error
}

// TokenUseEvery is how stale a token's recorded last use may be: a token
// in use writes it at most once a minute, not on every request.
const TokenUseEvery = time.Minute

// Authenticate returns the integration token for the bearer token given in
// an Authorization header: EUnauthorized when it is unknown or revoked. It
// records the token's use at now when the last one recorded is older than
// TokenUseEvery (a failure to record it does not refuse the request).
func Authenticate(ctx context.Context, store TokenLookup, bearer string, now time.Time) (auth.Token, error) {
	t, err := store.TokenByHash(ctx, HashToken(strings.TrimSpace(bearer)))
	if err != nil {
		if booking.ErrorCode(err) == booking.ENotFound {
			return t, booking.Errorf(booking.EUnauthorized, "Token di integrazione non valido.")
		}
		return t, err
	}
	if !t.RevokedAt.IsZero() {
		return t, booking.Errorf(booking.EUnauthorized, "Il token di integrazione è stato revocato.")
	}
	if now.Sub(t.LastUsed) >= TokenUseEvery {
		if err := store.TouchToken(ctx, t.ID, now, TokenUseEvery); err != nil {
			slog.Warn("integration token: last use not recorded", "token", t.ID, "err", err)
		} else {
			t.LastUsed = now
		}
	}
	return t, nil
}

// TokenIdentity is the identity of requests made with an integration
// token: subject "token:<id>", method "token". Its bookings are its own.
func TokenIdentity(t auth.Token) auth.Identity {
	return auth.Identity{Subject: "token:" + t.ID, Nome: t.Name, Method: "token", Login: "token:" + t.Name}
}

// TokenAuth wraps the API: a request with "Authorization: Bearer <token>"
// runs as the token's identity (TokenIdentity); an unknown or revoked
// token is refused with 401, and a read-scoped token may only GET (403
// otherwise). Requests without the header pass unchanged. Mount it inside
// the session middleware, so that it takes precedence over a cookie. now
// is the clock of the token's last use (nil: time.Now).
func TokenAuth(store TokenLookup, now func() time.Time) func(http.Handler) http.Handler {
	if now == nil {
		now = time.Now
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := r.Header.Get("Authorization")
			scheme, bearer, ok := strings.Cut(h, " ")
			if h == "" || !ok || !strings.EqualFold(scheme, "Bearer") {
				next.ServeHTTP(w, r)
				return
			}
			t, err := Authenticate(r.Context(), store, bearer, now())
			if err != nil {
				httperr.Write(w, httperr.ProblemOf(err))
				return
			}
			if t.Scope != auth.TokenBook && r.Method != http.MethodGet && r.Method != http.MethodHead {
				httperr.Write(w, httperr.ProblemOf(booking.Errorf(booking.EForbidden, "Questo token è di sola lettura: non può prenotare né annullare.")))
				return
			}
			next.ServeHTTP(w, r.WithContext(auth.WithIdentity(r.Context(), TokenIdentity(t))))
		})
	}
}

// textsPage edits the Comune's texts and contacts, and its logo.
type textsPage struct {
	web.Layout
	Admin  bool
	S      booking.Settings
	Errors []booking.FieldError
	// Retention is the retention period as typed, shown again after an
	// error; "" shows S.Retention().
	Retention string
}

// RetentionValue is the value of the retention field.
func (p textsPage) RetentionValue() string {
	if p.Retention != "" {
		return p.Retention
	}
	return strconv.Itoa(p.S.Retention())
}

// Err is the message of the field's error, "" when it has none.
func (p textsPage) Err(field string) string {
	for _, e := range p.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

func (s *server) texts(w http.ResponseWriter, r *http.Request, st *staff) error {
	set, err := s.store.Settings(r.Context())
	if err != nil {
		return err
	}
	return s.render(w, r, "testi", textsPage{Layout: s.textsLayout(r), Admin: true, S: set})
}

func (s *server) textsLayout(r *http.Request) web.Layout {
	return s.layout(r, "Testi e contatti", web.Crumb{Label: "Testi e contatti"})
}

// logoLabel names the logo field in its error messages.
const logoLabel = "Stemma o logo del Comune"

// saveTexts saves the texts form: a multipart form, for the logo (a new
// file replaces the logo, "Rimuovi il logo" removes it, no file keeps it).
// Invalid fields show the form again with the values sent (422).
func (s *server) saveTexts(w http.ResponseWriter, r *http.Request, st *staff) error {
	set, err := s.store.Settings(r.Context())
	if err != nil {
		return err
	}
	r.Body = http.MaxBytesReader(w, r.Body, 2<<20)
	if err := r.ParseMultipartForm(1 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		var tooBig *http.MaxBytesError
		if !errors.As(err, &tooBig) {
			return booking.Invalid(booking.FieldError{Field: "logo", Message: "Il modulo inviato non è valido. Riprovi."})
		}
		// The form was cut short: show the stored values again.
		p := textsPage{Layout: s.textsLayout(r), Admin: true, S: set,
			Errors: []booking.FieldError{{Field: "logo", Message: logoLabel + ": il file supera i 200 KB."}}}
		p.Flash = web.Flash{Kind: "danger", Text: "Controlli i campi indicati."}
		return s.render(w, r, "testi", p, http.StatusUnprocessableEntity)
	}
	var errs []booking.FieldError
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	set.Name, set.Province, set.Welcome = f("name"), f("province"), strings.ReplaceAll(r.PostFormValue("welcome"), "\r\n", "\n")
	set.Phone, set.Email, set.Address = f("phone"), f("email"), f("address")
	set.NoReply, set.ReplyTo, set.PrivacyURL, set.A11yURL = f("no_reply"), f("reply_to"), f("privacy_url"), f("a11y_url")
	set.PatronName = f("patron_name")
	if _, ok := r.PostForm["main_url"]; ok { // a form without the site's fields keeps them
		set.Site = parseSite(f)
	}
	if d, err := booking.ParseItalianDate(f("patron_day") + "/2000"); err == nil {
		set.PatronDay, set.PatronMonth = d.Day, d.Month
	} else if f("patron_day") == "" {
		set.PatronDay, set.PatronMonth = 0, 0
	} else {
		errs = append(errs, booking.FieldError{Field: "patron_day", Message: "Il giorno del santo patrono si scrive come 29/09."})
	}
	// The retention period (GDPR): a form without the field keeps the stored
	// one; 0 is refused, since retention cannot be switched off.
	retention, retentionNote := "", ""
	if _, ok := r.PostForm["retention_months"]; ok {
		retention = f("retention_months")
		n, err := strconv.Atoi(retention)
		if err != nil || n < booking.MinRetentionMonths || n > booking.MaxRetentionMonths {
			errs = append(errs, booking.FieldError{Field: "retention_months", Message: booking.RetentionMessage})
		} else {
			if n != set.Retention() {
				retentionNote = " (conservazione dei dati personali: " + strconv.Itoa(n) + " mesi)"
			}
			set.RetentionMonths = n
		}
	}
	// "Prolunga": a form without the field keeps the stored choice.
	if f("hold_extension_form") != "" {
		set.NoHoldExtension = f("hold_extension") == ""
	}
	logo := ""
	if r.PostFormValue("remove_logo") != "" {
		if len(set.Logo) > 0 {
			logo = " (logo rimosso)"
		}
		set.Logo = nil
	} else {
		data, err := uploadedLogo(r)
		if err != nil {
			errs = append(errs, booking.FieldError{Field: "logo", Message: err.Error()})
		} else if data != nil {
			set.Logo, logo = data, " (logo aggiornato)"
		}
	}
	if len(errs) == 0 {
		err = s.svc.SaveSettings(r.Context(), set)
		if booking.ErrorCode(err) == booking.EInvalid {
			errs = booking.ErrorFields(err)
			if len(errs) == 0 {
				errs = []booking.FieldError{{Field: "name", Message: booking.ErrorMessage(err)}}
			}
		} else if err != nil {
			return err
		}
	}
	if len(errs) > 0 {
		if stored, err := s.store.Settings(r.Context()); err == nil {
			set.Logo = stored.Logo // the page shows the logo in use
		}
		p := textsPage{Layout: s.textsLayout(r), Admin: true, S: set, Errors: errs, Retention: retention}
		p.Flash = web.Flash{Kind: "danger", Text: "Controlli i campi indicati."}
		return s.render(w, r, "testi", p, http.StatusUnprocessableEntity)
	}
	s.audit(r, AuditSettingsUpdated, "settings", set.Name+logo+retentionNote)
	return s.redirect(w, r, "/backoffice/testi", "success", "Testi e contatti salvati.")
}

// uploadedLogo returns the file of the form's "logo" field, nil when none
// was chosen, or an error naming the field when it is not a PNG or JPEG
// image (by its content, not its name) of at most 200 KB.
func uploadedLogo(r *http.Request) ([]byte, error) {
	file, _, err := r.FormFile("logo")
	if errors.Is(err, http.ErrMissingFile) || errors.Is(err, http.ErrNotMultipart) {
		return nil, nil
	}
	if err != nil {
		return nil, errors.New(logoLabel + ": il file non si può leggere. Riprovi.")
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, booking.MaxLogoSize+1))
	switch {
	case err != nil:
		return nil, errors.New(logoLabel + ": il file non si può leggere. Riprovi.")
	case len(data) == 0:
		return nil, errors.New(logoLabel + ": il file scelto è vuoto.")
	case len(data) > booking.MaxLogoSize:
		return nil, errors.New(logoLabel + ": il file supera i 200 KB.")
	}
	ct := http.DetectContentType(data)
	if ct != "image/png" && ct != "image/jpeg" {
		return nil, errors.New(logoLabel + ": il file deve essere un'immagine PNG o JPEG.")
	}
	if _, _, err := image.DecodeConfig(bytes.NewReader(data)); err != nil {
		return nil, errors.New(logoLabel + ": l'immagine è danneggiata o incompleta.")
	}
	return data, nil
}

// operatorsPage lists the staff and the resources of each operatore.
type operatorsPage struct {
	web.Layout
	Admin    bool
	Staff    []staffRow
	Rows     []treeRow
	Errors   []booking.FieldError
	Form     map[string]string
	Password string
}

// Err is the message of the field's error, "" when it has none.
func (p operatorsPage) Err(field string) string {
	for _, e := range p.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// Field returns the input name of the new account's form, labelled label.
func (p operatorsPage) Field(name, id, label, typ string) formField {
	return formField{Name: name, ID: id, Label: label, Type: typ, Value: p.Form[name], Err: p.Err(name)}
}

type staffRow struct {
	auth.User
	Assigned map[int64]bool
}

func (s *server) operators(w http.ResponseWriter, r *http.Request, st *staff) error {
	p, err := s.operatorsData(r, st)
	if err != nil {
		return err
	}
	return s.render(w, r, "operatori", p)
}

func (s *server) operatorsData(r *http.Request, st *staff) (operatorsPage, error) {
	p := operatorsPage{Layout: s.layout(r, "Personale e risorse", web.Crumb{Label: "Personale e risorse"}), Admin: true,
		Rows: flatten(booking.Tree(st.all, false)), Form: map[string]string{}}
	users, err := s.store.Staff(r.Context())
	if err != nil {
		return p, err
	}
	as, err := s.store.Assignments(r.Context())
	if err != nil {
		return p, err
	}
	for _, u := range users {
		row := staffRow{User: u, Assigned: map[int64]bool{}}
		for _, id := range as[u.Login] {
			row.Assigned[id] = true
		}
		p.Staff = append(p.Staff, row)
	}
	return p, nil
}

func (s *server) addOperator(w http.ResponseWriter, r *http.Request, st *staff) error {
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	role, _ := auth.ParseRole(f("role"))
	if role == auth.RoleTerzo {
		role = ""
	}
	u, err := auth.NewUser(f("login"), f("name"), f("email"), f("codice_fiscale"), role, r.PostFormValue("password"))
	if err == nil {
		// A codice fiscale maps a SPID or CIE login to one account only.
		var other string
		if other, err = s.store.CFOwner(r.Context(), u.CodiceFiscale, u.Login); err == nil && other != "" {
			err = &booking.Error{Code: booking.EConflict, Message: "Il codice fiscale è già di un altro account.",
				Fields: []booking.FieldError{{Field: "codice_fiscale", Message: "Codice fiscale: appartiene già all'account «" + other + "»."}}}
		}
	}
	if err == nil {
		err = s.cfg.Accounts.AddUser(r.Context(), u, st.Subject)
	}
	if err != nil {
		if c := booking.ErrorCode(err); c != booking.EInvalid && c != booking.EConflict {
			return err
		}
		p, err2 := s.operatorsData(r, st)
		if err2 != nil {
			return err2
		}
		p.Errors = booking.ErrorFields(err)
		if len(p.Errors) == 0 {
			p.Errors = []booking.FieldError{{Field: "login", Message: booking.ErrorMessage(err)}}
		}
		for _, k := range []string{"login", "name", "email", "codice_fiscale", "role"} {
			p.Form[k] = f(k)
		}
		p.Flash = web.Flash{Kind: "danger", Text: "Controlli i campi indicati."}
		return s.render(w, r, "operatori", p, http.StatusUnprocessableEntity)
	}
	return s.redirect(w, r, "/backoffice/operatori", "success", "L'account «"+u.Login+"» ("+string(u.Role)+") è stato creato.")
}

func (s *server) assign(w http.ResponseWriter, r *http.Request, st *staff) error {
	login := r.PathValue("login")
	if _, err := s.store.UserByLogin(r.Context(), login); err != nil {
		return err
	}
	r.ParseForm()
	var ids []int64
	for _, v := range r.PostForm["risorsa"] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && slices.ContainsFunc(st.all, func(x booking.Resource) bool { return x.ID == id }) {
			ids = append(ids, id)
		}
	}
	if err := s.store.SetAssignments(r.Context(), login, ids); err != nil {
		return err
	}
	names := make([]string, len(ids))
	pp := paths(st.all)
	for i, id := range ids {
		names[i] = pp[id]
	}
	s.audit(r, AuditAssignmentsUpdate, login, strings.Join(names, "; "))
	return s.redirect(w, r, "/backoffice/operatori", "success", "Risorse di «"+login+"» salvate.")
}

// parseSite reads the fields of "Sito del Comune": the main site's links,
// the disservizio report and the other services, one a line as
// "Nome | https://… | Descrizione | Gruppo" (the last two optional).
func parseSite(f func(string) string) booking.Site {
	site := booking.Site{MainURL: f("main_url"), ManagementURL: f("management_url"), NewsURL: f("news_url"),
		LiveURL: f("live_url"), Report: f("report")}
	for _, line := range strings.Split(f("external_services"), "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		parts := strings.Split(line, "|")
		for len(parts) < 4 {
			parts = append(parts, "")
		}
		for i := range parts {
			parts[i] = strings.TrimSpace(parts[i])
		}
		site.Services = append(site.Services, booking.ExternalCard{Name: parts[0], URL: parts[1], Description: parts[2], Group: strings.Join(parts[3:], " ")})
	}
	return site
}
