package main

import (
	"fmt"
	"net/http/httptest"
	"os/exec"
	"strings"
	"testing"

	githubemu "github.com/releasebot/releasebot/internal/emulator/github"
	"github.com/releasebot/releasebot/internal/gittest"
)

// ghFixture is a GitHub emulator holding acme/web with the runbook's flags,
// and the environment a releasebot process needs to reach it.
type ghFixture struct {
	emu  *githubemu.Server
	srv  *httptest.Server
	env  *gittest.Repo // a scratch work dir whose Env the processes use
	bare string
}

func newGitHubFixture(t *testing.T, files map[string]string) *ghFixture {
	t.Helper()
	emu := githubemu.NewTest(t, githubemu.Options{Dir: t.TempDir(), Tokens: map[string]string{"ghs_test_token": "releasebot[bot]"}})
	content := map[string][]byte{}
	for p, c := range files {
		content[p] = []byte(c)
	}
	if err := emu.CreateRepo("acme", "web", githubemu.RepoOptions{Files: content}); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	work := gittest.New(t, nil)
	work.Env = append(work.Env, "GITHUB_API_URL="+srv.URL+"/api/v3", "GITHUB_TOKEN=ghs_test_token")
	return &ghFixture{emu: emu, srv: srv, env: work, bare: emu.RepoPath("acme", "web")}
}

func (f *ghFixture) git(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"--git-dir", f.bare}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v %s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func TestGitHubRunbookRollout(t *testing.T) {
	f := newGitHubFixture(t, map[string]string{".release/flags.yaml": runbookFlags, ".github/releasebot.yml": renderConfig})
	for i, c := range []string{"/canary 10", "/canary 50", "/canary 100", "/toggle FF_NEW_ONBOARDING on", "/toggle FF_NAV_FOOTER on", "/rollback", "/toggle FF_NEW_ONBOARDING default"} {
		res := runBin(t, f.env, "cmd", "--github", "acme/web", c, "--as", "ann", "--request-id", fmt.Sprintf("gh-%d", i))
		if res.code != 0 || !strings.Contains(res.stdout, "committed ") {
			t.Fatalf("%s: exit %d %q %q", c, res.code, res.stdout, res.stderr)
		}
		if got := f.git(t, "log", "-1", "--format=%(trailers:key=Releasebot-Request,valueonly)", "main"); got != fmt.Sprintf("gh-%d", i) {
			t.Errorf("%s: request trailer %q", c, got)
		}
		if got := f.git(t, "show", "--name-only", "--format=", "main"); !strings.Contains(got, ".release/flags.yaml") || !strings.Contains(got, "deploy/prod.env") {
			t.Errorf("%s: the commit holds %q", c, got)
		}
	}
	if n := f.git(t, "rev-list", "--count", "main"); n != "8" {
		t.Errorf("%s commits, want 8", n)
	}
	st := runBin(t, f.env, "cmd", "--github", "acme/web", "/ab_status")
	if st.code != 0 || !strings.Contains(st.stdout, "FF_NAV_FOOTER      OFF  overridden") || !strings.Contains(st.stdout, "by ann via cli") {
		t.Errorf("/ab_status: %d %q %q", st.code, st.stdout, st.stderr)
	}
	// The same request id again commits nothing.
	again := runBin(t, f.env, "cmd", "--github", "acme/web", "/rollback", "--request-id", "gh-5")
	if again.code != 0 || !strings.HasPrefix(again.stdout, "already done") || f.git(t, "rev-list", "--count", "main") != "8" {
		t.Errorf("redelivery: %d %q", again.code, again.stdout)
	}
}

func TestGitHubCommandErrors(t *testing.T) {
	f := newGitHubFixture(t, map[string]string{".release/flags.yaml": runbookFlags, ".github/releasebot.yml": "canary: {steps: [10, 500]}\n"})
	tests := []struct {
		args []string
		env  []string
		code int
		want string
	}{
		{[]string{"cmd", "--github", "acme", "/rollback"}, nil, 2, "--github takes OWNER/NAME"},
		{[]string{"cmd", "--github", "acme/web", "/rollback"}, []string{"GITHUB_TOKEN="}, 2, "no GitHub credentials: set GITHUB_TOKEN"},
		{[]string{"cmd", "--github", "acme/web", "/rollback"}, []string{"GITHUB_TOKEN=wrong"}, 3, "401"},
		{[]string{"cmd", "--github", "acme/nope", "/rollback"}, nil, 3, "acme/nope"},
		{[]string{"cmd", "--github", "acme/web", "/rollback"}, nil, 2, "acme/web@main:.github/releasebot.yml:1:10: canary.steps: step 2 is 500"},
	}
	for _, tt := range tests {
		repo := *f.env
		repo.Env = append(append([]string(nil), f.env.Env...), tt.env...)
		res := runBin(t, &repo, tt.args...)
		if res.code != tt.code || !strings.Contains(res.stderr, tt.want) {
			t.Errorf("%v %v: exit %d %q, want %d %q", tt.args, tt.env, res.code, res.stderr, tt.code, tt.want)
		}
		if strings.Contains(res.stderr, "ghs_test_token") || strings.Contains(res.stderr, "wrong") && tt.code != 3 {
			t.Errorf("a token reached the output: %q", res.stderr)
		}
	}
}

// TestGitHubConcurrentProcesses runs 8 conflicting `releasebot cmd --github`
// processes at once against one emulator: no update lost or doubled (see
// checkNoLostUpdate).
func TestGitHubConcurrentProcesses(t *testing.T) {
	f := newGitHubFixture(t, map[string]string{".release/flags.yaml": runbookFlags, ".github/releasebot.yml": renderConfig})
	start := f.git(t, "rev-parse", "main")
	results := runConcurrently(t, f.env, func(i int, c string) []string {
		return []string{"cmd", "--github", "acme/web", c, "--request-id", fmt.Sprintf("ghc-%d", i)}
	})
	checkNoLostUpdate(t, results, start, func(args ...string) string { return f.git(t, args...) })
}
