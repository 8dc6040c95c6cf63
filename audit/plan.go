package audit

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"github.com/releasebot/releasebot/config"
)

// DefaultAuditEnvironment is the environment the self-audit probes.
const DefaultAuditEnvironment = "stage"

// Plan is a self-audit: the configuration and the inputs the caller gathered
// (from git, the flag file, the release notes, the environment). Checks
// turns it into the checks of DESIGN §7 in their table order.
type Plan struct {
	Config *config.Config
	// Environment is probed by health, metrics and sentry; "" means
	// DefaultAuditEnvironment.
	Environment string
	// Probes builds the checks that ask outside services (ci, health,
	// metrics, sentry); nil skips them, saying none is wired.
	Probes Probes
	Commit string // the release commit, for ci

	Version    VersionCheck // Next is also the Sentry release's version
	StageFlags StageFlagsCheck
	ProdFlags  ProdFlagsCheck
	Notes      NotesCheck
}

// Checks returns ci, health, metrics, sentry, flags-stage, flags-prod,
// version and notes.
func (p Plan) Checks() []Check {
	cfg := p.Config
	name := cmp.Or(p.Environment, DefaultAuditEnvironment)
	e := cfg.Environment(name)
	release, releaseMissing := p.sentryRelease(e)
	probes := p.Probes
	if probes == nil {
		probes = noProbes{}
	}
	return []Check{
		probes.CI(p.Commit),
		probes.Health(Target{Env: name, Source: cfg.Source, URL: e.HealthURL, Environment: e}),
		probes.Metrics(Target{Env: name, Source: cfg.Source, URL: e.MetricsURL, Environment: e}, "audit.metrics", cfg.Audit.Metrics),
		probes.Sentry(SentryRelease{Environment: e, Release: release, Missing: releaseMissing, Max: maxSentryIssues(cfg)}),
		p.StageFlags,
		p.ProdFlags,
		p.Version,
		p.Notes,
	}
}

func (p Plan) sentryRelease(e *config.Environment) (release, missing string) {
	if p.Version.Next == "" {
		return "", "no release version to look up in Sentry (--version X.Y.Z)"
	}
	raw := strings.TrimPrefix(strings.TrimPrefix(p.Version.Next, p.Config.TagPrefix), "v")
	return p.Config.TagPrefix + raw + e.ReleaseSuffix, ""
}

// Secrets are the tokens the plan's probes hold, for Runner.Secrets
// (header values are declared by the checks themselves).
func (p Plan) Secrets() []string {
	if p.Probes == nil {
		return nil
	}
	return p.Probes.Secrets()
}

// Run runs the plan's checks with r, redacting the plan's secrets.
func (p Plan) Run(ctx context.Context, r Runner) Report {
	return r.withSecrets(p.Secrets()...).Run(ctx, p.Checks()...)
}

// fixed is a check whose verdict is known without running anything, such as
// a gate turned off in the configuration.
type fixed struct {
	name string
	res  Result
}

func (f fixed) String() string                      { return f.name }
func (f fixed) Run(context.Context) (Result, error) { return f.res, nil }

// Skipped is a check that always skips with reason.
func Skipped(name, reason string) Check {
	return fixed{name: name, res: skipped(reason)}
}

// envMissing is the skip reason for an environment absent from the
// configuration.
func envMissing(cfg *config.Config, name string) string {
	return fmt.Sprintf("no environment %q in %s", name, cfg.Source)
}

// Probes builds the checks that ask outside services, so that the audit
// decides which checks run, in what order and against what, without a
// client of its own. internal/auditcheck implements it over HTTP, GitHub
// and Sentry.
type Probes interface {
	// CI is the "ci" check of the release commit (empty: none to check).
	CI(commit string) Check
	// Health is the "health" check of t.URL (empty: the check skips).
	Health(t Target) Check
	// Metrics is the "metrics" check of t.URL against the thresholds from
	// key ("audit.metrics", "canary.gates.metrics").
	Metrics(t Target, key string, thresholds []config.MetricThreshold) Check
	// Sentry is the "sentry" check of a release.
	Sentry(r SentryRelease) Check
	// Secrets are the tokens the probes send, for the Runner to redact.
	Secrets() []string
}

// Target is one environment's endpoint a probe asks.
type Target struct {
	Env    string // the environment's name, for reasons
	Source string // where the URL would be configured, for a skip's reason
	URL    string // empty when the configuration gives none
	// Environment is the environment's configuration: its headers.
	Environment *config.Environment
}

// SentryRelease is what the sentry check looks up: the release name (the
// tag and the environment's release_suffix), or why there is none, and the
// unresolved issues allowed.
type SentryRelease struct {
	Environment *config.Environment
	Release     string
	Missing     string
	Max         int
}

// maxSentryIssues is canary.gates.max_sentry_issues, 0 when unset.
func maxSentryIssues(cfg *config.Config) int {
	if m := cfg.Canary.Gates.MaxSentryIssues; m != nil {
		return *m
	}
	return 0
}

// noProbes skips every probe: the caller wired none.
type noProbes struct{}

const notWired = "no probes are wired to this audit"

func (noProbes) CI(string) Check     { return Skipped("ci", notWired) }
func (noProbes) Health(Target) Check { return Skipped("health", notWired) }
func (noProbes) Metrics(Target, string, []config.MetricThreshold) Check {
	return Skipped("metrics", notWired)
}
func (noProbes) Sentry(SentryRelease) Check { return Skipped("sentry", notWired) }
func (noProbes) Secrets() []string          { return nil }
