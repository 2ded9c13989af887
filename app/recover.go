package app

import (
	"html/template"
	"log/slog"
	"net/http"
	"strings"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/internal/httperr"
)

// recoverPanics is the last net under every request: a panic that no front
// end answered (a middleware, the identity pages) is logged with its stack
// and answered with a 500, problem+json under /api/, an Italian page
// elsewhere. The server goes on serving. An answer already begun is cut
// short instead, so the client sees it failed.
func recoverPanics(log *slog.Logger, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tw := &trackingWriter{ResponseWriter: w}
		defer func() {
			v := recover()
			if v == nil {
				return
			}
			if v == http.ErrAbortHandler {
				panic(v)
			}
			log.Error("panic", "method", r.Method, "path", r.URL.Path, "err", booking.Panicked(v))
			if tw.wrote {
				panic(http.ErrAbortHandler)
			}
			err := booking.Panicked(v)
			w.Header().Set("Cache-Control", "no-store")
			if strings.HasPrefix(r.URL.Path, "/api/") {
				p := httperr.ProblemOf(err)
				p.Instance = r.URL.Path
				httperr.Write(w, p)
				return
			}
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(httperr.Status(err))
			panicPage.Execute(w, booking.ErrorMessage(err))
		}()
		h.ServeHTTP(tw, r)
	})
}

var panicPage = template.Must(template.New("").Parse(`<!DOCTYPE html>
<html lang="it"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Si è verificato un errore</title></head>
<body><main><h1>Si è verificato un errore</h1><p>{{.}}</p><p><a href="/">Torna alla home</a></p></main></body></html>
`))

// trackingWriter notes whether the answer has begun.
type trackingWriter struct {
	http.ResponseWriter
	wrote bool
}

func (w *trackingWriter) WriteHeader(status int) {
	w.wrote = true
	w.ResponseWriter.WriteHeader(status)
}

func (w *trackingWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *trackingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
