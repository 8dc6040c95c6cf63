package slackcmd_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/chatops"
	slackemu "github.com/releasebot/releasebot/internal/emulator/slack"
	"github.com/releasebot/releasebot/internal/gittest"
	"github.com/releasebot/releasebot/internal/repository"
	"github.com/releasebot/releasebot/internal/slackcmd"
)

const secret = "8f742231b10e8888abcd99yyyzzz85a5"

var files = map[string]string{
	".github/releasebot.yml": "authorization:\n  slack: {users: [U0ANN]}\n",
	".release/flags.yaml":    "environments:\n  prod:\n    canary_percent: 0\n    flags:\n      FF_A: {default: off, canary: true}\n",
}

// world is a clone the commands commit to, the handler serving it, and the
// Slack emulator that signs the commands and takes the response_url posts.
type world struct {
	repo   *gittest.Repo
	h      *slackcmd.Handler
	srv    *httptest.Server
	slack  *slackemu.Server
	slkSrv *httptest.Server
	client *slackemu.Client
	opened atomic.Int64
}

func newWorld(t *testing.T) *world {
	t.Helper()
	w := &world{repo: gittest.New(t, files)}
	w.slack = slackemu.NewTest(t, slackemu.Options{})
	w.slkSrv = httptest.NewServer(w.slack.Handler())
	t.Cleanup(w.slkSrv.Close)
	w.h = &slackcmd.Handler{
		SigningSecret: secret,
		Service: func(ctx context.Context) (slackcmd.Runner, error) {
			w.opened.Add(1)
			o, err := repository.OpenLocal(ctx, w.repo.Dir, "", nil)
			if err != nil {
				return nil, err
			}
			auth, err := chatops.NewAuthorization(o.Config, "acme/web", nil, nil)
			if err != nil {
				return nil, err
			}
			svc := o.Service()
			svc.Authorizer = auth
			return svc, nil
		},
	}
	w.srv = httptest.NewServer(w.h)
	t.Cleanup(w.srv.Close)
	w.client = &slackemu.Client{SigningSecret: secret}
	return w
}

// send posts a signed slash command and waits for its background work.
func (w *world) send(t *testing.T, user, command, text, trigger string) (slackemu.Response, string) {
	t.Helper()
	ru := w.slack.ResponseURL(w.slkSrv.URL)
	resp, err := w.client.SlashCommand(context.Background(), w.srv.URL, slack.SlashCommand{
		UserID: user, UserName: strings.ToLower(strings.TrimPrefix(user, "U0")), ChannelID: "C0RELEASE",
		Command: command, Text: text, ResponseURL: ru, TriggerID: trigger,
	})
	if err != nil {
		t.Fatal(err)
	}
	w.h.Wait()
	return resp, ru
}

func ack(t *testing.T, r slackemu.Response) (kind, text string) {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	var v struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}
	if err := json.Unmarshal(r.Body, &v); err != nil {
		t.Fatalf("ack %s: %v", r.Body, err)
	}
	return v.ResponseType, v.Text
}

func TestCanaryFromSlack(t *testing.T) {
	w := newWorld(t)
	before := w.repo.Count("HEAD")
	resp, ru := w.send(t, "U0ANN", "/canary", "10", "13345224609.738474920.8088930838d88f008e0")
	if kind, text := ack(t, resp); kind != "ephemeral" || text != "Working on `/canary 10`…" {
		t.Errorf("ack %s %q", kind, text)
	}
	if got := w.repo.Count("HEAD"); got != before+1 {
		t.Fatalf("%d commits, want %d", got, before+1)
	}
	msg := w.repo.Git("log", "-1", "--format=%B")
	for _, want := range []string{"Releasebot-Request: 13345224609.738474920.8088930838d88f008e0", "Requested-by: ann via slack"} {
		if !strings.Contains(msg, want) {
			t.Errorf("commit message lacks %q:\n%s", want, msg)
		}
	}
	if !strings.Contains(w.repo.Show("HEAD", ".release/flags.yaml"), "canary_percent: 10") {
		t.Error("the flag file is not at 10%")
	}
	posts := w.slack.ResponsePosts(ru)
	if len(posts) != 1 || posts[0].ResponseType != "in_channel" || !strings.Contains(posts[0].Text, "<@U0ANN>") || !strings.Contains(posts[0].Text, "10") {
		t.Fatalf("response_url posts %+v", posts)
	}

	// The same trigger_id again: the same result, no second commit, told
	// to the user alone.
	_, ru = w.send(t, "U0ANN", "/canary", "10", "13345224609.738474920.8088930838d88f008e0")
	if got := w.repo.Count("HEAD"); got != before+1 {
		t.Errorf("a repeated trigger_id committed again: %d commits", got)
	}
	if posts := w.slack.ResponsePosts(ru); len(posts) != 1 || posts[0].ResponseType != "ephemeral" {
		t.Errorf("repeat posts %+v", posts)
	}
}

func TestReleaseSubcommand(t *testing.T) {
	w := newWorld(t)
	before := w.repo.Count("HEAD")
	_, ru := w.send(t, "U0ANN", "/release", "canary 50 --force", "1.2.abc")
	if got := w.repo.Count("HEAD"); got != before+1 || !strings.Contains(w.repo.Show("HEAD", ".release/flags.yaml"), "canary_percent: 50") {
		t.Fatalf("/release canary 50 --force: %d commits, posts %+v", got-before, w.slack.ResponsePosts(ru))
	}
	_, ru = w.send(t, "U0ANN", "/ab_status", "", "1.3.abc")
	if posts := w.slack.ResponsePosts(ru); len(posts) != 1 || posts[0].ResponseType != "ephemeral" || !strings.Contains(posts[0].Text, "FF") {
		t.Errorf("/ab_status posts %+v", posts)
	}
}

func TestUnauthorizedUser(t *testing.T) {
	w := newWorld(t)
	before := w.repo.Count("HEAD")
	_, ru := w.send(t, "U0EVE", "/rollback", "", "1.4.abc")
	posts := w.slack.ResponsePosts(ru)
	if w.repo.Count("HEAD") != before || len(posts) != 1 || posts[0].ResponseType != "ephemeral" || !strings.Contains(posts[0].Text, "authoriz") {
		t.Errorf("unauthorized: %d commits, posts %+v", w.repo.Count("HEAD")-before, posts)
	}
}

// TestParseErrorAnsweredInTheAck: a command that does not parse is answered
// at once, with the usage, and opens nothing.
func TestParseErrorAnsweredInTheAck(t *testing.T) {
	w := newWorld(t)
	resp, ru := w.send(t, "U0ANN", "/canary", "500", "1.5.abc")
	kind, text := ack(t, resp)
	if kind != "ephemeral" || !strings.Contains(text, "0-100") {
		t.Errorf("ack %s %q", kind, text)
	}
	if w.opened.Load() != 0 || len(w.slack.ResponsePosts(ru)) != 0 {
		t.Error("a bad command opened the repository or posted")
	}
}

// TestRefusedRequests: unsigned, wrongly signed, stale, replayed-with-
// another-body and oversized requests get 401 (413) and change nothing.
func TestRefusedRequests(t *testing.T) {
	w := newWorld(t)
	before := w.repo.Count("HEAD")
	form := "command=%2Frollback&text=&user_id=U0ANN&user_name=ann&trigger_id=9.9.9&response_url=" + w.slack.ResponseURL(w.slkSrv.URL)
	now := time.Now().Unix()
	for _, tc := range []struct {
		name       string
		ts         int64
		sig        string
		body       string
		wantStatus int
	}{
		{"no signature", now, "", form, 401},
		{"another secret", now, slackemu.Sign("not-the-secret", now, []byte(form)), form, 401},
		{"six minutes old", now - 360, slackemu.Sign(secret, now-360, []byte(form)), form, 401},
		{"signature of another body", now, slackemu.Sign(secret, now, []byte("command=%2Fab_status")), form, 401},
		{"v1 scheme", now, strings.Replace(slackemu.Sign(secret, now, []byte(form)), "v0=", "v1=", 1), form, 401},
		{"too large", now, "", form + "&x=" + strings.Repeat("a", slackcmd.MaxBody), 413},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest("POST", w.srv.URL, strings.NewReader(tc.body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("X-Slack-Request-Timestamp", strconv.FormatInt(tc.ts, 10))
			if tc.sig != "" {
				req.Header.Set("X-Slack-Signature", tc.sig)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			w.h.Wait()
			if resp.StatusCode != tc.wantStatus {
				t.Errorf("status %d, want %d", resp.StatusCode, tc.wantStatus)
			}
		})
	}
	if w.repo.Count("HEAD") != before || w.opened.Load() != 0 || len(w.slack.Messages()) != 0 {
		t.Errorf("a refused request changed something: %d commits, %d opens, %d posts", w.repo.Count("HEAD")-before, w.opened.Load(), len(w.slack.Messages()))
	}
}

func TestCommandText(t *testing.T) {
	for _, tc := range []struct{ command, text, want string }{
		{"/canary", "50", "/canary 50"},
		{"/canary", "  50 prod ", "/canary 50 prod"},
		{"/rollback", "", "/rollback"},
		{"/ROLLBACK", "FF_A", "/rollback FF_A"},
		{"/release", "canary 50", "/canary 50"},
		{"/release", "/toggle FF_A on", "/toggle FF_A on"},
		{"/release", "status", "/release status"},
		{"/release", "", "/release"},
		{"/release", "help", "/release help"},
	} {
		if got := slackcmd.CommandText(tc.command, tc.text); got != tc.want {
			t.Errorf("CommandText(%q, %q) = %q, want %q", tc.command, tc.text, got, tc.want)
		}
	}
}

func FuzzCommandText(f *testing.F) {
	f.Add("/canary", "50")
	f.Add("/release", "canary 50")
	f.Add("/release", "status\nx")
	f.Fuzz(func(t *testing.T, command, text string) {
		got := slackcmd.CommandText(command, text)
		// Whatever Slack sends, the line given to the parser starts with
		// "/" when the command does, and the parser answers it without
		// panicking.
		if strings.HasPrefix(strings.TrimSpace(command), "/") && !strings.HasPrefix(got, "/") {
			t.Fatalf("CommandText(%q, %q) = %q", command, text, got)
		}
		_ = chatops.Parse(got)
	})
}

// TestPanicInACommand: a command whose work panics leaves the handler
// serving the next one.
func TestPanicInACommand(t *testing.T) {
	w := newWorld(t)
	open := w.h.Service
	w.h.Service = func(context.Context) (slackcmd.Runner, error) { panic("a bug") }
	_, _ = w.send(t, "U0ANN", "/rollback", "", "7.7.a")
	w.h.Service = open
	_, ru := w.send(t, "U0ANN", "/ab_status", "", "7.8.a")
	if posts := w.slack.ResponsePosts(ru); len(posts) != 1 {
		t.Errorf("after a panic: posts %+v", posts)
	}
}
