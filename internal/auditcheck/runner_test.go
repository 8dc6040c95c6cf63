package auditcheck

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/releasebot/releasebot/audit"
	"github.com/releasebot/releasebot/config"
	githubemu "github.com/releasebot/releasebot/internal/emulator/github"
)

// resetFirst accepts connections and closes the first one unanswered.
type resetFirst struct {
	net.Listener
	accepted atomic.Int32
}

func (l *resetFirst) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.accepted.Add(1) == 1 {
			c.Close()
			continue
		}
		return c, nil
	}
}

func TestRunnerRetriesAResetConnection(t *testing.T) {
	t.Parallel()
	srv := httptest.NewUnstartedServer(requireAuth(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"status":"ok"}`))
	}))
	l := &resetFirst{Listener: srv.Listener}
	srv.Listener = l
	srv.Start()
	defer srv.Close()
	got := runCheck(t, health(srv.URL+"/health"), 5*time.Second)
	if got.Status != audit.Pass || l.accepted.Load() != 2 {
		t.Errorf("got %s %q after %d connections", got.Status, got.Reason, l.accepted.Load())
	}
}

func TestRunnerDoesNotRetryAnHTTPError(t *testing.T) {
	t.Parallel()
	srv, hits := healthServer(t, 502, "text/plain", "bad gateway", 0)
	got := runCheck(t, health(srv.URL+"/health"), 5*time.Second)
	if got.Status != audit.Fail || hits.Load() != 1 {
		t.Errorf("got %s %q after %d requests", got.Status, got.Reason, hits.Load())
	}
}

// TestAuditRunsChecksInParallel runs a whole audit against local services,
// one of which answers after 2 s: it takes about that, not the sum.
func TestAuditRunsChecksInParallel(t *testing.T) {
	t.Parallel()
	healthSrv, _ := healthServer(t, 200, "application/json", `{"status":"ok"}`, 2*time.Second)
	metricsSrv := metricsServer(t, 0, 100)
	_, sentryTarget := sentryServer(t, 0)
	gh := newCIWorld(t, []githubemu.CheckRun{run("build", "completed", "success", "1")}, []githubemu.Status{{Context: "ci/x", State: "success"}})

	cfg := config.Default()
	cfg.Environments = map[string]*config.Environment{
		"stage": {
			HealthURL: healthSrv.URL + "/health", MetricsURL: metricsSrv.URL + "/metrics",
			Headers: stageHeaders, SentryEnvironment: "stage", ReleaseSuffix: "+stage",
		},
	}
	cfg.Audit.Metrics = []config.MetricThreshold{{Name: "http_requests_total", Match: map[string]string{"code": "5.."}, Max: 0}}
	plan := audit.Plan{
		Config: cfg, Probes: Sources{Getenv: getenv, GitHubAPI: gh.tokenTarget(), SentryAPI: sentryTarget}, Commit: gh.sha,
		Version:    audit.VersionCheck{Next: "1.2.3", LastTag: "v1.2.2", Tags: []string{"v1.2.2"}, TagPrefix: "v"},
		StageFlags: audit.StageFlagsCheck{Env: &audit.FlagEnv{Name: "stage", Flags: []audit.FlagValue{{Name: "FF_A", Default: true}}}},
		ProdFlags:  audit.ProdFlagsCheck{Env: &audit.FlagEnv{Name: "prod", Flags: []audit.FlagValue{{Name: "FF_A", New: true}}}},
		Notes:      audit.NotesCheck{Changes: 3},
	}
	start := time.Now()
	rep := plan.Run(context.Background(), audit.Runner{})
	elapsed := time.Since(start)
	if elapsed >= 4*time.Second {
		t.Errorf("the audit took %s; the slowest check takes 2s", elapsed)
	}
	var got []string
	for _, c := range rep.Checks {
		got = append(got, c.Name+":"+string(c.Status))
		if c.Status != audit.Pass {
			t.Errorf("%s: %s %q", c.Name, c.Status, c.Reason)
		}
	}
	want := "ci:pass health:pass metrics:pass sentry:pass flags-stage:pass flags-prod:pass version:pass notes:pass"
	if strings.Join(got, " ") != want || rep.Status != audit.Pass {
		t.Errorf("got %s (%s)\nwant %s", strings.Join(got, " "), rep.Status, want)
	}
	noSecret(t, "markdown", rep.Markdown())
	noSecret(t, "json", string(rep.JSON()))
}
