package main

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// opsFlags adds the flags of logging and monitoring.
func (f *flags) opsFlags(getenv func(string) string) {
	f.logFormat = getenv("PRENOTA_LOG_FORMAT")
	f.fs.StringVar(&f.logFormat, "log-format", f.logFormat, "text (default, for a terminal) or json (one JSON object a line, for log shipping) [PRENOTA_LOG_FORMAT]")
	setAllow := func(s string) error {
		f.cfg.MetricsAllow = []netip.Prefix{} // empty: a token only
		for _, p := range strings.Split(s, ",") {
			if p = strings.TrimSpace(p); p == "" {
				continue
			}
			pfx, err := netip.ParsePrefix(p)
			if err != nil {
				a, err2 := netip.ParseAddr(p)
				if err2 != nil {
					return fmt.Errorf("metrics-allow %q: want an address or a CIDR such as 10.0.0.0/8", p)
				}
				pfx = netip.PrefixFrom(a, a.BitLen())
			}
			f.cfg.MetricsAllow = append(f.cfg.MetricsAllow, pfx)
		}
		return nil
	}
	if v := getenv("PRENOTA_METRICS_ALLOW"); v != "" {
		if err := setAllow(v); err != nil {
			f.err = errors.Join(f.err, fmt.Errorf("PRENOTA_METRICS_ALLOW: %w", err))
		}
	}
	f.fs.Func("metrics-allow", "addresses or CIDRs that may read /metrics directly, comma-separated; none (an empty value): only with --metrics-token (default 127.0.0.0/8,::1) [PRENOTA_METRICS_ALLOW]", setAllow)
	f.fs.StringVar(&f.cfg.MetricsToken, "metrics-token", f.fileEnv(getenv, "PRENOTA_METRICS_TOKEN"), "bearer token that lets Prometheus read /metrics from anywhere [PRENOTA_METRICS_TOKEN, PRENOTA_METRICS_TOKEN_FILE]")
}
