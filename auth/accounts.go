package auth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/codicefiscale"
)

// AccountsConfig configures NewAccounts.
type AccountsConfig struct {
	Sessions *Manager
	// Store keeps accounts, failure counters, reset tokens and the audit
	// log (sqlstore.Store).
	Store Store
	// BaseURL is the public URL, for the link in password reset emails.
	BaseURL string
	// Demo enables the demo identity provider (/auth/demo).
	Demo bool
	// Limits are the request limits; nil or disabled limits nothing.
	Limits  *RateLimits
	Lockout Lockout
	// ResetTTL is how long a password reset link works; default 30 minutes.
	ResetTTL time.Duration
	// Providers lists the login methods for GET /auth/providers and the
	// pages of this package; nil lists password and demo only.
	Providers func(next string) []Provider
	Now       func() time.Time
	Logger    *slog.Logger
	// Frame shows the pages of the identity routes in the site's layout;
	// nil shows them on plain pages.
	Frame Frame
}

// Accounts is login with credentials, logout, "Recupera password", the
// demo identity provider, conto terzi and the audit of all of it. The SAML
// and OIDC packages finish their logins through it (Accounts.Login).
type Accounts struct {
	cfg AccountsConfig
	log *slog.Logger
}

// NewAccounts returns the accounts service.
func NewAccounts(cfg AccountsConfig) *Accounts {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.ResetTTL <= 0 {
		cfg.ResetTTL = 30 * time.Minute
	}
	cfg.Lockout = cfg.Lockout.withDefaults()
	cfg.BaseURL = strings.TrimSuffix(cfg.BaseURL, "/")
	log := cfg.Logger
	if log == nil {
		log = slog.Default()
	}
	return &Accounts{cfg: cfg, log: log}
}

// Sessions returns the session manager.
func (a *Accounts) Sessions() *Manager { return a.cfg.Sessions }

// Limits returns the request limits (possibly disabled, never nil).
func (a *Accounts) Limits() *RateLimits {
	if a.cfg.Limits == nil {
		return &RateLimits{}
	}
	return a.cfg.Limits
}

// Audit writes e to the audit log, filling At when zero. A failure is
// logged and returned.
func (a *Accounts) Audit(ctx context.Context, e AuditEntry) error {
	if e.At.IsZero() {
		e.At = a.cfg.Now()
	}
	if a.cfg.Store == nil {
		return nil
	}
	if err := a.cfg.Store.Audit(ctx, e); err != nil {
		a.log.Error("audit log", "action", e.Action, "actor", e.Actor, "err", err)
		return err
	}
	return nil
}

// Login starts a session for id under a new session token and writes the
// login to the audit log. Every login method ends here.
func (a *Accounts) Login(r *http.Request, id Identity) error {
	id.At = a.cfg.Now()
	if err := a.cfg.Sessions.Login(r.Context(), id); err != nil {
		return booking.Internal(err)
	}
	a.Audit(r.Context(), AuditEntry{Actor: id.Subject, Action: AuditLogin, Target: id.Subject, IP: ClientIP(r), Method: id.Method, Detail: id.IdP})
	return nil
}

// LoginFailed writes a failed login to the audit log.
func (a *Accounts) LoginFailed(r *http.Request, method, target, detail string) {
	a.Audit(r.Context(), AuditEntry{Action: AuditLoginFailed, Target: target, IP: ClientIP(r), Method: method, Detail: detail})
}

// Logout ends r's session server-side and writes it to the audit log.
func (a *Accounts) Logout(r *http.Request) error {
	if id, ok := Current(r.Context()); ok {
		a.Audit(r.Context(), AuditEntry{Actor: id.Subject, Action: AuditLogout, Target: id.Subject, IP: ClientIP(r), Method: id.Method})
	}
	return a.cfg.Sessions.Logout(r.Context())
}

var errBadCredentials = booking.Errorf(booking.EUnauthorized, "Identificativo utente o password non corretti.")

// Authenticate checks login and password from ip. It returns the account's
// identity, EUnauthorized for wrong credentials (or a disabled account),
// or a *LimitError while the account or the address is locked out after
// too many failures (see Lockout). Failures and lockouts are audited.
func (a *Accounts) Authenticate(ctx context.Context, login, password, ip string) (Identity, error) {
	if a.cfg.Store == nil {
		return Identity{}, errBadCredentials
	}
	lo := a.cfg.Lockout
	now := a.cfg.Now()
	login = strings.ToLower(strings.TrimSpace(login))
	accKey, ipKey := "account:"+login, "ip:"+ip
	for _, k := range []struct {
		key       string
		threshold int
	}{{accKey, lo.AccountThreshold}, {ipKey, lo.IPThreshold}} {
		n, last, err := a.cfg.Store.LoginFailures(ctx, k.key)
		if err != nil {
			return Identity{}, err
		}
		if now.Sub(last) >= lo.ResetAfter {
			continue
		}
		if until := lo.until(n, k.threshold, last); now.Before(until) {
			a.Audit(ctx, AuditEntry{At: now, Action: AuditLoginLocked, Target: login, IP: ip, Method: "password"})
			return Identity{}, lockedError(until, now)
		}
	}
	u, err := a.cfg.Store.UserByLogin(ctx, login)
	ok := false
	switch {
	case err == nil:
		ok, err = VerifyPassword(password, u.PasswordHash)
		if err != nil {
			a.log.Error("password hash", "login", login, "err", err)
		}
		ok = ok && !u.Disabled
	case booking.ErrorCode(err) == booking.ENotFound:
		VerifyPassword(password, dummyHash) // same time as a wrong password
	default:
		return Identity{}, err
	}
	if !ok {
		a.Audit(ctx, AuditEntry{At: now, Action: AuditLoginFailed, Target: login, IP: ip, Method: "password"})
		var lockErr error
		for _, k := range []struct {
			key       string
			threshold int
		}{{accKey, lo.AccountThreshold}, {ipKey, lo.IPThreshold}} {
			n, err := a.cfg.Store.AddLoginFailure(ctx, k.key, now, lo.ResetAfter)
			if err != nil {
				return Identity{}, err
			}
			if until := lo.until(n, k.threshold, now); lockErr == nil && now.Before(until) {
				lockErr = lockedError(until, now)
			}
		}
		if lockErr != nil {
			return Identity{}, lockErr
		}
		return Identity{}, errBadCredentials
	}
	if err := a.cfg.Store.ClearLoginFailures(ctx, accKey); err != nil {
		return Identity{}, err
	}
	return IdentityOf(u), nil
}

// AddUser creates an account (see NewUser) and audits it; actor is who
// creates it ("cli" from the command line).
func (a *Accounts) AddUser(ctx context.Context, u User, actor string) error {
	now := a.cfg.Now()
	u.CreatedAt, u.UpdatedAt = now, now
	if err := a.cfg.Store.CreateUser(ctx, u); err != nil {
		return err
	}
	return a.Audit(ctx, AuditEntry{At: now, Actor: actor, Action: AuditUserCreated, Target: u.Login, Detail: string(u.Role)})
}

// PasswordResetMessage is the outbox message (JSON body on the
// sqlstore.OutboxQueue queue) asking the mail worker to send a "Recupera
// password" email.
type PasswordResetMessage struct {
	Kind      string    `json:"kind"` // "password_reset"
	To        string    `json:"to"`   // email address
	Name      string    `json:"name"` // the account's name, for the greeting
	Login     string    `json:"login"`
	Link      string    `json:"link"` // opens the page to choose a new password
	ExpiresAt time.Time `json:"expires_at"`
}

// MessagePasswordReset is the Kind of PasswordResetMessage.
const MessagePasswordReset = booking.EventPasswordReset

func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// RequestPasswordReset sends a single-use reset link by email to the
// account with login (or to the accounts with that email address). It says
// nothing about whether such an account exists: the caller shows the same
// answer either way.
func (a *Accounts) RequestPasswordReset(ctx context.Context, loginOrEmail, ip string) error {
	if a.cfg.Store == nil {
		return nil
	}
	loginOrEmail = strings.TrimSpace(loginOrEmail)
	var users []User
	if strings.Contains(loginOrEmail, "@") {
		us, err := a.cfg.Store.UsersByEmail(ctx, loginOrEmail)
		if err != nil {
			return err
		}
		users = us
	} else if loginOrEmail != "" {
		u, err := a.cfg.Store.UserByLogin(ctx, strings.ToLower(loginOrEmail))
		switch {
		case err == nil:
			users = append(users, u)
		case booking.ErrorCode(err) != booking.ENotFound:
			return err
		}
	}
	now := a.cfg.Now()
	a.Audit(ctx, AuditEntry{At: now, Action: AuditPasswordResetAsked, Target: loginOrEmail, IP: ip, Detail: strings.Repeat("*", min(len(users), 9))})
	for _, u := range users {
		if u.Disabled {
			continue
		}
		if err := a.sendReset(ctx, u, now); err != nil {
			return err
		}
	}
	return nil
}

// sendReset stores a reset token for u and enqueues its email.
func (a *Accounts) sendReset(ctx context.Context, u User, now time.Time) error {
	b := make([]byte, 32)
	rand.Read(b)
	token := base64.RawURLEncoding.EncodeToString(b)
	pr := PasswordReset{TokenHash: hashToken(token), UserID: u.ID, CreatedAt: now, ExpiresAt: now.Add(a.cfg.ResetTTL)}
	msg, _ := json.Marshal(PasswordResetMessage{Kind: MessagePasswordReset, To: u.Email, Name: u.Name, Login: u.Login,
		Link: a.cfg.BaseURL + "/auth/recupera-password/nuova?token=" + url.QueryEscape(token), ExpiresAt: pr.ExpiresAt})
	return a.cfg.Store.CreatePasswordReset(ctx, pr, msg)
}

// SendPasswordReset emails the account with login (exactly that one, even
// when the login looks like an email address) a single-use link to choose
// a new password, as "Recupera password" does; an administrator sends it
// from the back office. Errors: ENotFound, EConflict for a disabled
// account. The caller audits who sent it.
func (a *Accounts) SendPasswordReset(ctx context.Context, login string) (User, error) {
	u, err := a.cfg.Store.UserByLogin(ctx, strings.ToLower(strings.TrimSpace(login)))
	if err != nil {
		return User{}, err
	}
	if u.Disabled {
		return u, booking.Errorf(booking.EConflict, "L'account è disattivato: lo riattivi prima di inviare l'email per reimpostare la password.")
	}
	return u, a.sendReset(ctx, u, a.cfg.Now())
}

// ResetPassword sets a new password with the token of a reset link; the
// token then stops working, as do the account's other links. Errors:
// EInvalid for a weak password, EGone (or ENotFound) for a bad, used or
// expired token.
func (a *Accounts) ResetPassword(ctx context.Context, token, password, ip string) (User, error) {
	if msg := PasswordProblem(password); msg != "" {
		return User{}, booking.Invalid(booking.FieldError{Field: "password", Message: msg})
	}
	h, err := HashPassword(password, DefaultArgon2)
	if err != nil {
		return User{}, booking.Internal(err)
	}
	now := a.cfg.Now()
	u, err := a.cfg.Store.UsePasswordReset(ctx, hashToken(token), now, h)
	if err != nil {
		if c := booking.ErrorCode(err); c == booking.ENotFound || c == booking.EGone {
			return User{}, booking.Errorf(booking.EGone, "Il collegamento per reimpostare la password non è valido o è scaduto: ne chieda uno nuovo da «Recupera password».")
		}
		return User{}, err
	}
	a.cfg.Store.ClearLoginFailures(ctx, "account:"+u.Login)
	a.Audit(ctx, AuditEntry{At: now, Actor: IdentityOf(u).Subject, Action: AuditPasswordReset, Target: u.Login, IP: ip, Method: "password"})
	return u, nil
}

// StartImpersonation starts conto terzi on r's session: the bookings are
// then made for the fruitore with codice fiscale cf, which is validated
// (format, check character, omocodia). It writes the start to the audit
// log (who, whom, when, IP) and returns the updated identity. Errors:
// EUnauthorized without a session, EInvalid for a bad cf.
func (a *Accounts) StartImpersonation(r *http.Request, cf string) (Identity, error) {
	id, ok := Current(r.Context())
	if !ok {
		return Identity{}, booking.Errorf(booking.EUnauthorized, "Per prenotare conto terzi è necessario autenticarsi.")
	}
	code, err := codicefiscale.Parse(cf)
	if err != nil {
		msg := err.Error()
		var fe *codicefiscale.FieldError
		if errors.As(err, &fe) {
			msg = fe.Message
		}
		return Identity{}, booking.Invalid(booking.FieldError{Field: "codice_fiscale", Message: msg})
	}
	if id.Impersonating != "" && id.Impersonating != code.Value {
		if _, err := a.StopImpersonation(r); err != nil {
			return Identity{}, err
		}
	}
	id.Impersonating = code.Value
	if err := a.cfg.Sessions.Update(r.Context(), id); err != nil {
		return Identity{}, booking.Internal(err)
	}
	if err := a.Audit(r.Context(), AuditEntry{Actor: id.Subject, Action: AuditImpersonationStart, Target: code.Value, IP: ClientIP(r), Method: id.Method}); err != nil {
		return Identity{}, booking.Internal(err)
	}
	return id, nil
}

// StopImpersonation ends conto terzi on r's session and writes it to the
// audit log. Without impersonation it does nothing.
func (a *Accounts) StopImpersonation(r *http.Request) (Identity, error) {
	id, ok := Current(r.Context())
	if !ok {
		return Identity{}, booking.Errorf(booking.EUnauthorized, "Sessione scaduta: acceda di nuovo.")
	}
	// The session may have changed within this request (a new start).
	if s := a.cfg.Sessions.Get(r.Context(), identityKey); s != "" {
		json.Unmarshal([]byte(s), &id)
	}
	if id.Impersonating == "" {
		return id, nil
	}
	whom := id.Impersonating
	id.Impersonating = ""
	if err := a.cfg.Sessions.Update(r.Context(), id); err != nil {
		return Identity{}, booking.Internal(err)
	}
	if err := a.Audit(r.Context(), AuditEntry{Actor: id.Subject, Action: AuditImpersonationStop, Target: whom, IP: ClientIP(r), Method: id.Method}); err != nil {
		return Identity{}, booking.Internal(err)
	}
	return id, nil
}

// Recheck keeps the sessions of accounts logged in with credentials in step
// with the accounts: at its next request, the session of an account since
// disabled or removed ends, and a changed role applies. The session keeps
// who logged in; the account says what they may do. It costs one indexed
// read per request of such a session; SPID, CIE and OIDC sessions are not
// read (the back office maps them to staff accounts itself). Place it inside
// Sessions' Middleware.
func (a *Accounts) Recheck(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, ok := Current(r.Context())
		if !ok || id.Method != "password" || id.Login == "" {
			next.ServeHTTP(w, r)
			return
		}
		ctx := r.Context()
		u, err := a.cfg.Store.UserByLogin(ctx, id.Login)
		switch {
		case err == nil && !u.Disabled:
			if u.Role != id.Role {
				id.Role = u.Role
				if err := a.cfg.Sessions.Update(ctx, id); err != nil {
					a.ErrorPage(w, r, "Accesso", booking.Internal(err))
					return
				}
				r = r.WithContext(WithIdentity(ctx, id))
			}
		case err == nil || booking.ErrorCode(err) == booking.ENotFound:
			if err := a.cfg.Sessions.Logout(ctx); err != nil {
				a.ErrorPage(w, r, "Accesso", booking.Internal(err))
				return
			}
			a.log.Info("auth: session of a disabled or removed account ended", "login", id.Login)
			r = r.WithContext(context.WithValue(ctx, ctxKey{}, nil))
		default:
			a.ErrorPage(w, r, "Accesso", booking.Internal(err))
			return
		}
		next.ServeHTTP(w, r)
	})
}
