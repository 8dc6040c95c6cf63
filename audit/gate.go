package audit

import (
	"context"

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
	// Probes builds the health, metrics and Sentry checks
	// (internal/auditcheck); nil skips them, saying none is wired.
	Probes Probes
	Runner Runner // timeouts; the zero value uses DefaultTimeout
	// OnReport, when set, receives every evaluation, refused or not.
	OnReport func(env string, r Report)
}

var _ chatops.Gate = (*Gate)(nil)

// Check runs the gates of req.Environment. It returns nil when none fails
// and a *chatops.GateError naming the first failing check (in the order
// health, metrics, sentry) with its reason otherwise.
func (g *Gate) Check(ctx context.Context, req chatops.GateRequest) error {
	var secrets []string
	if g.Probes != nil {
		secrets = g.Probes.Secrets()
	}
	rep := g.Runner.withSecrets(secrets...).Run(ctx, g.Checks(req.Environment)...)
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
	probes := g.Probes
	if probes == nil {
		probes = noProbes{}
	}
	target := func(u string) Target { return Target{Env: env, Source: cfg.Source, URL: u, Environment: e} }
	var checks []Check
	if gates.Health != nil && !*gates.Health {
		checks = append(checks, Skipped("health", "canary.gates.health is false in "+cfg.Source))
	} else {
		checks = append(checks, probes.Health(target(e.HealthURL)))
	}
	if len(gates.Metrics) == 0 {
		checks = append(checks, Skipped("metrics", "no canary.gates.metrics in "+cfg.Source))
	} else {
		checks = append(checks, probes.Metrics(target(e.MetricsURL), "canary.gates.metrics", gates.Metrics))
	}
	r := SentryRelease{Environment: e, Missing: "no current release tag for the Sentry gate", Max: maxSentryIssues(cfg)}
	if g.Release != "" {
		r.Release = g.Release + e.ReleaseSuffix
	}
	return append(checks, probes.Sentry(r))
}
