package app

import (
	"net/http"
	"time"

	"github.com/prenota/prenota/api"
	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/backoffice"
)

// apiHandler builds the JSON API (mounted at /api/). It needs the identity
// part (setupIdentity first): demo logins go through Accounts (a new session
// token, the login audited), bookings confirmed and cancelled are audited,
// and holds and demo logins are rate-limited unless --rate-limit is off.
func (a *App) apiHandler() http.Handler {
	var limits *auth.RateLimits
	if a.cfg.RateLimit {
		limits = a.Identity.Limits
	}
	return api.New(api.Config{
		Service:      a.Service,
		Sessions:     a.Sessions,
		Accounts:     a.Identity.Accounts,
		Limits:       limits,
		BaseURL:      a.cfg.BaseURL,
		HoldOverride: time.Duration(a.cfg.HoldSeconds) * time.Second,
		// The statistics: staff as the back office knows them, and tokens.
		Statistics:      a.Store,
		StatisticsScope: backoffice.StatisticsScope(a.Store),
		Demo:            a.cfg.Demo,
		Logger:          a.log,
	})
}
