// Package auth holds who is using Prenota: identities, sessions kept in the
// database (so any instance serves any user), the demo identity provider and
// impersonation for conto terzi.
package auth

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/prenota/prenota/booking"
)

// Identity is an authenticated person.
type Identity struct {
	// Subject is the stable key of the person: the codice fiscale for
	// citizens, "utente:<login>" for accounts that have none.
	Subject       string `json:"subject"`
	CodiceFiscale string `json:"codice_fiscale,omitempty"`
	Nome          string `json:"nome"`
	Cognome       string `json:"cognome"`
	// Method is how the identity was proven: "demo", "spid", "cie", "oidc",
	// "password".
	Method string `json:"method"`
	// Person is the certified anagrafica, when the identity provider gave one;
	// the booking form is prefilled and locked with it.
	Person *booking.Person `json:"person,omitempty"`
	// Impersonating is the codice fiscale of the fruitore in conto terzi.
	Impersonating string `json:"impersonating,omitempty"`
	// Login is the account name of a "password" identity.
	Login string `json:"login,omitempty"`
	// Role is the role of a "password" identity: RoleAdmin, RoleOperatore or
	// RoleTerzo; empty for citizens.
	Role Role `json:"role,omitempty"`
	// IdP names the identity provider that asserted a SPID, CIE or OIDC
	// identity (its entity ID or issuer).
	IdP string `json:"idp,omitempty"`
	// SAML is what single logout needs of a SPID or CIE login.
	SAML *SAMLSession `json:"saml,omitempty"`
	// At is when the identity logged in.
	At time.Time `json:"at,omitzero"`
}

// SAMLSession names a SPID or CIE login at its identity provider: the
// assertion's NameID (with its NameQualifier) and the AuthnStatement's
// SessionIndex, which a LogoutRequest repeats.
type SAMLSession struct {
	NameID        string `json:"name_id"`
	NameQualifier string `json:"name_qualifier,omitempty"`
	SessionIndex  string `json:"session_index,omitempty"`
}

// Certified reports whether the identity was proven by a public digital
// identity (SPID, CIE, or an OIDC proxy in front of them) and carries its
// certified anagrafica.
func (id Identity) Certified() bool {
	return id.Person != nil && (id.Method == "spid" || id.Method == "cie" || id.Method == "oidc")
}

// DisplayName is "Nome Cognome".
func (id Identity) DisplayName() string {
	return strings.TrimSpace(id.Nome + " " + id.Cognome)
}

// FruitoreCF is the codice fiscale the fruitore must have: the impersonated
// one in conto terzi, else the identity's own when it is certified.
func (id Identity) FruitoreCF() string {
	if id.Impersonating != "" {
		return id.Impersonating
	}
	if id.Person != nil {
		return id.CodiceFiscale
	}
	return ""
}

type ctxKey struct{}

// Current returns the identity of the request's session, if any.
func Current(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(ctxKey{}).(Identity)
	return id, ok
}

// WithIdentity returns ctx carrying id.
func WithIdentity(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// Options configure sessions.
type Options struct {
	Secure      bool          // cookies only over HTTPS (base URL is https)
	IdleTimeout time.Duration // default 30 minutes
	Lifetime    time.Duration // absolute; default 8 hours
}

// Manager keeps sessions in a database store.
type Manager struct {
	scs *scs.SessionManager
}

const identityKey = "identity"

// NewManager returns a session manager over store (see sqlstore.Sessions).
func NewManager(store scs.Store, opt Options) *Manager {
	m := scs.New()
	m.Store = store
	m.Codec = codec{}
	m.IdleTimeout = opt.IdleTimeout
	if m.IdleTimeout == 0 {
		m.IdleTimeout = 30 * time.Minute
	}
	m.Lifetime = opt.Lifetime
	if m.Lifetime == 0 {
		m.Lifetime = 8 * time.Hour
	}
	m.Cookie.Name = "prenota_session"
	m.Cookie.HttpOnly = true
	m.Cookie.Secure = opt.Secure
	m.Cookie.SameSite = http.SameSiteLaxMode
	m.Cookie.Persist = false
	return &Manager{scs: m}
}

// Middleware loads and saves the session and puts its identity, if any, in
// the request context.
func (m *Manager) Middleware(next http.Handler) http.Handler {
	return m.scs.LoadAndSave(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s := m.scs.GetString(r.Context(), identityKey); s != "" {
			var id Identity
			if json.Unmarshal([]byte(s), &id) == nil {
				r = r.WithContext(WithIdentity(r.Context(), id))
			}
		}
		next.ServeHTTP(w, r)
	}))
}

// Login starts a session for id under a new token (against session fixation).
func (m *Manager) Login(ctx context.Context, id Identity) error {
	if err := m.scs.RenewToken(ctx); err != nil {
		return err
	}
	return m.put(ctx, id)
}

func (m *Manager) put(ctx context.Context, id Identity) error {
	b, err := json.Marshal(id)
	if err != nil {
		return err
	}
	m.scs.Put(ctx, identityKey, string(b))
	return nil
}

// Update replaces the identity of the current session (e.g. to start or stop
// impersonating).
func (m *Manager) Update(ctx context.Context, id Identity) error { return m.put(ctx, id) }

// Logout ends the session server-side.
func (m *Manager) Logout(ctx context.Context) error { return m.scs.Destroy(ctx) }

// Token returns the token of the current session (after Login, the new
// one), so that the session can be ended from another request (DestroyToken).
func (m *Manager) Token(ctx context.Context) string { return m.scs.Token(ctx) }

// DestroyToken ends the session with token, whichever request it belongs
// to: a single logout from the identity provider arrives without the
// session's cookie.
func (m *Manager) DestroyToken(token string) error { return m.scs.Store.Delete(token) }

// Put stores a value in the session (flash messages, the page's current hold).
func (m *Manager) Put(ctx context.Context, key, value string) { m.scs.Put(ctx, key, value) }

// Get reads a value stored with Put.
func (m *Manager) Get(ctx context.Context, key string) string { return m.scs.GetString(ctx, key) }

// Pop reads and removes a value stored with Put.
func (m *Manager) Pop(ctx context.Context, key string) string { return m.scs.PopString(ctx, key) }
