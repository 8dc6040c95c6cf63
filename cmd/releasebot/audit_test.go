package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/releasebot/releasebot/internal/gittest"
)

const auditSecret = "stg_cli_secret_7d41e9"

// runAudit runs `releasebot audit` in-process with vars as the environment.
func runAudit(t *testing.T, dir string, vars map[string]string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), append([]string{"audit", "--repo", dir}, args...), &env{
		stdout: &out, stderr: &errb, getenv: func(k string) string { return vars[k] },
	})
	r := result{out.String(), errb.String(), code}
	for _, s := range []string{r.stdout, r.stderr} {
		if strings.Contains(s, auditSecret) {
			t.Errorf("the secret was printed:\n%s", s)
		}
	}
	return r
}

func stageServer(t *testing.T, status int, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+auditSecret {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/health":
			w.WriteHeader(status)
			fmt.Fprint(w, body)
		case "/metrics":
			fmt.Fprint(w, "# TYPE http_requests_total counter\nhttp_requests_total{code=\"200\"} 100\nhttp_requests_total{code=\"500\"} 0\n")
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	return srv
}

func auditConfig(srv *httptest.Server) string {
	return `environments:
  stage:
    health_url: ` + srv.URL + `/health
    metrics_url: ` + srv.URL + `/metrics
    headers: {Authorization: "Bearer ${STAGE_TOKEN}"}
    release_suffix: "+stage"
  prod: {}
audit:
  metrics:
    - {name: http_requests_total, match: {code: "5.."}, max: 0}
`
}

func TestAuditFailsOnFailingHealth(t *testing.T) {
	srv := stageServer(t, http.StatusServiceUnavailable, `{"status":"down"}`)
	repo := gittest.New(t, map[string]string{".github/releasebot.yml": auditConfig(srv), ".release/flags.yaml": runbookFlags})
	repo.CommitFiles("feat: onboarding", map[string]string{"a.txt": "a"})
	summary := filepath.Join(t.TempDir(), "summary.md")
	r := runAudit(t, repo.Dir, map[string]string{"STAGE_TOKEN": auditSecret, "GITHUB_STEP_SUMMARY": summary}, "--json")
	if r.code != exitRefused || !strings.Contains(r.stderr, "the self-audit failed: health") {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	var rep struct {
		Status string `json:"status"`
		Checks []struct {
			Name, Status, Reason string
		} `json:"checks"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	got := map[string]string{}
	var order []string
	for _, c := range rep.Checks {
		got[c.Name] = c.Status + ": " + c.Reason
		order = append(order, c.Name)
	}
	if strings.Join(order, " ") != "ci health metrics sentry flags-stage flags-prod version notes" || rep.Status != "fail" {
		t.Errorf("checks %v, status %s", order, rep.Status)
	}
	want := map[string]string{
		"ci":          "skip: neither GITHUB_TOKEN nor GITHUB_APP_ID is set",
		"health":      "fail: " + srv.URL + "/health answered 503 Service Unavailable",
		"sentry":      "skip: no sentry.org and sentry.project in .github/releasebot.yml (or SENTRY_ORG and SENTRY_PROJECT)",
		"flags-stage": "pass: stage runs canary 0% with all 2 flags on",
		"flags-prod":  "pass: prod runs canary 0% with the new flags off: FF_NEW_ONBOARDING, FF_NAV_FOOTER",
		"version":     "pass: v0.1.0 is the first release; the tag is free",
	}
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s = %q, want %q", name, got[name], w)
		}
	}
	if !strings.HasPrefix(got["metrics"], "pass: ") || !strings.HasPrefix(got["notes"], "warn: 1 change is in no category") {
		t.Errorf("metrics %q, notes %q", got["metrics"], got["notes"])
	}
	data, err := os.ReadFile(summary)
	if err != nil || !strings.Contains(string(data), "| Check | Status | Details | Evidence |") || strings.Contains(string(data), auditSecret) {
		t.Errorf("step summary: %v\n%s", err, data)
	}
}

func TestAuditPassesWithSkips(t *testing.T) {
	srv := stageServer(t, http.StatusOK, `{"status":"ok"}`)
	repo := gittest.New(t, map[string]string{".github/releasebot.yml": auditConfig(srv)})
	repo.Git("tag", "v1.0.0")
	repo.CommitFiles("fix: crash", map[string]string{"a.txt": "a"})
	r := runAudit(t, repo.Dir, map[string]string{"STAGE_TOKEN": auditSecret})
	if r.code != exitOK {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, s := range []string{
		"Self-audit: ✅ pass",
		"| Check | Status | Details | Evidence |",
		"| health | ✅ pass |",
		"| flags-stage | ⏭️ skip | no flag file .release/flags.yaml |",
		"| version | ✅ pass | v1.0.1 is newer than v1.0.0 and the tag is free |",
		"| notes | ✅ pass | the one change is categorised |",
	} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("output lacks %q:\n%s", s, r.stdout)
		}
	}

	// A version that is taken fails.
	r = runAudit(t, repo.Dir, map[string]string{"STAGE_TOKEN": auditSecret}, "--version", "1.0.0")
	if r.code != exitRefused || !strings.Contains(r.stdout, "| version | ❌ fail | tag v1.0.0 already exists |") {
		t.Errorf("taken version: exit %d\n%s", r.code, r.stdout)
	}
}

func TestAuditCouldNotRun(t *testing.T) {
	repo := gittest.New(t, map[string]string{".github/releasebot.yml": "environments:\n  stage: {health_url: 3}\nbogus: 1\n"})
	tests := []struct {
		name string
		dir  string
		args []string
		msg  string
	}{
		{"bad configuration", repo.Dir, nil, ".github/releasebot.yml"},
		{"unknown environment", gittest.New(t, map[string]string{".github/releasebot.yml": "environments: {stage: {}, prod: {}}\n"}).Dir, []string{"--env", "staging"}, `--env "staging" is not an environment of .github/releasebot.yml; use one of prod, stage`},
		{"bad version", t.TempDir(), []string{"--version", "1.2"}, `--version "1.2" is not a semantic version`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runAudit(t, tt.dir, nil, tt.args...)
			if r.code != exitBadUse || !strings.Contains(r.stderr, tt.msg) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", r.code, r.stderr, tt.msg)
			}
		})
	}
}

// TestAuditNeverPrintsTokens gives the audit services that echo what they
// were sent — the stage header, GITHUB_TOKEN, SENTRY_AUTH_TOKEN — into
// their answers, which become the checks' reasons; no token may reach the
// table, the JSON, the step summary or stderr.
func TestAuditNeverPrintsTokens(t *testing.T) {
	const (
		githubToken = "ghs_cli_github_token_5e2a"
		sentryToken = "sntrys_cli_sentry_token_91c3"
	)
	echo := func(status int, format string) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			fmt.Fprintf(w, format, strings.TrimPrefix(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "), "token "))
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	stage := echo(http.StatusOK, `{"status":"refused for %s"}`)
	gh := echo(http.StatusUnauthorized, `{"message":"Bad credentials: %s","documentation_url":"https://docs.github.com/rest"}`)
	sentry := echo(http.StatusUnauthorized, `{"detail":"Invalid token %s"}`)
	cfg := "environments:\n  stage:\n    health_url: " + stage.URL + "/health\n    headers: {Authorization: \"Bearer ${STAGE_TOKEN}\"}\nsentry: {org: acme, project: web}\n"
	repo := gittest.New(t, map[string]string{".github/releasebot.yml": cfg})
	repo.CommitFiles("feat: onboarding", map[string]string{"a.txt": "a"})
	summary := filepath.Join(t.TempDir(), "summary.md")
	vars := map[string]string{
		"STAGE_TOKEN": auditSecret, "GITHUB_STEP_SUMMARY": summary,
		"GITHUB_TOKEN": githubToken, "GITHUB_REPOSITORY": "acme/web", "GITHUB_API_URL": gh.URL,
		"SENTRY_AUTH_TOKEN": sentryToken, "SENTRY_URL": sentry.URL,
	}
	var outputs []string
	for _, args := range [][]string{nil, {"--json"}} {
		r := runAudit(t, repo.Dir, vars, args...)
		if r.code != exitRefused {
			t.Fatalf("exit %d, want 1 (the checks fail)\n%s%s", r.code, r.stdout, r.stderr)
		}
		outputs = append(outputs, r.stdout, r.stderr)
	}
	data, err := os.ReadFile(summary)
	if err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, string(data))
	all := strings.Join(outputs, "\n")
	for _, secret := range []string{auditSecret, githubToken, sentryToken} {
		if strings.Contains(all, secret) {
			t.Errorf("%s was printed:\n%s", secret, all)
		}
	}
	// The services did echo them: each failing check shows the redaction.
	for _, check := range []string{"| ci | ❌ fail | GitHub answered 401 Unauthorized", "| health | ❌ fail |", "| sentry | ❌ fail |"} {
		if !strings.Contains(outputs[0], check) {
			t.Errorf("the table lacks %q:\n%s", check, outputs[0])
		}
	}
	// The table escapes the brackets as it does any markup it echoes.
	if n := strings.Count(outputs[0], `\[redacted\]`); n < 3 {
		t.Errorf("%d redactions in the table, want one per echoing service:\n%s", n, outputs[0])
	}
}
