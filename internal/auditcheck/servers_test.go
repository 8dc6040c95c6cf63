package auditcheck

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/releasebot/releasebot/config"
	sentryemu "github.com/releasebot/releasebot/internal/emulator/sentry"
)

// secret is STAGE_TOKEN's value: it must appear in no output.
const secret = "stg_9f3e7c1a5b2d4e6f"

func getenv(name string) string {
	if name == "STAGE_TOKEN" {
		return secret
	}
	return ""
}

var stageHeaders = map[string]config.Template{"Authorization": "Bearer ${STAGE_TOKEN}"}

// requireAuth answers 401 unless the request carries the stage token.
func requireAuth(t *testing.T, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+secret {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		h(w, r)
	}
}

// healthServer answers /health with status and body, after delay.
func healthServer(t *testing.T, status int, contentType, body string, delay time.Duration) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var hits atomic.Int32
	srv := httptest.NewServer(requireAuth(t, func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.URL.Path != "/health" {
			http.NotFound(w, r)
			return
		}
		if delay > 0 {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(delay):
			}
		}
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

// metricsServer serves a real client_golang registry: a request counter by
// code and method, a latency histogram, a gauge and a summary.
func metricsServer(t *testing.T, errors5xx, ok2xx int) *httptest.Server {
	t.Helper()
	reg := prometheus.NewRegistry()
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "http_requests_total", Help: "Requests."}, []string{"code", "method"})
	latency := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "http_request_duration_seconds", Help: "Latency.", Buckets: []float64{0.1, 0.5, 1},
	}, []string{"route"})
	inflight := prometheus.NewGauge(prometheus.GaugeOpts{Name: "inflight_requests", Help: "In flight."})
	sizes := prometheus.NewSummary(prometheus.SummaryOpts{Name: "response_size_bytes", Help: "Sizes.", Objectives: map[float64]float64{0.5: 0.05}})
	reg.MustRegister(requests, latency, inflight, sizes)
	requests.WithLabelValues("200", "GET").Add(float64(ok2xx))
	if errors5xx > 0 {
		requests.WithLabelValues("500", "GET").Add(float64(errors5xx - errors5xx/2))
		requests.WithLabelValues("503", "POST").Add(float64(errors5xx / 2))
	}
	requests.WithLabelValues("404", "GET").Add(7)
	for _, v := range []float64{0.05, 0.05, 0.3, 0.7, 2} {
		latency.WithLabelValues("/api").Observe(v)
	}
	latency.WithLabelValues("/health").Observe(0.01)
	inflight.Set(3)
	sizes.Observe(100)
	sizes.Observe(300)
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	srv := httptest.NewServer(requireAuth(t, mux.ServeHTTP))
	t.Cleanup(srv.Close)
	return srv
}

// sentryServer runs the Sentry emulator with issues of v1.2.3+stage.
func sentryServer(t *testing.T, stageIssues int) (*sentryemu.Emulator, SentryTarget) {
	t.Helper()
	emu := sentryemu.NewTest(t, "acme", "web", 7, "sentry-api-token-0042")
	emu.AddIssues("acme", "web", "v1.2.3+stage", "stage", stageIssues)
	emu.AddIssues("acme", "web", "v1.2.3+stage", "prod", 2)
	emu.AddIssues("acme", "web", "v1.2.2+stage", "stage", 2)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	cfg := config.Default()
	cfg.Sentry = config.Sentry{Org: "acme", Project: "web"}
	env := map[string]string{"SENTRY_AUTH_TOKEN": "sentry-api-token-0042", "SENTRY_URL": srv.URL}
	return emu, SentryFromEnv(func(k string) string { return env[k] }, cfg, srv.Client())
}

func githubTarget(t *testing.T, srv *httptest.Server) GitHubTarget {
	t.Helper()
	env := map[string]string{
		"GITHUB_TOKEN": "ghs_test_token", "GITHUB_REPOSITORY": "acme/web",
		"GITHUB_API_URL": srv.URL + "/api/v3", "GITHUB_SERVER_URL": "https://github.com",
	}
	return GitHubFromEnv(func(k string) string { return env[k] }, srv.Client().Transport)
}

// closedURL is an address where nothing listens.
func closedURL(t *testing.T, path string) string {
	t.Helper()
	srv := httptest.NewServer(http.NotFoundHandler())
	u := srv.URL + path
	srv.Close()
	return u
}

// noSecret fails when the secret appears in s.
func noSecret(t *testing.T, what, s string) {
	t.Helper()
	if strings.Contains(s, secret) {
		t.Errorf("%s holds the secret: %s", what, s)
	}
}
