package slackemu_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	slackemu "github.com/releasebot/releasebot/internal/emulator/slack"
)

const botToken = "xoxb-test-token"

func newEmu(t *testing.T, opts ...func(*slackemu.Options)) (*slackemu.Server, *httptest.Server) {
	t.Helper()
	o := slackemu.Options{
		Tokens:           []string{botToken},
		ArchivedChannels: []string{"C0OLD"},
		Members:          map[string][]string{"C0123456789": {"U0BOT", "U0123", "U0456"}, "C0NOBOT": {"U0123"}},
		Channels:         []string{"C0123456789", "C0NOBOT", "C0OLD"},
		Users:            []slackemu.User{{ID: "U0123", Name: "ana", RealName: "Ana Lima", Email: "ana@example.com"}, {ID: "U0456", Name: "bo"}, {ID: "U0999", Name: "cy"}},
		UserGroups:       map[string][]string{"S0456": {"U0456", "U0123"}},
	}
	for _, f := range opts {
		f(&o)
	}
	emu := slackemu.NewTest(t, o)
	srv := httptest.NewServer(emu.Handler())
	t.Cleanup(srv.Close)
	return emu, srv
}

func api(srv *httptest.Server, token string, opts ...slack.Option) *slack.Client {
	return slack.New(token, append([]slack.Option{slack.OptionAPIURL(srv.URL + "/api/")}, opts...)...)
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

func TestPostMessageRecordsBlocks(t *testing.T) {
	emu, srv := newEmu(t)
	c := api(srv, botToken)
	blocks := []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, "Release v1.2.0 🚀", true, false)),
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*STAGE* checklist", false, false), nil, nil),
		slack.NewActionBlock("checklist", slack.NewButtonBlockElement("tick-1", "1", slack.NewTextBlockObject(slack.PlainTextType, "Done", false, false))),
	}
	ch, ts, err := c.PostMessageContext(ctx(t), "C0123456789", slack.MsgOptionText("Release v1.2.0", false), slack.MsgOptionBlocks(blocks...))
	if err != nil {
		t.Fatal(err)
	}
	if ch != "C0123456789" || ts == "" {
		t.Errorf("posted to %s at %q", ch, ts)
	}
	msgs := emu.Messages()
	if len(msgs) != 1 {
		t.Fatalf("%d messages recorded", len(msgs))
	}
	want, _ := json.Marshal(blocks)
	if m := msgs[0]; m.Method != "chat.postMessage" || m.Text != "Release v1.2.0" || m.TS != ts || !bytes.Equal(m.Blocks, want) {
		t.Errorf("recorded %+v\nblocks %s\nwant   %s", m, m.Blocks, want)
	}
	// The blocks decode back into slack-go's types.
	var back slack.Blocks
	if err := json.Unmarshal(msgs[0].Blocks, &back); err != nil || len(back.BlockSet) != 3 {
		t.Errorf("blocks do not decode: %v", err)
	}
	// Update and ephemeral.
	if _, _, _, err := c.UpdateMessageContext(ctx(t), ch, ts, slack.MsgOptionText("Release v1.2.0 (updated)", false)); err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := c.UpdateMessageContext(ctx(t), ch, "1.000000", slack.MsgOptionText("x", false)); err == nil || err.Error() != "message_not_found" {
		t.Errorf("update of an unknown message: %v", err)
	}
	if _, err := c.PostEphemeralContext(ctx(t), ch, "U0123", slack.MsgOptionText("working on it", false)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PostEphemeralContext(ctx(t), ch, "U0999", slack.MsgOptionText("x", false)); err == nil || err.Error() != "user_not_in_channel" {
		t.Errorf("ephemeral to a non-member: %v", err)
	}
	if _, _, err := c.PostMessageContext(ctx(t), "C0NOPE", slack.MsgOptionText("x", false)); err == nil || err.Error() != "channel_not_found" {
		t.Errorf("unknown channel: %v", err)
	}
	if _, _, err := c.PostMessageContext(ctx(t), "C0123456789"); err == nil || err.Error() != "no_text" {
		t.Errorf("no text: %v", err)
	}
	msgs = emu.Messages()
	if len(msgs) != 3 || msgs[1].Method != "chat.update" || msgs[1].Text != "Release v1.2.0 (updated)" || msgs[2].User != "U0123" {
		t.Errorf("messages = %+v", msgs)
	}
}

func TestAuthAndDirectory(t *testing.T) {
	_, srv := newEmu(t)
	if _, err := api(srv, "xoxb-wrong").AuthTestContext(ctx(t)); err == nil || err.Error() != "invalid_auth" {
		t.Errorf("wrong token: %v, want invalid_auth", err)
	}
	if _, _, err := api(srv, "xoxb-wrong").PostMessageContext(ctx(t), "C0123456789", slack.MsgOptionText("x", false)); err == nil || err.Error() != "invalid_auth" {
		t.Errorf("postMessage with a wrong token: %v", err)
	}
	// The raw answer is HTTP 200 with ok:false, as Slack's.
	resp, err := http.PostForm(srv.URL+"/api/auth.test", url.Values{"token": {"nope"}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != `{"error":"invalid_auth","ok":false}` {
		t.Errorf("raw answer = %d %s", resp.StatusCode, body)
	}
	resp, _ = http.PostForm(srv.URL+"/api/auth.test", nil)
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"not_authed"`) {
		t.Errorf("no token = %s", body)
	}
	c := api(srv, botToken)
	at, err := c.AuthTestContext(ctx(t))
	if err != nil || at.UserID != "U0BOT" || at.TeamID != "T0ACME" || at.BotID != "B0BOT" {
		t.Errorf("auth.test = %+v, %v", at, err)
	}
	u, err := c.GetUserInfoContext(ctx(t), "U0123")
	if err != nil || u.Name != "ana" || u.Profile.Email != "ana@example.com" || u.RealName != "Ana Lima" {
		t.Errorf("users.info = %+v, %v", u, err)
	}
	if _, err := c.GetUserInfoContext(ctx(t), "U0NOPE"); err == nil || err.Error() != "user_not_found" {
		t.Errorf("unknown user: %v", err)
	}
	members, err := c.GetUserGroupMembersContext(ctx(t), "S0456")
	if err != nil || strings.Join(members, ",") != "U0123,U0456" {
		t.Errorf("usergroups.users.list = %v, %v", members, err)
	}
	if _, err := c.GetUserGroupMembersContext(ctx(t), "S0NOPE"); err == nil || err.Error() != "no_such_subteam" {
		t.Errorf("unknown group: %v", err)
	}
}

func TestRateLimit(t *testing.T) {
	emu, srv := newEmu(t)
	emu.Inject("chat.postMessage", slackemu.RateLimited(time.Second))
	_, _, err := api(srv, botToken).PostMessageContext(ctx(t), "C0123456789", slack.MsgOptionText("x", false))
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != time.Second || !rl.Retryable() {
		t.Fatalf("429: %v, want a RateLimitedError with RetryAfter 1s", err)
	}
	// With retries on, slack-go waits Retry-After and succeeds.
	emu.Inject("chat.postMessage", slackemu.RateLimited(time.Second))
	c := api(srv, botToken, slack.OptionRetryConfig(slack.RetryConfig{MaxRetries: 2, RetryAfterDuration: time.Minute}))
	start := time.Now()
	if _, _, err := c.PostMessageContext(ctx(t), "C0123456789", slack.MsgOptionText("after the limit", false)); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < time.Second || d > 3*time.Second {
		t.Errorf("slack-go waited %v, want Retry-After's 1s", d)
	}
	if msgs := emu.Messages(); len(msgs) != 1 || msgs[0].Text != "after the limit" {
		t.Errorf("messages = %+v", msgs)
	}
	emu.Inject("", slackemu.Fault{Status: 503})
	var sce slack.StatusCodeError
	if _, err := api(srv, botToken).AuthTestContext(ctx(t)); !errors.As(err, &sce) || sce.Code != 503 {
		t.Errorf("503: %v", err)
	}
}

func post(t *testing.T, target, contentType, body string, hdr ...string) (int, http.Header, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", target, strings.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestResponseURLAllowsFivePosts(t *testing.T) {
	emu, srv := newEmu(t)
	now := time.Now()
	emu2, srv2 := newEmu(t, func(o *slackemu.Options) { o.Now = func() time.Time { return now } })
	ru := emu.ResponseURL(srv.URL)
	for i := 1; i <= 5; i++ {
		err := slack.PostWebhookContext(ctx(t), ru, &slack.WebhookMessage{Text: "step", ResponseType: "in_channel", ReplaceOriginal: i > 1})
		if err != nil {
			t.Fatalf("post %d: %v", i, err)
		}
	}
	err := slack.PostWebhookContext(ctx(t), ru, &slack.WebhookMessage{Text: "sixth"})
	var sce slack.StatusCodeError
	if !errors.As(err, &sce) || sce.Code != 404 {
		t.Errorf("sixth post: %v, want 404", err)
	}
	// Slack's hooks answer in plain text, not JSON.
	if st, _, body := post(t, ru, "application/json", `{"text":"seventh"}`); st != 404 || body != "used_url" {
		t.Errorf("seventh post = %d %q", st, body)
	}
	posts := emu.ResponsePosts(ru)
	if len(posts) != 5 || posts[0].ResponseType != "in_channel" || !posts[1].ReplaceOriginal {
		t.Errorf("posts = %+v", posts)
	}
	// slack-go's response_url option goes through the same receiver.
	ru2 := emu.ResponseURL(srv.URL)
	if _, _, err := api(srv, botToken).PostMessageContext(ctx(t), "", slack.MsgOptionResponseURL(ru2, slack.ResponseTypeEphemeral), slack.MsgOptionText("done", false)); err != nil {
		t.Errorf("MsgOptionResponseURL: %v", err)
	}
	if p := emu.ResponsePosts(ru2); len(p) != 1 || p[0].Text != "done" || p[0].ResponseType != "ephemeral" {
		t.Errorf("response_url posts = %+v", p)
	}
	// After 30 minutes the URL has expired: Slack says so in plain words.
	old := emu2.ResponseURL(srv2.URL)
	now = now.Add(31 * time.Minute)
	if st, _, body := post(t, old, "application/json", `{"text":"late"}`); st != 404 || body != "Expired url" {
		t.Errorf("late post = %d %q", st, body)
	}
}

func TestResponseURLAnswersAsSlackHooks(t *testing.T) {
	emu, srv := newEmu(t)
	ru := emu.ResponseURL(srv.URL)
	tests := []struct {
		name, contentType, body string
		status                  int
		answer                  string
	}{
		{"text", "application/json", `{"text":"hi","replace_original":"true"}`, 200, "ok"},
		{"not JSON", "application/json", `{"text":`, 400, "invalid_payload"},
		{"nothing to show", "application/json", `{"response_type":"in_channel"}`, 400, "missing_text_or_fallback_or_attachments"},
		{"delete needs no text", "application/json", `{"delete_original":true}`, 200, "ok"},
		{"bad blocks", "application/json", `{"text":"x","blocks":[{"type":"header","text":{"type":"mrkdwn","text":"*no*"}}]}`, 400, "invalid_blocks"},
		{"form payload", "application/x-www-form-urlencoded", "payload=" + url.QueryEscape(`{"text":"from a form"}`), 200, "ok"},
	}
	for _, tt := range tests {
		st, hdr, body := post(t, ru, tt.contentType, tt.body)
		if st != tt.status || body != tt.answer || !strings.HasPrefix(hdr.Get("Content-Type"), "text/") {
			t.Errorf("%s: %d %q (%s), want %d %q", tt.name, st, body, hdr.Get("Content-Type"), tt.status, tt.answer)
		}
	}
	if p := emu.ResponsePosts(ru); len(p) != 3 || !p[0].ReplaceOriginal || !p[1].DeleteOriginal || p[2].Text != "from a form" {
		t.Errorf("posts = %+v", p)
	}
	if st, _, body := post(t, srv.URL+"/commands/T0ACME/never-issued", "application/json", `{"text":"x"}`); st != 404 || body != "no_service" {
		t.Errorf("unknown response_url = %d %q", st, body)
	}
}

// TestTokenWhereSlackReadsIt: Slack reads the token from the Authorization
// header or a form body; not from the query string (apps created since
// 2021) nor from a JSON body (JSON needs the header).
func TestTokenWhereSlackReadsIt(t *testing.T) {
	_, srv := newEmu(t)
	jsonMsg := `{"channel":"C0123456789","text":"hi"}`
	tests := []struct {
		name, path, contentType, body string
		hdr                           []string
		want                          string
	}{
		{"bearer JSON", "/api/chat.postMessage", "application/json; charset=utf-8", jsonMsg, []string{"Authorization", "Bearer " + botToken}, `"ok":true`},
		{"token in a JSON body", "/api/chat.postMessage", "application/json", `{"token":"` + botToken + `","channel":"C0123456789","text":"hi"}`, nil, `"error":"not_authed"`},
		{"token in the query", "/api/chat.postMessage?token=" + botToken, "application/x-www-form-urlencoded", "channel=C0123456789&text=hi", nil, `"error":"not_authed"`},
		{"token in a form", "/api/chat.postMessage", "application/x-www-form-urlencoded", "token=" + botToken + "&channel=C0123456789&text=hi", nil, `"ok":true`},
		{"bad JSON", "/api/chat.postMessage", "application/json", `{"channel":`, []string{"Authorization", "Bearer " + botToken}, `"error":"invalid_json"`},
		// users.info reads no JSON body: its arguments are missing.
		{"JSON to a form-only method", "/api/users.info", "application/json", `{"user":"U0123"}`, []string{"Authorization", "Bearer " + botToken}, `"error":"invalid_arguments"`},
		{"absent channel", "/api/chat.postMessage", "application/x-www-form-urlencoded", "token=" + botToken + "&text=hi", nil, `"messages":["[ERROR] missing required field: channel"]`},
		{"empty channel", "/api/chat.postMessage", "application/x-www-form-urlencoded", "token=" + botToken + "&channel=&text=hi", nil, `"error":"channel_not_found"`},
	}
	for _, tt := range tests {
		st, _, body := post(t, srv.URL+tt.path, tt.contentType, tt.body, tt.hdr...)
		if st != 200 || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d %s, want %s", tt.name, st, body, tt.want)
		}
	}
}

func TestChannelsAsSlack(t *testing.T) {
	emu, srv := newEmu(t)
	c := api(srv, botToken)
	for _, tt := range []struct{ channel, want string }{
		{"C0NOBOT", "not_in_channel"}, // the bot was never invited
		{"C0OLD", "is_archived"},
		{"C0NOPE", "channel_not_found"},
	} {
		if _, _, err := c.PostMessageContext(ctx(t), tt.channel, slack.MsgOptionText("x", false)); err == nil || err.Error() != tt.want {
			t.Errorf("post to %s: %v, want %s", tt.channel, err, tt.want)
		}
		if _, err := c.PostEphemeralContext(ctx(t), tt.channel, "U0123", slack.MsgOptionText("x", false)); err == nil || err.Error() != tt.want {
			t.Errorf("ephemeral to %s: %v, want %s", tt.channel, err, tt.want)
		}
	}
	if len(emu.Messages()) != 0 {
		t.Errorf("messages = %+v", emu.Messages())
	}
}

// TestBlockKitLimits: Slack refuses blocks past Block Kit's limits with
// invalid_blocks and says where in response_metadata.messages.
func TestBlockKitLimits(t *testing.T) {
	_, srv := newEmu(t)
	c := api(srv, botToken)
	plain := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
	}
	mrkdwn := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
	}
	many := make([]slack.Block, 51)
	for i := range many {
		many[i] = slack.NewDividerBlock()
	}
	tests := []struct {
		name   string
		blocks []slack.Block
		want   string
	}{
		{"header past 150", []slack.Block{slack.NewHeaderBlock(plain(strings.Repeat("h", 151)))}, "[ERROR] must be less than 151 characters [json-pointer:/blocks/0/text/text]"},
		{"header in mrkdwn", []slack.Block{slack.NewHeaderBlock(mrkdwn("*v1*"))}, "[ERROR] failed to match all allowed schemas [json-pointer:/blocks/0/text]"},
		{"section past 3000", []slack.Block{slack.NewDividerBlock(), slack.NewSectionBlock(mrkdwn(strings.Repeat("é", 3001)), nil, nil)}, "[ERROR] must be less than 3001 characters [json-pointer:/blocks/1/text/text]"},
		{"empty section text", []slack.Block{slack.NewSectionBlock(mrkdwn(""), nil, nil)}, "[ERROR] must be more than 0 characters [json-pointer:/blocks/0/text/text]"},
		{"51 blocks", many, "[ERROR] no more than 50 items allowed [json-pointer:/blocks]"},
		{"button text past 75", []slack.Block{slack.NewActionBlock("a", slack.NewButtonBlockElement("b", "1", plain(strings.Repeat("b", 76))))}, "[ERROR] must be less than 76 characters [json-pointer:/blocks/0/elements/0/text/text]"},
	}
	for _, tt := range tests {
		_, _, err := c.PostMessageContext(ctx(t), "C0123456789", slack.MsgOptionText("fallback", false), slack.MsgOptionBlocks(tt.blocks...))
		var se slack.SlackErrorResponse
		if !errors.As(err, &se) || se.Err != "invalid_blocks" || !slices.Contains(se.ResponseMetadata.Messages, tt.want) {
			t.Errorf("%s: %v %+v, want invalid_blocks with %q", tt.name, err, se.ResponseMetadata.Messages, tt.want)
		}
	}
	// 50 blocks at their limits pass.
	ok := []slack.Block{slack.NewHeaderBlock(plain(strings.Repeat("h", 150)))}
	for len(ok) < 50 {
		ok = append(ok, slack.NewSectionBlock(mrkdwn(strings.Repeat("s", 3000)), nil, nil))
	}
	if _, _, err := c.PostMessageContext(ctx(t), "C0123456789", slack.MsgOptionText("fallback", false), slack.MsgOptionBlocks(ok...)); err != nil {
		t.Errorf("blocks at their limits: %v", err)
	}
	// Blocks that are not a JSON array.
	if _, _, body := post(t, srv.URL+"/api/chat.postMessage", "application/x-www-form-urlencoded", "token="+botToken+"&channel=C0123456789&blocks=%7B%7D"); !strings.Contains(body, `"invalid_blocks_format"`) {
		t.Errorf("blocks not an array: %s", body)
	}
	atts := make([]slack.Attachment, 101)
	if _, _, err := c.PostMessageContext(ctx(t), "C0123456789", slack.MsgOptionText("x", false), slack.MsgOptionAttachments(atts...)); err == nil || err.Error() != "too_many_attachments" {
		t.Errorf("101 attachments: %v", err)
	}
}

func TestTextLimits(t *testing.T) {
	emu, srv := newEmu(t)
	c := api(srv, botToken)
	ch, ts, err := c.PostMessageContext(ctx(t), "C0123456789", slack.MsgOptionText(strings.Repeat("x", 40001), false))
	if err != nil {
		t.Fatal(err)
	}
	if m := emu.Messages(); len(m) != 1 || len(m[0].Text) != 40000 {
		t.Errorf("a 40001-character text was not truncated to 40000")
	}
	if _, _, _, err := c.UpdateMessageContext(ctx(t), ch, ts, slack.MsgOptionText(strings.Repeat("x", 4001), false)); err == nil || err.Error() != "msg_too_long" {
		t.Errorf("chat.update past 4000 characters: %v", err)
	}
	if _, _, _, err := c.UpdateMessageContext(ctx(t), ch, ts, slack.MsgOptionText(strings.Repeat("x", 4000), false)); err != nil {
		t.Errorf("chat.update of 4000 characters: %v", err)
	}
	if _, _, _, err := c.UpdateMessageContext(ctx(t), "C0OLD", ts, slack.MsgOptionText("x", false)); err == nil || err.Error() != "is_inactive" {
		t.Errorf("chat.update in an archived channel: %v", err)
	}
}

// TestSignedRequests: what the client sends verifies with slack-go's own
// verifier and parses with its own parsers.
func TestSignedRequests(t *testing.T) {
	const secret = "8f742231b10e8888abcd99yyyzzz85a5"
	type got struct {
		cmd slack.SlashCommand
		cb  slack.InteractionCallback
		raw string // the interaction payload as sent
	}
	var last got
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sv, err := slack.NewSecretsVerifier(r.Header, secret)
		if err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		body, _ := io.ReadAll(r.Body)
		_, _ = sv.Write(body)
		if err := sv.Ensure(); err != nil {
			http.Error(w, err.Error(), http.StatusUnauthorized)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		switch r.URL.Path {
		case "/slack/commands":
			cmd, err := slack.SlashCommandParse(r)
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			last.cmd = cmd
		case "/slack/interactions":
			if err := r.ParseForm(); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
			last.raw = r.PostFormValue("payload")
			if err := json.Unmarshal([]byte(last.raw), &last.cb); err != nil {
				http.Error(w, err.Error(), http.StatusBadRequest)
				return
			}
		}
		_, _ = w.Write([]byte(`{"response_type":"ephemeral","text":"working on it"}`))
	}))
	defer app.Close()
	emu, srv := newEmu(t)
	c := &slackemu.Client{SigningSecret: secret}
	ru := emu.ResponseURL(srv.URL)
	resp, err := c.SlashCommand(ctx(t), app.URL+"/slack/commands", slack.SlashCommand{
		Command: "/canary", Text: "50 prod", UserID: "U0123", UserName: "ana", ChannelID: "C0123456789", ChannelName: "releases", ResponseURL: ru,
	})
	if err != nil || resp.Status != 200 {
		t.Fatalf("slash command: %v %d %s", err, resp.Status, resp.Body)
	}
	if cmd := last.cmd; cmd.Command != "/canary" || cmd.Text != "50 prod" || cmd.UserID != "U0123" || cmd.ResponseURL != ru || cmd.TriggerID == "" || cmd.TeamID != "T0ACME" {
		t.Errorf("the app parsed %+v", cmd)
	}
	resp, err = c.Interaction(ctx(t), app.URL+"/slack/interactions", slack.InteractionCallback{
		User: slack.User{ID: "U0123", Name: "ana"}, Channel: slack.Channel{GroupConversation: slack.GroupConversation{Conversation: slack.Conversation{ID: "C0123456789"}}},
		ResponseURL:    ru,
		Message:        slack.Message{Msg: slack.Msg{Timestamp: "1700000000.000100", Text: "Release v1.2.0", BotID: "B0BOT"}},
		ActionCallback: slack.ActionCallbacks{BlockActions: []*slack.BlockAction{{ActionID: "tick-1", BlockID: "checklist", Value: "1", Type: "button"}}},
	})
	if err != nil || resp.Status != 200 {
		t.Fatalf("interaction: %v %d %s", err, resp.Status, resp.Body)
	}
	if cb := last.cb; cb.Type != slack.InteractionTypeBlockActions || cb.User.ID != "U0123" || len(cb.ActionCallback.BlockActions) != 1 || cb.ActionCallback.BlockActions[0].ActionID != "tick-1" ||
		cb.Container.MessageTs != "1700000000.000100" || cb.Container.ChannelID != "C0123456789" || cb.Token == "" || cb.APIAppID == "" {
		t.Errorf("the app parsed %+v", cb)
	}
	// The payload holds what Slack sends and nothing slack-go's types would
	// add: an app must not come to rely on a field Slack never fills.
	var raw map[string]json.RawMessage
	_ = json.Unmarshal([]byte(last.raw), &raw)
	keysOf := func(m map[string]json.RawMessage) string {
		var k []string
		for key := range m {
			k = append(k, key)
		}
		slices.Sort(k)
		return strings.Join(k, ",")
	}
	if got := keysOf(raw); got != "actions,api_app_id,channel,container,enterprise,is_enterprise_install,message,response_url,state,team,token,trigger_id,type,user" {
		t.Errorf("block_actions fields = %s", got)
	}
	var user, action map[string]json.RawMessage
	_ = json.Unmarshal(raw["user"], &user)
	var actions []map[string]json.RawMessage
	_ = json.Unmarshal(raw["actions"], &actions)
	if len(actions) == 1 {
		action = actions[0]
	}
	if keysOf(user) != "id,name,team_id,username" || keysOf(action) != "action_id,action_ts,block_id,type,value" || string(raw["enterprise"]) != "null" {
		t.Errorf("user = %s, action = %s, enterprise = %s", raw["user"], raw["actions"], raw["enterprise"])
	}
	if last.cmd.Token != slackemu.VerificationToken {
		t.Errorf("slash command token = %q, want Slack's verification token", last.cmd.Token)
	}
	// A wrong secret or an old timestamp is refused by the verifier.
	bad := &slackemu.Client{SigningSecret: "wrong"}
	if resp, _ := bad.SlashCommand(ctx(t), app.URL+"/slack/commands", slack.SlashCommand{Command: "/canary"}); resp.Status != http.StatusUnauthorized {
		t.Errorf("wrong secret answered %d", resp.Status)
	}
	stale := &slackemu.Client{SigningSecret: secret, Now: func() time.Time { return time.Now().Add(-6 * time.Minute) }}
	if resp, _ := stale.SlashCommand(ctx(t), app.URL+"/slack/commands", slack.SlashCommand{Command: "/canary"}); resp.Status != http.StatusUnauthorized {
		t.Errorf("stale timestamp answered %d", resp.Status)
	}
	// Slack's documented example signature.
	body := "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
	if got := slackemu.Sign("8f742231b10e8888abcd99yyyzzz85a5", 1531420618, []byte(body)); got != "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503" {
		t.Errorf("Sign = %s, want Slack's documented signature", got)
	}
}
