package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/releasebot/releasebot/action"
	slackemu "github.com/releasebot/releasebot/internal/emulator/slack"
)

// TestSlackCommandThroughTheServer: a signed /canary 10 from a member of
// an authorized user group is acked at once, commits through the App's
// installation with Slack's trigger_id as request id, and is answered in
// the channel at response_url; an outsider is refused and nothing moves;
// an unsigned request is 401.
func TestSlackCommandThroughTheServer(t *testing.T) {
	w := newWorld(t, Options{})
	slk := slackemu.NewTest(t, slackemu.Options{Tokens: []string{"xoxb-server"}, Channels: []string{"C0RELEASE"}, UserGroups: map[string][]string{"S0OPS": {"U0BOB"}}})
	slkSrv := httptest.NewServer(slk.Handler())
	t.Cleanup(slkSrv.Close)
	// The release's checklist in Slack, and the PR's marker naming it.
	_, checklistTS, err := slack.New("xoxb-server", slack.OptionAPIURL(slkSrv.URL+"/api/")).PostMessage("C0RELEASE", slack.MsgOptionText("Release v1.3.0", false))
	if err != nil {
		t.Fatal(err)
	}
	marker := action.Marker{Version: "1.3.0", Tag: "v1.3.0", Branch: "main", Slack: &action.SlackMessage{Channel: "C0RELEASE", TS: checklistTS}}
	w.api(t, annToken, "PATCH", fmt.Sprintf("/repos/acme/web/pulls/%d", w.pr), map[string]string{"body": "# v1.3.0\n\n" + marker.Encode() + "\n"}, nil)
	w.api(t, annToken, "POST", "/repos/acme/web/releases", map[string]string{"tag_name": "v1.2.0", "name": "v1.2.0",
		"body": "# v1.2.0\n\n## Rollout log\n\n<!-- releasebot:rollout-log -->\n_No rollout changes yet._\n\n<!-- /releasebot:rollout-log -->\n"}, nil)
	cfg := testConfig(w.apiURL)
	cfg.SlackSigningSecret, cfg.SlackBotToken, cfg.Repository = "slack-signing-5ecret", "xoxb-server", "acme/web"
	cfg.Getenv = func(k string) string {
		if k == "SLACK_API_URL" {
			return slkSrv.URL + "/api"
		}
		return ""
	}
	logs := &syncBuffer{}
	s, err := New(cfg, Options{Logger: slog.New(slog.NewJSONHandler(logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	app := httptest.NewServer(s.Handler())
	t.Cleanup(app.Close)
	client := &slackemu.Client{SigningSecret: cfg.SlackSigningSecret}
	head := w.git(t, "rev-parse", "main")

	send := func(user, text, trigger string) (slackemu.Response, string, time.Duration) {
		t.Helper()
		ru := slk.ResponseURL(slkSrv.URL)
		start := time.Now()
		resp, err := client.SlashCommand(context.Background(), app.URL+"/slack/commands", slack.SlashCommand{
			UserID: user, UserName: strings.ToLower(strings.TrimPrefix(user, "U0")), ChannelID: "C0RELEASE",
			Command: "/canary", Text: text, ResponseURL: ru, TriggerID: trigger,
		})
		took := time.Since(start)
		if err != nil || resp.Status != http.StatusOK {
			t.Fatalf("slash command: %v %d %s", err, resp.Status, resp.Body)
		}
		deadline := time.Now().Add(15 * time.Second)
		for len(slk.ResponsePosts(ru)) == 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		return resp, ru, took
	}

	_, ru, took := send("U0BOB", "10", "1764684120.98765.abcdef")
	t.Logf("ack in %s", took)
	posts := slk.ResponsePosts(ru)
	if len(posts) != 1 || posts[0].ResponseType != "in_channel" {
		t.Fatalf("response_url posts %+v", posts)
	}
	if w.git(t, "rev-parse", "main^") != head {
		t.Fatalf("main is not one commit past %s", head)
	}
	msg := w.git(t, "log", "-1", "--format=%B", "main")
	for _, want := range []string{"Releasebot-Request: 1764684120.98765.abcdef", "Requested-by: bob via slack", "canary 0% → 10%"} {
		if !strings.Contains(msg, want) {
			t.Errorf("the commit lacks %q:\n%s", want, msg)
		}
	}

	// The release's thread is told too.
	var thread []string
	for deadline := time.Now().Add(10 * time.Second); len(thread) == 0 && time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		for _, m := range slk.Messages() {
			if m.Method == "chat.postMessage" && m.ThreadTS == checklistTS {
				thread = append(thread, m.Text)
			}
		}
	}
	if len(thread) != 1 || !strings.Contains(thread[0], "<@U0BOB>") || !strings.Contains(thread[0], "canary 0% → 10%") {
		t.Errorf("the release thread got %q\n%s", thread, logs)
	}

	// And the Release's rollout log.
	var rel struct {
		Body string `json:"body"`
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		w.api(t, annToken, "GET", "/repos/acme/web/releases/tags/v1.2.0", nil, &rel)
		if strings.Contains(rel.Body, "| `/canary 10` |") {
			break
		}
	}
	if !strings.Contains(rel.Body, "| `/canary 10` |") || !strings.Contains(rel.Body, "bob via slack") {
		t.Errorf("the Release's rollout log after a Slack command:\n%s", rel.Body)
	}

	after := w.git(t, "rev-parse", "main")
	_, ru, _ = send("U0EVE", "50", "1764684121.98765.abcdef")
	if posts := slk.ResponsePosts(ru); len(posts) != 1 || posts[0].ResponseType != "ephemeral" || w.git(t, "rev-parse", "main") != after {
		t.Errorf("an outsider: posts %+v, main moved %v", posts, w.git(t, "rev-parse", "main") != after)
	}

	req, _ := http.NewRequest("POST", app.URL+"/slack/commands", strings.NewReader("command=%2Frollback&user_id=U0ANN"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || w.git(t, "rev-parse", "main") != after {
		t.Errorf("unsigned: %d", resp.StatusCode)
	}

	mresp, err := http.Get(app.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(mresp.Body)
	mresp.Body.Close()
	if !strings.Contains(string(body), `releasebot_command_github_calls_count{command="canary",via="slack"} 2`) {
		t.Errorf("metrics lack the commands' GitHub calls:\n%s", body)
	}
	if !strings.Contains(string(body), `releasebot_command_duration_seconds_count{command="canary",via="slack"} 2`) {
		t.Errorf("metrics lack the commands' durations:\n%s", body)
	}
	if !strings.Contains(string(body), `releasebot_commands_total{command="canary",outcome="done"} 1`) {
		t.Errorf("metrics lack the Slack command:\n%s", body)
	}
}
