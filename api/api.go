// Package api serves Prenota's public JSON API under /api/v1 (SPEC §13):
// the resource tree, availability, holds, bookings and, in demo mode, the demo
// login. Handlers are thin: they decode and check the request, call the
// booking.Service and render JSON; every error is answered by one function as
// RFC 9457 application/problem+json with Italian messages. The OpenAPI
// document describing it all is embedded from openapi.json.
package api

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/prenota/prenota/auth"
	"github.com/prenota/prenota/booking"
)

// Config is what the API needs.
type Config struct {
	Service *booking.Service
	// Sessions logs in (demo) and out when Accounts is nil; the app wraps
	// the handler in Sessions.Middleware.
	Sessions *auth.Manager
	// Accounts, when set, starts demo sessions (Accounts.Login: a new
	// session token, the login audited), ends them (Accounts.Logout) and
	// writes bookings confirmed and cancelled to the audit log. Nil: Sessions
	// alone and no audit (tests).
	Accounts *auth.Accounts
	// Limits are the request limits on the demo login and on creating holds
	// (429 with Retry-After); nil limits nothing.
	Limits *auth.RateLimits
	// BaseURL is the public URL (http(s)://host[:port]): the UID and the
	// link of the calendar files. calendar.ics fails without it.
	BaseURL string
	// HoldOverride, when > 0, is how long every hold lasts (the service's
	// booking.Options.HoldDuration); the resource details report it.
	HoldOverride time.Duration
	// Statistics and StatisticsScope serve GET /api/v1/statistics: the
	// figures' store, and which resources the request's caller may see
	// (EUnauthorized or EForbidden for anyone but staff and integration
	// tokens). Without them the call answers 403.
	Statistics      booking.StatisticsStore
	StatisticsScope func(r *http.Request) (may func(resourceID int64) bool, err error)
	Demo            bool         // serve POST /api/v1/demo/login
	Logger          *slog.Logger // internal errors; slog.Default() when nil
}

// New returns the handler of the full paths /api/v1/…. Wrap it in
// Sessions.Middleware so that auth.Current finds the caller's identity.
//
// Unsafe cross-origin browser requests are refused with 403
// (http.CrossOriginProtection), against CSRF on the session cookie.
func New(c Config) http.Handler {
	a := newAPI(c)
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return &httpError{status: http.StatusForbidden, slug: "cross_origin", title: "Richiesta non consentita",
			detail: "Le richieste che modificano dati da un'altra origine non sono consentite."}
	}).with(a))
	return cop.Handler(a.mux)
}

// api holds the dependencies of the handlers.
type api struct {
	svc          *booking.Service
	sessions     *auth.Manager
	accounts     *auth.Accounts
	limits       *auth.RateLimits
	baseURL      string
	holdOverride time.Duration
	stats        booking.StatisticsStore
	statsScope   func(r *http.Request) (func(int64) bool, error)
	demo         bool
	log          *slog.Logger
	openapi      []byte
	mux          *http.ServeMux
}

// route is one operation; the list is also what the OpenAPI test compares
// with the document.
type route struct {
	method, path string
	h            handlerFunc
}

func newAPI(c Config) *api {
	a := &api{svc: c.Service, sessions: c.Sessions, accounts: c.Accounts, limits: c.Limits, baseURL: c.BaseURL,
		holdOverride: c.HoldOverride, stats: c.Statistics, statsScope: c.StatisticsScope, demo: c.Demo, log: c.Logger}
	if a.log == nil {
		a.log = slog.Default()
	}
	if a.sessions == nil && a.accounts != nil {
		a.sessions = a.accounts.Sessions()
	}
	a.openapi = openAPIDocument(c.Demo)
	a.mux = http.NewServeMux()
	allowed := map[string][]string{}
	var paths []string
	for _, rt := range a.routes() {
		a.mux.Handle(rt.method+" "+rt.path, rt.h.with(a))
		if allowed[rt.path] == nil {
			paths = append(paths, rt.path)
		}
		allowed[rt.path] = append(allowed[rt.path], rt.method)
	}
	// Any other method on a known path: 405 with Allow, as problem+json
	// (the mux's own answer would be text/plain).
	for _, p := range paths {
		methods := allowed[p]
		if slices.Contains(methods, http.MethodGet) {
			methods = append(methods, http.MethodHead)
		}
		allow := strings.Join(methods, ", ")
		a.mux.Handle(p, handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Allow", allow)
			return &httpError{status: http.StatusMethodNotAllowed, slug: "method_not_allowed", title: "Metodo non consentito",
				detail: "Il metodo " + r.Method + " non è previsto per questo indirizzo: usi " + allow + "."}
		}).with(a))
	}
	a.mux.Handle("/", handlerFunc(func(w http.ResponseWriter, r *http.Request) error {
		return &httpError{status: http.StatusNotFound, slug: "not_found", title: "Non trovato",
			detail: "L'indirizzo richiesto non esiste nell'API."}
	}).with(a))
	return a
}

// routes lists every operation served.
func (a *api) routes() []route {
	rs := []route{
		{"GET", "/api/v1/openapi.json", a.openAPI},
		{"GET", "/api/v1/resources", a.listResources},
		{"GET", "/api/v1/resources/{id}", a.getResource},
		{"GET", "/api/v1/resources/{id}/availability", a.availability},
		{"POST", "/api/v1/resources/{id}/queue", a.joinQueue},
		{"GET", "/api/v1/resources/{id}/queue", a.queuePlace},
		{"POST", "/api/v1/holds", a.createHold},
		{"DELETE", "/api/v1/holds/{id}", a.releaseHold},
		{"POST", "/api/v1/bookings", a.createBooking},
		{"GET", "/api/v1/bookings", a.listBookings},
		{"GET", "/api/v1/bookings/{id}", a.getBooking},
		{"GET", "/api/v1/bookings/{id}/receipt.pdf", a.receiptPDF},
		{"GET", "/api/v1/bookings/{id}/calendar.ics", a.calendarICS},
		{"DELETE", "/api/v1/bookings/{id}", a.cancelBooking},
		{"POST", "/api/v1/waitlist", a.joinWaitlist},
		{"GET", "/api/v1/waitlist", a.listWaitlist},
		{"DELETE", "/api/v1/waitlist/{id}", a.leaveWaitlist},
		{"GET", "/api/v1/statistics", a.statistics},
		{"POST", "/api/v1/logout", a.logout},
		{"GET", "/api/v1/luoghi/comuni", a.comuni},
		{"GET", "/api/v1/luoghi/province", a.province},
		{"GET", "/api/v1/luoghi/nazioni", a.nazioni},
	}
	if a.demo {
		rs = append(rs, route{"POST", "/api/v1/demo/login", a.demoLogin})
	}
	return rs
}

// handlerFunc is a handler that returns its error instead of writing it.
type handlerFunc func(w http.ResponseWriter, r *http.Request) error

// with adapts h to http.Handler, answering its error, or its panic, with
// a.error.
func (h handlerFunc) with(a *api) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				a.error(w, r, booking.Panicked(v))
			}
		}()
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		if err := h(w, r); err != nil {
			a.error(w, r, err)
		}
	})
}

// writeJSON writes v with status.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return booking.Internal(err)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
	return nil
}

// identity returns the caller's identity, or EUnauthorized.
func identity(r *http.Request) (auth.Identity, error) {
	id, ok := auth.Current(r.Context())
	if !ok || id.Subject == "" {
		return auth.Identity{}, booking.Errorf(booking.EUnauthorized, "Per questa operazione è necessario autenticarsi.")
	}
	return id, nil
}

// viewer is the caller's subject, or "" when anonymous.
func viewer(r *http.Request) string {
	id, _ := auth.Current(r.Context())
	return id.Subject
}
