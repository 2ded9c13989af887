package auth

import "net/url"

// Provider is a login method offered on the login page ("ACCESSO E
// AUTENTICAZIONE").
type Provider struct {
	ID       string `json:"id"`                  // "spid", "cie", "oidc", "password", "demo"
	Label    string `json:"label"`               // Italian button text, e.g. "Entra con SPID"
	LoginURL string `json:"login_url,omitempty"` // where the button goes (GET); for SPID see IdPs
	// IdPs are the identity providers to choose from (SPID: one button per
	// IdP in the "Entra con SPID" menu).
	IdPs []IdP `json:"idps,omitempty"`
	// Test marks the demo provider, which the page must show as such.
	Test bool `json:"test,omitempty"`
}

// IdP is one identity provider of a federation (SPID).
type IdP struct {
	EntityID string `json:"entity_id"`
	Name     string `json:"name"`
	LoginURL string `json:"login_url"`
	Logo     string `json:"logo,omitempty"` // URL from the IdP's metadata, if any
}

// LoginURL returns path with next (made safe) in its query.
func LoginURL(path, next string) string {
	u := url.URL{Path: path}
	q := url.Values{}
	if next = SafeNext(next); next != "/" {
		q.Set("next", next)
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// AccountProviders are the login methods that Accounts itself offers:
// credentials, and the demo provider in demo mode.
func (a *Accounts) AccountProviders(next string) []Provider {
	var ps []Provider
	if a.cfg.Store != nil {
		ps = append(ps, Provider{ID: "password", Label: "Credenziali (Soggetti Terzi Autorizzati e personale)", LoginURL: LoginURL("/auth/password", next)})
	}
	if a.cfg.Demo {
		ps = append(ps, Provider{ID: "demo", Label: "Entra con le identità di prova (DEMO)", LoginURL: LoginURL("/auth/demo", next), Test: true})
	}
	return ps
}

// Providers lists every login method available, in the order the login
// page shows them: SPID, CIE, OIDC (as configured), credentials, demo.
func (a *Accounts) Providers(next string) []Provider {
	if a.cfg.Providers != nil {
		return a.cfg.Providers(next)
	}
	return a.AccountProviders(next)
}
