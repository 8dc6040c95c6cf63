package github_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/releasebot/releasebot/chatops"
	githubemu "github.com/releasebot/releasebot/internal/emulator/github"
	ghstore "github.com/releasebot/releasebot/internal/github"
	"github.com/releasebot/releasebot/internal/storetest"
)

func TestNewClientBaseURL(t *testing.T) {
	for _, tc := range []struct {
		in, base, upload string
	}{
		{"", "https://api.github.com/", "https://uploads.github.com/"},
		{"https://api.github.com", "https://api.github.com/", "https://uploads.github.com/"},
		{"https://ghe.example.com/api/v3", "https://ghe.example.com/api/v3/", "https://ghe.example.com/api/uploads/"},
		{"http://127.0.0.1:8080/api/v3/", "http://127.0.0.1:8080/api/v3/", "http://127.0.0.1:8080/api/uploads/"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080/", "http://127.0.0.1:8080/api/uploads/"},
	} {
		c, err := ghstore.NewClient(ghstore.ClientOptions{BaseURL: tc.in, Credentials: ghstore.Credentials{Token: "t"}})
		if err != nil {
			t.Errorf("NewClient(%q): %v", tc.in, err)
			continue
		}
		if c.BaseURL.String() != tc.base || c.UploadURL.String() != tc.upload {
			t.Errorf("NewClient(%q) = %s, %s; want %s, %s", tc.in, c.BaseURL, c.UploadURL, tc.base, tc.upload)
		}
	}
	for _, bad := range []string{"api.github.com", "ftp://x", "https://user:pw@ghe.example.com/api/v3"} {
		if _, err := ghstore.NewClient(ghstore.ClientOptions{BaseURL: bad, Credentials: ghstore.Credentials{Token: "t"}}); err == nil {
			t.Errorf("NewClient(%q) accepted a bad URL", bad)
		} else if strings.Contains(err.Error(), "pw") {
			t.Errorf("the error shows the password: %v", err)
		}
	}
	if _, err := ghstore.NewClient(ghstore.ClientOptions{}); err == nil || !strings.Contains(err.Error(), "GITHUB_TOKEN") {
		t.Errorf("no credentials: %v", err)
	}
	cred := ghstore.Credentials{Token: "ghp_secret", PrivateKey: []byte("-----BEGIN")}
	for _, s := range []string{fmt.Sprint(cred), fmt.Sprintf("%+v", cred), fmt.Sprintf("%#v", cred)} {
		if strings.Contains(s, "ghp_secret") || strings.Contains(s, "BEGIN") {
			t.Errorf("credentials print their secret: %s", s)
		}
	}
}

func TestBadTokenIsReportedWithoutTheToken(t *testing.T) {
	e := newEnv(t)
	c, err := ghstore.NewClient(ghstore.ClientOptions{BaseURL: e.srv.URL + "/api/v3", Credentials: ghstore.Credentials{Token: "ghp_leaky_secret"}})
	if err != nil {
		t.Fatal(err)
	}
	s := &ghstore.Store{Client: c.Client, Owner: owner, Repo: repo, Branch: "main", FlagsFile: storetest.FlagsFile}
	_, err = s.Read(testCtx(t))
	if err == nil || !strings.Contains(err.Error(), "401 Bad credentials") || strings.Contains(err.Error(), "ghp_leaky_secret") {
		t.Errorf("Read with a bad token: %v", err)
	}
}

func TestServerErrorsAreRetried(t *testing.T) {
	e := newEnv(t)
	ctx, calls := ghstore.WithCounter(testCtx(t))
	snap, err := e.store.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	e.emu.Inject("POST", "/repos/acme/web/git/trees", githubemu.Times(2, githubemu.ServerError(502))...)
	e.emu.Inject("PATCH", "/repos/acme/web/git/refs/heads/main", githubemu.ServerError(503))
	sha, err := e.store.Commit(ctx, snap.Rev, map[string][]byte{storetest.FlagsFile: []byte("canary: 10\n")}, "chore(flags): retried")
	if err != nil {
		t.Fatalf("Commit through 502, 502 and 503: %v", err)
	}
	if n := e.emu.PendingFaults(); n != 0 {
		t.Errorf("%d faults not taken", n)
	}
	if got, _ := e.emu.Ref(owner, repo, "refs/heads/main"); got != sha {
		t.Errorf("main = %s, want %s", got, sha)
	}
	// Without a lookup first the base's tree costs a request.
	if n := calls.Load(); n != 2+1+3+1+2 {
		t.Errorf("%d requests, want 9 (read 2, base commit 1, tree 3, commit 1, ref 2)", n)
	}
}

// TestFailuresLeaveNothingVisible: when any step fails for good, the branch
// has not moved and the error says what failed.
func TestFailuresLeaveNothingVisible(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		fault        githubemu.Fault
		want         string
	}{
		{"POST", "/repos/acme/web/git/commits", githubemu.ServerError(404), "could not create the commit on acme/web: 404 Not Found"},
		{"POST", "/repos/acme/web/git/trees", githubemu.ServerError(500), "could not create the tree on acme/web: 500 Server Error"},
		{"PATCH", "/repos/acme/web/git/refs/heads/main", githubemu.ServerError(502), "could not move main of acme/web to the new commit: 502 Bad Gateway"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			e := newEnv(t)
			ctx := testCtx(t)
			snap, err := e.store.Read(ctx)
			if err != nil {
				t.Fatal(err)
			}
			e.emu.Inject(tc.method, tc.path, githubemu.Times(4, tc.fault)...)
			_, err = e.store.Commit(ctx, snap.Rev, map[string][]byte{storetest.FlagsFile: []byte("x: 1\n")}, "chore(flags): x")
			if err == nil || err.Error() != tc.want {
				t.Errorf("err = %v, want %q", err, tc.want)
			}
			if errors.Is(err, chatops.ErrConflict) {
				t.Error("a failure is not a conflict")
			}
			if got, _ := e.emu.Ref(owner, repo, "refs/heads/main"); got != snap.Rev {
				t.Errorf("main moved to %s", got)
			}
		})
	}
}

func TestPrimaryRateLimitWaitsForTheReset(t *testing.T) {
	e := newEnv(t)
	reset := time.Now().Add(time.Second)
	e.emu.Inject("GET", "/repos/acme/web/git/ref/heads/main", githubemu.PrimaryRateLimit(reset))
	start := time.Now()
	snap, err := e.store.Read(testCtx(t))
	if err != nil {
		t.Fatalf("Read through a rate limit: %v", err)
	}
	if string(snap.Flags) != storetest.InitialFlags {
		t.Errorf("flags = %q", snap.Flags)
	}
	// X-RateLimit-Reset is in whole seconds.
	if waited, least := time.Since(start), reset.Truncate(time.Second).Sub(start); waited < least || waited > 3*time.Second {
		t.Errorf("waited %v for a reset %v away", waited, least)
	}
}

func TestRateLimitAfterTheDeadlineFailsAtOnce(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fault githubemu.Fault
		want  string
	}{
		{"primary", githubemu.PrimaryRateLimit(time.Now().Add(time.Hour)), "GitHub rate limit: resets at "},
		{"secondary", githubemu.SecondaryRateLimit(time.Minute), "GitHub secondary rate limit: resets at "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			e.emu.Inject("GET", "/repos/acme/web/git/ref/**", tc.fault)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			start := time.Now()
			_, err := e.store.Read(ctx)
			var rl *ghstore.RateLimitError
			if !errors.As(err, &rl) || !strings.Contains(err.Error(), tc.want) || !strings.HasSuffix(err.Error(), "after this command's deadline") {
				t.Fatalf("err = %v, want %q… after this command's deadline", err, tc.want)
			}
			if d := time.Since(start); d > time.Second {
				t.Errorf("failed after %v, want at once", d)
			}
			t.Log(err)
		})
	}
}

func TestAppCredentials(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	keyFile := filepath.Join(t.TempDir(), "app.pem")
	if err := os.WriteFile(keyFile, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(o *githubemu.Options) {
		o.Apps = []githubemu.App{{ID: 4242, Slug: "releasebot", PublicKey: &key.PublicKey, InstallationID: 77}}
	})
	for _, cred := range []ghstore.Credentials{
		{AppID: 4242, InstallationID: 77, PrivateKey: keyPEM},
		{AppID: 4242, InstallationID: 77, PrivateKeyFile: keyFile},
	} {
		c, err := ghstore.NewClient(ghstore.ClientOptions{BaseURL: e.srv.URL + "/api/v3", Credentials: cred})
		if err != nil {
			t.Fatal(err)
		}
		s, err := ghstore.NewStore(context.Background(), c.Client, "acme/web", "main", storetest.FlagsFile)
		if err != nil {
			t.Fatal(err)
		}
		ctx, calls := ghstore.WithCounter(testCtx(t))
		snap, err := s.Read(ctx)
		if err != nil {
			t.Fatalf("Read as the App: %v", err)
		}
		if n := calls.Load(); n != 3 {
			t.Errorf("first Read made %d requests, want 3 (token, ref, content)", n)
		}
		if _, err := s.Commit(ctx, snap.Rev, map[string][]byte{storetest.FlagsFile: []byte("by: app\n")}, "chore(flags): by the app"); err != nil {
			t.Fatal(err)
		}
		if log := e.gitLog(t, "-1", "--format=%an", "main"); log != "releasebot[bot]\n" {
			t.Errorf("the commit's author = %q, want the App's bot", log)
		}
	}
	other, _ := rsa.GenerateKey(rand.Reader, 2048)
	c, err := ghstore.NewClient(ghstore.ClientOptions{BaseURL: e.srv.URL + "/api/v3", Credentials: ghstore.Credentials{
		AppID: 4242, InstallationID: 77, PrivateKey: pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(other)}),
	}})
	if err != nil {
		t.Fatal(err)
	}
	s := &ghstore.Store{Client: c.Client, Owner: owner, Repo: repo, Branch: "main", FlagsFile: storetest.FlagsFile}
	if _, err := s.Read(testCtx(t)); err == nil || !strings.Contains(err.Error(), "GitHub refused the App's credentials for installation 77: 401 A JSON web token could not be decoded") {
		t.Errorf("Read with the wrong key: %v, want the token refused with 401", err)
	} else {
		t.Log(err)
	}
	if _, err := ghstore.NewClient(ghstore.ClientOptions{Credentials: ghstore.Credentials{AppID: 1, InstallationID: 2, PrivateKey: []byte("nope")}}); err == nil {
		t.Error("a bad private key was accepted")
	}
}

func TestStoreAtTheRoot(t *testing.T) {
	e := newEnv(t)
	c, err := ghstore.NewClient(ghstore.ClientOptions{BaseURL: e.srv.URL, Credentials: ghstore.Credentials{Token: token}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := ghstore.NewStore(context.Background(), c.Client, "acme/web", "", storetest.FlagsFile)
	if err != nil {
		t.Fatal(err)
	}
	if s.Branch != "main" {
		t.Errorf("default branch = %q", s.Branch)
	}
	if _, err := s.Read(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	if _, err := ghstore.NewStore(context.Background(), c.Client, "acme", "", storetest.FlagsFile); err == nil {
		t.Error("NewStore accepted a repository without an owner")
	}
	_, err = ghstore.NewStore(context.Background(), c.Client, "acme/nope", "", storetest.FlagsFile)
	if err == nil || err.Error() != "could not read the repository acme/nope: 404 Not Found" {
		t.Errorf("missing repository: %v", err)
	}
}

// TestSpentQuotaGatesLaterRequests: a successful response that spends the
// quota makes later requests wait for the reset, or fail at once when the
// reset comes after the deadline (go-github alone would refuse them without
// waiting).
func TestSpentQuotaGatesLaterRequests(t *testing.T) {
	e := newEnv(t, func(o *githubemu.Options) { o.RateLimit = 3 }) // NewStore reads the repository: 1 request
	if _, err := e.store.Read(testCtx(t)); err != nil {            // ref and content: the quota is spent
		t.Fatal(err)
	}
	if rem, lim, reset := e.client.Meter().RateLimit(); rem != 0 || lim != 3 || time.Until(reset) < 50*time.Minute {
		t.Errorf("meter = %d/%d until %v", rem, lim, reset)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	before := e.emu.Requests()
	start := time.Now()
	_, err := e.store.Read(ctx)
	var rl *ghstore.RateLimitError
	if !errors.As(err, &rl) || !strings.HasSuffix(err.Error(), "after this command's deadline") {
		t.Fatalf("Read with the quota spent: %v", err)
	}
	if time.Since(start) > time.Second || e.emu.Requests() != before {
		t.Errorf("the gated request went out or waited %v", time.Since(start))
	}
}

func TestFindInstallation(t *testing.T) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	e := newEnv(t, func(o *githubemu.Options) {
		o.Apps = []githubemu.App{{ID: 4242, PublicKey: &key.PublicKey, InstallationID: 77}}
	})
	opts := ghstore.ClientOptions{BaseURL: e.srv.URL + "/api/v3", Credentials: ghstore.Credentials{AppID: 4242, PrivateKey: keyPEM}}
	id, err := ghstore.FindInstallation(testCtx(t), opts, "acme/web")
	if err != nil || id != 77 {
		t.Errorf("FindInstallation = %d, %v", id, err)
	}
	if _, err := ghstore.FindInstallation(testCtx(t), opts, "acme/nope"); err == nil || err.Error() != "the GitHub App 4242 is not installed on acme/nope" {
		t.Errorf("not installed: %v", err)
	}
}
