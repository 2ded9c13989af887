package auth

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

type ipKey struct{}

// ClientIP returns the address of the client of r: the one RealIP found, or
// else the host of r.RemoteAddr.
func ClientIP(r *http.Request) string {
	if ip, ok := r.Context().Value(ipKey{}).(string); ok {
		return ip
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// RealIP returns a middleware that records the client address for ClientIP.
// When the connection comes from one of the trusted proxies (CIDR prefixes,
// e.g. "10.0.0.0/8"), the address is the right-most untrusted entry of
// X-Forwarded-For; otherwise X-Forwarded-For is ignored, since anyone can
// send it.
func RealIP(trusted []netip.Prefix) func(http.Handler) http.Handler {
	isTrusted := func(s string) bool {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return false
		}
		a = a.Unmap()
		for _, p := range trusted {
			if p.Contains(a) {
				return true
			}
		}
		return false
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ip := ClientIP(r)
			if len(trusted) > 0 && isTrusted(ip) {
				hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
				for i := len(hops) - 1; i >= 0; i-- {
					h := strings.TrimSpace(hops[i])
					if h == "" {
						continue
					}
					ip = h
					if !isTrusted(h) {
						break
					}
				}
			}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ipKey{}, ip)))
		})
	}
}
