package auditcheck

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/audit"
	"github.com/releasebot/releasebot/config"
	githubemu "github.com/releasebot/releasebot/internal/emulator/github"
)

// ciWorld is a strict GitHub emulator holding acme/web, one App installed
// on it, and the release commit's runs and statuses.
type ciWorld struct {
	emu    *githubemu.Server
	api    string
	sha    string
	keyPEM []byte
}

func newCIWorld(t *testing.T, runs []githubemu.CheckRun, statuses []githubemu.Status) *ciWorld {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	emu := githubemu.NewTest(t, githubemu.Options{
		Dir:    t.TempDir(),
		Tokens: map[string]string{"ghp_audit_token_5d2e": "releasebot-ci"},
		Apps:   []githubemu.App{{ID: 4242, Slug: "releasebot", PublicKey: &key.PublicKey, InstallationID: 77}},
	})
	if err := emu.CreateRepo("acme", "web", githubemu.RepoOptions{Files: map[string][]byte{"README.md": []byte("# web\n")}}); err != nil {
		t.Fatal(err)
	}
	sha, ok := emu.Ref("acme", "web", "refs/heads/main")
	if !ok {
		t.Fatal("no main branch")
	}
	if err := emu.SetCheckRuns("acme", "web", sha, runs...); err != nil {
		t.Fatal(err)
	}
	for _, st := range statuses {
		if err := emu.SetStatus("acme", "web", sha, st); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	return &ciWorld{emu: emu, api: srv.URL + "/api/v3", sha: sha,
		keyPEM: pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})}
}

func (w *ciWorld) getenv(env map[string]string) func(string) string {
	return func(k string) string {
		if k == "GITHUB_API_URL" {
			return w.api
		}
		return env[k]
	}
}

// tokenTarget reads the world with a token, as Actions' GITHUB_TOKEN.
func (w *ciWorld) tokenTarget() GitHubTarget {
	return GitHubFromEnv(w.getenv(map[string]string{
		"GITHUB_TOKEN": "ghp_audit_token_5d2e", "GITHUB_REPOSITORY": "acme/web", "GITHUB_SERVER_URL": "https://github.com",
	}), nil)
}

// An App-only environment — the server's, with no GITHUB_TOKEN — runs the
// ci check: the installation is looked up as the App, an installation
// token is issued, and the runs are read with it.
func TestCICheckWithAppCredentialsOnly(t *testing.T) {
	t.Parallel()
	w := newCIWorld(t,
		[]githubemu.CheckRun{{Name: "build", Conclusion: "success"}, {Name: "lint", Conclusion: "success"}},
		[]githubemu.Status{{Context: "ci/deploy-preview", State: "success"}})
	src := FromEnv(w.getenv(map[string]string{
		"GITHUB_APP_ID": "4242", "GITHUB_APP_PRIVATE_KEY": string(w.keyPEM), "GITHUB_REPOSITORY": "acme/web",
	}), config.Default())
	if src.GitHubAPI.Missing != "" || src.GitHubAPI.Broken != "" || w.emu.Requests() != 0 {
		t.Fatalf("missing %q, broken %q, %d requests before the check ran", src.GitHubAPI.Missing, src.GitHubAPI.Broken, w.emu.Requests())
	}
	got := runCheck(t, src.CI(w.sha), 10*time.Second)
	want := "all 3 checks passed on " + w.sha[:7] + " (2 check runs, 1 status)"
	if got.Status != audit.Pass || got.Reason != want {
		t.Errorf("got %s %q\nwant pass %q", got.Status, got.Reason, want)
	}
	for _, route := range []string{"GET /repos/{owner}/{repo}/installation", "POST /app/installations/{id}/access_tokens"} {
		method, pattern, _ := strings.Cut(route, " ")
		if w.emu.Count(method, pattern) == 0 {
			t.Errorf("%s was never asked: the check did not authenticate as the App", route)
		}
	}
	w.emu.Verify(t)
}

// An App that cannot be used fails the check with why (it is configured,
// so it is not a skip); an App id that is not a number names the variable.
func TestCICheckWithBrokenAppCredentials(t *testing.T) {
	t.Parallel()
	w := newCIWorld(t, []githubemu.CheckRun{{Name: "build", Conclusion: "success"}}, nil)
	for _, tt := range []struct {
		name   string
		env    map[string]string
		status audit.Status
		reason string
	}{
		{"not installed", map[string]string{"GITHUB_APP_ID": "4242", "GITHUB_APP_PRIVATE_KEY": string(w.keyPEM), "GITHUB_REPOSITORY": "acme/nope"},
			audit.Fail, "the GitHub App 4242 is not installed on acme/nope"},
		{"id not a number", map[string]string{"GITHUB_APP_ID": "releasebot\n", "GITHUB_APP_PRIVATE_KEY": string(w.keyPEM), "GITHUB_REPOSITORY": "acme/web"},
			audit.Fail, `GITHUB_APP_ID must be the App's numeric id, got "releasebot"`},
		{"no key", map[string]string{"GITHUB_APP_ID": "4242", "GITHUB_REPOSITORY": "acme/web"},
			audit.Fail, "GITHUB_APP_ID is set but neither GITHUB_APP_PRIVATE_KEY nor GITHUB_APP_PRIVATE_KEY_FILE is"},
		{"no credentials", map[string]string{"GITHUB_REPOSITORY": "acme/web"},
			audit.Skip, "neither GITHUB_TOKEN nor GITHUB_APP_ID is set"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			src := FromEnv(w.getenv(tt.env), config.Default())
			got := runCheck(t, src.CI(w.sha), 10*time.Second)
			if got.Status != tt.status || got.Reason != tt.reason {
				t.Errorf("got %s %q\nwant %s %q", got.Status, got.Reason, tt.status, tt.reason)
			}
			if strings.Contains(got.Reason, "PRIVATE KEY") {
				t.Errorf("the reason shows the key: %q", got.Reason)
			}
		})
	}
}

// With a token, against the strict emulator: a failed run fails the check,
// a running one warns; the routes asked are GitHub's.
func TestCICheckOnTheEmulator(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		runs     []githubemu.CheckRun
		statuses []githubemu.Status
		want     audit.Status
		reason   string
	}{
		{"failed run", []githubemu.CheckRun{{Name: "build", Conclusion: "success"}, {Name: "test", Conclusion: "failure"}}, nil,
			audit.Fail, "1 of 2 checks failed on %s: test (failure)"},
		{"running", []githubemu.CheckRun{{Name: "build", Status: "in_progress"}}, []githubemu.Status{{Context: "ci/x", State: "success"}},
			audit.Warn, "1 of 2 checks still running on %s: build (in_progress)"},
		{"failed status", nil, []githubemu.Status{{Context: "ci/x", State: "error"}},
			audit.Fail, "1 of 1 checks failed on %s: ci/x (error)"},
		{"nothing", nil, nil, audit.Warn, "no check runs or commit statuses on %s"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newCIWorld(t, tt.runs, tt.statuses)
			src := FromEnv(w.getenv(map[string]string{"GITHUB_TOKEN": "ghp_audit_token_5d2e", "GITHUB_REPOSITORY": "acme/web"}), config.Default())
			w.emu.Expect("GET", "/repos/{owner}/{repo}/commits/{ref...}/check-runs")
			w.emu.Expect("GET", "/repos/{owner}/{repo}/commits/{ref...}/status")
			got := runCheck(t, src.CI(w.sha), 10*time.Second)
			want := strings.ReplaceAll(tt.reason, "%s", w.sha[:7])
			if got.Status != tt.want || got.Reason != want {
				t.Errorf("got %s %q\nwant %s %q", got.Status, got.Reason, tt.want, want)
			}
			w.emu.Verify(t)
		})
	}
}

// The App's installation is looked up as the check runs, within its
// timeout: a GitHub that does not answer fails the check, it does not hold
// the audit up before any check has started.
func TestCICheckAppLookupIsBoundedByTheTimeout(t *testing.T) {
	t.Parallel()
	w := newCIWorld(t, []githubemu.CheckRun{{Name: "build", Conclusion: "success"}}, nil)
	w.emu.Inject("GET", "/repos/*/*/installation", githubemu.Latency(3*time.Second))
	src := FromEnv(w.getenv(map[string]string{
		"GITHUB_APP_ID": "4242", "GITHUB_APP_PRIVATE_KEY": string(w.keyPEM), "GITHUB_REPOSITORY": "acme/web",
	}), config.Default())
	start := time.Now()
	got := runCheck(t, src.CI(w.sha), 300*time.Millisecond)
	if want := w.api + " did not answer within 300ms"; got.Status != audit.Fail || got.Reason != want {
		t.Errorf("got %s %q\nwant fail %q", got.Status, got.Reason, want)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the check took %s; its timeout is 300ms", d)
	}
	w.emu.ClearFaults()
}
