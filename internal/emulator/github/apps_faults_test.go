package githubemu_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bradleyfalzon/ghinstallation/v2"
	gh "github.com/google/go-github/v62/github"

	githubemu "github.com/releasebot/releasebot/internal/emulator/github"
)

func rsaKey(t *testing.T) (*rsa.PrivateKey, []byte) {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
}

// TestInstallationToken has ghinstallation sign a JWT with the App's key,
// get an installation token from the emulator and use it.
func TestInstallationToken(t *testing.T) {
	key, keyPEM := rsaKey(t)
	f := newFixture(t, func(o *githubemu.Options) {
		o.Apps = []githubemu.App{{ID: 4242, Slug: "releasebot", PublicKey: &key.PublicKey, InstallationID: 77}}
	})
	itr, err := ghinstallation.New(http.DefaultTransport, 4242, 77, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	itr.BaseURL = f.srv.URL + "/api/v3"
	c := gh.NewClient(&http.Client{Transport: itr})
	c.BaseURL = f.gh.BaseURL
	tok, err := itr.Token(ctx(t))
	if err != nil || !strings.HasPrefix(tok, "ghs_") {
		t.Fatalf("installation token = %q, %v", tok, err)
	}
	cm, _, err := c.Git.CreateCommit(ctx(t), "acme", "web", &gh.Commit{
		Message: gh.String("chore(flags): by the app"), Tree: &gh.Tree{SHA: gh.String(f.git(t, "rev-parse", "main^{tree}")[:40])},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cm.GetAuthor().GetName() != "releasebot[bot]" || !strings.HasSuffix(cm.GetAuthor().GetEmail(), "+releasebot[bot]@users.noreply.github.com") {
		t.Errorf("the App's commit is authored by %s <%s>", cm.GetAuthor().GetName(), cm.GetAuthor().GetEmail())
	}
	// GitHub commits an App's commit itself (its web committer) when the
	// request names neither author nor committer.
	if cm.GetCommitter().GetName() != "GitHub" || cm.GetCommitter().GetEmail() != "noreply@github.com" {
		t.Errorf("the App's commit is committed by %s <%s>, want GitHub <noreply@github.com>", cm.GetCommitter().GetName(), cm.GetCommitter().GetEmail())
	}
	// The App JWT itself is not an API token.
	atr, _ := ghinstallation.NewAppsTransport(http.DefaultTransport, 4242, keyPEM)
	app := gh.NewClient(&http.Client{Transport: atr})
	app.BaseURL = f.gh.BaseURL
	if a, _, err := app.Apps.Get(ctx(t), ""); err != nil || a.GetSlug() != "releasebot" {
		t.Errorf("GET /app with the JWT = %v, %v", a, err)
	}
	_, _, err = app.Repositories.Get(ctx(t), "acme", "web")
	apiErr(t, err, 403, "Resource not accessible by integration")
}

func TestInstallationTokenWrongKey(t *testing.T) {
	key, _ := rsaKey(t)
	_, otherPEM := rsaKey(t)
	f := newFixture(t, func(o *githubemu.Options) {
		o.Apps = []githubemu.App{{ID: 4242, PublicKey: &key.PublicKey, InstallationID: 77}}
	})
	itr, err := ghinstallation.New(http.DefaultTransport, 4242, 77, otherPEM)
	if err != nil {
		t.Fatal(err)
	}
	itr.BaseURL = f.srv.URL + "/api/v3"
	_, err = itr.Token(ctx(t))
	var he *ghinstallation.HTTPError
	if !errors.As(err, &he) || he.Response == nil || he.Response.StatusCode != 401 {
		t.Fatalf("token with the wrong key: %v, want a 401", err)
	}
	body, _ := io.ReadAll(he.Response.Body)
	he.Response.Body.Close()
	var msg struct {
		Message          string `json:"message"`
		DocumentationURL string `json:"documentation_url"`
	}
	if json.Unmarshal(body, &msg) != nil || msg.Message != "A JSON web token could not be decoded" || msg.DocumentationURL == "" {
		t.Errorf("401 body = %s", body)
	}
	// Another App's installation is not found.
	itr2, _ := ghinstallation.New(http.DefaultTransport, 4242, 99, pemOf(key))
	itr2.BaseURL = f.srv.URL + "/api/v3"
	if _, err := itr2.Token(ctx(t)); !errors.As(err, &he) || he.Response.StatusCode != 404 {
		t.Errorf("unknown installation: %v", err)
	}
}

func pemOf(key *rsa.PrivateKey) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
}

func TestFaults(t *testing.T) {
	f := newFixture(t)
	c := ctx(t)
	f.emu.Inject("GET", "/repos/acme/*", githubemu.Times(2, githubemu.ServerError(502))...)
	for i := 0; i < 2; i++ {
		_, resp, err := f.gh.Repositories.Get(c, "acme", "web")
		if err == nil || resp.StatusCode != 502 {
			t.Fatalf("request %d: %v, want 502", i, err)
		}
	}
	if _, _, err := f.gh.Repositories.Get(c, "acme", "web"); err != nil {
		t.Fatalf("after the faults: %v", err)
	}
	reset := time.Now().Add(time.Hour).Truncate(time.Second)
	f.emu.Inject("", "/repos/acme/web/**", githubemu.PrimaryRateLimit(reset))
	_, _, err := f.gh.Git.GetRef(c, "acme", "web", "refs/heads/main")
	var rl *gh.RateLimitError
	if !errors.As(err, &rl) || !rl.Rate.Reset.Time.Equal(reset) || rl.Rate.Remaining != 0 || !strings.HasPrefix(rl.Message, "API rate limit exceeded for user ID") {
		t.Fatalf("primary rate limit: %v", err)
	}
	// go-github itself now refuses until the reset: use a fresh client.
	fresh := client(t, f.srv.URL+"/api/v3/", token)
	f.emu.Inject("POST", "/repos/acme/web/git/blobs", githubemu.SecondaryRateLimit(1500*time.Millisecond))
	_, _, err = fresh.Git.CreateBlob(c, "acme", "web", &gh.Blob{Content: gh.String("x")})
	var ab *gh.AbuseRateLimitError
	if !errors.As(err, &ab) || ab.RetryAfter == nil || *ab.RetryAfter != 2*time.Second || !strings.Contains(ab.Message, "secondary rate limit") {
		t.Fatalf("secondary rate limit: %v", err)
	}
	fresh = client(t, f.srv.URL+"/api/v3/", token)
	f.emu.Inject("GET", "/repos/acme/web", githubemu.Latency(50*time.Millisecond))
	start := time.Now()
	if _, _, err := fresh.Repositories.Get(c, "acme", "web"); err != nil || time.Since(start) < 50*time.Millisecond {
		t.Errorf("latency: %v after %v", err, time.Since(start))
	}
	// Without keep-alives net/http does not retry a dropped request itself.
	noReuse := gh.NewClient(&http.Client{Transport: &http.Transport{DisableKeepAlives: true}}).WithAuthToken(token)
	noReuse.BaseURL = f.gh.BaseURL
	f.emu.Inject("GET", "/repos/acme/web", githubemu.Disconnect())
	if _, _, err := noReuse.Repositories.Get(c, "acme", "web"); err == nil {
		t.Error("a dropped connection did not fail the request")
	}
	if n := f.emu.PendingFaults(); n != 0 {
		t.Errorf("%d faults not taken", n)
	}
}

// TestWebhooks checks the signed deliveries of comments, pull requests and
// pushes, with go-github's own verification and parsing.
func TestWebhooks(t *testing.T) {
	const secret = "s3cret"
	var mu sync.Mutex
	var got []any
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		payload, err := gh.ValidatePayload(r, []byte(secret))
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		ev, err := gh.ParseWebHook(gh.WebHookType(r), payload)
		if err != nil || gh.DeliveryID(r) == "" {
			http.Error(w, "bad event", http.StatusBadRequest)
			return
		}
		mu.Lock()
		got = append(got, ev)
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
	}))
	defer hook.Close()
	f := newFixture(t, func(o *githubemu.Options) { o.Webhook = githubemu.Webhook{URL: hook.URL, Secret: secret} })
	c := ctx(t)
	head, err := f.emu.CommitFiles("acme", "web", "release", map[string][]byte{"NOTES.md": []byte("n\n")}, "chore: notes", "octocat")
	if err != nil {
		t.Fatal(err)
	}
	pr := must(f.gh.PullRequests.Create(c, "acme", "web", &gh.NewPullRequest{Title: gh.String("chore: release"), Head: gh.String("release"), Base: gh.String("main")}))(t)
	id, err := f.emu.AddComment("acme", "web", pr.GetNumber(), "ana", "/canary 10")
	if err != nil {
		t.Fatal(err)
	}
	if err := f.emu.WaitWebhooks(c); err != nil {
		t.Fatal(err)
	}
	for _, d := range f.emu.Deliveries() {
		if d.Status != http.StatusAccepted {
			t.Errorf("delivery %s %s answered %d %s", d.Event, d.ID, d.Status, d.Body)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 3 {
		t.Fatalf("got %d events, want push, pull_request, issue_comment", len(got))
	}
	push, ok := got[0].(*gh.PushEvent)
	if !ok || push.GetRef() != "refs/heads/release" || push.GetAfter() != head || !push.GetCreated() || push.GetHeadCommit().GetMessage() != "chore: notes" {
		t.Errorf("push event = %+v", got[0])
	}
	if ev, ok := got[1].(*gh.PullRequestEvent); !ok || ev.GetAction() != "opened" || ev.GetPullRequest().GetHead().GetSHA() != head {
		t.Errorf("pull_request event = %+v", got[1])
	}
	ic, ok := got[2].(*gh.IssueCommentEvent)
	if !ok || ic.GetAction() != "created" || ic.GetComment().GetID() != id || ic.GetComment().GetBody() != "/canary 10" ||
		ic.GetIssue().GetNumber() != pr.GetNumber() || !ic.GetIssue().IsPullRequest() || ic.GetSender().GetLogin() != "ana" || ic.GetRepo().GetFullName() != "acme/web" {
		t.Errorf("issue_comment event = %+v", got[2])
	}
	// The signature is HMAC-SHA256 of the body, hex, "sha256=".
	d := f.emu.Deliveries()[2]
	if d.Header.Get("X-Hub-Signature-256") != githubemu.Sign(secret, d.Payload) || d.Header.Get("X-GitHub-Event") != "issue_comment" {
		t.Errorf("delivery headers = %v", d.Header)
	}
}
