package audit

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/chatops"
	"github.com/releasebot/releasebot/config"
)

// recordingProbes answers every probe with a check that passes, naming what
// it was asked, so the core's decisions show without any service.
type recordingProbes struct{ secret string }

func (recordingProbes) CI(commit string) Check {
	return fixed{"ci", Result{Status: Pass, Reason: "ci " + commit}}
}
func (recordingProbes) Health(t Target) Check {
	return fixed{"health", Result{Status: Pass, Reason: fmt.Sprintf("health %s %s %s", t.Env, t.URL, t.Source)}}
}
func (recordingProbes) Metrics(t Target, key string, th []config.MetricThreshold) Check {
	return fixed{"metrics", Result{Status: Pass, Reason: fmt.Sprintf("metrics %s %s %s %d", t.Env, t.URL, key, len(th))}}
}
func (p recordingProbes) Sentry(r SentryRelease) Check {
	return fixed{"sentry", Result{Status: Fail, Reason: fmt.Sprintf("sentry %s %q max %d token %s", r.Release, r.Missing, r.Max, p.secret)}}
}
func (p recordingProbes) Secrets() []string { return []string{p.secret} }

func probeConfig() *config.Config {
	cfg := config.Default()
	two := 2
	cfg.Canary.Gates.MaxSentryIssues = &two
	cfg.Canary.Gates.Metrics = []config.MetricThreshold{{Name: "x", Max: 1}}
	cfg.Environments = map[string]*config.Environment{"stage": {HealthURL: "https://s/h", MetricsURL: "https://s/m", ReleaseSuffix: "+stage"}}
	return cfg
}

func TestPlanAsksTheProbes(t *testing.T) {
	t.Parallel()
	p := Plan{Config: probeConfig(), Probes: recordingProbes{secret: "tok_51ab"}, Commit: "abc123", Version: VersionCheck{Next: "1.4.0", TagPrefix: "v"}}
	rep := p.Run(context.Background(), Runner{})
	want := []string{
		"ci pass ci abc123",
		"health pass health stage https://s/h built-in defaults",
		"metrics pass metrics stage https://s/m audit.metrics 0",
		`sentry fail sentry v1.4.0+stage "" max 2 token [redacted]`,
	}
	for i, w := range want {
		if got := rep.Checks[i].Name + " " + string(rep.Checks[i].Status) + " " + rep.Checks[i].Reason; got != w {
			t.Errorf("check %d: %q, want %q", i, got, w)
		}
	}
}

func TestNoProbesSkip(t *testing.T) {
	t.Parallel()
	rep := Plan{Config: probeConfig()}.Run(context.Background(), Runner{})
	for _, c := range rep.Checks[:4] {
		if c.Status != Skip || c.Reason != notWired {
			t.Errorf("%s: %s %q, want skip %q", c.Name, c.Status, c.Reason, notWired)
		}
	}
}

func TestGateAsksTheProbes(t *testing.T) {
	t.Parallel()
	g := &Gate{Config: probeConfig(), Release: "v1.3.0", Probes: recordingProbes{secret: "tok_51ab"}}
	var got []string
	for _, c := range g.Checks("stage") {
		r, _ := c.Run(context.Background())
		got = append(got, r.Reason)
	}
	want := `health stage https://s/h built-in defaults|metrics stage https://s/m canary.gates.metrics 1|sentry v1.3.0+stage "no current release tag for the Sentry gate" max 2 token tok_51ab`
	if strings.Join(got, "|") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, "|"), want)
	}
	err := g.Check(context.Background(), chatops.GateRequest{Environment: "stage", To: 10})
	ge, ok := err.(*chatops.GateError)
	if !ok || ge.Check != "sentry" || strings.Contains(ge.Reason, "tok_51ab") {
		t.Errorf("Check = %v, want the sentry refusal with the token redacted", err)
	}
}
