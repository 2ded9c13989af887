package app

import "net/http"

// contentSecurityPolicy allows only the service's own scripts, styles,
// fonts, images and connections: no inline script runs, so markup injected
// into a page cannot run code. Inline styles stay allowed (Bootstrap Italia
// and htmx set some). Handlers with other needs (the SAML POST page, the
// demo mailbox) set their own.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"

// hsts tells browsers to use only https for a year, subdomains included.
const hsts = "max-age=31536000; includeSubDomains"

// securityHeaders sets the headers every answer carries; a handler may
// replace them. The camera may be used by the service's own pages (reading
// a receipt's QR code in the back office), nothing else may be. In
// production (always https) the answers carry Strict-Transport-Security.
func securityHeaders(production bool, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		if production {
			hd.Set("Strict-Transport-Security", hsts)
		}
		hd.Set("Content-Security-Policy", contentSecurityPolicy)
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		hd.Set("X-Frame-Options", "DENY")
		hd.Set("Permissions-Policy", "camera=(self), microphone=(), geolocation=(), payment=(), usb=()")
		h.ServeHTTP(w, r)
	})
}
