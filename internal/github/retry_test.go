package github_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	gh "github.com/google/go-github/v62/github"

	ghstore "github.com/releasebot/releasebot/internal/github"
)

// failingAPI is a loopback GitHub that fails every request, with a status or
// by dropping the connection, and counts the attempts per method and path.
type failingAPI struct {
	mu       sync.Mutex
	attempts map[string]int
}

func (f *failingAPI) count(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.attempts[key]
}

func newFailingAPI(t *testing.T, status int) (*gh.Client, *failingAPI) {
	t.Helper()
	f := &failingAPI{attempts: map[string]int{}}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.attempts[r.Method+" "+r.URL.Path]++
		f.mu.Unlock()
		if status == 0 { // a broken connection: no answer at all
			conn, _, err := w.(http.Hijacker).Hijack()
			if err == nil {
				conn.Close()
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(`{"message":"Server Error"}`))
	}))
	t.Cleanup(srv.Close)
	c, err := ghstore.NewClient(ghstore.ClientOptions{
		BaseURL: srv.URL + "/api/v3", Credentials: ghstore.Credentials{Token: "t"}, RetryBaseDelay: time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	return c.Client, f
}

// TestOnlyRequestsSafeToRepeatAreRetried pins the retry rule at the wire: a
// POST that creates something visible (a comment, a release, an issue, a ref)
// is tried once after a 5xx or a dropped connection, since the first may have
// been done; reads, idempotent writes (PATCH of a ref with force false, PUT,
// DELETE) and the Git Data API's content-addressed creations are tried
// exactly RetryAttempts times (4), never a fifth.
func TestOnlyRequestsSafeToRepeatAreRetried(t *testing.T) {
	const tries = 4
	calls := []struct {
		name string
		key  string // method and path the server sees
		want int
		call func(ctx context.Context, c *gh.Client) error
	}{
		{"create comment", "POST /api/v3/repos/acme/web/issues/7/comments", 1, func(ctx context.Context, c *gh.Client) error {
			_, _, err := c.Issues.CreateComment(ctx, "acme", "web", 7, &gh.IssueComment{Body: gh.String("done")})
			return err
		}},
		{"create release", "POST /api/v3/repos/acme/web/releases", 1, func(ctx context.Context, c *gh.Client) error {
			_, _, err := c.Repositories.CreateRelease(ctx, "acme", "web", &gh.RepositoryRelease{TagName: gh.String("v1.0.0")})
			return err
		}},
		{"create issue", "POST /api/v3/repos/acme/web/issues", 1, func(ctx context.Context, c *gh.Client) error {
			_, _, err := c.Issues.Create(ctx, "acme", "web", &gh.IssueRequest{Title: gh.String("x")})
			return err
		}},
		{"create ref", "POST /api/v3/repos/acme/web/git/refs", 1, func(ctx context.Context, c *gh.Client) error {
			_, _, err := c.Git.CreateRef(ctx, "acme", "web", &gh.Reference{Ref: gh.String("refs/tags/v1"), Object: &gh.GitObject{SHA: gh.String("abc")}})
			return err
		}},
		// A repository named like a Git Data path is not the Git Data API.
		{"comment in git/commits", "POST /api/v3/repos/git/commits/issues/7/comments", 1, func(ctx context.Context, c *gh.Client) error {
			_, _, err := c.Issues.CreateComment(ctx, "git", "commits", 7, &gh.IssueComment{Body: gh.String("done")})
			return err
		}},
		{"release in git/trees", "POST /api/v3/repos/git/trees/releases", 1, func(ctx context.Context, c *gh.Client) error {
			_, _, err := c.Repositories.CreateRelease(ctx, "git", "trees", &gh.RepositoryRelease{TagName: gh.String("v1")})
			return err
		}},
		{"create blob", "POST /api/v3/repos/acme/web/git/blobs", tries, func(ctx context.Context, c *gh.Client) error {
			_, _, err := c.Git.CreateBlob(ctx, "acme", "web", &gh.Blob{Content: gh.String("x"), Encoding: gh.String("utf-8")})
			return err
		}},
		{"create tree", "POST /api/v3/repos/acme/web/git/trees", tries, func(ctx context.Context, c *gh.Client) error {
			_, _, err := c.Git.CreateTree(ctx, "acme", "web", "base", nil)
			return err
		}},
		{"create commit", "POST /api/v3/repos/acme/web/git/commits", tries, func(ctx context.Context, c *gh.Client) error {
			_, _, err := c.Git.CreateCommit(ctx, "acme", "web", &gh.Commit{Message: gh.String("m"), Tree: &gh.Tree{SHA: gh.String("t")}}, nil)
			return err
		}},
		{"update ref, force false", "PATCH /api/v3/repos/acme/web/git/refs/heads/main", tries, func(ctx context.Context, c *gh.Client) error {
			_, _, err := c.Git.UpdateRef(ctx, "acme", "web", &gh.Reference{Ref: gh.String("refs/heads/main"), Object: &gh.GitObject{SHA: gh.String("abc")}}, false)
			return err
		}},
		{"get ref", "GET /api/v3/repos/acme/web/git/ref/heads/main", tries, func(ctx context.Context, c *gh.Client) error {
			_, _, err := c.Git.GetRef(ctx, "acme", "web", "refs/heads/main")
			return err
		}},
		{"list commits", "GET /api/v3/repos/acme/web/commits", tries, func(ctx context.Context, c *gh.Client) error {
			_, _, err := c.Repositories.ListCommits(ctx, "acme", "web", nil)
			return err
		}},
		{"add reaction", "POST /api/v3/repos/acme/web/issues/comments/9/reactions", tries, func(ctx context.Context, c *gh.Client) error {
			_, _, err := c.Reactions.CreateIssueCommentReaction(ctx, "acme", "web", 9, "eyes")
			return err
		}},
		{"add reaction to an issue", "POST /api/v3/repos/acme/web/issues/7/reactions", tries, func(ctx context.Context, c *gh.Client) error {
			_, _, err := c.Reactions.CreateIssueReaction(ctx, "acme", "web", 7, "rocket")
			return err
		}},
		{"installation token", "POST /api/v3/app/installations/5/access_tokens", tries, func(ctx context.Context, c *gh.Client) error {
			_, _, err := c.Apps.CreateInstallationToken(ctx, 5, nil)
			return err
		}},
		{"create status", "POST /api/v3/repos/acme/web/statuses/abc", 1, func(ctx context.Context, c *gh.Client) error {
			_, _, err := c.Repositories.CreateStatus(ctx, "acme", "web", "abc", &gh.RepoStatus{State: gh.String("success")})
			return err
		}},
	}
	for _, failure := range []struct {
		name   string
		status int
	}{{"500", 500}, {"502", 502}, {"503", 503}, {"504", 504}, {"dropped connection", 0}} {
		t.Run(failure.name, func(t *testing.T) {
			c, api := newFailingAPI(t, failure.status)
			for _, tc := range calls {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				err := tc.call(ctx, c)
				cancel()
				if err == nil {
					t.Errorf("%s: no error from a failing server", tc.name)
				}
				if got := api.count(tc.key); got != tc.want {
					t.Errorf("%s (%s): %d attempts, want %d", tc.name, tc.key, got, tc.want)
				}
			}
		})
	}
}

// TestClientErrorsAreNotRetried: a 4xx other than a rate limit is an answer,
// not a failure; trying again would get the same one.
func TestClientErrorsAreNotRetried(t *testing.T) {
	for _, status := range []int{400, 401, 404, 409, 422} {
		c, api := newFailingAPI(t, status)
		_, _, err := c.Git.GetRef(context.Background(), "acme", "web", "refs/heads/main")
		if err == nil {
			t.Errorf("%d: no error", status)
		}
		if got := api.count("GET /api/v3/repos/acme/web/git/ref/heads/main"); got != 1 {
			t.Errorf("%d: %d attempts, want 1", status, got)
		}
	}
}

// TestRetriesResendTheWholeBody: each retry of a POST sends the same body
// again, not an empty or half-read one.
func TestRetriesResendTheWholeBody(t *testing.T) {
	var mu sync.Mutex
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		bodies = append(bodies, string(b))
		mu.Unlock()
		w.WriteHeader(http.StatusBadGateway)
	}))
	t.Cleanup(srv.Close)
	c, err := ghstore.NewClient(ghstore.ClientOptions{BaseURL: srv.URL + "/api/v3", Credentials: ghstore.Credentials{Token: "t"}, RetryBaseDelay: time.Millisecond, RetryAttempts: 3})
	if err != nil {
		t.Fatal(err)
	}
	content := strings.Repeat("flag: on\n", 10_000)
	_, _, err = c.Git.CreateTree(context.Background(), "acme", "web", "base", []*gh.TreeEntry{{Path: gh.String("f"), Mode: gh.String("100644"), Type: gh.String("blob"), Content: gh.String(content)}})
	if err == nil {
		t.Fatal("no error from a failing server")
	}
	if len(bodies) != 3 {
		t.Fatalf("%d attempts with RetryAttempts 3, want 3", len(bodies))
	}
	for i, b := range bodies {
		if b != bodies[0] || !strings.Contains(b, "flag: on") {
			t.Errorf("attempt %d sent %d bytes, the first %d", i+1, len(b), len(bodies[0]))
		}
	}
}

// TestRateLimitedPostIsRetried: a rate-limited request was not served, so
// even a comment is sent again once the limit allows (unlike after a 5xx).
func TestRateLimitedPostIsRetried(t *testing.T) {
	for _, limit := range []struct {
		name   string
		status int
		header http.Header
	}{
		{"429 Retry-After", http.StatusTooManyRequests, http.Header{"Retry-After": {"0"}}},
		{"403 Retry-After", http.StatusForbidden, http.Header{"Retry-After": {"0"}}},
		{"403 quota spent", http.StatusForbidden, http.Header{"X-Ratelimit-Remaining": {"0"}, "X-Ratelimit-Reset": {strconv.FormatInt(time.Now().Unix(), 10)}}},
	} {
		t.Run(limit.name, func(t *testing.T) {
			var n atomic.Int32
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if n.Add(1) == 1 {
					for k, v := range limit.header {
						w.Header()[k] = v
					}
					w.WriteHeader(limit.status)
					_, _ = w.Write([]byte(`{"message":"API rate limit exceeded"}`))
					return
				}
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusCreated)
				_, _ = w.Write([]byte(`{"id":1,"body":"done"}`))
			}))
			t.Cleanup(srv.Close)
			c, err := ghstore.NewClient(ghstore.ClientOptions{BaseURL: srv.URL + "/api/v3", Credentials: ghstore.Credentials{Token: "t"}, RetryBaseDelay: time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, _, err := c.Issues.CreateComment(ctx, "acme", "web", 7, &gh.IssueComment{Body: gh.String("done")}); err != nil {
				t.Errorf("CreateComment after a rate limit: %v", err)
			}
			if got := n.Load(); got != 2 {
				t.Errorf("%d attempts, want 2", got)
			}
		})
	}
}
