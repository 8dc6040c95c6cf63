package main

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	sentryemu "github.com/releasebot/releasebot/internal/emulator/sentry"
	"github.com/releasebot/releasebot/internal/gittest"
)

// TestLocalGateAndNotesAgreeOnTheCurrentRelease: the Sentry gate of a local
// raise looks up the release the notes count from — the highest v-prefixed
// semantic version reachable from the branch — in histories where
// `git describe --tags --match v*` names another tag. Only v1.1.0 has
// unresolved issues in prod, so a gate asking Sentry about any other
// release finds none and commits.
func TestLocalGateAndNotesAgreeOnTheCurrentRelease(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		after func(r *gittest.Repo) // on top of v1.1.0 at HEAD~1
	}{
		{"a non-semver tag nearer HEAD", func(r *gittest.Repo) { r.Git("tag", "v-latest") }},
		{"an annotated non-semver tag nearer HEAD", func(r *gittest.Repo) { r.Git("tag", "-a", "-m", "moving", "vlatest") }},
		{"a pre-release nearer HEAD", func(r *gittest.Repo) { r.Git("tag", "v1.2.0-rc.1") }},
		{"a lower backport tag nearer HEAD", func(r *gittest.Repo) { r.Git("tag", "v1.0.7") }},
		{"a prefix-only lookalike nearer HEAD", func(r *gittest.Repo) { r.Git("tag", "v1.1.0.1") }},
		{"a higher tag on a side branch", func(r *gittest.Repo) {
			r.Git("checkout", "-q", "-b", "side")
			r.CommitFiles("feat: side work", map[string]string{"side.txt": "x\n"})
			r.Git("tag", "v9.0.0")
			r.Git("checkout", "-q", "main")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			h := newHealthServer(t)
			sentry := sentryemu.NewTest(t, "acme", "web", 7, "sntryu_gate_token")
			sentry.AddIssues("acme", "web", "v1.1.0", "prod", 2)
			sentry.Expect("GET", "/api/0/organizations/{org}/issues/{$}")
			ssrv := httptest.NewServer(sentry)
			t.Cleanup(ssrv.Close)
			cfg := renderConfig + "sentry: {org: acme, project: web}\n" +
				"environments:\n  prod:\n    health_url: " + h.URL + "/health\n    headers: {Authorization: \"Bearer ${PROD_TOKEN}\"}\n    sentry_environment: prod\n"
			repo := gittest.New(t, map[string]string{".release/flags.yaml": runbookFlags, ".github/releasebot.yml": cfg})
			repo.Env = append(repo.Env, "PROD_TOKEN=prod-secret", "SENTRY_URL="+ssrv.URL, "SENTRY_AUTH_TOKEN=sntryu_gate_token")
			repo.Git("tag", "v1.0.0")
			repo.CommitFiles("feat: search", map[string]string{"search.txt": "1\n"})
			repo.Git("tag", "v1.1.0")
			repo.CommitFiles("fix: search ranking", map[string]string{"search.txt": "2\n"})
			tc.after(repo)

			r := runBin(t, repo, "notes", "--format", "json")
			var n struct {
				Previous string `json:"previous"`
			}
			if err := json.Unmarshal([]byte(r.stdout), &n); r.code != 0 || err != nil || n.Previous != "v1.1.0" {
				t.Fatalf("notes count from %q (exit %d, %v, %q); want v1.1.0", n.Previous, r.code, err, r.stderr)
			}
			head := repo.Git("rev-parse", "main")
			r = runBin(t, repo, "cmd", "/canary 10")
			if r.code != 1 || !strings.Contains(r.stderr, "gate sentry failed") || !strings.Contains(r.stderr, "v1.1.0") {
				t.Errorf("the gate did not judge v1.1.0: exit %d %q %q", r.code, r.stdout, r.stderr)
			}
			if got := repo.Git("rev-parse", "main"); got != head {
				t.Error("a refused raise committed")
			}
			if st := repo.Git("status", "--porcelain"); st != "" {
				t.Errorf("a refused raise left the work tree changed: %q", st)
			}
		})
	}
}
