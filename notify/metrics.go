package notify

import "github.com/prometheus/client_golang/prometheus"

// Metrics count the deliveries, by channel ("email", "appio") and kind
// ("confirmation", "cancellation", "reminder").
type Metrics struct {
	Queued  *prometheus.CounterVec // deliveries enqueued
	Sent    *prometheus.CounterVec // deliveries delivered
	Retried *prometheus.CounterVec // attempts after a failed one
	Failed  *prometheus.CounterVec // failed attempts (each is retried later)
	Skipped *prometheus.CounterVec // deliveries with nothing to do: not on App IO, booking cancelled before its reminder…
}

// NewMetrics makes the counters and registers them with reg (when not nil).
func NewMetrics(reg prometheus.Registerer) *Metrics {
	vec := func(name, help string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "prenota", Subsystem: "notify", Name: name, Help: help}, []string{"channel", "kind"})
	}
	m := &Metrics{
		Queued:  vec("messages_queued_total", "Messages enqueued for delivery."),
		Sent:    vec("messages_sent_total", "Messages delivered."),
		Retried: vec("messages_retried_total", "Delivery attempts that follow a failed attempt."),
		Failed:  vec("messages_failed_total", "Failed delivery attempts; each is retried with backoff."),
		Skipped: vec("messages_skipped_total", "Messages not sent because there was nothing to deliver (citizen not on App IO, booking cancelled or past)."),
	}
	if reg != nil {
		reg.MustRegister(m.Queued, m.Sent, m.Retried, m.Failed, m.Skipped)
	}
	return m
}
