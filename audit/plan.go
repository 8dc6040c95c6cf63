package audit

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
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
	// Getenv expands ${VAR} in the environment's headers.
	Getenv     func(string) string
	HTTPClient *http.Client

	GitHub GitHubTarget // see GitHubFromEnv
	Commit string       // the release commit, for ci
	Sentry SentryTarget // see SentryFromEnv

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
	endpoint := func(u string) Endpoint {
		return Endpoint{URL: u, Headers: e.Headers, Getenv: p.Getenv, Client: p.HTTPClient}
	}
	release, releaseMissing := p.sentryRelease(e)
	return []Check{
		CICheck{
			GitHub: p.GitHub.Client, Unconfigured: p.GitHub.Missing,
			Owner: p.GitHub.Owner, Repo: p.GitHub.Repo, Ref: p.Commit, WebURL: p.GitHub.WebURL, RunID: p.GitHub.RunID,
		},
		HealthCheck{Env: name, Source: cfg.Source, Endpoint: endpoint(e.HealthURL)},
		MetricsCheck{Env: name, Source: cfg.Source, Key: "audit.metrics", Thresholds: cfg.Audit.Metrics, Endpoint: endpoint(e.MetricsURL)},
		p.Sentry.check(cfg, e, release, releaseMissing),
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

// Secrets are the tokens the plan holds, for Runner.Secrets (header values
// are declared by the checks themselves).
func (p Plan) Secrets() []string { return []string{p.GitHub.Token, p.Sentry.Token} }

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
