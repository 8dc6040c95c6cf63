package repository_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	githubemu "github.com/releasebot/releasebot/internal/emulator/github"
	"github.com/releasebot/releasebot/internal/failure"
	ghstore "github.com/releasebot/releasebot/internal/github"
	"github.com/releasebot/releasebot/internal/gittest"
	"github.com/releasebot/releasebot/internal/repository"
)

const flagsYAML = "environments:\n  prod:\n    canary_percent: 0\n    flags:\n      FF_A: {default: off, canary: true}\n"

// world is an emulator holding acme/web and acme/api, counting the
// installation-token and installation-lookup requests it answers.
type world struct {
	url            string
	tokens, lookup atomic.Int64
	keyPEM         []byte
}

func newWorld(t *testing.T, files map[string]string) *world {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	w := &world{keyPEM: pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})}
	emu := githubemu.NewTest(t, githubemu.Options{
		Dir:    t.TempDir(),
		Tokens: map[string]string{"ghp_token": "ci"},
		Apps:   []githubemu.App{{ID: 4242, Slug: "releasebot", PublicKey: &key.PublicKey, InstallationID: 77}},
	})
	content := map[string][]byte{}
	for p, c := range files {
		content[p] = []byte(c)
	}
	for _, name := range []string{"web", "api"} {
		if err := emu.CreateRepo("acme", name, githubemu.RepoOptions{Files: content}); err != nil {
			t.Fatal(err)
		}
	}
	h := emu.Handler()
	srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasSuffix(r.URL.Path, "/access_tokens"):
			w.tokens.Add(1)
		case strings.HasSuffix(r.URL.Path, "/installation"):
			w.lookup.Add(1)
		}
		h.ServeHTTP(rw, r)
	}))
	t.Cleanup(srv.Close)
	w.url = srv.URL + "/api/v3"
	return w
}

func (w *world) app() ghstore.ClientOptions {
	return ghstore.ClientOptions{BaseURL: w.url, Credentials: ghstore.Credentials{AppID: 4242, PrivateKey: w.keyPEM}}
}

// TestClientCreatorCachesInstallations: however many commands come for one
// installation, at once or one after another, it gets one client, one
// transport and so one installation token; the installation of a
// repository is looked up once.
func TestClientCreatorCachesInstallations(t *testing.T) {
	w := newWorld(t, map[string]string{".release/flags.yaml": flagsYAML})
	cc := repository.NewClientCreator(w.app())
	ctx := context.Background()
	var mu sync.Mutex
	seen := map[*ghstore.Client]bool{}
	use := func(get func() (*ghstore.Client, error)) {
		c, err := get()
		if err != nil {
			t.Error(err)
			return
		}
		if _, _, err := c.Repositories.Get(ctx, "acme", "web"); err != nil {
			t.Error(err)
		}
		mu.Lock()
		seen[c] = true
		mu.Unlock()
	}
	use(func() (*ghstore.Client, error) { return cc.ForRepo(ctx, "acme/web") })
	use(func() (*ghstore.Client, error) { return cc.ForRepo(ctx, "acme/web") })
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 {
				use(func() (*ghstore.Client, error) { return cc.Installation(77) })
			} else {
				use(func() (*ghstore.Client, error) { return cc.ForRepo(ctx, "acme/web") })
			}
		}()
	}
	wg.Wait()
	if len(seen) != 1 {
		t.Errorf("%d clients for one installation, want 1", len(seen))
	}
	if n := w.tokens.Load(); n != 1 {
		t.Errorf("%d installation tokens minted, want 1", n)
	}
	if n := w.lookup.Load(); n != 1 {
		t.Errorf("%d installation lookups for acme/web, want 1", n)
	}
	// A webhook names the installation: no lookup, the same client.
	o, err := repository.OpenGitHub(ctx, cc, "acme/web", repository.GitHubOptions{InstallationID: 77})
	if err != nil || o.Source != "built-in defaults" {
		t.Fatalf("OpenGitHub with the installation: %v", err)
	}
	if w.lookup.Load() != 1 || w.tokens.Load() != 1 {
		t.Errorf("OpenGitHub with the installation: %d lookups, %d tokens; want 1, 1", w.lookup.Load(), w.tokens.Load())
	}
	// Another repository of the same installation: looked up, same client.
	use(func() (*ghstore.Client, error) { return cc.ForRepo(ctx, "acme/api") })
	if len(seen) != 1 || w.tokens.Load() != 1 || w.lookup.Load() != 2 {
		t.Errorf("acme/api: %d clients, %d tokens, %d lookups; want 1, 1, 2", len(seen), w.tokens.Load(), w.lookup.Load())
	}
}

func TestClientCreatorToken(t *testing.T) {
	w := newWorld(t, nil)
	cc := repository.NewClientCreator(ghstore.ClientOptions{BaseURL: w.url, Credentials: ghstore.Credentials{Token: "ghp_token"}})
	a, err := cc.ForRepo(context.Background(), "acme/web")
	if err != nil {
		t.Fatal(err)
	}
	b, err := cc.ForRepo(context.Background(), "acme/api")
	if err != nil || a != b {
		t.Errorf("two repositories with one token: %p %p %v, want one client", a, b, err)
	}
	if _, err := cc.Installation(77); failure.KindOf(err) != failure.BadInput {
		t.Errorf("an installation client from a token: %v, want bad input", err)
	}
	if w.lookup.Load() != 0 || w.tokens.Load() != 0 {
		t.Error("a token client looked up an installation")
	}
}

func TestCredentialsFromEnv(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string // error text, or the credentials' String
	}{
		{"token", map[string]string{"GITHUB_TOKEN": "ghp_x", "GITHUB_APP_ID": "1"}, "token (redacted)"},
		{"app with key", map[string]string{"GITHUB_APP_ID": "12", "GITHUB_APP_PRIVATE_KEY": "PEM"}, "GitHub App 12 installation 0 (key redacted)"},
		{"app with key file", map[string]string{"GITHUB_APP_ID": "12", "GITHUB_APP_PRIVATE_KEY_FILE": "/k.pem"}, "GitHub App 12 installation 0 (key redacted)"},
		{"app without key", map[string]string{"GITHUB_APP_ID": "12"}, "GITHUB_APP_ID is set but neither GITHUB_APP_PRIVATE_KEY nor GITHUB_APP_PRIVATE_KEY_FILE is"},
		{"app id not a number", map[string]string{"GITHUB_APP_ID": "abc", "GITHUB_APP_PRIVATE_KEY": "PEM"}, `GITHUB_APP_ID must be the App's numeric id, got "abc"`},
		{"app id negative", map[string]string{"GITHUB_APP_ID": "-3", "GITHUB_APP_PRIVATE_KEY": "PEM"}, `GITHUB_APP_ID must be the App's numeric id, got "-3"`},
		{"nothing", nil, "no GitHub credentials: set GITHUB_TOKEN, or GITHUB_APP_ID with GITHUB_APP_PRIVATE_KEY_FILE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := repository.CredentialsFromEnv(func(k string) string { return tc.env[k] })
			got := c.String()
			if err != nil {
				got = err.Error()
				if failure.KindOf(err) != failure.BadInput {
					t.Errorf("kind %v, want bad input", failure.KindOf(err))
				}
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestOpenGitHub(t *testing.T) {
	for _, tc := range []struct {
		name       string
		files      map[string]string
		repo, path string
		source     string // on success
		kind       failure.Kind
		msg        string // on failure
	}{
		{"configuration in the repository", map[string]string{".release/flags.yaml": flagsYAML, ".github/releasebot.yml": "canary: {steps: [10, 100]}\n"}, "acme/web", "", "acme/web@main:.github/releasebot.yml", 0, ""},
		{"no configuration", map[string]string{".release/flags.yaml": flagsYAML}, "acme/web", "", "built-in defaults", 0, ""},
		{"configuration does not parse", map[string]string{".github/releasebot.yml": "canary: {steps: [10, 500]}\n"}, "acme/web", "", "", failure.BadInput, "acme/web@main:.github/releasebot.yml:1:10: canary.steps: step 2 is 500"},
		{"named configuration missing", map[string]string{".release/flags.yaml": flagsYAML}, "acme/web", "ops/releasebot.yml", "", failure.BadInput, "the configuration acme/web@main:ops/releasebot.yml does not exist"},
		{"no such repository", nil, "acme/nope", "", "", failure.Remote, "acme/nope"},
		{"not owner/name", nil, "acme/web/x", "", "", failure.BadInput, `the repository "acme/web/x" is not in the form OWNER/NAME`},
		{"newline in the name", nil, "acme/web\n", "", "", failure.BadInput, "is not in the form OWNER/NAME"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, tc.files)
			cc := repository.NewClientCreator(w.app())
			o, err := repository.OpenGitHub(context.Background(), cc, tc.repo, repository.GitHubOptions{ConfigPath: tc.path})
			if tc.msg != "" {
				if err == nil || failure.KindOf(err) != tc.kind || !strings.Contains(err.Error(), tc.msg) {
					t.Fatalf("got %v (%v), want %v %q", err, failure.KindOf(err), tc.kind, tc.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if o.Source != tc.source || o.Repo != tc.repo || o.Branch != "main" || o.Store == nil || o.Gate == nil || o.Config == nil {
				t.Errorf("opened %+v, want source %q", o, tc.source)
			}
			if o.Service().Store != o.Store {
				t.Error("the service does not use the store")
			}
		})
	}
}

func TestOpenLocal(t *testing.T) {
	repo := gittest.New(t, map[string]string{".release/flags.yaml": flagsYAML})
	o, err := repository.OpenLocal(context.Background(), repo.Dir, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.Source != "built-in defaults" || o.Repo != repo.Dir || o.Store == nil || o.Gate == nil {
		t.Errorf("opened %+v", o)
	}
	notClone := t.TempDir()
	if _, err := repository.OpenLocal(context.Background(), notClone, "", nil); failure.KindOf(err) != failure.BadInput {
		t.Errorf("not a clone: %v, want bad input", err)
	}
	var fe *failure.Error
	if _, err := repository.OpenLocal(context.Background(), repo.Dir, "nope.yml", nil); !errors.As(err, &fe) || fe.Kind != failure.BadInput || !strings.Contains(fe.Msg, "nope.yml") {
		t.Errorf("missing --config: %v, want bad input naming it", err)
	}
}

// TestFlagsBranch: flag commits go to flags_branch when it is set, else to
// the release branch, else to the default branch.
func TestFlagsBranch(t *testing.T) {
	for _, tc := range []struct{ name, config, want string }{
		{"default branch", "canary: {steps: [10, 100]}\n", "main"},
		{"release branch", "branch: trunk\n", "trunk"},
		{"flags_branch", "branch: trunk\nflags_branch: deploy\n", "deploy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newWorld(t, map[string]string{".release/flags.yaml": flagsYAML, ".github/releasebot.yml": tc.config})
			o, err := repository.OpenGitHub(context.Background(), repository.NewClientCreator(w.app()), "acme/web", repository.GitHubOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if o.Branch != tc.want {
				t.Errorf("flag branch %q, want %q", o.Branch, tc.want)
			}
		})
	}
}
