package auth

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
	_ "time/tzdata" // Europe/Rome for the times in messages

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/httperr"
)

// LimitError is a refusal because of too many requests or failed logins.
// It unwraps to a booking error with code ETooMany, so adapters answer 429;
// RetryAfter is for the Retry-After header (see WriteRetryAfter).
type LimitError struct {
	RetryAfter time.Duration
	Message    string // Italian, says when to retry
}

func (e *LimitError) Error() string { return e.Message }

// Unwrap lets errors.As find a *booking.Error with code ETooMany.
func (e *LimitError) Unwrap() error {
	return &booking.Error{Code: booking.ETooMany, Message: e.Message}
}

// RetryAfter returns how long the client should wait when err is (or
// wraps) a *LimitError.
func RetryAfter(err error) (time.Duration, bool) {
	var le *LimitError
	if errors.As(err, &le) {
		return le.RetryAfter, true
	}
	return 0, false
}

// WriteRetryAfter sets the Retry-After header (whole seconds, at least 1)
// when err is a *LimitError. Call it before writing the 429 answer.
func WriteRetryAfter(w http.ResponseWriter, err error) {
	if d, ok := RetryAfter(err); ok {
		w.Header().Set("Retry-After", strconv.Itoa(retrySeconds(d)))
	}
}

func retrySeconds(d time.Duration) int { return max(1, int(math.Ceil(d.Seconds()))) }

var rome = func() *time.Location {
	l, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		return time.UTC
	}
	return l
}()

// waitText says in Italian how long d is: "30 secondi", "1 minuto", "5 minuti".
func waitText(d time.Duration) string {
	s := retrySeconds(d)
	switch {
	case s < 60:
		if s == 1 {
			return "1 secondo"
		}
		return fmt.Sprintf("%d secondi", s)
	case s < 3600:
		m := (s + 59) / 60
		if m == 1 {
			return "1 minuto"
		}
		return fmt.Sprintf("%d minuti", m)
	}
	h := (s + 3599) / 3600
	if h == 1 {
		return "1 ora"
	}
	return fmt.Sprintf("%d ore", h)
}

// Limiter is a set of token buckets, one per key (an IP address, an
// identity). They are kept in this process, or in a LimitStore that every
// instance shares (the PostgreSQL database), so that N instances behind a
// load balancer allow what one allows. A nil *Limiter allows everything.
type Limiter struct {
	rate   float64 // tokens per second
	burst  float64
	now    func() time.Time
	name   string     // prefix of the shared keys
	shared LimitStore // nil: in memory

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time
}

// NewLimiter allows perMinute requests a minute per key, with bursts of up
// to burst requests. now may be nil (the real clock).
func NewLimiter(perMinute, burst int, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{rate: float64(perMinute) / 60, burst: float64(max(burst, 1)), now: now, buckets: map[string]*bucket{}}
}

// LimitStore keeps token buckets that several instances share.
type LimitStore interface {
	// TakeToken takes a token from the bucket key (rate tokens a second, at
	// most burst) at now; when there is none it returns false and how long
	// until there is one.
	TakeToken(ctx context.Context, key string, rate, burst float64, now time.Time) (bool, time.Duration, error)
}

// Allow takes a token from key's bucket. When there is none, it returns
// false and how long until there is one. When the shared store fails, the
// request is allowed: the limit must not turn a database hiccup into a
// refusal (the request meets the same database next and fails there).
func (l *Limiter) Allow(ctx context.Context, key string) (bool, time.Duration) {
	if l == nil || l.rate <= 0 {
		return true, 0
	}
	if l.shared != nil {
		ok, d, err := l.shared.TakeToken(ctx, l.name+":"+key, l.rate, l.burst, l.now())
		return ok || err != nil, d
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if len(l.buckets) > 100_000 {
		l.prune(now)
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = math.Min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
}

// prune drops the buckets that have refilled: they are as good as new.
func (l *Limiter) prune(now time.Time) {
	for k, b := range l.buckets {
		if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
			delete(l.buckets, k)
		}
	}
}

// RateLimits are the request limits of SPEC §12 on login and on hold
// creation, per client IP and per identity. The zero value (or Enabled
// false) limits nothing.
type RateLimits struct {
	Enabled bool
	LoginIP *Limiter // login attempts (any method) per client IP
	HoldIP  *Limiter // holds created per client IP
	HoldID  *Limiter // holds created per identity
}

// RateLimitOptions configure NewRateLimits; zero fields take the defaults.
type RateLimitOptions struct {
	LoginPerMinute, LoginBurst   int // per IP; default 20 a minute, bursts of 10
	HoldPerMinuteIP, HoldBurstIP int // per IP; default 120 a minute, bursts of 60 (offices behind one NAT)
	HoldPerMinute, HoldBurst     int // per identity; default 12 a minute, bursts of 6
	Now                          func() time.Time
	// Shared, when set, keeps the buckets for every instance (PostgreSQL);
	// nil keeps them in this process (SQLite: one process).
	Shared LimitStore
}

// NewRateLimits returns the limits, enabled or not.
func NewRateLimits(enabled bool, o RateLimitOptions) *RateLimits {
	def := func(v, d int) int {
		if v <= 0 {
			return d
		}
		return v
	}
	limiter := func(name string, perMinute, burst int) *Limiter {
		l := NewLimiter(perMinute, burst, o.Now)
		l.name, l.shared = name, o.Shared
		return l
	}
	return &RateLimits{
		Enabled: enabled,
		LoginIP: limiter("login-ip", def(o.LoginPerMinute, 20), def(o.LoginBurst, 10)),
		HoldIP:  limiter("hold-ip", def(o.HoldPerMinuteIP, 120), def(o.HoldBurstIP, 60)),
		HoldID:  limiter("hold-id", def(o.HoldPerMinute, 12), def(o.HoldBurst, 6)),
	}
}

func tooMany(d time.Duration) *LimitError {
	return &LimitError{RetryAfter: d, Message: "Troppe richieste in poco tempo: attenda " + waitText(d) + " e riprovi."}
}

// Login checks the login limit of r's client IP. It returns a *LimitError
// when exceeded.
func (rl *RateLimits) Login(r *http.Request) error {
	if rl == nil || !rl.Enabled {
		return nil
	}
	if ok, d := rl.LoginIP.Allow(r.Context(), ClientIP(r)); !ok {
		return tooMany(d)
	}
	return nil
}

// Hold checks the hold-creation limits of r's client IP and session
// identity (call it for POST /api/v1/holds and the page's "Continua"). It
// returns a *LimitError when exceeded.
func (rl *RateLimits) Hold(r *http.Request) error {
	if rl == nil || !rl.Enabled {
		return nil
	}
	if id, ok := Current(r.Context()); ok {
		if ok, d := rl.HoldID.Allow(r.Context(), id.Subject); !ok {
			return tooMany(d)
		}
	}
	if ok, d := rl.HoldIP.Allow(r.Context(), ClientIP(r)); !ok {
		return tooMany(d)
	}
	return nil
}

// Middleware refuses requests over limit (e.g. RateLimits.Hold) with 429,
// Retry-After and an Italian message (problem+json under /api/).
func Middleware(limit func(*http.Request) error) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := limit(r); err != nil {
				WriteLimitError(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// WriteLimitError answers 429 with Retry-After and err's Italian message
// (problem+json for the API, plain text otherwise).
func WriteLimitError(w http.ResponseWriter, r *http.Request, err error) {
	WriteRetryAfter(w, err)
	msg := booking.ErrorMessage(err)
	var le *LimitError
	if errors.As(err, &le) {
		msg = le.Message
	}
	if wantsJSON(r) {
		httperr.Write(w, httperr.ProblemOf(booking.Errorf(booking.ETooMany, "%s", msg)))
		return
	}
	http.Error(w, msg, http.StatusTooManyRequests)
}
