package auth

import (
	"net/url"
	"strings"
)

// SafeNext returns next when it is a same-origin path ("/prenota?x=1"), and
// "/" otherwise: absolute URLs, scheme-relative "//host" and "/\host"
// (which browsers treat alike) are refused, so that a login link cannot
// send the user to another site (an open redirect).
func SafeNext(next string) string {
	if next == "" || next[0] != '/' || len(next) > 2048 {
		return "/"
	}
	if strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n\t") {
		return "/"
	}
	u, err := url.Parse(next)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "/"
	}
	return next
}
