package account

import "time"

// AuditEntry is one line of the audit log: who did what to whom, when, and
// from which address.
type AuditEntry struct {
	ID     int64     `json:"id,omitempty"`
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`  // subject of who acted; "" when anonymous
	Action string    `json:"action"` // one of the Audit* constants (others may add their own)
	Target string    `json:"target"` // whom or what: impersonated CF, booking ID, login tried
	IP     string    `json:"ip"`
	Method string    `json:"method"` // how the actor authenticated: spid, cie, oidc, password, demo
	Detail string    `json:"detail,omitempty"`
}

// The actions of the audit log.
const (
	AuditLogin              = "login"
	AuditLoginFailed        = "login_failed"
	AuditLoginLocked        = "login_locked" // refused without checking: too many failures
	AuditLogout             = "logout"
	AuditImpersonationStart = "impersonation_start"
	AuditImpersonationStop  = "impersonation_stop"
	AuditBookingConfirmed   = "booking_confirmed"
	AuditBookingCancelled   = "booking_cancelled"
	AuditPasswordResetAsked = "password_reset_requested"
	AuditPasswordReset      = "password_reset"
	AuditUserCreated        = "user_created"
)

// AuditFilter selects audit log entries; empty fields match everything.
type AuditFilter struct {
	Actor, Action, Target string
	// Who matches, ignoring case, part of the actor as stored (a codice
	// fiscale or "utente:<login>"), or part of the name or login of the
	// account whose subject the actor is.
	Who      string
	From, To time.Time // To excluded
	Limit    int       // default 100
	// Newest returns the newest entries first (and the limit keeps them).
	Newest bool
}
