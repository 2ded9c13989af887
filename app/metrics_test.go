package app

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/prenota/prenota/internal/testdb"
)

func newMetricsApp(t *testing.T, dialect string, allow []netip.Prefix, token string) *httptest.Server {
	t.Helper()
	a, err := New(t.Context(), Config{Addr: "127.0.0.1:0", DatabaseURL: testdb.URL(t, dialect), BaseURL: "http://localhost:8080",
		Demo: true, MetricsAllow: allow, MetricsToken: token, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Close() })
	srv := httptest.NewServer(a.Handler())
	t.Cleanup(srv.Close)
	return srv
}

func scrape(t *testing.T, srv *httptest.Server, header ...string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("GET", srv.URL+"/metrics", nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestMetricsAccess: /metrics answers this host connecting directly, or a
// bearer token; not a request relayed by a proxy, not other addresses.
func TestMetricsAccess(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) {
			def := newMetricsApp(t, d, nil, "")
			if st, _ := scrape(t, def); st != 200 {
				t.Errorf("loopback, default allow list: %d", st)
			}
			if st, _ := scrape(t, def, "X-Forwarded-For", "203.0.113.9"); st != http.StatusForbidden {
				t.Errorf("relayed by a proxy on this host: %d, want 403", st)
			}
			if st, _ := scrape(t, def, "Forwarded", "for=203.0.113.9"); st != http.StatusForbidden {
				t.Errorf("relayed (Forwarded): %d, want 403", st)
			}
			other := newMetricsApp(t, d, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, "un-token-lungo")
			for _, tc := range []struct {
				name   string
				header []string
				want   int
			}{
				{"not in the allow list", nil, http.StatusForbidden},
				{"wrong token", []string{"Authorization", "Bearer altro"}, http.StatusForbidden},
				{"token", []string{"Authorization", "Bearer un-token-lungo"}, 200},
				{"token through a proxy", []string{"Authorization", "Bearer un-token-lungo", "X-Forwarded-For", "203.0.113.9"}, 200},
			} {
				if st, _ := scrape(t, other, tc.header...); st != tc.want {
					t.Errorf("%s: %d, want %d", tc.name, st, tc.want)
				}
			}
		})
	}
}

var (
	metricName = regexp.MustCompile("prenota_[a-z_]+")
	docMetric  = regexp.MustCompile("`(prenota_[a-z_]+)") // in docs/operations.md, metrics are code
)

// TestOperationsMetrics: every metric docs/operations.md names is served at
// /metrics; the alert rules parse (promtool when installed, else as YAML
// with every rule complete) and, like the Grafana dashboard, use only
// served metrics.
func TestOperationsMetrics(t *testing.T) {
	for _, d := range testdb.Dialects() {
		t.Run(d, func(t *testing.T) { testOperationsMetrics(t, d) })
	}
}

func testOperationsMetrics(t *testing.T, dialect string) {
	srv := newMetricsApp(t, dialect, nil, "")
	if res, err := http.Get(srv.URL + "/healthz"); err != nil {
		t.Fatal(err)
	} else {
		res.Body.Close()
	}
	st, body := scrape(t, srv)
	if st != 200 {
		t.Fatalf("/metrics: %d", st)
	}
	served := map[string]bool{}
	for _, line := range strings.Split(body, "\n") {
		if f := strings.Fields(line); len(f) >= 3 && f[0] == "#" && f[1] == "TYPE" {
			served[f[2]] = true
		}
	}
	known := func(name string) bool {
		for _, suffix := range []string{"", "_bucket", "_count", "_sum"} {
			if base, ok := strings.CutSuffix(name, suffix); ok && served[base] {
				return true
			}
		}
		return false
	}
	if !strings.Contains(body, `prenota_http_request_duration_seconds_count{code="200",route="GET /healthz"} 1`) {
		t.Errorf("no duration of the GET /healthz just made:\n%s", grep(body, "prenota_http"))
	}

	doc, err := os.ReadFile("../docs/operations.md")
	if err != nil {
		t.Fatal(err)
	}
	var documented []string
	for _, m := range docMetric.FindAllStringSubmatch(string(doc), -1) {
		documented = append(documented, m[1])
	}
	documented = slices.Compact(slices.Sorted(slices.Values(documented)))
	if len(documented) < 8 {
		t.Fatalf("docs/operations.md names only %v", documented)
	}
	for _, m := range documented {
		if !known(m) {
			t.Errorf("docs/operations.md names %s, not served at /metrics", m)
		}
	}

	const rulesFile = "../deploy/prometheus/prenota-alerts.yml"
	if promtool, err := exec.LookPath("promtool"); err == nil {
		if out, err := exec.Command(promtool, "check", "rules", rulesFile).CombinedOutput(); err != nil {
			t.Errorf("promtool check rules: %v\n%s", err, out)
		}
	}
	raw, err := os.ReadFile(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	var rules struct {
		Groups []struct {
			Name  string
			Rules []struct {
				Alert       string
				Expr        string
				For         string
				Labels      map[string]string
				Annotations map[string]string
			}
		}
	}
	dec := yaml.NewDecoder(strings.NewReader(string(raw)))
	dec.KnownFields(true)
	if err := dec.Decode(&rules); err != nil {
		t.Fatalf("%s: %v", rulesFile, err)
	}
	var alerts []string
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			alerts = append(alerts, r.Alert)
			if _, err := time.ParseDuration(r.For); err != nil || r.Alert == "" || strings.TrimSpace(r.Expr) == "" ||
				r.Labels["severity"] == "" || r.Annotations["summary"] == "" {
				t.Errorf("incomplete rule %+v", r)
			}
			for _, m := range metricName.FindAllString(r.Expr, -1) {
				if !known(m) {
					t.Errorf("alert %s uses %s, not served", r.Alert, m)
				}
			}
		}
	}
	for _, want := range []string{"PrenotaMailStuck", "PrenotaHigh5xxRate", "PrenotaDatabaseDown"} {
		if !slices.Contains(alerts, want) {
			t.Errorf("no alert %s in %v", want, alerts)
		}
	}

	raw, err = os.ReadFile("../deploy/grafana/prenota-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(raw, &dash); err != nil || len(dash.Panels) == 0 {
		t.Fatalf("dashboard: %v, %d panels", err, len(dash.Panels))
	}
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			for _, m := range metricName.FindAllString(tg.Expr, -1) {
				if !known(m) {
					t.Errorf("panel %q uses %s, not served", p.Title, m)
				}
			}
		}
	}
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
