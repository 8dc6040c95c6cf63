package auditcheck

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/audit"
)

const sha = "3f2a9c81d0b7e6f5a4c3b2a1908f7e6d5c4b3a29"

func ciCheck(target GitHubTarget, ref string) CICheck {
	return CICheck{GitHub: target.Client, Unconfigured: target.Missing, Broken: target.Broken, Owner: target.Owner, Repo: target.Repo, Ref: ref, WebURL: target.WebURL}
}

func TestCICheck(t *testing.T) {
	t.Parallel()
	many := make([]ghRun, 150)
	for i := range many {
		many[i] = ghRun{fmt.Sprintf("job-%03d", i), "completed", "success", "1"}
	}
	manyStatuses := make([]ghStatus, 120)
	for i := range manyStatuses {
		manyStatuses[i] = ghStatus{fmt.Sprintf("ci/%03d", i), "success"}
	}
	tests := []struct {
		name     string
		runs     []ghRun
		statuses []ghStatus
		want     audit.Status
		reason   string
	}{
		{
			"all green",
			[]ghRun{{"build", "completed", "success", "1"}, {"lint", "completed", "neutral", "1"}, {"docs", "completed", "skipped", "1"}},
			[]ghStatus{{"ci/circleci", "success"}},
			audit.Pass, "all 4 checks passed on 3f2a9c8 (3 check runs, 1 status)",
		},
		{"paginated", many, manyStatuses, audit.Pass, "all 270 checks passed on 3f2a9c8 (150 check runs, 120 statuses)"},
		{
			"failed run and status",
			[]ghRun{{"build", "completed", "success", "1"}, {"e2e", "completed", "timed_out", "1"}, {"lint", "in_progress", "", "1"}},
			[]ghStatus{{"deploy/preview", "error"}},
			audit.Fail, "2 of 4 checks failed on 3f2a9c8: e2e (timed_out), deploy/preview (error)",
		},
		{
			"still running",
			[]ghRun{{"build", "completed", "success", "1"}, {"e2e", "queued", "", "1"}},
			[]ghStatus{{"ci/circleci", "pending"}},
			audit.Warn, "2 of 3 checks still running on 3f2a9c8: e2e (queued), ci/circleci (pending)",
		},
		{"no CI", nil, nil, audit.Warn, "no check runs or commit statuses on 3f2a9c8"},
		{
			"own run not waited for",
			[]ghRun{{"build", "completed", "success", "1"}, {"release", "in_progress", "", "77"}, {"e2e", "completed", "failure", "77"}},
			nil,
			audit.Fail, "1 of 2 checks failed on 3f2a9c8: e2e (failure)",
		},
		{
			"own run only",
			[]ghRun{{"build", "completed", "success", "1"}, {"release", "in_progress", "", "77"}},
			nil,
			audit.Pass, "the one check passed on 3f2a9c8 (1 check run, 0 statuses); 1 unfinished job of this workflow run not waited for",
		},
		{"runs only; empty combined status is not pending", []ghRun{{"build", "completed", "success", "1"}}, nil, audit.Pass, "the one check passed on 3f2a9c8 (1 check run, 0 statuses)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := githubServer(t, sha, tt.runs, tt.statuses, 0)
			c := ciCheck(githubTarget(t, srv), sha)
			c.RunID = "77"
			got := runCheck(t, c, 5*time.Second)
			if got.Name != "ci" || got.Status != tt.want || got.Reason != tt.reason {
				t.Errorf("got %s %q\nwant %s %q", got.Status, got.Reason, tt.want, tt.reason)
			}
			if got.Evidence.URL != "https://github.com/acme/web/commit/"+sha {
				t.Errorf("evidence URL %q", got.Evidence.URL)
			}
		})
	}
}

func TestCICheckErrors(t *testing.T) {
	t.Parallel()
	srv := githubServer(t, sha, []ghRun{{"build", "completed", "success", "1"}}, nil, 0)
	got := runCheck(t, ciCheck(githubTarget(t, srv), "0000000"), 5*time.Second)
	want := "GitHub answered 422 Unprocessable Entity when reading the check runs of acme/web@0000000: No commit found for SHA: 0000000"
	if got.Status != audit.Fail || got.Reason != want {
		t.Errorf("unknown commit: %s %q\nwant %q", got.Status, got.Reason, want)
	}

	slow := githubServer(t, sha, []ghRun{{"build", "completed", "success", "1"}}, nil, 3*time.Second)
	got = runCheck(t, ciCheck(githubTarget(t, slow), sha), 300*time.Millisecond)
	if got.Status != audit.Fail || got.Reason != slow.URL+"/api/v3 did not answer within 300ms" {
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
		target := GitHubFromEnv(context.Background(), func(k string) string { return tt.env[k] }, nil)
		got := runCheck(t, ciCheck(target, sha), time.Second)
		if got.Status != audit.Skip || got.Reason != tt.reason {
			t.Errorf("%v: %s %q, want skip %q", tt.env, got.Status, got.Reason, tt.reason)
		}
	}
	srv := githubServer(t, sha, nil, nil, 0)
	got := runCheck(t, ciCheck(githubTarget(t, srv), ""), time.Second)
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
