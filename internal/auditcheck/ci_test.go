package auditcheck

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/audit"
	githubemu "github.com/releasebot/releasebot/internal/emulator/github"
)

const sha = "3f2a9c81d0b7e6f5a4c3b2a1908f7e6d5c4b3a29"

func ciCheck(target GitHubTarget, ref string) CICheck {
	return CICheck{GitHub: target.Client, Unconfigured: target.Missing, Broken: target.Broken, Owner: target.Owner, Repo: target.Repo, Ref: ref, WebURL: target.WebURL}
}

// run is a check run of the workflow run runID (its jobs' details link
// there, as Actions' do).
func run(name, status, conclusion, runID string) githubemu.CheckRun {
	return githubemu.CheckRun{Name: name, Status: status, Conclusion: conclusion,
		DetailsURL: "https://github.com/acme/web/actions/runs/" + runID + "/job/1"}
}

func TestCICheck(t *testing.T) {
	t.Parallel()
	many := make([]githubemu.CheckRun, 150)
	for i := range many {
		many[i] = run(fmt.Sprintf("job-%03d", i), "completed", "success", "1")
	}
	manyStatuses := make([]githubemu.Status, 120)
	for i := range manyStatuses {
		manyStatuses[i] = githubemu.Status{Context: fmt.Sprintf("ci/%03d", i), State: "success"}
	}
	tests := []struct {
		name     string
		runs     []githubemu.CheckRun
		statuses []githubemu.Status
		want     audit.Status
		reason   string
	}{
		{
			"all green",
			[]githubemu.CheckRun{run("build", "completed", "success", "1"), run("lint", "completed", "neutral", "1"), run("docs", "completed", "skipped", "1")},
			[]githubemu.Status{{Context: "ci/circleci", State: "success"}},
			audit.Pass, "all 4 checks passed on 3f2a9c8 (3 check runs, 1 status)",
		},
		{"paginated", many, manyStatuses, audit.Pass, "all 270 checks passed on 3f2a9c8 (150 check runs, 120 statuses)"},
		{
			"failed run and status",
			[]githubemu.CheckRun{run("build", "completed", "success", "1"), run("e2e", "completed", "timed_out", "1"), run("lint", "in_progress", "", "1")},
			[]githubemu.Status{{Context: "deploy/preview", State: "error"}},
			audit.Fail, "2 of 4 checks failed on 3f2a9c8: e2e (timed_out), deploy/preview (error)",
		},
		{
			"still running",
			[]githubemu.CheckRun{run("build", "completed", "success", "1"), run("e2e", "queued", "", "1")},
			[]githubemu.Status{{Context: "ci/circleci", State: "pending"}},
			audit.Warn, "2 of 3 checks still running on 3f2a9c8: e2e (queued), ci/circleci (pending)",
		},
		{"no CI", nil, nil, audit.Warn, "no check runs or commit statuses on 3f2a9c8"},
		{
			"own run not waited for",
			[]githubemu.CheckRun{run("build", "completed", "success", "1"), run("release", "in_progress", "", "77"), run("e2e", "completed", "failure", "77")},
			nil,
			audit.Fail, "1 of 2 checks failed on 3f2a9c8: e2e (failure)",
		},
		{
			"own run only",
			[]githubemu.CheckRun{run("build", "completed", "success", "1"), run("release", "in_progress", "", "77")},
			nil,
			audit.Pass, "the one check passed on 3f2a9c8 (1 check run, 0 statuses); 1 unfinished job of this workflow run not waited for",
		},
		{"runs only; empty combined status is not pending", []githubemu.CheckRun{run("build", "completed", "success", "1")}, nil, audit.Pass, "the one check passed on 3f2a9c8 (1 check run, 0 statuses)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newCIWorld(t, tt.runs, tt.statuses)
			c := ciCheck(w.tokenTarget(), w.sha)
			c.RunID = "77"
			got := runCheck(t, c, 10*time.Second)
			want := strings.ReplaceAll(tt.reason, "3f2a9c8", w.sha[:7])
			if got.Name != "ci" || got.Status != tt.want || got.Reason != want {
				t.Errorf("got %s %q\nwant %s %q", got.Status, got.Reason, tt.want, want)
			}
			w.emu.Verify(t)
			if got.Evidence.URL != "https://github.com/acme/web/commit/"+w.sha {
				t.Errorf("evidence URL %q", got.Evidence.URL)
			}
		})
	}
}

func TestCICheckErrors(t *testing.T) {
	t.Parallel()
	w := newCIWorld(t, []githubemu.CheckRun{run("build", "completed", "success", "1")}, nil)
	got := runCheck(t, ciCheck(w.tokenTarget(), "0000000"), 5*time.Second)
	want := "GitHub answered 422 Unprocessable Entity when reading the check runs of acme/web@0000000: No commit found for SHA: 0000000"
	if got.Status != audit.Fail || got.Reason != want {
		t.Errorf("unknown commit: %s %q\nwant %q", got.Status, got.Reason, want)
	}

	w.emu.Inject("GET", "/repos/*/*/commits/*/check-runs", githubemu.Latency(3*time.Second))
	got = runCheck(t, ciCheck(w.tokenTarget(), w.sha), 300*time.Millisecond)
	w.emu.ClearFaults()
	if got.Status != audit.Fail || got.Reason != w.api+" did not answer within 300ms" {
		t.Errorf("timeout: %s %q", got.Status, got.Reason)
	}

	garbage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"total_count": "many", "check_runs": {}}`)
	}))
	defer garbage.Close()
	got = runCheck(t, ciCheck(githubTarget(t, garbage), sha), 5*time.Second)
	if got.Status != audit.Fail || !strings.HasPrefix(got.Reason, "could not read the check runs of acme/web@"+sha+": json: ") {
		t.Errorf("bad body: %s %q", got.Status, got.Reason)
	}

	gone := githubTarget(t, garbage)
	gone.Client.BaseURL.Host = strings.TrimPrefix(closedURL(t, ""), "http://")
	got = runCheck(t, ciCheck(gone, sha), 5*time.Second)
	if got.Status != audit.Fail || !strings.HasPrefix(got.Reason, "could not reach http://"+gone.Client.BaseURL.Host+"/api/v3: ") {
		t.Errorf("closed: %s %q", got.Status, got.Reason)
	}
}

func TestCICheckUnconfigured(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		env    map[string]string
		reason string
	}{
		{map[string]string{"GITHUB_REPOSITORY": "acme/web"}, "neither GITHUB_TOKEN nor GITHUB_APP_ID is set"},
		{map[string]string{"GITHUB_TOKEN": "t"}, "GITHUB_REPOSITORY is not set to owner/name"},
		{map[string]string{"GITHUB_TOKEN": "t", "GITHUB_REPOSITORY": "acme/web", "GITHUB_API_URL": "api.github.com"}, `GITHUB_API_URL: "api.github.com" is not an http(s) URL`},
	} {
		target := GitHubFromEnv(func(k string) string { return tt.env[k] }, nil)
		got := runCheck(t, ciCheck(target, sha), time.Second)
		if got.Status != audit.Skip || got.Reason != tt.reason {
			t.Errorf("%v: %s %q, want skip %q", tt.env, got.Status, got.Reason, tt.reason)
		}
	}
	w := newCIWorld(t, nil, nil)
	got := runCheck(t, ciCheck(w.tokenTarget(), ""), time.Second)
	if got.Status != audit.Skip || got.Reason != "no release commit to check" {
		t.Errorf("no commit: %s %q", got.Status, got.Reason)
	}
}

func TestWebURLFromAPI(t *testing.T) {
	t.Parallel()
	for api, want := range map[string]string{
		"https://api.github.com":            "https://github.com",
		"https://ghe.example.com/api/v3":    "https://ghe.example.com",
		"https://ghe.example.com/api/v3/":   "https://ghe.example.com",
		"http://127.0.0.1:8080/prefix/api/": "http://127.0.0.1:8080/prefix/api",
	} {
		if got := webURLFromAPI(api); got != want {
			t.Errorf("webURLFromAPI(%q) = %q, want %q", api, got, want)
		}
	}
}
