package app

import (
	"net/http"

	"github.com/prenota/prenota/backoffice"
)

// backofficeHandler builds the Comune's back office (mounted at
// /backoffice/). It needs the identity part (setupIdentity first): staff
// log in through /auth/password, or with SPID/CIE mapped to a staff
// account, and every change goes to the audit log through Accounts.
func (a *App) backofficeHandler() (http.Handler, error) {
	return backoffice.New(backoffice.Config{
		Service:  a.Service,
		Store:    meteredStore{a.Store, a.metrics}, // counts staff cancellations
		Sessions: a.Sessions,
		Accounts: a.Identity.Accounts,
		Logger:   a.log,
		Parked:   parkedMessages(a.Store),
	})
}

// withTokens lets API clients authenticate with an integration token
// ("Authorization: Bearer …", made in the back office); read-scoped tokens
// may only GET. A token's last use is recorded at most once a minute.
func (a *App) withTokens(h http.Handler) http.Handler {
	return backoffice.TokenAuth(a.Store, a.Service.Now)(h)
}
