package auth

import (
	"context"
	"github.com/prenota/prenota/account"
	"net/http"
	"time"
)

// AuditEntry is one line of the audit log (see account.AuditEntry).
type AuditEntry = account.AuditEntry

// The actions of the audit log.
const (
	AuditLogin              = account.AuditLogin
	AuditLoginFailed        = account.AuditLoginFailed
	AuditLoginLocked        = account.AuditLoginLocked
	AuditLogout             = account.AuditLogout
	AuditImpersonationStart = account.AuditImpersonationStart
	AuditImpersonationStop  = account.AuditImpersonationStop
	AuditBookingConfirmed   = account.AuditBookingConfirmed
	AuditBookingCancelled   = account.AuditBookingCancelled
	AuditPasswordResetAsked = account.AuditPasswordResetAsked
	AuditPasswordReset      = account.AuditPasswordReset
	AuditUserCreated        = account.AuditUserCreated
)

// Auditor writes the audit log. sqlstore.Store implements it.
type Auditor interface {
	Audit(ctx context.Context, e AuditEntry) error
}

// AuditFor returns an entry for action on target by the identity of r's
// session (if any), from r's client address, at now.
func AuditFor(r *http.Request, action, target, detail string) AuditEntry {
	e := AuditEntry{At: time.Now(), Action: action, Target: target, IP: ClientIP(r), Detail: detail}
	if id, ok := Current(r.Context()); ok {
		e.Actor, e.Method = id.Subject, id.Method
	}
	return e
}

// AuditFilter selects audit log entries (see account.AuditFilter).
type AuditFilter = account.AuditFilter
