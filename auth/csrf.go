package auth

import (
	"net/http"
	"strings"
)

// Protect wraps h (the whole application) in http.CrossOriginProtection:
// unsafe requests (POST, PUT, DELETE…) sent by a browser from another origin
// are refused with 403. bypass lists the ServeMux patterns that must accept
// cross-site POSTs, which are the SAML assertion consumer services only
// (the IdP's page posts the Response to them): e.g. "POST /auth/spid/acs".
func Protect(h http.Handler, bypass ...string) http.Handler {
	c := http.NewCrossOriginProtection()
	for _, p := range bypass {
		c.AddInsecureBypassPattern(p)
	}
	c.SetDenyHandler(http.HandlerFunc(denyCrossOrigin))
	return c.Handler(h)
}

func denyCrossOrigin(w http.ResponseWriter, r *http.Request) {
	const msg = "Richiesta rifiutata: il modulo è stato inviato da un altro sito. Torni alla pagina del servizio e riprovi da lì."
	if strings.HasPrefix(r.URL.Path, "/api/") || strings.Contains(r.Header.Get("Accept"), "json") {
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusForbidden)
		w.Write([]byte(`{"type":"about:blank","status":403,"title":"Forbidden","detail":"` + msg + `"}`))
		return
	}
	http.Error(w, msg, http.StatusForbidden)
}
