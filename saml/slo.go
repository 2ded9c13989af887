package saml

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	gosaml "github.com/crewjam/saml"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
)

// Single logout over the HTTP-POST binding (the one the metadata
// advertises).
//
// Started here: POST /auth/<name>/logout (a same-origin form) ends the
// local session and posts a signed LogoutRequest to the IdP that issued it;
// the IdP answers with a LogoutResponse at /auth/<name>/slo, checked for
// its signature and for answering a request this SP made.
//
// Started at the IdP: its page posts a LogoutRequest to /auth/<name>/slo.
// It is a cross-site POST, so neither the origin check nor the session
// cookie (SameSite=Lax) applies: it is trusted only if signed by an IdP of
// this federation, and the session it names is found by the NameID
// recorded at login. The answer is a signed LogoutResponse.

// sessionTTL bounds how long the NameID → session record is kept: longer
// than any session lives.
const sessionTTL = 12 * time.Hour

func (p *Provider) sessionKey(idp, nameID string) string {
	return p.cfg.Name + ":session:" + digest(idp+"\x00"+nameID)
}

// rememberSession records which session a NameID logged in, for a
// LogoutRequest from the IdP.
func (p *Provider) rememberSession(r *http.Request, id auth.Identity) {
	if id.SAML == nil {
		return
	}
	token := p.cfg.Accounts.Sessions().Token(r.Context())
	now := p.now()
	if err := p.cfg.Store.PutAuthRequest(r.Context(), p.sessionKey(id.IdP, id.SAML.NameID), []byte(token), now.Add(sessionTTL)); err != nil {
		p.log.Warn("saml: cannot record the session for single logout", "provider", p.cfg.Name, "err", err)
	}
}

// startLogout is the "Esci" of a SPID/CIE session.
func (p *Provider) startLogout(w http.ResponseWriter, r *http.Request) {
	a := p.cfg.Accounts
	id, ok := auth.Current(r.Context())
	var idp *gosaml.EntityDescriptor
	if ok && id.Method == p.cfg.Name && id.SAML != nil {
		idp = p.idps[id.IdP]
	}
	if err := a.Logout(r); err != nil {
		a.ErrorPage(w, r, "Esci", booking.Internal(err))
		return
	}
	if idp == nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	sp := p.sp(idp)
	dest := sp.GetSLOBindingLocation(gosaml.HTTPPostBinding)
	if dest == "" {
		p.log.Warn("saml: the IdP has no HTTP-POST SingleLogoutService: logged out here only", "provider", p.cfg.Name, "idp", idp.EntityID)
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	s := id.SAML
	req, err := sp.MakeLogoutRequest(dest, s.NameID, gosaml.WithSessionIndex(s.SessionIndex), func(lr *gosaml.LogoutRequest) {
		lr.ID = "_" + lr.ID
		lr.IssueInstant = lr.IssueInstant.UTC().Truncate(time.Second)
		lr.Issuer.NameQualifier = p.cfg.EntityID
		lr.NameID.Format = transientFormat
		lr.NameID.SPNameQualifier = ""
		if s.NameQualifier != "" {
			lr.NameID.NameQualifier = s.NameQualifier
		}
	})
	if err != nil {
		a.ErrorPage(w, r, "Esci", booking.Internal(err))
		return
	}
	if _, _, err := p.cfg.Store.TakeAuthRequest(r.Context(), p.sessionKey(id.IdP, s.NameID), p.now()); err != nil {
		p.log.Warn("saml: single logout record", "provider", p.cfg.Name, "err", err)
	}
	if err := p.cfg.Store.PutAuthRequest(r.Context(), p.cfg.Name+":logout:"+req.ID, []byte(idp.EntityID), p.now().Add(p.cfg.RequestTTL)); err != nil {
		a.ErrorPage(w, r, "Esci", booking.Internal(err))
		return
	}
	value, err := encodeElement(req.Element())
	if err != nil {
		a.ErrorPage(w, r, "Esci", booking.Internal(err))
		return
	}
	writeAutoPost(w, autoPost{Title: "Uscita in corso",
		Text:   "La sua sessione in questo servizio è chiusa. Stiamo chiudendo anche quella presso il gestore dell'identità «" + idpName(idp) + "»: se non succede nulla entro qualche secondo, prema il pulsante.",
		Button: "Prosegui verso il gestore dell'identità", URL: dest, Field: "SAMLRequest", Value: value})
}

// slo receives the IdP's LogoutResponse (to a logout started here) or
// LogoutRequest (a logout started at the IdP or at another SP).
func (p *Provider) slo(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		p.refuseLogout(w, r, fmt.Errorf("form: %w", err))
		return
	}
	if r.PostForm.Get("SAMLResponse") != "" {
		p.logoutResponse(w, r)
		return
	}
	p.logoutRequest(w, r)
}

// logoutResponse ends a logout started here.
func (p *Provider) logoutResponse(w http.ResponseWriter, r *http.Request) {
	root, err := decode(r, "SAMLResponse")
	if err != nil {
		p.refuseLogout(w, r, err)
		return
	}
	reqID := root.SelectAttrValue("InResponseTo", "")
	data, ok, err := p.cfg.Store.TakeAuthRequest(r.Context(), p.cfg.Name+":logout:"+reqID, p.now())
	if err != nil {
		p.refuseLogout(w, r, err)
		return
	}
	if !ok {
		p.refuseLogout(w, r, fmt.Errorf("LogoutResponse to %q, not a pending LogoutRequest of this SP", reqID))
		return
	}
	idp := p.idps[string(data)]
	if idp == nil {
		p.refuseLogout(w, r, fmt.Errorf("IdP %q no longer configured", data))
		return
	}
	if _, err := p.sp(idp).ParseLogoutResponse(r, []string{reqID}); err != nil {
		err = privateErr(err)
		var bs gosaml.ErrBadStatus
		if errors.As(err, &bs) {
			// Signed by the IdP, but it could not end its own session.
			p.log.Warn("saml: the IdP did not end its session", "provider", p.cfg.Name, "status", bs.Status)
			p.cfg.Accounts.ErrorPage(w, r, "Uscita", booking.Errorf(booking.EConflict, "%s",
				"È uscito da questo servizio, ma il gestore dell'identità non ha confermato la chiusura della sua sessione presso di sé: per sicurezza chiuda il browser."))
			return
		}
		p.refuseLogout(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// logoutRequest ends the session a signed LogoutRequest of an IdP names
// and answers with a signed LogoutResponse.
func (p *Provider) logoutRequest(w http.ResponseWriter, r *http.Request) {
	root, err := decode(r, "SAMLRequest")
	if err != nil {
		p.refuseLogout(w, r, err)
		return
	}
	issuer := ""
	if iss := root.FindElement("./Issuer"); iss != nil {
		issuer = iss.Text()
	}
	idp := p.idps[issuer]
	if idp == nil {
		p.refuseLogout(w, r, fmt.Errorf("LogoutRequest from %q, not an IdP of this SP", issuer))
		return
	}
	sp := p.sp(idp)
	req, err := sp.ValidateLogoutRequest(r)
	if err != nil {
		p.refuseLogout(w, r, privateErr(err))
		return
	}
	dest := sp.GetSLOBindingLocation(gosaml.HTTPPostBinding)
	if dest == "" {
		p.refuseLogout(w, r, fmt.Errorf("IdP %s has no HTTP-POST SingleLogoutService", idp.EntityID))
		return
	}
	status := gosaml.Status{StatusCode: gosaml.StatusCode{Value: gosaml.StatusSuccess}}
	if err := p.endSession(r, idp.EntityID, req); err != nil {
		p.log.Error("saml: single logout from the IdP", "provider", p.cfg.Name, "err", err)
		status.StatusCode.Value = gosaml.StatusResponder
	}
	resp, err := sp.MakeLogoutResponseWithStatus(dest, req.ID, status)
	if err != nil {
		p.cfg.Accounts.ErrorPage(w, r, "Uscita", booking.Internal(err))
		return
	}
	value, err := encodeElement(resp.Element())
	if err != nil {
		p.cfg.Accounts.ErrorPage(w, r, "Uscita", booking.Internal(err))
		return
	}
	writeAutoPost(w, autoPost{Title: "Uscita in corso",
		Text:   "La sua sessione in questo servizio è chiusa. Stiamo tornando al gestore dell'identità «" + idpName(idp) + "»: se non succede nulla entro qualche secondo, prema il pulsante.",
		Button: "Prosegui verso il gestore dell'identità", URL: dest, Field: "SAMLResponse", Value: value, RelayState: r.PostForm.Get("RelayState")})
}

// endSession ends the session the LogoutRequest names: the one recorded
// for its NameID at login, and the request's own session if it is that
// identity's.
func (p *Provider) endSession(r *http.Request, idp string, req *gosaml.LogoutRequest) error {
	if req.NameID == nil || req.NameID.Value == "" {
		return errors.New("LogoutRequest without NameID")
	}
	a := p.cfg.Accounts
	if id, ok := auth.Current(r.Context()); ok && id.IdP == idp && id.SAML != nil && id.SAML.NameID == req.NameID.Value {
		if err := a.Logout(r); err != nil {
			return err
		}
	}
	token, ok, err := p.cfg.Store.TakeAuthRequest(r.Context(), p.sessionKey(idp, req.NameID.Value), p.now())
	if err != nil || !ok {
		return err // none recorded: already ended
	}
	a.Audit(r.Context(), auth.AuditEntry{Action: auth.AuditLogout, IP: auth.ClientIP(r), Method: p.cfg.Name, Detail: "single logout from " + idp})
	return a.Sessions().DestroyToken(string(token))
}

// refuseLogout logs why a logout message was refused and shows an Italian
// page (403); nobody is logged out.
func (p *Provider) refuseLogout(w http.ResponseWriter, r *http.Request, err error) {
	p.log.Warn("saml logout message refused", "provider", p.cfg.Name, "err", err)
	p.cfg.Accounts.ErrorPage(w, r, "Uscita non riuscita", booking.Errorf(booking.EForbidden, "%s",
		"Il messaggio di uscita del gestore dell'identità non è valido: la sessione non è stata chiusa. Per uscire usi il pulsante «Esci» del servizio."))
}

// privateErr is the reason crewjam keeps inside an InvalidResponseError.
func privateErr(err error) error {
	var ire *gosaml.InvalidResponseError
	if errors.As(err, &ire) && ire.PrivateErr != nil {
		return ire.PrivateErr
	}
	return err
}
