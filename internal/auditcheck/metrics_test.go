package auditcheck

import (
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/releasebot/releasebot/config"

	"github.com/releasebot/releasebot/audit"
)

func metricsCheck(url string, th ...config.MetricThreshold) MetricsCheck {
	return MetricsCheck{
		Env: "stage", Source: ".github/releasebot.yml", Key: "audit.metrics", Thresholds: th,
		Endpoint: Endpoint{URL: url, Headers: stageHeaders, Getenv: getenv},
	}
}

func TestMetricsThresholds(t *testing.T) {
	t.Parallel()
	quiet := metricsServer(t, 0, 100)   // no 5xx
	failing := metricsServer(t, 3, 100) // 3 5xx of 110 requests
	fiveXX := map[string]string{"code": "5.."}
	over := func(name string, match map[string]string) *config.MetricSelector {
		return &config.MetricSelector{Name: name, Match: match}
	}
	tests := []struct {
		name     string
		srv      *httptest.Server
		th       config.MetricThreshold
		want     audit.Status
		observed string
	}{
		{"counter sum within", quiet, config.MetricThreshold{Name: "http_requests_total", Match: fiveXX, Max: 0}, audit.Pass, "0"},
		{"counter sum above", failing, config.MetricThreshold{Name: "http_requests_total", Match: fiveXX, Max: 0}, audit.Fail, "3"},
		{"two labels", failing, config.MetricThreshold{Name: "http_requests_total", Match: map[string]string{"code": "5..", "method": "POST"}, Max: 0}, audit.Fail, "1"},
		{"anchored match", failing, config.MetricThreshold{Name: "http_requests_total", Match: map[string]string{"code": "50"}, Max: 0}, audit.Pass, "0"},
		{"counter without _total", failing, config.MetricThreshold{Name: "http_requests", Match: fiveXX, Max: 5}, audit.Pass, "3"},
		{"ratio above", failing, config.MetricThreshold{Name: "http_requests_total", Match: fiveXX, Over: over("http_requests_total", nil), Max: 0.01}, audit.Fail, "0.02727 (3 / 110)"},
		{"ratio within", failing, config.MetricThreshold{Name: "http_requests_total", Match: fiveXX, Over: over("http_requests_total", nil), Max: 0.05}, audit.Pass, "0.02727 (3 / 110)"},
		{"gauge", quiet, config.MetricThreshold{Name: "inflight_requests", Max: 5}, audit.Pass, "3"},
		{"histogram count", quiet, config.MetricThreshold{Name: "http_request_duration_seconds_count", Match: map[string]string{"route": "/api"}, Max: 4}, audit.Fail, "5"},
		{"histogram bucket", quiet, config.MetricThreshold{Name: "http_request_duration_seconds_bucket", Match: map[string]string{"route": "/api", "le": "0.5"}, Max: 3}, audit.Pass, "3"},
		{"histogram +Inf bucket", quiet, config.MetricThreshold{Name: "http_request_duration_seconds_bucket", Match: map[string]string{"le": `\+Inf`}, Max: 6}, audit.Pass, "6"},
		{"histogram sum", quiet, config.MetricThreshold{Name: "http_request_duration_seconds_sum", Match: map[string]string{"route": "/api"}, Max: 4}, audit.Pass, "3.1"},
		{
			"slow request ratio", quiet,
			config.MetricThreshold{
				Name: "http_request_duration_seconds_bucket", Match: map[string]string{"route": "/api", "le": "0.1"},
				Over: over("http_request_duration_seconds_count", map[string]string{"route": "/api"}), Max: 0.5,
			},
			audit.Pass, "0.4 (2 / 5)",
		},
		{"summary count", quiet, config.MetricThreshold{Name: "response_size_bytes_count", Max: 2}, audit.Pass, "2"},
		{"summary quantile", quiet, config.MetricThreshold{Name: "response_size_bytes", Match: map[string]string{"quantile": "0.5"}, Max: 50}, audit.Fail, "100"},
		{"histogram by its own name", quiet, config.MetricThreshold{Name: "http_request_duration_seconds", Max: 1}, audit.Fail, "error"},
		{"absent metric", quiet, config.MetricThreshold{Name: "jobs_failed_total", Max: 0}, audit.Warn, "absent"},
		{"zero denominator", quiet, config.MetricThreshold{Name: "http_requests_total", Match: fiveXX, Over: over("http_requests_total", map[string]string{"code": "3.."}), Max: 0.01}, audit.Warn, "0 / 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := runCheck(t, metricsCheck(tt.srv.URL+"/metrics", tt.th), 5*time.Second)
			wantObserved := audit.SelectorExpr(config.MetricSelector{Name: tt.th.Name, Match: tt.th.Match})
			if tt.th.Over != nil {
				wantObserved += " / " + audit.SelectorExpr(*tt.th.Over)
			}
			wantObserved += " = " + tt.observed
			if got.Status != tt.want || got.Evidence.Observed != wantObserved {
				t.Errorf("got %s, observed %q (%s)\nwant %s, observed %q", got.Status, got.Evidence.Observed, got.Reason, tt.want, wantObserved)
			}
			if !strings.HasPrefix(got.Reason, tt.srv.URL+"/metrics: ") {
				t.Errorf("reason %q does not start with the URL", got.Reason)
			}
		})
	}
}

func TestMetricsReasons(t *testing.T) {
	t.Parallel()
	srv := metricsServer(t, 3, 100)
	u := srv.URL + "/metrics"
	got := runCheck(t, metricsCheck(u, config.MetricThreshold{Name: "http_requests_total", Match: map[string]string{"code": "5.."}, Max: 0}), 5*time.Second)
	want := u + `: sum(http_requests_total{code=~"5.."}) is 3, above the maximum 0`
	if got.Reason != want || got.Evidence.Threshold != `sum(http_requests_total{code=~"5.."}) ≤ 0` {
		t.Errorf("reason %q, threshold %q\nwant %q", got.Reason, got.Evidence.Threshold, want)
	}

	got = runCheck(t, metricsCheck(u,
		config.MetricThreshold{Name: "inflight_requests", Max: 5},
		config.MetricThreshold{Name: "http_requests_total", Max: 1000},
	), 5*time.Second)
	if got.Status != audit.Pass || got.Reason != u+": all 2 thresholds met" {
		t.Errorf("two passing: %s %q", got.Status, got.Reason)
	}

	got = runCheck(t, metricsCheck(u), 5*time.Second)
	if got.Status != audit.Pass || !strings.Contains(got.Reason, "samples; no thresholds in audit.metrics") {
		t.Errorf("no thresholds: %s %q", got.Status, got.Reason)
	}
}

func TestMetricsCheckBrokenAndUnconfigured(t *testing.T) {
	t.Parallel()
	th := config.MetricThreshold{Name: "http_requests_total", Max: 0}
	got := runCheck(t, metricsCheck("", th), 5*time.Second)
	if got.Status != audit.Skip || got.Reason != "stage has no metrics_url in .github/releasebot.yml" {
		t.Errorf("unconfigured: %s %q", got.Status, got.Reason)
	}

	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/garbage":
			w.Header().Set("Content-Type", "text/plain; version=0.0.4")
			fmt.Fprint(w, "# TYPE x counter\nx{code=\"500\" 3\n")
		case "/slow":
			select {
			case <-r.Context().Done():
			case <-time.After(2 * time.Second):
			}
		default:
			http.Error(w, "boom", http.StatusInternalServerError)
		}
	}))
	defer bad.Close()

	got = runCheck(t, metricsCheck(bad.URL+"/garbage", th), 5*time.Second)
	if got.Status != audit.Fail || !strings.HasPrefix(got.Reason, "could not read "+bad.URL+"/garbage as Prometheus metrics: text format parsing error in line 2") {
		t.Errorf("bad body: %s %q", got.Status, got.Reason)
	}
	got = runCheck(t, metricsCheck(bad.URL+"/error", th), 5*time.Second)
	if got.Status != audit.Fail || got.Reason != bad.URL+"/error answered 500 Internal Server Error" {
		t.Errorf("500: %s %q", got.Status, got.Reason)
	}
	got = runCheck(t, metricsCheck(bad.URL+"/slow", th), 150*time.Millisecond)
	if got.Status != audit.Fail || got.Reason != bad.URL+"/slow did not answer within 150ms" {
		t.Errorf("timeout: %s %q", got.Status, got.Reason)
	}
}

func TestParseMetricsOpenMetrics(t *testing.T) {
	t.Parallel()
	body := "# TYPE jobs counter\njobs_total{state=\"failed\"} 2\njobs_total{state=\"ok\"} 5\n# EOF\n"
	s, err := ParseMetrics([]byte(body), expfmt.NewFormat(expfmt.TypeOpenMetrics))
	if err != nil {
		t.Fatal(err)
	}
	v := s.Evaluate(config.MetricThreshold{Name: "jobs_total", Match: map[string]string{"state": "failed"}, Max: 1})
	if v.Status != audit.Fail || v.Observed != "2" {
		t.Errorf("verdict = %+v", v)
	}
}

func FuzzParseMetrics(f *testing.F) {
	f.Add([]byte("# TYPE h histogram\nh_bucket{le=\"1\"} 1\nh_bucket{le=\"+Inf\"} 2\nh_sum 3\nh_count 2\n"))
	f.Add([]byte("x_total{code=\"500\"} NaN\n"))
	f.Add([]byte("# TYPE s summary\ns{quantile=\"0.5\"} 1\ns_sum 1\ns_count 1\n"))
	f.Add([]byte("# TYPE x counter\nx_total{code=\"5(0)\",m=\"a.b\"} 3\nx_total{code=\"200\"} 1e3\ny -Inf\n"))
	th := []config.MetricThreshold{
		{Name: "x_total", Match: map[string]string{"code": "5.."}, Max: 0},
		{Name: "h_bucket", Match: map[string]string{"le": "1"}, Over: &config.MetricSelector{Name: "h_count"}, Max: 0.5},
		{Name: "h", Max: 1},
	}
	same := func(a, b float64) bool { return a == b || math.IsNaN(a) && math.IsNaN(b) }
	f.Fuzz(func(t *testing.T, body []byte) {
		s, err := ParseMetrics(body, expfmt.NewFormat(expfmt.TypeTextPlain))
		if err != nil {
			return
		}
		// Parsing is a function of the input, in a fixed order.
		again, err := ParseMetrics(body, expfmt.NewFormat(expfmt.TypeTextPlain))
		if err != nil || fmt.Sprint(again) != fmt.Sprint(s) {
			t.Fatalf("a second parse differs: %v", err)
		}
		for _, m := range th {
			v := s.Evaluate(m)
			if v.Status != audit.Pass && v.Status != audit.Warn && v.Status != audit.Fail || v.Observed == "" || v.Reason == "" {
				t.Fatalf("verdict %+v for %+v", v, m)
			}
		}
		// Label matching, on the names and labels the scrape holds: a
		// present name is found; "match anything" is no match at all; a
		// quoted value matches itself, metacharacters and all.
		for i, smp := range s.All[:min(len(s.All), 4)] {
			name := smp.Name
			all, found, err := s.Sum(config.MetricSelector{Name: name})
			if err != nil || !found {
				t.Fatalf("sample %d: %s not found: %v", i, name, err)
			}
			for label, value := range smp.Labels {
				if label == model.MetricNameLabel {
					continue
				}
				anything, found, err := s.Sum(config.MetricSelector{Name: name, Match: map[string]string{string(label): ".*"}})
				if err != nil || !found || !same(anything, all) {
					t.Fatalf("%s{%s=~\".*\"} = %v, without a match %v (%v)", name, label, anything, all, err)
				}
				if _, found, err := s.Sum(config.MetricSelector{Name: name, Match: map[string]string{string(label): regexp.QuoteMeta(string(value))}}); err != nil || !found {
					t.Fatalf("%s{%s=%q}: %v", name, label, value, err)
				}
			}
		}
	})
}
