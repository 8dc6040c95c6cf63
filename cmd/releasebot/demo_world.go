package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	githubemu "github.com/releasebot/releasebot/internal/emulator/github"
	sentryemu "github.com/releasebot/releasebot/internal/emulator/sentry"
)

// The demo's made-up credentials: they exist only inside the demo's
// emulators, and show that secrets stay out of every output.
const (
	demoGitHubToken = "ghs_demo_installation_token"
	demoSentryToken = "sntrys_demo_token"
	demoStageToken  = "demo-stage-secret"
)

// demoWorld is what the demo plays against, all on loopback: GitHub and
// Sentry emulators and the product itself (stage and prod health and
// metrics).
type demoWorld struct {
	github    *githubemu.Server
	sentry    *sentryemu.Emulator
	app       *demoApp
	ghURL     string // API root, as GITHUB_API_URL
	sentryURL string
	appURL    string
	servers   []*http.Server
}

func startDemoWorld(dir string) (*demoWorld, error) {
	w := &demoWorld{app: newDemoApp()}
	var err error
	w.github, err = githubemu.New(githubemu.Options{Dir: filepath.Join(dir, "github"), Tokens: map[string]string{demoGitHubToken: "releasebot[bot]"}})
	if err != nil {
		return nil, err
	}
	w.sentry = sentryemu.New("acme", "web", 4242, demoSentryToken)
	for _, s := range []struct {
		h   http.Handler
		url *string
	}{{w.github.Handler(), &w.ghURL}, {w.sentry, &w.sentryURL}, {w.app, &w.appURL}} {
		base, err := w.serve(s.h)
		if err != nil {
			w.close()
			return nil, err
		}
		*s.url = base
	}
	w.ghURL += "/api/v3"
	return w, nil
}

// serve starts h on a loopback port and returns its base URL.
func (w *demoWorld) serve(h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("could not listen on loopback: %w", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	w.servers = append(w.servers, srv)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the demo sees the failure as the requests that fail
		}
	}()
	return "http://" + ln.Addr().String(), nil
}

func (w *demoWorld) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	for _, s := range w.servers {
		_ = s.Shutdown(ctx)
	}
}

// getenv is the environment the demo's releasebot sees: the emulators'
// addresses and credentials, nothing from the real environment but
// SOURCE_DATE_EPOCH.
func (w *demoWorld) getenv(real func(string) string) func(string) string {
	vars := map[string]string{
		"GITHUB_API_URL":    w.ghURL,
		"GITHUB_TOKEN":      demoGitHubToken,
		"GITHUB_REPOSITORY": "acme/web",
		"GITHUB_SERVER_URL": "https://github.com",
		"SENTRY_URL":        w.sentryURL,
		"SENTRY_AUTH_TOKEN": demoSentryToken,
		"STAGE_TOKEN":       demoStageToken,
	}
	return func(k string) string {
		if k == "SOURCE_DATE_EPOCH" {
			return real(k)
		}
		return vars[k]
	}
}

// demoApp is the product being released: /stage/health, /prod/health and
// their /metrics, from a real Prometheus registry. An incident makes prod
// answer errors.
type demoApp struct {
	mux      *http.ServeMux
	incident atomic.Bool
	requests map[string]*prometheus.CounterVec
}

func newDemoApp() *demoApp {
	a := &demoApp{mux: http.NewServeMux(), requests: map[string]*prometheus.CounterVec{}}
	for _, env := range []string{"stage", "prod"} {
		reg := prometheus.NewRegistry()
		c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "http_requests_total", Help: "HTTP requests by status code."}, []string{"code"})
		reg.MustRegister(c)
		c.WithLabelValues("200").Add(48210)
		c.WithLabelValues("404").Add(312)
		c.WithLabelValues("500").Add(3)
		a.requests[env] = c
		a.mux.Handle("/"+env+"/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
		a.mux.HandleFunc("/"+env+"/health", func(w http.ResponseWriter, r *http.Request) {
			if env == "stage" && r.Header.Get("Authorization") != "Bearer "+demoStageToken {
				http.Error(w, `{"status":"unauthorized"}`, http.StatusUnauthorized)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			if env == "prod" && a.incident.Load() {
				w.WriteHeader(http.StatusServiceUnavailable)
				fmt.Fprint(w, `{"status":"degraded","reason":"payment provider timeouts"}`)
				return
			}
			fmt.Fprint(w, `{"status":"ok"}`)
		})
	}
	return a
}

func (a *demoApp) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// startIncident makes prod fail: 5xx in its metrics and 503 on /health.
func (a *demoApp) startIncident() {
	a.incident.Store(true)
	a.requests["prod"].WithLabelValues("500").Add(1900)
}
