package app

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/prenota/prenota/booking"
	"github.com/prenota/prenota/sqlstore"
)

// DefaultMetricsAllow is who may read /metrics without a token: this host.
var DefaultMetricsAllow = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}

// routeKey carries, from the request log down to the muxes, where the
// matched route pattern is written back.
type routeKey struct{}

// requestIDPattern is what an X-Request-Id from a proxy must look like to
// be kept; anything else is replaced by a new id.
var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._\-]{1,64}$`)

// observe logs one line per request (method, route pattern, status,
// duration, request id) and feeds the duration histogram. It never logs the
// path or the query: they may carry a codice fiscale (the back office's
// search) or a token. The request id comes from the proxy's X-Request-Id
// when it has one, and is sent back in X-Request-Id.
func (a *App) observe(next http.Handler, durations *prometheus.HistogramVec) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := r.Header.Get("X-Request-Id")
		if !requestIDPattern.MatchString(id) {
			var b [8]byte
			rand.Read(b[:])
			id = hex.EncodeToString(b[:])
		}
		w.Header().Set("X-Request-Id", id)
		route := new(string)
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r.WithContext(context.WithValue(r.Context(), routeKey{}, route)))
		pattern := *route
		if pattern == "" {
			pattern = "unmatched"
		}
		d := time.Since(start)
		durations.WithLabelValues(pattern, strconv.Itoa(sw.status)).Observe(d.Seconds())
		level := slog.LevelInfo
		if pattern == "GET /healthz" || pattern == "GET /metrics" {
			level = slog.LevelDebug
		}
		a.log.LogAttrs(r.Context(), level, "request", slog.String("method", r.Method), slog.String("route", pattern),
			slog.Int("status", sw.status), slog.Float64("duration_ms", float64(d.Microseconds())/1000),
			slog.Int64("bytes", sw.bytes), slog.String("request_id", id))
	})
}

// recordRoute writes the pattern of the mux it wraps into the request
// log's slot, unless a mux inside it wrote first. Every ServeMux sets
// Request.Pattern on the request it serves, and a sub-mux (API, portal,
// back office) is given the same *Request, so the field holds the most
// specific pattern ("POST /api/v1/holds"); a handler that hands a copy of
// the request to its sub-mux (the integration tokens) needs its own
// recordRoute inside.
func recordRoute(mux http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mux.ServeHTTP(w, r)
		if slot, ok := r.Context().Value(routeKey{}).(*string); ok && *slot == "" {
			*slot = r.Pattern
		}
	})
}

type statusWriter struct {
	http.ResponseWriter
	status      int
	bytes       int64
	wroteHeader bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wroteHeader {
		w.status, w.wroteHeader = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wroteHeader = true
	n, err := w.ResponseWriter.Write(b)
	w.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the server's writer (flush, deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// guardMetrics serves /metrics to the addresses of allow connecting
// directly (not through a proxy: a request that carries X-Forwarded-For or
// Forwarded came from elsewhere, even when the proxy is on this host), and
// to anyone with the bearer token when one is set.
func guardMetrics(h http.Handler, allow []netip.Prefix, token string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if token != "" {
			if got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok &&
				subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1 {
				h.ServeHTTP(w, r)
				return
			}
		}
		if r.Header.Get("X-Forwarded-For") == "" && r.Header.Get("Forwarded") == "" {
			if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
				if ip, err := netip.ParseAddr(host); err == nil {
					for _, p := range allow {
						if p.Contains(ip.Unmap()) {
							h.ServeHTTP(w, r)
							return
						}
					}
				}
			}
		}
		http.Error(w, "metrics: only for the monitoring (see --metrics-allow and --metrics-token)", http.StatusForbidden)
	})
}

// serviceMetrics are the booking counters of this instance and the gauges
// read from the database at each scrape (the same on every instance).
type serviceMetrics struct {
	holds     *prometheus.CounterVec // result: created, conflict
	confirmed prometheus.Counter
	cancelled prometheus.Counter
}

func newServiceMetrics() *serviceMetrics {
	m := &serviceMetrics{
		holds: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "prenota_holds_total",
			Help: "Holds asked of this instance, by result: created, or conflict (a seat already taken)."}, []string{"result"}),
		confirmed: prometheus.NewCounter(prometheus.CounterOpts{Name: "prenota_bookings_confirmed_total", Help: "Bookings confirmed by this instance."}),
		cancelled: prometheus.NewCounter(prometheus.CounterOpts{Name: "prenota_bookings_cancelled_total", Help: "Bookings cancelled by this instance (citizen or staff)."}),
	}
	m.holds.WithLabelValues("created")
	m.holds.WithLabelValues("conflict")
	return m
}

// register adds the service's metrics to reg and returns the histogram of
// request durations by route pattern and status code.
func (m *serviceMetrics) register(reg prometheus.Registerer, store *sqlstore.Store) *prometheus.HistogramVec {
	durations := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "prenota_http_request_duration_seconds",
		Help:    "Time to answer HTTP requests, by route pattern and status code.",
		Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}}, []string{"route", "code"})
	reg.MustRegister(m.holds, m.confirmed, m.cancelled, durations, dbCollector{store})
	return durations
}

// meteredStore counts holds, confirmations and cancellations on their way
// to the database; the booking service and the back office both use it.
type meteredStore struct {
	*sqlstore.Store
	m *serviceMetrics
}

func (s meteredStore) CreateHold(ctx context.Context, h *booking.Hold, g booking.Guard, d time.Duration) error {
	err := s.Store.CreateHold(ctx, h, g, d)
	switch {
	case err == nil:
		s.m.holds.WithLabelValues("created").Inc()
	case booking.ErrorCode(err) == booking.EConflict:
		s.m.holds.WithLabelValues("conflict").Inc()
	}
	return err
}

func (s meteredStore) Confirm(ctx context.Context, b *booking.Booking, g booking.Guard) (bool, error) {
	created, err := s.Store.Confirm(ctx, b, g)
	if created && err == nil {
		s.m.confirmed.Inc()
	}
	return created, err
}

func (s meteredStore) Cancel(ctx context.Context, id, reason string) (booking.Booking, error) {
	b, err := s.Store.Cancel(ctx, id, reason)
	if err == nil {
		s.m.cancelled.Inc()
	}
	return b, err
}

// dbCollector reads the database at each scrape: whether it answers, and
// the depth and oldest message of each outbox queue.
type dbCollector struct{ store *sqlstore.Store }

var (
	dbUpDesc     = prometheus.NewDesc("prenota_database_up", "1 when the database answered this scrape within 2 seconds.", nil, nil)
	depthDesc    = prometheus.NewDesc("prenota_outbox_depth", "Messages waiting in the outbox, by queue (outbox: booking events; jobs: deliveries).", []string{"queue"}, nil)
	oldestDesc   = prometheus.NewDesc("prenota_outbox_oldest_age_seconds", "Age of the oldest message waiting, by queue (0 when empty).", []string{"queue"}, nil)
	outboxQueues = []string{sqlstore.OutboxQueue, sqlstore.JobsQueue}
)

func (c dbCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- dbUpDesc
	ch <- depthDesc
	ch <- oldestDesc
}

func (c dbCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	stats, err := c.store.OutboxStats(ctx, time.Now())
	up := 1.0
	if err != nil && !errors.Is(err, context.Canceled) {
		up = 0
	}
	ch <- prometheus.MustNewConstMetric(dbUpDesc, prometheus.GaugeValue, up)
	if err != nil {
		return
	}
	for _, q := range outboxQueues {
		st := stats[q]
		ch <- prometheus.MustNewConstMetric(depthDesc, prometheus.GaugeValue, float64(st.Depth), q)
		ch <- prometheus.MustNewConstMetric(oldestDesc, prometheus.GaugeValue, st.OldestAge.Seconds(), q)
	}
}
