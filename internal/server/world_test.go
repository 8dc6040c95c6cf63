package server

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	githubemu "github.com/releasebot/releasebot/internal/emulator/github"
	ghstore "github.com/releasebot/releasebot/internal/github"
)

const (
	hookSecret = "whsec-releasebot-test-5ecret"
	annToken   = "ghp_ann_maintainer"
	rayToken   = "ghp_ray_readonly"
	botToken   = "ghp_other_bot"
	appID      = 4242
	installID  = 77
)

var repoFiles = map[string]string{
	".github/releasebot.yml": "canary:\n  steps: [10, 50, 100]\n  gates: {health: false}\nauthorization:\n  slack: {users: [U0ANN], usergroups: [S0OPS]}\n",
	".release/flags.yaml": `environments:
  prod:
    canary_percent: 0
    flags:
      FF_ONE_CLICK: {default: off, canary: true}
`,
	"README.md": "# web\n",
}

// appKey is one RSA key for every test: generating one takes a while
// under -race.
var appKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// world is GitHub (the strict emulator, with the App installed and its
// webhook pointing at the first server) and releasebot's servers.
type world struct {
	emu    *githubemu.Server
	apiURL string
	bare   string
	pr     int

	mu     sync.Mutex
	tokens map[string]bool // every bearer token the emulator saw
	// latency holds every API request this long (a benchmark's GitHub
	// far away); recording keeps the requests' spans in calls.
	latency   atomic.Int64
	recording bool
	calls     []span

	a *served // the server GitHub delivers to
}

// span is when one API request started and ended.
type span struct {
	start, end time.Time
	what       string // method and path
}

// roundTrips counts the sequential waves of spans: requests that overlap
// the wave's first one are one round trip, the next request that starts
// after them begins the next.
func roundTrips(spans []span) int {
	sort.Slice(spans, func(i, j int) bool { return spans[i].start.Before(spans[j].start) })
	n := 0
	var waveEnd time.Time
	for _, s := range spans {
		if n == 0 || !s.start.Before(waveEnd) {
			n++
			waveEnd = s.end
		} else if s.end.After(waveEnd) {
			waveEnd = s.end
		}
	}
	return n
}

// served is one running Server, its log and its base URL.
type served struct {
	s    *Server
	url  string
	logs *syncBuffer
	stop func() error // ends Serve and returns its result
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func testConfig(apiURL string) Config {
	key := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(appKey())})
	return Config{
		Addr: "127.0.0.1:0", APIURL: apiURL, WebhookSecret: hookSecret,
		App:    ghstore.Credentials{AppID: appID, PrivateKey: key},
		Getenv: func(string) string { return "" },
	}
}

// newWorld starts the emulator with acme/web (a tag v1.2.0 on main, so the
// canary gate has a release), an open release PR labelled releasebot:
// pending, ann a maintainer and ray a reader, and the first server.
func newWorld(t testing.TB, opts Options) *world {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	w := &world{tokens: map[string]bool{}}
	w.emu = githubemu.NewTest(t, githubemu.Options{
		Dir:     t.TempDir(),
		Tokens:  map[string]string{annToken: "ann", rayToken: "ray", botToken: "dependabot[bot]"},
		Apps:    []githubemu.App{{ID: appID, Slug: "releasebot", PublicKey: &appKey().PublicKey, InstallationID: installID}},
		Webhook: githubemu.Webhook{URL: "http://" + ln.Addr().String() + "/github/webhook", Secret: hookSecret},
	})
	h := w.emu.Handler()
	emuSrv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "token "); ok {
			w.mu.Lock()
			w.tokens[tok] = true
			w.mu.Unlock()
		}
		start := time.Now()
		if d := time.Duration(w.latency.Load()); d > 0 {
			time.Sleep(d)
		}
		h.ServeHTTP(rw, r)
		w.mu.Lock()
		if w.recording {
			w.calls = append(w.calls, span{start, time.Now(), r.Method + " " + r.URL.Path})
		}
		w.mu.Unlock()
	}))
	t.Cleanup(emuSrv.Close)
	w.apiURL = emuSrv.URL + "/api/v3"
	content := map[string][]byte{}
	for p, c := range repoFiles {
		content[p] = []byte(c)
	}
	if err := w.emu.CreateRepo("acme", "web", githubemu.RepoOptions{Files: content, Author: "ann"}); err != nil {
		t.Fatal(err)
	}
	for login, role := range map[string]string{"ann": "maintain", "ray": "read"} {
		if err := w.emu.SetPermission("acme", "web", login, role); err != nil {
			t.Fatal(err)
		}
	}
	w.bare = w.emu.RepoPath("acme", "web")
	if err := w.emu.SetRef("acme", "web", "refs/tags/v1.2.0", w.git(t, "rev-parse", "main")); err != nil {
		t.Fatal(err)
	}
	w.a = w.serve(t, ln, opts)

	if _, err := w.emu.CommitFiles("acme", "web", "releasebot/release-main", map[string][]byte{"RELEASE_NOTES.md": []byte("# v1.3.0\n")}, "chore(release): v1.3.0", "ann"); err != nil {
		t.Fatal(err)
	}
	var pr struct {
		Number int `json:"number"`
	}
	w.api(t, annToken, "POST", "/repos/acme/web/pulls", map[string]string{"title": "chore(release): v1.3.0", "head": "releasebot/release-main", "base": "main"}, &pr)
	w.api(t, annToken, "POST", fmt.Sprintf("/repos/acme/web/issues/%d/labels", pr.Number), map[string][]string{"labels": {"releasebot: pending"}}, nil)
	w.pr = pr.Number
	w.settle(t, w.a)
	return w
}

// serve starts a Server on ln (a fresh loopback listener when nil).
func (w *world) serve(t testing.TB, ln net.Listener, opts Options) *served {
	t.Helper()
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
	}
	logs := &syncBuffer{}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewJSONHandler(logs, nil))
	}
	s, err := New(testConfig(w.apiURL), opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, ln) }()
	var once sync.Once
	var result error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case result = <-done:
			case <-time.After(30 * time.Second):
				result = errors.New("Serve did not return")
			}
		})
		return result
	}
	t.Cleanup(func() { _ = stop() })
	return &served{s: s, url: "http://" + ln.Addr().String(), logs: logs, stop: stop}
}

// settle waits until GitHub has delivered every webhook and sv has
// finished the commands they started.
func (w *world) settle(t testing.TB, sv *served) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := w.emu.WaitWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
	for !sv.s.idle() {
		select {
		case <-ctx.Done():
			t.Fatal("the background commands did not finish")
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// git runs git on the emulator's bare repository.
func (w *world) git(t testing.TB, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"--git-dir", w.bare}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v %s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// api calls the emulator's REST API as token's user.
func (w *world) api(t testing.TB, token, method, path string, in, out any) {
	t.Helper()
	githubemu.Do(t, w.apiURL, token, method, path, in, out)
}

// comment posts body on the release PR as token's user; GitHub then
// delivers the issue_comment webhook to the first server. It returns the
// comment's id and that delivery.
func (w *world) comment(t testing.TB, token, body string) (int64, githubemu.Delivery) {
	t.Helper()
	var c struct {
		ID int64 `json:"id"`
	}
	w.api(t, token, "POST", fmt.Sprintf("/repos/acme/web/issues/%d/comments", w.pr), map[string]string{"body": body}, &c)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := w.emu.WaitWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
	ds := w.emu.Deliveries()
	for i := len(ds) - 1; i >= 0; i-- {
		if ds[i].Event == "issue_comment" && bytes.Contains(ds[i].Payload, fmt.Appendf(nil, `"id":%d,`, c.ID)) {
			return c.ID, ds[i]
		}
	}
	t.Fatalf("no issue_comment delivery for comment %d", c.ID)
	return 0, githubemu.Delivery{}
}

// redeliver sends d again, its headers as they were, to url.
func redeliver(t testing.TB, url string, d githubemu.Delivery) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url+"/github/webhook", bytes.NewReader(d.Payload))
	req.Header = d.Header.Clone()
	return do(t, req)
}

// post sends a webhook of event with body and the given signature header
// (none when empty).
func post(t testing.TB, url, event, delivery, signature string, body []byte) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", url+"/github/webhook", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-GitHub-Event", event)
	req.Header.Set("X-GitHub-Delivery", delivery)
	if signature != "" {
		req.Header.Set("X-Hub-Signature-256", signature)
	}
	return do(t, req)
}

func do(t testing.TB, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// replies are the release PR's comments by the App.
func (w *world) replies() []string {
	var out []string
	for _, c := range w.emu.Comments("acme", "web", w.pr) {
		if strings.HasSuffix(c.GetUser().GetLogin(), "[bot]") && c.GetUser().GetLogin() != "dependabot[bot]" {
			out = append(out, c.GetBody())
		}
	}
	return out
}

// requestCommits counts the commits on main that carry request id's
// trailer.
func (w *world) requestCommits(t testing.TB, id int64) int {
	return strings.Count(w.git(t, "log", "--format=%B", "main"), fmt.Sprintf("Releasebot-Request: github-comment:%d", id))
}

// noSecrets fails when a log holds the webhook secret, the App's key or an
// installation token the emulator minted.
func (w *world) noSecrets(t testing.TB, logs ...string) {
	t.Helper()
	w.mu.Lock()
	secrets := []string{hookSecret, annToken, rayToken}
	for tok := range w.tokens {
		if strings.HasPrefix(tok, "ghs_") {
			secrets = append(secrets, tok)
		}
	}
	w.mu.Unlock()
	if len(secrets) == 3 {
		t.Error("the emulator saw no installation token; the log check would miss it")
	}
	for _, l := range logs {
		for _, s := range secrets {
			if strings.Contains(l, s) {
				t.Errorf("a log holds the secret %.8s…", s)
			}
		}
		if strings.Contains(l, "PRIVATE KEY") {
			t.Error("a log holds the App's private key")
		}
	}
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func jsonLog(w io.Writer) *slog.Logger { return slog.New(slog.NewJSONHandler(w, nil)) }
