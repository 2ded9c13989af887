package auth

import (
	"time"
)

// Lockout slows down password guessing: after Threshold consecutive failed
// logins for an account (AccountThreshold) or from an address
// (IPThreshold), further attempts are refused without checking the
// password for Base, doubling with each further failure up to Max. The
// count starts again after ResetAfter without failures, and a successful
// login resets the account's count. Zero fields take the defaults.
type Lockout struct {
	AccountThreshold int           // default 5
	IPThreshold      int           // default 20
	Base             time.Duration // default 1 minute
	Max              time.Duration // default 1 hour
	ResetAfter       time.Duration // default 15 minutes
}

func (l Lockout) withDefaults() Lockout {
	if l.AccountThreshold <= 0 {
		l.AccountThreshold = 5
	}
	if l.IPThreshold <= 0 {
		l.IPThreshold = 20
	}
	if l.Base <= 0 {
		l.Base = time.Minute
	}
	if l.Max <= 0 {
		l.Max = time.Hour
	}
	if l.ResetAfter <= 0 {
		l.ResetAfter = 15 * time.Minute
	}
	return l
}

// until returns when a key with n failures, the last at last, is unlocked
// (zero when it is not locked).
func (l Lockout) until(n, threshold int, last time.Time) time.Time {
	if n < threshold {
		return time.Time{}
	}
	d := l.Base
	for i := threshold; i < n && d < l.Max; i++ {
		d *= 2
	}
	return last.Add(min(d, l.Max))
}

func lockedError(until, now time.Time) *LimitError {
	d := until.Sub(now)
	return &LimitError{RetryAfter: d, Message: "Troppi tentativi di accesso non riusciti: per sicurezza l'accesso è sospeso. Riprovi tra " +
		waitText(d) + " (dopo le " + until.In(rome).Format("15:04") + ")."}
}
