package auditcheck

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/config"

	"github.com/releasebot/releasebot/audit"
)

type gateSetup struct {
	health       *httptest.Server
	metrics      *httptest.Server
	sentryIssues int
	thresholds   []config.MetricThreshold
}

func newGate(t *testing.T, s gateSetup) *audit.Gate {
	t.Helper()
	cfg := config.Default()
	cfg.Sentry = config.Sentry{Org: "acme", Project: "web"}
	env := &config.Environment{Headers: stageHeaders, SentryEnvironment: "stage", ReleaseSuffix: "+stage"}
	if s.health != nil {
		env.HealthURL = s.health.URL + "/health"
	}
	if s.metrics != nil {
		env.MetricsURL = s.metrics.URL + "/metrics"
	}
	cfg.Environments = map[string]*config.Environment{"stage": env}
	cfg.Canary.Gates.Metrics = s.thresholds
	_, target := sentryServer(t, s.sentryIssues)
	return &audit.Gate{Config: cfg, Release: "v1.2.3", Probes: Sources{Getenv: getenv, SentryAPI: target}, Runner: audit.Runner{Timeout: 5 * time.Second}}
}

var errorBudget = []config.MetricThreshold{{
	Name: "http_requests_total", Match: map[string]string{"code": "5.."},
	Over: &config.MetricSelector{Name: "http_requests_total"}, Max: 0.01,
}}

func TestGateRefusesOnFailingHealth(t *testing.T) {
	t.Parallel()
	healthSrv, _ := healthServer(t, 503, "application/json", `{"status":"down"}`, 0)
	g := newGate(t, gateSetup{health: healthSrv, metrics: metricsServer(t, 0, 100), thresholds: errorBudget})
	err := g.Check(context.Background(), chatops.GateRequest{Environment: "stage", From: 10, To: 50})
	var ge *chatops.GateError
	if !errors.As(err, &ge) {
		t.Fatalf("Check = %v, want a *chatops.GateError", err)
	}
	want := healthSrv.URL + "/health answered 503 Service Unavailable"
	if ge.Check != "health" || ge.Reason != want {
		t.Errorf("GateError{%q, %q}, want {health, %q}", ge.Check, ge.Reason, want)
	}
	noSecret(t, "gate error", err.Error())
}

func TestGatePasses(t *testing.T) {
	t.Parallel()
	healthSrv, _ := healthServer(t, 200, "application/json", `{"status":"ok"}`, 0)
	g := newGate(t, gateSetup{health: healthSrv, metrics: metricsServer(t, 0, 100), thresholds: errorBudget})
	var seen audit.Report
	g.OnReport = func(env string, r audit.Report) { seen = r }
	if err := g.Check(context.Background(), chatops.GateRequest{Environment: "stage", From: 10, To: 50}); err != nil {
		t.Fatalf("Check = %v", err)
	}
	if len(seen.Checks) != 3 || seen.Status != audit.Pass {
		t.Errorf("report = %+v", seen)
	}
}

func TestGateRefusals(t *testing.T) {
	t.Parallel()
	okHealth, _ := healthServer(t, 200, "application/json", `{"status":"ok"}`, 0)
	degraded, _ := healthServer(t, 200, "application/json", `{"status":"degraded"}`, 0)
	tests := []struct {
		name   string
		setup  gateSetup
		env    string
		check  string // "" means no refusal
		reason string
	}{
		{"metrics over budget", gateSetup{health: okHealth, metrics: metricsServer(t, 3, 100), thresholds: errorBudget}, "stage", "metrics",
			`: sum(http_requests_total{code=~"5.."}) / sum(http_requests_total) is 0.02727 (3 / 110), above the maximum 0.01`},
		{"sentry issues", gateSetup{health: okHealth, sentryIssues: 2}, "stage", "sentry",
			"2 unresolved issues in release v1.2.3+stage (stage), more than 0 allowed: "},
		{"a warning does not refuse", gateSetup{health: degraded}, "stage", "", ""},
		{"unconfigured services do not refuse", gateSetup{}, "stage", "", ""},
		{"unknown environment does not refuse", gateSetup{health: okHealth}, "prod", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := newGate(t, tt.setup)
			err := g.Check(context.Background(), chatops.GateRequest{Environment: tt.env, From: 0, To: 10})
			if tt.check == "" {
				if err != nil {
					t.Fatalf("Check = %v, want nil", err)
				}
				return
			}
			var ge *chatops.GateError
			if !errors.As(err, &ge) || ge.Check != tt.check || !strings.Contains(ge.Reason, tt.reason) {
				t.Fatalf("Check = %#v, want %s refusing with …%s", err, tt.check, tt.reason)
			}
		})
	}
}

func TestGateChecksFollowConfiguration(t *testing.T) {
	t.Parallel()
	cfg := config.Default()
	cfg.Environments = map[string]*config.Environment{"prod": {HealthURL: "https://example.com/health"}}
	no := false
	cfg.Canary.Gates.Health = &no
	g := NewGate(cfg, "", func(string) string { return "" })
	rep := audit.Runner{}.Run(context.Background(), g.Checks("prod")...)
	if len(rep.Checks) != 3 {
		t.Fatalf("%d gate checks, want health, metrics and sentry", len(rep.Checks))
	}
	want := []string{
		"health skip canary.gates.health is false in built-in defaults",
		"metrics skip no canary.gates.metrics in built-in defaults",
		"sentry skip no sentry.org and sentry.project in built-in defaults (or SENTRY_ORG and SENTRY_PROJECT)",
	}
	for i, c := range rep.Checks {
		if got := c.Name + " " + string(c.Status) + " " + c.Reason; got != want[i] {
			t.Errorf("check %d: %q, want %q", i, got, want[i])
		}
	}
}
