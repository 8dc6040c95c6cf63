package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	githubemu "github.com/releasebot/releasebot/internal/emulator/github"
	sentryemu "github.com/releasebot/releasebot/internal/emulator/sentry"
	slackemu "github.com/releasebot/releasebot/internal/emulator/slack"
)

// actionWorld is what a GitHub Actions job of the Action sees: GitHub (a
// real git repository behind the API), Slack and Sentry emulators, and the
// webhook payloads GitHub sends, which become the job's event files as the
// runner writes them.
type actionWorld struct {
	gh     *githubemu.Server
	ghSrv  *httptest.Server
	slack  *slackemu.Server
	slkSrv *httptest.Server
	sentry *sentryemu.Emulator
	senSrv *httptest.Server
	hooks  *hookSink
	bare   string
}

const (
	actionsToken = "ghs_actions_job_token" // the workflow's GITHUB_TOKEN
	annToken     = "ghp_ann_maintainer"
	rayToken     = "ghp_ray_readonly"
	botToken     = "ghp_other_bot"
	slackToken   = "xoxb-releasebot-test"
	sentryToken  = "sntrys_releasebot_test"
	slackChannel = "C0RELEASE"
)

// hookSink receives the emulator's webhooks: the payloads GitHub would put
// in GITHUB_EVENT_PATH.
type hookSink struct {
	mu     sync.Mutex
	events []hookEvent
}

type hookEvent struct {
	name    string
	payload []byte
}

func (h *hookSink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.events = append(h.events, hookEvent{r.Header.Get("X-GitHub-Event"), body})
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

// last returns the newest payload of event whose JSON satisfies match.
func (h *hookSink) last(t *testing.T, event string, match func(map[string]any) bool) []byte {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := len(h.events) - 1; i >= 0; i-- {
		e := h.events[i]
		if e.name != event {
			continue
		}
		var v map[string]any
		if err := json.Unmarshal(e.payload, &v); err != nil {
			t.Fatalf("webhook %s: %v", event, err)
		}
		if match == nil || match(v) {
			return e.payload
		}
	}
	t.Fatalf("no %s webhook was sent", event)
	return nil
}

func newActionWorld(t *testing.T, files map[string]string) *actionWorld {
	t.Helper()
	hooks := &hookSink{}
	hookSrv := httptest.NewServer(hooks)
	t.Cleanup(hookSrv.Close)
	gh := githubemu.NewTest(t, githubemu.Options{
		Dir: t.TempDir(),
		Tokens: map[string]string{
			actionsToken: "github-actions[bot]",
			annToken:     "ann",
			rayToken:     "ray",
			botToken:     "dependabot[bot]",
		},
		Webhook: githubemu.Webhook{URL: hookSrv.URL, Secret: "hook-secret"},
	})
	content := map[string][]byte{}
	for p, c := range files {
		content[p] = []byte(c)
	}
	if err := gh.CreateRepo("acme", "web", githubemu.RepoOptions{Files: content, Message: "chore: initial commit", Author: "ann"}); err != nil {
		t.Fatal(err)
	}
	for login, role := range map[string]string{"ann": "maintain", "ray": "read"} {
		if err := gh.SetPermission("acme", "web", login, role); err != nil {
			t.Fatal(err)
		}
	}
	ghSrv := httptest.NewServer(gh.Handler())
	t.Cleanup(ghSrv.Close)

	slk := slackemu.NewTest(t, slackemu.Options{Tokens: []string{slackToken}, Channels: []string{slackChannel}})
	slkSrv := httptest.NewServer(slk.Handler())
	t.Cleanup(slkSrv.Close)

	sen := sentryemu.NewTest(t, "acme", "web", 42, sentryToken)
	senSrv := httptest.NewServer(sen)
	t.Cleanup(senSrv.Close)

	return &actionWorld{gh: gh, ghSrv: ghSrv, slack: slk, slkSrv: slkSrv, sentry: sen, senSrv: senSrv, hooks: hooks, bare: gh.RepoPath("acme", "web")}
}

// waitHooks waits until every webhook the emulator queued is delivered.
func (w *actionWorld) waitHooks(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := w.gh.WaitWebhooks(ctx); err != nil {
		t.Fatal(err)
	}
}

// git runs git on the emulator's repository.
func (w *actionWorld) git(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"--git-dir", w.bare}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v %s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

// push commits files on main as login (through the emulator, so GitHub
// sends the push webhook) and returns the push payload.
func (w *actionWorld) push(t *testing.T, login, message string, files map[string]string) []byte {
	t.Helper()
	content := map[string][]byte{}
	for p, c := range files {
		content[p] = []byte(c)
	}
	sha, err := w.gh.CommitFiles("acme", "web", "main", content, message, login)
	if err != nil {
		t.Fatal(err)
	}
	w.waitHooks(t)
	return w.hooks.last(t, "push", func(v map[string]any) bool { return v["after"] == sha })
}

// api calls the emulator's REST API with token, failing the test on an
// error status, and decodes the answer into out (when not nil).
func (w *actionWorld) api(t *testing.T, token, method, path string, in, out any) {
	t.Helper()
	githubemu.Do(t, w.ghSrv.URL+"/api/v3", token, method, path, in, out)
}

// workspace is GITHUB_WORKSPACE as actions/checkout leaves it with its
// defaults: a clone of depth 1 with no tags, the pushed commit checked out.
func (w *actionWorld) workspace(t *testing.T, ref string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "workspace")
	out, err := exec.Command("git", "clone", "--quiet", "--depth", "1", "--no-tags", "--branch", ref, "file://"+w.bare, dir).CombinedOutput()
	if err != nil {
		t.Fatalf("checkout: %v %s", err, out)
	}
	return dir
}

// job is one run of the Action's container.
type job struct {
	code    int
	stdout  string
	stderr  string
	outputs map[string]string
	summary string
}

// runAction runs the binary as GitHub runs the Action's container for
// event with payload: the GITHUB_* context, the event file, the output and
// summary files, and the inputs as INPUT_* (hyphens kept), as action.yml's
// defaults and the workflow's with: give them.
func (w *actionWorld) runAction(t *testing.T, workspace, event string, payload []byte, inputs map[string]string) job {
	t.Helper()
	tmp := t.TempDir()
	eventPath := filepath.Join(tmp, "event.json")
	outPath := filepath.Join(tmp, "output")
	sumPath := filepath.Join(tmp, "summary.md")
	for _, f := range []string{outPath, sumPath} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(eventPath, payload, 0o644); err != nil {
		t.Fatal(err)
	}
	var ev struct {
		Ref   string `json:"ref"`
		After string `json:"after"`
	}
	_ = json.Unmarshal(payload, &ev)
	sha, ref := ev.After, ev.Ref
	if event != "push" {
		sha, ref = w.git(t, "rev-parse", "main"), "refs/heads/main"
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + filepath.Join(tmp, "home"),
		"XDG_STATE_HOME=" + filepath.Join(tmp, "state"),
		"GITHUB_ACTIONS=true",
		"CI=true",
		"GITHUB_EVENT_NAME=" + event,
		"GITHUB_EVENT_PATH=" + eventPath,
		"GITHUB_REPOSITORY=acme/web",
		"GITHUB_REPOSITORY_OWNER=acme",
		"GITHUB_SHA=" + sha,
		"GITHUB_REF=" + ref,
		"GITHUB_WORKSPACE=" + workspace,
		"GITHUB_API_URL=" + w.ghSrv.URL + "/api/v3",
		"GITHUB_SERVER_URL=" + w.ghSrv.URL,
		"GITHUB_OUTPUT=" + outPath,
		"GITHUB_STEP_SUMMARY=" + sumPath,
		"GITHUB_RUN_ID=4242",
		"GITHUB_ACTOR=ann",
		"SLACK_API_URL=" + w.slkSrv.URL + "/api/",
		"SENTRY_URL=" + w.senSrv.URL,
		// action.yml's defaults, as the runner passes them.
		"INPUT_GITHUB-TOKEN=" + actionsToken,
		"INPUT_CONFIG=.github/releasebot.yml",
		"INPUT_DRY-RUN=false",
		"INPUT_FAIL-ON-AUDIT=false",
	}
	for k, v := range inputs {
		env = append(env, "INPUT_"+strings.ToUpper(k)+"="+v)
	}
	cmd := exec.Command(binary, "action")
	cmd.Dir = workspace
	cmd.Env = env
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	j := job{stdout: out.String(), stderr: errb.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		j.code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	outputs, _ := os.ReadFile(outPath)
	j.outputs = parseOutputs(t, string(outputs))
	summary, _ := os.ReadFile(sumPath)
	j.summary = string(summary)
	return j
}

// parseOutputs reads $GITHUB_OUTPUT as the runner does: name=value lines
// and name<<DELIMITER blocks.
func parseOutputs(t *testing.T, s string) map[string]string {
	t.Helper()
	out := map[string]string{}
	lines := strings.Split(s, "\n")
	for i := 0; i < len(lines); i++ {
		l := lines[i]
		if l == "" {
			continue
		}
		if name, delim, ok := strings.Cut(l, "<<"); ok && !strings.Contains(name, "=") {
			var val []string
			for i++; i < len(lines) && lines[i] != delim; i++ {
				val = append(val, lines[i])
			}
			if i == len(lines) {
				t.Fatalf("output %s: no closing delimiter %q", name, delim)
			}
			out[name] = strings.Join(val, "\n")
			continue
		}
		name, val, ok := strings.Cut(l, "=")
		if !ok {
			t.Fatalf("output line %q", l)
		}
		out[name] = val
	}
	return out
}
