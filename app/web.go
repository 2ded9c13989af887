package app

import (
	"context"
	"net/http"

	"github.com/prenota/prenota/sqlstore"
	"github.com/prenota/prenota/web"
)

// webHandler builds the citizen pages (mounted at "/", with /static/). The
// identity work plugs in here: SPIDLoginURL, CIELoginURL and PasswordLogin
// stay empty until SPID/CIE and credentials exist.
func (a *App) webHandler() (http.Handler, error) {
	if err := web.CheckStatic(); err != nil {
		return nil, err
	}
	return web.New(web.Config{
		Service:     a.Service,
		Sessions:    a.Sessions,
		BaseURL:     a.cfg.BaseURL,
		Demo:        a.cfg.Demo,
		Logger:      a.log,
		CheckPerson: checkPerson,
		SaveFeedback: func(ctx context.Context, f web.Feedback) error {
			return a.Store.SaveFeedback(ctx, sqlstore.Feedback{Page: f.Page, Rating: f.Rating, Reason: f.Reason, Comment: f.Comment})
		},
	})
}
