// Package auditcheck holds the audit's checks that ask outside services —
// ci over internal/github's client, health and metrics over HTTP, sentry
// over internal/sentry — and the wiring that builds an audit.Plan or an
// audit.Gate from the configuration and the environment, so that the CLI,
// the Action and the server run the same audit. Package audit keeps the
// model, the runner, the plan and the report, and imports none of this.
package auditcheck

import (
	"net/http"

	"github.com/releasebot/releasebot/audit"
	"github.com/releasebot/releasebot/config"
)

// Sources are the outside services the checks ask, read from the
// environment by FromEnv. It implements audit.Probes.
type Sources struct {
	// Getenv expands ${VAR} in the environment's headers.
	Getenv func(string) string
	// HTTPClient sends the health and metrics probes; nil means a client
	// without a timeout of its own (the Runner's context bounds it).
	HTTPClient *http.Client
	GitHubAPI  GitHubTarget // see GitHubFromEnv
	SentryAPI  SentryTarget // see SentryFromEnv
}

var _ audit.Probes = Sources{}

// FromEnv reads every source from getenv (see GitHubFromEnv and
// SentryFromEnv); it asks no service.
func FromEnv(getenv func(string) string, cfg *config.Config) Sources {
	return Sources{
		Getenv:    getenv,
		GitHubAPI: GitHubFromEnv(getenv, nil),
		SentryAPI: SentryFromEnv(getenv, cfg, nil),
	}
}

func (s Sources) endpoint(t audit.Target) Endpoint {
	var headers map[string]config.Template
	if t.Environment != nil {
		headers = t.Environment.Headers
	}
	return Endpoint{URL: t.URL, Headers: headers, Getenv: s.Getenv, Client: s.HTTPClient}
}

// CI is the ci check of the release commit.
func (s Sources) CI(commit string) audit.Check {
	g := s.GitHubAPI
	return CICheck{
		GitHub: g.Client, Connect: g.Connect, API: g.API, Unconfigured: g.Missing, Broken: g.Broken,
		Owner: g.Owner, Repo: g.Repo, Ref: commit, WebURL: g.WebURL, RunID: g.RunID,
	}
}

// Health is the health check of t.
func (s Sources) Health(t audit.Target) audit.Check {
	return HealthCheck{Env: t.Env, Source: t.Source, Endpoint: s.endpoint(t)}
}

// Metrics is the metrics check of t against the thresholds from key.
func (s Sources) Metrics(t audit.Target, key string, thresholds []config.MetricThreshold) audit.Check {
	return MetricsCheck{Env: t.Env, Source: t.Source, Key: key, Thresholds: thresholds, Endpoint: s.endpoint(t)}
}

// Sentry is the sentry check of r.
func (s Sources) Sentry(r audit.SentryRelease) audit.Check {
	c := SentryCheck{
		Issues: s.SentryAPI.Issues, Unconfigured: s.SentryAPI.Missing, Org: s.SentryAPI.Org, Project: s.SentryAPI.Project,
		Release: r.Release, ReleaseMissing: r.Missing, Max: r.Max, WebURL: s.SentryAPI.URL,
	}
	if r.Environment != nil {
		c.Environment = r.Environment.SentryEnvironment
	}
	return c
}

// Secrets are the GitHub and Sentry tokens, for the Runner to redact.
func (s Sources) Secrets() []string { return []string{s.GitHubAPI.Token, s.SentryAPI.Token} }

// NewGate returns the canary gate for the release tag with Sentry read
// from getenv (see SentryFromEnv); the gate asks no GitHub.
func NewGate(cfg *config.Config, release string, getenv func(string) string) *audit.Gate {
	return &audit.Gate{Config: cfg, Release: release, Probes: Sources{Getenv: getenv, SentryAPI: SentryFromEnv(getenv, cfg, nil)}}
}

func skipped(reason string) audit.Result { return audit.Result{Status: audit.Skip, Reason: reason} }
