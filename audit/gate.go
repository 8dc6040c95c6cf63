package audit

import (
	"context"
	"net/http"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/config"
)

// Gate is the canary gate: before the canary of an environment is raised it
// runs the checks the configuration's canary.gates ask for — health, metrics
// against canary.gates.metrics, and Sentry issues of the release — and
// refuses with the first failing check. A warn or a skip (a service not
// configured) does not refuse.
type Gate struct {
	Config *config.Config
	// Release is the current release tag ("v1.4.0"); the Sentry release is
	// it plus the environment's release_suffix. Empty skips the Sentry gate.
	Release string
	// Getenv expands ${VAR} in the environment's headers.
	Getenv     func(string) string
	HTTPClient *http.Client
	Sentry     SentryTarget // see SentryFromEnv; zero skips the Sentry gate
	Runner     Runner       // timeouts; the zero value uses DefaultTimeout
	// OnReport, when set, receives every evaluation, refused or not.
	OnReport func(env string, r Report)
}

var _ chatops.Gate = (*Gate)(nil)

// NewGate returns a gate for the release tag with Sentry read from getenv
// (see SentryFromEnv).
func NewGate(cfg *config.Config, release string, getenv func(string) string) *Gate {
	return &Gate{Config: cfg, Release: release, Getenv: getenv, Sentry: SentryFromEnv(getenv, cfg, nil)}
}

// Check runs the gates of req.Environment. It returns nil when none fails
// and a *chatops.GateError naming the first failing check (in the order
// health, metrics, sentry) with its reason otherwise.
func (g *Gate) Check(ctx context.Context, req chatops.GateRequest) error {
	rep := g.Runner.withSecrets(g.Sentry.Token).Run(ctx, g.Checks(req.Environment)...)
	if g.OnReport != nil {
		g.OnReport(req.Environment, rep)
	}
	for _, c := range rep.Checks {
		if c.Status == Fail {
			return &chatops.GateError{Check: c.Name, Reason: c.Reason}
		}
	}
	return nil
}

// Checks are the gate's checks for one environment.
func (g *Gate) Checks(env string) []Check {
	cfg := g.Config
	gates := cfg.Canary.Gates
	e, known := cfg.Environments[env]
	if !known || e == nil {
		reason := envMissing(cfg, env)
		return []Check{Skipped("health", reason), Skipped("metrics", reason), Skipped("sentry", reason)}
	}
	endpoint := func(u string) Endpoint {
		return Endpoint{URL: u, Headers: e.Headers, Getenv: g.Getenv, Client: g.HTTPClient}
	}
	var checks []Check
	if gates.Health != nil && !*gates.Health {
		checks = append(checks, Skipped("health", "canary.gates.health is false in "+cfg.Source))
	} else {
		checks = append(checks, HealthCheck{Env: env, Source: cfg.Source, Endpoint: endpoint(e.HealthURL)})
	}
	if len(gates.Metrics) == 0 {
		checks = append(checks, Skipped("metrics", "no canary.gates.metrics in "+cfg.Source))
	} else {
		checks = append(checks, MetricsCheck{Env: env, Source: cfg.Source, Key: "canary.gates.metrics", Thresholds: gates.Metrics, Endpoint: endpoint(e.MetricsURL)})
	}
	release := ""
	if g.Release != "" {
		release = g.Release + e.ReleaseSuffix
	}
	return append(checks, g.Sentry.check(cfg, e, release, "no current release tag for the Sentry gate"))
}
