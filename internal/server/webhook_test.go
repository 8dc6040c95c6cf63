package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	githubemu "github.com/releasebot/releasebot/internal/emulator/github"
)

// webhookLatency is the duration the request log gives the last answer of
// route /github/webhook with status.
func webhookLatency(t *testing.T, logs string, status int) float64 {
	t.Helper()
	var ms float64 = -1
	for _, l := range strings.Split(logs, "\n") {
		var rec struct {
			Msg      string  `json:"msg"`
			Route    string  `json:"route"`
			Status   int     `json:"status"`
			Duration float64 `json:"duration_ms"`
		}
		if json.Unmarshal([]byte(l), &rec) == nil && rec.Msg == "request" && rec.Route == "/github/webhook" && rec.Status == status {
			ms = rec.Duration
		}
	}
	if ms < 0 {
		t.Fatalf("no request log line for /github/webhook %d:\n%s", status, logs)
	}
	return ms
}

// TestCommentCommand: a maintainer's /canary 10 on the release PR is
// answered 202 at once; in the background releasebot reacts 👀, commits the
// flag file once with the comment's request id, replies once and reacts
// 🚀. The same delivery again is 200 "already handled" and reruns nothing;
// a second server (another replica, or a restart) given that delivery runs
// it and finds the commit and the reply made: still one of each.
func TestCommentCommand(t *testing.T) {
	w := newWorld(t, Options{})
	before := w.git(t, "rev-parse", "main")
	id, d := w.comment(t, annToken, "/canary 10")
	if d.Status != http.StatusAccepted {
		t.Fatalf("the webhook was answered %d %s, want 202", d.Status, d.Body)
	}
	t.Logf("the webhook was acknowledged in %.2f ms", webhookLatency(t, w.a.logs.String(), http.StatusAccepted))
	w.settle(t, w.a)
	if m := regexp.MustCompile(`"msg":"command finished".*"duration_ms":([0-9.]+)`).FindStringSubmatch(w.a.logs.String()); m != nil {
		t.Logf("the command ran in the background in %s ms", m[1])
	}

	if got := strings.Join(w.emu.Reactions(id), ","); got != "eyes,rocket" {
		t.Errorf("reactions %q, want eyes,rocket", got)
	}
	if n := w.requestCommits(t, id); n != 1 {
		t.Fatalf("%d commits with the request id, want 1\n%s", n, w.a.logs.String())
	}
	if got := w.git(t, "rev-parse", "main^"); got != before {
		t.Errorf("the flag commit's parent is %s, want %s", got, before)
	}
	if flags := w.git(t, "show", "main:.release/flags.yaml"); !strings.Contains(flags, "canary_percent: 10") {
		t.Errorf("the flag file after /canary 10:\n%s", flags)
	}
	replies := w.replies()
	if len(replies) != 1 || !strings.Contains(replies[0], fmt.Sprintf("releasebot-reply: github-comment:%d", id)) {
		t.Fatalf("replies %q, want one with the marker", replies)
	}
	// The payload's installation.id is used: no installation lookup.
	if n := w.emu.Count("GET", "/repos/{owner}/{repo}/installation"); n != 0 {
		t.Errorf("%d installation lookups, want 0: the webhook names its installation", n)
	}
	if n := w.emu.Count("POST", "/app/installations/{id}/access_tokens"); n != 1 {
		t.Errorf("%d installation tokens minted, want 1", n)
	}

	// The same delivery again: this server remembers it.
	calls := w.emu.Requests()
	if status, body := redeliver(t, w.a.url, d); status != http.StatusOK || !strings.Contains(body, "already handled") {
		t.Errorf("a redelivery was answered %d %s, want 200 already handled", status, body)
	}
	w.settle(t, w.a)
	if n := w.emu.Requests() - calls; n != 0 {
		t.Errorf("a redelivery sent %d requests to GitHub, want 0", n)
	}

	// Another replica given the same delivery: the request id and the
	// reply marker make it yield the same result.
	b := w.serve(t, nil, Options{})
	if status, body := redeliver(t, b.url, d); status != http.StatusAccepted {
		t.Fatalf("the second server answered %d %s, want 202", status, body)
	}
	w.settle(t, b)
	if n := w.requestCommits(t, id); n != 1 {
		t.Errorf("%d commits with the request id after the second server, want 1", n)
	}
	if n := len(w.replies()); n != 1 {
		t.Errorf("%d replies after the second server, want 1", n)
	}
	if !strings.Contains(b.logs.String(), `"replayed":true`) {
		t.Errorf("the second server's log does not say the command was replayed:\n%s", b.logs.String())
	}

	// /metrics counts the webhook, the command and GitHub's calls.
	fams := scrape(t, w.a.url)
	if v := sample(t, fams, "releasebot_http_requests_total", map[string]string{"route": "/github/webhook", "status": "202"}); v < 1 {
		t.Errorf("releasebot_http_requests_total{route=/github/webhook,status=202} = %v, want ≥ 1", v)
	}
	if v := sample(t, fams, "releasebot_http_requests_total", map[string]string{"route": "/github/webhook", "status": "200"}); v != 1 {
		t.Errorf("releasebot_http_requests_total{route=/github/webhook,status=200} = %v, want 1 (the redelivery)", v)
	}
	if v := sample(t, fams, "releasebot_commands_total", map[string]string{"command": "canary", "outcome": "done"}); v != 1 {
		t.Errorf("releasebot_commands_total{command=canary,outcome=done} = %v, want 1", v)
	}
	inst := map[string]string{"installation": strconv.Itoa(installID)}
	if v := sample(t, fams, "releasebot_github_api_calls_total", inst); v < 5 {
		t.Errorf("releasebot_github_api_calls_total = %v, want the command's calls", v)
	}
	if v := sample(t, fams, "releasebot_github_rate_limit_remaining", inst); v <= 0 || v >= 5000 {
		t.Errorf("releasebot_github_rate_limit_remaining = %v", v)
	}
	if v := histogramCount(t, fams, "releasebot_http_request_duration_seconds", map[string]string{"route": "/github/webhook"}); v < 1 {
		t.Errorf("the webhook's duration histogram counts %d", v)
	}
	w.noSecrets(t, w.a.logs.String(), b.logs.String())
}

// TestCommentRefusedAndIgnored: a reader's /canary is refused (👀 😕, a
// reply naming them, no commit); a bot's command and a comment that is no
// command get no reaction and no reply; all are answered 202.
func TestCommentRefusedAndIgnored(t *testing.T) {
	w := newWorld(t, Options{})
	head := w.git(t, "rev-parse", "main")
	id, d := w.comment(t, rayToken, "/canary 50")
	if d.Status != http.StatusAccepted {
		t.Fatalf("answered %d %s", d.Status, d.Body)
	}
	w.settle(t, w.a)
	if got := strings.Join(w.emu.Reactions(id), ","); got != "eyes,confused" {
		t.Errorf("reactions %q, want eyes,confused", got)
	}
	replies := w.replies()
	if len(replies) != 1 || !strings.Contains(replies[0], "ray") {
		t.Errorf("replies %q, want one refusal naming ray", replies)
	}
	if w.git(t, "rev-parse", "main") != head {
		t.Error("a reader's command moved main")
	}
	if v := sample(t, scrape(t, w.a.url), "releasebot_commands_total", map[string]string{"command": "canary", "outcome": "refused"}); v != 1 {
		t.Errorf("commands{canary,refused} = %v, want 1", v)
	}

	for _, c := range []struct{ token, body string }{{botToken, "/rollback"}, {annToken, "looks good to me"}} {
		id, d := w.comment(t, c.token, c.body)
		if d.Status != http.StatusAccepted || !strings.Contains(d.Body, "ignored") {
			t.Errorf("%q: answered %d %s, want 202 ignored", c.body, d.Status, d.Body)
		}
		w.settle(t, w.a)
		if r := w.emu.Reactions(id); len(r) != 0 {
			t.Errorf("%q: reactions %v, want none", c.body, r)
		}
	}
	if n := len(w.replies()); n != 1 {
		t.Errorf("%d replies, want only the refusal", n)
	}
	if !strings.Contains(w.a.logs.String(), "releasebot ignores bots") {
		t.Errorf("the log does not give the bot's comment's reason:\n%s", w.a.logs.String())
	}
}

// TestWebhookSignature: a webhook unsigned, wrongly signed, signed with
// another secret, or signed only with SHA-1, is 401 and reaches nothing:
// no request to GitHub, nothing of the body in the log, and its delivery id
// is not remembered (the genuine delivery is still handled).
func TestWebhookSignature(t *testing.T) {
	w := newWorld(t, Options{})
	_, d := w.comment(t, annToken, "/ab_status")
	w.settle(t, w.a)
	forged := []byte(strings.Replace(string(d.Payload), "/ab_status", "/rollback", 1))
	cases := []struct {
		name, sig string
		body      []byte
	}{
		{"unsigned", "", forged},
		{"garbage", "sha256=not-hex", forged},
		{"the genuine signature over another body", d.Header.Get("X-Hub-Signature-256"), forged},
		{"another secret", githubemu.Sign("not-the-secret", forged), forged},
		{"sha1 in the sha256 header", "sha1=" + strings.TrimPrefix(githubemu.Sign(hookSecret, forged), "sha256="), forged},
		{"no prefix", strings.TrimPrefix(githubemu.Sign(hookSecret, forged), "sha256="), forged},
	}
	calls := w.emu.Requests()
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			status, _ := post(t, w.a.url, "issue_comment", fmt.Sprintf("forged-%d", i), c.sig, c.body)
			if status != http.StatusUnauthorized {
				t.Errorf("answered %d, want 401", status)
			}
		})
	}
	w.settle(t, w.a)
	if n := w.emu.Requests() - calls; n != 0 {
		t.Errorf("forged webhooks sent %d requests to GitHub, want 0", n)
	}
	if strings.Contains(w.a.logs.String(), "/rollback") {
		t.Errorf("the log holds a forged body:\n%s", w.a.logs.String())
	}
	// A refused delivery id is not remembered.
	if status, _ := post(t, w.a.url, "ping", "forged-0", githubemu.Sign(hookSecret, []byte(`{"zen":"hi"}`)), []byte(`{"zen":"hi"}`)); status != http.StatusOK {
		t.Errorf("a signed ping after forged ones: %d", status)
	}
	fams := scrape(t, w.a.url)
	if v := sample(t, fams, "releasebot_http_requests_total", map[string]string{"route": "/github/webhook", "status": "401"}); v != float64(len(cases)) {
		t.Errorf("401s counted %v, want %d", v, len(cases))
	}
}

// TestOtherEvents: ping is 200, an event releasebot does not act on is 202
// and logged, a payload that does not parse is 400.
func TestOtherEvents(t *testing.T) {
	w := newWorld(t, Options{})
	for _, c := range []struct {
		event, body string
		want        int
	}{
		{"ping", `{"zen":"Keep it logically awesome.","hook_id":1}`, http.StatusOK},
		{"deployment", `{"action":"created"}`, http.StatusAccepted},
		{"issue_comment", `{"action":"created","comment":{"id":"x"}}`, http.StatusBadRequest},
		{"issue_comment", `{"action":"deleted","comment":{"id":5},"issue":{"number":1,"pull_request":{}}}`, http.StatusAccepted},
	} {
		d, err := githubemu.Deliver(t.Context(), nil, w.a.url+"/github/webhook", hookSecret, c.event, []byte(c.body))
		if err != nil {
			t.Fatal(err)
		}
		if d.Status != c.want {
			t.Errorf("%s %s: %d %s, want %d", c.event, c.body, d.Status, d.Body, c.want)
		}
	}
	if !regexp.MustCompile(`ignored.*"event":"deployment"`).MatchString(w.a.logs.String()) {
		t.Errorf("no log line for the deployment event:\n%s", w.a.logs.String())
	}
}
