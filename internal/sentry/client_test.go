package sentry_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	sentryemu "github.com/releasebot/releasebot/internal/emulator/sentry"
	"github.com/releasebot/releasebot/internal/sentry"
)

const token = "sntryu_test_token_5e9c1d"

func newEmulator(t *testing.T) (*sentryemu.Emulator, *sentry.Client) {
	t.Helper()
	emu := sentryemu.NewTest(t, "acme", "web", 42, token)
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	c, err := sentry.New(srv.URL, token)
	if err != nil {
		t.Fatal(err)
	}
	c.HTTPClient = srv.Client()
	return emu, c
}

func TestReleaseCommitsDeploy(t *testing.T) {
	t.Parallel()
	emu, c := newEmulator(t)
	ctx := context.Background()

	rel, err := c.CreateRelease(ctx, "acme", sentry.NewRelease{Version: "v1.2.3+stage", Projects: []string{"web"}})
	if err != nil {
		t.Fatalf("CreateRelease: %v", err)
	}
	if rel.Version != "v1.2.3+stage" || len(rel.Projects) != 1 || rel.Projects[0].ID != "42" {
		t.Errorf("release = %+v", rel)
	}
	// Creating it again is not an error (Sentry answers 208).
	if _, err := c.CreateRelease(ctx, "acme", sentry.NewRelease{Version: "v1.2.3+stage", Projects: []string{"web"}}); err != nil {
		t.Fatalf("CreateRelease again: %v", err)
	}
	// Refs name repositories Sentry knows through an integration; an unknown
	// one is a 400 whose field error reads as a sentence.
	refs := sentry.Commits{Refs: []sentry.Ref{{Repository: "acme/web", Commit: "abc123", PreviousCommit: "def456"}}}
	_, err = c.SetCommits(ctx, "acme", "v1.2.3+stage", refs)
	var apiErr *sentry.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Detail != "refs: Invalid repository names: acme/web" {
		t.Fatalf("SetCommits with an unknown repository: %v", err)
	}
	emu.AddRepository("acme", "acme/web")
	if _, err := c.SetCommits(ctx, "acme", "v1.2.3+stage", refs); err != nil {
		t.Fatalf("SetCommits: %v", err)
	}
	if commits, ok := emu.Release("acme", "v1.2.3+stage"); !ok || len(commits) != 1 || commits[0] != "abc123" {
		t.Errorf("emulator release commits = %v, %v", commits, ok)
	}
	d, err := c.CreateDeploy(ctx, "acme", "v1.2.3+stage", sentry.NewDeploy{Environment: "stage"})
	if err != nil {
		t.Fatalf("CreateDeploy: %v", err)
	}
	if d.Environment != "stage" || d.ID == "" || d.DateFinished.IsZero() {
		t.Errorf("deploy = %+v", d)
	}
	if got := emu.Deploys("acme", "v1.2.3+stage"); len(got) != 1 || got[0].Environment != "stage" {
		t.Errorf("emulator deploys = %+v", got)
	}
}

func TestErrorsSurfaceDetailNotToken(t *testing.T) {
	t.Parallel()
	_, c := newEmulator(t)
	ctx := context.Background()

	_, err := c.CreateDeploy(ctx, "acme", "v9.9.9", sentry.NewDeploy{Environment: "prod"})
	var apiErr *sentry.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 404 || apiErr.Detail != "The requested resource does not exist" {
		t.Fatalf("unknown release: err = %v", err)
	}

	_, err = c.CreateRelease(ctx, "acme", sentry.NewRelease{Version: "v1.0.0"})
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || !strings.Contains(apiErr.Detail, "projects") {
		t.Fatalf("missing projects: err = %v", err)
	}

	bad, _ := sentry.New(c.BaseURL(), "wrong-token-value")
	_, err = bad.ListIssues(ctx, "acme", sentry.IssueQuery{Project: "web"})
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Detail != "Invalid token" {
		t.Fatalf("bad token: err = %v", err)
	}
	want := "sentry answered 401 Unauthorized to GET /api/0/organizations/acme/issues/: Invalid token"
	if err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}
	for _, s := range []string{err.Error(), fmt.Sprintf("%v %+v %#v", bad, bad, bad)} {
		if strings.Contains(s, "wrong-token-value") {
			t.Errorf("token leaked: %s", s)
		}
	}
}

func TestListIssuesFollowsCursors(t *testing.T) {
	t.Parallel()
	emu, c := newEmulator(t)
	lastSeen := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	emu.SetClock(func() time.Time { return lastSeen })
	emu.AddIssues("acme", "web", "v1.2.3+stage", "stage", 230)
	emu.AddIssues("acme", "web", "v1.2.3+stage", "prod", 3)
	emu.AddIssues("acme", "web", "v1.2.2+stage", "stage", 4)
	emu.AddIssue(sentryemu.Issue{Org: "acme", Project: "web", Releases: []string{"v1.2.3+stage"}, Environment: "stage", Status: "resolved"})

	issues, err := c.ListIssues(context.Background(), "acme", sentry.IssueQuery{
		Project: "web", Environment: "stage", Query: sentry.ReleaseQuery("v1.2.3+stage"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(issues) != 230 {
		t.Fatalf("got %d issues, want 230", len(issues))
	}
	seen := map[sentry.ID]bool{}
	for _, is := range issues {
		if seen[is.ID] {
			t.Fatalf("issue %s twice", is.ID)
		}
		seen[is.ID] = true
		if is.Status != "unresolved" || is.Count != 1 || is.Project.Slug != "web" {
			t.Fatalf("issue = %+v", is)
		}
	}
	var cursors []string
	for _, r := range emu.Requests() {
		if r.Path == "/api/0/organizations/acme/issues/" {
			if !strings.Contains(r.Query, "projectSlug=web") || !strings.Contains(r.Query, "environment=stage") {
				t.Errorf("query = %s", r.Query)
			}
			_, cur, _ := strings.Cut(r.Query, "cursor=")
			cur, _, _ = strings.Cut(cur, "&")
			cursors = append(cursors, cur)
		}
	}
	// The cursors are Sentry's, passed back as they came: the score (last
	// seen, in ms) and the rows to skip among equal scores.
	score := strconv.FormatInt(lastSeen.UnixMilli(), 10)
	if want := []string{"", score + "%3A100%3A0", score + "%3A200%3A0"}; fmt.Sprint(cursors) != fmt.Sprint(want) {
		t.Errorf("cursors = %q, want %q", cursors, want)
	}

	// A numeric project goes in "project"; Limit stops early.
	few, err := c.ListIssues(context.Background(), "acme", sentry.IssueQuery{Project: "42", Query: "is:unresolved", Limit: 5})
	if err != nil || len(few) != 5 {
		t.Fatalf("limit: %d issues, %v", len(few), err)
	}
}

// TestRetriesOnSentryRateLimit: Sentry's API rate limiter answers 429 with
// X-Sentry-Rate-Limit-Reset (a Unix time) and no Retry-After; the client
// waits until the reset and tries again.
func TestRetriesOnSentryRateLimit(t *testing.T) {
	t.Parallel()
	emu, c := newEmulator(t)
	emu.AddIssues("acme", "web", "v1", "prod", 2)
	emu.Inject("/api/0/", sentryemu.RateLimited(3*time.Second))
	var waits []time.Duration
	c.Sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	issues, err := c.ListIssues(context.Background(), "acme", sentry.IssueQuery{Project: "42", Query: "is:unresolved"})
	if err != nil || len(issues) != 2 {
		t.Fatalf("ListIssues after a 429: %d issues, %v", len(issues), err)
	}
	if len(waits) != 1 || waits[0] <= 0 || waits[0] > 3*time.Second {
		t.Errorf("waits = %v, want one wait up to the 3s reset", waits)
	}
	var statuses []int
	for _, r := range emu.Requests() {
		statuses = append(statuses, r.Status)
	}
	if fmt.Sprint(statuses) != "[429 200]" {
		t.Errorf("statuses = %v", statuses)
	}
}

// TestOrgTokenCannotReadIssues: an organization auth token (sntrys_) has the
// org:ci scope, enough for releases and deploys, not for issues.
func TestOrgTokenCannotReadIssues(t *testing.T) {
	t.Parallel()
	emu := sentryemu.NewTest(t, "acme", "web", 42, "")
	emu.AddToken("sntrys_ci_token")
	srv := httptest.NewServer(emu)
	t.Cleanup(srv.Close)
	c, _ := sentry.New(srv.URL, "sntrys_ci_token")
	ctx := context.Background()
	if _, err := c.CreateRelease(ctx, "acme", sentry.NewRelease{Version: "v1", Projects: []string{"web"}}); err != nil {
		t.Fatalf("CreateRelease with an org token: %v", err)
	}
	if _, err := c.CreateDeploy(ctx, "acme", "v1", sentry.NewDeploy{Environment: "prod"}); err != nil {
		t.Fatalf("CreateDeploy with an org token: %v", err)
	}
	_, err := c.ListIssues(ctx, "acme", sentry.IssueQuery{Project: "web"})
	var apiErr *sentry.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 403 || apiErr.Detail != "You do not have permission to perform this action." {
		t.Fatalf("ListIssues with an org token: %v", err)
	}
}

func TestRetriesOn429HonouringRetryAfter(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) <= 2 {
			w.Header().Set("Retry-After", "7")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprint(w, `{"detail":"You are attempting to use this endpoint too frequently. Limit is 40 requests in 1 seconds"}`)
			return
		}
		fmt.Fprint(w, `[]`)
	}))
	defer srv.Close()
	c, _ := sentry.New(srv.URL, token)
	var waits []time.Duration
	c.Sleep = func(_ context.Context, d time.Duration) error { waits = append(waits, d); return nil }
	if _, err := c.ListIssues(context.Background(), "acme", sentry.IssueQuery{}); err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(waits) != "[7s 7s]" || calls.Load() != 3 {
		t.Errorf("waits = %v after %d calls", waits, calls.Load())
	}
}

func TestRetriesAreBounded(t *testing.T) {
	t.Parallel()
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		w.Header().Set("Retry-After", "1")
		w.WriteHeader(http.StatusTooManyRequests)
		fmt.Fprint(w, `{"detail":"slow down"}`)
	}))
	defer srv.Close()
	c, _ := sentry.New(srv.URL, token)
	c.Sleep = func(context.Context, time.Duration) error { return nil }
	_, err := c.ListIssues(context.Background(), "acme", sentry.IssueQuery{})
	var apiErr *sentry.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 429 || apiErr.Detail != "slow down" {
		t.Fatalf("err = %v", err)
	}
	if calls.Load() != 1+sentry.DefaultMaxRetries {
		t.Errorf("%d calls", calls.Load())
	}

	// A wait longer than MaxWait is not waited for.
	calls.Store(0)
	c.MaxWait = 500 * time.Millisecond
	if _, err := c.ListIssues(context.Background(), "acme", sentry.IssueQuery{}); err == nil || calls.Load() != 1 {
		t.Errorf("err = %v after %d calls", err, calls.Load())
	}
}

func TestTransportErrorHasNoToken(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	c, _ := sentry.New(url, token)
	_, err := c.CreateRelease(context.Background(), "acme", sentry.NewRelease{Version: "v1"})
	var te *sentry.TransportError
	if !errors.As(err, &te) {
		t.Fatalf("err = %T %v", err, err)
	}
	if strings.Contains(err.Error(), token) {
		t.Errorf("token in %q", err)
	}
}

func TestNewRejectsBadURL(t *testing.T) {
	t.Parallel()
	for _, u := range []string{"sentry.io", "ftp://x", "://"} {
		if _, err := sentry.New(u, token); err == nil {
			t.Errorf("New(%q) accepted", u)
		}
	}
	c, err := sentry.New("", token)
	if err != nil || c.BaseURL() != sentry.DefaultURL {
		t.Errorf("default: %v %v", c, err)
	}
}
