package app

import (
	"context"
	"net/http"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/sqlstore"
	"github.com/prenota/prenota/web"
)

// webHandler builds the citizen pages (mounted at "/", with /static/). It
// needs the identity part (setupIdentity first): the login page offers the
// methods configured (SPID, CIE, OIDC, credentials, the demo provider);
// logins, logouts, conto terzi and the bookings confirmed and cancelled go
// through Accounts (audited); "Continua" and the demo login are
// rate-limited unless --rate-limit is off.
func (a *App) webHandler() (http.Handler, error) {
	if err := web.CheckStatic(); err != nil {
		return nil, err
	}
	id := a.Identity
	var limits *auth.RateLimits
	if a.cfg.RateLimit {
		limits = id.Limits
	}
	cfg := web.Config{
		Service:            a.Service,
		Sessions:           a.Sessions,
		BaseURL:            a.cfg.BaseURL,
		Demo:               a.cfg.Demo,
		Logger:             a.log,
		CheckPerson:        checkPerson,
		SPIDLoginURL:       id.SPIDLoginURL(),
		CIELoginURL:        id.CIELoginURL(),
		PasswordLogin:      id.PasswordLogin,
		RecoverPasswordURL: "/auth/recupera-password",
		StaffLoginURL:      auth.LoginURL("/auth/password", "/backoffice/"),
		Accounts:           id.Accounts,
		Limits:             limits,
		SaveFeedback: func(ctx context.Context, f web.Feedback) error {
			return a.Store.SaveFeedback(ctx, sqlstore.Feedback{Page: f.Page, Rating: f.Rating, Reason: f.Reason, Comment: f.Comment})
		},
	}
	if id.OIDC != nil {
		p := id.OIDC.LoginProvider("")
		cfg.OIDCLoginURL, cfg.OIDCLabel = p.LoginURL, p.Label
	}
	return web.New(cfg)
}
